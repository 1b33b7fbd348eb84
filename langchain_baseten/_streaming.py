"""Chat streams: events read from the body, LangChain chunks built, the end judged.

What one streamed chat request does after the openai client has sent it
(:meth:`langchain_baseten._http.transport.Transport.stream` opens the response):

* :class:`EventStream` / :class:`AsyncEventStream` read the raw body with the
  pure decoder of :mod:`langchain_baseten._sse`, yield each JSON event, stop at
  ``[DONE]`` (reading on to the body's end so the connection goes back to the
  pool), and remember how the body ended: ``[DONE]``, the end of the body, or a
  failed read;
* :class:`StreamParser` turns each event into a ``ChatGenerationChunk``,
  fixing Baseten's streaming quirks on the way (cumulative usage reported once,
  TensorRT-LLM's several tool-call deltas per index merged into one call per
  index, calls without ids given one), and builds the closing chunk with the
  finish reason, metadata and usage;
* :meth:`_StreamState.outcome` judges the ended stream: ``[DONE]`` or a
  ``finish_reason`` means a complete answer (vLLM may send ``[DONE]`` without a
  ``finish_reason``, vllm-project/vllm#27572); only a stream cut before both
  raises.

Errors once the answer started are mapped here (the stream variant): a JSON
body or an HTML page instead of events (:func:`open_events`), a lost
connection or a total deadline passed mid-stream, an error event with the
server's own words, bytes that are not well-formed events; their messages are
written by :mod:`langchain_baseten._errors`. Errors before the answer (HTTP
statuses, connecting, unsendable bodies) are the request variant, in
:mod:`langchain_baseten._http.transport`.

Speed: a plain text delta (the vast majority of chunks) is built without
pydantic validation, as ``model_construct`` would, into objects identical to
what the validating constructors make (:func:`_fast_chunks_match` checks that
once, on the first chunk, and the constructors are used if anything differs).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from contextlib import suppress
from typing import TYPE_CHECKING, Any, NoReturn, Protocol

import openai
from langchain_core.messages import AIMessageChunk
from langchain_core.outputs import ChatGenerationChunk

from langchain_baseten._baseten_api import PROVIDER, REQUEST_ID_HEADER, server_name
from langchain_baseten._errors import (
    BasetenResponseError,
    ErrorFacts,
    MalformedResponseError,
    connection_error,
    enrich_api_error,
    server_message,
    stream_ended_early,
)
from langchain_baseten._http.bodies import READ_ERRORS, afirst_bytes, first_bytes
from langchain_baseten._messages import (
    malformed,
    reasoning_of,
    refusal_of,
    response_metadata_from_wire,
    text_or_none,
    wire_text,
)
from langchain_baseten._redact import scrub
from langchain_baseten._server_tools import SERVER_FIELD_PREFIX, add_hosted_tool_metadata
from langchain_baseten._sse import (
    DONE,
    ServerErrorEvent,
    SSEDecoder,
    SSEError,
    loads,
    parse_event,
)
from langchain_baseten._tools import new_tool_call_id
from langchain_baseten._usage import usage_metadata_from_wire

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator, Mapping

    import httpx2
    from langchain_core.messages import ToolCallChunk

__all__ = ["AsyncEventStream", "EventStream", "StreamParser", "aopen_events", "open_events"]

log = logging.getLogger(__name__)

# Bytes read past [DONE] to reach the body's end (normally just the chunked terminator).
_DRAIN_LIMIT = 64 * 1024


# --------------------------------------------------------------------------- the stream variant
# of error mapping: what goes wrong after the response started


class StreamSettings(Protocol):
    """What a stream needs of its transport's settings (``ClientSettings``)."""

    @property
    def secrets(self) -> tuple[str, ...]:
        """What no error shows: the key and the credential headers' values."""
        ...


def _lost_connection_error(
    exc: Exception, response: httpx2.Response, url: str, settings: StreamSettings
) -> openai.APIError:
    """The SDK's error for a read that failed mid-stream, with Baseten's explanation."""
    facts = ErrorFacts(
        url=url,
        secret=settings.secrets,
        mid_stream=True,
        request_id=response.headers.get(REQUEST_ID_HEADER),
    )
    return enrich_api_error(connection_error(exc, response.request), facts)


def _server_error_event(
    exc: ServerErrorEvent, response: httpx2.Response, url: str, settings: StreamSettings
) -> openai.APIError:
    """An error the server sent inside the stream, in its own words."""
    err = openai.APIError(exc.message, response.request, body=exc.body)
    facts = ErrorFacts(
        url=url,
        secret=settings.secrets,
        mid_stream=True,
        request_id=response.headers.get(REQUEST_ID_HEADER),
    )
    return enrich_api_error(err, facts)


def _bad_stream(exc: SSEError, response: httpx2.Response) -> BasetenResponseError:
    """Bytes that are not well-formed events (not UTF-8, an oversized event ...)."""
    who = server_name(response.request.url.host)
    return BasetenResponseError(f"{who} sent {exc}.", response.request, body=None)


# --------------------------------------------------------------------------- reading events


class _StreamState:
    """What the sync and async readers share: the decoder, and how the stream ended.

    Attributes:
        done: ``[DONE]`` arrived.
        error: The connection failed (or timed out) while reading, before ``[DONE]``.
        received: At least one JSON event arrived.
        response: The HTTP response being read.
    """

    __slots__ = (
        "_decoder",
        "_drained",
        "_settings",
        "_url",
        "done",
        "error",
        "received",
        "response",
    )

    def __init__(
        self, response: httpx2.Response, url: str, settings: StreamSettings, max_event_bytes: int
    ) -> None:
        self.response = response
        self._url = url
        self._settings = settings
        self._decoder = SSEDecoder(max_event_bytes)
        self._drained = 0
        self.done = False
        self.received = False
        self.error: openai.APIError | None = None

    def payloads(self, raw: bytes) -> list[dict[str, Any]]:
        """The JSON events completed by one network read, up to ``[DONE]``."""
        try:
            events = self._decoder.feed(raw)
        except SSEError as exc:
            raise _bad_stream(exc, self.response) from None
        payloads: list[dict[str, Any]] = []
        for event in events:
            try:
                payload = parse_event(event)
            except SSEError as exc:
                raise _bad_stream(exc, self.response) from None
            except ServerErrorEvent as exc:
                raise _server_error_event(exc, self.response, self._url, self._settings) from None
            if payload is DONE:
                self.done = True
                break
            if isinstance(payload, dict):
                payloads.append(payload)
        if payloads:
            self.received = True
        return payloads

    def drained(self, raw: bytes) -> bool:
        """Read past ``[DONE]`` to the body's end (so the connection can be reused).

        Returns:
            ``True`` once more than a few kilobytes follow ``[DONE]``: stop, and
            let closing the response drop the connection.
        """
        self._drained += len(raw)
        return self._drained > _DRAIN_LIMIT

    def end(self) -> None:
        """The body ended (an unfinished last event is dropped, as the SSE rules say)."""
        if self._decoder.finish():
            log.debug("Stream body ended inside an event; the unfinished event was dropped")

    def lost(self, exc: Exception) -> None:
        """The connection failed while reading: keep the error unless ``[DONE]`` came."""
        if self.done:
            log.debug("Stream read failed after [DONE] (%s): complete", type(exc).__name__)
            return
        self.error = _lost_connection_error(exc, self.response, self._url, self._settings)

    def outcome(self, *, finished: bool) -> str | None:
        """Judge the ended stream, given whether the model sent a ``finish_reason``.

        Args:
            finished: A chunk carried a ``finish_reason``.

        Returns:
            ``None`` for a normal end; otherwise how a complete answer ended
            (for ``response_metadata["stream_end"]``): ``"done_without_finish_reason"``
            (vLLM may end with ``[DONE]`` alone, vllm-project/vllm#27572),
            ``"closed_after_finish_reason"`` (the body ended without ``[DONE]``)
            or ``"cut_after_finish_reason"`` (the connection broke after it).

        Raises:
            openai.APIConnectionError: The connection broke before the answer was complete.
            BasetenStreamError: The body ended with neither ``finish_reason`` nor ``[DONE]``.
        """
        host = self.response.request.url.host
        if self.error is not None:
            if not finished:
                raise self.error
            log.debug("Stream from %s cut after its finish_reason: kept as complete", host)
            return "cut_after_finish_reason"
        if self.done and (finished or self.received):
            if finished:
                return None
            log.debug("Stream from %s ended by [DONE] without a finish_reason: complete", host)
            return "done_without_finish_reason"
        if not finished:
            raise stream_ended_early(self.response.request, done=self.done)
        log.debug("Stream from %s closed after its finish_reason without [DONE]: complete", host)
        return "closed_after_finish_reason"


class EventStream(_StreamState):
    """The JSON events of one sync stream; iterate once, then ask :meth:`outcome`."""

    __slots__ = ()

    def __iter__(self) -> Iterator[dict[str, Any]]:
        """Yield each JSON event (a dict) until ``[DONE]`` or the end of the body."""
        try:
            for raw in self.response.iter_bytes():
                if self.done:
                    if self.drained(raw):
                        return
                    continue
                yield from self.payloads(raw)
        except READ_ERRORS as exc:
            self.lost(exc)
        else:
            self.end()


class AsyncEventStream(_StreamState):
    """Async twin of :class:`EventStream`."""

    __slots__ = ()

    async def __aiter__(self) -> AsyncIterator[dict[str, Any]]:
        """Yield each JSON event (a dict) until ``[DONE]`` or the end of the body."""
        try:
            async for raw in self.response.aiter_bytes():
                if self.done:
                    if self.drained(raw):
                        return
                    continue
                for payload in self.payloads(raw):
                    yield payload
        except READ_ERRORS as exc:
            self.lost(exc)
        else:
            self.end()


# --------------------------------------------------------------------------- opening a stream


def _needs_body_check(response: httpx2.Response) -> bool:
    """A streaming request answered with JSON or HTML (not events): read it to explain."""
    content_type = response.headers.get("content-type", "")
    return content_type.startswith(("application/json", "text/html"))


def _raise_not_an_event_stream(
    response: httpx2.Response, data: bytes, secrets: tuple[str, ...]
) -> NoReturn:
    """Raise the error for a stream request answered with a JSON body or an HTML page.

    A JSON error object (a gateway or model server that reports a failure with
    HTTP 200) shows the server's own text; any other JSON means the server or a
    proxy ignores ``stream=true``.
    """
    host = response.request.url.host
    content_type = response.headers.get("content-type", "")
    payload: Any = None
    if content_type.startswith("text/html"):
        # Without this check the page parses as an empty event stream and the
        # error would blame a dropped connection.
        msg = (
            f"Asked {host} for a stream but got an HTML page (HTTP {response.status_code}, "
            f"content-type {content_type!r}), probably from a proxy, gateway or login page "
            "rather than the model server. Check base_url and any proxy between you and Baseten."
        )
    else:
        with suppress(SSEError):
            payload = loads(data, "a body")
        said = server_message(payload) if isinstance(payload, dict) else None
        if said and "choices" not in payload:
            msg = (
                f"Asked {host} for a stream (stream=true) and it answered HTTP "
                f"{response.status_code} with an error instead of events: {said[:2000]}"
            )
        else:
            msg = (
                f"Asked {host} for a stream (stream=true) but got a JSON body instead of "
                "server-sent events; the server or a proxy ignores streaming. Call without "
                "streaming (streaming=False) or fix the endpoint."
            )
    msg = scrub(msg, secrets)
    request_id = response.headers.get(REQUEST_ID_HEADER)
    if request_id:
        msg += f" Baseten request id: {request_id}."
    raise BasetenResponseError(msg, response.request, body=None)


def open_events(
    response: httpx2.Response, url: str, settings: StreamSettings, max_event_bytes: int
) -> EventStream:
    """The events of a stream request's response; a JSON body or an HTML page raises.

    Raises:
        BasetenResponseError: The server answered with JSON or HTML instead of events.
    """
    if _needs_body_check(response):
        data = first_bytes(response, max_event_bytes)
        _raise_not_an_event_stream(response, data, settings.secrets)
    return EventStream(response, url, settings, max_event_bytes)


async def aopen_events(
    response: httpx2.Response, url: str, settings: StreamSettings, max_event_bytes: int
) -> AsyncEventStream:
    """Async twin of :func:`open_events`."""
    if _needs_body_check(response):
        data = await afirst_bytes(response, max_event_bytes)
        _raise_not_an_event_stream(response, data, settings.secrets)
    return AsyncEventStream(response, url, settings, max_event_bytes)


# --------------------------------------------------------------------------- building chunks

_new_object = object.__new__
_set_attribute = object.__setattr__
# What langchain-core's validating constructors leave in a text chunk's message, as
# _slow_text_chunk calls them (checked against them once, by _fast_chunks_match).
_TEXT_FIELDS_SET = frozenset(
    {"content", "additional_kwargs", "tool_call_chunks", "response_metadata", "id"}
)


def _slow_text_chunk(content: str, message_id: str | None) -> ChatGenerationChunk:
    """A text delta's chunk, built by the validating constructors."""
    message = AIMessageChunk(
        content=content,
        additional_kwargs={},
        tool_call_chunks=[],
        response_metadata={"model_provider": PROVIDER},
        id=message_id,
    )
    return ChatGenerationChunk(message=message)


def _fast_text_chunk(content: str, message_id: str | None) -> ChatGenerationChunk:
    """:func:`_slow_text_chunk` without validation (a fraction of its time: bench/README.md).

    Sets the instance state pydantic's ``model_construct`` sets (its own
    ``model_construct`` inspects every default factory's signature on each call,
    which costs far more than validating).
    """
    message = _new_object(AIMessageChunk)
    _set_attribute(
        message,
        "__dict__",
        {
            "content": content,
            "additional_kwargs": {},
            "response_metadata": {"model_provider": PROVIDER},
            "type": "AIMessageChunk",
            "name": None,
            "id": message_id,
            "tool_calls": [],
            "invalid_tool_calls": [],
            "usage_metadata": None,
            "tool_call_chunks": [],
            "chunk_position": None,
        },
    )
    _set_attribute(message, "__pydantic_fields_set__", set(_TEXT_FIELDS_SET))
    _set_attribute(message, "__pydantic_extra__", {})
    _set_attribute(message, "__pydantic_private__", None)
    chunk = _new_object(ChatGenerationChunk)
    _set_attribute(
        chunk,
        "__dict__",
        {
            "text": content,
            "generation_info": None,
            "type": "ChatGenerationChunk",
            "message": message,
        },
    )
    _set_attribute(chunk, "__pydantic_fields_set__", {"message", "text"})
    _set_attribute(chunk, "__pydantic_extra__", None)
    _set_attribute(chunk, "__pydantic_private__", None)
    return chunk


def _instance_state(model: Any) -> tuple[Any, ...]:
    return (
        type(model),
        model.__dict__,
        model.__pydantic_fields_set__,
        model.__pydantic_extra__,
        model.__pydantic_private__,
    )


def _fast_chunks_match() -> bool:
    """Whether :func:`_fast_text_chunk` builds exactly what the constructors build.

    Run once: a langchain-core or pydantic release that adds a field, a
    validator's effect or another piece of instance state makes the two differ,
    and the validating constructors are then used for every chunk.
    """
    try:
        slow = _slow_text_chunk("probe", "id-probe")
        fast = _fast_text_chunk("probe", "id-probe")
        same = _instance_state(fast) == _instance_state(slow) and _instance_state(
            fast.message
        ) == _instance_state(slow.message)
    except Exception:  # noqa: BLE001 - any surprise means: use the constructors
        same = False
    if not same:
        log.debug("Streaming: fast chunk construction differs from langchain-core's; not used")
    return same


_TextChunk = Callable[[str, "str | None"], ChatGenerationChunk]


class _Builder:
    """Picks the text-chunk builder on first use (see :func:`_fast_chunks_match`)."""

    text_chunk: _TextChunk | None = None

    @classmethod
    def get(cls) -> _TextChunk:
        """The builder for text deltas: the fast one if it builds identical chunks."""
        if cls.text_chunk is None:
            cls.text_chunk = _fast_text_chunk if _fast_chunks_match() else _slow_text_chunk
        return cls.text_chunk


def _first_choice(event: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """A stream event's first choice; ``None`` for usage-only events (``choices: []``)."""
    choices = event.get("choices")
    if not choices:
        return None
    if not isinstance(choices, list) or not isinstance(choices[0], dict):
        msg = malformed("choices", "a list of objects", choices, stream=True)
        raise MalformedResponseError(msg)
    return choices[0]


def _stream_logprobs(logprobs: Any) -> dict[str, Any] | None:
    """A chunk's ``logprobs``: ``{"content": [...], ...}`` (lists or nulls) or ``None``.

    LangChain merges chunk metadata by type, so one odd-shaped value among the
    chunks would break the merge with a ``TypeError`` deep inside langchain-core;
    it is reported here instead, naming the field.
    """
    if not logprobs:
        return None
    if isinstance(logprobs, dict) and all(
        value is None or isinstance(value, list) for value in logprobs.values()
    ):
        return logprobs
    msg = malformed(
        "choices[0].logprobs", 'an object like {"content": [...]}', logprobs, stream=True
    )
    raise MalformedResponseError(msg)


def _stream_delta(choice: Mapping[str, Any]) -> Mapping[str, Any]:
    """A chunk's ``delta`` (``{}`` when missing or ``null``)."""
    delta = choice.get("delta") or {}
    if not isinstance(delta, dict):
        msg = malformed("choices[0].delta", "an object", delta, stream=True)
        raise MalformedResponseError(msg)
    return delta


def _stream_tool_calls(delta: Mapping[str, Any]) -> list[dict[str, Any]] | None:
    """A delta's ``tool_calls`` (``None`` for missing, ``null`` or ``[]``, as vLLM sends)."""
    raw_calls = delta.get("tool_calls")
    if not raw_calls:
        return None
    if not isinstance(raw_calls, list) or not all(isinstance(d, dict) for d in raw_calls):
        msg = malformed("choices[0].delta.tool_calls", "a list of objects", raw_calls, stream=True)
        raise MalformedResponseError(msg)
    return raw_calls


class StreamParser:
    """Turns streamed chunk events into ``ChatGenerationChunk`` objects.

    One parser serves one stream. Feed each event to :meth:`feed`; when the
    stream ends call :meth:`close` (or :meth:`finish`) for the closing chunk,
    which carries the finish reason, response metadata and (once, for the whole
    stream) the usage.

    Args:
        headers: The HTTP response headers (for Baseten's request id).
        stream_usage: Whether to attach usage to the closing chunk.
    """

    __slots__ = (
        "_call_ids",
        "_call_names",
        "_choice",
        "_headers",
        "_response",
        "_server_fields",
        "_stream_usage",
        "_text_chunk",
        "_usage",
    )

    def __init__(self, headers: Mapping[str, str] | None, *, stream_usage: bool) -> None:
        """Start an empty stream."""
        self._headers = headers
        self._stream_usage = stream_usage
        self._usage: dict[str, Any] | None = None
        self._response: dict[str, Any] = {}
        self._choice: dict[str, Any] = {}
        self._call_ids: dict[int, str] = {}
        self._call_names: set[int] = set()
        self._server_fields: dict[str, Any] = {}  # hosted tools' baseten* fields, every event
        self._text_chunk = _Builder.get()

    @property
    def finished(self) -> bool:
        """Whether the server has sent a finish reason."""
        return self._choice.get("finish_reason") is not None

    def _tool_call_chunks(self, deltas: list[dict[str, Any]]) -> list[ToolCallChunk]:
        """Merge this event's deltas per index; a call's id and name are sent once.

        TensorRT-LLM may put several deltas for one index in one event, each with
        its own id; LangChain would treat differing ids as different calls, so only
        the first id (and name) seen for an index in the whole stream is kept. A
        call streamed without any id gets one (see :func:`new_tool_call_id`) on its
        first chunk, so the merged message and the next request carry the same id.
        """
        merged: dict[int, ToolCallChunk] = {}
        for position, delta in enumerate(deltas):
            index = delta.get("index")
            if not isinstance(index, int):
                index = position
            function = delta.get("function") or {}
            if not isinstance(function, dict):
                where = f"choices[0].delta.tool_calls[{position}].function"
                msg = malformed(where, "an object", function, stream=True)
                raise MalformedResponseError(msg)
            name = function.get("name")
            if name is not None and not isinstance(name, str):
                where = f"choices[0].delta.tool_calls[{position}].function.name"
                msg = malformed(where, "a string", name, stream=True)
                raise MalformedResponseError(msg)
            arguments = function.get("arguments") or ""
            if not isinstance(arguments, str):
                arguments = json.dumps(arguments, ensure_ascii=False)
            chunk = merged.setdefault(
                index,
                {"type": "tool_call_chunk", "index": index, "id": None, "name": None, "args": ""},
            )
            chunk["args"] = (chunk["args"] or "") + arguments
            if index not in self._call_ids:
                # The first id for an index is the call's; a server that sends none
                # (TensorRT-LLM's forced tool choice) gets one made up, once per call.
                call_id = text_or_none(delta.get("id")) or new_tool_call_id()
                self._call_ids[index] = chunk["id"] = call_id
            if index not in self._call_names and name:
                self._call_names.add(index)
                chunk["name"] = name
        return list(merged.values())

    def _remember(self, event: Mapping[str, Any]) -> None:
        """Keep the event's response-level fields: id, model, fingerprint, usage, baseten*."""
        response = self._response
        for key in event:
            if key in {"id", "model", "system_fingerprint"}:
                value = event[key]
                if value and isinstance(value, str):  # metadata of another type is ignored
                    response[key] = value
            elif key == "usage":
                usage = event[key]
                if isinstance(usage, dict):
                    self._usage = usage  # cumulative: the latest report is the total so far
            elif key.startswith(SERVER_FIELD_PREFIX):
                self._server_fields[key] = event[key]

    def feed(self, event: Mapping[str, Any]) -> ChatGenerationChunk | None:
        """Parse one event; return a chunk to hand out, or ``None`` if it has no delta."""
        self._remember(event)
        choice = _first_choice(event)
        if choice is None:
            return None
        for key in ("finish_reason", "stop_reason"):
            if choice.get(key) is not None:
                self._choice[key] = choice[key]
        delta = _stream_delta(choice)
        content = wire_text(delta.get("content"))
        reasoning = reasoning_of(delta)
        refusal = refusal_of(delta)
        raw_calls = _stream_tool_calls(delta)
        logprobs = _stream_logprobs(choice.get("logprobs"))
        if not reasoning and not raw_calls and not logprobs and not refusal:
            # A text delta, or nothing (a role-only or finish-only event: no chunk).
            return self._text_chunk(content, self._response.get("id")) if content else None
        additional_kwargs = {"reasoning_content": reasoning} if reasoning else {}
        if refusal:
            additional_kwargs["refusal"] = refusal  # pieces: LangChain joins them on merge
        message = AIMessageChunk(
            content=content,
            additional_kwargs=additional_kwargs,
            tool_call_chunks=self._tool_call_chunks(raw_calls) if raw_calls else [],
            response_metadata=(
                {"model_provider": PROVIDER, "logprobs": logprobs}
                if logprobs
                else {"model_provider": PROVIDER}
            ),
            id=self._response.get("id"),
        )
        return ChatGenerationChunk(message=message)

    def finish(self, stream_end: str | None = None) -> ChatGenerationChunk:
        """Return the closing chunk: finish reason, metadata and the stream's usage once.

        Args:
            stream_end: How a complete stream ended unusually (see
                :meth:`_StreamState.outcome`), kept as ``response_metadata["stream_end"]``.

        Returns:
            An empty-content chunk with ``chunk_position="last"``.
        """
        metadata = response_metadata_from_wire(self._response, self._choice, self._headers)
        if stream_end is not None:
            metadata["stream_end"] = stream_end
        usage = self._usage if self._stream_usage else None
        message = AIMessageChunk(
            content="",
            response_metadata=metadata,
            usage_metadata=usage_metadata_from_wire(usage) if usage else None,
            id=self._response.get("id"),
            chunk_position="last",
        )
        info = {k: metadata[k] for k in ("finish_reason", "model_name") if k in metadata}
        return ChatGenerationChunk(message=message, generation_info=info or None)

    def close(
        self, events: EventStream | AsyncEventStream, body: Mapping[str, Any]
    ) -> ChatGenerationChunk:
        """The closing chunk of an ended stream; a stream cut before its answer was complete raises.

        Args:
            events: The ended stream (it says how it ended).
            body: The request body (the hosted tools it enabled go in the metadata).

        Returns:
            The closing chunk (see :meth:`finish`), with the hosted tools' fields.
        """
        chunk = self.finish(stream_end=events.outcome(finished=self.finished))
        add_hosted_tool_metadata(chunk.message.response_metadata, self._server_fields, body)
        return chunk
