"""langchain-tests' standard unit suite for BasetenEmbeddings, unmodified."""

from __future__ import annotations

from typing import Any

from langchain_tests.unit_tests import EmbeddingsUnitTests

from langchain_baseten import BasetenEmbeddings


class TestBasetenEmbeddingsStandard(EmbeddingsUnitTests):
    @property
    def embeddings_class(self) -> type[BasetenEmbeddings]:
        return BasetenEmbeddings

    @property
    def embedding_model_params(self) -> dict[str, Any]:
        return {"model": "baseten/abcd1234", "api_key": "test-key"}

    @property
    def init_from_env_params(self) -> tuple[dict[str, str], dict[str, Any], dict[str, Any]]:
        return (
            {"BASETEN_API_KEY": "api_key_from_env"},
            {"model": "baseten/abcd1234"},
            {
                "api_key": "api_key_from_env",
                "model_name": "abcd1234",
                "baseten_api_base": (
                    "https://model-abcd1234.api.baseten.co/environments/production/sync/v1"
                ),
            },
        )
