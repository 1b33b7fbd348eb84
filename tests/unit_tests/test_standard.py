"""langchain-tests' standard unit suite for ChatBaseten, unmodified."""

from __future__ import annotations

from typing import Any

from langchain_tests.unit_tests import ChatModelUnitTests

from langchain_baseten import ChatBaseten


class TestChatBasetenStandard(ChatModelUnitTests):
    @property
    def chat_model_class(self) -> type[ChatBaseten]:
        return ChatBaseten

    @property
    def chat_model_params(self) -> dict[str, Any]:
        return {"model": "baseten/openai/gpt-oss-120b", "api_key": "test-key"}

    @property
    def init_from_env_params(self) -> tuple[dict[str, str], dict[str, Any], dict[str, Any]]:
        return (
            {"BASETEN_API_KEY": "api_key_from_env"},
            {"model": "baseten/openai/gpt-oss-120b"},
            {
                "api_key": "api_key_from_env",
                "model_name": "openai/gpt-oss-120b",
                "baseten_api_base": "https://inference.baseten.co/v1",
            },
        )
