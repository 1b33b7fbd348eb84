"""Quickstart: one question to a Baseten Model API, answered with token usage.

Run: ``make demo`` (replays recorded HTTP without BASETEN_API_KEY; live with it).
"""

from _replay import live_or_replay

from langchain_baseten import ChatBaseten

with live_or_replay("quickstart") as run:
    llm = ChatBaseten(model="baseten/openai/gpt-oss-120b", temperature=0, max_tokens=256)
    print(f"endpoint: {llm.endpoint.base_url}  model: {llm.model_name}{run.endpoint_note}")
    reply = llm.invoke(
        [
            ("system", "You are a concise assistant."),
            ("human", "In one sentence, what is Baseten?"),
        ]
    )
    reasoning = reply.additional_kwargs.get("reasoning_content")
    if reasoning:
        print(f"{run.tag}reasoning: {reasoning}")
    print(f"{run.tag}answer: {reply.content}")
    print(f"{run.tag}usage: {reply.usage_metadata}")
    print(f"{run.tag}request id: {reply.response_metadata.get('baseten_request_id')}")
