"""Streaming: print tokens as they arrive, then the usage counted once for the stream.

Run: ``.venv/bin/python examples/streaming.py``.
"""

from _replay import live_or_replay

from langchain_baseten import ChatBaseten

with live_or_replay("streaming") as run:
    llm = ChatBaseten(model="baseten/openai/gpt-oss-120b", temperature=0, max_tokens=300)
    full = None
    print(run.tag, end="")
    for chunk in llm.stream("Write a haiku about fast inference."):
        print(chunk.text, end="", flush=True)
        full = chunk if full is None else full + chunk
    print()
    if full is not None:
        print(f"{run.tag}finish_reason: {full.response_metadata.get('finish_reason')}")
        print(f"{run.tag}usage (reported on exactly one chunk): {full.usage_metadata}")
