"""Client-overhead benchmark: ChatBaseten vs the raw openai client (and ChatOpenAI if installed).

Every figure is measured against one local server (``bench/server.py``: its own
process, 127.0.0.1, pre-built bytes), interleaving the clients in rounds, and
reported as the median of the rounds and as a ratio to raw openai measured in
the same run. Absolute times drift with machine load; ratios move far less.

Usage: ``make bench`` or ``python bench/run.py [--quick] [--rounds N] [--out FILE]``.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import functools
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
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import openai

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Iterator

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # measure this checkout, not an installed copy

BASELINE = "raw openai"
OURS = "ChatBaseten"
MODEL = "openai/gpt-oss-120b"
API_KEY = "bench-key"
CHUNKS = 1000  # content chunks per streamed answer (plus one usage-only chunk)
REQUEST_TIMEOUT = 30.0  # seconds; the same for every client, so no request hangs the run
POOL_KEEPALIVE_EXPIRY = 5.0  # seconds, httpx2's default: idle connections expire after this
EXPECTED_TEXT = "Hello from the benchmark server."
EXPECTED_STREAM_TEXT = "tok " * CHUNKS

MESSAGES = [{"role": "user", "content": "Say hello."}]
HISTORY = [
    {"role": "user" if i % 2 == 0 else "assistant", "content": f"message number {i} " * 8}
    for i in range(100)
]

# Ratio targets for ChatBaseten against raw openai, per path.
TARGETS = {
    "sync invoke": 0.6,
    "sync stream per chunk": 0.3,
    "async ainvoke": 0.8,
    "async stream per chunk": 0.35,
    "200 concurrent ainvoke": 0.9,
    "100-message history": 0.08,
}
CONSTRUCTION_TARGET = 50e-6  # seconds per instance after the first, with no new SSL context
IMPORT_TARGET = 0.8  # from langchain_baseten import ChatBaseten / ... ChatOpenAI
# What each import figure times: the chat model classes as users import them (the
# packages load their other modules, and langchain_baseten the openai SDK, on first use).
IMPORT_STATEMENTS = {
    "openai": "import openai",
    "langchain_openai": "from langchain_openai import ChatOpenAI",
    "langchain_baseten": "from langchain_baseten import ChatBaseten",
}
IMPORT_MODULES = tuple(IMPORT_STATEMENTS)

# One event loop for every async measurement: async clients keep connections bound to
# the loop that opened them, as they would in a long-running application.
LOOP = asyncio.new_event_loop()


# ---------------------------------------------------------------- settings and bounds


@dataclass(frozen=True)
class Settings:
    """How much to measure; ``--quick`` and the full run differ only here."""

    rounds: int
    invokes: int  # sequential calls per sample
    streams: int  # streams per sample (median per chunk taken over them)
    history_calls: int
    concurrency: int
    bursts: int  # timed bursts of ``concurrency`` calls per sample
    instances: int  # constructions timed per client (bounded by time too)
    import_repeats: int
    max_seconds: float
    reserve_seconds: float  # kept back from the rounds for construction and imports


QUICK = Settings(
    rounds=2,
    invokes=60,
    streams=3,
    history_calls=15,
    concurrency=200,
    bursts=2,
    instances=200,
    import_repeats=3,
    max_seconds=120,
    reserve_seconds=30,
)
FULL = Settings(
    rounds=5,
    invokes=500,
    streams=9,
    history_calls=100,
    concurrency=200,
    bursts=5,
    instances=2000,
    import_repeats=9,
    max_seconds=570,
    reserve_seconds=120,
)


class DeadlineReachedError(Exception):
    """A phase ran out of its time budget."""


class Deadline:
    """A time bound that every loop checks."""

    def __init__(self, seconds: float, end: float | None = None) -> None:
        self.end = time.monotonic() + seconds if end is None else end

    def left(self) -> float:
        return self.end - time.monotonic()

    def check(self) -> None:
        if time.monotonic() > self.end:
            raise DeadlineReachedError

    def earlier(self, seconds: float) -> Deadline:
        """The same deadline, ``seconds`` sooner (to keep time for later phases)."""
        return Deadline(0, end=self.end - seconds)


# ---------------------------------------------------------------- server


@contextmanager
def bench_server(max_seconds: float) -> Iterator[str]:
    """Run ``server.py`` in its own process; yield its ``/v1`` base URL."""
    proc = subprocess.Popen(
        [
            sys.executable,
            str(Path(__file__).with_name("server.py")),
            "--max-seconds",
            str(int(max_seconds) + 60),
            "--chunks",
            str(CHUNKS),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if not line.startswith("PORT "):
            msg = f"benchmark server did not start: {line!r}"
            raise RuntimeError(msg)
        yield f"http://127.0.0.1:{line.split()[1]}/v1"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


# ---------------------------------------------------------------- clients


@dataclass
class Client:
    """One client under test: the calls each path times, plus checks of their answers."""

    name: str
    invoke: Callable[[Any], Any]
    ainvoke: Callable[[Any], Awaitable[Any]]
    stream: Callable[[Any], Any]  # consumes a whole stream
    astream: Callable[[Any], Awaitable[Any]]
    convert: Callable[[list[dict[str, str]]], Any]  # dict messages -> the client's input
    text: Callable[[Any], str]  # invoke result -> its text
    collect: Callable[[Any], tuple[str, int | None]]  # stream -> (text, output tokens)


def raw_openai_client(base_url: str) -> Client:
    """The 1.00x baseline: ``client.chat.completions.create``, sync and async."""
    sync = openai.OpenAI(base_url=base_url, api_key=API_KEY, max_retries=0, timeout=REQUEST_TIMEOUT)
    aio = openai.AsyncOpenAI(
        base_url=base_url, api_key=API_KEY, max_retries=0, timeout=REQUEST_TIMEOUT
    )
    stream_args: dict[str, Any] = {"stream": True, "stream_options": {"include_usage": True}}

    def stream(messages: Any) -> None:
        for _ in sync.chat.completions.create(model=MODEL, messages=messages, **stream_args):
            pass

    async def astream(messages: Any) -> None:
        async for _ in await aio.chat.completions.create(
            model=MODEL, messages=messages, **stream_args
        ):
            pass

    def collect(messages: Any) -> tuple[str, int | None]:
        text, tokens = [], None
        for chunk in sync.chat.completions.create(model=MODEL, messages=messages, **stream_args):
            text += [c.delta.content or "" for c in chunk.choices]
            tokens = chunk.usage.completion_tokens if chunk.usage else tokens
        return "".join(text), tokens

    return Client(
        name=BASELINE,
        invoke=lambda m: sync.chat.completions.create(model=MODEL, messages=m),
        ainvoke=lambda m: aio.chat.completions.create(model=MODEL, messages=m),
        stream=stream,
        astream=astream,
        convert=lambda m: m,
        text=lambda r: r.choices[0].message.content,
        collect=collect,
    )


def langchain_client(name: str, llm: Any) -> Client:
    """A LangChain chat model: ``invoke``/``ainvoke``/``stream``/``astream`` on message objects."""
    from langchain_core.messages import convert_to_messages

    def stream(messages: Any) -> None:
        for _ in llm.stream(messages):
            pass

    async def astream(messages: Any) -> None:
        async for _ in llm.astream(messages):
            pass

    def collect(messages: Any) -> tuple[str, int | None]:
        text, tokens = [], None
        for chunk in llm.stream(messages):
            text.append(chunk.text if isinstance(chunk.text, str) else chunk.text())
            usage = chunk.usage_metadata
            tokens = usage["output_tokens"] if usage else tokens
        return "".join(text), tokens

    return Client(
        name=name,
        invoke=llm.invoke,
        ainvoke=llm.ainvoke,
        stream=stream,
        astream=astream,
        convert=convert_to_messages,
        text=lambda r: r.text if isinstance(r.text, str) else r.text(),
        collect=collect,
    )


def new_chat_baseten(base_url: str) -> Any:
    from langchain_baseten import ChatBaseten

    return ChatBaseten(
        model=MODEL,
        base_url=base_url,
        api_key=API_KEY,
        max_retries=0,
        timeout=REQUEST_TIMEOUT,
        stream_usage=True,
    )


def new_chat_openai(base_url: str) -> Any:
    from langchain_openai import ChatOpenAI

    return ChatOpenAI(
        model=MODEL,
        base_url=base_url,
        api_key=API_KEY,
        max_retries=0,
        timeout=REQUEST_TIMEOUT,
        stream_usage=True,
    )


def new_raw_openai(base_url: str) -> Any:
    return openai.OpenAI(base_url=base_url, api_key=API_KEY, max_retries=0, timeout=REQUEST_TIMEOUT)


# Constructors per client, for the construction measurement.
FACTORIES: dict[str, Callable[[str], Any]] = {
    BASELINE: new_raw_openai,
    OURS: new_chat_baseten,
    "ChatOpenAI": new_chat_openai,
}


def importable(module: str) -> bool:
    try:
        __import__(module)
    except ImportError as exc:
        print(f"note: cannot import {module} ({exc}); it is left out of this run")
        return False
    return True


def make_clients(base_url: str) -> list[Client]:
    """Raw openai always; ChatBaseten and ChatOpenAI when they can be imported."""
    clients = [raw_openai_client(base_url)]
    if importable("langchain_baseten"):
        clients.append(langchain_client(OURS, new_chat_baseten(base_url)))
    if importable("langchain_openai"):
        clients.append(langchain_client("ChatOpenAI", new_chat_openai(base_url)))
    return clients


def check_answers(client: Client) -> list[str]:
    """Problems with a client's answers (empty when invoke and stream come back whole)."""
    problems = []
    text = client.text(client.invoke(client.convert(MESSAGES)))
    if text != EXPECTED_TEXT:
        problems.append(f"invoke returned {text[:60]!r}")
    streamed, tokens = client.collect(client.convert(MESSAGES))
    if streamed != EXPECTED_STREAM_TEXT:
        problems.append(
            f"stream text has {len(streamed)} characters, not {len(EXPECTED_STREAM_TEXT)}"
        )
    if tokens != CHUNKS:
        problems.append(f"stream usage reported {tokens} output tokens, not {CHUNKS}")
    return problems


# ---------------------------------------------------------------- timed paths


def sync_per_call(fn: Any, arg: Any, n: int, deadline: Deadline) -> float:
    """Seconds per call over ``n`` sequential calls (after one warm-up)."""
    fn(arg)
    start = time.perf_counter()
    for _ in range(n):
        fn(arg)
        deadline.check()
    return (time.perf_counter() - start) / n


def sync_per_chunk(fn: Any, arg: Any, n: int, deadline: Deadline) -> float:
    """Median over ``n`` whole streams of seconds per content chunk.

    A median over streams keeps a garbage-collection pause in one stream from
    skewing the figure. Every client's time is divided by the same count (the
    server's content chunks), whatever number of objects the client yields.
    """
    fn(arg)
    times = []
    for _ in range(n):
        start = time.perf_counter()
        fn(arg)
        times.append((time.perf_counter() - start) / CHUNKS)
        deadline.check()
    return statistics.median(times)


async def _async_per_call(fn: Any, arg: Any, n: int, deadline: Deadline) -> float:
    await fn(arg)
    start = time.perf_counter()
    for _ in range(n):
        await fn(arg)
        deadline.check()
    return (time.perf_counter() - start) / n


async def _async_per_chunk(fn: Any, arg: Any, n: int, deadline: Deadline) -> float:
    await fn(arg)
    times = []
    for _ in range(n):
        start = time.perf_counter()
        await fn(arg)
        times.append((time.perf_counter() - start) / CHUNKS)
        deadline.check()
    return statistics.median(times)


async def _concurrent_wall(fn: Any, arg: Any, n: int, bursts: int, deadline: Deadline) -> float:
    await asyncio.gather(*(fn(arg) for _ in range(n)))  # open the pool's connections
    deadline.check()
    start = time.perf_counter()
    for _ in range(bursts):
        await asyncio.gather(*(fn(arg) for _ in range(n)))
        deadline.check()
    return (time.perf_counter() - start) / bursts


def async_per_call(fn: Any, arg: Any, n: int, deadline: Deadline) -> float:
    """Seconds per awaited call over ``n`` sequential calls."""
    return LOOP.run_until_complete(_async_per_call(fn, arg, n, deadline))


def async_per_chunk(fn: Any, arg: Any, n: int, deadline: Deadline) -> float:
    """As :func:`sync_per_chunk`, for async streams."""
    return LOOP.run_until_complete(_async_per_chunk(fn, arg, n, deadline))


def concurrent_wall(fn: Any, arg: Any, n: int, deadline: Deadline, bursts: int = 1) -> float:
    """Wall seconds per burst of ``n`` calls gathered at once (after one untimed burst).

    The mean over ``bursts`` consecutive bursts, not a median: a burst of 200 calls
    leaves enough surviving objects to set off a full garbage collection now and
    then (~0.1 s with every client's modules loaded), and how often that happens
    is part of a client's cost; a single burst would catch it or not by chance.
    """
    return LOOP.run_until_complete(_concurrent_wall(fn, arg, n, bursts, deadline))


@dataclass(frozen=True)
class TimedPath:
    """One timed path: which call, how it is timed, with which messages, how many times."""

    name: str
    method: str  # a Client attribute
    measure: Callable[[Any, Any, int, Deadline], float]
    messages: list[dict[str, str]]
    count: int


def plan(settings: Settings) -> list[TimedPath]:
    return [
        TimedPath("sync invoke", "invoke", sync_per_call, MESSAGES, settings.invokes),
        TimedPath("sync stream per chunk", "stream", sync_per_chunk, MESSAGES, settings.streams),
        TimedPath("async ainvoke", "ainvoke", async_per_call, MESSAGES, settings.invokes),
        TimedPath("async stream per chunk", "astream", async_per_chunk, MESSAGES, settings.streams),
        TimedPath("100-message history", "invoke", sync_per_call, HISTORY, settings.history_calls),
        # Last in each round: it leaves ~100 idle connections in each pool, which slow
        # later requests until they expire, so the next round waits for that.
        TimedPath(
            "200 concurrent ainvoke",
            "ainvoke",
            functools.partial(concurrent_wall, bursts=settings.bursts),
            MESSAGES,
            settings.concurrency,
        ),
    ]


def measure_round(
    paths: list[TimedPath], clients: list[Client], round_no: int, deadline: Deadline
) -> dict[str, dict[str, float]]:
    """One round: every path for every client, the client order rotated per round.

    A path whose clients did not all finish before the deadline is left out.
    """
    shift = round_no % len(clients)
    order = clients[shift:] + clients[:shift]
    results: dict[str, dict[str, float]] = {}
    for path in paths:
        values = {}
        try:
            for client in order:
                gc.collect()
                fn = getattr(client, path.method)
                values[client.name] = path.measure(
                    fn, client.convert(path.messages), path.count, deadline
                )
        except DeadlineReachedError:
            break
        results[path.name] = values
    return results


def run_rounds(
    clients: list[Client], settings: Settings, deadline: Deadline
) -> dict[str, dict[str, list[float]]]:
    """Interleaved rounds until done or out of time; samples[path][client] per round."""
    paths = plan(settings)
    samples: dict[str, dict[str, list[float]]] = {p.name: {} for p in paths}
    for round_no in range(settings.rounds):
        if round_no:
            time.sleep(min(POOL_KEEPALIVE_EXPIRY + 0.5, max(deadline.left(), 0)))
        results = measure_round(paths, clients, round_no, deadline)
        for path_name, values in results.items():
            for client, value in values.items():
                samples[path_name].setdefault(client, []).append(value)
        complete = len(results) == len(paths)
        print(f"round {round_no + 1}/{settings.rounds} {'done' if complete else 'cut short'}")
        if not complete:
            print("note: out of time; medians cover the rounds that finished")
            break
    return samples


def summarize(samples: dict[str, dict[str, list[float]]]) -> dict[str, Any]:
    """Medians and ratios to the raw openai median of the same path."""
    paths: dict[str, Any] = {}
    for name, per_client in samples.items():
        if BASELINE not in per_client:
            continue
        base = statistics.median(per_client[BASELINE])
        paths[name] = {
            client: {
                "median_seconds": statistics.median(values),
                "ratio": statistics.median(values) / base,
                "samples": values,
            }
            for client, values in per_client.items()
        }
    return paths


# ---------------------------------------------------------------- construction


@contextmanager
def count_ssl_contexts() -> Iterator[list[int]]:
    """Count SSL contexts built inside the block (``ssl.SSLContext.__new__`` calls)."""
    counter = [0]
    original = ssl.SSLContext.__new__

    def counting_new(cls: Any, *args: Any, **kwargs: Any) -> Any:
        counter[0] += 1
        return original(cls, *args, **kwargs)

    ssl.SSLContext.__new__ = counting_new  # type: ignore[method-assign]
    try:
        yield counter
    finally:
        ssl.SSLContext.__new__ = original  # type: ignore[method-assign]


def resident_bytes() -> int | None:
    """This process's resident set size, from ``/proc`` (None where there is none)."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return None
    return pages * os.sysconf("SC_PAGE_SIZE")


def construction(factory: Callable[[], Any], n: int, deadline: Deadline) -> dict[str, Any]:
    """Seconds and bytes per instance after the first, and SSL contexts built for them.

    Timing (up to ``n`` instances or two seconds) and memory (up to 50 more
    instances, all kept alive) are measured separately, since tracing slows
    allocation down. Memory is reported twice: Python allocations (tracemalloc)
    and the resident-set growth, which also sees C allocations such as the
    certificate store an SSL context loads (Linux only; coarse, in pages).
    """
    gc.collect()
    start = time.perf_counter()
    first = factory()
    first_seconds = time.perf_counter() - start
    stop_at = time.monotonic() + min(2.0, max(deadline.left(), 0.5))
    keep: list[Any] = []
    with count_ssl_contexts() as ssl_contexts:
        start = time.perf_counter()
        while len(keep) < n and (len(keep) < 3 or time.monotonic() < stop_at):
            keep.append(factory())
        seconds = (time.perf_counter() - start) / len(keep)
        gc.collect()
        rss_before = resident_bytes()
        tracemalloc.start()
        before = tracemalloc.take_snapshot()
        more = [factory() for _ in range(min(50, len(keep)))]
        after = tracemalloc.take_snapshot()
        tracemalloc.stop()
        rss_after = resident_bytes()
        rss = (rss_after - rss_before) / len(more) if rss_before and rss_after else None
    size = sum(stat.size_diff for stat in after.compare_to(before, "filename")) / len(more)
    instances = len(keep) + len(more)
    del first, keep, more
    return {
        "first_seconds": first_seconds,
        "seconds": seconds,
        "bytes": size,
        "rss_bytes": rss,
        "ssl_contexts": ssl_contexts[0],
        "instances": instances,
    }


def measure_constructions(
    names: list[str], base_url: str, n: int, deadline: Deadline
) -> dict[str, Any]:
    return {
        name: construction(functools.partial(FACTORIES[name], base_url), n, deadline)
        for name in names
    }


# ---------------------------------------------------------------- import time


def _interpreter_seconds(code: str) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT, capture_output=True)
    return time.perf_counter() - start


def import_times(repeats: int, deadline: Deadline) -> dict[str, float | None]:
    """Median seconds of ``python -c "<import statement>"`` minus a bare interpreter, interleaved.

    The statements are :data:`IMPORT_STATEMENTS` (keyed by package).
    """
    modules = []
    for module in IMPORT_MODULES:
        try:
            _interpreter_seconds(IMPORT_STATEMENTS[module])  # also warms the file cache
            modules.append(module)
        except subprocess.CalledProcessError:
            print(f"note: `{IMPORT_STATEMENTS[module]}` fails in a fresh interpreter; no time")
    times: dict[str, list[float]] = {m: [] for m in modules}
    for repeat in range(repeats):
        if repeat and deadline.left() < 0:
            break
        bare = _interpreter_seconds("pass")
        for module in modules:
            times[module].append(_interpreter_seconds(IMPORT_STATEMENTS[module]) - bare)
    return {m: statistics.median(times[m]) if m in times else None for m in IMPORT_MODULES}


# ---------------------------------------------------------------- verdicts and report


def verdicts(results: dict[str, Any]) -> dict[str, Any]:
    """Each target: ChatBaseten's value, the limit and PASS/MISS (None when not measured)."""
    out: dict[str, Any] = {}
    for name, limit in TARGETS.items():
        ours = results["paths"].get(name, {}).get(OURS)
        value = ours["ratio"] if ours else None
        out[name] = {"value": value, "limit": limit, "unit": "x raw openai"}
    build = results["construction"].get(OURS)
    out["construction"] = {
        "value": build["seconds"] if build else None,
        "limit": CONSTRUCTION_TARGET,
        "unit": "seconds per instance, no new SSL context",
    }
    imports = results["import_seconds"]
    ours_import, theirs = imports.get("langchain_baseten"), imports.get("langchain_openai")
    out["import"] = {
        "value": ours_import / theirs if ours_import and theirs else None,
        "limit": IMPORT_TARGET,
        "unit": "x from langchain_openai import ChatOpenAI",
    }
    for name, entry in out.items():
        passed = entry["value"] is not None and entry["value"] <= entry["limit"]
        if name == "construction" and build:
            passed = passed and build["ssl_contexts"] == 0
        entry["verdict"] = None if entry["value"] is None else ("PASS" if passed else "MISS")
    return out


def fmt_time(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds >= 0.01:
        return f"{seconds * 1000:,.1f} ms"
    return f"{seconds * 1e6:,.1f} us"


def _verdict_cell(entry: dict[str, Any], text: str) -> str:
    if entry["verdict"] is None:
        return f"{text}: not measured"
    return f"{text}: {entry['verdict']}"


def paths_table(results: dict[str, Any], targets: dict[str, Any]) -> list[str]:
    clients = results["clients"]
    lines = [
        "| path | " + " | ".join(clients) + f" | target ({OURS}) |",
        "|---|" + "---|" * (len(clients) + 1),
    ]
    for name, limit in TARGETS.items():
        per_client = results["paths"].get(name, {})
        cells = [
            f"{fmt_time(per_client[c]['median_seconds'])} ({per_client[c]['ratio']:.2f}x)"
            if c in per_client
            else "-"
            for c in clients
        ]
        verdict = _verdict_cell(targets[name], f"<= {limit}x")
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {verdict} |")
    return lines


def construction_table(results: dict[str, Any], targets: dict[str, Any]) -> list[str]:
    columns = [
        "construction",
        "first instance",
        "per instance after",
        "Python memory per instance",
        "RSS growth per instance",
        "new SSL contexts (after the first)",
    ]
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for name, c in results["construction"].items():
        rss = "-" if c["rss_bytes"] is None else f"{c['rss_bytes'] / 1024:,.1f} KiB"
        lines.append(
            f"| {name} | {fmt_time(c['first_seconds'])} | {fmt_time(c['seconds'])} "
            f"| {c['bytes'] / 1024:,.1f} KiB | {rss} | {c['ssl_contexts']} |"
        )
    verdict = _verdict_cell(targets["construction"], f"{OURS} <= 50 us, no new SSL context")
    return [*lines, "", f"construction target: {verdict}"]


def import_lines(results: dict[str, Any], targets: dict[str, Any]) -> list[str]:
    imports = results["import_seconds"]
    parts = [f"`{IMPORT_STATEMENTS.get(m, m)}` {fmt_time(s)}" for m, s in imports.items()]
    ratio = targets["import"]["value"]
    shown = f"ChatBaseten / ChatOpenAI = {ratio:.2f}x" if ratio else "no ratio"
    verdict = _verdict_cell(targets["import"], f"{shown} (target <= {IMPORT_TARGET}x)")
    return ["import (minus a bare interpreter): " + ", ".join(parts), f"import target: {verdict}"]


def report(info: dict[str, Any], results: dict[str, Any]) -> str:
    versions = ", ".join(f"{k} {v}" for k, v in info["versions"].items() if v)
    versions += f" (checkout {info['checkout']})" if info["checkout"] else ""
    lines = [
        f"{info['date']}, {info['cpus']} CPUs, {info['platform']}, Python {info['python']}",
        versions,
        (
            f"medians of {results['rounds_completed']} interleaved rounds; "
            "ratios against raw openai in the same run"
        ),
        "",
        *paths_table(results, results["targets"]),
        "",
        *construction_table(results, results["targets"]),
        "",
        *import_lines(results, results["targets"]),
    ]
    for client, problems in results["answer_problems"].items():
        lines += [f"WARNING: {client}: {p}" for p in problems]
    return "\n".join(lines)


def _git(*args: str) -> str:
    done = subprocess.run(["git", *args], check=False, cwd=ROOT, capture_output=True, text=True)
    return done.stdout.strip()


def checkout() -> str | None:
    """The measured commit, marked ``-dirty`` when the package has uncommitted changes."""
    try:
        commit = _git("rev-parse", "--short", "HEAD")
        changes = _git("status", "--porcelain", "--", "langchain_baseten")
    except OSError:
        return None
    return f"{commit}-dirty" if commit and changes else commit or None


def machine() -> dict[str, Any]:
    versions: dict[str, str | None] = {}
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
        "checkout": checkout(),
    }


# ---------------------------------------------------------------- main


def run(settings: Settings) -> dict[str, Any]:
    """Every measurement, within ``settings.max_seconds``."""
    deadline = Deadline(settings.max_seconds)
    with bench_server(settings.max_seconds) as base_url:
        clients = make_clients(base_url)
        problems = {c.name: check_answers(c) for c in clients}
        samples = run_rounds(clients, settings, deadline.earlier(settings.reserve_seconds))
        paths = summarize(samples)
        names = [c.name for c in clients]
        built = measure_constructions(names, base_url, settings.instances, deadline)
        LOOP.run_until_complete(LOOP.shutdown_asyncgens())
    results: dict[str, Any] = {
        "clients": names,
        "rounds_completed": min((len(v) for p in samples.values() for v in p.values()), default=0),
        "answer_problems": {k: v for k, v in problems.items() if v},
        "paths": paths,
        "construction": built,
        "import_seconds": import_times(settings.import_repeats, deadline),
    }
    results["targets"] = verdicts(results)
    return results


def parse_args() -> tuple[Settings, Path]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a smoke run of about a minute")
    parser.add_argument("--rounds", type=int, help="interleaved rounds (default 5; quick 2)")
    parser.add_argument("--max-seconds", type=float, help="overall time bound (default 570)")
    parser.add_argument(
        "--out",
        type=Path,
        default=Path(__file__).with_name("results") / "latest.json",
        help="where to write the JSON results (default bench/results/latest.json)",
    )
    args = parser.parse_args()
    settings = QUICK if args.quick else FULL
    overrides = {"rounds": args.rounds, "max_seconds": args.max_seconds}
    settings = Settings(**{**vars(settings), **{k: v for k, v in overrides.items() if v}})
    return settings, args.out


def main() -> None:
    settings, out = parse_args()
    info = machine()
    results = run(settings)
    print()
    print(report(info, results))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"machine": info, "settings": vars(settings), **results}, indent=2))
    print(f"\nwritten to {out}")


if __name__ == "__main__":
    main()
