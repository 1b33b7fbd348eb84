"""langchain-tests' standard integration suite, unmodified, against the local server.

The same suite as ``tests/integration_tests/test_chat_live.py`` runs offline
here, in CI, for every capability the class below claims. The local
Baseten-compatible server answers like a model would (echo, reasoning for
gpt-oss, a tool call made from the schema, JSON for a response format; see
``langchain_baseten/testing/``); the ``invoke_with_*`` hooks script the usage
details the suite asks about.

The suite downloads one image and one audio file from the web for its
multimodal tests; here those two downloads are served from bytes made locally
(no network beyond 127.0.0.1), the model calls themselves are real HTTP.

Claims and why (each flag honest):

* tools, tool choice, structured output, JSON mode, usage (reasoning and
  cached input, also cache writes and audio tokens when a server reports
  them), model override: supported and checked;
* images (base64 and URLs) and audio (base64): sent as ``image_url`` /
  ``input_audio`` parts, which vision and audio engines read;
* PDFs, images or PDFs inside tool results, Anthropic-format inputs: not
  supported (no engine behind Baseten's chat API reads them; refused before
  sending), so those tests are skipped by their flags.
"""

from __future__ import annotations

import base64
import io
import struct
import wave
import zlib
from typing import TYPE_CHECKING, Any, Literal

import httpx
import pytest
from langchain_tests.integration_tests import ChatModelIntegrationTests
from langchain_tests.integration_tests import chat_models as standard_suite

from langchain_baseten import ChatBaseten
from langchain_baseten import testing as fb

# The standard suite's names for the calls and usage details it checks.
_Call = Literal["invoke", "stream"]
_UsageDetail = Literal[
    "audio_input", "audio_output", "reasoning_output", "cache_read_input", "cache_creation_input"
]

if TYPE_CHECKING:
    from collections.abc import Iterator

    from langchain_core.messages import AIMessage, AIMessageChunk

MODEL = "openai/gpt-oss-120b"


def _png() -> bytes:
    """A valid 1x1 PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def _wav() -> bytes:
    """A valid 10 ms silent WAV."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(b"\x00\x00" * 80)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def local_server() -> Iterator[fb.FakeBaseten]:
    with fb.fake_baseten_server() as server:
        yield server


@pytest.fixture(autouse=True)
def _offline(local_server: fb.FakeBaseten, monkeypatch: pytest.MonkeyPatch) -> None:
    """Point the suite's model at the local server; serve its two downloads locally."""
    local_server.reset()
    TestChatBasetenOffline.server = local_server
    png = _png()

    def fake_get(url: str, **_: Any) -> httpx.Response:
        if not url.endswith(".png"):
            msg = f"the offline suite fetched {url!r}; only the image download is served"
            raise AssertionError(msg)
        return httpx.Response(200, content=png, request=httpx.Request("GET", url))

    monkeypatch.setattr(f"{standard_suite.__name__}.httpx.get", fake_get)
    monkeypatch.setattr(
        standard_suite, "_get_base64_from_url", lambda _url: base64.b64encode(_wav()).decode()
    )


def _usage(**details: Any) -> dict[str, Any]:
    usage = fb.make_usage(30, 12, reasoning_tokens=4, cached_tokens=8)
    usage["prompt_tokens_details"].update(details.get("prompt", {}))
    usage["completion_tokens_details"].update(details.get("completion", {}))
    return usage


class TestChatBasetenOffline(ChatModelIntegrationTests):
    server: fb.FakeBaseten

    @property
    def chat_model_class(self) -> type[ChatBaseten]:
        return ChatBaseten

    @property
    def chat_model_params(self) -> dict[str, Any]:
        return {
            "model": MODEL,
            "base_url": self.server.url("/v1"),
            "api_key": "bt-offline-standard-suite",
            "max_retries": 0,
        }

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
        return True

    @property
    def supports_image_urls(self) -> bool:
        return True

    @property
    def supports_audio_inputs(self) -> bool:
        return True

    @property
    def supports_pdf_inputs(self) -> bool:
        return False

    @property
    def supports_image_tool_message(self) -> bool:
        return False

    @property
    def supports_pdf_tool_message(self) -> bool:
        return False

    @property
    def supports_anthropic_inputs(self) -> bool:
        return False

    @property
    def returns_usage_metadata(self) -> bool:
        return True

    @property
    def supported_usage_metadata_details(self) -> dict[_Call, list[_UsageDetail]]:
        details: list[_UsageDetail] = [
            "audio_input",
            "audio_output",
            "reasoning_output",
            "cache_read_input",
        ]
        details.append("cache_creation_input")
        return {"invoke": details, "stream": details}

    @property
    def supports_model_override(self) -> bool:
        return True

    @property
    def model_override_value(self) -> str:
        return "deepseek-ai/DeepSeek-V3.1"

    def _invoke(self, usage: dict[str, Any], *, stream: bool) -> AIMessage:
        """One call answered with ``usage`` (the local server reports it like Baseten)."""
        reply = fb.stream("ok", usage=usage) if stream else fb.chat("ok", usage=usage)
        self.server.enqueue(reply)
        llm = ChatBaseten(**self.chat_model_params)
        if not stream:
            return llm.invoke("hi")
        total: AIMessageChunk | None = None
        for chunk in llm.stream("hi"):
            total = chunk if total is None else total + chunk
        assert total is not None
        return total

    def invoke_with_audio_input(self, *, stream: bool = False) -> AIMessage:
        return self._invoke(_usage(prompt={"audio_tokens": 6}), stream=stream)

    def invoke_with_audio_output(self, *, stream: bool = False) -> AIMessage:
        return self._invoke(_usage(completion={"audio_tokens": 5}), stream=stream)

    def invoke_with_reasoning_output(self, *, stream: bool = False) -> AIMessage:
        # Unscripted: the local server reasons for gpt-oss models, as gpt-oss does.
        llm = ChatBaseten(**self.chat_model_params)
        if not stream:
            return llm.invoke("What is 3^3?")
        total: AIMessageChunk | None = None
        for chunk in llm.stream("What is 3^3?"):
            total = chunk if total is None else total + chunk
        assert total is not None
        return total

    def invoke_with_cache_read_input(self, *, stream: bool = False) -> AIMessage:
        return self._invoke(_usage(), stream=stream)

    def invoke_with_cache_creation_input(self, *, stream: bool = False) -> AIMessage:
        return self._invoke(_usage(prompt={"cache_write_tokens": 10}), stream=stream)
