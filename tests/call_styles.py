"""Run one call in any call style and get the whole answer (tests share this)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from langchain_core.messages import AIMessageChunk, BaseMessage

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

#: invoke and ainvoke (plain requests), stream and astream (streamed).
STYLES = ["invoke", "ainvoke", "stream", "astream"]
#: Every way a request is streamed: stream, astream, and invoke/ainvoke with stream=True.
STREAM_STYLES = ["stream", "astream", "invoke-streaming", "ainvoke-streaming"]


def merge_chunks(chunks: Sequence[AIMessageChunk]) -> AIMessageChunk:
    """Streamed chunks merged as LangChain merges them (with ``+``)."""
    total = chunks[0]
    for chunk in chunks[1:]:
        total += chunk
    return total


def message_chunks(messages: Iterable[BaseMessage]) -> list[AIMessageChunk]:
    """A chat model's streamed messages, checked to be chunks (LangChain types them as messages)."""
    chunks = list(messages)
    for chunk in chunks:
        assert isinstance(chunk, AIMessageChunk), chunk
    return [chunk for chunk in chunks if isinstance(chunk, AIMessageChunk)]


async def answer(runnable: Any, style: str, prompt: Any = "hi", **kwargs: Any) -> Any:
    """The whole answer of one call in ``style`` (``kwargs`` go to the call).

    Streamed chunks are merged as LangChain merges them (messages with ``+``);
    for anything else (structured output) the last streamed value is returned.
    """
    if style in {"invoke", "invoke-streaming"}:
        if style == "invoke-streaming":
            kwargs = {"stream": True, **kwargs}
        return runnable.invoke(prompt, **kwargs)
    if style in {"ainvoke", "ainvoke-streaming"}:
        if style == "ainvoke-streaming":
            kwargs = {"stream": True, **kwargs}
        return await runnable.ainvoke(prompt, **kwargs)
    if style == "stream":
        chunks = list(runnable.stream(prompt, **kwargs))
    else:
        chunks = [chunk async for chunk in runnable.astream(prompt, **kwargs)]
    if not chunks or not isinstance(chunks[0], BaseMessage):
        return chunks[-1] if chunks else None
    return merge_chunks(chunks)
