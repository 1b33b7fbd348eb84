"""Agent tool loops end to end: LangChain's create_agent -> ChatBaseten -> real HTTP -> local server.

The local server behaves like a tool-calling model when no reply is scripted:
with tools bound it calls the (first or forced) tool with arguments made from
the tool's schema, and after a tool result it answers "Based on the tool: ...".
"""

from __future__ import annotations

from typing import Any

import pytest
from langchain.agents import create_agent
from langchain_core.callbacks import get_usage_metadata_callback
from langchain_core.messages import AIMessage, AIMessageChunk, HumanMessage, ToolMessage
from langchain_core.tools import tool

from langchain_baseten import ChatBaseten
from tests import fake_baseten as fb

KEY = "bt-test-key-agent"


@tool
def get_weather(city: str) -> str:
    """Get the current weather for a city."""
    return f"It is 18 degrees in {city}."


@pytest.fixture
def llm(fake_baseten: fb.FakeBaseten) -> ChatBaseten:
    return ChatBaseten(
        model="baseten/openai/gpt-oss-120b", base_url=fake_baseten.url("/v1"), api_key=KEY
    )


def _usage(prompt: int, completion: int) -> dict[str, int]:
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
    }


def test_agent_calls_the_tool_and_answers(llm: ChatBaseten, fake_baseten: fb.FakeBaseten) -> None:
    agent = create_agent(llm, tools=[get_weather])
    result = agent.invoke({"messages": [HumanMessage("What's the weather in Paris?")]})
    messages = result["messages"]
    assert [type(m) for m in messages] == [HumanMessage, AIMessage, ToolMessage, AIMessage]
    call = messages[1].tool_calls[0]
    assert call["name"] == "get_weather"
    assert call["args"] == {"city": "Paris"}
    assert messages[2].content == "It is 18 degrees in Paris."
    assert messages[2].tool_call_id == call["id"]
    assert messages[3].content == "Based on the tool: It is 18 degrees in Paris."

    first, second = (r.json() for r in fake_baseten.requests)
    assert [t["function"]["name"] for t in first["tools"]] == ["get_weather"]
    assistant, tool_result = second["messages"][1], second["messages"][2]
    assert assistant["role"] == "assistant"
    assert assistant["content"] is None
    assert assistant["tool_calls"][0]["id"] == call["id"]
    assert assistant["tool_calls"][0]["function"] == {
        "name": "get_weather",
        "arguments": '{"city": "Paris"}',
    }
    assert (
        assistant["reasoning_content"] == fb.DEFAULT_REASONING
    )  # sent back with the tool-call turn
    assert tool_result == {
        "role": "tool",
        "tool_call_id": call["id"],
        "content": "It is 18 degrees in Paris.",
    }


def test_agent_usage_is_totalled_across_turns(
    llm: ChatBaseten, fake_baseten: fb.FakeBaseten
) -> None:
    delta = {
        "index": 0,
        "id": "call_1",
        "type": "function",
        "function": {"name": "get_weather", "arguments": '{"city": "Oslo"}'},
    }
    fake_baseten.enqueue(
        fb.stream(
            None, tool_call_deltas=[[delta]], finish_reason="tool_calls", usage=_usage(30, 5)
        ),
        fb.stream("Cold in Oslo.", usage=_usage(50, 4), usage_mode="both"),
    )
    agent = create_agent(llm.bind(stream_usage=True), tools=[get_weather])
    with get_usage_metadata_callback() as cb:
        for _ in agent.stream(
            {"messages": [HumanMessage("Weather in Oslo?")]}, stream_mode="messages"
        ):
            pass
    (usage,) = cb.usage_metadata.values()
    assert usage["input_tokens"] == 80
    assert usage["output_tokens"] == 9
    assert usage["total_tokens"] == 89


def test_streaming_agent_yields_tool_call_chunks_and_final_text(llm: ChatBaseten) -> None:
    agent = create_agent(llm, tools=[get_weather])
    chunks: list[Any] = []
    for message, _meta in agent.stream(
        {"messages": [HumanMessage("Weather in Rome?")]}, stream_mode="messages"
    ):
        chunks.append(message)
    ai_chunks = [c for c in chunks if isinstance(c, AIMessageChunk)]
    call_chunks = [tc for c in ai_chunks for tc in c.tool_call_chunks]
    assert call_chunks
    assert {tc["name"] for tc in call_chunks if tc["name"]} == {"get_weather"}
    assert "".join(tc["args"] or "" for tc in call_chunks) == '{"city": "Rome"}'
    text = "".join(c.text for c in ai_chunks)
    assert text.endswith("Based on the tool: It is 18 degrees in Rome.")


async def test_async_agent(llm: ChatBaseten) -> None:
    agent = create_agent(llm, tools=[get_weather])
    result = await agent.ainvoke({"messages": [HumanMessage("Weather in Lima?")]})
    assert result["messages"][-1].content == "Based on the tool: It is 18 degrees in Lima."
