"""BasetenEmbeddings' request path through the local server: base64 and its fallback,
batches by count and characters, retries per batch, errors naming positions, checks
of the vectors (NaN, infinity, lengths), cancellation and the progress bar."""

from __future__ import annotations

import asyncio
import json
import math
import signal
import struct
import threading
import time
from typing import Any

import openai
import pytest
from langchain_core.exceptions import ContextOverflowError

from langchain_baseten import BasetenEmbeddings, BasetenResponseError, _batches
from langchain_baseten import _embed as embed_path
from langchain_baseten import embeddings as embeddings_module
from langchain_baseten import testing as fb
from tests.local_models import KEY, embeddings_model

HOLD_SECONDS = 10  # bound on how long the server holds a request in the cancellation tests


@pytest.fixture(autouse=True)
def _fresh_state(no_baseten_env: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(embeddings_module, "_FLOAT_ONLY_ENDPOINTS", set())


def vec(text: str) -> list[float]:
    return fb.float32(fb.fake_vector(text))


def bodies(fake: fb.FakeBaseten) -> list[dict[str, Any]]:
    return [request.json() for request in fake.requests]


def when(condition: Any, reply: fb.Reply, otherwise: fb.Reply | None = None) -> fb.Reply:
    """A reply chosen per request: ``reply`` when ``condition(inputs)``, else normal vectors."""
    fallback = otherwise or fb.embeddings()

    def render(exchange: Any) -> None:
        (reply if condition(exchange.body["input"]) else fallback).render(exchange)

    return fb.Reply(render, "conditional")


TEXTS = [f"text {i}" for i in range(10)]


# ---------------------------------------------------------------- base64 and its fallback


@pytest.mark.parametrize("status", [400, 422])
def test_a_server_refusing_base64_gets_floats_and_is_remembered(
    fake_baseten: fb.FakeBaseten, status: int
) -> None:
    refusing = fb.embeddings(encoding="refuse_base64", refusal_status=status)
    fake_baseten.enqueue(*[refusing] * 8)
    emb = embeddings_model(fake_baseten, batch_size=5, max_concurrency=1)
    assert emb.embed_documents(TEXTS) == [fb.fake_vector(t) for t in TEXTS]  # exact numbers
    formats = [body.get("encoding_format") for body in bodies(fake_baseten)]
    # One refusal, the same batch again as floats, then floats for every later batch.
    assert formats == ["base64", None, None]
    assert [body["input"] for body in bodies(fake_baseten)] == [TEXTS[:5], TEXTS[:5], TEXTS[5:]]
    # Remembered for the endpoint: another instance on it asks for floats directly.
    assert embeddings_model(fake_baseten).embed_query("later") == fb.fake_vector("later")
    assert "encoding_format" not in bodies(fake_baseten)[-1]


#: Async calls through the package's shared async client, or the caller's own
#: ``http_async_client`` of httpx2 or classic httpx (the client_kind fixture, conftest.py).
ASYNC_PATHS = pytest.mark.each_client_kind


@ASYNC_PATHS
async def test_async_fallback_to_floats(fake_baseten: fb.FakeBaseten) -> None:
    fake_baseten.enqueue(*[fb.embeddings(encoding="refuse_base64")] * 4)
    emb = embeddings_model(fake_baseten, batch_size=5)
    assert await emb.aembed_documents(TEXTS) == [fb.fake_vector(t) for t in TEXTS]
    formats = sorted(str(body.get("encoding_format")) for body in bodies(fake_baseten))
    assert formats.count("None") >= 2
    assert set(formats) <= {"None", "base64"}


def test_the_fallback_is_per_endpoint(fake_baseten: fb.FakeBaseten) -> None:
    fake_baseten.enqueue(fb.embeddings(encoding="refuse_base64"), fb.embeddings())
    embeddings_model(fake_baseten).embed_query("a")
    other = embeddings_model(fake_baseten, base_url=fake_baseten.url("/other/v1"))
    other.embed_query("b")
    assert bodies(fake_baseten)[-1]["encoding_format"] == "base64"
    other_model = embeddings_model(fake_baseten, served_model_name="another-model")
    other_model.embed_query("c")
    assert bodies(fake_baseten)[-1]["encoding_format"] == "base64"


def test_a_server_ignoring_encoding_format_answers_numbers(fake_baseten: fb.FakeBaseten) -> None:
    fake_baseten.enqueue(*[fb.embeddings(encoding="ignore")] * 2)
    emb = embeddings_model(fake_baseten, batch_size=5, max_concurrency=1)
    assert emb.embed_documents(TEXTS) == [fb.fake_vector(t) for t in TEXTS]
    # Numbers were accepted as they are; base64 is still asked for (nothing refused it).
    assert [body["encoding_format"] for body in bodies(fake_baseten)] == ["base64", "base64"]


def test_a_refusal_that_is_not_about_the_format_is_raised_and_not_remembered(
    fake_baseten: fb.FakeBaseten,
) -> None:
    invalid = fb.error(422, {"error": "user must be a string"})
    fake_baseten.enqueue(invalid, invalid)
    with pytest.raises(openai.UnprocessableEntityError, match="user must be a string"):
        embeddings_model(fake_baseten).embed_query("a")
    assert [b.get("encoding_format") for b in bodies(fake_baseten)] == ["base64", None]
    embeddings_model(fake_baseten).embed_query("b")
    assert bodies(fake_baseten)[-1]["encoding_format"] == "base64"


@pytest.mark.parametrize("status", [400, 413, 422])
def test_input_too_long_is_not_retried_as_floats(fake_baseten: fb.FakeBaseten, status: int) -> None:
    # TEI's message for a too-long input (huggingface/text-embeddings-inference#82).
    said = {"error": "Input validation error: `inputs` must have less than 512 tokens. Given: 600"}
    fake_baseten.enqueue(fb.error(status, said))
    with pytest.raises(ContextOverflowError):
        embeddings_model(fake_baseten).embed_query("a long text")
    assert len(fake_baseten.requests) == 1


def test_explicit_float_never_asks_for_base64(fake_baseten: fb.FakeBaseten) -> None:
    emb = embeddings_model(fake_baseten, encoding_format="float", batch_size=3, max_concurrency=2)
    assert emb.embed_documents(TEXTS) == [fb.fake_vector(t) for t in TEXTS]
    assert all("encoding_format" not in body for body in bodies(fake_baseten))


# ---------------------------------------------------------------- batches


def test_plan_batches_by_count_and_characters() -> None:
    texts = ["a" * 3, "b" * 3, "c" * 3, "d" * 9, "e" * 20, "f", "g"]
    batches = _batches.plan_batches(texts, batch_size=3, max_chars=10)
    assert [b.texts for b in batches] == [
        ["aaa", "bbb", "ccc"],  # 3 texts: the count bound
        ["d" * 9],  # 9 + 20 > 10
        ["e" * 20],  # longer than the budget: alone, never split
        ["f", "g"],
    ]
    assert [(b.number, b.start, b.stop) for b in batches] == [
        (0, 0, 3),
        (1, 3, 4),
        (2, 4, 5),
        (3, 5, 7),
    ]
    assert _batches.plan_batches([], 3, 10) == []
    assert batches[0].describe(4) == "batch 1 of 4 (inputs 0 to 2)"
    assert batches[1].describe(4) == "batch 2 of 4 (input 3)"


def test_character_budget_on_the_wire(fake_baseten: fb.FakeBaseten) -> None:
    texts = ["x" * 30, "y" * 30, "z" * 30, "short", "w" * 100]
    emb = embeddings_model(fake_baseten, max_chars_per_request=64, max_concurrency=1)
    assert emb.embed_documents(texts) == [vec(t) for t in texts]
    assert [body["input"] for body in bodies(fake_baseten)] == [
        texts[0:2],
        texts[2:4],
        texts[4:5],
    ]


def test_defaults_match_the_engines() -> None:
    emb = BasetenEmbeddings(model="baseten/abcd1234", api_key=KEY)
    assert emb.batch_size == 32  # TEI's --max-client-batch-size default
    assert emb.max_chars_per_request == 8000  # the Performance Client's default
    assert emb.max_concurrency == embed_path.DEFAULT_MAX_CONCURRENCY
    assert emb.encoding_format == "base64"
    with pytest.raises(ValueError, match="max_concurrency"):
        BasetenEmbeddings(model="baseten/abcd1234", api_key=KEY, max_concurrency=100_000)
    with pytest.raises(ValueError, match="max_chars_per_request"):
        BasetenEmbeddings(model="baseten/abcd1234", api_key=KEY, max_chars_per_request=0)


@pytest.mark.parametrize("concurrency", [1, 7, 64])
def test_many_batches_keep_input_order(fake_baseten: fb.FakeBaseten, concurrency: int) -> None:
    texts = [f"document {i} " + "pad " * (i % 13) for i in range(333)]
    emb = embeddings_model(
        fake_baseten, batch_size=4, max_chars_per_request=60, max_concurrency=concurrency
    )
    assert emb.embed_documents(texts) == [vec(t) for t in texts]
    sent = [body["input"] for body in bodies(fake_baseten)]
    assert sorted(t for batch in sent for t in batch) == sorted(texts)
    assert all(len(batch) <= 4 and (len(batch) == 1 or len("".join(batch)) <= 60) for batch in sent)


@ASYNC_PATHS
async def test_many_batches_keep_input_order_async(fake_baseten: fb.FakeBaseten) -> None:
    texts = [f"document {i}" for i in range(201)]
    emb = embeddings_model(fake_baseten, batch_size=4, max_concurrency=9)
    assert await emb.aembed_documents(texts) == [vec(t) for t in texts]
    assert len(fake_baseten.requests) == 51


# ---------------------------------------------------------------- retries and errors


def test_a_retry_resends_only_the_failed_batch(fake_baseten: fb.FakeBaseten) -> None:
    fake_baseten.enqueue(fb.embeddings(), fb.error(503, headers={"retry-after": "0"}))
    emb = embeddings_model(fake_baseten, batch_size=3, max_concurrency=1, max_retries=2)
    assert emb.embed_documents(TEXTS) == [vec(t) for t in TEXTS]
    sent = [body["input"] for body in bodies(fake_baseten)]
    assert sent == [TEXTS[0:3], TEXTS[3:6], TEXTS[3:6], TEXTS[6:9], TEXTS[9:10]]


@ASYNC_PATHS
async def test_a_retry_resends_only_the_failed_batch_async(fake_baseten: fb.FakeBaseten) -> None:
    failed_once: list[bool] = []
    flaky = fb.error(503, headers={"retry-after": "0"})

    def first_time(inputs: list[str]) -> bool:
        if "text 4" in inputs and not failed_once:
            failed_once.append(True)
            return True
        return False

    fake_baseten.enqueue(*[when(first_time, flaky)] * 5)
    emb = embeddings_model(fake_baseten, batch_size=3, max_concurrency=4, max_retries=1)
    assert await emb.aembed_documents(TEXTS) == [vec(t) for t in TEXTS]
    sent = sorted(tuple(body["input"]) for body in bodies(fake_baseten))
    batches = [tuple(TEXTS[i : i + 3]) for i in range(0, 10, 3)]
    assert sent == sorted([*batches, batches[1]])  # batch 2 twice, every other batch once


def test_a_failed_batch_names_its_positions(fake_baseten: fb.FakeBaseten) -> None:
    boom = fb.error(500, {"error": "boom"})
    fake_baseten.enqueue(*[when(lambda inputs: "text 5" in inputs, boom)] * 4)
    emb = embeddings_model(fake_baseten, batch_size=2, max_concurrency=1)
    with pytest.raises(openai.InternalServerError) as info:
        emb.embed_documents(TEXTS)
    text = str(info.value)
    assert "boom" in text
    assert "batch 3 of 5 (inputs 4 to 5)" in text
    assert info.value.baseten_batch == range(4, 6)  # type: ignore[attr-defined]
    assert info.value.status_code == 500
    assert len(fake_baseten.requests) == 3  # no batch after the failed one


@ASYNC_PATHS
@pytest.mark.parametrize("concurrency", [1, 3, 64])
async def test_a_failed_async_batch_names_its_positions(
    fake_baseten: fb.FakeBaseten, concurrency: int
) -> None:
    bad = fb.raw(200, b'{"data": []}')
    fake_baseten.enqueue(*[when(lambda inputs: "text 9" in inputs, bad)] * 10)
    emb = embeddings_model(fake_baseten, batch_size=2, max_concurrency=concurrency)
    with pytest.raises(BasetenResponseError, match=r"holds 0 embeddings for 2 inputs") as info:
        await emb.aembed_documents(TEXTS)
    assert "batch 5 of 5 (inputs 8 to 9)" in str(info.value)
    assert info.value.baseten_batch == range(8, 10)  # type: ignore[attr-defined]


def test_lone_surrogates_are_rejected_with_positions(fake_baseten: fb.FakeBaseten) -> None:
    with pytest.raises(ValueError, match=r"positions 1, 3: they contain lone surrogates"):
        embeddings_model(fake_baseten).embed_documents(["ok", "bad \udcff", "fine é", "\ud83d"])
    assert fake_baseten.requests == []


# ---------------------------------------------------------------- checks of the vectors


def packed(values: list[float]) -> str:
    import base64

    return base64.b64encode(struct.pack(f"<{len(values)}f", *values)).decode()


async def _maybe_await(result: Any) -> Any:
    return await result if asyncio.iscoroutine(result) else result


@pytest.mark.parametrize(
    ("embedding", "fragment"),
    [
        (
            packed([0.5, math.nan, 0.25]),
            "NaN or infinite values in the embedding for input 1 (at 1)",
        ),
        (packed([math.inf, 1.0, -math.inf]), "for input 1 (at 0, 2)"),
        ([0.5, math.nan, 0.25], "NaN or infinite values in the embedding for input 1 (at 1)"),
        ([0.5, 1.0, math.inf], "for input 1 (at 2)"),
        ([1.0, 2.0], "vectors of different lengths: 3 values expected, 2 for inputs at 1"),
        ([True, False, True], "input 1 with booleans (true/false), not numbers"),
        ([0.5, False, 0.25], "input 1 with booleans (true/false), not numbers"),
        (packed([1.0, 2.0, 3.0, 4.0]), "3 values expected, 4 for inputs at 1"),
    ],
)
@pytest.mark.parametrize("style", ["sync", "async"])
async def test_unusable_vectors_are_response_errors(
    fake_baseten: fb.FakeBaseten, embedding: Any, fragment: str, style: str
) -> None:
    # json.dumps writes NaN/Infinity literals, which Python's JSON parser accepts.
    data = [{"index": 0, "embedding": [0.1, 0.2, 0.3]}, {"index": 1, "embedding": embedding}]
    fake_baseten.enqueue(fb.raw(200, json.dumps({"data": data}).encode()))
    emb = embeddings_model(fake_baseten)
    call = emb.embed_documents if style == "sync" else emb.aembed_documents
    with pytest.raises(BasetenResponseError) as info:
        await _maybe_await(call(["a", "b"]))
    assert fragment in str(info.value)
    assert isinstance(info.value, openai.APIError)


def test_huge_finite_values_are_not_taken_for_infinity(fake_baseten: fb.FakeBaseten) -> None:
    big = [3.0e38, 3.0e38, -1.0]  # the float32 top byte is 0x7F, yet finite
    fake_baseten.enqueue(
        fb.embeddings([big]),
        fb.raw(200, json.dumps({"data": [{"embedding": [1e308, 1e308]}]}).encode()),
    )
    assert embeddings_model(fake_baseten).embed_query("a") == fb.float32(big)
    assert embeddings_model(fake_baseten).embed_query("b") == [
        1e308,
        1e308,
    ]  # the sum overflows; values do not


def test_dimensions_mismatch_is_an_error(fake_baseten: fb.FakeBaseten) -> None:
    fake_baseten.enqueue(fb.embeddings([[0.1] * 8]))
    with pytest.raises(BasetenResponseError, match="16 values expected, 8 for inputs at 0"):
        embeddings_model(fake_baseten, dimensions=16).embed_query("a")


def test_lengths_differing_between_batches_are_an_error(fake_baseten: fb.FakeBaseten) -> None:
    fake_baseten.enqueue(fb.embeddings([[0.1] * 4] * 2), fb.embeddings([[0.2] * 5] * 2))
    with pytest.raises(BasetenResponseError, match=r"4 values for input 0 but 5 for input 2"):
        embeddings_model(fake_baseten, batch_size=2, max_concurrency=1).embed_documents(
            ["a", "b", "c", "d"]
        )


# ---------------------------------------------------------------- cancellation


def test_ctrl_c_does_not_wait_for_batches_in_flight(fake_baseten: fb.FakeBaseten) -> None:
    holding = fb.Holding(HOLD_SECONDS)
    fake_baseten.enqueue(*[holding.reply(fb.embeddings()) for _ in range(40)])
    emb = embeddings_model(fake_baseten, batch_size=1, max_concurrency=4)
    main = threading.get_ident()
    interrupted_while_held: list[bool] = []

    def press_ctrl_c() -> None:
        if holding.wait_for(4):
            signal.pthread_kill(main, signal.SIGINT)

    presser = threading.Thread(target=press_ctrl_c, daemon=True)
    presser.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            emb.embed_documents([f"t{i}" for i in range(40)])
        # Raised while the four requests are still held by the server: nothing waited for them.
        interrupted_while_held.append(not holding.release.is_set())
    finally:
        holding.release.set()
        presser.join(HOLD_SECONDS)
    assert interrupted_while_held == [True]
    assert holding.held == 4  # no batch was started after the interrupt


def test_ctrl_c_starts_no_batch_on_the_loop_thread_before_it_sees_the_cancellation() -> None:
    # The loop-thread runner (the Rust backend's sync path) hears of Ctrl-C through a
    # cancellation scheduled on its loop; a worker that does not yield in between must
    # still start no further batch.
    started: list[int] = []
    first = threading.Event()
    interrupted = threading.Event()

    async def embed(batch: _batches.Batch) -> list[list[float]]:
        started.append(batch.number)
        first.set()
        interrupted.wait(5)  # blocks the loop: the cancellation cannot run yet
        time.sleep(0.05)  # noqa: ASYNC251 - blocks the loop on purpose, as a busy one would
        return [[0.0]]

    batches = [_batches.Batch(number, number, [f"t{number}"]) for number in range(5)]
    main = threading.get_ident()

    def press_ctrl_c() -> None:
        if first.wait(5):
            signal.pthread_kill(main, signal.SIGINT)

    presser = threading.Thread(target=press_ctrl_c, daemon=True)
    presser.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            _batches.BatchRunner(1, "embed").run_async_in_thread(batches, embed)
    finally:
        interrupted.set()
        presser.join(5)
    deadline = time.monotonic() + 5  # the loop thread ends with its worker
    while time.monotonic() < deadline and any(
        thread.name == "baseten-embed-loop" for thread in threading.enumerate()
    ):
        time.sleep(0.01)
    assert started == [0]


@ASYNC_PATHS
@pytest.mark.parametrize("concurrency", [1, 4])
async def test_cancelling_aembed_documents_abandons_batches_in_flight(
    fake_baseten: fb.FakeBaseten, concurrency: int
) -> None:
    holding = fb.Holding(HOLD_SECONDS)
    fake_baseten.enqueue(*[holding.reply(fb.embeddings()) for _ in range(40)])
    emb = embeddings_model(fake_baseten, batch_size=1, max_concurrency=concurrency)
    task = asyncio.ensure_future(emb.aembed_documents([f"t{i}" for i in range(40)]))
    try:
        assert await asyncio.to_thread(holding.wait_for, concurrency)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert not holding.release.is_set()
        await asyncio.sleep(0)
        others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        assert all(t.done() for t in others)
    finally:
        holding.release.set()
    await asyncio.sleep(0.05)  # a worker that wrongly went on would reach the server now
    assert holding.held == concurrency


# ---------------------------------------------------------------- progress bar


def test_progress_bar_counts_inputs(
    fake_baseten: fb.FakeBaseten, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("tqdm", reason="tqdm is in the test dependency group")
    emb = embeddings_model(fake_baseten, batch_size=3, show_progress_bar=True)
    assert emb.embed_documents(TEXTS) == [vec(t) for t in TEXTS]
    err = capsys.readouterr().err
    assert "Embedding" in err
    assert "10/10" in err


async def test_progress_bar_async(
    fake_baseten: fb.FakeBaseten, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("tqdm", reason="tqdm is in the test dependency group")
    emb = embeddings_model(fake_baseten, batch_size=4, show_progress_bar=True)
    assert await emb.aembed_documents(TEXTS) == [vec(t) for t in TEXTS]
    assert "10/10" in capsys.readouterr().err


def test_progress_bar_without_tqdm_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(__import__("sys").modules, "tqdm", None)
    with pytest.raises(ValueError, match="pip install tqdm"):
        BasetenEmbeddings(model="baseten/abcd1234", api_key=KEY, show_progress_bar=True)
