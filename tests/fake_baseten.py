"""A local, Baseten-compatible HTTP server for tests (standard library only).

It speaks the wire format of Baseten's OpenAI-compatible inference APIs (see
``/work/shared/reference/baseten-api.md``): ``chat/completions`` (plain and SSE
streaming), ``models`` and ``embeddings`` under any path prefix, so both the
Model API (``/v1/...``) and dedicated deployments
(``/environments/production/sync/v1/...``) work; BEI/TEI's ``rerank`` and
``predict`` (at the deployment's sync root, ``.../sync/rerank``) too.

Usage::

    with fake_baseten_server() as server:
        server.enqueue(chat("Hi there"), stream("one two", usage_mode="cumulative"))
        client = openai.OpenAI(base_url=server.url("/v1"), api_key="k")
        ...
        assert server.requests[0].json()["model"] == "openai/gpt-oss-120b"

Scripted replies (:meth:`FakeBaseten.enqueue`) answer requests in FIFO order, one
per request, whatever the path, and skip every check (auth, JSON, routing). With
an empty queue the server answers by itself: an echo of the last user message,
streamed when the request asks for it (see :func:`default_reply`).

The server binds ``127.0.0.1`` on an ephemeral port, serves HTTP/1.1 with
keep-alive, streams with chunked transfer encoding, and every sleep or socket
wait is bounded.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import math
import re
import socket
import struct
import sys
import threading
import time
import uuid
import zlib
from collections import deque
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from socketserver import TCPServer
from typing import TYPE_CHECKING, Any, Literal, Self

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

__all__ = [
    "FakeBaseten",
    "RecordedRequest",
    "Reply",
    "chat",
    "cut_short",
    "default_reply",
    "drip",
    "embeddings",
    "error",
    "fake_baseten_server",
    "gzip_bomb",
    "models",
    "predict",
    "raw",
    "raw_stream",
    "rerank",
    "stall",
    "stream",
    "trtllm_forced_tool_stream",
]

#: Upper bound for any scripted sleep (``stall``, ``stream(stall_after=...)``).
MAX_STALL_SECONDS = 60.0
#: Idle keep-alive connections (and slow request bodies) time out after this.
CONNECTION_TIMEOUT_SECONDS = 60.0
#: How long :meth:`FakeBaseten.close` waits for the worker threads in total.
CLOSE_TIMEOUT_SECONDS = 10.0

DEFAULT_MODELS = ["openai/gpt-oss-120b", "deepseek-ai/DeepSeek-V3.1"]
DEFAULT_MODEL = DEFAULT_MODELS[0]
#: The catalogue fields Baseten's Model APIs add to each ``GET /v1/models`` entry:
#: ``context_length``, ``max_completion_tokens``, ``supported_features`` (tools,
#: json_mode, structured_outputs, reasoning), ``input_modalities`` and ``pricing``
#: (``prompt``, ``completion``, ``input_cache_read``: strings, USD per token).
#: Source: Baseten's Model APIs overview ("see the /v1/models endpoint for current
#: pricing", https://docs.baseten.co/inference/model-apis/overview) and models.dev's
#: Baseten provider, whose entries are synced from that endpoint. The values below
#: are test data, deliberately different from the shipped tables so tests can tell
#: a live value from a shipped one.
DEFAULT_CATALOG: dict[str, dict[str, Any]] = {
    "openai/gpt-oss-120b": {
        "context_length": 131072,
        "max_completion_tokens": 65536,
        "supported_features": ["tools", "json_mode", "structured_outputs", "reasoning"],
        "input_modalities": ["text"],
        "pricing": {"prompt": "0.00000012", "completion": "0.0000006", "input_cache_read": None},
    },
    "deepseek-ai/DeepSeek-V3.1": {
        "context_length": 163840,
        "max_completion_tokens": 131072,
        "supported_features": ["tools", "reasoning"],
        "input_modalities": ["text"],
        "pricing": {
            "prompt": "0.0000005",
            "completion": "0.0000015",
            "input_cache_read": "0.0000001",
        },
    },
}
DEFAULT_REASONING = "thinking about it"
DEFAULT_EMBEDDING_DIMENSIONS = 8
SYSTEM_FINGERPRINT = "fp_fake_baseten"

#: What Baseten's gateway says for each status when no body is given.
ERROR_MESSAGES = {
    400: "Bad request: the request body is invalid",
    401: "Invalid API key. Check BASETEN_API_KEY and try again.",
    402: "Payment required: add a payment method to your Baseten account",
    403: "Forbidden: this API key cannot access this model",
    404: "Model not found",
    405: "Method not allowed",
    413: "Request entity too large",
    422: "Unprocessable entity",
    429: "Rate limit exceeded. Please retry after some time.",
    500: "Internal server error",
    502: "Bad gateway: the model container restarted",
    503: "Service unavailable: the model is loading, please retry",
    504: "Gateway timeout: the request took longer than 1200 seconds",
}

UsageMode = Literal["cumulative", "final_chunk", "both", "none"]
#: How an engine shapes its stream chunks (see :func:`_styled`).
StreamStyle = Literal["openai", "vllm-sparse", "kimi-vllm", "sglang", "trtllm-harmony"]


class _Default:
    """Sentinel type: "compute a realistic usage block from the request"."""

    def __repr__(self) -> str:
        return "<default>"


DEFAULT: Any = _Default()


# ---------------------------------------------------------------- recorded requests


@dataclass
class RecordedRequest:
    """One request as the server received it."""

    method: str
    path: str
    query: str
    headers: dict[str, str]  # lower-cased names
    body: bytes

    def json(self) -> Any:
        """The body parsed as JSON (raises ``ValueError`` if it is not JSON)."""
        return json.loads(self.body)

    def json_or_none(self) -> Any:
        """The body parsed as JSON, or ``None`` when it is empty or not JSON."""
        try:
            return json.loads(self.body) if self.body else None
        except ValueError:
            return None


# ---------------------------------------------------------------- replies


@dataclass(frozen=True)
class Reply:
    """A scripted answer: ``render`` writes one HTTP response for a request."""

    render: Callable[[_Exchange], None] = field(repr=False)
    description: str = "reply"


class _Dropped(Exception):  # noqa: N818 - a control-flow signal, not an error
    """Raised inside a handler to close the connection abruptly."""


class _Exchange:
    """One request and the means to answer it (used by :class:`Reply` renderers)."""

    def __init__(
        self, handler: _Handler, request: RecordedRequest, request_id: str, server: FakeBaseten
    ) -> None:
        self.handler = handler
        self.request = request
        self.request_id = request_id
        self.server = server
        self.body: Any = request.json_or_none()

    # -- request facts

    @property
    def model(self) -> str:
        """The body's ``model`` (or a default)."""
        if isinstance(self.body, dict) and isinstance(self.body.get("model"), str):
            return str(self.body["model"])
        return DEFAULT_MODEL

    def cached_tokens(self) -> int:
        """Prompt tokens served from the prompt cache, by session affinity.

        Baseten bills input tokens that match a cached prefix at the cached rate,
        and a consistent ``x-session-affinity`` (Model APIs) or
        ``x-baseten-session-id`` (dedicated sticky sessions) keeps a conversation
        on the replica holding that prefix (Baseten's Model APIs overview, pricing:
        https://docs.baseten.co/inference/model-apis/overview). This server's
        simplification: only requests with a session key hit the cache, and the hit
        is the previous prompt of the same key (a conversation's earlier turns).
        """
        headers = self.request.headers
        key = headers.get("x-session-affinity") or headers.get("x-baseten-session-id")
        if not key:
            return 0
        return self.server.prompt_cache(key, _prompt_tokens(self.body))

    def sleep(self, seconds: float) -> None:
        """Sleep (bounded), waking early when the server closes."""
        self.server.closing.wait(max(0.0, min(seconds, MAX_STALL_SECONDS)))

    # -- writing

    def _start(self, status: int, content_type: str, extra: dict[str, str] | None) -> None:
        headers = {"content-type": content_type, "x-baseten-request-id": self.request_id}
        headers.update({k.lower(): v for k, v in (extra or {}).items()})
        self.handler.send_response(status)
        for name, value in headers.items():
            self.handler.send_header(name, value)

    def send_bytes(
        self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None
    ) -> None:
        """Send a complete (``content-length``) response."""
        self._start(status, content_type, headers)
        self.handler.send_header("content-length", str(len(body)))
        self.handler.end_headers()
        if self.request.method != "HEAD":
            self.handler.wfile.write(body)

    def send_json(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        """Send ``payload`` as a JSON response."""
        self.send_bytes(status, json.dumps(payload).encode(), "application/json", headers)

    def start_stream(
        self, headers: dict[str, str] | None = None, content_type: str = "text/event-stream"
    ) -> None:
        """Send the headers of a chunked ``text/event-stream`` response."""
        self._start(200, content_type, {"cache-control": "no-cache", **(headers or {})})
        self.handler.send_header("transfer-encoding", "chunked")
        self.handler.end_headers()

    def send_event(self, data: str) -> None:
        """Send one SSE event (``data: ...``) as one HTTP chunk."""
        payload = f"data: {data}\n\n".encode()
        self.handler.wfile.write(b"%x\r\n%s\r\n" % (len(payload), payload))

    def send_chunk(self, payload: bytes) -> None:
        """Send these exact bytes as one HTTP chunk (nothing for empty bytes)."""
        if payload:
            self.handler.wfile.write(b"%x\r\n%s\r\n" % (len(payload), payload))

    def end_stream(self) -> None:
        """Send the terminating zero-length chunk."""
        self.handler.wfile.write(b"0\r\n\r\n")


def _words(*texts: str | None) -> int:
    """Whitespace-separated words: the fake's token count."""
    return sum(len(t.split()) for t in texts if t)


def _message_text(content: Any) -> str:
    """The text of a message's ``content`` (a string or a list of parts)."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(
            p.get("text", "") for p in content if isinstance(p, dict) and p.get("type") == "text"
        )
    return ""


def _messages(body: Any) -> list[dict[str, Any]]:
    if isinstance(body, dict) and isinstance(body.get("messages"), list):
        return [m for m in body["messages"] if isinstance(m, dict)]
    return []


def _prompt_tokens(body: Any) -> int:
    return sum(_words(_message_text(m.get("content"))) for m in _messages(body))


def _last_user_text(body: Any) -> str:
    for message in reversed(_messages(body)):
        if message.get("role") == "user":
            return _message_text(message.get("content"))
    return ""


def _tool_call_text(tool_calls: list[dict[str, Any]] | None) -> str:
    parts = []
    for call in tool_calls or []:
        function = call.get("function") or {}
        parts += [str(function.get("name") or ""), str(function.get("arguments") or "")]
    return " ".join(parts)


def make_usage(
    prompt_tokens: int, completion_tokens: int, *, reasoning_tokens: int = 0, cached_tokens: int = 0
) -> dict[str, Any]:
    """A Baseten usage block (with the cached and reasoning token details)."""
    return {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
        "prompt_tokens_details": {"cached_tokens": cached_tokens},
        "completion_tokens_details": {"reasoning_tokens": reasoning_tokens},
    }


def _computed_usage(
    exchange: _Exchange, completion: str | None, reasoning: str | None
) -> dict[str, Any]:
    """Usage from the request and the answer: prompt and reply words (reasoning included).

    Cached tokens: see :meth:`_Exchange.cached_tokens` (session affinity).
    """
    reasoning_tokens = _words(reasoning)
    return make_usage(
        _prompt_tokens(exchange.body),
        _words(completion) + reasoning_tokens,
        reasoning_tokens=reasoning_tokens,
        cached_tokens=exchange.cached_tokens(),
    )


def _scale_usage(usage: dict[str, Any], fraction: float) -> dict[str, Any]:
    """Cumulative usage after ``fraction`` of the completion (prompt counts stay whole)."""
    scaled: dict[str, Any] = json.loads(json.dumps(usage))
    if isinstance(scaled.get("completion_tokens"), int):
        scaled["completion_tokens"] = round(scaled["completion_tokens"] * fraction)
    details = scaled.get("completion_tokens_details")
    if isinstance(details, dict):
        for key, value in details.items():
            if isinstance(value, int):
                details[key] = round(value * fraction)
    if isinstance(scaled.get("prompt_tokens"), int) and isinstance(
        scaled.get("completion_tokens"), int
    ):
        scaled["total_tokens"] = scaled["prompt_tokens"] + scaled["completion_tokens"]
    return scaled


def _completion_id() -> str:
    """A response id unique to this response, as vLLM makes them (``chatcmpl-<uuid4 hex>``)."""
    return f"chatcmpl-{uuid.uuid4().hex}"


def _split_pieces(text: str | None) -> list[str]:
    """Word-ish stream deltas: ``"Hello world!"`` -> ``["Hello", " world!"]``."""
    return re.findall(r"\s*\S+|\s+$", text) if text else []


def chat(
    content: str | None = "Hello!",
    *,
    reasoning: str | None = None,
    reasoning_key: str = "reasoning_content",
    tool_calls: list[dict[str, Any]] | None = None,
    finish_reason: str | None = None,
    usage: dict[str, Any] | None = DEFAULT,
    model: str | None = None,
    logprobs: dict[str, Any] | None = None,
    extra_message: dict[str, Any] | None = None,
    extra: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
    status: int = 200,
    refusal: str | None = None,
    as_delta: bool = False,
) -> Reply:
    """A non-streaming ``chat.completion``.

    ``refusal`` sets ``message.refusal`` (OpenAI's structured-output refusal,
    which vLLM also sends). ``as_delta=True`` puts the message under
    ``choices[0].delta`` instead of ``message``, the shape Baseten's published
    inference OpenAPI spec documents for a 200 answer.

    ``usage`` defaults to one computed from the request (prompt words) and the
    answer (content + reasoning words; reasoning words also as
    ``reasoning_tokens``); ``None`` leaves usage out. ``model`` defaults to the
    request's. ``finish_reason`` defaults to ``"tool_calls"`` with tool calls,
    else ``"stop"``. ``extra_message`` / ``extra`` add keys to the message / the
    top-level object.
    """

    def render(exchange: _Exchange) -> None:
        message: dict[str, Any] = {"role": "assistant", "content": content}
        if reasoning is not None:
            message[reasoning_key] = reasoning
        if tool_calls is not None:
            message["tool_calls"] = tool_calls
        if refusal is not None:
            message["refusal"] = refusal
        message.update(extra_message or {})
        payload: dict[str, Any] = {
            "id": _completion_id(),
            "object": "chat.completion",
            "created": int(time.time()),
            "model": model or exchange.model,
            "system_fingerprint": SYSTEM_FINGERPRINT,
            "choices": [
                {
                    "index": 0,
                    "delta" if as_delta else "message": message,
                    "logprobs": logprobs,
                    "finish_reason": finish_reason or ("tool_calls" if tool_calls else "stop"),
                }
            ],
        }
        if usage is DEFAULT:
            text = " ".join(filter(None, [content, _tool_call_text(tool_calls)]))
            payload["usage"] = _computed_usage(exchange, text, reasoning)
        elif usage is not None:
            payload["usage"] = usage
        payload.update(extra or {})
        exchange.send_json(status, payload, headers)

    return Reply(render, f"chat({content!r})")


def _styled(chunk: dict[str, Any], style: StreamStyle, *, reasoning_key: str) -> dict[str, Any]:
    """One chunk as an engine shapes it (the default is OpenAI's shape).

    * ``vllm-sparse``: vLLM >= 0.9 leaves the ``finish_reason`` key out of chunks
      that have none and sends ``tool_calls: []`` next to content
      (vllm-project/vllm#19650, fixed later by #19662).
    * ``kimi-vllm``: Kimi K2.5 on vLLM repeats ``role: "assistant"`` on every
      delta (vllm-project/vllm#37397).
    * ``sglang``: every delta carries ``role``, ``content``, ``reasoning_content``
      and ``tool_calls``, ``null`` when unused; choices carry ``matched_stop``,
      chunks ``usage: null`` (sgl-project/sglang#9657).
    * ``trtllm-harmony``: TensorRT-LLM's gpt-oss (harmony) streams make a new
      chunk id per chunk and may put an integer token id in ``stop_reason``
      (TensorRT-LLM ``serve/harmony_adapter.py``).
    """
    (choice,) = chunk["choices"] or [None]
    delta = choice["delta"] if choice else None
    if style == "vllm-sparse" and choice is not None:
        if choice["finish_reason"] is None:
            del choice["finish_reason"]
        if "content" in delta:
            delta["tool_calls"] = []
    elif style == "kimi-vllm" and delta is not None:
        delta["role"] = "assistant"
    elif style == "sglang":
        chunk.setdefault("usage", None)
        if choice is not None:
            choice["delta"] = {
                "role": delta.get("role"),
                "content": delta.get("content"),
                reasoning_key: delta.get(reasoning_key),
                "tool_calls": delta.get("tool_calls"),
                **delta,
            }
            choice["matched_stop"] = None
    elif style == "trtllm-harmony":
        chunk["id"] = _completion_id()
        if choice is not None and choice["finish_reason"] is not None:
            choice["stop_reason"] = 200012  # harmony's <|return|> token id
    return chunk


def _stream_events(
    exchange: _Exchange,
    *,
    style: StreamStyle = "openai",
    refusal_pieces: list[str] | None = None,
    pieces: list[str],
    reasoning_pieces: list[str],
    reasoning_key: str,
    tool_call_deltas: list[list[dict[str, Any]]],
    usage: dict[str, Any] | None,
    usage_mode: UsageMode,
    finish_reason: str | None,
    stop_reason: Any,
    model: str,
    extra: dict[str, Any],
) -> list[str]:
    """The ``data:`` payloads of one streamed completion (without ``[DONE]``)."""
    deltas: list[dict[str, Any]] = [{reasoning_key: p} for p in reasoning_pieces]
    deltas += [{"content": p} for p in pieces]
    deltas += [{"refusal": p} for p in refusal_pieces or []]
    deltas += [{"tool_calls": calls} for calls in tool_call_deltas]
    deltas.append({})  # the finish chunk
    deltas[0] = {"role": "assistant", **deltas[0]}
    base = {
        "id": _completion_id(),
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": model,
    }
    events = []
    for number, delta in enumerate(deltas, start=1):
        last = number == len(deltas)
        choice: dict[str, Any] = {
            "index": 0,
            "delta": delta,
            "logprobs": None,
            "finish_reason": finish_reason if last else None,
        }
        if last and stop_reason is not None:
            choice["stop_reason"] = stop_reason
        chunk: dict[str, Any] = {**base, "choices": [choice], **(extra if last else {})}
        if usage is not None and usage_mode in {"cumulative", "both"}:
            chunk["usage"] = _scale_usage(usage, number / len(deltas))
        events.append(json.dumps(_styled(chunk, style, reasoning_key=reasoning_key)))
    if usage is not None and usage_mode in {"final_chunk", "both"}:
        events.append(json.dumps({**base, "choices": [], "usage": usage}))
    return events


def stream(
    content: str | None = "Hello world!",
    *,
    pieces: list[str] | None = None,
    reasoning: str | None = None,
    reasoning_key: str = "reasoning_content",
    tool_call_deltas: list[list[dict[str, Any]]] | None = None,
    usage: dict[str, Any] | None = DEFAULT,
    usage_mode: UsageMode = "both",
    refusal: str | None = None,
    style: StreamStyle = "openai",
    finish_reason: str | None = None,
    omit_finish_reason: bool = False,
    stop_reason: Any = None,
    done: bool = True,
    drop_after: int | None = None,
    stall_after: int | None = None,
    stall_seconds: float = 0.0,
    raw_events: list[str] | None = None,
    model: str | None = None,
    headers: dict[str, str] | None = None,
    extra: dict[str, Any] | None = None,
) -> Reply:
    """A streamed (SSE) completion.

    Events, in order: one chunk per reasoning piece, per content piece (``pieces``,
    or ``content`` split into words) and per ``tool_call_deltas`` entry (each is
    the ``delta.tool_calls`` list of one event); a finish chunk (empty delta,
    ``finish_reason`` and ``stop_reason``); with ``usage_mode`` "final_chunk" or
    "both" a usage-only chunk (``choices: []``); then ``[DONE]`` when ``done``.
    The first chunk's delta carries ``role: assistant``.

    With ``usage_mode`` "cumulative" or "both" every choice chunk carries the
    usage so far (completion counts grow; the finish chunk has the full usage),
    like Baseten's ``continuous_usage_stats``. ``usage`` defaults to one computed
    from the request and the answer; ``None`` means no usage anywhere.

    ``refusal`` streams a refusal as ``delta.refusal`` pieces after the content
    (OpenAI's structured-output refusal, which vLLM also sends). ``style`` shapes
    every chunk as one engine does (see :func:`_styled`).

    ``omit_finish_reason=True`` sends ``"finish_reason": null`` on the last chunk
    too, then ``[DONE]``: vLLM intermittently ends a complete stream this way
    (vllm-project/vllm#27572).

    ``drop_after=N`` closes the connection abruptly after N events (``[DONE]``
    counts as one). ``stall_after=N`` sleeps ``stall_seconds`` (bounded) after N
    events, before the next one. ``raw_events`` replaces the generated payloads
    with these exact strings (``[DONE]`` is still added when ``done``). ``extra``
    adds top-level keys to the finish chunk.
    """
    content_pieces = pieces if pieces is not None else _split_pieces(content)

    def render(exchange: _Exchange) -> None:
        if raw_events is not None:
            events = list(raw_events)
        else:
            resolved_usage = usage
            if usage is DEFAULT:
                text = (
                    "".join(content_pieces)
                    + " "
                    + _tool_call_text([c for calls in tool_call_deltas or [] for c in calls])
                )
                resolved_usage = _computed_usage(exchange, text, reasoning)
            events = _stream_events(
                exchange,
                style=style,
                refusal_pieces=_split_pieces(refusal),
                pieces=content_pieces,
                reasoning_pieces=_split_pieces(reasoning),
                reasoning_key=reasoning_key,
                tool_call_deltas=tool_call_deltas or [],
                usage=resolved_usage,
                usage_mode=usage_mode,
                finish_reason=None
                if omit_finish_reason
                else finish_reason or ("tool_calls" if tool_call_deltas else "stop"),
                stop_reason=stop_reason,
                model=model or exchange.model,
                extra=extra or {},
            )
        if done:
            events.append("[DONE]")
        exchange.start_stream(headers)
        for number, event in enumerate(events):
            if number == stall_after:
                exchange.sleep(stall_seconds)
            if number == drop_after:
                raise _Dropped
            exchange.send_event(event)
        if drop_after is not None:
            raise _Dropped
        exchange.end_stream()

    return Reply(render, f"stream({content_pieces!r})")


def raw_stream(
    *pieces: bytes,
    drop: bool = False,
    content_type: str = "text/event-stream",
    headers: dict[str, str] | None = None,
) -> Reply:
    """A streamed body of exactly these bytes, one HTTP chunk per piece.

    For the byte-level shapes of event streams: ``\\r\\n`` or ``\\r`` line
    endings, comments, multi-line ``data:``, an ``event:`` name, pieces cut in
    the middle of a line or of a UTF-8 character. ``drop=True`` cuts the
    connection after the last piece instead of ending the body.
    """

    def render(exchange: _Exchange) -> None:
        exchange.start_stream(headers, content_type)
        for piece in pieces:
            exchange.send_chunk(piece)
        if drop:
            raise _Dropped
        exchange.end_stream()

    return Reply(render, f"raw_stream({len(pieces)} pieces)")


def trtllm_forced_tool_stream(name: str, arguments: str, *, pieces: int = 2) -> Reply:
    """TensorRT-LLM's stream for a forced (named) tool choice.

    The function name on every delta and never an ``id`` (TensorRT-LLM
    ``serve/postprocess_handlers.py``), the arguments in ``pieces`` parts.
    """
    size = max(1, -(-len(arguments) // pieces))
    parts = [arguments[i : i + size] for i in range(0, len(arguments), size)] or [""]
    deltas = [
        [{"index": 0, "type": "function", "function": {"name": name, "arguments": part}}]
        for part in parts
    ]
    return stream(None, tool_call_deltas=deltas, finish_reason="tool_calls")


def error(status: int, body: Any = None, *, headers: dict[str, str] | None = None) -> Reply:
    """An error response.

    ``body``: a dict or list is sent as JSON; a string is sent as-is
    (``text/html`` when it starts with ``<``, else ``text/plain``); ``None`` sends
    Baseten's ``{"error": "<message for this status>"}``.
    """
    if body is None:
        body = {"error": ERROR_MESSAGES.get(status, f"HTTP error {status}")}

    def render(exchange: _Exchange) -> None:
        if isinstance(body, str):
            kind = "text/html" if body.lstrip().startswith("<") else "text/plain"
            exchange.send_bytes(status, body.encode(), f"{kind}; charset=utf-8", headers)
        else:
            exchange.send_json(status, body, headers)

    return Reply(render, f"error({status})")


def raw(
    status: int,
    body: bytes,
    *,
    content_type: str = "application/json",
    headers: dict[str, str] | None = None,
) -> Reply:
    """Exactly these bytes, with this status and content type."""
    return Reply(
        lambda exchange: exchange.send_bytes(status, body, content_type, headers),
        f"raw({status})",
    )


def stall(seconds: float) -> Reply:
    """Sleep ``seconds`` (bounded), then answer as the server would by default."""

    def render(exchange: _Exchange) -> None:
        exchange.sleep(seconds)
        default_reply(exchange.request).render(exchange)

    return Reply(render, f"stall({seconds})")


def _answer_payload(exchange: _Exchange, content: str) -> dict[str, Any]:
    return {
        "id": _completion_id(),
        "object": "chat.completion",
        "created": int(time.time()),
        "model": exchange.model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "finish_reason": "stop",
            }
        ],
    }


def drip(seconds: float, *, interval: float = 0.2, streaming: bool = False) -> Reply:
    """Send a byte at a time every ``interval`` for ``seconds`` (bounded), then answer "dripped".

    A plain answer drips JSON whitespace before its object; a stream drips SSE
    comments (``: keep-alive``) before one content chunk and ``[DONE]``. Every
    read is quick, only the whole is slow: what a proxy or server keeping a
    connection alive looks like (issue 16). A client gone away ends it early.
    """

    def render(exchange: _Exchange) -> None:
        if streaming:
            exchange.start_stream()
        else:
            exchange._start(200, "application/json", {"transfer-encoding": "chunked"})
            exchange.handler.end_headers()
        tick = b": keep-alive\n\n" if streaming else b" "
        until = time.monotonic() + min(seconds, MAX_STALL_SECONDS)
        while time.monotonic() < until and not exchange.server.closing.is_set():
            exchange.send_chunk(tick)
            exchange.sleep(interval)
        payload = _answer_payload(exchange, "dripped")
        if streaming:
            choice = payload["choices"][0]
            delta = {"index": 0, "delta": choice["message"], "finish_reason": "stop"}
            exchange.send_event(json.dumps({**payload, "choices": [delta]}))
            exchange.send_event("[DONE]")
        else:
            exchange.send_chunk(json.dumps(payload).encode())
        exchange.end_stream()

    return Reply(render, f"drip({seconds})")


def gzip_bomb(expanded_mib: int, sent: list[int] | None = None) -> Reply:
    """A ``content-encoding: gzip`` JSON answer that expands to ``expanded_mib`` MiB of zeros.

    About 1 KiB on the wire per MiB expanded: one fully flushed deflate block of
    a MiB of zeros, repeated (after a full flush the compressor starts afresh, so
    each block is the same bytes), written 64 KiB at a time. ``sent`` receives the
    compressed bytes written before the client hung up (or all of them).
    """

    def render(exchange: _Exchange) -> None:
        compressor = zlib.compressobj(9, zlib.DEFLATED, 31)  # 31: gzip framing
        zeros = bytes(2**20)
        first = compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH)
        block = compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH)
        per_write = max(1, 65536 // len(block))
        exchange._start(200, "application/json", {"content-encoding": "gzip"})
        exchange.handler.send_header("transfer-encoding", "chunked")
        exchange.handler.end_headers()
        written = 0
        try:
            exchange.send_chunk(first)
            written += len(first)
            for start in range(1, expanded_mib, per_write):
                data = block * min(per_write, expanded_mib - start)
                exchange.send_chunk(data)
                written += len(data)
            exchange.send_chunk(compressor.flush())
            exchange.end_stream()
        finally:
            if sent is not None:
                sent.append(written)

    return Reply(render, f"gzip_bomb({expanded_mib} MiB)")


def cut_short(content: str = "lost", *, keep: int = 20) -> Reply:
    """A complete chat answer announced by ``content-length`` but cut after ``keep`` bytes.

    The server produced the answer; the client only gets its start (a proxy or
    the container dying mid-body).
    """

    def render(exchange: _Exchange) -> None:
        body = json.dumps(_answer_payload(exchange, content)).encode()
        exchange._start(200, "application/json", None)
        exchange.handler.send_header("content-length", str(len(body)))
        exchange.handler.end_headers()
        exchange.handler.wfile.write(body[:keep])
        exchange.handler.wfile.flush()
        raise _Dropped

    return Reply(render, f"cut_short({content!r})")


def models(ids: list[str], details: dict[str, dict[str, Any]] | None = None) -> Reply:
    """A ``GET /models`` list; ``details`` adds Baseten's catalogue fields per id."""
    extra = details or {}
    payload = {
        "object": "list",
        "data": [
            {
                "id": model_id,
                "object": "model",
                "created": 1_700_000_000,
                "owned_by": "baseten",
                **extra.get(model_id, {}),
            }
            for model_id in ids
        ],
    }
    return Reply(lambda exchange: exchange.send_json(200, payload), f"models({ids!r})")


def _overlap(query: str, text: str) -> float:
    """Share of the query's words found in ``text`` (a stand-in for a cross-encoder)."""
    words = set(re.findall(r"\w+", query.lower()))
    found = set(re.findall(r"\w+", text.lower()))
    return len(words & found) / len(words) if words else 0.0


def rerank(scores: list[float] | None = None) -> Reply:
    """A BEI/TEI ``/rerank`` answer: ``[{"index", "score"}]`` sorted by score, best first.

    Shape from huggingface/text-embeddings-inference ``router/src/http/types.rs``
    (``RerankRequest``: query, texts, truncate, raw_scores, return_text; ``Rank``:
    index, score, text only with return_text) and Baseten's BEI reranker READMEs in
    basetenlabs/truss-examples (``POST .../environments/production/sync/rerank``).
    Scores are ``scores`` when given, else the share of query words in each text
    (``raw_scores``: that times 10 minus 5, a logit-like range).
    """

    def render(exchange: _Exchange) -> None:
        body = exchange.body if isinstance(exchange.body, dict) else {}
        query, texts = str(body.get("query", "")), [str(t) for t in body.get("texts", [])]
        values = scores if scores is not None else [_overlap(query, t) for t in texts]
        if body.get("raw_scores") is True:
            values = [v * 10 - 5 for v in values]
        ranks: list[dict[str, Any]] = [
            {"index": i, "score": v} for i, v in enumerate(values[: len(texts)])
        ]
        if body.get("return_text") is True:
            for rank in ranks:
                rank["text"] = texts[rank["index"]]
        ranks.sort(key=lambda rank: -rank["score"])
        exchange.send_json(200, ranks)

    return Reply(render, "rerank()")


_POSITIVE_WORDS = frozenset({"love", "great", "good", "excellent", "happy", "wonderful"})


def predict() -> Reply:
    """A TEI/BEI classifier ``/predict`` answer for a batch: one label list per input.

    Shape from huggingface/text-embeddings-inference ``router/src/http/types.rs``
    (``PredictInput``: a string, a pair, or a batch ``[[text], [a, b], ...]``;
    ``PredictResponse``: ``[{"label", "score"}]`` or a list of those per input).
    Labels: ``positive``/``negative``, positive when a text has a happy word.
    """

    def render(exchange: _Exchange) -> None:
        body = exchange.body if isinstance(exchange.body, dict) else {}
        inputs = body.get("inputs")
        batch = (
            inputs if isinstance(inputs, list) and inputs and isinstance(inputs[0], list) else None
        )
        texts = [" ".join(map(str, item)) for item in batch] if batch else [str(inputs)]
        answers = []
        for text in texts:
            positive = 0.9 if _POSITIVE_WORDS & set(re.findall(r"\w+", text.lower())) else 0.2
            negative = round(1 - positive, 6)
            labels: list[dict[str, Any]] = [
                {"label": "positive", "score": positive},
                {"label": "negative", "score": negative},
            ]
            answers.append(labels if positive >= negative else labels[::-1])
        exchange.send_json(200, answers if batch else answers[0])

    return Reply(render, "predict()")


def fake_vector(text: str, dimensions: int = DEFAULT_EMBEDDING_DIMENSIONS) -> list[float]:
    """A deterministic unit vector derived from a SHA-256 hash of ``text``."""
    values: list[float] = []
    for block in itertools.count():
        if len(values) >= dimensions:
            break
        digest = hashlib.sha256(f"{block}:{text}".encode()).digest()
        values += [(b / 127.5) - 1.0 for b in digest]
    values = values[:dimensions]
    norm = math.sqrt(sum(v * v for v in values)) or 1.0
    return [v / norm for v in values]


#: What ``encoding_format`` a server understands. TEI's OpenAI route
#: (huggingface/text-embeddings-inference, router/src/http/types.rs,
#: ``OpenAICompatRequest.encoding_format``: ``float`` | ``base64``, default
#: ``float``) and vLLM's (vllm/entrypoints/openai/protocol.py,
#: ``EmbeddingCompletionRequest.encoding_format = "float"``, base64 of
#: little-endian float32 by default) both honour it, as BEI does (Baseten's
#: Performance Client asks it for base64); an unknown value is a 422 from TEI
#: (serde: "unknown variant") and a 400 from vLLM (its validation errors).
#: Older TEI releases had no such field and serde ignores unknown fields, so they
#: answer numbers whatever was asked: ``"ignore"`` below.
EncodingSupport = Literal["honour", "ignore", "refuse_base64"]


def embeddings(
    vectors: list[list[float]] | None = None,
    *,
    encoding: EncodingSupport = "honour",
    refusal_status: int = 422,
) -> Reply:
    """An ``embeddings`` response: these vectors, or one :func:`fake_vector` per input.

    Honours the request's ``dimensions`` and ``encoding_format`` (``float`` or
    ``base64``: little-endian float32, what the openai client asks for by
    default); any other value is refused with HTTP 422 as TEI does. With
    ``encoding="ignore"`` the key is ignored (numbers, as older TEI releases);
    with ``encoding="refuse_base64"`` asking for base64 is refused with
    ``refusal_status`` (a server that only knows floats).
    """

    def render(exchange: _Exchange) -> None:
        body = exchange.body if isinstance(exchange.body, dict) else {}
        inputs = body.get("input", [])
        inputs = [inputs] if isinstance(inputs, str) else [str(i) for i in inputs]
        dimensions = body.get("dimensions") or DEFAULT_EMBEDDING_DIMENSIONS
        result = vectors if vectors is not None else [fake_vector(t, dimensions) for t in inputs]
        asked = body.get("encoding_format", "float")
        if encoding != "ignore" and (
            asked not in {"float", "base64"} or (asked == "base64" and encoding == "refuse_base64")
        ):
            status = refusal_status if asked == "base64" else 422
            detail = f"encoding_format: unknown variant `{asked}`, expected `float`"
            exchange.send_json(status, {"error": detail, "error_type": "Validation"})
            return
        as_base64 = asked == "base64" and encoding == "honour"
        data = [
            {
                "object": "embedding",
                "index": index,
                "embedding": (
                    base64.b64encode(struct.pack(f"<{len(v)}f", *v)).decode() if as_base64 else v
                ),
            }
            for index, v in enumerate(result)
        ]
        tokens = _words(*inputs)
        exchange.send_json(
            200,
            {
                "object": "list",
                "data": data,
                "model": exchange.model,
                "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
            },
        )

    return Reply(render, f"embeddings(encoding={encoding!r})")


def float32(vector: list[float]) -> list[float]:
    """``vector`` as it comes back through base64 float32 (what clients decode)."""
    return list(struct.unpack(f"<{len(vector)}f", struct.pack(f"<{len(vector)}f", *vector)))


#: The user content parts vLLM reads (``vllm/entrypoints/chat_utils.py``,
#: ``MM_PARSER_MAP``, the ones a client sends); anything else is a 400 there.
USER_PART_TYPES = frozenset({"text", "image_url", "input_audio", "audio_url", "video_url"})


def _unknown_part(body: Any) -> str | None:
    """The first user content part type the engine would not read, if any."""
    for message in _messages(body):
        content = message.get("content")
        for part in content if isinstance(content, list) else ():
            kind = part.get("type") if isinstance(part, dict) else None
            if kind not in USER_PART_TYPES:
                return str(kind)
    return None


def _has_credentials(request: RecordedRequest) -> bool:
    scheme, _, key = request.headers.get("authorization", "").strip().partition(" ")
    return scheme.lower() in {"bearer", "api-key"} and bool(key.strip())


# ---------------------------------------------------------------- tools and JSON, by default


def _resolve_ref(schema: dict[str, Any], root: dict[str, Any]) -> Any:
    """Follow a local ``$ref`` (``#/$defs/Name``, as Pydantic writes nested models)."""
    target: Any = root
    for part in str(schema["$ref"]).removeprefix("#/").split("/"):
        target = target.get(part) if isinstance(target, dict) else None
    return target


@dataclass(frozen=True)
class _Fill:
    """What the default tool and JSON answers fill values with, taken from the prompt."""

    word: str
    number: int


def _value_for(schema: Any, fill: _Fill, depth: int = 0, root: Any = None) -> Any:  # noqa: PLR0911 - one per JSON type
    """A deterministic value that satisfies a (simple) JSON schema."""
    if not isinstance(schema, dict) or depth > 4:
        return fill.word
    if "$ref" in schema and isinstance(root, dict):
        return _value_for(_resolve_ref(schema, root), fill, depth + 1, root)
    if schema.get("enum"):
        return schema["enum"][0]
    if "const" in schema:
        return schema["const"]
    for key in ("anyOf", "oneOf", "allOf"):
        if schema.get(key):
            return _value_for(schema[key][0], fill, depth + 1, root)
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "string")
    if kind == "integer":
        return fill.number
    if kind == "number":
        return float(fill.number)
    if kind == "boolean":
        return True
    if kind == "array":
        return []
    if kind == "object" or "properties" in schema:
        return _object_for(schema, fill, depth + 1, root)
    return fill.word


def _object_for(
    schema: dict[str, Any], fill: _Fill, depth: int = 0, root: Any = None
) -> dict[str, Any]:
    """An object with every required property (every property when none is required)."""
    root = schema if root is None else root
    properties = schema.get("properties") or {}
    required = schema.get("required") or list(properties)
    return {name: _value_for(properties.get(name), fill, depth, root) for name in required}


_QUOTED = re.compile(r"'([^'\n]+)'|\"([^\"\n]+)\"")


def _fill(body: Any) -> _Fill:
    """Values from the last user message, as a model would pick arguments from it.

    Strings: the first quoted phrase ('你好啊集团'), else the last word (letters in
    any script), else "example". Numbers: the first whole number, else 1.
    """
    text = _last_user_text(body)
    quoted = _QUOTED.search(text)
    words = re.findall(r"[^\W\d_](?:[^\W\d_]|-)+", text)
    word = next(filter(None, quoted.groups())) if quoted else (words[-1] if words else "example")
    number = re.search(r"(?<![\w.])-?\d+(?![\w.])", text)
    return _Fill(word, int(number.group()) if number else 1)


def _json_object_answer(text: str, fill: _Fill) -> dict[str, Any]:
    """JSON mode's answer: the keys a prompt asks for ("... with 'setup' and
    'punchline' keys"), else ``{"answer": <the message>}``."""
    if "key" in text.lower():
        keys = [next(filter(None, m)) for m in _QUOTED.findall(text)]
        if keys:
            return dict.fromkeys(keys, fill.word)
    return {"answer": text}


def _called_tools(body: dict[str, Any]) -> set[str]:
    """The names of the tools the assistant has called so far in the conversation."""
    return {
        str((call.get("function") or {}).get("name"))
        for message in _messages(body)
        if message.get("role") == "assistant"
        for call in message.get("tool_calls") or []
        if isinstance(call, dict)
    }


def _forced_tool(body: dict[str, Any]) -> dict[str, Any] | None:
    """The tool a model would call now.

    The named ``tool_choice``; with ``"required"`` the first tool not called yet
    in the conversation (else the first), so an agent whose structured answer is
    a tool (LangChain's ``ToolStrategy``) gets it after its other tools ran;
    otherwise the first tool.
    """
    tools = [t.get("function") or {} for t in body.get("tools") or [] if isinstance(t, dict)]
    choice = body.get("tool_choice")
    if not tools or choice == "none":
        return None
    if isinstance(choice, dict):
        name = (choice.get("function") or {}).get("name")
        return next((t for t in tools if t.get("name") == name), tools[0])
    if choice == "required":
        called = _called_tools(body)
        return next((t for t in tools if t.get("name") not in called), tools[0])
    return tools[0]


def _json_reply(body: dict[str, Any], usage_mode: UsageMode) -> Reply | None:
    """The JSON answer a ``response_format`` asks for; ``None`` without one."""
    response_format = body.get("response_format")
    if not isinstance(response_format, dict) or response_format.get("type") not in {
        "json_schema",
        "json_object",
    }:
        return None
    spec = response_format.get("json_schema") or {}
    answer = (
        _object_for(spec.get("schema") or {}, _fill(body))
        if response_format["type"] == "json_schema"
        else _json_object_answer(_last_user_text(body), _fill(body))
    )
    content = json.dumps(answer)
    if body.get("stream") is True:
        return stream(content, pieces=[content[:5], content[5:]], usage_mode=usage_mode)
    return chat(content)


def _tool_or_json_reply(
    body: dict[str, Any], reasoning: str | None, usage_mode: UsageMode = "both"
) -> Reply | None:
    """Behave like a model with tools or a response format; ``None`` when neither applies.

    * tools bound and the last message is not a tool result (or ``tool_choice``
      forces a call): call a tool (see :func:`_forced_tool`) with arguments made
      from its schema (strings: the last word of the user's message);
    * the last message is a tool result: ``"Based on the tool: <result>"``, or
      the JSON a ``response_format`` asks for (as an agent's final answer);
    * ``response_format`` json_schema: a JSON object made from the schema;
      json_object: ``{"answer": <the user's message>}``.

    Streamed when the request asks for it (tool-call arguments and JSON in two
    pieces each), with ``usage_mode`` for the usage.
    """
    messages = _messages(body)
    last_role = messages[-1].get("role") if messages else None
    streaming = body.get("stream") is True
    choice = body.get("tool_choice")
    must_call = bool(body.get("tools")) and (choice == "required" or isinstance(choice, dict))
    if last_role == "tool" and not must_call:
        if (answer := _json_reply(body, usage_mode)) is not None:
            return answer  # the final answer follows the response format
        content = "Based on the tool: " + _message_text(messages[-1].get("content"))
        return (
            stream(content, reasoning=reasoning, usage_mode=usage_mode)
            if streaming
            else chat(content, reasoning=reasoning)
        )
    tool = _forced_tool(body)
    if tool is not None:
        arguments = json.dumps(_object_for(tool.get("parameters") or {}, _fill(body)))
        digest = hashlib.sha256(f"{tool.get('name')}:{arguments}".encode()).hexdigest()
        call_id = f"call_{digest[:12]}"  # deterministic: recordings must replay
        call = {
            "id": call_id,
            "type": "function",
            "function": {"name": tool.get("name"), "arguments": arguments},
        }
        if not streaming:
            return chat(None, reasoning=reasoning, tool_calls=[call])
        half = len(arguments) // 2
        deltas = [
            [
                {
                    "index": 0,
                    "id": call_id,
                    "type": "function",
                    "function": {"name": tool.get("name"), "arguments": arguments[:half]},
                }
            ],
            [{"index": 0, "function": {"arguments": arguments[half:]}}],
        ]
        return stream(
            None,
            reasoning=reasoning,
            tool_call_deltas=deltas,
            finish_reason="tool_calls",
            usage_mode=usage_mode,
        )
    return _json_reply(body, usage_mode)


SERVER_TOOL_PREFIX = "baseten__"


def _server_tool_reply(request: RecordedRequest, body: dict[str, Any]) -> Reply | None:
    """Baseten's hosted tools (early access), as far as public material describes them.

    Public: the opt-in header ``x-baseten-server-tools: true``, tool types such as
    ``baseten__exa__web_search_exa``, results in extra ``baseten.*`` response fields
    (/work/shared/reference/baseten-api.md, collected from Baseten's docs). Not
    public: the exact fields. This stand-in refuses hosted tools without the
    header (400) and otherwise answers as usual plus a top-level ``"baseten"``
    object naming each hosted tool it "ran"; only the pass-through is tested.
    """
    tools = body.get("tools") or []
    hosted = [t for t in tools if str(t.get("type", "")).startswith(SERVER_TOOL_PREFIX)]
    if not hosted:
        return None
    if request.headers.get("x-baseten-server-tools", "").lower() != "true":
        message = "Server-side tools need the header x-baseten-server-tools: true"
        return error(400, {"error": message})
    query = _last_user_text(body)
    fields = {
        "baseten": {
            "server_tool_calls": [{"type": t["type"], "query": query} for t in hosted],
            "server_tool_results": [
                {"type": t["type"], "content": f"results for {query}"} for t in hosted
            ],
        }
    }
    content = "echo: " + query
    if body.get("stream") is True:
        return stream(content, extra=fields)
    return chat(content, extra=fields)


def default_reply(request: RecordedRequest) -> Reply:  # noqa: PLR0911 - one return per route
    """What the server answers when no reply is scripted.

    * no ``Authorization: Bearer <key>`` (or legacy ``Api-Key <key>``) -> 401
    * ``.../chat/completions`` (POST) with tools or a response format: see
      :func:`_tool_or_json_reply` (a tool call, an answer to a tool result, JSON)
    * ``.../chat/completions`` (POST) otherwise: ``"echo: <last user message>"``, with
      reasoning ``"thinking about it"`` when the model name contains
      "reasoning" or "gpt-oss"; streamed when ``"stream": true`` (usage mode
      "both", or "none" with ``stream_options.include_usage: false``)
    * ``.../models`` (GET): :func:`models` of :data:`DEFAULT_MODELS`, with Baseten's
      catalogue fields (:data:`DEFAULT_CATALOG`) off a dedicated ``/sync/v1`` path
    * ``.../embeddings`` (POST): :func:`embeddings`
    * ``.../rerank`` and ``.../predict`` (POST): :func:`rerank`, :func:`predict`
    * invalid JSON body -> 400; wrong method -> 405; any other path -> 404
    """
    if not _has_credentials(request):
        return error(401, {"error": ERROR_MESSAGES[401]})
    routes = {
        "/chat/completions": "POST",
        "/models": "GET",
        "/embeddings": "POST",
        "/rerank": "POST",
        "/predict": "POST",
    }
    route = next((r for r in routes if request.path.rstrip("/").endswith(r)), None)
    if route is None:
        return error(404, {"error": f"Not found: {request.method} {request.path}"})
    if request.method != routes[route]:
        return error(405, {"error": f"Method not allowed: {request.method} {request.path}"})
    if route == "/models":
        dedicated = request.path.rstrip("/").endswith("/sync/v1/models")
        return models(DEFAULT_MODELS, None if dedicated else DEFAULT_CATALOG)
    body = request.json_or_none()
    if not isinstance(body, dict):
        return error(400, {"error": "Invalid request: the body is not a JSON object"})
    if route == "/embeddings":
        return embeddings()
    if (kind := _unknown_part(body)) is not None:
        return error(400, {"object": "error", "message": f"Unknown part type: {kind}", "code": 400})
    if route == "/rerank":
        return rerank()
    if route == "/predict":
        return predict()
    model = str(body.get("model") or "")
    reasoning = DEFAULT_REASONING if "reasoning" in model or "gpt-oss" in model else None
    options = body.get("stream_options")
    include_usage = not (isinstance(options, dict) and options.get("include_usage") is False)
    usage_mode: UsageMode = "both" if include_usage else "none"
    if (reply := _server_tool_reply(request, body)) is not None:
        return reply
    if (reply := _tool_or_json_reply(body, reasoning, usage_mode)) is not None:
        return reply
    content = "echo: " + _last_user_text(body)
    if body.get("stream") is True:
        return stream(content, reasoning=reasoning, usage_mode=usage_mode)
    return chat(content, reasoning=reasoning)


# ---------------------------------------------------------------- the server


class _Handler(BaseHTTPRequestHandler):
    """Reads one request, records it, and lets a :class:`Reply` answer it."""

    protocol_version = "HTTP/1.1"
    server_version = "FakeBaseten/1.0"
    sys_version = ""
    timeout = CONNECTION_TIMEOUT_SECONDS
    server: _Server

    def setup(self) -> None:
        """Send small writes (headers, SSE events) at once: no Nagle delay."""
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        """Stay quiet."""

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("transfer-encoding", "").lower():
            body = bytearray()
            while size := int(self.rfile.readline(65537).split(b";")[0].strip() or b"0", 16):
                body += self.rfile.read(size)
                self.rfile.readline(65537)
            while self.rfile.readline(65537) not in {b"\r\n", b"\n", b""}:
                pass  # trailers
            return bytes(body)
        length = int(self.headers.get("content-length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _handle(self) -> None:
        path, _, query = self.path.partition("?")
        request = RecordedRequest(
            method=self.command,
            path=path,
            query=query,
            headers={name.lower(): value for name, value in self.headers.items()},
            body=self._read_body(),
        )
        fake = self.server.fake
        request_id = fake.record(request)
        reply = fake.next_reply() or default_reply(request)
        try:
            reply.render(_Exchange(self, request, request_id, fake))
        except _Dropped:
            self.close_connection = True
            with suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
        except (ConnectionError, TimeoutError):
            self.close_connection = True  # the client went away

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _handle  # noqa: N815


class _Server(ThreadingHTTPServer):
    """A threading server that tracks its connections so it can close them."""

    daemon_threads = True
    block_on_close = False  # FakeBaseten.close joins the threads itself, with a deadline
    request_queue_size = 512

    def __init__(self, fake: FakeBaseten, port: int = 0) -> None:
        self.fake = fake
        self.connections: dict[threading.Thread, socket.socket] = {}
        self.accepted = 0
        self.connections_lock = threading.Lock()
        super().__init__(("127.0.0.1", port), _Handler)

    def server_bind(self) -> None:
        """Bind without ``HTTPServer``'s reverse DNS lookup."""
        TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name, self.server_port = str(host), int(port)

    def process_request(self, request: Any, client_address: Any) -> None:
        """Serve each connection in a tracked daemon thread."""
        thread = threading.Thread(
            target=self._serve_connection,
            args=(request, client_address),
            name=f"fake-baseten-conn-{client_address[1]}",
            daemon=True,
        )
        with self.connections_lock:
            self.connections[thread] = request
            self.accepted += 1
        thread.start()

    def _serve_connection(self, request: Any, client_address: Any) -> None:
        try:
            self.process_request_thread(request, client_address)
        finally:
            with self.connections_lock:
                self.connections.pop(threading.current_thread(), None)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Ignore connection errors (clients hanging up, shutdown); report the rest."""
        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)


class FakeBaseten:
    """A running fake Baseten server (see the module docstring)."""

    def __init__(self, port: int = 0) -> None:
        """Start serving on ``127.0.0.1``, on ``port`` or an ephemeral one (0)."""
        self.requests: list[RecordedRequest] = []
        self.closing = threading.Event()
        self._lock = threading.Lock()
        self._queue: deque[Reply] = deque()
        self._sessions: dict[str, int] = {}  # session key -> last prompt tokens
        self._request_ids = itertools.count(1)
        self._server = _Server(self, port)
        port = self._server.server_port
        self.base_url = f"http://{self._server.server_name}:{port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.02},
            name=f"fake-baseten-{port}",
            daemon=True,
        )
        self._thread.start()

    def url(self, path: str) -> str:
        """``base_url + path`` (``path`` should start with ``/``)."""
        return self.base_url + path

    def enqueue(self, *replies: Reply) -> None:
        """Script replies: consumed FIFO, one per request, whatever the path."""
        with self._lock:
            self._queue.extend(replies)

    @property
    def connections_accepted(self) -> int:
        """How many TCP connections clients have opened to this server so far."""
        with self._server.connections_lock:
            return self._server.accepted

    @property
    def pending(self) -> int:
        """How many scripted replies are still queued."""
        with self._lock:
            return len(self._queue)

    def reset(self) -> None:
        """Forget the recorded requests, the scripted replies and the prompt cache."""
        with self._lock:
            self.requests.clear()
            self._queue.clear()
            self._sessions.clear()

    def prompt_cache(self, key: str, prompt_tokens: int) -> int:
        """Remember this session's prompt; return how much of it the last one covered."""
        with self._lock:
            previous = self._sessions.get(key, 0)
            self._sessions[key] = prompt_tokens
        return min(previous, prompt_tokens)

    def record(self, request: RecordedRequest) -> str:
        """Record ``request``; return its ``x-baseten-request-id``."""
        with self._lock:
            self.requests.append(request)
            return f"req-{next(self._request_ids)}"

    def next_reply(self) -> Reply | None:
        """The next scripted reply, if any."""
        with self._lock:
            return self._queue.popleft() if self._queue else None

    def close(self) -> None:
        """Stop serving, drop open connections and join every thread (bounded)."""
        if self.closing.is_set():
            return
        self.closing.set()
        self._server.shutdown()
        self._thread.join(CLOSE_TIMEOUT_SECONDS)
        with self._server.connections_lock:
            connections = list(self._server.connections.items())
        for _, connection in connections:
            with suppress(OSError):  # already closed
                connection.shutdown(socket.SHUT_RDWR)
        deadline = time.monotonic() + CLOSE_TIMEOUT_SECONDS
        for thread, _ in connections:
            thread.join(max(0.0, deadline - time.monotonic()))
        self._server.server_close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


@contextmanager
def fake_baseten_server() -> Iterator[FakeBaseten]:
    """Run a :class:`FakeBaseten` for the duration of the ``with`` block."""
    server = FakeBaseten()
    try:
        yield server
    finally:
        server.close()


def main(argv: list[str] | None = None) -> None:
    """Serve until Ctrl-C or SIGTERM: ``python -m tests.fake_baseten [--port N]``.

    Prints the URL on the first line of stdout (scripts read it), then how to point
    ``ChatBaseten`` at it. The server answers by itself (see :func:`default_reply`).
    """
    import argparse
    import signal

    parser = argparse.ArgumentParser(description="A local Baseten-compatible server on 127.0.0.1.")
    parser.add_argument("--port", type=int, default=0, help="port to bind (default: a free one)")
    args = parser.parse_args(argv)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with FakeBaseten(args.port) as server:
        sys.stdout.write(
            f"{server.base_url}\n"
            "Local Baseten-compatible server (echo answers, any non-empty key accepted).\n"
            f"  export BASETEN_BASE_URL={server.base_url}/v1 BASETEN_API_KEY=any-key\n"
            "Stop with Ctrl-C.\n"
        )
        sys.stdout.flush()
        with suppress(KeyboardInterrupt):
            while not stop.wait(0.5):
                pass


if __name__ == "__main__":
    main()
