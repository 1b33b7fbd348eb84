"""Bounds over real HTTP: a total deadline per request, a cap on answer size, no re-billing retries.

* ``timeout`` bounds the whole request, stream included: a server that drips a
  byte (or an SSE comment) every 0.2 s cannot hold a call past it.
* A plain answer's decoded size is capped (``max_response_bytes``): a gzip bomb
  is refused after reading a little of it, with memory near the cap.
* Chat calls retry only failures that cannot have produced an answer; a lost
  answer (read timeout, cut body, hang-up, 500/504) is not sent again unless
  ``retry_lost_answers=True``. Embeddings retry everything (idempotent, cheap).
"""

from __future__ import annotations

import asyncio
import gzip
import json
import time
import tracemalloc
from typing import TYPE_CHECKING, Any

import openai
import pytest

from langchain_baseten import BasetenResponseError, ChatBaseten
from langchain_baseten import testing as fb
from tests.call_styles import STYLES
from tests.local_models import chat_model, embeddings_model
from tests.polling import wait_for

if TYPE_CHECKING:
    from collections.abc import Callable

#: Each test on the local server runs with the package's pools and with a user's own
#: classic httpx clients (the client_kind fixture, conftest.py; a user's httpx2 clients
#: take the pools' code path, which test_chat_e2e, test_embeddings and test_rerank run).
# Slow (`make test-slow`, not `make test`): servers dripping bytes until deadlines pass, lost
# answers and retries.
pytestmark = [pytest.mark.each_client_kind("pools", "httpx"), pytest.mark.slow]


#: Generous bound for anything that must not hang.
HANG = 20.0
#: How long the dripping server would keep going: far longer than any timeout here.
DRIP_SECONDS = 8.0


async def _call(llm: ChatBaseten, style: str) -> str:
    if style == "invoke":
        return llm.invoke("hi").text
    if style == "ainvoke":
        return (await asyncio.wait_for(llm.ainvoke("hi"), HANG)).text
    if style == "stream":
        return "".join(chunk.text for chunk in llm.stream("hi"))

    async def collect() -> str:
        return "".join([chunk.text async for chunk in llm.astream("hi")])

    return await asyncio.wait_for(collect(), HANG)


# ---------------------------------------------------------------- total deadline


@pytest.mark.parametrize("style", STYLES)
async def test_a_server_dripping_bytes_cannot_hold_a_call_past_timeout(
    fake_baseten: fb.FakeBaseten, style: str
) -> None:
    fake_baseten.enqueue(fb.drip(DRIP_SECONDS, streaming="stream" in style))
    start = time.monotonic()
    with pytest.raises(openai.APITimeoutError) as info:
        await _call(chat_model(fake_baseten, timeout=1.0), style)
    # Without a total deadline the drip runs its course and the call succeeds.
    assert time.monotonic() - start < DRIP_SECONDS
    message = str(info.value)
    assert "took longer than timeout=1.0 s in total" in message
    assert ("partial answer was discarded" in message) == ("stream" in style)
    assert len(fake_baseten.requests) == 1


@pytest.mark.parametrize("style", STYLES)
async def test_a_slow_drip_that_finishes_in_time_is_answered(
    fake_baseten: fb.FakeBaseten, style: str
) -> None:
    fake_baseten.enqueue(fb.drip(0.5, interval=0.1, streaming="stream" in style))
    assert await _call(chat_model(fake_baseten, timeout=10.0), style) == "dripped"


#: How long the header-dripping server would keep going (the issue's drip held calls 15 s).
HEADER_DRIP_SECONDS = 30.0


# The deadline bounds dripped headers through the package's pools (_http/sockets.py); a
# user's own client, httpx2's or classic, bounds them by its per-read timeouts only
# (README, "timeout"): the package's pools only.
@pytest.mark.each_client_kind("pools")
@pytest.mark.parametrize("style", STYLES)
async def test_a_server_dripping_header_bytes_cannot_hold_a_call_past_timeout(
    fake_baseten: fb.FakeBaseten, style: str
) -> None:
    fake_baseten.enqueue(fb.drip_headers(HEADER_DRIP_SECONDS, streaming="stream" in style))
    start = time.monotonic()
    with pytest.raises(openai.APITimeoutError, match=r"took longer than timeout=1\.0 s in total"):
        await _call(chat_model(fake_baseten, timeout=1.0), style)
    # Each header byte comes within the per-read timeout: only the total deadline stops it.
    assert time.monotonic() - start < HEADER_DRIP_SECONDS / 2
    assert len(fake_baseten.requests) == 1


@pytest.mark.parametrize("style", STYLES)
async def test_headers_dripped_within_timeout_are_answered(
    fake_baseten: fb.FakeBaseten, style: str
) -> None:
    fake_baseten.enqueue(fb.drip_headers(0.3, interval=0.1, streaming="stream" in style))
    assert await _call(chat_model(fake_baseten, timeout=10.0), style) == "dripped"


@pytest.mark.each_client_kind("pools")  # as above: a user's own client bounds reads only
async def test_embeddings_headers_dripped_past_timeout_fail_in_time(
    fake_baseten: fb.FakeBaseten,
) -> None:
    embedder = embeddings_model(fake_baseten, timeout=1.0, max_retries=0)
    fake_baseten.enqueue(fb.drip_headers(HEADER_DRIP_SECONDS))
    start = time.monotonic()
    with pytest.raises(openai.APITimeoutError, match="in total"):
        embedder.embed_documents(["hi"])
    assert time.monotonic() - start < HEADER_DRIP_SECONDS / 2
    fake_baseten.enqueue(fb.drip_headers(HEADER_DRIP_SECONDS))
    start = time.monotonic()
    with pytest.raises(openai.APITimeoutError, match="in total"):
        await asyncio.wait_for(embedder.aembed_documents(["hi"]), HANG)
    assert time.monotonic() - start < HEADER_DRIP_SECONDS / 2


async def test_embeddings_have_the_same_deadline(fake_baseten: fb.FakeBaseten) -> None:
    fake_baseten.enqueue(fb.drip(DRIP_SECONDS))
    embedder = embeddings_model(fake_baseten, timeout=1.0, max_retries=0)
    with pytest.raises(openai.APITimeoutError, match="in total"):
        await asyncio.wait_for(embedder.aembed_query("hi"), HANG)
    fake_baseten.enqueue(fb.drip(DRIP_SECONDS))
    with pytest.raises(openai.APITimeoutError, match="in total"):
        embedder.embed_query("hi")


# ---------------------------------------------------------------- answer size


@pytest.mark.parametrize("style", ["invoke", "ainvoke"])
async def test_a_gzip_bomb_is_refused_after_reading_a_little_of_it(
    fake_baseten: fb.FakeBaseten, style: str
) -> None:
    expanded_mib = 65536  # 64 GiB of zeros from 64 MiB on the wire
    sent: list[int] = []
    fake_baseten.enqueue(fb.gzip_bomb(expanded_mib, sent))
    llm = chat_model(fake_baseten, max_response_bytes=2**20)
    tracemalloc.start()
    try:
        with pytest.raises(BasetenResponseError) as info:
            await _call(llm, style)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert "larger than max_response_bytes=1048576 once decoded" in str(info.value)
    # Decoding stopped near the cap: a few MiB at most, not a 64 KiB read expanded 1000x.
    assert peak < 16 * 2**20
    # And the client hung up: the server could not write most of the 64 MiB.
    assert await asyncio.to_thread(wait_for, lambda: bool(sent), HANG), (
        "the server is still writing"
    )
    assert sent[0] < 32 * 2**20


def test_a_compressed_answer_within_the_cap_is_read_whole(fake_baseten: fb.FakeBaseten) -> None:
    payload = {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "model": "openai/gpt-oss-120b",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": "x" * 200_000},
                "finish_reason": "stop",
            }
        ],
    }
    body = gzip.compress(json.dumps(payload).encode())
    fake_baseten.enqueue(fb.raw(200, body, headers={"content-encoding": "gzip"}))
    assert chat_model(fake_baseten, max_response_bytes=300_000).invoke("hi").text == "x" * 200_000
    fake_baseten.enqueue(fb.raw(200, body, headers={"content-encoding": "gzip"}))
    with pytest.raises(BasetenResponseError, match="max_response_bytes=100000"):
        chat_model(fake_baseten, max_response_bytes=100_000).invoke("hi")


@pytest.mark.parametrize(
    "setting",
    [
        {"max_response_bytes": 5},
        {"max_event_bytes": 5},
        {"max_connections": 1},
        {"retry_lost_answers": True},
    ],
)
def test_bounds_cannot_change_per_call_and_never_reach_the_body(
    fake_baseten: fb.FakeBaseten, setting: dict[str, Any]
) -> None:
    (name,) = setting
    with pytest.raises(ValueError, match=f"'{name}' is a connection setting"):
        chat_model(fake_baseten).invoke("hi", **setting)
    assert fake_baseten.requests == []


@pytest.mark.parametrize("style", STYLES)
async def test_a_huge_error_body_is_capped_too(fake_baseten: fb.FakeBaseten, style: str) -> None:
    fake_baseten.enqueue(fb.error(500, {"error": "x" * 300_000}))
    with pytest.raises(BasetenResponseError, match="max_response_bytes=100000"):
        await _call(chat_model(fake_baseten, max_response_bytes=100_000), style)


# ---------------------------------------------------------------- retries that never re-bill

LOST_ANSWERS: dict[str, Callable[[], fb.Reply]] = {
    "500 after generating": lambda: fb.error(500, {"error": "CUDA error after decoding"}),
    "504 gateway timeout": lambda: fb.error(504),
    "read timeout": lambda: fb.stall(3),
    "answer cut short": fb.cut_short,
}


@pytest.mark.parametrize("style", ["invoke", "ainvoke"])
@pytest.mark.parametrize("case", list(LOST_ANSWERS))
async def test_a_lost_answer_is_not_sent_again_by_default(
    fake_baseten: fb.FakeBaseten, case: str, style: str
) -> None:
    fake_baseten.enqueue(LOST_ANSWERS[case](), fb.chat("second generation"))
    with pytest.raises(openai.APIError) as info:
        await _call(chat_model(fake_baseten, max_retries=2, timeout=0.5), style)
    assert "Not retried: the server may already have run this request" in str(info.value)
    assert "retry_lost_answers=True" in str(info.value)
    assert len(fake_baseten.requests) == 1


@pytest.mark.parametrize("case", list(LOST_ANSWERS))
async def test_retry_lost_answers_opts_in_to_retrying_them(
    fake_baseten: fb.FakeBaseten, case: str
) -> None:
    fake_baseten.enqueue(LOST_ANSWERS[case](), fb.chat("second generation"))
    llm = chat_model(fake_baseten, max_retries=2, timeout=0.5, retry_lost_answers=True)
    assert await _call(llm, "ainvoke") == "second generation"
    assert len(fake_baseten.requests) == 2


@pytest.mark.parametrize("style", ["stream", "astream"])
async def test_a_stream_failing_with_500_is_not_sent_again(
    fake_baseten: fb.FakeBaseten, style: str
) -> None:
    fake_baseten.enqueue(fb.error(500), fb.stream("second generation"))
    with pytest.raises(openai.InternalServerError, match="Not retried"):
        await _call(chat_model(fake_baseten, max_retries=2), style)
    assert len(fake_baseten.requests) == 1


@pytest.mark.parametrize("status", [408, 409, 429, 502, 503])
def test_statuses_that_say_the_request_did_not_run_are_retried(
    fake_baseten: fb.FakeBaseten, status: int
) -> None:
    fake_baseten.enqueue(fb.error(status, headers={"retry-after": "0.01"}), fb.chat("answered"))
    assert chat_model(fake_baseten, max_retries=1).invoke("hi").text == "answered"
    assert len(fake_baseten.requests) == 2


def test_a_server_asking_for_a_retry_is_obeyed(fake_baseten: fb.FakeBaseten) -> None:
    fake_baseten.enqueue(
        fb.error(500, headers={"x-should-retry": "true", "retry-after": "0.01"}),
        fb.chat("answered"),
    )
    assert chat_model(fake_baseten, max_retries=1).invoke("hi").text == "answered"


def test_a_retry_the_server_asked_for_is_not_explained_as_refused(
    fake_baseten: fb.FakeBaseten,
) -> None:
    # Retried until no attempt was left: the error says so, never "Not retried"
    # (before the retry policy explained its own decision, it said both).
    asked = {"x-should-retry": "true", "retry-after": "0.01"}
    fake_baseten.enqueue(fb.error(500, headers=asked), fb.error(500, headers=asked))
    with pytest.raises(openai.InternalServerError) as info:
        chat_model(fake_baseten, max_retries=1).invoke("hi")
    assert "Gave up after 2 attempts." in str(info.value)
    assert "Not retried" not in str(info.value)
    assert len(fake_baseten.requests) == 2


@pytest.mark.parametrize("status", [503, 500])
@pytest.mark.parametrize("model", ["chat", "embeddings"])
def test_a_server_refusing_a_retry_is_obeyed_and_named(
    fake_baseten: fb.FakeBaseten, status: int, model: str
) -> None:
    # 503 is retried and embeddings retry 500 too, unless the server says no.
    fake_baseten.enqueue(fb.error(status, headers={"x-should-retry": "false"}))
    call = (
        chat_model(fake_baseten, max_retries=2).invoke
        if model == "chat"
        else embeddings_model(fake_baseten, max_retries=2).embed_query
    )
    with pytest.raises(openai.APIStatusError) as info:
        call("hi")
    assert "Not retried: the server answered x-should-retry: false." in str(info.value)
    assert len(fake_baseten.requests) == 1


def test_a_retry_after_longer_than_the_sdk_waits_is_named(fake_baseten: fb.FakeBaseten) -> None:
    fake_baseten.enqueue(fb.error(503, headers={"retry-after": "3600"}))
    with pytest.raises(openai.InternalServerError) as info:
        chat_model(fake_baseten, max_retries=2).invoke("hi")
    assert str(info.value).endswith(
        "Not retried: the server's Retry-After asked for a longer wait than the openai "
        "client accepts."
    )
    assert len(fake_baseten.requests) == 1


@pytest.mark.parametrize("case", list(LOST_ANSWERS))
async def test_embeddings_retry_lost_answers(fake_baseten: fb.FakeBaseten, case: str) -> None:
    fake_baseten.enqueue(LOST_ANSWERS[case]())
    embedder = embeddings_model(fake_baseten, max_retries=1, timeout=0.5)
    vector = await asyncio.wait_for(embedder.aembed_query("hi"), HANG)
    assert vector == pytest.approx(fb.fake_vector("hi"), abs=1e-6)
    assert len(fake_baseten.requests) == 2
