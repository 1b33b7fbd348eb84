"""Profile one client on one benchmark path and print where the time goes.

Uses the benchmark's server and client set-up (``bench/run.py``), warms the
client up, then runs the path under cProfile and prints the top functions by
own time and by cumulative time. Bounded in calls and time like the benchmark.

Usage::

    python bench/profile_client.py --client ChatBaseten --path invoke --calls 2000
    python bench/profile_client.py --client "raw openai" --path stream --calls 20
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import pstats
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import run

PATHS: dict[str, tuple[str, list[dict[str, str]]]] = {
    "invoke": ("invoke", run.MESSAGES),
    "stream": ("stream", run.MESSAGES),
    "ainvoke": ("ainvoke", run.MESSAGES),
    "astream": ("astream", run.MESSAGES),
    "history": ("invoke", run.HISTORY),
    "concurrent": ("ainvoke", run.MESSAGES),
}


def workload(client: run.Client, path: str, calls: int, seconds: float) -> Any:
    """A zero-argument callable running ``calls`` of ``path`` (stopping after ``seconds``)."""
    method, messages = PATHS[path]
    fn = getattr(client, method)
    arg = client.convert(messages)

    def sync() -> None:
        end = time.monotonic() + seconds
        for _ in range(calls):
            fn(arg)
            if time.monotonic() > end:
                break

    async def sequential() -> None:
        end = time.monotonic() + seconds
        for _ in range(calls):
            await fn(arg)
            if time.monotonic() > end:
                break

    async def concurrent() -> None:
        await asyncio.gather(*(fn(arg) for _ in range(calls)))

    if path == "concurrent":
        return lambda: run.LOOP.run_until_complete(concurrent())
    if method.startswith("a"):
        return lambda: run.LOOP.run_until_complete(sequential())
    return sync


def package_of(filename: str) -> str:
    """A profile entry's package: the directory after site-packages, else a short label."""
    if filename.startswith(("~", "<")):
        return "builtins (C)"
    parts = Path(filename).parts
    if "site-packages" in parts:
        return parts[parts.index("site-packages") + 1].removesuffix(".py")
    if "langchain_baseten" in parts:
        return "langchain_baseten"
    if "bench" in parts:
        return "bench"
    return "stdlib"


def by_package(stats: pstats.Stats) -> list[tuple[str, float]]:
    """Own time summed per package, largest first."""
    totals: dict[str, float] = defaultdict(float)
    for (filename, _, _), (_, _, tottime, _, _) in stats.stats.items():  # type: ignore[attr-defined]
        totals[package_of(filename)] += tottime
    return sorted(totals.items(), key=lambda item: -item[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--client", default=run.OURS, help="raw openai, ChatBaseten, ChatOpenAI")
    parser.add_argument("--path", choices=sorted(PATHS), default="invoke")
    parser.add_argument("--calls", type=int, default=1000, help="calls (or streams) to profile")
    parser.add_argument("--max-seconds", type=float, default=60, help="stop profiling after")
    parser.add_argument("--top", type=int, default=25, help="functions to list per table")
    parser.add_argument("--out", help="also save the raw profile here (pstats format)")
    args = parser.parse_args()
    with run.bench_server(args.max_seconds + 60) as base_url:
        clients = {c.name: c for c in run.make_clients(base_url)}
        if args.client not in clients:
            parser.error(f"--client must be one of {sorted(clients)}")
        work = workload(clients[args.client], args.path, args.calls, args.max_seconds)
        workload(clients[args.client], args.path, min(args.calls, 20), 5)()  # warm up
        gc.collect()
        profiler = cProfile.Profile()
        start = time.perf_counter()
        profiler.runcall(work)
        elapsed = time.perf_counter() - start
    print(f"{args.client} {args.path}: {elapsed:.3f} s under cProfile for up to {args.calls} calls")
    stats = pstats.Stats(profiler)
    if args.out:
        stats.dump_stats(args.out)
    total = sum(seconds for _, seconds in by_package(stats))
    print("\n--- own time by package ---")
    for package, seconds in by_package(stats):
        print(f"{package:>24} {seconds:8.3f} s {seconds / total:6.1%}")
    for order in ("tottime", "cumulative"):
        print(f"\n--- top {args.top} by {order} ---")
        stats.sort_stats(order).print_stats(args.top)


if __name__ == "__main__":
    main()
