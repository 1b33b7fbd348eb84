"""Load: many concurrent callers on one instance get exactly their own answers and usage.

200 concurrent async streams and 8 threads of sync streams share one ChatBaseten
(and its shared connection pools) against the local server. No cross-talk, no
lost callback totals, and the pools stay bounded.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

from langchain_core.callbacks import UsageMetadataCallbackHandler, get_usage_metadata_callback

from langchain_baseten import ChatBaseten
from langchain_baseten import transport as transport_module
from tests import fake_baseten as fb

if TYPE_CHECKING:
    from langchain_core.messages import AIMessageChunk

KEY = "bt-test-key-load"
ASYNC_CALLERS = 200
THREADS = 8
STREAMS_PER_THREAD = 10


def _expected_usage(prompt: str) -> tuple[int, int]:
    """The local server's default usage: words in the prompt, words in the echo (+ reasoning)."""
    answer_words = len(f"echo: {prompt}".split()) + len(fb.DEFAULT_REASONING.split())
    return len(prompt.split()), answer_words


def _collect(chunks: list[AIMessageChunk]) -> AIMessageChunk:
    total = chunks[0]
    for chunk in chunks[1:]:
        total += chunk
    return total


async def test_200_concurrent_async_streams(fake_baseten: fb.FakeBaseten) -> None:
    llm = ChatBaseten(model="openai/gpt-oss-120b", base_url=fake_baseten.url("/v1"), api_key=KEY)

    async def one(i: int) -> tuple[str, AIMessageChunk]:
        prompt = f"caller {i} says hello number {i}"
        chunks = [c async for c in llm.astream(prompt)]
        assert sum(1 for c in chunks if c.usage_metadata) == 1
        return prompt, _collect(chunks)

    with get_usage_metadata_callback() as cb:
        results = await asyncio.wait_for(
            asyncio.gather(*(one(i) for i in range(ASYNC_CALLERS))), timeout=60
        )
    total_in = total_out = 0
    for prompt, message in results:
        assert message.content == f"echo: {prompt}"
        expected_in, expected_out = _expected_usage(prompt)
        assert message.usage_metadata is not None
        assert message.usage_metadata["input_tokens"] == expected_in
        assert message.usage_metadata["output_tokens"] == expected_out
        total_in += expected_in
        total_out += expected_out
    (usage,) = cb.usage_metadata.values()
    assert usage["input_tokens"] == total_in
    assert usage["output_tokens"] == total_out
    pool = transport_module._loop_clients().pool._transport._pool  # type: ignore[attr-defined]
    assert len(pool.connections) <= ASYNC_CALLERS


def test_8_threads_of_sync_streams(fake_baseten: fb.FakeBaseten) -> None:
    llm = ChatBaseten(model="openai/gpt-oss-120b", base_url=fake_baseten.url("/v1"), api_key=KEY)

    handler = UsageMetadataCallbackHandler()  # threads do not inherit context variables

    def worker(t: int) -> list[tuple[str, AIMessageChunk]]:
        out = []
        for s in range(STREAMS_PER_THREAD):
            prompt = f"thread {t} stream {s}"
            chunks = list(llm.stream(prompt, config={"callbacks": [handler]}))
            out.append((prompt, _collect(chunks)))
        return out

    with ThreadPoolExecutor(THREADS) as pool:
        futures = [pool.submit(worker, t) for t in range(THREADS)]
        results = [item for f in futures for item in f.result(timeout=60)]
    assert len(results) == THREADS * STREAMS_PER_THREAD
    assert {prompt for prompt, _ in results} == {
        f"thread {t} stream {s}" for t in range(THREADS) for s in range(STREAMS_PER_THREAD)
    }
    total_in = 0
    for prompt, message in results:
        assert message.content == f"echo: {prompt}"
        total_in += _expected_usage(prompt)[0]
    (usage,) = handler.usage_metadata.values()
    assert usage["input_tokens"] == total_in
    sync_pool = transport_module._shared_sync_pool()._transport._pool  # type: ignore[attr-defined]
    assert len(sync_pool.connections) <= THREADS + 1
