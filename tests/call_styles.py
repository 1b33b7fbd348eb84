"""Run one call in any call style and get the whole answer (tests share this)."""

from __future__ import annotations

from typing import Any

from langchain_core.messages import AIMessageChunk, BaseMessage

#: invoke and ainvoke (plain requests), stream and astream (streamed).
STYLES = ["invoke", "ainvoke", "stream", "astream"]
#: Every way a request is streamed: stream, astream, and invoke/ainvoke with stream=True.
STREAM_STYLES = ["stream", "astream", "invoke-streaming", "ainvoke-streaming"]


async def answer(runnable: Any, style: str, prompt: Any = "hi") -> Any:
    """The whole answer of one call in ``style``.

    Streamed chunks are merged as LangChain merges them (messages with ``+``);
    for anything else (structured output) the last streamed value is returned.
    """
    if style in {"invoke", "invoke-streaming"}:
        kwargs = {"stream": True} if style == "invoke-streaming" else {}
        return runnable.invoke(prompt, **kwargs)
    if style in {"ainvoke", "ainvoke-streaming"}:
        kwargs = {"stream": True} if style == "ainvoke-streaming" else {}
        return await runnable.ainvoke(prompt, **kwargs)
    if style == "stream":
        chunks = list(runnable.stream(prompt))
    else:
        chunks = [chunk async for chunk in runnable.astream(prompt)]
    if not chunks or not isinstance(chunks[0], BaseMessage):
        return chunks[-1] if chunks else None
    total: AIMessageChunk = chunks[0]
    for chunk in chunks[1:]:
        total += chunk
    return total
