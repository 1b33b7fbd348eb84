"""langchain-tests' integration suite, live against Baseten (``make integration_test``).

Skipped without ``BASETEN_API_KEY``. ``BASETEN_TEST_MODEL`` picks the model
(default: the Model API's ``openai/gpt-oss-120b``).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, Literal

import pytest
from langchain_tests.integration_tests import ChatModelIntegrationTests

from langchain_baseten import ChatBaseten

if TYPE_CHECKING:
    from langchain_core.messages import AIMessage, AIMessageChunk

# The standard suite's names for the usage details it checks.
_UsageDetail = Literal[
    "audio_input", "audio_output", "reasoning_output", "cache_read_input", "cache_creation_input"
]

pytestmark = pytest.mark.skipif(
    not os.environ.get("BASETEN_API_KEY"),
    reason="live test: set BASETEN_API_KEY to run it against Baseten (make integration_test)",
)

MODEL = os.environ.get("BASETEN_TEST_MODEL", "baseten/openai/gpt-oss-120b")
# Models that reason without being asked (Kimi and GLM need chat_template_args to).
REASONS_BY_DEFAULT = any(name in MODEL.lower() for name in ("gpt-oss", "deepseek", "minimax"))


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
    def supported_usage_metadata_details(
        self,
    ) -> dict[Literal["invoke", "stream"], list[_UsageDetail]]:
        # Models that reason by default report completion_tokens_details.reasoning_tokens
        # (see invoke_with_reasoning_output); claimed only for them.
        details: list[_UsageDetail] = ["reasoning_output"] if REASONS_BY_DEFAULT else []
        return {"invoke": details, "stream": details}

    def invoke_with_reasoning_output(self, *, stream: bool = False) -> AIMessage:
        """One answer that needs some reasoning, with its usage (merged when streamed)."""
        llm = ChatBaseten(**{**self.standard_chat_model_params, **self.chat_model_params})
        prompt = "What is 17 * 23? Think it through, then give only the number."
        if not stream:
            return llm.invoke(prompt)
        total: AIMessageChunk | None = None
        for chunk in llm.stream(prompt):
            total = chunk if total is None else total + chunk
        assert total is not None
        return total

    @property
    def supports_model_override(self) -> bool:
        return True

    @property
    def model_override_value(self) -> str:
        # Without "baseten/": the suite looks for this value in the response's model
        # name, and Baseten echoes the slug, not the prefix.
        return "deepseek-ai/DeepSeek-V3.1"
