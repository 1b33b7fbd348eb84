"""BasetenEmbeddings: configuration, and end to end against the local Baseten-compatible server."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import math
import random
import struct
import threading
from typing import Any

import openai
import pytest
from pydantic import SecretStr

from langchain_baseten import (
    BasetenEmbeddings,
    BasetenResponseError,
    ChatBaseten,
)
from langchain_baseten import testing as fb
from tests.local_models import DEDICATED_PATH, KEY, embeddings_model, http_library
from tests.recording import redirect_baseten_to

pytestmark = [pytest.mark.usefixtures("no_baseten_env"), pytest.mark.each_client_kind]


def vec(text: str, dimensions: int = fb.DEFAULT_EMBEDDING_DIMENSIONS) -> list[float]:
    """The vector the client decodes for ``text``: base64 float32 by default."""
    return fb.float32(fb.fake_vector(text, dimensions))


def inputs_of(fake: fb.FakeBaseten) -> list[list[str]]:
    return [request.json()["input"] for request in fake.requests]


# ---------------------------------------------------------------- routing and configuration


def test_dedicated_model_id_routes_like_the_chat_model() -> None:
    emb = BasetenEmbeddings(model="baseten/abcd1234", api_key=KEY)
    chat = ChatBaseten(model="baseten/abcd1234", api_key=KEY)
    assert (
        emb.endpoint.base_url
        == "https://model-abcd1234.api.baseten.co/environments/production/sync/v1"
    )
    assert emb.endpoint == chat.endpoint
    assert emb.model_name == chat.model_name


@pytest.mark.parametrize(
    "kwargs",
    [
        {"model": "baseten/abcd1234", "environment": "staging"},
        {"model": "abcd1234", "deployment_id": "q1w2e3r4"},
        {"model_url": "https://model-abcd1234.api.baseten.co/environments/production/predict"},
        {"model": "abcd1234", "served_model_name": "my-embedder"},
        {"model": "baseten/abcd1234", "route": "dedicated"},
        {"model": "bge-large", "base_url": "http://127.0.0.1:9/v1/"},
    ],
)
def test_every_routing_argument_matches_chat_baseten(kwargs: dict[str, Any]) -> None:
    emb = BasetenEmbeddings(api_key=KEY, **kwargs)
    chat = ChatBaseten(api_key=KEY, **kwargs)
    assert emb.endpoint == chat.endpoint
    assert emb.endpoint.base_url == chat.endpoint.base_url


def test_base_url_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BASETEN_BASE_URL", "http://127.0.0.1:9/custom/v1")
    emb = BasetenEmbeddings(model="my-embedder", api_key=KEY)
    assert emb.endpoint.base_url == ChatBaseten(model="my-embedder", api_key=KEY).endpoint.base_url
    assert emb.endpoint.base_url.startswith("http://127.0.0.1:9/custom/v1")


@pytest.mark.parametrize(
    "kwargs",
    [
        {"model": "baseten/openai/gpt-oss-120b"},
        {"model": "openai/gpt-oss-120b"},
        {"model": "abcd1234", "route": "model_api"},
    ],
)
def test_model_api_slug_is_a_clear_error(kwargs: dict[str, Any]) -> None:
    # A ValueError (pydantic wraps a BasetenRoutingError raised in a validator).
    with pytest.raises(ValueError, match="embeddings need a dedicated deployment"):
        BasetenEmbeddings(api_key=KEY, **kwargs)


def test_model_api_check_comes_before_the_key_check() -> None:
    with pytest.raises(ValueError, match="dedicated deployment") as info:
        BasetenEmbeddings(model="openai/gpt-oss-120b")
    assert "BASETEN_API_KEY" not in str(info.value)


def test_slug_with_base_url_is_allowed() -> None:
    emb = BasetenEmbeddings(
        model="BAAI/bge-large-en-v1.5", base_url="http://127.0.0.1:9/v1", api_key=KEY
    )
    assert emb.model_name == "BAAI/bge-large-en-v1.5"


def test_missing_key_names_baseten_api_key_and_ignores_openai_key(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-openai-should-never-be-used")
    with pytest.raises(ValueError, match="BASETEN_API_KEY") as info:
        BasetenEmbeddings(model="baseten/abcd1234")
    assert "sk-openai" not in str(info.value)


def test_key_from_env_and_alias(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BASETEN_API_KEY", "from-env")
    emb = BasetenEmbeddings(model="baseten/abcd1234")
    assert isinstance(emb.api_key, SecretStr)
    assert emb.api_key.get_secret_value() == "from-env"
    # Aliases accepted at run time; the pydantic mypy plugin types __init__ by field name.
    alias = BasetenEmbeddings(model_name="baseten/abcd1234", baseten_api_key="from-alias")  # type: ignore[call-arg]
    assert alias.api_key is not None
    assert alias.api_key.get_secret_value() == "from-alias"
    assert alias.model == "baseten/abcd1234"


@pytest.mark.each_client_kind("httpx2", "httpx")  # with the user's own clients
def test_key_is_secret_in_repr_and_dumps(fake_baseten: fb.FakeBaseten) -> None:
    emb = embeddings_model(fake_baseten)
    assert KEY not in repr(emb)
    assert KEY not in str(emb)
    assert KEY not in emb.model_dump_json()
    assert KEY not in json.dumps(emb.model_dump(mode="json"))
    dumped = emb.model_dump()
    assert "http_client" not in dumped
    assert "http_async_client" not in dumped
    assert dumped["api_key"] != KEY


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"batch_size": 0}, "batch_size"),
        ({"max_concurrency": 0}, "max_concurrency"),
        ({"dimensions": 0}, "dimensions"),
        ({"encoding_format": "int8"}, "encoding_format"),
        ({"timeout": 0}, "timeout"),
        ({"max_retries": -1}, "max_retries"),
        ({"temprature": 0.1}, "temprature"),
    ],
)
def test_bad_arguments_are_rejected(kwargs: dict[str, Any], fragment: str) -> None:
    with pytest.raises(ValueError, match=fragment):
        BasetenEmbeddings(model="baseten/abcd1234", api_key=KEY, **kwargs)


# ---------------------------------------------------------------- requests on the wire


def test_embed_documents_sends_the_expected_request(fake_baseten: fb.FakeBaseten) -> None:
    emb = embeddings_model(fake_baseten, default_headers={"x-team": "search"})
    vectors = emb.embed_documents(["hello world", "bonjour"])
    assert vectors == [vec("hello world"), vec("bonjour")]
    assert all(isinstance(x, float) for v in vectors for x in v)
    (request,) = fake_baseten.requests
    assert request.method == "POST"
    assert request.path == DEDICATED_PATH + "/embeddings"
    assert request.headers["authorization"] == f"Bearer {KEY}"
    assert request.headers["x-team"] == "search"
    body = request.json()
    assert body == {
        "model": emb.model_name,
        "input": ["hello world", "bonjour"],
        "encoding_format": "base64",
    }


def test_embed_query(fake_baseten: fb.FakeBaseten) -> None:
    emb = embeddings_model(fake_baseten)
    assert emb.embed_query("what is baseten?") == vec("what is baseten?")
    assert inputs_of(fake_baseten) == [["what is baseten?"]]


def test_dimensions_on_the_wire(fake_baseten: fb.FakeBaseten) -> None:
    emb = embeddings_model(fake_baseten, dimensions=16)
    vector = emb.embed_query("short")
    assert len(vector) == 16
    assert vector == vec("short", 16)
    assert fake_baseten.requests[0].json()["dimensions"] == 16


def test_base64_is_asked_for_by_default_and_decoded(fake_baseten: fb.FakeBaseten) -> None:
    emb = embeddings_model(fake_baseten, dimensions=12)
    vectors = emb.embed_documents(["a b", "c d"])
    assert fake_baseten.requests[0].json()["encoding_format"] == "base64"
    for text, vector in zip(["a b", "c d"], vectors, strict=True):
        exact = fb.fake_vector(text, 12)
        assert len(vector) == 12
        assert all(type(x) is float for x in vector)
        # float32 on the wire: every value is the float32 rounding of the server's value.
        assert vector == [struct.unpack("<f", struct.pack("<f", x))[0] for x in exact]
        assert vector != exact
        assert vector == pytest.approx(exact, abs=1e-6)


def test_base64_decoding_is_bit_exact(fake_baseten: fb.FakeBaseten) -> None:
    """Extremes of float32 (subnormals, the largest finite, signed zero) decode exactly."""
    tricky = [0.0, -0.0, 1.0, -2.5, 3.4028234663852886e38, -1.401298464324817e-45, 1e-40, 0.1]
    fake_baseten.enqueue(fb.embeddings([tricky, list(reversed(tricky))]))
    vectors = embeddings_model(fake_baseten).embed_documents(["x", "y"])
    assert vectors == [fb.float32(tricky), fb.float32(list(reversed(tricky)))]
    assert math.copysign(1.0, vectors[0][1]) == -1.0


def test_float_format_asks_for_numbers(fake_baseten: fb.FakeBaseten) -> None:
    emb = embeddings_model(fake_baseten, encoding_format="float")
    assert emb.embed_query("x") == fb.fake_vector("x")  # JSON numbers: exact
    assert "encoding_format" not in fake_baseten.requests[0].json()


def test_empty_list_sends_nothing(fake_baseten: fb.FakeBaseten) -> None:
    assert embeddings_model(fake_baseten).embed_documents([]) == []
    assert fake_baseten.requests == []


async def test_empty_list_sends_nothing_async(fake_baseten: fb.FakeBaseten) -> None:
    assert await embeddings_model(fake_baseten).aembed_documents([]) == []
    assert fake_baseten.requests == []


def test_empty_strings_are_rejected_before_sending(fake_baseten: fb.FakeBaseten) -> None:
    emb = embeddings_model(fake_baseten, batch_size=2)
    with pytest.raises(ValueError, match=r"empty strings \(at positions 3\)"):
        emb.embed_documents(["a", "b", "c", "", "e"])
    with pytest.raises(ValueError, match="empty strings"):
        emb.embed_query("")
    assert fake_baseten.requests == []


async def test_empty_strings_are_rejected_async(fake_baseten: fb.FakeBaseten) -> None:
    with pytest.raises(ValueError, match="empty strings"):
        await embeddings_model(fake_baseten).aembed_query("")
    assert fake_baseten.requests == []


def test_a_single_string_is_not_taken_for_a_list(fake_baseten: fb.FakeBaseten) -> None:
    with pytest.raises(TypeError, match="embed_query"):
        embeddings_model(fake_baseten).embed_documents("abc")  # type: ignore[arg-type]
    assert fake_baseten.requests == []


def test_whitespace_only_strings_are_sent(fake_baseten: fb.FakeBaseten) -> None:
    assert embeddings_model(fake_baseten).embed_query(" ") == vec(" ")


@pytest.mark.each_client_kind("httpx2", "httpx")
def test_http_client_is_used(fake_baseten: fb.FakeBaseten, client_kind: str) -> None:
    seen: list[str] = []
    library = http_library(client_kind)
    client = library.Client(event_hooks={"request": [lambda r: seen.append(str(r.url))]})
    embeddings_model(fake_baseten, http_client=client).embed_query("x")
    assert seen == [fake_baseten.url(DEDICATED_PATH + "/embeddings")]


@pytest.mark.each_client_kind("httpx2", "httpx")
async def test_http_async_client_is_used(fake_baseten: fb.FakeBaseten, client_kind: str) -> None:
    seen: list[str] = []

    async def hook(request: Any) -> None:  # an httpx2 or a classic httpx request
        seen.append(str(request.url))

    client = http_library(client_kind).AsyncClient(event_hooks={"request": [hook]})
    await embeddings_model(fake_baseten, http_async_client=client).aembed_query("x")
    assert seen == [fake_baseten.url(DEDICATED_PATH + "/embeddings")]


@pytest.mark.each_client_kind("httpx2", "httpx")
async def test_each_method_uses_its_own_client_for_many_batches(
    fake_baseten: fb.FakeBaseten, client_kind: str
) -> None:
    """``http_client`` is for sync calls only, ``http_async_client`` for async ones (as ChatOpenAI)."""
    sync_seen: list[str] = []
    async_seen: list[str] = []

    async def hook(request: Any) -> None:  # an httpx2 or a classic httpx request
        async_seen.append(str(request.url))

    library = http_library(client_kind)
    texts = ["a", "b", "c", "d", "e"]
    only_sync = embeddings_model(
        fake_baseten,
        batch_size=2,
        http_client=library.Client(event_hooks={"request": [lambda r: sync_seen.append(r.url)]}),
        http_async_client=None,
    )
    assert await only_sync.aembed_documents(texts) == [vec(t) for t in texts]
    assert sync_seen == []  # three batches, none through the sync client
    assert await asyncio.to_thread(only_sync.embed_documents, texts) == [vec(t) for t in texts]
    assert len(sync_seen) == 3
    both = embeddings_model(
        fake_baseten,
        batch_size=2,
        http_client=library.Client(event_hooks={"request": [lambda r: sync_seen.append(r.url)]}),
        http_async_client=library.AsyncClient(event_hooks={"request": [hook]}),
    )
    assert await both.aembed_documents(texts) == [vec(t) for t in texts]
    assert len(async_seen) == 3
    assert len(sync_seen) == 3


# ---------------------------------------------------------------- batching and ordering


TEXTS = [f"document number {i}" for i in range(10)]


def test_batches_of_batch_size_in_input_order(fake_baseten: fb.FakeBaseten) -> None:
    emb = embeddings_model(fake_baseten, batch_size=3, max_concurrency=1)
    vectors = emb.embed_documents(TEXTS)
    assert vectors == [vec(t) for t in TEXTS]
    assert inputs_of(fake_baseten) == [TEXTS[0:3], TEXTS[3:6], TEXTS[6:9], TEXTS[9:10]]


@pytest.mark.parametrize("concurrency", [2, 4, 16])
def test_concurrent_batches_keep_input_order(
    fake_baseten: fb.FakeBaseten, concurrency: int
) -> None:
    texts = [f"text {i}" for i in range(50)]
    emb = embeddings_model(fake_baseten, batch_size=4, max_concurrency=concurrency)
    assert emb.embed_documents(texts) == [vec(t) for t in texts]
    sent = inputs_of(fake_baseten)
    assert sorted(len(batch) for batch in sent) == [2] + [4] * 12
    assert sorted(t for batch in sent for t in batch) == sorted(texts)


@pytest.mark.parametrize("concurrency", [1, 3])
async def test_async_batches_keep_input_order(
    fake_baseten: fb.FakeBaseten, concurrency: int
) -> None:
    texts = [f"text {i}" for i in range(23)]
    emb = embeddings_model(fake_baseten, batch_size=5, max_concurrency=concurrency)
    assert await emb.aembed_documents(texts) == [vec(t) for t in texts]
    assert sorted(len(batch) for batch in inputs_of(fake_baseten)) == [3, 5, 5, 5, 5]


def shuffled_embeddings(seed: int) -> fb.Reply:
    """Answer with correct vectors and indexes, the items in a shuffled order."""

    def render(exchange: Any) -> None:
        inputs = exchange.body["input"]
        data = [
            {"object": "embedding", "index": i, "embedding": fb.fake_vector(text)}
            for i, text in enumerate(inputs)
        ]
        random.Random(seed).shuffle(data)
        exchange.send_json(200, {"object": "list", "data": data, "model": exchange.model})

    return fb.Reply(render, "shuffled")


def test_items_are_sorted_by_index(fake_baseten: fb.FakeBaseten) -> None:
    texts = [f"t{i}" for i in range(12)]
    fake_baseten.enqueue(*(shuffled_embeddings(seed) for seed in range(3)))
    emb = embeddings_model(fake_baseten, batch_size=6, max_concurrency=1)
    assert emb.embed_documents(texts) == [fb.fake_vector(t) for t in texts]
    assert fake_baseten.pending == 1


async def test_items_are_sorted_by_index_async(fake_baseten: fb.FakeBaseten) -> None:
    texts = [f"t{i}" for i in range(12)]
    fake_baseten.enqueue(*(shuffled_embeddings(seed) for seed in range(2)))
    emb = embeddings_model(fake_baseten, batch_size=6, max_concurrency=2)
    assert await emb.aembed_documents(texts) == [fb.fake_vector(t) for t in texts]


def test_reversed_raw_reply_is_reordered(fake_baseten: fb.FakeBaseten) -> None:
    data = [
        {"object": "embedding", "index": 1, "embedding": [0.0, 1.0]},
        {"object": "embedding", "index": 0, "embedding": [1, 0]},
    ]
    fake_baseten.enqueue(fb.raw(200, json.dumps({"data": data}).encode()))
    assert embeddings_model(fake_baseten).embed_documents(["first", "second"]) == [
        [1.0, 0.0],
        [0.0, 1.0],
    ]


def test_items_without_index_keep_their_order(fake_baseten: fb.FakeBaseten) -> None:
    body = {"data": [{"embedding": [1.0]}, {"embedding": [2.0]}]}
    fake_baseten.enqueue(fb.raw(200, json.dumps(body).encode()))
    assert embeddings_model(fake_baseten).embed_documents(["a", "b"]) == [[1.0], [2.0]]


# ---------------------------------------------------------------- the concurrency bound


class InFlightCounter:
    """Server side: hold each request until the client has ``bound`` requests in flight.

    Every request waits until ``min(bound, requests not yet answered)`` are in
    flight, then all held ones are answered. A client that keeps ``bound``
    requests in flight passes without depending on timing; one that never gets
    there stalls (``starved``). Before the first round is released the server
    gives an over-eager client ``GRACE`` seconds to show more requests than the
    bound, which ``peak`` then counts.
    """

    GRACE = 0.1

    def __init__(self, bound: int, total: int) -> None:
        self.bound = bound
        self.unanswered = total
        self.in_flight = 0
        self.peak = 0
        self.starved = False
        self.first_round_done = False
        self.cond = threading.Condition()

    def _round_full(self) -> bool:
        return self.in_flight >= min(self.bound, self.unanswered)

    def reply(self) -> fb.Reply:
        def render(exchange: Any) -> None:
            with self.cond:
                self.in_flight += 1
                self.peak = max(self.peak, self.in_flight)
                self.cond.notify_all()
                if not self.first_round_done and self._round_full():
                    self.cond.wait_for(lambda: self.in_flight > self.bound, timeout=self.GRACE)
                    self.first_round_done = True
                    self.cond.notify_all()
                if not self.cond.wait_for(
                    lambda: self.first_round_done and self._round_full(), timeout=10
                ):
                    self.starved = True
            try:
                fb.embeddings().render(exchange)
            finally:
                with self.cond:
                    self.in_flight -= 1
                    self.unanswered -= 1
                    self.cond.notify_all()

        return fb.Reply(render, "counted")


@pytest.mark.parametrize(("bound", "batches"), [(1, 4), (3, 10), (4, 9)])
def test_sync_concurrency_reaches_but_never_exceeds_the_bound(
    fake_baseten: fb.FakeBaseten, bound: int, batches: int
) -> None:
    counter = InFlightCounter(bound, batches)
    fake_baseten.enqueue(*(counter.reply() for _ in range(batches)))
    texts = [f"x{i}" for i in range(batches * 2)]
    emb = embeddings_model(fake_baseten, batch_size=2, max_concurrency=bound)
    assert emb.embed_documents(texts) == [vec(t) for t in texts]
    assert len(fake_baseten.requests) == batches
    assert counter.peak == bound
    assert not counter.starved


@pytest.mark.parametrize(("bound", "batches"), [(1, 3), (3, 10), (5, 7)])
async def test_async_concurrency_reaches_but_never_exceeds_the_bound(
    fake_baseten: fb.FakeBaseten, bound: int, batches: int
) -> None:
    counter = InFlightCounter(bound, batches)
    fake_baseten.enqueue(*(counter.reply() for _ in range(batches)))
    texts = [f"x{i}" for i in range(batches * 2)]
    emb = embeddings_model(fake_baseten, batch_size=2, max_concurrency=bound)
    assert await emb.aembed_documents(texts) == [vec(t) for t in texts]
    assert len(fake_baseten.requests) == batches
    assert counter.peak == bound
    assert not counter.starved


def test_the_counter_sees_real_concurrency(fake_baseten: fb.FakeBaseten) -> None:
    """The instrument itself: six requests in flight are counted as six, not fewer."""
    counter = InFlightCounter(bound=6, total=6)
    fake_baseten.enqueue(*(counter.reply() for _ in range(6)))
    emb = embeddings_model(fake_baseten, batch_size=1, max_concurrency=6)
    emb.embed_documents([f"y{i}" for i in range(6)])
    assert counter.peak == 6
    assert not counter.starved


# ---------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("status", "body", "exc_type", "fragment"),
    [
        (404, None, openai.NotFoundError, "Model not found"),
        (401, {"error": "Invalid API key"}, openai.AuthenticationError, "Invalid API key"),
        (413, {"error": "payload too large"}, openai.APIStatusError, "payload too large"),
        (
            422,
            {"detail": [{"loc": ["body", "input"], "msg": "too many inputs"}]},
            openai.UnprocessableEntityError,
            "too many inputs",
        ),
        (500, {"error": "CUDA out of memory"}, openai.InternalServerError, "CUDA out of memory"),
    ],
)
def test_errors_show_baseten_message_and_request_id(
    fake_baseten: fb.FakeBaseten,
    status: int,
    body: Any,
    exc_type: type[Exception],
    fragment: str,
) -> None:
    # A 400/422 to a base64 request is tried once more asking for numbers (a server
    # that does not know encoding_format); here the second answer is the same error.
    refusals = 2 if status in {400, 422} else 1
    reply = fb.error(status, body, headers={"x-baseten-request-id": "req-emb-9"})
    fake_baseten.enqueue(*[reply] * refusals)
    with pytest.raises(exc_type) as info:
        embeddings_model(fake_baseten).embed_documents(["a"])
    assert len(fake_baseten.requests) == refusals
    text = str(info.value)
    assert fragment in text
    assert f"HTTP {status}" in text
    assert "req-emb-9" in text
    assert getattr(info.value, "baseten_request_id", None) == "req-emb-9"
    assert KEY not in text


async def test_async_errors_are_enriched(fake_baseten: fb.FakeBaseten) -> None:
    fake_baseten.enqueue(fb.error(503, {"error": "model is loading"}))
    with pytest.raises(openai.InternalServerError, match="model is loading"):
        await embeddings_model(fake_baseten).aembed_query("a")


def test_retries_on_503_then_succeeds(fake_baseten: fb.FakeBaseten) -> None:
    fake_baseten.enqueue(fb.error(503, headers={"retry-after": "0"}))
    emb = embeddings_model(fake_baseten, max_retries=1)
    assert emb.embed_query("again") == vec("again")
    assert len(fake_baseten.requests) == 2


def test_a_failed_batch_stops_the_rest(fake_baseten: fb.FakeBaseten) -> None:
    fake_baseten.enqueue(fb.embeddings(), fb.error(500, {"error": "boom"}))
    emb = embeddings_model(fake_baseten, batch_size=2, max_concurrency=1)
    with pytest.raises(openai.InternalServerError, match="boom"):
        emb.embed_documents([f"z{i}" for i in range(10)])
    assert len(fake_baseten.requests) == 2


def test_a_failed_concurrent_batch_cancels_unsent_ones(fake_baseten: fb.FakeBaseten) -> None:
    fake_baseten.enqueue(fb.error(500, {"error": "boom"}), fb.error(500, {"error": "boom"}))
    emb = embeddings_model(fake_baseten, batch_size=1, max_concurrency=2)
    with pytest.raises(openai.InternalServerError, match="boom"):
        emb.embed_documents([f"z{i}" for i in range(40)])
    # The two in flight fail; at most a few more started before the cancellation.
    assert len(fake_baseten.requests) < 40


async def test_a_failed_async_batch_cancels_the_rest(fake_baseten: fb.FakeBaseten) -> None:
    fake_baseten.enqueue(fb.error(500, {"error": "boom"}), fb.error(500, {"error": "boom"}))
    emb = embeddings_model(fake_baseten, batch_size=1, max_concurrency=2)
    with pytest.raises(openai.InternalServerError, match="boom"):
        await emb.aembed_documents([f"z{i}" for i in range(40)])
    assert len(fake_baseten.requests) < 40
    await asyncio.sleep(0)
    assert not [t for t in asyncio.all_tasks() if t is not asyncio.current_task() and not t.done()]


def raw_json(payload: Any) -> fb.Reply:
    return fb.raw(200, json.dumps(payload).encode(), headers={"x-baseten-request-id": "req-bad"})


@pytest.mark.slow
@pytest.mark.parametrize(
    ("payload", "fragment"),
    [
        ({"data": [{"index": 0, "embedding": [1.0]}]}, "holds 1 embeddings for 2 inputs"),
        (
            {"data": [{"index": 0, "embedding": [1.0]}] * 3},
            "holds 3 embeddings for 2 inputs",
        ),
        (
            {"data": [{"index": 0, "embedding": [1.0]}, {"index": 0, "embedding": [2.0]}]},
            "indexes [0, 0]",
        ),
        (
            {"data": [{"index": 1, "embedding": [1.0]}, {"index": 2, "embedding": [2.0]}]},
            "indexes [1, 2]",
        ),
        ({"error": None}, "no 'data' list"),
        ({"data": "nope"}, "no 'data' list"),
        (
            {"data": [{"index": 0, "embedding": []}, {"index": 1, "embedding": [2.0]}]},
            "no usable vector for input 0",
        ),
        (
            {"data": [{"index": 0, "embedding": [1.0]}, {"index": 1, "embedding": "%%%"}]},
            "embedding for input 1 that is neither numbers nor valid base64",
        ),
        (
            {"data": [{"index": 0, "embedding": [1.0]}, {"index": 1, "embedding": ["x"]}]},
            "embedding for input 1 that is not a list of numbers",
        ),
        (
            {"data": [{"index": 0, "embedding": [1.0]}, {"index": 1, "embedding": "AAAA"}]},
            "base64 embedding of 3 bytes for input 1",
        ),
        (
            {"data": [{"index": 0, "embedding": [1.0]}, {"index": 1, "embedding": None}]},
            "no usable vector for input 1",
        ),
    ],
)
def test_malformed_responses_are_clear_errors(
    fake_baseten: fb.FakeBaseten, payload: Any, fragment: str
) -> None:
    fake_baseten.enqueue(raw_json(payload))
    with pytest.raises(BasetenResponseError) as info:
        embeddings_model(fake_baseten).embed_documents(["a", "b"])
    assert fragment in str(info.value)
    assert "req-bad" in str(info.value)
    assert isinstance(info.value, openai.APIError)


def test_non_json_response_is_a_clear_error(fake_baseten: fb.FakeBaseten) -> None:
    fake_baseten.enqueue(fb.raw(200, b"<html>gateway</html>", content_type="text/html"))
    with pytest.raises(BasetenResponseError, match="not JSON"):
        embeddings_model(fake_baseten).embed_query("a")


def test_key_never_logged(fake_baseten: fb.FakeBaseten, caplog: pytest.LogCaptureFixture) -> None:
    emb = embeddings_model(fake_baseten)
    with (
        caplog.at_level(logging.DEBUG, logger="openai"),
        caplog.at_level(logging.DEBUG, logger="httpx2"),
    ):
        emb.embed_query("hi")
        fake_baseten.enqueue(fb.error(401))
        with pytest.raises(openai.AuthenticationError):
            emb.embed_query("hi")
    assert caplog.records
    assert KEY not in caplog.text


# ---------------------------------------------------------------- shared clients


@pytest.mark.each_client_kind("pools")  # the package's shared pools only
def test_equal_instances_share_one_client(fake_baseten: fb.FakeBaseten) -> None:
    first, second = embeddings_model(fake_baseten), embeddings_model(fake_baseten)
    assert first._connection()[1].sync_client is second._connection()[1].sync_client


@pytest.mark.each_client_kind("pools")  # the package's shared pools only
def test_chat_and_embeddings_on_one_endpoint_share_a_pool(fake_baseten: fb.FakeBaseten) -> None:
    emb = embeddings_model(fake_baseten)
    chat = ChatBaseten(
        model="baseten/abcd1234",
        base_url=fake_baseten.url(DEDICATED_PATH),
        api_key=KEY,
        max_retries=0,
    )
    # Their clients differ only in what they retry (embeddings are idempotent and cheap).
    emb_settings, chat_settings = emb._connection()[1].settings, chat._connection()[1].settings
    assert emb_settings.retry_lost_answers
    assert not chat_settings.retry_lost_answers
    assert dataclasses.replace(emb_settings, retry_lost_answers=False) == chat_settings
    assert emb._connection()[1].sync_client._client is chat._connection()[1].sync_client._client


# ---------------------------------------------------------------- OpenAIEmbeddings and 0.2.x habits


def test_openai_embeddings_settings_are_accepted(fake_baseten: fb.FakeBaseten) -> None:
    # chunk_size is OpenAIEmbeddings' name for the inputs per request.
    emb = embeddings_model(fake_baseten, chunk_size=2, check_embedding_ctx_length=False)
    assert emb.batch_size == 2
    texts = ["a", "b", "c", "d", "e"]
    assert emb.embed_documents(texts) == [vec(t) for t in texts]
    assert sorted(inputs_of(fake_baseten)) == [["a", "b"], ["c", "d"], ["e"]]
    for request in fake_baseten.requests:
        assert "chunk_size" not in request.json()
        assert "check_embedding_ctx_length" not in request.json()


def test_tiktoken_splitting_is_refused_with_the_alternative() -> None:
    with pytest.raises(ValueError, match=r"tiktoken.*sends each text whole.*text splitter"):
        BasetenEmbeddings(model="baseten/abcd1234", api_key=KEY, check_embedding_ctx_length=True)


def test_a_deployment_url_as_base_url_works_without_a_model(fake_baseten: fb.FakeBaseten) -> None:
    # What model_url= does, for code that passes the deployment's URL as base_url.
    url = "https://model-abcd1234.api.baseten.co/environments/production/sync/v1"
    with redirect_baseten_to(fake_baseten.base_url):
        emb = BasetenEmbeddings(base_url=url, api_key=KEY, backend="python")
        assert emb.embed_query("hi") == vec("hi")
    request = fake_baseten.requests[0]
    assert request.path == f"{DEDICATED_PATH}/embeddings"
    assert request.json()["model"] == "abcd1234"
