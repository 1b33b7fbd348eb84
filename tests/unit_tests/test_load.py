"""Load: many concurrent callers on one instance get exactly their own answers and usage.

200 concurrent async streams and 8 threads of sync streams share one ChatBaseten
(and its shared connection pools) against the local server, at the same time.
No cross-talk, no lost callback totals, and the pools stay bounded: the client's
pools never hold more connections than there are concurrent callers, every
connection is idle again afterwards, and the server sees them released.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncGenerator
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from typing import TYPE_CHECKING, Any, Self

import httpx2
import pytest
from langchain_core.callbacks import UsageMetadataCallbackHandler, get_usage_metadata_callback

from langchain_baseten import ChatBaseten
from langchain_baseten import testing as fb
from tests.call_styles import merge_chunks
from tests.local_models import KEY
from tests.polling import wait_for

if TYPE_CHECKING:
    from types import TracebackType

    from langchain_core.messages import AIMessageChunk

# Slow (`make test-slow`, not `make test`): hundreds of concurrent streams.
pytestmark = pytest.mark.slow

ASYNC_CALLERS = 200
THREADS = 8
STREAMS_PER_THREAD = 10
#: Idle connections a pool keeps (pools.MAX_KEEPALIVE).
KEEPALIVE = 100
DEADLINE = 60.0  # only a hang gets near this


def _expected_usage(prompt: str) -> tuple[int, int]:
    """The local server's default usage: words in the prompt, words in the echo (+ reasoning)."""
    answer_words = len(f"echo: {prompt}".split()) + len(fb.DEFAULT_REASONING.split())
    return len(prompt.split()), answer_words


def _pool_connections(pool: Any, server: fb.FakeBaseten) -> list[Any]:
    """The pool's connections to this test's server."""
    return [c for c in pool._transport._pool.connections if str(c._origin) == server.base_url]


def _waiting_requests(client: httpx2.Client | httpx2.AsyncClient) -> list[object]:
    """The requests queued in the client's connection pool, waiting for a connection."""
    transport = client._transport
    assert isinstance(transport, httpx2.HTTPTransport | httpx2.AsyncHTTPTransport)
    return list(transport._pool._requests)


class PeakConnections:
    """Samples the server's open connections every few milliseconds (bounded in time)."""

    def __init__(self, server: fb.FakeBaseten) -> None:
        self.server = server
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        deadline = time.monotonic() + DEADLINE
        while not self._stop.wait(0.005) and time.monotonic() < deadline:
            self.peak = max(self.peak, self.server.open_connections)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join(5)


async def test_200_async_streams_and_8_threads_of_sync_streams_on_one_instance(
    fake_baseten: fb.FakeBaseten,
) -> None:
    llm = ChatBaseten(model="openai/gpt-oss-120b", base_url=fake_baseten.url("/v1"), api_key=KEY)
    handler = UsageMetadataCallbackHandler()  # shared by every caller, threads included
    config: Any = {"callbacks": [handler]}

    def sync_worker(t: int) -> list[tuple[str, AIMessageChunk, int]]:
        out = []
        for s in range(STREAMS_PER_THREAD):
            prompt = f"thread {t} stream {s} says t{t}s{s}"
            chunks = list(llm.stream(prompt, config=config))
            out.append((prompt, merge_chunks(chunks), sum(1 for c in chunks if c.usage_metadata)))
        return out

    async def async_caller(i: int) -> tuple[str, AIMessageChunk, int]:
        prompt = f"caller {i} says hello number {i} a{i}"
        chunks = [c async for c in llm.astream(prompt, config=config)]
        return prompt, merge_chunks(chunks), sum(1 for c in chunks if c.usage_metadata)

    with PeakConnections(fake_baseten) as peak, ThreadPoolExecutor(THREADS) as executor:
        futures = [executor.submit(sync_worker, t) for t in range(THREADS)]
        with get_usage_metadata_callback() as async_only:
            async_results = await asyncio.wait_for(
                asyncio.gather(*(async_caller(i) for i in range(ASYNC_CALLERS))), DEADLINE
            )
        sync_results = [item for f in futures for item in f.result(timeout=DEADLINE)]
        # A second round on the same pools: leaked connections would pile up here.
        async_results += await asyncio.wait_for(
            asyncio.gather(*(async_caller(i) for i in range(ASYNC_CALLERS, 2 * ASYNC_CALLERS))),
            DEADLINE,
        )
        async_pool = llm._connection()[1].async_client._client
        async_connections = _pool_connections(async_pool, fake_baseten)
        sync_connections = _pool_connections(llm._connection()[1].sync_client._client, fake_baseten)

    results = async_results + sync_results
    assert len(results) == 2 * ASYNC_CALLERS + THREADS * STREAMS_PER_THREAD
    # Every caller got exactly its own answer, reasoning and usage, reported once.
    totals = [0, 0]
    for prompt, message, usage_chunks in results:
        assert message.content == f"echo: {prompt}"
        assert message.additional_kwargs["reasoning_content"] == fb.DEFAULT_REASONING
        assert usage_chunks == 1
        expected_in, expected_out = _expected_usage(prompt)
        assert message.usage_metadata is not None
        assert message.usage_metadata["input_tokens"] == expected_in
        assert message.usage_metadata["output_tokens"] == expected_out
        totals[0] += expected_in
        totals[1] += expected_out
    assert len({message.id for _, message, _ in results}) == len(results)  # no chunk mixing
    # The server saw each prompt exactly once.
    sent = sorted(r.json()["messages"][-1]["content"] for r in fake_baseten.requests)
    assert sent == sorted(prompt for prompt, _, _ in results)
    # Callback totals equal the sum, for the shared handler and the async-only context.
    (usage,) = handler.usage_metadata.values()
    assert [usage["input_tokens"], usage["output_tokens"]] == totals
    assert usage["total_tokens"] == sum(totals)
    (async_usage,) = async_only.usage_metadata.values()
    first_round = async_results[:ASYNC_CALLERS]
    assert async_usage["input_tokens"] == sum(_expected_usage(p)[0] for p, _, _ in first_round)
    # No leaked connections: bounded by the callers, all idle again, released on the server.
    assert len(async_connections) <= ASYNC_CALLERS
    assert len(sync_connections) <= THREADS
    assert all(c.is_idle() for c in async_connections + sync_connections)
    assert _waiting_requests(async_pool) == []
    # Connections the client just closed linger on the server for a moment, hence the
    # 10 %; a leak would double the count in the second round.
    assert peak.peak <= (ASYNC_CALLERS + THREADS) * 1.1
    assert wait_for(lambda: fake_baseten.open_connections <= KEEPALIVE + THREADS)


async def test_abandoned_and_broken_streams_do_not_leak_connections(
    fake_baseten: fb.FakeBaseten,
) -> None:
    llm = ChatBaseten(model="openai/gpt-oss-120b", base_url=fake_baseten.url("/v1"), api_key=KEY)
    long_prompt = " ".join(f"w{i}" for i in range(300))
    for _ in range(30):  # the consumer stops after the first chunk
        for _chunk in llm.stream(long_prompt):
            break
    for _ in range(10):  # the server drops the connection mid-stream
        fake_baseten.enqueue(fb.stream(pieces=["a", "b", "c"], drop_after=2))
        with suppress(Exception):  # the error itself is test_faults' business
            list(llm.stream("x"))

    async def abandon() -> None:
        stream = llm.astream(long_prompt)
        assert isinstance(stream, AsyncGenerator)  # typed as an iterator; closed explicitly here
        async for _chunk in stream:
            break
        await stream.aclose()

    await asyncio.wait_for(asyncio.gather(*(abandon() for _ in range(30))), DEADLINE)
    sync_pool = llm._connection()[1].sync_client._client
    async_pool = llm._connection()[1].async_client._client
    for pool in (sync_pool, async_pool):
        assert all(c.is_idle() for c in _pool_connections(pool, fake_baseten))
        assert _waiting_requests(pool) == []
    # Abandoned connections are closed, not parked: the server sees them go.
    assert wait_for(lambda: fake_baseten.open_connections <= 2)
    # And the instance still works on the same pools.
    assert llm.invoke("still fine").text == "echo: still fine"
    assert (await llm.ainvoke("still fine")).text == "echo: still fine"
