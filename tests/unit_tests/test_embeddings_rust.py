"""BasetenEmbeddings through Baseten's Rust Performance Client (``backend``), over real HTTP.

The ``bench`` dependency group installs baseten-performance-client in the test
environment. ``backend="auto"`` uses it only on Baseten's https hosts, which
tests cannot reach, so these tests choose it explicitly for the local server
(``backend="performance-client"``, which warns once per host off Baseten's hosts:
the warning is tested below and ignored elsewhere in this file). The other
embeddings tests pin ``backend="python"``.
"""

from __future__ import annotations

import ast
import asyncio
import base64
import json
import logging
import os
import pickle
import signal
import struct
import sys
import threading
import time
import warnings
from pathlib import Path
from typing import Any

import openai
import pytest

import langchain_baseten
from langchain_baseten import (
    BasetenAuthenticationError,
    BasetenBadRequestError,
    BasetenConnectionError,
    BasetenEmbeddings,
    BasetenInternalServerError,
    BasetenNotFoundError,
    BasetenRateLimitError,
    BasetenResponseError,
    BasetenTimeoutError,
    PerformanceClientWarning,
)
from langchain_baseten import _embed_rust as rust
from langchain_baseten import embeddings as embeddings_module
from langchain_baseten import testing as fb
from langchain_baseten._http.limits import DEFAULT_MAX_RESPONSE_BYTES
from tests.local_models import DEDICATED_PATH, KEY, embeddings_model, http_library

PATH = DEDICATED_PATH
RUST_AGENT = "baseten-performance-client/"
TEXTS = [f"text number {i}" for i in range(10)]
#: The local server is the test's own: the opt-in's warning is checked once, below.
pytestmark = pytest.mark.filterwarnings("ignore::langchain_baseten.PerformanceClientWarning")


@pytest.fixture(autouse=True)
def _fresh_state(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("BASETEN_API_KEY", "BASETEN_BASE_URL", "OPENAI_API_KEY", "OPENAI_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    for name in (*rust._PROXY_ENV, *rust._CERT_ENV):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    monkeypatch.setattr(embeddings_module, "_FLOAT_ONLY_ENDPOINTS", set())


#: What these tests are about (tests.local_models.embeddings_model defaults to Python).
RUST_BACKEND = {"backend": "performance-client"}


def vec(text: str) -> list[float]:
    return fb.float32(fb.fake_vector(text))


def agents(fake: fb.FakeBaseten) -> list[str]:
    return [request.headers.get("user-agent", "") for request in fake.requests]


async def _maybe_await(result: Any) -> Any:
    return await result if asyncio.iscoroutine(result) else result


def sent_by_rust(fake: fb.FakeBaseten) -> list[bool]:
    return [agent.startswith(RUST_AGENT) for agent in agents(fake)]


# ---------------------------------------------------------------- the same vectors, in order


def test_the_explicit_choice_sends_through_the_performance_client(
    fake_baseten: fb.FakeBaseten,
) -> None:
    emb = embeddings_model(fake_baseten, **RUST_BACKEND, batch_size=3)
    assert emb.embed_documents(TEXTS) == [vec(t) for t in TEXTS]
    assert sent_by_rust(fake_baseten) == [True] * 4
    paths = {request.path for request in fake_baseten.requests}
    assert paths == {PATH + "/embeddings"}
    assert all(r.headers["authorization"] == f"Bearer {KEY}" for r in fake_baseten.requests)


def test_auto_sends_through_python_off_basetens_https_hosts(
    fake_baseten: fb.FakeBaseten, caplog: pytest.LogCaptureFixture
) -> None:
    emb = embeddings_model(fake_baseten, backend="auto", batch_size=3)
    with caplog.at_level(logging.DEBUG, logger="langchain_baseten.embeddings"):
        assert emb.embed_documents(TEXTS) == [vec(t) for t in TEXTS]
    assert sent_by_rust(fake_baseten) == [False] * 4
    assert "is not one of Baseten's https hosts" in caplog.text


@pytest.mark.parametrize("concurrency", [1, 4, 64])
def test_vectors_and_order_equal_the_python_backend(
    fake_baseten: fb.FakeBaseten, concurrency: int
) -> None:
    texts = [f"doc {i} " + "x" * (i % 7) for i in range(150)]
    kwargs = {"batch_size": 7, "max_concurrency": concurrency}
    by_rust = embeddings_model(fake_baseten, **RUST_BACKEND, **kwargs).embed_documents(texts)
    by_python = embeddings_model(fake_baseten, backend="python", **kwargs).embed_documents(texts)
    assert by_rust == by_python == [vec(t) for t in texts]
    assert sent_by_rust(fake_baseten).count(True) == 22  # ceil(150 / 7)


async def test_async_vectors_and_order(fake_baseten: fb.FakeBaseten) -> None:
    texts = [f"doc {i}" for i in range(100)]
    emb = embeddings_model(fake_baseten, **RUST_BACKEND, batch_size=8, max_concurrency=5)
    assert await emb.aembed_documents(texts) == [vec(t) for t in texts]
    assert await emb.aembed_query("one") == vec("one")
    assert all(sent_by_rust(fake_baseten))


def test_batches_by_count_and_characters_and_dimensions(fake_baseten: fb.FakeBaseten) -> None:
    texts = ["a" * 40, "b" * 40, "c" * 40, "d", "e", "f", "g"]
    emb = embeddings_model(
        fake_baseten, **RUST_BACKEND, batch_size=3, max_chars_per_request=100, dimensions=16
    )
    vectors = emb.embed_documents(texts)
    assert vectors == [fb.float32(fb.fake_vector(t, 16)) for t in texts]
    inputs = sorted((r.json()["input"] for r in fake_baseten.requests), key=lambda i: i[0])
    assert inputs == [["a" * 40, "b" * 40], ["c" * 40, "d", "e"], ["f", "g"]]
    assert {r.json()["dimensions"] for r in fake_baseten.requests} == {16}
    assert {r.json()["encoding_format"] for r in fake_baseten.requests} == {"base64"}


def test_default_headers_are_sent(fake_baseten: fb.FakeBaseten) -> None:
    emb = embeddings_model(fake_baseten, **RUST_BACKEND, default_headers={"x-team": "search"})
    emb.embed_query("hi")
    assert fake_baseten.requests[-1].headers["x-team"] == "search"
    assert sent_by_rust(fake_baseten) == [True]


def test_empty_input_sends_nothing(fake_baseten: fb.FakeBaseten) -> None:
    assert embeddings_model(fake_baseten, **RUST_BACKEND).embed_documents([]) == []
    assert fake_baseten.requests == []


# ---------------------------------------------------------------- answers the Python path reads


def test_numbers_are_read_by_python_exactly_and_the_endpoint_remembered(
    fake_baseten: fb.FakeBaseten,
) -> None:
    # A server that ignores encoding_format answers JSON numbers: the Rust client would
    # parse them with different rounding, so the batch is fetched again through Python.
    fake_baseten.enqueue(*[fb.embeddings(encoding="ignore")] * 3)
    emb = embeddings_model(fake_baseten, **RUST_BACKEND, batch_size=5, max_concurrency=1)
    assert emb.embed_documents(TEXTS) == [fb.fake_vector(t) for t in TEXTS]  # exact numbers
    assert sent_by_rust(fake_baseten) == [True, False, False]
    # Remembered as the float-only endpoints are: later requests ask for numbers.
    formats = [r.json().get("encoding_format") for r in fake_baseten.requests]
    assert formats == ["base64", "base64", None]


def test_explicit_float_goes_through_python(fake_baseten: fb.FakeBaseten) -> None:
    emb = embeddings_model(fake_baseten, **RUST_BACKEND, encoding_format="float")
    assert emb.embed_query("hi") == fb.fake_vector("hi")
    assert sent_by_rust(fake_baseten) == [False]


@pytest.mark.parametrize("status", [400, 422])
def test_a_base64_refusal_falls_back_to_floats(fake_baseten: fb.FakeBaseten, status: int) -> None:
    fake_baseten.enqueue(*[fb.embeddings(encoding="refuse_base64", refusal_status=status)] * 3)
    emb = embeddings_model(fake_baseten, **RUST_BACKEND, batch_size=5, max_concurrency=1)
    assert emb.embed_documents(TEXTS) == [fb.fake_vector(t) for t in TEXTS]
    formats = [r.json().get("encoding_format") for r in fake_baseten.requests]
    assert formats == ["base64", None, None]
    assert sent_by_rust(fake_baseten) == [True, False, False]


def test_an_unreadable_answer_is_fetched_again_by_python(fake_baseten: fb.FakeBaseten) -> None:
    # Asking again is a retry: only when max_retries allows one.
    fake_baseten.enqueue(fb.raw(200, b"not json"), fb.raw(200, b"not json either"))
    with pytest.raises(BasetenResponseError):
        embeddings_model(fake_baseten, **RUST_BACKEND, max_retries=1).embed_query("hi")
    assert sent_by_rust(fake_baseten) == [True, False]
    fake_baseten.enqueue(fb.cut_short())
    assert embeddings_model(fake_baseten, **RUST_BACKEND, max_retries=1).embed_query("hi") == vec(
        "hi"
    )  # the Python fetch is complete


@pytest.mark.parametrize("style", ["sync", "async"])
@pytest.mark.parametrize(
    "reply", [fb.raw(200, b"not json"), fb.cut_short()], ids=["not-json", "cut-short"]
)
async def test_an_unreadable_answer_is_not_sent_again_without_retries(
    fake_baseten: fb.FakeBaseten, style: str, reply: fb.Reply
) -> None:
    fake_baseten.enqueue(reply, fb.embeddings())
    emb = embeddings_model(fake_baseten, **RUST_BACKEND, max_retries=0)
    call = emb.embed_query if style == "sync" else emb.aembed_query
    with pytest.raises(BasetenResponseError, match="could not be read") as info:
        await _maybe_await(call("hi"))
    assert "max_retries=0" in str(info.value)
    assert sent_by_rust(fake_baseten) == [True]  # one request, never re-sent


def test_nan_in_the_answer_is_the_python_paths_error(fake_baseten: fb.FakeBaseten) -> None:
    nan = b'{"data": [{"index": 0, "embedding": [0.5, NaN]}]}'
    fake_baseten.enqueue(fb.raw(200, nan), fb.raw(200, nan))
    with pytest.raises(BasetenResponseError, match="NaN or infinite values"):
        embeddings_model(fake_baseten, **RUST_BACKEND, max_retries=1).embed_query("hi")


@pytest.mark.parametrize("style", ["sync", "async"])
async def test_boolean_components_are_refused(fake_baseten: fb.FakeBaseten, style: str) -> None:
    # JSON numbers go through Python (the answer is fetched again there): booleans are
    # not numbers, though Python's bool is an int.
    bools = b'{"data": [{"index": 0, "embedding": [true, false, true]}]}'
    fake_baseten.enqueue(fb.raw(200, bools), fb.raw(200, bools))
    emb = embeddings_model(fake_baseten, **RUST_BACKEND, max_retries=1)
    call = emb.embed_query if style == "sync" else emb.aembed_query
    with pytest.raises(BasetenResponseError, match="booleans"):
        await _maybe_await(call("hi"))


# ---------------------------------------------------------------- redirects and size
# The Performance Client follows redirects to any host and reads answers whole; it has
# no setting for either. backend="auto" therefore never uses it off Baseten's https
# hosts, whose answers tests cannot script: the selection is tested without network.

SECRET_HEADER = {"X-Api-Key": "secret-header-value"}
#: One answer's worth of sending: each endpoint has answered once before it redirects
#: (an endpoint vetted by one answer was still followed later, before this rule).
FIRST_TEXT = "an answer before the redirect"


@pytest.mark.parametrize("status", [307, 308])
@pytest.mark.parametrize("style", ["sync", "async"])
async def test_auto_never_follows_a_redirect_to_another_server(
    fake_baseten: fb.FakeBaseten, status: int, style: str
) -> None:
    with fb.fake_baseten_server() as other:
        moved = {"location": other.url(PATH + "/embeddings")}
        fake_baseten.enqueue(fb.embeddings(), *[fb.raw(status, b"", headers=moved)] * 2)
        emb = embeddings_model(
            fake_baseten, backend="auto", batch_size=2, default_headers=SECRET_HEADER
        )
        first = emb.embed_query if style == "sync" else emb.aembed_query
        call = emb.embed_documents if style == "sync" else emb.aembed_documents
        assert await _maybe_await(first(FIRST_TEXT)) == vec(FIRST_TEXT)
        with pytest.raises(openai.APIStatusError) as info:
            await _maybe_await(call(["secret text", "another"]))
        assert info.value.status_code == status
        assert other.requests == []  # no texts, no headers
    assert not any(sent_by_rust(fake_baseten))


def _huge_answer(mebibytes: int, sent: list[int]) -> fb.Reply:
    """An embeddings answer of ``mebibytes`` MiB (one base64 vector of zeros), chunked.

    ``sent`` receives the bytes written before the client hung up (or all of them).
    """

    def render(exchange: fb.Exchange) -> None:
        exchange.start_stream(content_type="application/json")  # no Content-Length
        block = b"A" * 2**16
        written = 0
        try:
            exchange.send_chunk(b'{"data": [{"index": 0, "embedding": "')
            for _ in range(mebibytes * 16):
                exchange.send_chunk(block)
                written += len(block)
            exchange.send_chunk(b'"}]}')
            exchange.end_stream()
        finally:
            sent.append(written)

    return fb.Reply(render, f"huge({mebibytes} MiB)")


HUGE_MIB = 64
#: The cap these tests set (and make the default, which alone kept the Performance
#: Client before: the cap is in force however the backend is chosen).
CAP = 2**20


@pytest.mark.parametrize("style", ["sync", "async"])
async def test_auto_stops_reading_a_huge_answer_at_the_cap(
    fake_baseten: fb.FakeBaseten, monkeypatch: pytest.MonkeyPatch, style: str
) -> None:
    monkeypatch.setattr(rust, "DEFAULT_MAX_RESPONSE_BYTES", CAP)
    sent: list[int] = []
    fake_baseten.enqueue(fb.embeddings(), _huge_answer(HUGE_MIB, sent))
    emb = embeddings_model(fake_baseten, backend="auto", max_response_bytes=CAP)
    call = emb.embed_query if style == "sync" else emb.aembed_query
    assert await _maybe_await(call(FIRST_TEXT)) == vec(FIRST_TEXT)
    with pytest.raises(BasetenResponseError, match=f"larger than max_response_bytes={CAP}"):
        await _maybe_await(call("big"))
    # The client hung up near the cap: the server could not write most of the answer.
    assert await asyncio.to_thread(_wait_for, lambda: bool(sent), 20.0)
    assert sent[0] < HUGE_MIB * 2**20 // 2
    assert not any(sent_by_rust(fake_baseten))


def _wait_for(condition: Any, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.05)
    return bool(condition())


# ---------------------------------------------------------------- what the opt-in warns of


def test_the_opt_in_follows_a_redirect_as_its_warning_says(fake_baseten: fb.FakeBaseten) -> None:
    # What backend="auto" avoids, shown: if the Performance Client gains a setting not
    # to follow, this fails, and the warning and the auto rule can be revisited.
    with fb.fake_baseten_server() as other:
        moved = {"location": other.url(PATH + "/embeddings")}
        fake_baseten.enqueue(fb.raw(307, b"", headers=moved))
        emb = embeddings_model(fake_baseten, **RUST_BACKEND, default_headers=SECRET_HEADER)
        warned = pytest.warns(PerformanceClientWarning, match="follows HTTP redirects")
        with warned, pytest.raises(openai.APIStatusError):  # the other server: no key came
            emb.embed_query("secret text")
        [request] = other.requests
        assert request.json()["input"] == ["secret text"]
        assert request.headers["x-api-key"] == SECRET_HEADER["X-Api-Key"]
        assert "authorization" not in request.headers


def test_the_opt_in_reads_a_huge_answer_whole_as_its_warning_says(
    fake_baseten: fb.FakeBaseten, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(rust, "DEFAULT_MAX_RESPONSE_BYTES", CAP)
    sent: list[int] = []
    fake_baseten.enqueue(_huge_answer(HUGE_MIB, sent))
    emb = embeddings_model(fake_baseten, **RUST_BACKEND, max_response_bytes=CAP)
    with pytest.raises(BasetenResponseError, match=f"larger than max_response_bytes={CAP}"):
        emb.embed_query("big")  # refused, but only after reading it all
    assert sent == [HUGE_MIB * 2**20]
    assert sent_by_rust(fake_baseten) == [True]


#: (settings, whether backend="auto" picks the Performance Client): Baseten's https hosts.
ENDPOINTS = [
    ({"model": "baseten/abcd1234"}, True),
    ({"model_url": "https://model-abcd1234.api.baseten.co/environments/staging/sync"}, True),
    ({"model_url": "https://model-abcd1234.api.baseten.co/deployment/xyz9876/predict"}, True),
    ({"base_url": "https://model-abcd1234.api.baseten.co/environments/production/sync/v1"}, True),
    ({"base_url": "https://inference.baseten.co/v1", "model": "e5"}, True),
    ({"base_url": "http://model-abcd1234.api.baseten.co/environments/production/sync/v1"}, False),
    ({"base_url": "https://gateway.example.com/v1", "model": "e5"}, False),
    ({"base_url": "http://127.0.0.1:8000/v1", "model": "e5"}, False),
    ({"base_url": "https://localhost:8443/v1", "model": "e5"}, False),
    ({"base_url": "https://model-abcd1234.api.baseten.co.example.com/v1", "model": "e5"}, False),
    ({"base_url": "https://notbaseten.co/v1", "model": "e5"}, False),
]


ENDPOINT_IDS = [" ".join(settings.values()) for settings, _ in ENDPOINTS]


@pytest.mark.parametrize(("settings", "rust_chosen"), ENDPOINTS, ids=ENDPOINT_IDS)
def test_auto_chooses_the_performance_client_only_on_basetens_https_hosts(
    settings: dict[str, str], rust_chosen: bool
) -> None:
    emb = BasetenEmbeddings(api_key=KEY, **settings)
    reason = emb._why_python(emb.endpoint)
    assert (reason is None) == rust_chosen, reason
    if not rust_chosen:
        assert "is not one of Baseten's https hosts" in str(reason)
    explicit = emb.model_copy(update={"backend": "performance-client"})
    assert explicit._why_python(explicit.endpoint) is None  # the opt-in sends anywhere


def test_a_base_url_from_the_environment_is_judged_alike(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BASETEN_BASE_URL", "http://127.0.0.1:8000/v1")
    emb = BasetenEmbeddings(model="e5", api_key=KEY)
    assert "not one of Baseten's https hosts" in str(emb._why_python(emb.endpoint))


@pytest.mark.parametrize(("settings", "rust_chosen"), ENDPOINTS, ids=ENDPOINT_IDS)
def test_the_opt_in_warns_once_per_host_off_basetens_https_hosts(
    settings: dict[str, str], rust_chosen: bool
) -> None:
    emb = BasetenEmbeddings(api_key=KEY, backend="performance-client", **settings)
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("default")  # Python's own: once per message and place
        for _ in range(3):
            assert emb._rust_poster(emb.endpoint) is not None  # no request is sent
    found = [w for w in seen if issubclass(w.category, PerformanceClientWarning)]
    if rust_chosen:
        assert found == []
        return
    [warning] = found
    message = str(warning.message)
    host = emb.endpoint.base_url.split("/")[2]
    assert f"sends to {host}, which is not one of Baseten's https hosts" in message
    assert "follows HTTP redirects" in message
    assert "reads each answer whole" in message
    assert "backend='auto' or 'python'" in message
    assert KEY not in message


@pytest.mark.parametrize("style", ["sync", "async"])
@pytest.mark.parametrize("length", ["content-length", "chunked"])
async def test_an_answer_over_max_response_bytes_is_refused(
    fake_baseten: fb.FakeBaseten, monkeypatch: pytest.MonkeyPatch, style: str, length: str
) -> None:
    # Only the default cap keeps the Performance Client: make it a modest one.
    monkeypatch.setattr(rust, "DEFAULT_MAX_RESPONSE_BYTES", 4096)
    emb = embeddings_model(fake_baseten, **RUST_BACKEND, max_response_bytes=4096)
    call = emb.embed_query if style == "sync" else emb.aembed_query
    assert await _maybe_await(call("small")) == vec("small")  # 32 values: well under
    if length == "content-length":
        padded = b'{"data": [{"index": 0, "embedding": "AACAPw=="}], "x": "' + b"y" * 5000 + b'"}'
        fake_baseten.enqueue(fb.raw(200, padded))
    else:  # base64 of 2048 float32 values, sent without a Content-Length
        fake_baseten.enqueue(fb.Reply(lambda ex: _chunked_embeddings(ex, 2048), "chunked"))
    with pytest.raises(BasetenResponseError, match="larger than max_response_bytes=4096"):
        await _maybe_await(call("big"))
    assert sent_by_rust(fake_baseten) == [True, True]


def _chunked_embeddings(exchange: fb.Exchange, dimensions: int) -> None:
    vector = base64.b64encode(struct.pack(f"<{dimensions}f", *[0.5] * dimensions)).decode()
    body = json.dumps({"data": [{"index": 0, "embedding": vector}]}).encode()
    exchange.start_stream(content_type="application/json")  # chunked: no Content-Length
    exchange.send_chunk(body)
    exchange.end_stream()


# ---------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("status", "cls", "said"),
    [
        (400, BasetenBadRequestError, "bad input"),
        (401, BasetenAuthenticationError, "Invalid API key"),
        (404, BasetenNotFoundError, "Model not found"),
        (429, BasetenRateLimitError, "slow down"),
        (500, BasetenInternalServerError, "CUDA out of memory"),
    ],
)
@pytest.mark.parametrize("style", ["sync", "async"])
async def test_error_statuses_are_the_package_classes_naming_positions(
    fake_baseten: fb.FakeBaseten, status: int, cls: type[Exception], said: str, style: str
) -> None:
    def fail_batch_two(exchange: Any) -> None:
        inputs = exchange.body["input"]
        reply = fb.error(status, {"error": said}) if "text number 5" in inputs else fb.embeddings()
        reply.render(exchange)

    fake_baseten.enqueue(*[fb.Reply(fail_batch_two, "second batch fails")] * 4)
    emb = embeddings_model(fake_baseten, **RUST_BACKEND, batch_size=5, max_concurrency=1)
    call = emb.embed_documents if style == "sync" else emb.aembed_documents
    with pytest.raises(cls) as info:
        await _maybe_await(call(TEXTS))
    err = info.value
    assert isinstance(err, openai.APIStatusError)
    assert err.status_code == status
    assert said in str(err)
    assert "batch 2 of 2 (inputs 5 to 9)" in str(err)
    assert err.baseten_batch == range(5, 10)  # type: ignore[attr-defined]
    assert KEY not in repr(err) + str(err.body) + err.response.text
    # The Rust client's own exception is not kept (a 400 is also asked again as floats,
    # through Python, exactly as on the Python path: that error is the context there).
    assert err.__context__ is None or isinstance(err.__context__, openai.BadRequestError)


def test_a_key_echoed_by_the_server_is_scrubbed(fake_baseten: fb.FakeBaseten) -> None:
    fake_baseten.enqueue(fb.error(401, {"error": f"key {KEY} is not valid"}))
    with pytest.raises(BasetenAuthenticationError) as info:
        embeddings_model(fake_baseten, **RUST_BACKEND).embed_query("hi")
    assert KEY not in str(info.value) + repr(info.value.body) + info.value.response.text
    assert "***" in str(info.value)


def test_retries_per_batch(fake_baseten: fb.FakeBaseten) -> None:
    fake_baseten.enqueue(fb.error(503, {"error": "loading"}), fb.embeddings())
    assert embeddings_model(fake_baseten, **RUST_BACKEND, max_retries=2).embed_query("hi") == vec(
        "hi"
    )
    assert sent_by_rust(fake_baseten) == [True, True]
    fake_baseten.enqueue(*[fb.error(503, {"error": "loading"})] * 3)
    with pytest.raises(BasetenInternalServerError):
        embeddings_model(fake_baseten, **RUST_BACKEND, max_retries=1).embed_query("hi")
    assert len(fake_baseten.requests) == 4  # 2 + one try and one retry


@pytest.mark.parametrize("style", ["sync", "async"])
async def test_timeout_is_the_package_timeout_error(
    fake_baseten: fb.FakeBaseten, style: str
) -> None:
    fake_baseten.enqueue(fb.stall(3))
    emb = embeddings_model(fake_baseten, **RUST_BACKEND, timeout=0.5)
    call = emb.embed_query if style == "sync" else emb.aembed_query
    with pytest.raises(BasetenTimeoutError) as info:
        await asyncio.wait_for(_maybe_await(call("hi")), 10)
    assert "timed out" in str(info.value)
    assert "input 0" in str(info.value)


@pytest.mark.parametrize("style", ["sync", "async"])
async def test_a_timeout_while_the_answer_arrives_is_not_sent_again(
    fake_baseten: fb.FakeBaseten, style: str
) -> None:
    # Headers at once, then a byte every 0.2 s: the client times out reading the body
    # and words it "Failed to parse response JSON"; with max_retries=0 nothing is re-sent.
    fake_baseten.enqueue(fb.drip(3), fb.embeddings())
    emb = embeddings_model(fake_baseten, **RUST_BACKEND, timeout=0.5, max_retries=0)
    call = emb.embed_query if style == "sync" else emb.aembed_query
    with pytest.raises(BasetenTimeoutError) as info:
        await asyncio.wait_for(_maybe_await(call("hi")), 10)
    assert "timed out" in str(info.value)
    assert sent_by_rust(fake_baseten) == [True]


def test_a_refused_connection_is_a_connection_error() -> None:
    emb = BasetenEmbeddings(
        model="e5", base_url="http://127.0.0.1:9/v1", api_key=KEY, max_retries=0,
        backend="performance-client",
    )  # fmt: skip
    with pytest.raises(BasetenConnectionError, match=r"127\.0\.0\.1:9") as info:
        emb.embed_query("hi")
    assert KEY not in str(info.value)


async def test_cancelling_returns_at_once(fake_baseten: fb.FakeBaseten) -> None:
    fake_baseten.enqueue(*[fb.stall(2)] * 4)
    emb = embeddings_model(fake_baseten, **RUST_BACKEND, batch_size=2, max_concurrency=4)
    task = asyncio.ensure_future(emb.aembed_documents(TEXTS[:8]))
    await asyncio.sleep(0.3)
    task.cancel()
    loop = asyncio.get_running_loop()
    started = loop.time()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert loop.time() - started < 1.0


def test_ctrl_c_returns_at_once_and_starts_no_further_batch(fake_baseten: fb.FakeBaseten) -> None:
    holding = fb.Holding()
    fake_baseten.enqueue(*[holding.reply(fb.embeddings()) for _ in range(40)])
    emb = embeddings_model(fake_baseten, **RUST_BACKEND, batch_size=1, max_concurrency=4)
    main = threading.get_ident()

    def press_ctrl_c() -> None:
        if holding.wait_for(4):
            signal.pthread_kill(main, signal.SIGINT)

    presser = threading.Thread(target=press_ctrl_c, daemon=True)
    presser.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            emb.embed_documents([f"t{i}" for i in range(40)])
        interrupted_while_held = not holding.release.is_set()
    finally:
        holding.release.set()
        presser.join(10)
    assert interrupted_while_held
    time.sleep(0.3)  # a batch started after the interrupt would have reached the server
    assert holding.held == 4


# ---------------------------------------------------------------- choosing the backend


def test_python_backend_never_touches_the_performance_client(
    fake_baseten: fb.FakeBaseten,
) -> None:
    embeddings_model(fake_baseten, backend="python").embed_documents(TEXTS)
    assert not any(sent_by_rust(fake_baseten))


@pytest.mark.parametrize(
    ("setting", "reason"),
    [
        ({"default_query": {"a": "b"}}, "default_query"),
        ({"retry_lost_answers": False}, "retry_lost_answers=False"),
        ({"max_response_bytes": 2**20}, "max_response_bytes"),
        ({"max_connections": 2, "max_concurrency": 8}, "max_connections is below"),
        ({"http_client": "httpx2"}, "http_client"),
        ({"http_client": "httpx"}, "http_client"),  # a classic httpx client alike
    ],
)
def test_settings_it_cannot_honour_take_the_python_path_and_say_why(
    fake_baseten: fb.FakeBaseten,
    caplog: pytest.LogCaptureFixture,
    setting: dict[str, Any],
    reason: str,
) -> None:
    if "http_client" in setting:
        setting = {"http_client": http_library(setting["http_client"]).Client()}
    emb = embeddings_model(fake_baseten, **RUST_BACKEND, **setting)
    with caplog.at_level(logging.DEBUG, logger="langchain_baseten.embeddings"):
        assert emb.embed_query("hi") == vec("hi")
    assert sent_by_rust(fake_baseten) == [False]
    assert reason in caplog.text
    assert "Python backend" in caplog.text
    assert KEY not in caplog.text


def test_a_proxy_environment_takes_the_python_path(
    fake_baseten: fb.FakeBaseten, monkeypatch: pytest.MonkeyPatch
) -> None:
    emb = embeddings_model(fake_baseten, **RUST_BACKEND)
    assert emb._why_python(emb.endpoint) is None
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")
    assert "HTTPS_PROXY" in str(emb._why_python(emb.endpoint))
    monkeypatch.delenv("HTTPS_PROXY")
    monkeypatch.setenv("SSL_CERT_FILE", "/etc/ssl/certs/ca-certificates.crt")
    assert emb._why_python(emb.endpoint) is None  # http: certificates do not apply
    https = BasetenEmbeddings(model="baseten/abcd1234", api_key=KEY)
    assert "SSL_CERT_FILE" in str(https._why_python(https.endpoint))


def test_only_a_cap_below_the_default_takes_the_python_path(fake_baseten: fb.FakeBaseten) -> None:
    # A lower cap asks for memory bounded by it, which only the Python transport keeps; a
    # higher one is checked after reading, as the default is.
    default = DEFAULT_MAX_RESPONSE_BYTES
    lower = embeddings_model(fake_baseten, **RUST_BACKEND, max_response_bytes=default - 1)
    assert "max_response_bytes is below its default" in str(lower._why_python(lower.endpoint))
    higher = embeddings_model(fake_baseten, **RUST_BACKEND, max_response_bytes=default * 4)
    assert higher._why_python(higher.endpoint) is None
    assert higher.embed_query("hi") == vec("hi")
    assert sent_by_rust(fake_baseten) == [True]


def test_a_forked_child_uses_the_python_path(fake_baseten: fb.FakeBaseten) -> None:
    emb = embeddings_model(fake_baseten, **RUST_BACKEND)
    emb.embed_query("in the parent")  # the Rust runtime is started in this process
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child reports through the pipe
        try:
            ok = emb.embed_query("in the child") == vec("in the child")
            os.write(write, b"ok" if ok else b"wrong")
        finally:
            os._exit(0)
    os.close(write)
    _, status = os.waitpid(pid, 0)
    answer = os.read(read, 16)
    os.close(read)
    assert (answer, status) == (b"ok", 0)
    assert sent_by_rust(fake_baseten) == [True, False]


def test_without_the_package_auto_uses_python_and_the_choice_is_refused(
    fake_baseten: fb.FakeBaseten, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setitem(sys.modules, "baseten_performance_client", None)
    on_baseten = BasetenEmbeddings(model="baseten/abcd1234", api_key=KEY)
    assert "not installed" in str(on_baseten._why_python(on_baseten.endpoint))
    emb = embeddings_model(fake_baseten, backend="auto")
    with caplog.at_level(logging.DEBUG, logger="langchain_baseten.embeddings"):
        assert emb.embed_documents(TEXTS) == [vec(t) for t in TEXTS]
    assert not any(sent_by_rust(fake_baseten))
    with pytest.raises(ValueError, match=r"langchain-baseten\[performance\]"):
        embeddings_model(fake_baseten, backend="performance-client")


def test_an_unknown_backend_is_refused_naming_the_choices() -> None:
    with pytest.raises(ValueError, match="'auto', 'python' or 'performance-client'") as info:
        BasetenEmbeddings(model="baseten/abcd1234", api_key=KEY, backend="rust")
    assert KEY not in str(info.value)


def test_backend_is_serialized_like_other_fields(fake_baseten: fb.FakeBaseten) -> None:
    emb = embeddings_model(fake_baseten, backend="python")
    assert emb.model_dump()["backend"] == "python"
    assert BasetenEmbeddings(**emb.model_dump()).backend == "python"
    assert pickle.loads(pickle.dumps(emb)).backend == "python"  # noqa: S301 - our own object
    assert emb.model_copy(update={"backend": "auto"}).backend == "auto"
    assert "backend='python'" in repr(emb)
    assert KEY not in repr(emb)


def test_close_clients_forgets_the_performance_clients(fake_baseten: fb.FakeBaseten) -> None:
    emb = embeddings_model(fake_baseten, **RUST_BACKEND)
    emb.embed_query("before")
    before = dict(rust._clients)
    assert len(before) == 1
    langchain_baseten.close_clients()
    emb.embed_query("after")
    assert len(rust._clients) == 1
    assert next(iter(rust._clients.values())) is not next(iter(before.values()))


def test_the_rust_backend_does_not_import_the_model_module() -> None:
    # No import circle embeddings <-> _embed_rust (issue 29): the backend reads the
    # model's connection fields (BasetenConnection) and is told of float-only endpoints.
    tree = ast.parse(Path(rust.__file__).read_text(encoding="utf-8"))
    imported = {
        node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module
    } | {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    }
    assert "langchain_baseten.embeddings" not in imported
    assert "langchain_baseten._http.connection" in imported
