"""Client-overhead benchmark: ChatBaseten vs the raw openai client (and ChatOpenAI if installed).

Every figure is measured against the same local server (``bench/server.py``, its
own process, 127.0.0.1, pre-built bytes), interleaving the clients in rounds,
and reported as the median of the rounds and as a ratio to raw openai measured
in the same run. Absolute times drift with machine load; ratios move far less.

Usage: ``make bench`` or ``python bench/run.py [--quick] [--rounds N] [--out FILE]``.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import gc
import importlib.metadata
import json
import os
import platform
import ssl
import statistics
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

import openai

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGETS = {
    "sync invoke": 0.6,
    "sync stream per chunk": 0.3,
    "async ainvoke": 0.8,
    "async stream per chunk": 0.35,
    "200 concurrent ainvoke": 0.9,
    "100-message history": 0.08,
}
POOL_KEEPALIVE_EXPIRY = 5.0  # seconds, openai's and ChatBaseten's connection pools
MESSAGES = [{"role": "user", "content": "Say hello."}]
HISTORY = [
    {"role": "user" if i % 2 == 0 else "assistant", "content": f"message number {i} " * 8}
    for i in range(100)
]


# One event loop for every async measurement: async clients keep connections bound to the
# loop that opened them, as they would in a long-running application.
LOOP = asyncio.new_event_loop()


class Deadline:
    """A global time bound: every loop checks it."""

    def __init__(self, seconds: float) -> None:
        self.end = time.monotonic() + seconds

    def check(self) -> None:
        if time.monotonic() > self.end:
            msg = "benchmark deadline reached"
            raise TimeoutError(msg)


def start_server() -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [sys.executable, str(Path(__file__).with_name("server.py")), "--max-seconds", "1200"],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line.startswith("PORT "):
        proc.kill()
        msg = f"benchmark server did not start: {line!r}"
        raise RuntimeError(msg)
    return proc, f"http://127.0.0.1:{line.split()[1]}/v1"


# ---------------------------------------------------------------- clients


def make_clients(base_url: str) -> dict[str, dict[str, Any]]:
    """Each client: sync/async callables for invoke and stream, plus a message converter."""
    clients: dict[str, dict[str, Any]] = {}
    raw = openai.OpenAI(base_url=base_url, api_key="bench-key", max_retries=0)
    araw = openai.AsyncOpenAI(base_url=base_url, api_key="bench-key", max_retries=0)
    chunks_header = {"x-bench-chunks": "1000"}

    def raw_stream(messages: list[dict[str, str]]) -> int:
        n = 0
        for _ in raw.chat.completions.create(
            model="bench-model",
            messages=messages,  # type: ignore[arg-type]
            stream=True,
            stream_options={"include_usage": True},
            extra_headers=chunks_header,
        ):
            n += 1
        return n

    async def araw_stream(messages: list[dict[str, str]]) -> int:
        n = 0
        stream = await araw.chat.completions.create(
            model="bench-model",
            messages=messages,  # type: ignore[arg-type]
            stream=True,
            stream_options={"include_usage": True},
            extra_headers=chunks_header,
        )
        async for _ in stream:
            n += 1
        return n

    clients["raw openai"] = {
        "invoke": lambda m: raw.chat.completions.create(model="bench-model", messages=m),
        "ainvoke": lambda m: araw.chat.completions.create(model="bench-model", messages=m),
        "stream": raw_stream,
        "astream": araw_stream,
        "convert": lambda m: m,
    }

    def langchain_client(llm: Any) -> dict[str, Any]:
        from langchain_core.messages import convert_to_messages

        def stream(messages: Any) -> int:
            return sum(1 for _ in llm.stream(messages))

        async def astream(messages: Any) -> int:
            n = 0
            async for _ in llm.astream(messages):
                n += 1
            return n

        return {
            "invoke": llm.invoke,
            "ainvoke": llm.ainvoke,
            "stream": stream,
            "astream": astream,
            "convert": convert_to_messages,
        }

    from langchain_baseten import ChatBaseten

    clients["ChatBaseten"] = langchain_client(
        ChatBaseten(
            model="bench-model",
            base_url=base_url,
            api_key="bench-key",
            max_retries=0,
            default_headers=chunks_header,
        )
    )
    try:
        from langchain_openai import ChatOpenAI
    except ImportError:
        print("note: langchain-openai is not installed; ChatOpenAI is left out")
    else:
        clients["ChatOpenAI"] = langchain_client(
            ChatOpenAI(
                model="bench-model",
                base_url=base_url,
                api_key="bench-key",  # type: ignore[arg-type]
                max_retries=0,
                stream_usage=True,
                default_headers=chunks_header,
            )
        )
    return clients


# ---------------------------------------------------------------- measurements


def per_call(fn: Any, arg: Any, n: int, deadline: Deadline) -> float:
    fn(arg)  # warm-up
    start = time.perf_counter()
    for _ in range(n):
        fn(arg)
    deadline.check()
    return (time.perf_counter() - start) / n


def per_chunk(fn: Any, arg: Any, n: int, deadline: Deadline) -> float:
    """Median over ``n`` streams of the time per chunk (a garbage-collection pause
    landing in one stream does not skew the figure)."""
    fn(arg)
    times = []
    for _ in range(n):
        start = time.perf_counter()
        chunks = fn(arg)
        times.append((time.perf_counter() - start) / chunks)
    deadline.check()
    return statistics.median(times)


def async_per_call(fn: Any, arg: Any, n: int, deadline: Deadline) -> float:
    async def run() -> float:
        await fn(arg)
        start = time.perf_counter()
        for _ in range(n):
            await fn(arg)
        return (time.perf_counter() - start) / n

    result = LOOP.run_until_complete(run())
    deadline.check()
    return result


def async_per_chunk(fn: Any, arg: Any, n: int, deadline: Deadline) -> float:
    async def run() -> float:
        await fn(arg)
        times = []
        for _ in range(n):
            start = time.perf_counter()
            chunks = await fn(arg)
            times.append((time.perf_counter() - start) / chunks)
        return statistics.median(times)

    result = LOOP.run_until_complete(run())
    deadline.check()
    return result


def concurrent_wall(fn: Any, arg: Any, n: int, deadline: Deadline) -> float:
    async def run() -> float:
        await asyncio.gather(*(fn(arg) for _ in range(n)))  # warm the pool
        start = time.perf_counter()
        await asyncio.gather(*(fn(arg) for _ in range(n)))
        return time.perf_counter() - start

    result = LOOP.run_until_complete(run())
    deadline.check()
    return result


def construction(n: int) -> dict[str, Any]:
    """Per-instance construction time and memory after the first, and SSL contexts built."""
    from langchain_baseten import ChatBaseten

    created = [0]
    original = ssl.SSLContext.__new__

    def counting_new(cls: Any, *args: Any, **kwargs: Any) -> Any:
        created[0] += 1
        return original(cls, *args, **kwargs)

    ChatBaseten(model="openai/gpt-oss-120b", api_key="bench-key")
    ssl.SSLContext.__new__ = counting_new  # type: ignore[method-assign]
    try:
        start = time.perf_counter()
        keep = [ChatBaseten(model="openai/gpt-oss-120b", api_key="bench-key") for _ in range(n)]
        seconds = (time.perf_counter() - start) / n
        gc.collect()
        tracemalloc.start()
        before = tracemalloc.take_snapshot()
        more = [ChatBaseten(model="openai/gpt-oss-120b", api_key="bench-key") for _ in range(200)]
        after = tracemalloc.take_snapshot()
        tracemalloc.stop()
    finally:
        ssl.SSLContext.__new__ = original  # type: ignore[method-assign]
    memory = sum(s.size_diff for s in after.compare_to(before, "filename")) / len(more)
    del keep, more
    return {"seconds": seconds, "bytes": memory, "ssl_contexts": created[0]}


def import_time(module: str, repeats: int) -> float | None:
    def once(code: str) -> float:
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)
        return time.perf_counter() - start

    try:
        once(f"import {module}")
    except subprocess.CalledProcessError:
        return None
    times = []
    for _ in range(repeats):
        bare = once("pass")
        times.append(once(f"import {module}") - bare)
    return statistics.median(times)


# ---------------------------------------------------------------- main


def run(args: argparse.Namespace) -> dict[str, Any]:
    deadline = Deadline(args.max_seconds)
    quick = args.quick
    n_invoke = 60 if quick else 300
    n_streams = 3 if quick else 5
    n_history = 20 if quick else 80
    proc, base_url = start_server()
    try:
        clients = make_clients(base_url)
        plans = [
            ("sync invoke", "invoke", per_call, MESSAGES, n_invoke),
            ("sync stream per chunk", "stream", per_chunk, MESSAGES, n_streams),
            ("async ainvoke", "ainvoke", async_per_call, MESSAGES, n_invoke),
            ("async stream per chunk", "astream", async_per_chunk, MESSAGES, n_streams),
            ("100-message history", "invoke", per_call, HISTORY, n_history),
            # Last: it leaves ~100 idle connections in each pool, which slow later requests
            # until they expire (keep-alive expiry, 5 s); each round starts after that.
            ("200 concurrent ainvoke", "ainvoke", concurrent_wall, MESSAGES, 200),
        ]
        samples: dict[str, dict[str, list[float]]] = {p[0]: {c: [] for c in clients} for p in plans}
        for round_no in range(args.rounds):
            if round_no:
                time.sleep(POOL_KEEPALIVE_EXPIRY + 0.5)
            for name, method, measure, messages, n in plans:
                for client, calls in clients.items():
                    value = measure(calls[method], calls["convert"](messages), n, deadline)
                    samples[name][client].append(value)
            print(f"round {round_no + 1}/{args.rounds} done", flush=True)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    results: dict[str, Any] = {"paths": {}}
    for name, per_client in samples.items():
        medians = {c: statistics.median(v) for c, v in per_client.items()}
        base = medians["raw openai"]
        results["paths"][name] = {
            c: {"median_seconds": m, "ratio": m / base} for c, m in medians.items()
        }
    results["construction"] = construction(200 if quick else 2000)
    repeats = 3 if quick else 5
    results["import_seconds"] = {
        m: import_time(m, repeats) for m in ("openai", "langchain_baseten", "langchain_openai")
    }
    return results


def _fmt_time(seconds: float) -> str:
    if seconds >= 0.01:
        return f"{seconds * 1000:,.1f} ms"
    return f"{seconds * 1e6:,.1f} us"


def report(results: dict[str, Any]) -> str:
    lines = []
    clients = list(next(iter(results["paths"].values())))
    header = "| path | " + " | ".join(clients) + " | target (ChatBaseten) |"
    lines += [header, "|" + "---|" * (len(clients) + 2)]
    for name, per_client in results["paths"].items():
        cells = [
            f"{_fmt_time(v['median_seconds'])} ({v['ratio']:.2f}x)" for v in per_client.values()
        ]
        ratio = per_client["ChatBaseten"]["ratio"]
        verdict = "PASS" if ratio <= TARGETS[name] else "MISS"
        lines.append(f"| {name} | " + " | ".join(cells) + f" | <= {TARGETS[name]}x: {verdict} |")
    c = results["construction"]
    lines.append("")
    verdict = "PASS" if c["seconds"] <= 50e-6 and c["ssl_contexts"] == 0 else "MISS"
    lines.append(
        f"construction: {_fmt_time(c['seconds'])} and {c['bytes'] / 1024:.1f} KiB per instance "
        f"after the first, {c['ssl_contexts']} new SSL contexts (target <= 50 us, none): {verdict}"
    )
    imports = results["import_seconds"]
    ours, theirs = imports.get("langchain_baseten"), imports.get("langchain_openai")
    parts = [f"{m} {_fmt_time(s)}" for m, s in imports.items() if s is not None]
    line = "import: " + ", ".join(parts)
    if ours and theirs:
        verdict = "PASS" if ours / theirs <= 0.8 else "MISS"
        line += f"; langchain_baseten / langchain_openai = {ours / theirs:.2f}x (target <= 0.8x): {verdict}"
    lines.append(line)
    return "\n".join(lines)


def machine() -> dict[str, Any]:
    versions = {}
    for dist in ("openai", "httpx2", "langchain-core", "langchain-openai", "langchain-baseten"):
        try:
            versions[dist] = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            versions[dist] = None
    return {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "versions": versions,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a fast smoke run (about a minute)")
    parser.add_argument("--rounds", type=int, default=None, help="interleaved rounds (default 5)")
    parser.add_argument("--max-seconds", type=float, default=900, help="hard time bound")
    parser.add_argument(
        "--out", type=Path, default=Path(__file__).with_name("results") / "latest.json"
    )
    args = parser.parse_args()
    if args.rounds is None:
        args.rounds = 2 if args.quick else 5
    info = machine()
    results = run(args)
    table = report(results)
    print(f"\n{info['date']}, {info['cpus']} CPUs, {info['platform']}, Python {info['python']}")
    print(", ".join(f"{k} {v}" for k, v in info["versions"].items() if v))
    print(
        f"medians of {args.rounds} interleaved rounds; ratios against raw openai in the same run\n"
    )
    print(table)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"machine": info, "rounds": args.rounds, **results}, indent=2))
    print(f"\nwritten to {args.out}")


if __name__ == "__main__":
    main()
