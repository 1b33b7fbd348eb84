"""Isolation over real HTTP: forked workers, tenants sharing a process, closing clients.

* Forked workers: a process that made a call and then forks (gunicorn
  ``--preload``, Celery, multiprocessing's ``fork``) must not hand its live
  keep-alive connection to its children, or they read each other's answers.
* Tenants: each endpoint and key has its own pool and limit, so one key that
  fills its pool with slow requests never makes another key or host wait, and a
  request that waits for its own pool says so instead of blaming the model.
* Closing: the package's shared pools close on request and with their event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import os
import signal
import sys
import time
import types
import warnings
from concurrent.futures import ThreadPoolExecutor

import openai
import pytest

import langchain_baseten
from langchain_baseten import ChatBaseten
from langchain_baseten import testing as fb
from langchain_baseten._http import pools
from tests.local_models import KEY, chat_model, embeddings_model
from tests.polling import wait_for

# Slow (`make test-slow`, not `make test`): forked workers, tenants filling pools, event loops
# shut down.
pytestmark = pytest.mark.slow

WORKERS = 4
CALLS = 5
#: Generous bound for anything that must not hang.
HANG = 30.0


# ---------------------------------------------------------------- forked workers


def _worker_calls(server: fb.FakeBaseten, worker: int) -> dict[str, int]:
    """In a forked child: overlapping sync, async, stream and embedding calls; count mix-ups."""
    llm = chat_model(server)  # the parent's instance settings: the same shared pools as the parent
    embedder = embeddings_model(server)
    wrong = total = 0
    for call in range(CALLS):
        prompt = f"worker {worker} call {call} w{worker}c{call}"
        answers = [
            llm.invoke(prompt).text,
            "".join(chunk.text for chunk in llm.stream(prompt)),
            asyncio.run(llm.ainvoke(prompt)).text,
        ]
        total += len(answers)
        wrong += sum(answer != f"echo: {prompt}" for answer in answers)
        total += 1
        (vector,) = embedder.embed_documents([prompt])
        wrong += vector != pytest.approx(fb.fake_vector(prompt), abs=1e-6)  # float32 on the wire
    return {"wrong": wrong, "total": total}


def _fork_worker(server: fb.FakeBaseten, worker: int) -> tuple[int, int]:
    """Fork a child running :func:`_worker_calls`; return (pid, read end of its result pipe)."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        code = 1
        try:
            os.close(read_end)
            result = _worker_calls(server, worker)
            os.write(write_end, json.dumps(result).encode())
            code = 0
        finally:
            os._exit(code)
    os.close(write_end)
    return pid, read_end


def _exit_code(pid: int, deadline: float) -> int:
    """Wait (bounded) for a forked child; kill it when it overstays."""
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        time.sleep(0.02)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    pytest.fail(f"forked child {pid} did not finish within {HANG} s")


def _collect(pid: int, read_end: int, deadline: float) -> dict[str, int]:
    """Wait (bounded) for a worker; return what it reported."""
    try:
        code = _exit_code(pid, deadline)
        with os.fdopen(read_end, "rb") as pipe:
            data = pipe.read()
    except BaseException:
        with contextlib.suppress(OSError):
            os.close(read_end)
        raise
    assert code == 0, "a forked worker failed"
    result: dict[str, int] = json.loads(data)
    return result


@pytest.mark.skipif(not hasattr(os, "fork"), reason="os.fork is POSIX only")
def test_forked_workers_get_their_own_answers_after_the_parent_called(
    fake_baseten: fb.FakeBaseten,
) -> None:
    llm = chat_model(fake_baseten)
    embedder = embeddings_model(fake_baseten)
    # The parent warms up: its pools now hold idle keep-alive connections.
    assert llm.invoke("parent warm-up").text == "echo: parent warm-up"
    assert asyncio.run(llm.ainvoke("parent async")).text == "echo: parent async"
    assert embedder.embed_query("parent") == pytest.approx(fb.fake_vector("parent"), abs=1e-6)

    for _round in range(2):
        children = [_fork_worker(fake_baseten, worker) for worker in range(WORKERS)]
        deadline = time.monotonic() + HANG
        results = [_collect(pid, read_end, deadline) for pid, read_end in children]
        assert [r["wrong"] for r in results] == [0] * WORKERS
        assert [r["total"] for r in results] == [4 * CALLS] * WORKERS

    # The parent's own connection still works, and carries the parent's answers.
    assert llm.invoke("parent after").text == "echo: parent after"
    assert embedder.embed_query("parent after") == pytest.approx(
        fb.fake_vector("parent after"), abs=1e-6
    )


@pytest.mark.skipif(not hasattr(os, "fork"), reason="os.fork is POSIX only")
def test_an_instance_built_before_the_fork_uses_new_clients_in_the_child(
    fake_baseten: fb.FakeBaseten,
) -> None:
    llm = chat_model(fake_baseten)
    llm.invoke("warm")
    parent_client = llm._connection()[1].sync_client
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            child_client = llm._connection()[1].sync_client
            fresh = child_client is not parent_client and (
                child_client._client is not parent_client._client
            )
            ok = fresh and llm.invoke("child").text == "echo: child"
            os.write(write_end, b"1" if ok else b"0")
            code = 0
        finally:
            os._exit(code)
    os.close(write_end)
    deadline = time.monotonic() + HANG
    while time.monotonic() < deadline and not os.waitpid(pid, os.WNOHANG)[0]:
        time.sleep(0.02)
    with os.fdopen(read_end, "rb") as pipe:
        assert pipe.read() == b"1"
    assert llm._connection()[1].sync_client is parent_client  # the parent keeps its own


@pytest.mark.skipif(not hasattr(os, "fork"), reason="os.fork is POSIX only")
async def test_forking_inside_a_running_loop_leaves_nothing_for_the_child_to_finalise(
    fake_baseten: fb.FakeBaseten,
) -> None:
    llm = chat_model(fake_baseten)
    assert (await llm.ainvoke("parent")).text == "echo: parent"  # this loop now has pools
    entry = pools.current_share().loops[id(asyncio.get_running_loop())]
    closer = entry._closer
    assert isinstance(closer, types.AsyncGeneratorType)  # an async generator's frame is read
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            # The loop's shutdown generator is closed in the child (else, collected at
            # exit, it would ask the parent's loop, not running here, to finalise it).
            closed = closer.ag_frame is None
            unraisable: list[object] = []
            sys.unraisablehook = unraisable.append
            pools._inherited.clear()  # what interpreter exit does to the parent's objects
            gc.collect()
            code = 0 if closed and unraisable == [] else 3
        finally:
            os._exit(code)
    assert closer.ag_frame is not None  # the parent's is still waiting for its loop
    assert await asyncio.to_thread(_exit_code, pid, time.monotonic() + HANG) == 0
    assert (await llm.ainvoke("parent again")).text == "echo: parent again"


# ---------------------------------------------------------------- tenants and hosts


async def test_one_key_filling_its_pool_never_makes_another_key_or_host_wait(
    fake_baseten: fb.FakeBaseten,
) -> None:
    busy = chat_model(fake_baseten, max_connections=2)
    waiting = chat_model(fake_baseten, max_connections=2, timeout=0.5, max_retries=0)
    other_key = chat_model(fake_baseten, api_key=KEY + "-other", max_connections=2, timeout=5)
    fake_baseten.enqueue(fb.stall(3), fb.stall(3))
    slow = [asyncio.create_task(busy.ainvoke(f"slow {i}")) for i in range(2)]
    assert await asyncio.to_thread(wait_for, lambda: len(fake_baseten.requests) == 2)

    # Both of the key's connections are busy: another key on the same host is not held up,
    assert (await other_key.ainvoke("other tenant")).text == "echo: other tenant"
    # nor another host with the same key,
    with fb.fake_baseten_server() as other_host:
        other = chat_model(other_host, max_connections=2, timeout=5)
        assert (await other.ainvoke("other host")).text == "echo: other host"
    # while the busy key's next request waits for its own pool and says so.
    with pytest.raises(openai.APITimeoutError) as info:
        await waiting.ainvoke("queued")
    message = str(info.value)
    assert "All 2 connections to 127.0.0.1 for this API key were busy" in message
    assert "never sent" in message
    assert "max_connections=" in message
    assert "queued" not in [
        r.json_or_none()["messages"][-1]["content"] for r in fake_baseten.requests
    ]
    texts = [m.text for m in await asyncio.wait_for(asyncio.gather(*slow), HANG)]
    assert texts == ["echo: slow 0", "echo: slow 1"]


def test_a_sync_request_waiting_for_its_pool_is_reported_as_a_pool_wait(
    fake_baseten: fb.FakeBaseten,
) -> None:
    busy = chat_model(fake_baseten, max_connections=1)
    waiting = chat_model(fake_baseten, max_connections=1, timeout=0.3, max_retries=1)
    fake_baseten.enqueue(fb.stall(5))
    with ThreadPoolExecutor(1) as executor:
        slow = executor.submit(busy.invoke, "slow")
        assert wait_for(lambda: len(fake_baseten.requests) == 1)
        with pytest.raises(openai.APITimeoutError) as info:
            waiting.invoke("queued")
        assert slow.result(timeout=HANG).text == "echo: slow"
    message = str(info.value)
    assert "All 1 connections to 127.0.0.1" in message
    assert "Gave up after 2 attempts" in message
    assert len(fake_baseten.requests) == 1  # the waiting request was never sent
    assert waiting.invoke("now free").text == "echo: now free"


def test_max_connections_must_be_positive() -> None:
    with pytest.raises(ValueError, match="max_connections"):
        ChatBaseten(model="openai/gpt-oss-120b", api_key=KEY, max_connections=0)


# ---------------------------------------------------------------- closing the shared clients


def test_close_clients_closes_the_pools_and_later_calls_open_new_ones(
    fake_baseten: fb.FakeBaseten,
) -> None:
    llm = chat_model(fake_baseten)
    assert llm.invoke("before").text == "echo: before"
    before = llm._connection()[1].sync_client
    assert fake_baseten.open_connections == 1  # kept alive for the next call
    langchain_baseten.close_clients()
    assert wait_for(lambda: fake_baseten.open_connections == 0)
    assert llm.invoke("after").text == "echo: after"
    assert llm._connection()[1].sync_client is not before


async def test_aclose_clients_closes_the_running_loops_pools(
    fake_baseten: fb.FakeBaseten,
) -> None:
    llm = chat_model(fake_baseten)
    assert (await llm.ainvoke("before")).text == "echo: before"
    assert fake_baseten.open_connections == 1
    await langchain_baseten.aclose_clients()
    assert await asyncio.to_thread(wait_for, lambda: fake_baseten.open_connections == 0)
    assert (await llm.ainvoke("after")).text == "echo: after"


def test_a_loops_pools_close_when_asyncio_run_ends_without_resource_warnings(
    fake_baseten: fb.FakeBaseten,
) -> None:
    llm = chat_model(fake_baseten)
    embedder = embeddings_model(fake_baseten)

    async def calls(i: int) -> list[str]:
        vectors = await embedder.aembed_documents([f"text {i}"])
        assert vectors[0] == pytest.approx(fb.fake_vector(f"text {i}"), abs=1e-6)
        return [
            (await llm.ainvoke(f"run {i}")).text,
            "".join([c.text async for c in llm.astream("s")]),
        ]

    gc.collect()  # what earlier tests left (a user's own async clients) is not this test's
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for i in range(3):  # three loops, one after another
            assert asyncio.run(calls(i)) == [f"echo: run {i}", "echo: s"]
            assert wait_for(lambda: fake_baseten.open_connections == 0)
        assert llm.invoke("sync").text == "echo: sync"
        langchain_baseten.close_clients()
        gc.collect()
    assert [w for w in caught if issubclass(w.category, ResourceWarning)] == []


def test_a_loop_closed_without_shutdown_is_forgotten_without_warnings(
    fake_baseten: fb.FakeBaseten,
) -> None:
    gc.collect()  # what earlier tests left (a user's own async clients) is not this test's
    llm = chat_model(fake_baseten)
    loop = asyncio.new_event_loop()
    assert loop.run_until_complete(llm.ainvoke("manual loop")).text == "echo: manual loop"
    loop.run_until_complete(langchain_baseten.aclose_clients())  # what such code should do
    loop.close()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert asyncio.run(llm.ainvoke("next loop")).text == "echo: next loop"
        gc.collect()
    assert [w for w in caught if issubclass(w.category, ResourceWarning)] == []


def test_the_lru_cache_keeps_the_most_recently_used_items() -> None:
    from langchain_baseten._http.shared_maps import LruCache

    cache: LruCache[str, int] = LruCache(2)
    made: list[str] = []

    def make(key: str, value: int) -> int:
        def create() -> int:
            made.append(key)
            return value

        return cache.get_or_create(key, create)

    assert (make("a", 1), make("b", 2), make("a", 10)) == (1, 2, 1)  # a hit: not made again
    assert make("c", 3) == 3  # evicts b, the least recently used
    assert make("b", 20) == 20
    assert made == ["a", "b", "c", "b"]
    assert sorted(cache.take_all()) == [3, 20]
    assert cache.take_all() == []
