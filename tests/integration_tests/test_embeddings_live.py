"""langchain-tests' standard integration suite for BasetenEmbeddings, live against Baseten.

Needs ``BASETEN_API_KEY`` and ``BASETEN_EMBEDDINGS_MODEL`` (an embedding
deployment, e.g. ``baseten/abcd1234``); skipped without them. Run with
``make integration_test``.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
from langchain_tests.integration_tests import EmbeddingsIntegrationTests

from langchain_baseten import BasetenEmbeddings

_MISSING = [
    name for name in ("BASETEN_API_KEY", "BASETEN_EMBEDDINGS_MODEL") if not os.environ.get(name)
]

pytestmark = [
    pytest.mark.live,
    pytest.mark.skipif(
        bool(_MISSING),
        reason=(
            f"live Baseten embeddings tests need {' and '.join(_MISSING)} "
            "(BASETEN_EMBEDDINGS_MODEL names an embedding deployment, e.g. baseten/abcd1234)"
        ),
    ),
]


class TestBasetenEmbeddingsLive(EmbeddingsIntegrationTests):
    @property
    def embeddings_class(self) -> type[BasetenEmbeddings]:
        return BasetenEmbeddings

    @property
    def embedding_model_params(self) -> dict[str, Any]:
        return {"model": os.environ.get("BASETEN_EMBEDDINGS_MODEL", "baseten/abcd1234")}


def test_batches_and_order_live() -> None:
    embeddings = BasetenEmbeddings(
        model=os.environ["BASETEN_EMBEDDINGS_MODEL"], batch_size=3, max_concurrency=2
    )
    texts = [f"sentence number {i} about topic {i % 3}" for i in range(8)]
    vectors = embeddings.embed_documents(texts)
    assert len(vectors) == len(texts)
    singles = [embeddings.embed_query(text) for text in texts[:2]]
    for single, batched in zip(singles, vectors[:2], strict=True):
        assert single == pytest.approx(batched, abs=1e-3)
