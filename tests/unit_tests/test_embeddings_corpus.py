"""A corpus through BasetenEmbeddings with bounded memory: ``embed_stream``/``aembed_stream``,
``add_in_windows`` into a vector store, LangChain's ``index()`` with a record manager,
resuming after a failure without sending a finished batch again, and pickling (Ray)."""

from __future__ import annotations

import pickle
import subprocess
import sys
import threading
from typing import TYPE_CHECKING, Any

import openai
import pytest
from langchain_core.documents import Document
from langchain_core.indexing import InMemoryRecordManager, index
from langchain_core.vectorstores import InMemoryVectorStore

from langchain_baseten import (
    BasetenEmbeddings,
    EmbeddedBatch,
    _corpus,
    aadd_in_windows,
    add_in_windows,
)
from langchain_baseten import testing as fb
from tests.local_models import KEY, embeddings_model
from tests.polling import wait_for

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator

    from langchain_baseten._batches import Batch


@pytest.fixture(autouse=True)
def _clean_env(no_baseten_env: None) -> None:
    """No key or base URL from the environment."""


def vec(text: str) -> list[float]:
    return fb.float32(fb.fake_vector(text))


TEXTS = [f"passage {i}" for i in range(50)]


class Counted:
    """A one-pass iterator over texts that counts how many were read."""

    def __init__(self, texts: list[str]) -> None:
        self.texts = texts
        self.read = 0

    def __iter__(self) -> Iterator[str]:
        for text in self.texts:
            self.read += 1
            yield text


def sent_inputs(fake: fb.FakeBaseten) -> list[str]:
    # A request of a failed run abandoned before its body was sent arrives without one.
    bodies = [request.json_or_none() for request in fake.requests]
    return [text for body in bodies if body is not None for text in body["input"]]


def resent_from(fake: fb.FakeBaseten, resume: int) -> None:
    """Every input from ``resume`` on was sent again, and none before it.

    (Requests of the failed run that were in flight when it failed may still
    arrive after ``fake.reset()``: they hold inputs after ``resume`` only.)
    """
    sent = set(sent_inputs(fake))
    assert sent.isdisjoint(TEXTS[:resume])
    assert sent >= set(TEXTS[resume:])


def failing_for(text: str, count: int = 40) -> list[fb.Reply]:
    """Replies for ``count`` requests: HTTP 500 for the request holding ``text``, else vectors."""

    def render(exchange: Any) -> None:
        if text in exchange.body["input"]:
            fb.error(500, {"error": "replica lost"}).render(exchange)
        else:
            fb.embeddings().render(exchange)

    return [fb.Reply(render, "fails for one text")] * count


# ---------------------------------------------------------------- embed_stream


def test_embed_stream_keeps_order_and_reads_lazily(fake_baseten: fb.FakeBaseten) -> None:
    emb = embeddings_model(fake_baseten, batch_size=3, max_concurrency=8)
    source = Counted(TEXTS)
    stream = emb.embed_stream(source)
    assert source.read == 0  # nothing is read (or sent) before iterating
    batches = list(stream)
    assert all(isinstance(b, EmbeddedBatch) for b in batches)
    assert [v for b in batches for v in b.vectors] == [vec(t) for t in TEXTS]
    assert [b.start for b in batches] == list(range(0, 50, 3))
    assert batches[-1].stop == len(TEXTS)
    assert batches[1].pairs() == [(t, vec(t)) for t in TEXTS[3:6]]
    assert len(fake_baseten.requests) == len(batches)


def test_embed_stream_bounds_batches_pending(fake_baseten: fb.FakeBaseten) -> None:
    """Never more than ``max_pending`` batches started and not yet delivered, nor texts read."""
    emb = embeddings_model(fake_baseten, batch_size=2, max_concurrency=64)
    source = Counted(TEXTS)
    delivered = 0
    most_ahead = 0
    for batch in emb.embed_stream(source, max_pending=3):
        delivered += 1
        # Requests the server received beyond what the consumer holds: bounded by 3.
        wanted = min(delivered + 2, 25)
        assert wait_for(lambda: len(fake_baseten.requests) >= wanted)  # noqa: B023 - now
        ahead = len(fake_baseten.requests) - delivered
        assert ahead <= 2  # the 3rd pending one is read only once this one was taken
        most_ahead = max(most_ahead, ahead)
        assert source.read <= (delivered + 3) * 2 + 1
        assert batch.stop == delivered * 2
    assert delivered == 25
    assert most_ahead == 2  # the pipeline does run ahead, up to its bound


def test_stream_batches_never_exceeds_its_bound() -> None:
    """The runner itself, instrumented: batches started minus delivered never exceed the bound."""
    started = 0
    lock = threading.Lock()
    release = threading.Event()

    def send(batch: Batch) -> list[list[float]]:
        nonlocal started
        with lock:
            started += 1
        release.wait(5)
        return [[float(batch.start)]] * len(batch.texts)

    batches = _corpus.batches_from(iter(TEXTS), 5, 10_000, 0)
    stream = _corpus.stream_batches(batches, send, max_pending=4)
    delivered = 0
    release.set()
    for batch in stream:
        delivered += 1
        assert started - delivered <= 4 - 1
        assert batch.vectors == [[float(batch.start)]] * 5
    assert (started, delivered) == (10, 10)


def test_embed_stream_resumes_without_resending_delivered_batches(
    fake_baseten: fb.FakeBaseten,
) -> None:
    fake_baseten.enqueue(*failing_for("passage 21"))
    emb = embeddings_model(fake_baseten, batch_size=4, max_concurrency=4)
    got: list[list[float]] = []

    def consume() -> None:
        for batch in emb.embed_stream(iter(TEXTS)):
            got.extend(batch.vectors)

    with pytest.raises(openai.InternalServerError) as caught:
        consume()
    exc = caught.value
    assert exc.baseten_resume_from == 20  # type: ignore[attr-defined]
    assert exc.baseten_batch == range(20, 24)  # type: ignore[attr-defined]
    assert "Resume with start=20" in str(exc)
    assert KEY not in str(exc)
    assert got == [vec(t) for t in TEXTS[:20]]

    fake_baseten.reset()
    for batch in emb.embed_stream(iter(TEXTS), start=exc.baseten_resume_from):  # type: ignore[attr-defined]
        got.extend(batch.vectors)
    assert got == [vec(t) for t in TEXTS]
    # The second run sent nothing before position 20: no delivered batch was redone.
    resent_from(fake_baseten, 20)


def test_embed_stream_rejects_bad_input_by_position(fake_baseten: fb.FakeBaseten) -> None:
    emb = embeddings_model(fake_baseten, batch_size=4)
    with pytest.raises(TypeError, match="not one string"):
        emb.embed_stream("one text")
    with pytest.raises(ValueError, match="start must be 0 or more"):
        emb.embed_stream(TEXTS, start=-1)
    with pytest.raises(ValueError, match="max_pending must be 1 or more"):
        emb.embed_stream(TEXTS, max_pending=0)
    with pytest.raises(ValueError, match="empty string \\(at position 13\\)"):
        list(emb.embed_stream([*TEXTS[:13], "", "after"]))
    with pytest.raises(TypeError, match="position 3 is int"):
        list(emb.embed_stream([*TEXTS[:3], 7]))  # type: ignore[list-item]


def test_embed_stream_progress_bar(
    fake_baseten: fb.FakeBaseten, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("tqdm", reason="tqdm is in the test dependency group")
    emb = embeddings_model(fake_baseten, batch_size=8, show_progress_bar=True)
    assert sum(len(b.texts) for b in emb.embed_stream(TEXTS[10:], start=0, total=40)) == 40
    assert "40/40" in capsys.readouterr().err


def test_closing_the_stream_early_stops_sending(fake_baseten: fb.FakeBaseten) -> None:
    emb = embeddings_model(fake_baseten, batch_size=2, max_concurrency=64)
    stream = emb.embed_stream(Counted(TEXTS), max_pending=2)
    first = next(stream)
    stream.close()  # type: ignore[attr-defined]
    assert first.texts == TEXTS[:2]
    assert len(fake_baseten.requests) <= 3


async def test_aembed_stream_order_resume_and_async_input(fake_baseten: fb.FakeBaseten) -> None:
    fake_baseten.enqueue(*failing_for("passage 33"))
    emb = embeddings_model(fake_baseten, batch_size=5, max_concurrency=3)

    async def texts() -> AsyncIterator[str]:
        for text in TEXTS:
            yield text

    got: list[list[float]] = []

    async def consume() -> None:
        async for batch in emb.aembed_stream(texts()):
            got.extend(batch.vectors)

    with pytest.raises(openai.InternalServerError) as caught:
        await consume()
    resume = caught.value.baseten_resume_from  # type: ignore[attr-defined]
    assert resume == 30
    assert got == [vec(t) for t in TEXTS[:30]]
    fake_baseten.reset()
    async for batch in emb.aembed_stream(texts(), start=resume, max_pending=2):
        got.extend(batch.vectors)
    assert got == [vec(t) for t in TEXTS]
    resent_from(fake_baseten, 30)


async def test_astream_batches_never_exceeds_its_bound() -> None:
    started = 0

    async def send(batch: Batch) -> list[list[float]]:
        nonlocal started
        started += 1
        return [[1.0]] * len(batch.texts)

    batches = _corpus.abatches_from(TEXTS, 5, 10_000, 0)
    delivered = 0
    async for _ in _corpus.astream_batches(batches, send, max_pending=3):
        delivered += 1
        assert started - delivered <= 2
    assert delivered == 10


# ---------------------------------------------------------------- vector stores


class WindowSpy(InMemoryVectorStore):
    """An InMemoryVectorStore that records how many items its source had read at each add."""

    source: Counted | None = None
    windows: list[tuple[int, int]]

    def add_documents(
        self, documents: list[Document], ids: list[str] | None = None, **kwargs: Any
    ) -> list[str]:
        assert self.source is not None
        self.windows.append((len(documents), self.source.read))
        return super().add_documents(documents, ids=ids, **kwargs)


def test_add_in_windows_feeds_a_vector_store_and_resumes(fake_baseten: fb.FakeBaseten) -> None:
    fake_baseten.enqueue(*failing_for("passage 27"))
    emb = embeddings_model(fake_baseten, batch_size=4, max_concurrency=4)
    store = WindowSpy(embedding=emb)
    store.windows = []
    docs = [Document(t, id=f"doc-{i}", metadata={"n": i}) for i, t in enumerate(TEXTS)]
    texts = Counted(TEXTS)
    store.source = texts
    with pytest.raises(openai.InternalServerError) as caught:
        add_in_windows(
            store, (Document(t, id=f"doc-{i}") for i, t in enumerate(texts)), window_size=10
        )
    resume = caught.value.baseten_resume_from  # type: ignore[attr-defined]
    assert resume == 20
    assert "window of inputs 20 to 29" in str(caught.value)
    # One window read at a time: each add saw exactly the items of the windows so far.
    assert store.windows == [(10, 10), (10, 20), (10, 30)]
    assert sorted(store.store) == sorted(f"doc-{i}" for i in range(20))

    fake_baseten.reset()
    assert add_in_windows(store, docs, window_size=10, start=resume) == 50
    resent_from(fake_baseten, 20)
    assert len(store.store) == 50
    found = store.similarity_search("passage 42", k=1)
    assert found[0].page_content == "passage 42"
    assert found[0].metadata == {"n": 42}


def test_add_in_windows_takes_texts_and_refuses_mixes(fake_baseten: fb.FakeBaseten) -> None:
    store = InMemoryVectorStore(embedding=embeddings_model(fake_baseten, batch_size=8))
    assert add_in_windows(store, iter(TEXTS), window_size=16) == 50
    assert sorted(d["text"] for d in store.store.values()) == sorted(TEXTS)
    mixed: list[Any] = ["a", Document("b")]
    with pytest.raises(TypeError, match="position 1 is Document"):
        add_in_windows(store, mixed, window_size=5)
    with pytest.raises(TypeError, match="not a single one"):
        add_in_windows(store, "one text")


async def test_aadd_in_windows_resumes(fake_baseten: fb.FakeBaseten) -> None:
    fake_baseten.enqueue(*failing_for("passage 5"))
    store = InMemoryVectorStore(embedding=embeddings_model(fake_baseten, batch_size=4))

    async def texts() -> AsyncIterator[str]:
        for text in TEXTS:
            yield text

    with pytest.raises(openai.InternalServerError) as caught:
        await aadd_in_windows(store, texts(), window_size=8)
    resume = caught.value.baseten_resume_from  # type: ignore[attr-defined]
    assert resume == 0
    fake_baseten.reset()
    assert await aadd_in_windows(store, texts(), window_size=8, start=resume) == 50
    assert sorted(d["text"] for d in store.store.values()) == sorted(TEXTS)


INDEX_ARGS: dict[str, Any] = {
    "batch_size": 10,
    "cleanup": "incremental",
    "source_id_key": "source",
    "key_encoder": "sha256",
}


def test_index_with_a_record_manager_resumes_without_reembedding(
    fake_baseten: fb.FakeBaseten,
) -> None:
    """LangChain's own indexing API: windows of ``batch_size``, finished ones skipped on rerun."""
    fake_baseten.enqueue(*failing_for("passage 25"))
    emb = embeddings_model(fake_baseten, batch_size=4, max_concurrency=4)
    store = InMemoryVectorStore(embedding=emb)
    records = InMemoryRecordManager(namespace="corpus")
    records.create_schema()

    def docs() -> Iterator[Document]:
        for i, text in enumerate(TEXTS):
            yield Document(text, metadata={"source": f"file-{i // 10}"})

    with pytest.raises(openai.InternalServerError):
        index(docs(), records, store, **INDEX_ARGS)
    assert len(store.store) == 20

    fake_baseten.reset()
    result = index(docs(), records, store, **INDEX_ARGS)
    assert result["num_skipped"] == 20
    assert result["num_added"] == 30
    resent_from(fake_baseten, 20)  # the finished windows were not embedded again
    assert len(store.store) == 50


# ---------------------------------------------------------------- pickling (Ray workers)


_WORKER = """
import pickle, sys
emb = pickle.loads(sys.stdin.buffer.read())
vectors = emb.embed_documents(["worker one", "worker two", "worker three"])
sys.stdout.write(repr(vectors[2][:4]) + "\\n" + emb.endpoint.base_url)
"""


@pytest.mark.slow
def test_a_pickled_model_behaves_the_same_in_another_process(
    fake_baseten: fb.FakeBaseten,
) -> None:
    """What Ray does with a model captured by ``map_batches``: pickle it to a worker process."""
    emb = embeddings_model(fake_baseten, batch_size=2, dimensions=None, max_retries=1)
    emb.embed_query("warm the pools first")  # live pools and clients are not pickled
    copy = pickle.loads(pickle.dumps(emb))  # noqa: S301 - our own bytes
    assert copy.model_dump() == emb.model_dump()
    assert copy.endpoint == emb.endpoint
    assert copy.embed_query("in the driver") == vec("in the driver")

    fake_baseten.reset()
    done = subprocess.run(  # noqa: S603 - this interpreter, our own code
        [sys.executable, "-c", _WORKER],
        input=pickle.dumps(emb),
        capture_output=True,
        timeout=60,
        check=True,
    )
    vector_head, base_url = done.stdout.decode().splitlines()
    assert vector_head == repr(vec("worker three")[:4])
    assert base_url == emb.endpoint.base_url
    # Same key, same route, same batching: two requests of at most two inputs.
    assert sorted(r.json()["input"] for r in fake_baseten.requests) == [
        ["worker one", "worker two"],
        ["worker three"],
    ]
    assert {r.headers["authorization"] for r in fake_baseten.requests} == {f"Bearer {KEY}"}
    assert {r.path for r in fake_baseten.requests} == {
        "/environments/production/sync/v1/embeddings"
    }


def test_a_pickled_model_has_no_live_clients() -> None:
    emb = BasetenEmbeddings(model="baseten/abcd1234", api_key=KEY)
    emb.endpoint  # noqa: B018 - derives and caches the transport
    data = pickle.dumps(emb)
    assert b"httpx" not in data
    assert b"Lock" not in data
