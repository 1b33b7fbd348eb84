"""langchain-tests' integration suite, live against Baseten (``make integration_test``).

Skipped without ``BASETEN_API_KEY``. ``BASETEN_TEST_MODEL`` picks the model
(default: the Model API's ``openai/gpt-oss-120b``).
"""

from __future__ import annotations

import os
from typing import Any

import pytest
from langchain_tests.integration_tests import ChatModelIntegrationTests

from langchain_baseten import ChatBaseten

pytestmark = pytest.mark.skipif(
    not os.environ.get("BASETEN_API_KEY"),
    reason="live test: set BASETEN_API_KEY to run it against Baseten (make integration_test)",
)

MODEL = os.environ.get("BASETEN_TEST_MODEL", "baseten/openai/gpt-oss-120b")


class TestChatBasetenLive(ChatModelIntegrationTests):
    @property
    def chat_model_class(self) -> type[ChatBaseten]:
        return ChatBaseten

    @property
    def chat_model_params(self) -> dict[str, Any]:
        return {"model": MODEL, "max_retries": 3}

    @property
    def standard_chat_model_params(self) -> dict[str, Any]:
        # Reasoning models spend tokens thinking; 100 is too few for a visible answer.
        return {**super().standard_chat_model_params, "max_tokens": 1024}

    @property
    def has_tool_calling(self) -> bool:
        return True

    @property
    def has_tool_choice(self) -> bool:
        return True

    @property
    def has_structured_output(self) -> bool:
        return True

    @property
    def supports_json_mode(self) -> bool:
        return True

    @property
    def supports_image_inputs(self) -> bool:
        # gpt-oss is text-only; set BASETEN_TEST_MODEL to a vision model (Kimi K2.5) to test images.
        return "kimi-k2.5" in MODEL.lower() or "kimi-k2.6" in MODEL.lower()

    @property
    def returns_usage_metadata(self) -> bool:
        return True

    @property
    def supported_usage_metadata_details(self) -> dict[str, list[Any]]:
        return {"invoke": ["reasoning_output"], "stream": ["reasoning_output"]}

    @property
    def supports_model_override(self) -> bool:
        return True

    @property
    def model_override_value(self) -> str:
        return "baseten/deepseek-ai/DeepSeek-V3.1"
