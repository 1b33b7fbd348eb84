"""Streams as servers really send them, over HTTP, in every streaming call style.

The bytes of the event stream (line endings, comments, multi-line data, bad
bytes, huge events), how a stream ends (``[DONE]`` without a finish reason,
a cut after the finish reason), error events of each engine, and connection
reuse. The decoder alone is tested (and fuzzed) in ``test_sse.py``.
"""

from __future__ import annotations

import json
from typing import Any

import openai
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from langchain_core.messages import AIMessage, BaseMessage

from langchain_baseten import BasetenResponseError
from langchain_baseten import testing as fb
from langchain_baseten._http.transport import ClientSettings, Transport
from tests.call_styles import STREAM_STYLES, answer
from tests.local_models import KEY, chat_model


async def _answer(llm: Any, style: str, prompt: Any = "hi") -> AIMessage:
    message: BaseMessage = await answer(llm, style, prompt)
    assert isinstance(message, AIMessage)  # AIMessageChunk when streamed
    return message


def _chunk(delta: dict[str, Any], finish: str | None = None, **top: Any) -> bytes:
    event = {
        "id": "chatcmpl-s",
        "object": "chat.completion.chunk",
        "model": "openai/gpt-oss-120b",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        **top,
    }
    return json.dumps(event, ensure_ascii=False).encode()


HELLO = _chunk({"role": "assistant", "content": "Hello"})
WORLD = _chunk({"content": " world"})
FINISH = _chunk({}, "stop")

_EVENTS = (HELLO, WORLD, FINISH)
_BYTES = b"data: " + HELLO + b"\n\ndata: " + WORLD + b"\n\ndata: " + FINISH + b"\n\n"

#: The same answer ("Hello world", finish "stop") in the byte shapes event streams allow.
BYTE_SHAPES: dict[str, list[bytes]] = {
    "lf": [b"data: " + HELLO + b"\n\n", b"data: " + WORLD + b"\n\ndata: " + FINISH + b"\n\n"],
    "crlf": [*(b"data: %s\r\n\r\n" % e for e in _EVENTS), b"data: [DONE]\r\n\r\n"],
    "cr": [*(b"data: %s\r\r" % e for e in _EVENTS), b"data: [DONE]\r\r"],
    # \r\n cut between two network reads
    "crlf split": [
        b"data: " + HELLO + b"\r",
        b"\n\r",
        b"\ndata: " + WORLD + b"\r\n\r\n",
        b"data: " + FINISH + b"\r\n\r\ndata: [DONE]\r\n\r\n",
    ],
    # keep-alive comments (proxies, sse-starlette's pings) before and between events
    "comments": [
        b": ping\n\n",
        b"data: " + HELLO + b"\n\n: keep-alive\n\n",
        b":\n\ndata: " + WORLD + b"\n\n",
        b"data: " + FINISH + b"\n\ndata: [DONE]\n\n",
    ],
    # one JSON event over three data: lines (joined with "\n", which JSON allows)
    "multi-line data": [
        b'data: {"choices":\ndata: [{"index": 0,\ndata:  "delta": {"content": ',
        b'"Hello world"}}]}\n\n',
        b"data: " + FINISH + b"\n\ndata: [DONE]\n\n",
    ],
    # every byte in its own read: "data:" and the blank lines cut apart
    "byte by byte": [bytes([byte]) for byte in _BYTES],
    "named events": [b"event: message\ndata: %s\n\n" % e for e in _EVENTS],
    "byte order mark": [b"\xef\xbb\xbf", _BYTES],
}


@pytest.mark.parametrize("style", STREAM_STYLES)
@pytest.mark.parametrize("shape", list(BYTE_SHAPES))
async def test_byte_shapes_of_an_event_stream_give_the_same_answer(
    fake_baseten: fb.FakeBaseten, style: str, shape: str
) -> None:
    fake_baseten.enqueue(fb.raw_stream(*BYTE_SHAPES[shape]))
    message = await _answer(chat_model(fake_baseten), style)
    assert message.text == "Hello world"
    assert message.response_metadata["finish_reason"] == "stop"


async def test_a_character_cut_between_reads_arrives_whole(fake_baseten: fb.FakeBaseten) -> None:
    text = _chunk({"content": "Zürich 東京 🌍"})
    cut = text.index("東".encode()) + 1  # inside the three bytes of 東
    fake_baseten.enqueue(
        fb.raw_stream(b"data: " + text[:cut], text[cut:] + b"\n\ndata: " + FINISH + b"\n\n")
    )
    assert (await _answer(chat_model(fake_baseten), "stream")).text == "Zürich 東京 🌍"


# ---------------------------------------------------------------- how a stream ends


@pytest.mark.parametrize("style", STREAM_STYLES)
async def test_done_without_a_finish_reason_is_a_complete_answer(
    fake_baseten: fb.FakeBaseten, style: str
) -> None:
    # vLLM may end a stream with [DONE] and no chunk carrying finish_reason
    # (vllm-project/vllm#27572).
    fake_baseten.enqueue(fb.stream("all of it", omit_finish_reason=True))
    message = await _answer(chat_model(fake_baseten), style)
    assert message.text == "all of it"
    assert message.response_metadata["stream_end"] == "done_without_finish_reason"
    assert "finish_reason" not in message.response_metadata
    assert message.usage_metadata is not None


@pytest.mark.parametrize("style", STREAM_STYLES)
async def test_a_tool_call_ended_by_done_alone_is_kept(
    fake_baseten: fb.FakeBaseten, style: str
) -> None:
    deltas = [
        [{"index": 0, "id": "call_1", "function": {"name": "f", "arguments": '{"a": '}}],
        [{"index": 0, "function": {"arguments": "1}"}}],
    ]
    fake_baseten.enqueue(fb.stream(None, tool_call_deltas=deltas, omit_finish_reason=True))
    message = await _answer(chat_model(fake_baseten), style)
    assert isinstance(message, AIMessage)
    assert message.tool_calls == [
        {"name": "f", "args": {"a": 1}, "id": "call_1", "type": "tool_call"}
    ]


@pytest.mark.parametrize("style", STREAM_STYLES)
async def test_a_stream_cut_after_its_finish_reason_is_complete(
    fake_baseten: fb.FakeBaseten, style: str
) -> None:
    # Events: "all", " here", the finish chunk, the usage chunk, [DONE]; cut before [DONE].
    fake_baseten.enqueue(fb.stream("all here", drop_after=4))
    message = await _answer(chat_model(fake_baseten), style)
    assert message.text == "all here"
    assert message.response_metadata["finish_reason"] == "stop"
    assert message.response_metadata["stream_end"] == "cut_after_finish_reason"
    assert message.usage_metadata is not None
    assert message.usage_metadata["output_tokens"] == 2


@pytest.mark.parametrize("style", STREAM_STYLES)
async def test_a_stream_cut_before_its_finish_reason_is_an_error(
    fake_baseten: fb.FakeBaseten, style: str
) -> None:
    fake_baseten.enqueue(fb.stream("all here", drop_after=2))
    with pytest.raises(openai.APIConnectionError, match="broke in the middle of the stream"):
        await _answer(chat_model(fake_baseten), style)


@pytest.mark.parametrize("style", STREAM_STYLES)
async def test_a_normal_end_adds_no_stream_end_note(
    fake_baseten: fb.FakeBaseten, style: str
) -> None:
    fake_baseten.enqueue(fb.stream("fine"))
    message = await _answer(chat_model(fake_baseten), style)
    assert "stream_end" not in message.response_metadata


# ---------------------------------------------------------------- errors in the stream

#: Error events as engines send them, and the server text the error must show.
ERROR_EVENTS: dict[str, tuple[bytes, str]] = {
    "event: error": (b'event: error\ndata: {"error": "engine died"}\n\n', "engine died"),
    "event: error, plain text": (b"event: error\ndata: out of memory\n\n", "out of memory"),
    "Baseten string": (b'data: {"error": "model crashed"}\n\n', "model crashed"),
    "OpenAI nested": (b'data: {"error": {"message": "CUDA OOM", "code": 500}}\n\n', "CUDA OOM"),
    # vLLM's ErrorResponse (vllm/entrypoints/openai/protocol.py)
    "vLLM object error": (
        (
            b'data: {"object": "error", "message": "prompt too long", "type": "BadRequestError",'
            b' "code": 400}\n\n'
        ),
        "prompt too long",
    ),
    "message only": (b'data: {"message": "replica restarting"}\n\n', "replica restarting"),
    "FastAPI detail": (b'data: {"detail": "Model is not ready"}\n\n', "Model is not ready"),
}


@pytest.mark.parametrize("style", STREAM_STYLES)
@pytest.mark.parametrize("shape", list(ERROR_EVENTS))
async def test_error_events_show_the_servers_text(
    fake_baseten: fb.FakeBaseten, style: str, shape: str
) -> None:
    event, text = ERROR_EVENTS[shape]
    fake_baseten.enqueue(fb.raw_stream(b"data: " + HELLO + b"\n\n", event, b"data: [DONE]\n\n"))
    with pytest.raises(openai.APIError) as info:
        await _answer(chat_model(fake_baseten), style)
    assert f"error in the middle of the stream: {text}" in str(info.value)


@pytest.mark.parametrize("style", STREAM_STYLES)
@pytest.mark.parametrize(
    ("body", "text"),
    [
        ({"error": "rate limited", "error_code": "rate_limited"}, "rate limited"),
        ({"object": "error", "message": "The model `x` does not exist."}, "does not exist"),
        ({"detail": "Model is not ready, it is still building or deploying"}, "still building"),
    ],
)
async def test_a_json_error_answering_a_stream_request_shows_the_servers_text(
    fake_baseten: fb.FakeBaseten, style: str, body: dict[str, Any], text: str
) -> None:
    fake_baseten.enqueue(
        fb.raw(200, json.dumps(body).encode(), headers={"x-baseten-request-id": "r9"})
    )
    with pytest.raises(BasetenResponseError) as info:
        await _answer(chat_model(fake_baseten), style)
    assert "with an error instead of events" in str(info.value)
    assert text in str(info.value)
    assert "Baseten request id: r9" in str(info.value)


@pytest.mark.parametrize("style", STREAM_STYLES)
async def test_bytes_that_are_not_utf8_raise_the_packages_error(
    fake_baseten: fb.FakeBaseten, style: str
) -> None:
    bad = _chunk({"content": "caf\u00e9"}).replace("é".encode(), b"\xe9")  # Latin-1, not UTF-8
    fake_baseten.enqueue(fb.raw_stream(b"data: " + HELLO + b"\n\n", b"data: " + bad + b"\n\n"))
    with pytest.raises(BasetenResponseError, match="not valid UTF-8"):
        await _answer(chat_model(fake_baseten), style)


@pytest.mark.parametrize("style", [*STREAM_STYLES, "invoke", "ainvoke"])
async def test_deeply_nested_json_raises_the_packages_error(
    fake_baseten: fb.FakeBaseten, style: str
) -> None:
    nested = b'{"choices": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    if "stream" in style:
        fake_baseten.enqueue(fb.raw_stream(b"data: " + nested + b"\n\n"))
    else:
        fake_baseten.enqueue(fb.raw(200, nested))
    llm = chat_model(fake_baseten)
    with pytest.raises(BasetenResponseError, match="nested too deeply"):
        await _answer(llm, style)


@pytest.mark.parametrize("style", [*STREAM_STYLES, "invoke", "ainvoke"])
async def test_an_integer_too_long_for_python_raises_the_packages_error(
    fake_baseten: fb.FakeBaseten, style: str
) -> None:
    # json.loads refuses integers over 4300 digits with a bare ValueError.
    chunk = b'{"id": "x", "choices": [], "usage": {"prompt_tokens": ' + b"9" * 5000 + b"}}"
    if "stream" in style:
        fake_baseten.enqueue(fb.raw_stream(b"data: " + chunk + b"\n\n"))
    else:
        fake_baseten.enqueue(fb.raw(200, chunk))
    llm = chat_model(fake_baseten)
    with pytest.raises(BasetenResponseError, match="an integer of more than 4300 digits"):
        await _answer(llm, style)


def _transport(server: fb.FakeBaseten, **kwargs: Any) -> Transport:
    settings = ClientSettings(base_url=server.url("/v1"), api_key=KEY, timeout=10, max_retries=0)
    return Transport(settings, **kwargs)


def test_an_event_over_the_cap_raises_the_packages_error(fake_baseten: fb.FakeBaseten) -> None:
    # 64 KiB of one event, sent in 1 KiB reads; the cap is 16 KiB.
    huge = [b"data: {"] + [b" " * 1024] * 64 + [b"}\n\n"]
    fake_baseten.enqueue(fb.raw_stream(*huge))
    transport = _transport(fake_baseten, max_event_bytes=16 * 1024)
    with (
        pytest.raises(BasetenResponseError, match="larger than 16,384 bytes"),
        transport.stream("/chat/completions", {"model": "m", "messages": []}) as events,
    ):
        list(events)


async def test_an_event_over_the_cap_raises_the_packages_error_async(
    fake_baseten: fb.FakeBaseten,
) -> None:
    fake_baseten.enqueue(fb.raw_stream(b"data: " + b"x" * 5000))
    transport = _transport(fake_baseten, max_event_bytes=4096)
    with pytest.raises(BasetenResponseError, match="larger than 4,096 bytes"):
        async with transport.astream("/chat/completions", {"model": "m"}) as events:
            [event async for event in events]


@pytest.mark.parametrize("style", STREAM_STYLES)
async def test_the_event_cap_is_a_chat_model_setting(
    fake_baseten: fb.FakeBaseten, style: str
) -> None:
    fake_baseten.enqueue(fb.raw_stream(b"data: " + b"x" * 5000))
    with pytest.raises(BasetenResponseError, match="larger than 4,096 bytes"):
        await _answer(chat_model(fake_baseten, max_event_bytes=4096), style)
    fake_baseten.enqueue(fb.stream("one two three"))
    assert (
        await _answer(chat_model(fake_baseten, max_event_bytes=4096), style)
    ).text == "one two three"


# ---------------------------------------------------------------- connections


@pytest.mark.parametrize("done", [True, False])
def test_sequential_sync_streams_reuse_one_connection(
    fake_baseten: fb.FakeBaseten, done: bool
) -> None:
    llm = chat_model(fake_baseten, http_client=None)
    for _ in range(5):
        fake_baseten.enqueue(fb.stream("one two three", done=done))
        assert "".join(c.text for c in llm.stream("hi")) == "one two three"
    assert fake_baseten.connections_accepted == 1


async def test_sequential_async_streams_reuse_one_connection(fake_baseten: fb.FakeBaseten) -> None:
    llm = chat_model(fake_baseten)
    for _ in range(5):
        assert "".join([c.text async for c in llm.astream("hi")]) == "echo: hi"
    assert fake_baseten.connections_accepted == 1


def test_a_stream_abandoned_early_does_not_park_a_half_read_connection(
    fake_baseten: fb.FakeBaseten,
) -> None:
    llm = chat_model(fake_baseten)
    for _ in llm.stream("one two three four"):
        break
    # The half-read connection was closed, so the next call opens a fresh one and works.
    assert llm.invoke("again").text == "echo: again"
    assert fake_baseten.connections_accepted == 2


# ---------------------------------------------------------------- fuzz

HTTP_FUZZ_EXAMPLES = 25


def test_fuzz_any_network_cut_of_a_stream_gives_the_same_answer() -> None:
    """The same events cut into random reads (and line endings) over real HTTP."""
    events = [HELLO, _chunk({"content": " wörld 🌍"}), FINISH, b"[DONE]"]
    with fb.fake_baseten_server() as server:
        llm = chat_model(server)

        @settings(
            max_examples=HTTP_FUZZ_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck)
        )
        @given(
            st.sampled_from([b"\n", b"\r\n", b"\r"]),
            st.lists(st.integers(min_value=1, max_value=400), max_size=8),
        )
        def run(newline: bytes, cuts: list[int]) -> None:
            body = b"".join(b"data: " + e + newline * 2 for e in events)
            points = sorted({min(c, len(body) - 1) for c in cuts})
            pieces = [body[a:b] for a, b in zip([0, *points], [*points, len(body)], strict=True)]
            server.reset()
            server.enqueue(fb.raw_stream(*pieces))
            message = llm.invoke("hi", stream=True)
            assert message.text == "Hello wörld 🌍"
            assert message.response_metadata["finish_reason"] == "stop"

        run()
