"""Where ChatBaseten's time goes: the same request timed layer by layer, without a profiler.

Each layer adds one piece of the stack on top of the one before, so the
differences between rows are the cost of each piece:

1. ``httpx2`` floor: POST a pre-encoded body, ``json.loads`` the answer (for
   streams: iterate lines and ``json.loads`` each ``data:`` event), on a pool
   with the openai client's limits (1000 connections, 100 kept alive);
2. openai low-level ``client.post(..., cast_to=object)`` (streams:
   ``stream_cls=Stream[object]``): the SDK's request building, auth, retries
   and error handling, without typed validation or typed responses;
3. ``ChatBaseten._generate`` / ``_stream`` (and async twins): the package's own
   code (body building, transport, message parsing) without BaseChatModel;
4. ``ChatBaseten.invoke`` / ``stream``: plus LangChain's BaseChatModel path
   (callback manager, run ids, config, output wrapping);
5. raw ``client.chat.completions.create``: the benchmark's 1.00x baseline.

Paths: sync and async invoke (per call), sync and async stream (per chunk of a
1000-chunk stream) and 200 concurrent async invokes (wall time per burst, the
mean of ``--bursts`` bursts). Rows are medians of interleaved rounds, as in
``run.py``; cProfile inflates short Python calls, so this is the better guide to
what each layer costs.

Usage: ``python bench/layers.py [--rounds 5] [--calls 300] [--streams 5] [--bursts 3]``.
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import time
from typing import TYPE_CHECKING, Any

import httpx2
import openai
import run

if TYPE_CHECKING:
    from collections.abc import Callable

POOL_LIMITS = httpx2.Limits(max_connections=1000, max_keepalive_connections=100)
HEADERS = {"authorization": f"Bearer {run.API_KEY}", "content-type": "application/json"}


def _body(stream: bool) -> dict[str, Any]:
    body: dict[str, Any] = {"model": run.MODEL, "messages": run.MESSAGES}
    if stream:
        body |= {"stream": True, "stream_options": {"include_usage": True}}
    return body


def sync_layers(base_url: str, llm: Any) -> dict[str, dict[str, Callable[[], Any]]]:
    """Per layer: a zero-argument invoke and stream call against the bench server."""
    http = httpx2.Client(limits=POOL_LIMITS)
    sdk = openai.OpenAI(base_url=base_url, api_key=run.API_KEY, max_retries=0)
    url = f"{base_url}/chat/completions"
    invoke_bytes, stream_bytes = (json.dumps(_body(s)).encode() for s in (False, True))
    messages = run.langchain_client(run.OURS, llm).convert(run.MESSAGES)

    def http_stream() -> None:
        with http.stream("POST", url, content=stream_bytes, headers=HEADERS) as response:
            for line in response.iter_lines():
                if line.startswith("data: {"):
                    json.loads(line[6:])

    def sdk_stream() -> None:
        for _ in sdk.post(
            "/chat/completions",
            body=_body(stream=True),
            cast_to=object,
            stream=True,
            stream_cls=openai.Stream[object],
        ):
            pass

    def drain(iterator: Any) -> None:
        for _ in iterator:
            pass

    return {
        "1 httpx2 floor": {
            "invoke": lambda: http.post(url, content=invoke_bytes, headers=HEADERS).json(),
            "stream": http_stream,
        },
        "2 openai client.post": {
            "invoke": lambda: sdk.post("/chat/completions", body=_body(False), cast_to=object),
            "stream": sdk_stream,
        },
        "3 ChatBaseten._generate/_stream": {
            "invoke": lambda: llm._generate(messages),
            "stream": lambda: drain(llm._stream(messages)),
        },
        "4 ChatBaseten.invoke/stream": {
            "invoke": lambda: llm.invoke(messages),
            "stream": lambda: drain(llm.stream(messages)),
        },
    }


def async_layers(base_url: str, llm: Any) -> dict[str, dict[str, Callable[[], Any]]]:
    """As :func:`sync_layers`, for ``ainvoke`` / ``astream`` (coroutine factories)."""
    http = httpx2.AsyncClient(limits=POOL_LIMITS)
    sdk = openai.AsyncOpenAI(base_url=base_url, api_key=run.API_KEY, max_retries=0)
    url = f"{base_url}/chat/completions"
    invoke_bytes, stream_bytes = (json.dumps(_body(s)).encode() for s in (False, True))
    messages = run.langchain_client(run.OURS, llm).convert(run.MESSAGES)

    async def http_invoke() -> None:
        (await http.post(url, content=invoke_bytes, headers=HEADERS)).json()

    async def http_stream() -> None:
        async with http.stream("POST", url, content=stream_bytes, headers=HEADERS) as response:
            async for line in response.aiter_lines():
                if line.startswith("data: {"):
                    json.loads(line[6:])

    async def sdk_stream() -> None:
        stream = await sdk.post(
            "/chat/completions",
            body=_body(stream=True),
            cast_to=object,
            stream=True,
            stream_cls=openai.AsyncStream[object],
        )
        async for _ in stream:
            pass

    async def drain(iterator: Any) -> None:
        async for _ in iterator:
            pass

    return {
        "1 httpx2 floor": {"invoke": http_invoke, "stream": http_stream},
        "2 openai client.post": {
            "invoke": lambda: sdk.post("/chat/completions", body=_body(False), cast_to=object),
            "stream": sdk_stream,
        },
        "3 ChatBaseten._generate/_stream": {
            "invoke": lambda: llm._agenerate(messages),
            "stream": lambda: drain(llm._astream(messages)),
        },
        "4 ChatBaseten.invoke/stream": {
            "invoke": lambda: llm.ainvoke(messages),
            "stream": lambda: drain(llm.astream(messages)),
        },
    }


def baseline(client: run.Client) -> tuple[dict[str, Any], dict[str, Any]]:
    arg = client.convert(run.MESSAGES)
    return (
        {"invoke": lambda: client.invoke(arg), "stream": lambda: client.stream(arg)},
        {"invoke": lambda: client.ainvoke(arg), "stream": lambda: client.astream(arg)},
    )


def time_sync(fn: Callable[[], Any], n: int, per: int, deadline: run.Deadline) -> float:
    fn()
    gc.collect()
    start = time.perf_counter()
    for _ in range(n):
        fn()
        deadline.check()
    return (time.perf_counter() - start) / n / per


def time_async(fn: Callable[[], Any], n: int, per: int, deadline: run.Deadline) -> float:
    async def go() -> float:
        await fn()
        gc.collect()
        start = time.perf_counter()
        for _ in range(n):
            await fn()
            deadline.check()
        return (time.perf_counter() - start) / n / per

    return run.LOOP.run_until_complete(go())


def one_round(
    sync: dict[str, Any], aio: dict[str, Any], args: argparse.Namespace, deadline: run.Deadline
) -> dict[tuple[str, str], float]:
    """Every path for every layer once: {(path, layer): seconds}."""
    out: dict[tuple[str, str], float] = {}
    for layer, calls in sync.items():
        out["sync invoke", layer] = time_sync(calls["invoke"], args.calls, 1, deadline)
        out["sync stream", layer] = time_sync(calls["stream"], args.streams, run.CHUNKS, deadline)
    for layer, calls in aio.items():
        out["async invoke", layer] = time_async(calls["invoke"], args.calls, 1, deadline)
        out["async stream", layer] = time_async(calls["stream"], args.streams, run.CHUNKS, deadline)
    for layer, calls in aio.items():
        gc.collect()
        out["200 concurrent", layer] = run.concurrent_wall(
            lambda _, fn=calls["invoke"]: fn(), None, 200, deadline, bursts=args.bursts
        )
    return out


def print_table(samples: dict[tuple[str, str], list[float]], layers: list[str]) -> None:
    print("| path | layer | median | vs raw create | added by this layer |")
    print("|---|---|---|---|---|")
    for path in ("sync invoke", "sync stream", "async invoke", "async stream", "200 concurrent"):
        base = statistics.median(samples[path, layers[-1]])
        previous = 0.0
        for layer in layers:
            value = statistics.median(samples[path, layer])
            is_baseline = layer == layers[-1]
            added = "" if is_baseline else run.fmt_time(value - previous)
            unit = " per chunk" if "stream" in path else ""
            print(
                f"| {path}{unit} | {layer} | {run.fmt_time(value)} | {value / base:.2f}x | {added} |"
            )
            previous = previous if is_baseline else value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--calls", type=int, default=300, help="invokes per sample")
    parser.add_argument("--streams", type=int, default=5, help="streams per sample")
    parser.add_argument("--bursts", type=int, default=3, help="200-call bursts per sample")
    parser.add_argument("--max-seconds", type=float, default=400)
    args = parser.parse_args()
    deadline = run.Deadline(args.max_seconds)
    samples: dict[tuple[str, str], list[float]] = {}
    with run.bench_server(args.max_seconds) as base_url:
        llm = run.new_chat_baseten(base_url)
        raw_sync, raw_async = baseline(run.raw_openai_client(base_url))
        sync = {**sync_layers(base_url, llm), "5 raw openai create": raw_sync}
        aio = {**async_layers(base_url, llm), "5 raw openai create": raw_async}
        for round_no in range(args.rounds):
            if round_no:  # let the last round's ~100 idle connections per pool expire
                time.sleep(run.POOL_KEEPALIVE_EXPIRY + 0.5)
            try:
                values = one_round(sync, aio, args, deadline)
            except run.DeadlineReachedError:
                print(f"note: out of time after {round_no} rounds")
                break
            for key, value in values.items():
                samples.setdefault(key, []).append(value)
        run.LOOP.run_until_complete(run.LOOP.shutdown_asyncgens())
    if samples:
        print_table(samples, list(sync))


if __name__ == "__main__":
    main()
