"""Chat replies as Baseten's engines shape them: plain, streamed (SSE), model lists.

:func:`chat` and :func:`stream` build OpenAI-compatible completions with the
engines' quirks (cumulative stream usage, reasoning deltas, refusals, the chunk
shapes of vLLM, SGLang and TensorRT-LLM, each with its source cited where it is
built); :func:`raw_stream` sends exact event-stream bytes; :func:`models` lists
models with Baseten's catalogue fields.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from dataclasses import dataclass
from typing import Any, Literal

from langchain_baseten.testing._defaults import SYSTEM_FINGERPRINT
from langchain_baseten.testing._exchange import (
    Dropped,
    Exchange,
    Reply,
    count_prompt_tokens,
    count_words,
)

UsageMode = Literal["cumulative", "final_chunk", "both", "none"]


#: How an engine shapes its stream chunks (see :func:`_styled`).
StreamStyle = Literal["openai", "vllm-sparse", "kimi-vllm", "sglang", "trtllm-harmony"]


class _Default:
    """Sentinel type: "compute a realistic usage block from the request"."""

    def __repr__(self) -> str:
        return "<default>"


DEFAULT: Any = _Default()


def _tool_call_text(tool_calls: list[dict[str, Any]] | None) -> str:
    parts = []
    for call in tool_calls or []:
        function = call.get("function") or {}
        parts += [str(function.get("name") or ""), str(function.get("arguments") or "")]
    return " ".join(parts)


def tool_call(name: str, arguments: Any, call_id: str = "call_1") -> dict[str, Any]:
    """One entry of an answer's ``message.tool_calls`` (OpenAI's shape; ``arguments`` as given)."""
    return {"id": call_id, "type": "function", "function": {"name": name, "arguments": arguments}}


def make_usage(
    prompt_tokens: int,
    completion_tokens: int,
    *,
    reasoning_tokens: int = 0,
    cached_tokens: int = 0,
    details: bool = True,
) -> dict[str, Any]:
    """A Baseten usage block with the cached and reasoning token details.

    ``details=False`` gives only the three counts, as engines that send no details do.
    """
    usage: dict[str, Any] = {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
    }
    if details:
        usage["prompt_tokens_details"] = {"cached_tokens": cached_tokens}
        usage["completion_tokens_details"] = {"reasoning_tokens": reasoning_tokens}
    return usage


def _computed_usage(
    exchange: Exchange, completion: str | None, reasoning: str | None
) -> dict[str, Any]:
    """Usage from the request and the answer: prompt and reply words (reasoning included).

    Cached tokens: see :meth:`Exchange.cached_tokens` (session affinity).
    """
    reasoning_tokens = count_words(reasoning)
    return make_usage(
        count_prompt_tokens(exchange.body),
        count_words(completion) + reasoning_tokens,
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

    def render(exchange: Exchange) -> None:
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
    delta: dict[str, Any] | None = choice["delta"] if choice else None
    if style == "vllm-sparse" and delta is not None:  # every streamed choice has a delta
        if choice["finish_reason"] is None:
            del choice["finish_reason"]
        if "content" in delta:
            delta["tool_calls"] = []
    elif style == "kimi-vllm" and delta is not None:
        delta["role"] = "assistant"
    elif style == "sglang":
        chunk.setdefault("usage", None)
        if delta is not None:  # every streamed choice has a delta
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


@dataclass(frozen=True)
class _StreamSpec:
    """What one streamed completion says, resolved from :func:`stream`'s options."""

    pieces: list[str]
    reasoning_pieces: list[str]
    refusal_pieces: list[str]
    reasoning_key: str
    tool_call_deltas: list[list[dict[str, Any]]]
    usage: dict[str, Any] | None
    usage_mode: UsageMode
    finish_reason: str | None
    stop_reason: Any
    model: str
    extra: dict[str, Any]
    style: StreamStyle = "openai"


def _stream_events(spec: _StreamSpec) -> list[str]:
    """The ``data:`` payloads of one streamed completion (without ``[DONE]``)."""
    deltas: list[dict[str, Any]] = [{spec.reasoning_key: p} for p in spec.reasoning_pieces]
    deltas += [{"content": p} for p in spec.pieces]
    deltas += [{"refusal": p} for p in spec.refusal_pieces]
    deltas += [{"tool_calls": calls} for calls in spec.tool_call_deltas]
    deltas.append({})  # the finish chunk
    deltas[0] = {"role": "assistant", **deltas[0]}
    base = {
        "id": _completion_id(),
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": spec.model,
    }
    events = []
    for number, delta in enumerate(deltas, start=1):
        last = number == len(deltas)
        choice: dict[str, Any] = {
            "index": 0,
            "delta": delta,
            "logprobs": None,
            "finish_reason": spec.finish_reason if last else None,
        }
        if last and spec.stop_reason is not None:
            choice["stop_reason"] = spec.stop_reason
        chunk: dict[str, Any] = {**base, "choices": [choice], **(spec.extra if last else {})}
        if spec.usage is not None and spec.usage_mode in {"cumulative", "both"}:
            chunk["usage"] = _scale_usage(spec.usage, number / len(deltas))
        events.append(json.dumps(_styled(chunk, spec.style, reasoning_key=spec.reasoning_key)))
    if spec.usage is not None and spec.usage_mode in {"final_chunk", "both"}:
        events.append(json.dumps({**base, "choices": [], "usage": spec.usage}))
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

    def render(exchange: Exchange) -> None:
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
                _StreamSpec(
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
            )
        if done:
            events.append("[DONE]")
        exchange.start_stream(headers)
        for number, event in enumerate(events):
            if number == stall_after:
                exchange.sleep(stall_seconds)
            if number == drop_after:
                raise Dropped
            exchange.send_event(event)
        if drop_after is not None:
            raise Dropped
        exchange.end_stream()

    return Reply(render, f"stream({content_pieces!r})")


def raw_stream(
    *pieces: bytes,
    drop: bool = False,
    content_type: str = "text/event-stream",
    headers: dict[str, str] | None = None,
) -> Reply:
    r"""A streamed body of exactly these bytes, one HTTP chunk per piece.

    For the byte-level shapes of event streams: ``\r\n`` or ``\r`` line
    endings, comments, multi-line ``data:``, an ``event:`` name, pieces cut in
    the middle of a line or of a UTF-8 character. ``drop=True`` cuts the
    connection after the last piece instead of ending the body.
    """

    def render(exchange: Exchange) -> None:
        exchange.start_stream(headers, content_type)
        for piece in pieces:
            exchange.send_chunk(piece)
        if drop:
            raise Dropped
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


def answer_payload(exchange: Exchange, content: str) -> dict[str, Any]:
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
