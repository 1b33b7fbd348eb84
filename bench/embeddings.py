"""Embeddings benchmark: BasetenEmbeddings vs Baseten's Performance Client and raw AsyncOpenAI.

One local server (``bench/server.py``: its own process, 127.0.0.1, pre-built
bytes, 1024-dimension vectors, ``encoding_format`` honoured as BEI/TEI/vLLM
do) answers every client. BasetenEmbeddings is measured with each backend:
the Rust one (baseten-performance-client, what ``backend="auto"`` uses on
Baseten's https hosts when the ``performance`` extra is installed; chosen
explicitly for the local server, its warning silenced) and the Python
transport (the default without it, and off Baseten's hosts). The Performance Client is measured with its vectors left in Rust
(``embed``, the target's anchor) and read as Python lists (``embed + lists``,
what LangChain must return). Each client embeds the same N short texts with its
own defaults, with no model delay and with a per-request delay (the server's
``/delay/<ms>/`` prefix); rounds interleave the clients (order rotated per
round); medians and ratios to the Performance Client are reported. Every
answer is checked against the server's vectors (values and input order)
before anything is timed. Peak memory for ``--memory-n`` vectors is measured
per client in a fresh process (resident set high-water mark).

Usage: ``python bench/embeddings.py [--quick] [--rounds N] [--out FILE]``
(``make bench`` runs it after the chat benchmark).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import gc
import importlib.metadata
import json
import resource
import statistics
import struct
import subprocess
import sys
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import openai

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # measure this checkout, not an installed copy
sys.path.insert(0, str(HERE))

from run import Deadline, DeadlineReachedError, bench_server, checkout, machine  # noqa: E402
from server import EMBED_DIMENSIONS, vector_index  # noqa: E402
from server import _embed_vectors as server_vectors  # noqa: E402

if TYPE_CHECKING:
    from collections.abc import Callable

API_KEY = "bench-key"
MODEL = "bench-embedder"
ANCHOR = "Performance Client"
FLOOR = "No HTTP (the floor)"
DELAYS_MS = (0, 20)
TARGET = 1.0  # BasetenEmbeddings / Performance Client, each path
MEMORY_TARGET = 1.5  # peak growth / the vectors' own size as Python lists
RAW_BATCH = 128  # raw AsyncOpenAI: inputs per request ...
RAW_CONCURRENCY = 16  # ... and requests at once (as a user would write it)


@dataclass(frozen=True)
class Settings:
    rounds: int
    n: int
    memory_n: int
    max_seconds: float


QUICK = Settings(rounds=2, n=5_000, memory_n=5_000, max_seconds=80)
FULL = Settings(rounds=3, n=20_000, memory_n=100_000, max_seconds=480)


def texts(n: int) -> list[str]:
    return [f"short text number {i} about the weather and the sea" for i in range(n)]


def expected(inputs: list[str]) -> list[list[float]]:
    vectors = [list(v) for v in server_vectors()]
    return [vectors[vector_index(t)] for t in inputs]


# ---------------------------------------------------------------- clients
# Each maker returns {path name: callable(texts) -> list of vectors}.


def performance_client(base_url: str) -> dict[str, Callable[[list[str]], Any]]:
    from baseten_performance_client import PerformanceClient

    client = PerformanceClient(base_url=base_url, api_key=API_KEY)

    def embed(inputs: list[str]) -> Any:
        return client.embed(inputs, model=MODEL)

    def embed_lists(inputs: list[str]) -> list[list[float]]:
        return [item.embedding for item in embed(inputs).data]

    async def async_embed_lists(inputs: list[str]) -> list[list[float]]:
        response = await client.async_embed(inputs, model=MODEL)
        vectors: list[list[float]] = []
        for item in response.data:
            embedding = item.embedding  # typed floats or base64 text; float encoding answers floats
            assert isinstance(embedding, list)
            vectors.append(embedding)
        return vectors

    return {
        "embed": embed,
        "embed + lists": embed_lists,
        "async_embed + lists": lambda inputs: asyncio.run(async_embed_lists(inputs)),
    }


def baseten_embeddings(base_url: str, backend: str) -> dict[str, Callable[[list[str]], Any]]:
    from langchain_baseten import BasetenEmbeddings

    emb = BasetenEmbeddings(
        model=MODEL, base_url=base_url + "/v1", api_key=API_KEY, backend=backend
    )
    return {
        "embed_documents": emb.embed_documents,
        "aembed_documents": lambda inputs: asyncio.run(emb.aembed_documents(inputs)),
    }


def baseten_rust(base_url: str) -> dict[str, Callable[[list[str]], Any]]:
    """The default (``backend="auto"``) on Baseten's hosts with the ``performance`` extra."""
    import baseten_performance_client  # noqa: F401 - without it "auto" would be Python

    from langchain_baseten import PerformanceClientWarning

    # The local server is the benchmark's own: what the warning is about does not apply.
    warnings.simplefilter("ignore", PerformanceClientWarning)
    return baseten_embeddings(base_url, "performance-client")


def baseten_python(base_url: str) -> dict[str, Callable[[list[str]], Any]]:
    """The default without the ``performance`` extra."""
    return baseten_embeddings(base_url, "python")


def raw_async_openai(base_url: str) -> dict[str, Callable[[list[str]], Any]]:
    async def embed(inputs: list[str]) -> list[list[float]]:
        client = openai.AsyncOpenAI(base_url=base_url + "/v1", api_key=API_KEY)
        limit = asyncio.Semaphore(RAW_CONCURRENCY)

        async def one(batch: list[str]) -> list[list[float]]:
            async with limit:
                response = await client.embeddings.create(input=batch, model=MODEL)
            return [item.embedding for item in response.data]

        batches = [inputs[i : i + RAW_BATCH] for i in range(0, len(inputs), RAW_BATCH)]
        try:
            results = await asyncio.gather(*(one(b) for b in batches))
        finally:
            await client.close()
        return [v for r in results for v in r]

    return {"embeddings.create": lambda inputs: asyncio.run(embed(inputs))}


def no_http(base_url: str) -> dict[str, Callable[[list[str]], Any]]:
    """The floor: the answers' vectors turned into lists in this process, with no HTTP at all.

    Built before timing: each vector as float32 bytes and as the base64 text of an
    answer. ``float32 bytes -> lists`` is one ``memoryview.tolist()`` per vector,
    the least any client returning Python lists must do; ``base64 answers ->
    decode_vectors`` is what the package does with answers once they have arrived
    (batches of 32). Neither sends a request (``base_url`` is unused).
    """
    from langchain_baseten._embed import DEFAULT_BATCH_SIZE, decode_vectors

    raw = [struct.pack(f"<{EMBED_DIMENSIONS}f", *v) for v in server_vectors()]
    encoded = [base64.b64encode(r).decode("ascii") for r in raw]

    def lists(inputs: list[str]) -> list[list[float]]:
        views = [memoryview(raw[vector_index(t)]).cast("f") for t in inputs]
        start = time.perf_counter()
        out: list[list[float]] = [view.tolist() for view in views]  # type: ignore[misc]
        _timed_part_started.append(start)
        return out

    def decoded(inputs: list[str]) -> list[list[float]]:
        answers = [
            {"data": [{"embedding": encoded[vector_index(t)]} for t in inputs[i : i + step]]}
            for i in range(0, len(inputs), step)
        ]
        start = time.perf_counter()
        out = [v for a in answers for v in decode_vectors(a, len(a["data"]), None)]
        _timed_part_started.append(start)
        return out

    step = DEFAULT_BATCH_SIZE
    return {"float32 bytes -> lists": lists, "base64 answers -> decode_vectors": decoded}


#: Where a floor path's timed part started: it prepares its inputs first, untimed.
_timed_part_started: list[float] = []


RUST = "BasetenEmbeddings (Rust backend)"
PYTHON = "BasetenEmbeddings (Python backend)"
OURS = (RUST, PYTHON)
CLIENTS = {
    RUST: baseten_rust,
    PYTHON: baseten_python,
    ANCHOR: performance_client,
    "raw AsyncOpenAI": raw_async_openai,
    FLOOR: no_http,
}


def make_paths(base_url: str) -> dict[str, Callable[[list[str]], Any]]:
    """Every (client, path) as ``"client: path"``; clients that cannot be imported are noted."""
    paths: dict[str, Callable[[list[str]], Any]] = {}
    for name, maker in CLIENTS.items():
        try:
            made = maker(base_url)
        except ImportError as exc:
            print(f"note: {name} left out ({exc})")
            continue
        paths.update({f"{name}: {path}": fn for path, fn in made.items()})
    return paths


def check(paths: dict[str, Callable[[list[str]], Any]], inputs: list[str]) -> dict[str, str]:
    """Each path's answer, compared with the server's vectors (values and order)."""
    want = expected(inputs)
    problems = {}
    for name, fn in paths.items():
        got = fn(inputs)
        if name.endswith(": embed"):
            got = [item.embedding for item in got.data]
        if got != want:
            wrong = next(
                (i for i, (a, b) in enumerate(zip(got, want, strict=False)) if a != b), None
            )
            problems[name] = f"{len(got)} vectors for {len(want)}, first difference at {wrong}"
    return problems


# ---------------------------------------------------------------- timing


def timed(fn: Callable[[list[str]], Any], inputs: list[str]) -> float:
    gc.collect()
    _timed_part_started.clear()
    start = time.perf_counter()
    result = fn(inputs)
    end = time.perf_counter()
    del result
    if _timed_part_started:  # a floor path: only its own timed part counts
        start = _timed_part_started[0]
    return end - start


def run_rounds(
    base_url: str, settings: Settings, deadline: Deadline
) -> tuple[dict[str, dict[str, list[float]]], dict[str, str]]:
    inputs = texts(settings.n)
    samples: dict[str, dict[str, list[float]]] = {}
    problems: dict[str, str] = {}
    scenario_paths = {}
    for delay in DELAYS_MS:
        url = base_url if not delay else f"{base_url}/delay/{delay}"
        scenario = f"{delay} ms per request"
        paths = make_paths(url)
        problems.update({f"{k} ({scenario})": v for k, v in check(paths, inputs[:2000]).items()})
        scenario_paths[scenario] = paths
        samples[scenario] = {name: [] for name in paths}
    try:
        for round_number in range(settings.rounds):
            for scenario, paths in scenario_paths.items():
                names = list(paths)
                shift = round_number % len(names)
                for name in names[shift:] + names[:shift]:
                    deadline.check()
                    samples[scenario][name].append(timed(paths[name], inputs))
            print(f"round {round_number + 1} done", file=sys.stderr)
    except DeadlineReachedError:
        print("note: time bound reached; later rounds dropped", file=sys.stderr)
    return samples, problems


def summarize(samples: dict[str, dict[str, list[float]]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for scenario, paths in samples.items():
        rounds = min((len(v) for v in paths.values()), default=0)
        medians = {name: statistics.median(v[:rounds]) for name, v in paths.items() if rounds}
        anchor = medians.get(f"{ANCHOR}: embed")
        anchor_lists = medians.get(f"{ANCHOR}: embed + lists")
        out[scenario] = {
            name: {
                "median_seconds": seconds,
                "ratio_to_embed": seconds / anchor if anchor else None,
                "ratio_to_embed_lists": seconds / anchor_lists if anchor_lists else None,
                "samples": paths[name][:rounds],
            }
            for name, seconds in medians.items()
        }
    return out


# ---------------------------------------------------------------- memory (fresh process each)


# The high-water mark of this process's own memory (VmHWM): ``ru_maxrss`` would not
# do, Linux carries it over from the parent across fork and exec.
MEMORY_CODE = """
import json, sys
sys.path.insert(0, {root!r}); sys.path.insert(0, {here!r})
import embeddings as bench
paths = bench.CLIENTS[{client!r}]({url!r})
fn = paths[{path!r}]
inputs = bench.texts({n})
fn(inputs[:64])  # connections, imports
before = bench.high_water_kib()
vectors = fn(inputs)
peak = bench.high_water_kib()
print(json.dumps({{"before_kib": before, "peak_kib": peak, "count": len(vectors)}}))
"""


def high_water_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def lists_size(n: int, dims: int) -> int:
    """Bytes of ``n`` Python lists of ``dims`` distinct floats (objects + list storage)."""
    one = sys.getsizeof([0.0] * dims) + dims * sys.getsizeof(0.0)
    return n * (one + 8)  # + the outer list's pointer


def memory(base_url: str, n: int, deadline: Deadline) -> dict[str, Any]:
    runs = {
        RUST: "embed_documents",
        PYTHON: "embed_documents",
        ANCHOR: "embed + lists",
    }
    own = lists_size(n, EMBED_DIMENSIONS)
    out: dict[str, Any] = {"n": n, "lists_bytes": own}
    for client, path in runs.items():
        if deadline.left() < 30:
            out[client] = None
            continue
        code = MEMORY_CODE.format(
            root=str(HERE.parent), here=str(HERE), client=client, url=base_url, path=path, n=n
        )
        done = subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            timeout=max(30, deadline.left()),
            check=False,
        )
        if done.returncode:
            out[client] = {"error": done.stderr.strip().splitlines()[-1:]}
            continue
        figures = json.loads(done.stdout.strip().splitlines()[-1])
        growth = (figures["peak_kib"] - figures["before_kib"]) * 1024
        out[client] = {"peak_growth_bytes": growth, "ratio_to_lists": growth / own}
    return out


# ---------------------------------------------------------------- report


def report(results: dict[str, Any]) -> str:
    lines = [
        (
            f"{results['n']} texts, {EMBED_DIMENSIONS} dimensions, medians of "
            f"{results['rounds_completed']} interleaved rounds; ratios to the {ANCHOR}'s embed "
            "(and to its embed + converting its vectors to lists)"
        ),
        "",
    ]
    for scenario, paths in results["paths"].items():
        lines.append(f"{scenario}:")
        for name, entry in paths.items():
            r1, r2 = entry["ratio_to_embed"], entry["ratio_to_embed_lists"]
            ratios = f"{r1:.2f}x / {r2:.2f}x" if r1 and r2 else ""
            lines.append(f"  {name:<52} {entry['median_seconds']:7.3f} s  {ratios}")
    mem = results["memory"]
    lines += [
        "",
        f"peak memory for {mem['n']} vectors (lists alone: {mem['lists_bytes'] / 2**20:.0f} MiB):",
    ]
    for client in (*OURS, ANCHOR):
        entry = mem.get(client)
        if entry and "ratio_to_lists" in entry:
            lines.append(
                f"  {client:<52} {entry['peak_growth_bytes'] / 2**20:7.0f} MiB "
                f"({entry['ratio_to_lists']:.2f}x; target <= {MEMORY_TARGET}x)"
            )
        else:
            lines.append(f"  {client:<52} not measured {entry or ''}")
    lines += [
        "",
        "targets (BasetenEmbeddings <= 1.0x of the Performance Client's embed, which leaves",
        "its vectors in Rust; LangChain must return lists, so the ratio to its embed + lists",
        "is shown too; the no-HTTP floor is what building the lists alone costs this process):",
    ]
    for name, verdict in results["targets"].items():
        lines.append(f"  {name}: {verdict}")
    lines += [f"WARNING: wrong answer: {k}: {v}" for k, v in results["answer_problems"].items()]
    return "\n".join(lines)


def verdicts(results: dict[str, Any]) -> dict[str, str]:
    """Each BasetenEmbeddings path against the target, on both ratio definitions."""
    out = {}
    for scenario, paths in results["paths"].items():
        for client in OURS:
            for path in ("embed_documents", "aembed_documents"):
                entry = paths.get(f"{client}: {path}")
                if entry and entry["ratio_to_embed"]:
                    ratio, lists = entry["ratio_to_embed"], entry["ratio_to_embed_lists"]
                    verdict = "PASS" if ratio <= TARGET else "MISS"
                    also = f" (vs embed + lists: {lists:.2f}x)" if lists else ""
                    out[f"{client} {path}, {scenario}"] = f"{ratio:.2f}x {verdict}{also}"
    for client in OURS:
        entry = results["memory"].get(client)
        if entry and "ratio_to_lists" in entry:
            ratio = entry["ratio_to_lists"]
            verdict = "PASS" if ratio <= MEMORY_TARGET else "MISS"
            out[f"{client} peak memory"] = f"{ratio:.2f}x {verdict}"
    return out


def versions() -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for dist in ("baseten-performance-client", "openai", "httpx2"):
        try:
            out[dist] = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            out[dist] = None
    return out


def run(settings: Settings) -> dict[str, Any]:
    deadline = Deadline(settings.max_seconds)
    with bench_server(settings.max_seconds) as v1_url:
        base_url = v1_url.removesuffix("/v1")
        samples, problems = run_rounds(base_url, settings, deadline.earlier(40))
        mem = memory(base_url, settings.memory_n, deadline)
    results: dict[str, Any] = {
        "n": settings.n,
        "rounds_completed": min((len(v) for p in samples.values() for v in p.values()), default=0),
        "answer_problems": problems,
        "paths": summarize(samples),
        "memory": mem,
        "max_rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    }
    results["targets"] = verdicts(results)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a smoke run of about half a minute")
    parser.add_argument("--rounds", type=int, help="interleaved rounds (default 5; quick 2)")
    parser.add_argument("--n", type=int, help="texts per call (default 20,000)")
    parser.add_argument("--memory-n", type=int, help="vectors for the memory figure")
    parser.add_argument("--max-seconds", type=float, help="overall time bound")
    parser.add_argument(
        "--out",
        type=Path,
        default=HERE / "results" / "embeddings.json",
        help="where to write the JSON results (default bench/results/embeddings.json)",
    )
    args = parser.parse_args()
    settings = QUICK if args.quick else FULL
    overrides = {
        "rounds": args.rounds,
        "n": args.n,
        "memory_n": args.memory_n,
        "max_seconds": args.max_seconds,
    }
    settings = Settings(**{**vars(settings), **{k: v for k, v in overrides.items() if v}})
    info = machine()
    info["versions"].update(versions())
    info["checkout"] = checkout()
    results = run(settings)
    print()
    print(report(results))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        json.dumps({"machine": info, "settings": vars(settings), **results}, indent=2)
    )
    print(f"\nwritten to {args.out}")


if __name__ == "__main__":
    main()
