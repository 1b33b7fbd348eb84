"""Recorded HTTP: BasetenEmbeddings against Baseten's real URLs, replayed from ``cassettes/``.

Replay is the default (``--record-mode=none``): requests are answered from the
cassette and any request without a recording fails. Requests match on method,
path and JSON body, so concurrent batches replay whatever order they are sent in.
To re-record:

* from the local Baseten-compatible server (how the shipped cassette was made):
  ``BASETEN_RECORD=local .venv/bin/pytest tests/unit_tests/test_embeddings_recorded.py
  --record-mode=rewrite``
* live, with a key and an embedding deployment of your own: ``BASETEN_API_KEY=...
  make record`` (the model ID in this file must then be your deployment's)

Assertions check structure (one vector per input, equal lengths, input order
recovered), not exact values, so that a live recording passes too.
"""

from __future__ import annotations

import math

import pytest

from langchain_baseten import BasetenEmbeddings

pytestmark = [pytest.mark.vcr, pytest.mark.usefixtures("recording_source")]

MODEL = "baseten/abcd1234"
#: vcrpy records and replays httpx only; the optional Rust backend has its own HTTP stack.
REPLAYABLE = "python"
DOCUMENTS = [
    "Baseten runs machine learning models in production.",
    "Paris is the capital of France.",
    "Embeddings map text to vectors.",
    "The Eiffel Tower is in Paris.",
    "BEI is Baseten's embeddings inference engine.",
]


def _cosine(a: list[float], b: list[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    return dot / (math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b)))


def test_embed_documents_in_concurrent_batches() -> None:
    embeddings = BasetenEmbeddings(model=MODEL, batch_size=2, max_concurrency=3, backend=REPLAYABLE)
    assert embeddings.endpoint.base_url == (
        "https://model-abcd1234.api.baseten.co/environments/production/sync/v1"
    )
    vectors = embeddings.embed_documents(DOCUMENTS)
    assert len(vectors) == len(DOCUMENTS)
    assert len({len(v) for v in vectors}) == 1
    assert all(isinstance(x, float) for v in vectors for x in v)
    # Input order survives batching: the query for document 1 is closest to vector 1.
    query = embeddings.embed_query(DOCUMENTS[1])
    best = max(range(len(vectors)), key=lambda i: _cosine(query, vectors[i]))
    assert best == 1


async def test_aembed_query() -> None:
    embeddings = BasetenEmbeddings(model=MODEL, backend=REPLAYABLE)
    vector = await embeddings.aembed_query("Where is the Eiffel Tower?")
    assert vector
    assert all(isinstance(x, float) for x in vector)
