"""Faults over real HTTP: retries, timeouts, broken streams and malformed answers.

Every case either recovers as the API intends or raises a clear error that names
what went wrong; never an AttributeError/KeyError/TypeError from inside the
package, never a hang (every wait here is bounded), never partial text handed out
as a complete answer.
"""

from __future__ import annotations

import socket
import time
from typing import Any

import openai
import pytest
from langchain_core.callbacks import BaseCallbackHandler

from langchain_baseten import BasetenResponseError, BasetenStreamError, ChatBaseten
from tests import fake_baseten as fb

KEY = "bt-test-key-faults"


def _llm(fake: fb.FakeBaseten, **kwargs: Any) -> ChatBaseten:
    return ChatBaseten(
        model="openai/gpt-oss-120b",
        base_url=fake.url("/v1"),
        api_key=KEY,
        **{"max_retries": 0, **kwargs},
    )


# ---------------------------------------------------------------- retries


@pytest.mark.parametrize(
    ("status", "headers"),
    [(429, {"retry-after": "0.05"}), (502, {}), (503, {"retry-after": "0.05"}), (504, {})],
)
def test_transient_errors_are_retried_then_answered(
    fake_baseten: fb.FakeBaseten, status: int, headers: dict[str, str]
) -> None:
    fake_baseten.enqueue(fb.error(status, headers=headers), fb.chat("finally"))
    reply = _llm(fake_baseten, max_retries=2).invoke("hi")
    assert reply.content == "finally"
    assert len(fake_baseten.requests) == 2
    assert [r.headers["x-stainless-retry-count"] for r in fake_baseten.requests] == ["0", "1"]


async def test_async_retry_after_429(fake_baseten: fb.FakeBaseten) -> None:
    fake_baseten.enqueue(fb.error(429, headers={"retry-after": "0.05"}), fb.chat("ok"))
    assert (await _llm(fake_baseten, max_retries=1).ainvoke("hi")).content == "ok"
    assert len(fake_baseten.requests) == 2


def test_exhausted_retries_say_what_happened_and_how_often(fake_baseten: fb.FakeBaseten) -> None:
    fake_baseten.enqueue(
        *(
            fb.error(503, {"error": "model is scaling up"}, headers={"retry-after": "0.01"})
            for _ in range(3)
        )
    )
    with pytest.raises(openai.InternalServerError) as info:
        _llm(fake_baseten, max_retries=2).invoke("hi")
    text = str(info.value)
    assert "HTTP 503" in text
    assert "model is scaling up" in text
    assert "Gave up after 3 attempts" in text
    assert info.value.attempts == 3  # type: ignore[attr-defined]
    assert len(fake_baseten.requests) == 3


def test_client_errors_are_not_retried(fake_baseten: fb.FakeBaseten) -> None:
    fake_baseten.enqueue(fb.error(400, {"error": "bad temperature"}), fb.chat("never"))
    with pytest.raises(openai.BadRequestError, match="bad temperature"):
        _llm(fake_baseten, max_retries=3).invoke("hi")
    assert len(fake_baseten.requests) == 1


# ---------------------------------------------------------------- connections and timeouts


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_connect_failure_is_a_clear_error() -> None:
    llm = ChatBaseten(
        model="m/x", base_url=f"http://127.0.0.1:{_closed_port()}/v1", api_key=KEY, max_retries=1
    )
    with pytest.raises(openai.APIConnectionError) as info:
        llm.invoke("hi")
    assert "Could not connect to http://127.0.0.1" in str(info.value)
    assert "Gave up after 2 attempts" in str(info.value)


def test_read_timeout_is_raised_within_the_configured_time(fake_baseten: fb.FakeBaseten) -> None:
    fake_baseten.enqueue(fb.stall(5))
    start = time.monotonic()
    with pytest.raises(openai.APITimeoutError, match="timed out"):
        _llm(fake_baseten, timeout=0.5).invoke("hi")
    assert time.monotonic() - start < 4  # a hang would take the stall's full 5 s or more


def test_stall_mid_stream_times_out(fake_baseten: fb.FakeBaseten) -> None:
    fake_baseten.enqueue(fb.stream(pieces=["a", "b", "c"], stall_after=2, stall_seconds=5))
    start = time.monotonic()
    with pytest.raises(openai.APITimeoutError):
        list(_llm(fake_baseten, timeout=0.5).stream("hi"))
    assert time.monotonic() - start < 4


def test_drop_mid_stream_reaches_callbacks_and_never_completes(
    fake_baseten: fb.FakeBaseten,
) -> None:
    errors: list[BaseException] = []
    ends: list[Any] = []

    class Watch(BaseCallbackHandler):
        def on_llm_error(self, error: BaseException, **kwargs: Any) -> None:
            errors.append(error)

        def on_llm_end(self, response: Any, **kwargs: Any) -> None:
            ends.append(response)

    fake_baseten.enqueue(fb.stream(pieces=["par", "tial", " text"], drop_after=2))
    with pytest.raises((openai.APIConnectionError, BasetenStreamError)):
        _llm(fake_baseten, streaming=True).invoke("hi", config={"callbacks": [Watch()]})
    assert len(errors) == 1
    assert ends == []


# ---------------------------------------------------------------- malformed answers


def test_non_json_body_with_200(fake_baseten: fb.FakeBaseten) -> None:
    fake_baseten.enqueue(fb.raw(200, b"definitely not json", content_type="text/plain"))
    with pytest.raises(BasetenResponseError, match=r"not JSON.*definitely not json"):
        _llm(fake_baseten).invoke("hi")


def test_json_that_is_not_an_object(fake_baseten: fb.FakeBaseten) -> None:
    fake_baseten.enqueue(fb.raw(200, b"[1, 2]"))
    with pytest.raises(BasetenResponseError, match="not an object"):
        _llm(fake_baseten).invoke("hi")


def test_html_error_page_from_a_proxy(fake_baseten: fb.FakeBaseten) -> None:
    fake_baseten.enqueue(
        fb.raw(502, b"<html><h1>502 Bad Gateway</h1></html>", content_type="text/html")
    )
    with pytest.raises(openai.InternalServerError, match="HTML page"):
        _llm(fake_baseten).invoke("hi")


def test_sse_line_that_is_not_json(fake_baseten: fb.FakeBaseten) -> None:
    fake_baseten.enqueue(fb.stream(raw_events=["{not json"]))
    with pytest.raises(BasetenResponseError, match="stream event that is not JSON"):
        list(_llm(fake_baseten).stream("hi"))


def test_stream_without_done_but_finished_is_a_complete_answer(
    fake_baseten: fb.FakeBaseten,
) -> None:
    fake_baseten.enqueue(fb.stream("all here", done=False))
    chunks = list(_llm(fake_baseten).stream("hi"))
    assert "".join(c.text for c in chunks) == "all here"


def test_empty_choices(fake_baseten: fb.FakeBaseten) -> None:
    fake_baseten.enqueue(fb.raw(200, b'{"id": "x", "object": "chat.completion", "choices": []}'))
    with pytest.raises(ValueError, match="no choices"):
        _llm(fake_baseten).invoke("hi")


def test_missing_usage_and_unknown_fields_are_fine(fake_baseten: fb.FakeBaseten) -> None:
    fake_baseten.enqueue(
        fb.chat(
            "fine",
            usage=None,
            extra={"brand_new_field": {"x": 1}},
            extra_message={"annotations": []},
        )
    )
    reply = _llm(fake_baseten).invoke("hi")
    assert reply.content == "fine"
    assert reply.usage_metadata is None


def test_stream_without_usage_reports_none(fake_baseten: fb.FakeBaseten) -> None:
    fake_baseten.enqueue(fb.stream("ok", usage_mode="none"))
    chunks = list(_llm(fake_baseten).stream("hi"))
    assert all(c.usage_metadata is None for c in chunks)
    assert "".join(c.text for c in chunks) == "ok"


@pytest.mark.parametrize(
    ("status", "fragment"),
    [
        (400, "check the parameters"),
        (401, "BASETEN_API_KEY"),
        (402, "billing"),
        (403, "no access"),
        (404, "8-character model ID"),
        (413, "too large"),
        (500, "model server failed"),
    ],
)
async def test_baseten_errors_async_and_streaming(
    fake_baseten: fb.FakeBaseten, status: int, fragment: str
) -> None:
    llm = _llm(fake_baseten)
    fake_baseten.enqueue(fb.error(status, headers={"x-baseten-request-id": "req-a"}))
    with pytest.raises(openai.APIStatusError) as info:
        await llm.ainvoke("hi")
    assert fragment in str(info.value)
    assert "req-a" in str(info.value)
    fake_baseten.enqueue(fb.error(status, headers={"x-baseten-request-id": "req-s"}))
    with pytest.raises(openai.APIStatusError) as info:
        [c async for c in llm.astream("hi")]
    assert fragment in str(info.value)
    assert "req-s" in str(info.value)
    assert info.value.status_code == status
