"""Embed a corpus with Ray Data: ``map_batches`` with ``BasetenEmbeddings`` in actor workers.

The model is built once in the driver and handed to the actors, which Ray
pickles to each worker process: it arrives with the same key, endpoint and
settings, and opens its own connection pools there (one set per worker
process; nothing live is pickled). Each actor embeds the rows of its blocks
with ``embed_documents`` (batches of ``batch_size`` sent concurrently), and the
vectors become a float32 tensor column, ready for ``write_parquet`` or a
vector database's bulk loader.

Live: ``BASETEN_API_KEY`` and ``BASETEN_EMBEDDINGS_MODEL`` (e.g.
``baseten/abcd1234``), with ``ray[data]`` installed (Ray is not a dependency
of langchain-baseten). ``make ray-example`` runs it against the local
Baseten-compatible server (``.ci/ray_example.sh``) on a local Ray cluster
bound to 127.0.0.1, in its own environment ``.venv-ray/``.

For a real corpus, read it with ``ray.data.read_parquet``/``read_text`` instead
of ``from_items``, raise ``ROWS`` and the actor pool's size, and write the
result with ``ds.write_parquet(...)``: Ray streams blocks through the actors,
so no process holds the whole corpus.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from typing import Any

os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")  # no usage report leaves the machine

import numpy as np
import ray
import ray.data

from langchain_baseten import BasetenEmbeddings

ROWS = int(os.environ.get("RAY_EXAMPLE_ROWS", "2000"))
ACTORS = 2
ROWS_PER_CALL = 256  # rows per map_batches call: eight requests of 32 texts


class Embed:
    """A Ray actor: the pickled model, used for every block the actor is given."""

    def __init__(self, embeddings: BasetenEmbeddings) -> None:
        self.embeddings = embeddings

    def __call__(self, batch: dict[str, np.ndarray[Any, Any]]) -> dict[str, Any]:
        texts = [str(text) for text in batch["text"]]
        vectors = self.embeddings.embed_documents(texts)
        return {
            "id": batch["id"],
            "embedding": np.asarray(vectors, dtype=np.float32),
            "worker": np.full(len(texts), os.getpid()),
        }


def check(condition: bool, problem: str) -> None:  # noqa: FBT001 - a plain check
    """Stop with ``problem`` when ``condition`` is false (CI runs this example)."""
    if not condition:
        sys.exit(f"ray example: {problem}")


def start_local_cluster(attempts: int = 3) -> None:
    """A local Ray cluster on 127.0.0.1 with 2 CPUs.

    Ray waits 30 s for its node to register; on a heavily loaded machine that
    can run out, so the start is tried up to ``attempts`` times.
    """
    for attempt in range(1, attempts + 1):
        try:
            ray.init(
                num_cpus=2,
                include_dashboard=False,
                object_store_memory=200 * 1024 * 1024,
                _node_ip_address="127.0.0.1",
                logging_level="warning",
                log_to_driver=False,
            )
        except Exception as exc:
            ray.shutdown()
            if attempt == attempts:
                raise
            print(f"ray example: the local cluster did not start ({exc}); trying again")
        else:
            return


def main() -> int:
    """Embed ``ROWS`` texts on a local Ray cluster; check them against the driver's own."""
    if not os.environ.get("BASETEN_API_KEY"):
        sys.stderr.write(
            "Set BASETEN_API_KEY (and BASETEN_EMBEDDINGS_MODEL), or `make ray-example`.\n"
        )
        return 2
    embeddings = BasetenEmbeddings(
        model=os.environ.get("BASETEN_EMBEDDINGS_MODEL", "baseten/abcd1234"), max_retries=3
    )
    print(f"embeddings endpoint: {embeddings.endpoint.base_url}")
    logging.getLogger("ray.data").setLevel(logging.WARNING)  # no progress lines every 10 s
    start_local_cluster()
    try:
        rows: list[dict[str, Any]] = [
            {"id": i, "text": f"Document {i}: a passage about topic {i % 97}."} for i in range(ROWS)
        ]
        started = time.perf_counter()
        embedded = (
            ray.data.from_items(rows)
            .map_batches(
                Embed,
                fn_constructor_kwargs={"embeddings": embeddings},
                batch_size=ROWS_PER_CALL,
                compute=ray.data.ActorPoolStrategy(size=ACTORS),
                num_cpus=0.5,
            )
            .take_all()
        )
        seconds = time.perf_counter() - started
    finally:
        ray.shutdown()

    embedded.sort(key=lambda row: int(row["id"]))
    check([int(row["id"]) for row in embedded] == list(range(ROWS)), "rows lost or repeated")
    sample = [0, ROWS // 2, ROWS - 1]
    expected = embeddings.embed_documents([rows[i]["text"] for i in sample])
    for i, vector in zip(sample, expected, strict=True):
        got = np.asarray(embedded[i]["embedding"], dtype=np.float32)
        same = np.array_equal(got, np.asarray(vector, dtype=np.float32))
        check(same, f"row {i}: the worker's vector differs from the driver's")
    workers = {int(row["worker"]) for row in embedded}
    check(os.getpid() not in workers, "the rows were embedded in the driver, not in workers")
    dims = len(embedded[0]["embedding"])
    print(f"embedded {ROWS} texts ({dims} dimensions) in {len(workers)} worker processes")
    print(
        f"the workers' vectors equal the driver's; {ROWS / seconds:,.0f} texts/s (not a benchmark)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
