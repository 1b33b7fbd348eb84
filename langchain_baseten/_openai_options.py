"""ChatOpenAI's client options that are not request parameters, as ``ChatBaseten`` honours them.

Code written for ``ChatOpenAI`` passes these; none of them is ever a request
body key:

* ``include_response_headers=True``: the HTTP response headers in
  ``response_metadata["headers"]`` (the first chunk's, when streaming), as
  ChatOpenAI and the published langchain-baseten 0.2.x return them.
* ``use_responses_api``: ``False``/``None`` accepted (Chat Completions is what
  Baseten serves); ``True`` refused, naming why.
* ``disabled_params={"name": None | [values]}``: those parameters (or those
  values of them) are never sent, from any layer (:func:`drop_disabled`).
* ``stream_chunk_timeout``: the longest wait for the next event of an async
  stream (:func:`events_within`), raising :class:`StreamChunkTimeoutError`
  (an ``asyncio.TimeoutError``), as ChatOpenAI's option of that name. Off by
  default (ChatOpenAI: 120 s): ``timeout=`` already bounds the whole request.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from collections.abc import AsyncIterable, AsyncIterator, Mapping

__all__ = [
    "StreamChunkTimeoutError",
    "check_disabled_params",
    "check_stream_chunk_timeout",
    "check_use_responses_api",
    "drop_disabled",
    "events_within",
]

_log = logging.getLogger(__name__)

_T = TypeVar("_T")

#: Body keys a ``disabled_params`` entry may not remove (without them there is no request).
_ESSENTIAL = frozenset({"model", "messages"})


class StreamChunkTimeoutError(asyncio.TimeoutError):
    """No event of an async stream arrived within ``stream_chunk_timeout`` seconds.

    Attributes:
        timeout_s: The limit.
        model_name: The model streamed from.
        chunks_received: Events received before the stall.
    """

    def __init__(self, timeout_s: float, *, model_name: str, chunks_received: int) -> None:
        """Describe the stall: the limit, the model and how far the stream got."""
        self.timeout_s = timeout_s
        self.model_name = model_name
        self.chunks_received = chunks_received
        super().__init__(
            f"No streamed chunk arrived within stream_chunk_timeout={timeout_s} s "
            f"(model={model_name}, chunks_received={chunks_received}). Raise "
            "stream_chunk_timeout= (or pass None to turn it off) if the model pauses "
            "this long; timeout= bounds the whole request."
        )


def check_use_responses_api(value: object) -> bool | None:
    """``False``/``None`` are fine; ``True`` is refused with the reason."""
    if value is None or value is False:
        return value
    msg = (
        f"use_responses_api={value!r}: Baseten serves the Chat Completions API "
        "(/v1/chat/completions), not OpenAI's Responses API. Drop use_responses_api "
        "(or pass False); reasoning, tools and structured output work through Chat "
        "Completions."
    )
    raise ValueError(msg)


def check_stream_chunk_timeout(value: object) -> float | None:
    """``None``/``0`` turn it off; a positive number of seconds; anything else is refused."""
    if value is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0:
        return float(value) or None
    msg = (
        f"stream_chunk_timeout={value!r} is not a number of seconds >= 0: pass the "
        "longest wait for the next streamed chunk (e.g. 120), or None/0 to turn it off."
    )
    raise ValueError(msg)


def check_disabled_params(value: object) -> dict[str, Any] | None:
    """``{"name": None | [values]}``, as ChatOpenAI takes it."""
    if value is None:
        return None
    example = 'e.g. {"parallel_tool_calls": None} or {"tool_choice": ["required"]}'
    if not isinstance(value, dict):
        msg = f"disabled_params must be a dict of parameter -> None or a list of values, {example}."
        raise ValueError(msg)  # noqa: TRY004  # bad input, reported like every other
    for name, spec in value.items():
        if name in _ESSENTIAL:
            msg = f"disabled_params[{name!r}]: every request needs {name!r}; remove this entry."
            raise ValueError(msg)
        if spec is not None and not isinstance(spec, (list, tuple, set, frozenset)):
            msg = (
                f"disabled_params[{name!r}] must be None (never send it) or a list of the "
                f"values not to send, {example}."
            )
            raise ValueError(msg)
    return dict(value)


def drop_disabled(body: dict[str, Any], disabled: Mapping[str, Any] | None) -> None:
    """Remove what ``disabled_params`` rules out from the finished body (never sent)."""
    if not disabled:
        return
    for name, spec in disabled.items():
        if name in body and (spec is None or body[name] in spec):
            _log.debug("disabled_params: %r not sent", name)
            del body[name]


async def events_within(
    events: AsyncIterable[_T], limit: float, model_name: str
) -> AsyncIterator[_T]:
    """``events``, each awaited for at most ``limit`` seconds (``stream_chunk_timeout``).

    Raises:
        StreamChunkTimeoutError: When the next event takes longer (logged as a warning).
    """
    iterator = aiter(events)
    received = 0
    while True:
        try:
            async with asyncio.timeout(limit):
                event = await anext(iterator)
        except StopAsyncIteration:
            return
        except TimeoutError as exc:
            _log.warning(
                "stream_chunk_timeout=%s s passed without a chunk from %s (%d received)",
                limit,
                model_name,
                received,
            )
            raise StreamChunkTimeoutError(
                limit, model_name=model_name, chunks_received=received
            ) from exc
        received += 1
        yield event
