"""Chunks built on the fast path are the chunks langchain-core's constructors build.

``langchain_baseten._streaming`` builds plain text deltas without pydantic
validation (the per-chunk speed target); these tests pin that the objects are
identical in every piece of instance state, independent of each other, and
that the package falls back to the constructors when they would differ. Also:
the fast JSON parser decides exactly as ``json`` does.
"""

from __future__ import annotations

import json
import logging
import math
from typing import TYPE_CHECKING, Any

import httpx2
import pytest
from langchain_core.load import dumpd
from langchain_core.messages import AIMessageChunk
from langchain_core.outputs.chat_generation import merge_chat_generation_chunks

from langchain_baseten import _streaming
from langchain_baseten._http.transport import ClientSettings
from langchain_baseten._json_decode import json_loads
from langchain_baseten._sse import SSEError, loads
from langchain_baseten._streaming import StreamParser

if TYPE_CHECKING:
    from langchain_core.outputs import ChatGenerationChunk


def _state(model: Any) -> tuple[Any, ...]:
    return (
        type(model),
        model.__dict__,
        model.__pydantic_fields_set__,
        model.__pydantic_extra__,
        model.__pydantic_private__,
    )


def _events() -> list[dict[str, Any]]:
    head: dict[str, Any] = {"id": "chatcmpl-1", "object": "chat.completion.chunk", "model": "m"}
    deltas: list[dict[str, Any]] = [
        {"role": "assistant", "content": ""},
        {"content": "Hel"},
        {"content": "lo", "reasoning_content": None, "tool_calls": []},  # vLLM's nulls
        {"reasoning_content": "thinking"},
        {"content": [{"type": "text", "text": " there"}]},
    ]
    events = [{**head, "choices": [{"index": 0, "delta": d}]} for d in deltas]
    events.append({**head, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
    usage = {"prompt_tokens": 3, "completion_tokens": 4, "total_tokens": 7}
    events.append({**head, "choices": [], "usage": usage})
    return events


def _parse(events: list[dict[str, Any]]) -> list[ChatGenerationChunk]:
    parser = StreamParser({"x-baseten-request-id": "req-1"}, stream_usage=True)
    chunks = [chunk for event in events if (chunk := parser.feed(event)) is not None]
    return [*chunks, parser.finish()]


def test_a_fast_text_chunk_is_identical_to_the_constructed_one() -> None:
    assert _streaming._Builder.get() is _streaming._fast_text_chunk
    fast = _streaming._fast_text_chunk("tok", "chatcmpl-9")
    slow = _streaming._slow_text_chunk("tok", "chatcmpl-9")
    assert _state(fast) == _state(slow)
    assert _state(fast.message) == _state(slow.message)
    assert fast.text == "tok"
    assert fast.message.content_blocks == slow.message.content_blocks
    assert dumpd(fast.message) == dumpd(slow.message)
    assert fast.message.model_dump() == slow.message.model_dump()


def test_fast_chunks_share_no_mutable_state() -> None:
    first = _streaming._fast_text_chunk("a", "x")
    second = _streaming._fast_text_chunk("b", "x")
    assert isinstance(first.message, AIMessageChunk)
    assert isinstance(second.message, AIMessageChunk)
    first.message.additional_kwargs["k"] = 1
    first.message.response_metadata["k"] = 1
    # A deliberately partial chunk: only whether the list is shared matters here.
    first.message.tool_call_chunks.append({"type": "tool_call_chunk"})  # type: ignore[typeddict-item]
    first.message.id = "changed"  # pydantic records the assignment in the fields set
    assert second.message.additional_kwargs == {}
    assert second.message.response_metadata == {"model_provider": "baseten"}
    assert second.message.tool_call_chunks == []
    assert "id" in second.message.model_fields_set
    assert second.message.id == "x"
    assert _state(second.message) == _state(_streaming._slow_text_chunk("b", "x").message)


def test_a_stream_gives_the_same_chunks_and_merged_message_on_either_path(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fast = _parse(_events())
    monkeypatch.setattr(_streaming._Builder, "text_chunk", _streaming._slow_text_chunk)
    slow = _parse(_events())
    assert [_state(c) for c in fast] == [_state(c) for c in slow]
    assert [_state(c.message) for c in fast] == [_state(c.message) for c in slow]
    merged_fast, merged_slow = (
        merge_chat_generation_chunks(fast),
        merge_chat_generation_chunks(slow),
    )
    assert merged_fast is not None
    assert merged_slow is not None
    assert merged_fast.message == merged_slow.message
    assert merged_fast.message.content == "Hello there"
    assert merged_fast.message.additional_kwargs == {"reasoning_content": "thinking"}


def test_the_constructors_are_used_when_the_fast_path_would_differ(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    original = AIMessageChunk.__init__

    def init_with_extra_state(self: AIMessageChunk, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        self.__pydantic_fields_set__.add("name")  # a future version setting more state

    monkeypatch.setattr(AIMessageChunk, "__init__", init_with_extra_state)
    monkeypatch.setattr(_streaming._Builder, "text_chunk", None)
    assert _streaming._Builder.get() is _streaming._slow_text_chunk
    monkeypatch.undo()
    _streaming._Builder.text_chunk = None
    assert _streaming._Builder.get() is _streaming._fast_text_chunk


@pytest.mark.parametrize(
    "text",
    [
        '{"a": NaN, "b": -Infinity}',
        "[18446744073709551616, -18446744073709551617]",
        '"\\ud800 lone surrogate"',
        "[1e400, -1e400]",
        '{"text": "digits 123456789012345678901234 in text"}',
        '{"k": 1, "k": 2}',
        '{"choices": [{"delta": {"content": "caf\\u00e9 \\ud83d\\ude00"}}], "x": 1.5e-7}',
    ],
)
def test_the_fast_json_parser_gives_what_json_gives(text: str) -> None:
    expected = json.loads(text)
    got = loads(text, "a stream event")
    assert repr(got) == repr(expected)
    assert repr(json_loads(text.encode("utf-8", "surrogatepass"))) == repr(expected)
    if isinstance(expected, dict) and "a" in expected:
        assert math.isnan(got["a"])


@pytest.mark.parametrize(
    "text",
    [
        '["caf\u00e9 \U0001f600", 123456789012345678901, "x"]',  # a big integer after UTF-8 text
        '{"text": "\ud800", "n": 99999999999999999999}',  # a lone surrogate in a str
    ],
)
def test_the_fast_json_parser_gives_what_json_gives_for_str_text(text: str) -> None:
    assert repr(loads(text, "a stream event")) == repr(json.loads(text))


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("[" * 100_000, "nested too deeply"),
        ('{"a": }', "not JSON"),
        ("", "not JSON"),
        ('{"n": ' + "1" * 4301 + "}", "with an integer of more than 4300 digits"),
    ],
)
def test_json_errors_are_worded_as_before(text: str, words: str) -> None:
    with pytest.raises(SSEError, match=words):
        loads(text, "a stream event")


def _ended_stream(*, done: bool, received: bool) -> _streaming.EventStream:
    request = httpx2.Request("POST", "http://127.0.0.1:9/v1/chat/completions")
    settings = ClientSettings(
        base_url="http://127.0.0.1:9/v1", api_key="k", timeout=None, max_retries=0
    )
    events = _streaming.EventStream(httpx2.Response(200, request=request), "u", settings, 1024)
    events.done, events.received = done, received
    return events


def test_package_decisions_at_a_streams_end_are_logged(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="langchain_baseten._streaming")
    assert _ended_stream(done=True, received=True).outcome(finished=False) == (
        "done_without_finish_reason"
    )
    assert _ended_stream(done=False, received=True).outcome(finished=True) == (
        "closed_after_finish_reason"
    )
    assert _ended_stream(done=True, received=True).outcome(finished=True) is None
    messages = [r.getMessage() for r in caplog.records]
    assert messages == [
        "Stream from 127.0.0.1 ended by [DONE] without a finish_reason: complete",
        "Stream from 127.0.0.1 closed after its finish_reason without [DONE]: complete",
    ]
