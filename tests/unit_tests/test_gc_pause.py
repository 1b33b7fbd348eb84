"""The collector's pause while vectors are built: scoped, shared by threads, the caller's
setting kept (a program that disabled the collector keeps it disabled)."""

from __future__ import annotations

import gc
import os
import threading
from typing import TYPE_CHECKING, Any

import pytest

from langchain_baseten import testing as fb
from langchain_baseten._gc_pause import GC_PAUSE
from tests.local_models import embeddings_model

if TYPE_CHECKING:
    from collections.abc import Iterator


@pytest.fixture(autouse=True)
def _restore_gc() -> Iterator[None]:
    was = gc.isenabled()
    yield
    (gc.enable if was else gc.disable)()


def test_the_pause_disables_and_restores() -> None:
    gc.enable()
    with GC_PAUSE:
        assert not gc.isenabled()
    assert gc.isenabled()


def test_a_caller_who_disabled_the_collector_keeps_it_disabled() -> None:
    gc.disable()
    with GC_PAUSE:
        assert not gc.isenabled()
    assert not gc.isenabled()


def test_the_pause_ends_when_the_last_thread_leaves() -> None:
    gc.enable()
    inside = threading.Event()
    leave = threading.Event()

    def other() -> None:
        with GC_PAUSE:
            inside.set()
            leave.wait(5)

    thread = threading.Thread(target=other)
    thread.start()
    assert inside.wait(5)
    with GC_PAUSE:
        pass
    assert not gc.isenabled()  # the other thread is still building vectors
    leave.set()
    thread.join(5)
    assert gc.isenabled()


def test_an_error_inside_ends_the_pause() -> None:
    gc.enable()
    with pytest.raises(ValueError, match="boom"), GC_PAUSE:
        raise ValueError("boom")
    assert gc.isenabled()


@pytest.mark.parametrize("enabled", [True, False])
def test_embedding_leaves_the_collector_as_it_was(
    fake_baseten: fb.FakeBaseten, enabled: bool
) -> None:
    (gc.enable if enabled else gc.disable)()
    emb = embeddings_model(fake_baseten, batch_size=2, max_concurrency=4)
    texts = [f"t{i}" for i in range(9)]
    assert emb.embed_documents(texts) == [fb.float32(fb.fake_vector(t)) for t in texts]
    assert gc.isenabled() is enabled


def test_the_collector_is_paused_while_a_call_runs_and_only_then(
    fake_baseten: fb.FakeBaseten,
) -> None:
    """The server runs in this process: it sees the collector's state during the call."""
    gc.enable()
    seen: list[bool] = []

    def render(exchange: Any) -> None:
        seen.append(gc.isenabled())
        fb.embeddings().render(exchange)

    fake_baseten.enqueue(*[fb.Reply(render, "records the collector's state")] * 3)
    emb = embeddings_model(fake_baseten, batch_size=2, max_concurrency=1)
    emb.embed_documents(["a", "b", "c", "d", "e"])
    assert seen == [False, False, False]
    assert gc.isenabled()


async def test_the_collector_is_paused_during_an_async_call(fake_baseten: fb.FakeBaseten) -> None:
    gc.enable()
    seen: list[bool] = []

    def render(exchange: Any) -> None:
        seen.append(gc.isenabled())
        fb.embeddings().render(exchange)

    fake_baseten.enqueue(*[fb.Reply(render, "records the collector's state")] * 2)
    emb = embeddings_model(fake_baseten, batch_size=2)
    await emb.aembed_documents(["a", "b", "c"])
    assert seen == [False, False]
    assert gc.isenabled()


@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork() is POSIX only")
def test_a_child_forked_during_a_pause_has_the_collector_back() -> None:
    gc.enable()
    with GC_PAUSE:
        pid = os.fork()
        if pid == 0:  # the child: the thread inside the pause stayed in the parent
            os._exit(0 if gc.isenabled() else 1)
        assert not gc.isenabled()
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert gc.isenabled()


def _in_generation(generation: int, objects: list[list[float]]) -> list[bool]:
    there = {id(o) for o in gc.get_objects(generation=generation)}
    return [id(o) in there for o in objects]


def test_the_new_vectors_go_straight_to_the_oldest_generation(
    fake_baseten: fb.FakeBaseten,
) -> None:
    """Moved, not walked by a young collection first (the move is two list splices)."""
    gc.enable()
    emb = embeddings_model(fake_baseten, batch_size=2, max_concurrency=4)
    vectors = emb.embed_documents([f"t{i}" for i in range(9)])
    assert _in_generation(2, vectors) == [True] * 9
    assert gc.get_freeze_count() == 0  # nothing left frozen
    assert gc.isenabled()


def test_a_program_that_disabled_the_collector_keeps_its_young_objects_young(
    fake_baseten: fb.FakeBaseten,
) -> None:
    gc.disable()
    emb = embeddings_model(fake_baseten, batch_size=2, max_concurrency=4)
    vectors = emb.embed_documents([f"t{i}" for i in range(5)])
    assert _in_generation(0, vectors) == [True] * 5
    assert not gc.isenabled()


def test_objects_the_program_froze_stay_frozen(fake_baseten: fb.FakeBaseten) -> None:
    gc.enable()
    mine = [[1.0]]  # e.g. a server's objects frozen before it forks its workers
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        assert frozen > 0
        emb = embeddings_model(fake_baseten, batch_size=2, max_concurrency=4)
        vectors = emb.embed_documents([f"t{i}" for i in range(5)])
        assert len(vectors) == 5
        # Still frozen: in no generation (thawed, it would be in the oldest). The count
        # only drops by frozen objects freed since (temporaries of the freeze's moment).
        assert [_in_generation(g, [mine[0]]) for g in (0, 1, 2)] == [[False]] * 3
        assert gc.get_freeze_count() > frozen // 2
    finally:
        gc.unfreeze()
