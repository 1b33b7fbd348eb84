"""Faults over real HTTP: retries, timeouts, broken streams and malformed answers.

Every case either recovers as the API intends or raises a clear error that names
what went wrong; never an AttributeError/KeyError/TypeError from inside the
package, never a hang (every wait here is bounded), never partial text handed out
as a complete answer. Most cases run in all four call styles (``invoke``,
``ainvoke``, ``stream``, ``astream``); the parser is also fuzzed with hypothesis.
"""

from __future__ import annotations

import copy
import json
import socket
import threading
import time
from contextlib import contextmanager, suppress
from typing import TYPE_CHECKING, Any

import openai
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from langchain_core.messages import AIMessage, AIMessageChunk

from langchain_baseten import BasetenResponseError, BasetenStreamError, ChatBaseten
from langchain_baseten import testing as fb
from langchain_baseten._messages import MalformedResponseError, message_from_wire
from langchain_baseten._streaming import StreamParser
from tests.call_styles import STREAM_STYLES, STYLES
from tests.local_models import KEY, chat_model
from tests.spies import CallbackSpy

if TYPE_CHECKING:
    from collections.abc import Iterator

#: Each test on the local server runs with the package's pools and with a user's own
#: classic httpx clients (the client_kind fixture, conftest.py; a user's httpx2 clients
#: take the pools' code path, which test_chat_e2e, test_embeddings and test_rerank run).
# Slow (`make test-slow`, not `make test`): fault injection over real HTTP in every call style
# and client kind, and hypothesis fuzzing.
pytestmark = [pytest.mark.each_client_kind("pools", "httpx"), pytest.mark.slow]


#: Generous upper bound for anything that must not hang (waits here are <= 0.5 s each).
HANG = 10.0


async def _call(
    llm: ChatBaseten,
    style: str,
    seen: list[AIMessageChunk] | None = None,
    watch: CallbackSpy | None = None,
) -> str:
    """Run one call in ``style``; return the text. Streamed chunks land in ``seen``."""
    config: Any = {"callbacks": [watch]} if watch else None
    seen = [] if seen is None else seen
    if style == "invoke":
        return llm.invoke("hi", config=config).text
    if style == "ainvoke":
        return (await llm.ainvoke("hi", config=config)).text
    if style == "invoke-streaming":
        return llm.invoke("hi", config=config, stream=True).text
    if style == "ainvoke-streaming":
        return (await llm.ainvoke("hi", config=config, stream=True)).text
    if style == "stream":
        for chunk in llm.stream("hi", config=config):
            seen.append(chunk)
    else:
        async for chunk in llm.astream("hi", config=config):
            seen.append(chunk)
    return "".join(c.text for c in seen)


def _completed(chunks: list[AIMessageChunk]) -> bool:
    """Whether any chunk handed out claims the answer is complete."""
    return any(
        c.chunk_position == "last" or c.response_metadata.get("finish_reason") for c in chunks
    )


# ---------------------------------------------------------------- retries


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize(
    ("status", "headers"),
    [(408, {}), (429, {"retry-after": "0.1"}), (502, {}), (503, {"retry-after": "0.05"})],
)
async def test_transient_errors_are_retried_then_answered(
    fake_baseten: fb.FakeBaseten, status: int, headers: dict[str, str], style: str
) -> None:
    fake_baseten.enqueue(
        fb.error(status, headers=headers),
        fb.stream("finally here") if "stream" in style else fb.chat("finally here"),
    )
    assert await _call(chat_model(fake_baseten, max_retries=2), style) == "finally here"
    assert len(fake_baseten.requests) == 2
    assert [r.headers["x-stainless-retry-count"] for r in fake_baseten.requests] == ["0", "1"]
    assert fake_baseten.requests[0].body == fake_baseten.requests[1].body


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize(
    ("status", "exc_type", "text"),
    [
        (429, openai.RateLimitError, "Too many requests for this account"),
        (502, openai.InternalServerError, "upstream container restarted"),
        (503, openai.InternalServerError, "model is scaling up"),
    ],
)
async def test_exhausted_retries_say_what_happened_and_how_often(
    fake_baseten: fb.FakeBaseten, status: int, exc_type: type[Exception], text: str, style: str
) -> None:
    fake_baseten.enqueue(
        *(fb.error(status, {"error": text}, headers={"retry-after": "0.01"}) for _ in range(3))
    )
    with pytest.raises(exc_type) as info:
        await _call(chat_model(fake_baseten, max_retries=2), style)
    message = str(info.value)
    assert f"HTTP {status}" in message
    assert text in message
    assert "Likely cause:" in message
    assert "Gave up after 3 attempts" in message
    assert "req-3" in message  # the request id of the last attempt
    assert info.value.attempts == 3  # type: ignore[attr-defined]
    assert len(fake_baseten.requests) == 3


async def test_without_retries_one_attempt_is_made(fake_baseten: fb.FakeBaseten) -> None:
    fake_baseten.enqueue(fb.error(503), fb.chat("never"))
    with pytest.raises(openai.InternalServerError) as info:
        await chat_model(fake_baseten, max_retries=0).ainvoke("hi")
    assert "Gave up" not in str(info.value)
    assert len(fake_baseten.requests) == 1


@pytest.mark.parametrize("status", [400, 401, 402, 403, 404, 413, 422])
def test_client_errors_are_not_retried(fake_baseten: fb.FakeBaseten, status: int) -> None:
    fake_baseten.enqueue(fb.error(status), fb.chat("never"))
    with pytest.raises(openai.APIStatusError):
        chat_model(fake_baseten, max_retries=3).invoke("hi")
    assert len(fake_baseten.requests) == 1


# ---------------------------------------------------------------- connections and timeouts


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def _hang_up_server() -> Iterator[tuple[str, list[int]]]:
    """A server on 127.0.0.1 that reads each request and closes without answering.

    Yields its base URL and a list that counts accepted connections. Bounded: at
    most 20 connections and 20 seconds.
    """
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    listener.settimeout(0.1)
    accepted: list[int] = []
    stop = threading.Event()

    def serve() -> None:
        deadline = time.monotonic() + 20
        while not stop.is_set() and time.monotonic() < deadline and len(accepted) < 20:
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            accepted.append(1)
            with conn:
                conn.settimeout(2)
                with suppress(OSError):
                    conn.recv(65536)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/v1", accepted
    finally:
        stop.set()
        thread.join(5)
        listener.close()


@pytest.mark.each_client_kind("pools", "httpx")  # uses no local server: marked itself
@pytest.mark.parametrize("style", STYLES)
async def test_connect_failure_is_a_clear_error(style: str) -> None:
    port = _closed_port()
    start = time.monotonic()
    with pytest.raises(openai.APIConnectionError) as info:
        await _call(chat_model(f"http://127.0.0.1:{port}/v1", max_retries=1), style)
    assert time.monotonic() - start < HANG
    assert f"Could not connect to http://127.0.0.1:{port}/v1/chat/completions" in str(info.value)
    assert "Gave up after 2 attempts" in str(info.value)
    assert not isinstance(info.value, openai.APITimeoutError)


@pytest.mark.each_client_kind("pools", "httpx")  # uses no local server: marked itself
@pytest.mark.parametrize("style", ["invoke", "astream"])
@pytest.mark.parametrize("retry_lost_answers", [False, True])
async def test_server_hanging_up_without_an_answer(style: str, retry_lost_answers: bool) -> None:
    with _hang_up_server() as (url, accepted):
        start = time.monotonic()
        with pytest.raises(openai.APIConnectionError) as info:
            await _call(
                chat_model(url, max_retries=1, retry_lost_answers=retry_lost_answers), style
            )
        assert time.monotonic() - start < HANG
    assert "failed before an answer" in str(info.value)
    if retry_lost_answers:
        assert "Gave up after 2 attempts" in str(info.value)
        assert len(accepted) == 2
    else:  # the server read the request: it may have run it, so it is not sent twice
        assert "Not retried" in str(info.value)
        assert len(accepted) == 1


@pytest.mark.parametrize("style", STYLES)
async def test_read_timeout_is_raised_within_the_configured_time(
    fake_baseten: fb.FakeBaseten, style: str
) -> None:
    fake_baseten.enqueue(fb.stall(3))
    start = time.monotonic()
    with pytest.raises(openai.APITimeoutError, match=r"Request to http://127\.0\.0\.1.* timed out"):
        await _call(chat_model(fake_baseten, timeout=0.5), style)
    assert time.monotonic() - start < HANG  # a hang would wait for the whole stall or longer
    assert len(fake_baseten.requests) == 1


async def test_read_timeouts_are_retried_then_reported(fake_baseten: fb.FakeBaseten) -> None:
    fake_baseten.enqueue(fb.stall(3), fb.stall(3))
    start = time.monotonic()
    with pytest.raises(openai.APITimeoutError, match="Gave up after 2 attempts"):
        await chat_model(fake_baseten, timeout=0.5, max_retries=1, retry_lost_answers=True).ainvoke(
            "hi"
        )
    assert time.monotonic() - start < HANG
    assert len(fake_baseten.requests) == 2


async def test_a_timeout_then_an_answer(fake_baseten: fb.FakeBaseten) -> None:
    fake_baseten.enqueue(fb.stall(3), fb.chat("second try"))
    llm = chat_model(fake_baseten, timeout=0.5, max_retries=1, retry_lost_answers=True)
    assert (await llm.ainvoke("hi")).text == ("second try")


@pytest.mark.parametrize("style", STREAM_STYLES)
async def test_stall_mid_stream_times_out(fake_baseten: fb.FakeBaseten, style: str) -> None:
    # timeout=1.5: long enough for the headers to arrive on a loaded machine (with 0.5 s
    # they once did not, and the error was a plain request timeout), far below the stall.
    fake_baseten.enqueue(fb.stream(pieces=["a", "b", "c"], stall_after=2, stall_seconds=6))
    seen: list[AIMessageChunk] = []
    watch = CallbackSpy()
    start = time.monotonic()
    with pytest.raises(openai.APITimeoutError) as info:
        await _call(chat_model(fake_baseten, timeout=1.5), style, seen, watch)
    assert time.monotonic() - start < HANG
    assert "The stream from http://127.0.0.1" in str(info.value)
    assert "partial answer was discarded" in str(info.value)
    assert not _completed(seen)
    assert len(watch.errors) == 1
    assert watch.ends == []
    assert len(fake_baseten.requests) == 1  # a started stream is not silently re-sent


@pytest.mark.parametrize("style", STREAM_STYLES)
@pytest.mark.parametrize("drop_after", [0, 2, 3])  # 3: all text sent, no finish chunk yet
async def test_drop_mid_stream_raises_reaches_callbacks_and_never_completes(
    fake_baseten: fb.FakeBaseten, style: str, drop_after: int
) -> None:
    fake_baseten.enqueue(fb.stream(pieces=["par", "tial", " text"], drop_after=drop_after))
    seen: list[AIMessageChunk] = []
    watch = CallbackSpy()
    with pytest.raises(openai.APIConnectionError) as info:
        await _call(chat_model(fake_baseten, max_retries=2), style, seen, watch)
    assert "broke in the middle of the stream" in str(info.value)
    assert "partial answer was discarded" in str(info.value)
    assert not _completed(seen)
    assert "".join(c.text for c in seen) in {"", "par", "partial", "partial text"}
    assert len(watch.errors) == 1
    assert watch.errors[0] is info.value
    assert watch.ends == []
    assert len(fake_baseten.requests) == 1


# ---------------------------------------------------------------- malformed answers

CHAT_OK = b'{"choices": [{"message": {"content": "fine"}, "finish_reason": "stop"}]}'


def _body(message: dict[str, Any] | None = None, **top: Any) -> bytes:
    choice: dict[str, Any] = {"index": 0, "message": message, "finish_reason": "stop"}
    return json.dumps({"id": "c1", "model": "m", "choices": [choice], **top}).encode()


#: (body, content type, expected): expected is an exception class and a fragment of
#: its message, or a function checking the answer.
MALFORMED_BODIES: list[tuple[str, bytes, str, Any]] = [
    ("text", b"definitely not json", "text/plain", (BasetenResponseError, "not JSON")),
    ("empty", b"", "application/json", (BasetenResponseError, "not JSON")),
    ("truncated", b'{"choices": [{"mess', "application/json", (BasetenResponseError, "not JSON")),
    ("bad utf-8", b'\xff\xfe{"choices": []}', "application/json", (BasetenResponseError, "JSON")),
    ("html 200", b"<html>Sign in</html>", "text/html", (BasetenResponseError, "text/html")),
    (
        "sse to a plain request",
        b'data: {"choices": []}\n\n',
        "text/event-stream",
        (BasetenResponseError, "text/event-stream"),
    ),
    ("array", b"[1, 2]", "application/json", (BasetenResponseError, "not an object")),
    ("string", b'"hello"', "application/json", (BasetenResponseError, "not an object")),
    ("empty object", b"{}", "application/json", (MalformedResponseError, "no choices")),
    ("choices []", b'{"choices": []}', "application/json", (MalformedResponseError, "no choices")),
    (
        "choices str",
        b'{"choices": "a"}',
        "application/json",
        (MalformedResponseError, "no choices"),
    ),
    (
        "error with 200",
        b'{"error": "model overloaded"}',
        "application/json",
        (MalformedResponseError, "it says: model overloaded"),
    ),
    (
        "detail with 200",
        b'{"detail": "Not ready yet"}',
        "application/json",
        (MalformedResponseError, "it says: Not ready yet"),
    ),
    (
        "choice null",
        b'{"choices": [null]}',
        "application/json",
        (MalformedResponseError, "choices[0] should be an object"),
    ),
    (
        "message str",
        b'{"choices": [{"message": "hello"}]}',
        "application/json",
        (MalformedResponseError, "choices[0].message should be an object but is str"),
    ),
    (
        "tool_calls str",
        _body({"content": None, "tool_calls": "f()"}),
        "application/json",
        (MalformedResponseError, "choices[0].message.tool_calls should be a list"),
    ),
    (
        "tool call null",
        _body({"content": None, "tool_calls": [None]}),
        "application/json",
        (MalformedResponseError, "choices[0].message.tool_calls should be a list of objects"),
    ),
    (
        "function str",
        _body({"content": None, "tool_calls": [{"id": "c", "function": "f"}]}),
        "application/json",
        lambda m: m.tool_calls == [] and len(m.invalid_tool_calls) == 1,
    ),
    (
        "function name int",
        _body({"tool_calls": [{"id": 7, "function": {"name": 5, "arguments": "{}"}}]}),
        "application/json",
        lambda m: (
            m.tool_calls == []
            and m.invalid_tool_calls[0]["id"] == "7"
            and "not a string" in m.invalid_tool_calls[0]["error"]
        ),
    ),
    ("id int", _body({"content": "x"}, id=5), "application/json", lambda m: m.id == "5"),
    (
        "content parts",
        _body({"content": [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}]}),
        "application/json",
        lambda m: m.content == "ab",
    ),
    (
        "reasoning under 'reasoning'",
        _body({"content": "x", "reasoning": "hmm"}),
        "application/json",
        lambda m: m.additional_kwargs["reasoning_content"] == "hmm",
    ),
    ("no usage", CHAT_OK, "application/json", lambda m: m.usage_metadata is None),
    (
        "usage with nulls and strings",
        _body({"content": "x"}, usage={"prompt_tokens": "9", "completion_tokens": None}),
        "application/json",
        lambda m: m.usage_metadata is None,  # unknown, not 0 tokens
    ),
    (
        "usage not an object",
        _body({"content": "x"}, usage=[1, 2]),
        "application/json",
        lambda m: m.usage_metadata is None,
    ),
    (
        "unknown fields everywhere",
        json.dumps(
            {
                "choices": [
                    {
                        "message": {"content": "fine", "annotations": [], "audio": None},
                        "finish_reason": "stop",
                        "brand_new": {"x": 1},
                    }
                ],
                "service_tier": "default",
                "prompt_logprobs": None,
                "kv_transfer_params": {"a": [1]},
            }
        ).encode(),
        "application/json",
        lambda m: m.content == "fine",
    ),
]


@pytest.mark.parametrize("style", ["invoke", "ainvoke"])
@pytest.mark.parametrize(
    ("body", "content_type", "expected"),
    [case[1:] for case in MALFORMED_BODIES],
    ids=[case[0] for case in MALFORMED_BODIES],
)
async def test_malformed_answers(
    fake_baseten: fb.FakeBaseten, style: str, body: bytes, content_type: str, expected: Any
) -> None:
    fake_baseten.enqueue(fb.raw(200, body, content_type=content_type))
    llm = chat_model(fake_baseten)
    if callable(expected):
        message = llm.invoke("hi") if style == "invoke" else await llm.ainvoke("hi")
        assert expected(message)
        return
    exc_type, fragment = expected
    with pytest.raises(exc_type) as info:
        llm.invoke("hi") if style == "invoke" else await llm.ainvoke("hi")
    assert fragment in str(info.value)


def _event(delta: Any = None, finish: str | None = None, **top: Any) -> str:
    choice: dict[str, Any] = {"index": 0, "delta": delta or {}, "finish_reason": finish}
    return json.dumps({"id": "c1", "model": "m", "choices": [choice], **top})


FINISH = _event(finish="stop")

#: (events, [DONE] sent, expected): an exception and a fragment, or the streamed text.
MALFORMED_STREAMS: list[tuple[str, list[str], bool, Any]] = [
    ("not json", [_event({"content": "a"}), "{not json"], True, (BasetenResponseError, "not JSON")),
    ("empty data", [""], True, (BasetenResponseError, "stream event that is not JSON")),
    (
        "no [DONE], finished",
        [_event({"content": "all "}), _event({"content": "here"}), FINISH],
        False,
        "all here",
    ),
    (
        "no [DONE], not finished",
        [_event({"content": "half"})],
        False,
        (BasetenStreamError, "ended before the model finished"),
    ),
    # vLLM may end a complete answer with [DONE] and no finish_reason (vllm-project/vllm#27572).
    ("[DONE] without a finish_reason", [_event({"content": "whole"})], True, "whole"),
    ("empty stream", [], True, (BasetenStreamError, "ended before the model finished")),
    (
        "error event (Baseten's string)",
        [_event({"content": "par"}), json.dumps({"error": "model crashed"})],
        True,
        (openai.APIError, "error in the middle of the stream: model crashed."),
    ),
    (
        "error event (nested)",
        [json.dumps({"error": {"message": "CUDA out of memory", "code": 500}})],
        True,
        (openai.APIError, "CUDA out of memory"),
    ),
    ("array event", ["[1, 2]", _event({"content": "ok"}), FINISH], True, "ok"),
    (
        "usage-only event",
        [_event({"content": "ok"}), FINISH, json.dumps({"choices": [], "usage": None})],
        True,
        "ok",
    ),
    (
        "choices null item",
        [json.dumps({"choices": [None]})],
        True,
        (MalformedResponseError, "choices should be a list of objects"),
    ),
    (
        "choices str",
        [json.dumps({"choices": "abc"})],
        True,
        (MalformedResponseError, "choices should be a list of objects but is str"),
    ),
    (
        "delta str",
        [json.dumps({"choices": [{"delta": "abc"}]})],
        True,
        (MalformedResponseError, "choices[0].delta should be an object"),
    ),
    (
        "tool_calls str",
        [_event({"tool_calls": "f()"})],
        True,
        (MalformedResponseError, "choices[0].delta.tool_calls should be a list"),
    ),
    (
        "tool call null",
        [_event({"tool_calls": [None]})],
        True,
        (MalformedResponseError, "choices[0].delta.tool_calls should be a list of objects"),
    ),
    (
        "function str",
        [_event({"tool_calls": [{"index": 0, "function": "f"}]})],
        True,
        (MalformedResponseError, "choices[0].delta.tool_calls[0].function should be an object"),
    ),
    (
        "function name int",
        [_event({"tool_calls": [{"index": 0, "function": {"name": 5}}]})],
        True,
        (MalformedResponseError, "function.name should be a string but is int 5"),
    ),
    (
        "logprobs of two shapes",
        [
            json.dumps({"choices": [{"delta": {"content": "a"}, "logprobs": {"content": []}}]}),
            json.dumps({"choices": [{"delta": {"content": "b"}, "logprobs": "zz"}]}),
        ],
        True,
        (MalformedResponseError, "choices[0].logprobs should be an object"),
    ),
    (
        "ids and model of other types",
        [
            json.dumps({"id": {"a": 1}, "model": [1], "choices": [{"delta": {"content": "ok"}}]}),
            FINISH,
        ],
        True,
        "ok",
    ),
    (
        "tool call id int",
        [
            _event(
                {
                    "tool_calls": [
                        {"index": 0, "id": 7, "function": {"name": "f", "arguments": "{}"}}
                    ]
                }
            ),
            _event(finish="tool_calls"),
        ],
        True,
        "",
    ),
    (
        "unknown fields everywhere",
        [
            json.dumps(
                {
                    "choices": [
                        {"delta": {"content": "ok", "new": 1}, "new": [2], "finish_reason": None}
                    ],
                    "new": {"x": 3},
                    "usage": {"prompt_tokens": 1, "future_tokens": 2},
                }
            ),
            FINISH,
        ],
        True,
        "ok",
    ),
]


@pytest.mark.parametrize("style", ["stream", "astream", "invoke-streaming"])
@pytest.mark.parametrize(
    ("events", "done", "expected"),
    [case[1:] for case in MALFORMED_STREAMS],
    ids=[case[0] for case in MALFORMED_STREAMS],
)
async def test_malformed_streams(
    fake_baseten: fb.FakeBaseten, style: str, events: list[str], done: bool, expected: Any
) -> None:
    fake_baseten.enqueue(fb.stream(raw_events=events, done=done))
    seen: list[AIMessageChunk] = []
    watch = CallbackSpy()
    if isinstance(expected, str):
        assert await _call(chat_model(fake_baseten), style, seen, watch) == expected
        assert watch.errors == []
        return
    exc_type, fragment = expected
    with pytest.raises(exc_type) as info:
        await _call(chat_model(fake_baseten), style, seen, watch)
    assert fragment in str(info.value)
    assert not _completed(seen)
    assert watch.ends == []
    assert len(watch.errors) == 1


async def test_an_error_event_shows_the_request_id(fake_baseten: fb.FakeBaseten) -> None:
    fake_baseten.enqueue(
        fb.stream(
            raw_events=[_event({"content": "par"}), json.dumps({"error": "model crashed"})],
            headers={"x-baseten-request-id": "req-mid"},
        )
    )
    with pytest.raises(openai.APIError, match="Baseten request id: req-mid"):
        [c async for c in chat_model(fake_baseten).astream("hi")]


@pytest.mark.parametrize("style", ["stream", "astream", "ainvoke-streaming"])
@pytest.mark.parametrize(
    ("body", "content_type", "fragment"),
    [
        (b"<html><form>Sign in</form></html>", "text/html", "got an HTML page"),
        (CHAT_OK, "application/json", "got a JSON body instead of server-sent events"),
    ],
)
async def test_a_page_or_json_instead_of_a_stream(
    fake_baseten: fb.FakeBaseten, style: str, body: bytes, content_type: str, fragment: str
) -> None:
    fake_baseten.enqueue(fb.raw(200, body, content_type=content_type))
    with pytest.raises(BasetenResponseError, match=fragment):
        await _call(chat_model(fake_baseten), style)


async def test_html_error_page_from_a_proxy(fake_baseten: fb.FakeBaseten) -> None:
    page = b"<html><h1>502 Bad Gateway</h1></html>"
    for _ in range(2):
        fake_baseten.enqueue(fb.raw(502, page, content_type="text/html"))
    with pytest.raises(openai.InternalServerError, match="HTML page") as info:
        chat_model(fake_baseten).invoke("hi")
    assert "container restarted" in str(info.value)
    with pytest.raises(openai.InternalServerError, match="HTML page"):
        [c async for c in chat_model(fake_baseten).astream("hi")]


# ---------------------------------------------------------------- Baseten's own errors


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize(
    ("status", "body", "exc_type", "fragments"),
    [
        (
            400,
            {"error": "temperature must be <= 2"},
            openai.BadRequestError,
            ["check the parameters"],
        ),
        (
            400,
            {"error": {"message": "max_tokens too large", "type": "BadRequestError"}},
            openai.BadRequestError,
            ["max_tokens too large"],
        ),
        (401, {"error": "Invalid API key"}, openai.AuthenticationError, ["BASETEN_API_KEY"]),
        (402, {"error": "Payment required"}, openai.APIStatusError, ["billing"]),
        (403, {"error": "Forbidden for this key"}, openai.PermissionDeniedError, ["no access"]),
        (
            404,
            {"error": "Model not found: nope/nope"},
            openai.NotFoundError,
            ["8-character model ID"],
        ),
        (413, {"error": "Request entity too large"}, openai.APIStatusError, ["too large"]),
        (
            413,
            "<html><body>Request Entity Too Large</body></html>",
            openai.APIStatusError,
            ["HTML page", "too large"],
        ),
        (
            422,
            {"detail": [{"loc": ["body", "temperature"], "msg": "too high"}]},
            openai.UnprocessableEntityError,
            ["body.temperature: too high"],
        ),
        (429, {"error": "Rate limit exceeded"}, openai.RateLimitError, ["rate limited"]),
        (
            500,
            {"error": "CUDA error: device-side assert"},
            openai.InternalServerError,
            ["model server failed"],
        ),
        (503, {"error": "model is loading"}, openai.InternalServerError, []),
    ],
)
async def test_baseten_errors_name_cause_text_and_request_id(
    fake_baseten: fb.FakeBaseten,
    style: str,
    status: int,
    body: Any,
    exc_type: type[Exception],
    fragments: list[str],
) -> None:
    fake_baseten.enqueue(fb.error(status, body, headers={"x-baseten-request-id": "req-xyz"}))
    watch = CallbackSpy()
    with pytest.raises(exc_type) as info:
        await _call(chat_model(fake_baseten, max_retries=0), style, watch=watch)
    text = str(info.value)
    assert f"HTTP {status}" in text
    server_text = body.get("error") if isinstance(body, dict) else None
    if isinstance(server_text, str):
        assert server_text in text
    for fragment in fragments:
        assert fragment in text
    assert "Baseten request id: req-xyz" in text
    assert getattr(info.value, "baseten_request_id", None) == "req-xyz"
    assert info.value.status_code == status  # type: ignore[attr-defined]
    assert KEY not in text
    assert len(watch.errors) == 1


@pytest.mark.parametrize(
    ("body", "shown"),
    [
        ({"error": "plain string"}, "plain string"),
        ({"error": {"message": "vLLM nested", "type": "BadRequestError"}}, "vLLM nested"),
        ({"message": "top-level message"}, "top-level message"),
        ({"detail": "FastAPI detail"}, "FastAPI detail"),
        ({"detail": [{"loc": ["body", "top_p"], "msg": "too big"}]}, "body.top_p: too big"),
        ("upstream connect error or disconnect/reset before headers", "upstream connect error"),
        ("<html><body>nginx</body></html>", "HTML page"),
        ({}, "no message in the response body"),
        ({"error": "x" * 5000}, "more characters"),
    ],
)
def test_every_error_body_shape_is_shown(
    fake_baseten: fb.FakeBaseten, body: Any, shown: str
) -> None:
    fake_baseten.enqueue(fb.error(400, body))
    with pytest.raises(openai.BadRequestError) as info:
        chat_model(fake_baseten).invoke("hi")
    assert shown in str(info.value)
    assert len(str(info.value)) < 2500


# ---------------------------------------------------------------- fuzzing the answer parser

_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 10**6),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=8),
)
_ANY_JSON = st.recursive(
    _SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=6,
)
_WORDS = st.text(st.characters(codec="utf-8"), min_size=1, max_size=6)
_CALL = st.fixed_dictionaries(
    {
        "index": st.integers(0, 1),
        "id": st.sampled_from(["c1", "c2"]),
        "type": st.just("function"),
        "function": st.fixed_dictionaries(
            {
                "name": st.sampled_from(["f", "g"]),
                "arguments": st.sampled_from(['{"a": 1}', '{"a', "[1]", "", "{}"]),
            }
        ),
    }
)
_USAGE = st.fixed_dictionaries(
    {
        "prompt_tokens": st.integers(0, 99),
        "completion_tokens": st.integers(0, 99),
        "total_tokens": st.integers(0, 200),
        "prompt_tokens_details": st.fixed_dictionaries({"cached_tokens": st.integers(0, 9)}),
        "completion_tokens_details": st.fixed_dictionaries({"reasoning_tokens": st.integers(0, 9)}),
    }
)
_LOGPROBS = st.one_of(
    st.none(),
    st.fixed_dictionaries(
        {
            "content": st.lists(
                st.fixed_dictionaries({"token": _WORDS, "logprob": st.floats(-9, 0)}), max_size=2
            )
        }
    ),
)


def _answer(key: str) -> st.SearchStrategy[dict[str, Any]]:
    """A valid chat.completion (``key="message"``) or chunk (``key="delta"``)."""
    message = st.fixed_dictionaries(
        {"role": st.just("assistant"), "content": st.one_of(st.none(), _WORDS)},
        optional={
            "reasoning_content": _WORDS,
            "tool_calls": st.lists(_CALL, min_size=1, max_size=2),
        },
    )
    choice = st.fixed_dictionaries(
        {
            "index": st.just(0),
            key: message,
            "finish_reason": st.sampled_from([None, "stop", "tool_calls", "length"]),
            "logprobs": _LOGPROBS,
        }
    )
    return st.fixed_dictionaries(
        {
            "id": st.just("chatcmpl-1"),
            "model": st.just("m"),
            "choices": st.lists(choice, min_size=1, max_size=1),
        },
        optional={"usage": _USAGE},
    )


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths(item, (*prefix, index))


@st.composite
def _mutated(draw: st.DrawFn, valid: st.SearchStrategy[dict[str, Any]]) -> dict[str, Any]:
    """A valid answer with up to two places replaced by arbitrary JSON or removed."""
    value = copy.deepcopy(draw(valid))
    for _ in range(draw(st.integers(0, 2))):
        places = [path for path in _paths(value) if path]
        path = draw(st.sampled_from(places))
        parent: Any = value
        for part in path[:-1]:
            parent = parent[part]
        if isinstance(parent, dict) and draw(st.booleans()):
            del parent[path[-1]]
        else:
            parent[path[-1]] = draw(_ANY_JSON)
    return value


FUZZ_EXAMPLES = 400


@settings(max_examples=FUZZ_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(_mutated(_answer("message")))
def test_fuzzed_answers_parse_or_fail_clearly(response: dict[str, Any]) -> None:
    try:
        message = message_from_wire(response, {})
    except MalformedResponseError as exc:
        error = str(exc)
    else:
        assert isinstance(message, AIMessage)
        assert isinstance(message.content, str)
        return
    assert "Baseten" in error


@settings(max_examples=FUZZ_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(_mutated(_answer("delta")), min_size=1, max_size=6))
def test_fuzzed_streams_parse_and_merge_or_fail_clearly(events: list[dict[str, Any]]) -> None:
    parser = StreamParser({}, stream_usage=True)
    chunks = []
    try:
        for event in events:
            if (chunk := parser.feed(event)) is not None:
                chunks.append(chunk)
    except MalformedResponseError as exc:
        error = str(exc)
    else:
        error = ""
    if error:
        assert "Baseten" in error
        return
    chunks.append(parser.finish())
    total = chunks[0]
    for chunk in chunks[1:]:
        total += chunk  # LangChain's merge: raises TypeError on inconsistent chunk types
    assert isinstance(total.message, AIMessageChunk)
    assert isinstance(total.message.content, str)
    assert isinstance(total.message.tool_calls, list)


HTTP_FUZZ_EXAMPLES = 40


def test_fuzzed_streams_over_http() -> None:
    """The whole path (HTTP, SSE, parser, LangChain's merge) with mutated streams."""
    with fb.fake_baseten_server() as server:
        llm = chat_model(server)

        @settings(
            max_examples=HTTP_FUZZ_EXAMPLES,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(st.lists(_mutated(_answer("delta")), min_size=1, max_size=4), st.booleans())
        def run(events: list[dict[str, Any]], done: bool) -> None:
            server.reset()
            server.enqueue(fb.stream(raw_events=[json.dumps(e) for e in events], done=done))
            try:
                message = llm.invoke("hi", stream=True)
            except (MalformedResponseError, BasetenStreamError, openai.APIError):
                return  # a clear error of the package's own kinds
            assert isinstance(message.content, str)

        run()
