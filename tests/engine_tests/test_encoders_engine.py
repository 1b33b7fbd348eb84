"""BasetenEmbeddings and BasetenRerank against real vLLM pooling servers.

The embedding model is a random BERT with mean pooling, the reranker a random
BERT cross-encoder with one label (``build_models.py``): the checks compare the
package's numbers with the server's own, bit for bit where the wire allows.
"""

from __future__ import annotations

import asyncio
import json
import struct
import urllib.request
from typing import TYPE_CHECKING, Any

import openai
import pytest
from langchain_core.documents import Document
from langchain_core.exceptions import ContextOverflowError

from langchain_baseten import BasetenEmbeddings, BasetenRerank
from tests.engine_tests.conftest import ENGINE_KEY
from tests.engine_tests.servers import BERT_MAX_LEN, EMBED_DIMENSIONS, EMBED_MODEL

if TYPE_CHECKING:
    from tests.engine_tests.servers import Engine, VllmServer

TEXTS = ["Paris is the capital of France.", "Cats purr.", "The sun is a star.", "hello"]
QUERY = "What is the capital of France?"


def post(url: str, body: dict[str, Any]) -> Any:
    """The server's own JSON answer."""
    request = urllib.request.Request(  # noqa: S310 - 127.0.0.1
        url,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {ENGINE_KEY}"},
    )
    with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310
        return json.loads(response.read())


def embeddings(server: VllmServer, **overrides: Any) -> BasetenEmbeddings:
    settings: dict[str, Any] = {
        "model": EMBED_MODEL,
        "base_url": server.base_url,
        "api_key": ENGINE_KEY,
        "max_retries": 0,
    }
    return BasetenEmbeddings(**{**settings, **overrides})


def reranker(server: VllmServer, **overrides: Any) -> BasetenRerank:
    settings: dict[str, Any] = {
        "model": "tiny-rerank",
        "base_url": server.base_url,
        "api_key": ENGINE_KEY,
        "max_retries": 0,
        "top_n": None,
    }
    return BasetenRerank(**{**settings, **overrides})


def float32(values: list[float]) -> list[float]:
    return list(struct.unpack(f"<{len(values)}f", struct.pack(f"<{len(values)}f", *values)))


# The Rust backend is chosen explicitly: "auto" picks Python off Baseten's https hosts, and
# the explicit choice warns there (the engine on 127.0.0.1 is the test's own).
@pytest.mark.filterwarnings("ignore::langchain_baseten.PerformanceClientWarning")
@pytest.mark.parametrize("backend", ["python", "performance-client"])
def test_vectors_equal_the_servers_floats_bit_for_bit(engine: Engine, backend: str) -> None:
    # The package asks for base64 (float32); the server's float JSON is float32 values
    # printed in full, so both decode to the same float32 values exactly.
    answer = post(f"{engine.embed.base_url}/embeddings", {"model": EMBED_MODEL, "input": TEXTS})
    expected = [float32(item["embedding"]) for item in answer["data"]]
    model = embeddings(engine.embed, backend=backend)
    assert model.embed_documents(TEXTS) == expected
    assert model.embed_query(TEXTS[0]) == expected[0]
    assert asyncio.run(model.aembed_documents(TEXTS)) == expected
    assert len(expected[0]) == EMBED_DIMENSIONS


def test_many_texts_in_batches_keep_their_order(engine: Engine) -> None:
    texts = [f"text number {i}" for i in range(70)]
    batched = embeddings(engine.embed, batch_size=8).embed_documents(texts)
    whole = embeddings(engine.embed).embed_documents(texts)
    assert batched == whole
    assert len(batched) == 70


def test_dimensions_the_model_cannot_give_are_the_servers_clear_400(engine: Engine) -> None:
    # A random BERT is no Matryoshka model: vLLM refuses `dimensions` with a 400.
    with pytest.raises(openai.BadRequestError) as info:
        embeddings(engine.embed, dimensions=32).embed_documents(TEXTS)
    assert "The server at 127.0.0.1" in str(info.value)


def test_an_over_long_input_is_a_context_overflow(engine: Engine) -> None:
    with pytest.raises(ContextOverflowError):
        embeddings(engine.embed).embed_documents(["word " * (BERT_MAX_LEN * 2)])


@pytest.mark.parametrize("api", ["auto", "vllm"])
def test_rerank_scores_equal_the_servers(engine: Engine, api: str) -> None:
    answer = post(f"{engine.rerank.root_url}/rerank", {"query": QUERY, "documents": TEXTS})
    expected = {r["index"]: r["relevance_score"] for r in answer["results"]}
    model = reranker(engine.rerank, rerank_api=api)
    ranked = model.rerank(QUERY, TEXTS)
    assert {r.index: r.score for r in ranked} == expected
    assert [r.score for r in ranked] == sorted(expected.values(), reverse=True)
    assert asyncio.run(model.arerank(QUERY, TEXTS)) == ranked
    docs = [Document(page_content=text, id=str(i)) for i, text in enumerate(TEXTS)]
    kept = reranker(engine.rerank, rerank_api=api, top_n=2).compress_documents(docs, QUERY)
    assert [doc.id for doc in kept] == [str(r.index) for r in ranked[:2]]


def test_rerank_in_teis_shape_is_refused_by_vllm_naming_documents(engine: Engine) -> None:
    with pytest.raises(openai.BadRequestError, match="documents"):
        reranker(engine.rerank, rerank_api="tei").rerank(QUERY, TEXTS)
