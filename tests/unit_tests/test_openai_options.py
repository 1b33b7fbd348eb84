"""ChatOpenAI's client options (include_response_headers, use_responses_api, disabled_params,
stream_chunk_timeout, request_timeout forms, cache_control): honoured or refused with the
alternative, never sent as body keys. Over real HTTP to the local server."""

from __future__ import annotations

import asyncio
import warnings
from typing import TYPE_CHECKING, Any

import pytest
from langchain_core.messages import HumanMessage, SystemMessage

from langchain_baseten import ChatBaseten, StreamChunkTimeoutError
from langchain_baseten import testing as fb
from tests.call_styles import STYLES, answer
from tests.local_models import KEY, chat_model

if TYPE_CHECKING:
    from langchain_core.messages import AIMessage

OPTION_NAMES = (
    "include_response_headers",
    "use_responses_api",
    "disabled_params",
    "stream_chunk_timeout",
)


def call(llm: Any, style: str, prompt: Any = "hello", **kwargs: Any) -> AIMessage:
    message: AIMessage = asyncio.run(answer(llm, style, prompt, **kwargs))
    return message


@pytest.mark.parametrize("style", STYLES)
def test_no_option_reaches_the_body_and_none_warns(
    fake_baseten: fb.FakeBaseten, style: str
) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        llm = chat_model(
            fake_baseten,
            include_response_headers=False,
            use_responses_api=False,
            disabled_params={"parallel_tool_calls": None},
            stream_chunk_timeout=60,
        )
    call(llm, style)
    body = fake_baseten.requests[0].json()
    assert not set(OPTION_NAMES) & set(body)
    assert llm.model_kwargs == {}


@pytest.mark.parametrize("style", STYLES)
def test_response_headers_in_the_metadata(fake_baseten: fb.FakeBaseten, style: str) -> None:
    message = call(chat_model(fake_baseten, include_response_headers=True), style)
    headers = message.response_metadata["headers"]
    assert headers["x-baseten-request-id"] == message.response_metadata["baseten_request_id"]
    assert "content-type" in headers
    plain = call(chat_model(fake_baseten), style)
    assert "headers" not in plain.response_metadata


def test_streamed_headers_come_once_on_the_first_chunk(fake_baseten: fb.FakeBaseten) -> None:
    llm = chat_model(fake_baseten, include_response_headers=True)
    chunks = list(llm.stream("one two three"))
    with_headers = [i for i, c in enumerate(chunks) if "headers" in c.response_metadata]
    assert with_headers == [0]


def test_use_responses_api_true_is_refused_naming_why() -> None:
    with pytest.raises(ValueError, match=r"Chat Completions API .* Drop use_responses_api"):
        ChatBaseten(model="openai/gpt-oss-120b", api_key=KEY, use_responses_api=True)
    assert ChatBaseten(model="openai/gpt-oss-120b", api_key=KEY).use_responses_api is None


@pytest.mark.parametrize("style", STYLES)
def test_disabled_params_are_never_sent(fake_baseten: fb.FakeBaseten, style: str) -> None:
    llm = chat_model(
        fake_baseten,
        temperature=0.5,
        top_k=5,
        disabled_params={"temperature": None, "top_k": [5], "tool_choice": ["required"]},
    )
    call(llm.bind(tool_choice="required", top_k=5), style)
    call(llm, style, top_k=7, temperature=0.1)
    first, second = (r.json() for r in fake_baseten.requests)
    assert "temperature" not in first
    assert "top_k" not in first
    assert "tool_choice" not in first
    assert "temperature" not in second  # never sent, whoever sets it
    assert second["top_k"] == 7  # only the listed values are disabled


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({"model": None}, "every request needs 'model'"),
        ({"top_k": 5}, "must be None"),
        ("parallel_tool_calls", "must be a dict"),
    ],
)
def test_bad_disabled_params_are_refused(value: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ChatBaseten(model="openai/gpt-oss-120b", api_key=KEY, disabled_params=value)


def test_stream_chunk_timeout_raises_when_only_keep_alives_arrive(
    fake_baseten: fb.FakeBaseten,
) -> None:
    # SSE comments (": keep-alive") do not count as chunks, as in ChatOpenAI.
    fake_baseten.enqueue(fb.drip(2.0, interval=0.1, streaming=True))
    llm = chat_model(fake_baseten, stream_chunk_timeout=0.5)

    async def run() -> None:
        async for _ in llm.astream("hi"):
            pass

    with pytest.raises(StreamChunkTimeoutError) as info:
        asyncio.run(run())
    assert isinstance(info.value, asyncio.TimeoutError)
    assert info.value.chunks_received == 0
    assert "stream_chunk_timeout=0.5" in str(info.value)


def test_stream_chunk_timeout_lets_a_steady_stream_finish(fake_baseten: fb.FakeBaseten) -> None:
    llm = chat_model(fake_baseten, stream_chunk_timeout=30)

    async def run() -> str:
        return "".join([chunk.text async for chunk in llm.astream("steady")])

    assert asyncio.run(run()) == "echo: steady"


@pytest.mark.parametrize("value", [-1, "soon", True])
def test_bad_stream_chunk_timeouts_are_refused(value: object) -> None:
    with pytest.raises(ValueError, match="stream_chunk_timeout"):
        ChatBaseten(model="openai/gpt-oss-120b", api_key=KEY, stream_chunk_timeout=value)


def test_zero_turns_the_stream_chunk_timeout_off() -> None:
    llm = ChatBaseten(model="openai/gpt-oss-120b", api_key=KEY, stream_chunk_timeout=0)
    assert llm.stream_chunk_timeout is None


@pytest.mark.parametrize("value", [(5, 30), [5, 30]])
def test_a_connect_read_pair_is_refused_naming_the_alternative(value: object) -> None:
    with pytest.raises(ValueError, match=r"timeout=30.*http_client=httpx2\.Client"):
        ChatBaseten(model="openai/gpt-oss-120b", api_key=KEY, request_timeout=value)


def test_an_httpx_timeout_object_is_refused_naming_the_alternative() -> None:
    import httpx2

    with pytest.raises(ValueError, match="per-phase limits"):
        ChatBaseten(model="openai/gpt-oss-120b", api_key=KEY, timeout=httpx2.Timeout(5.0))


@pytest.mark.parametrize("style", STYLES)
def test_system_cache_control_blocks_are_forwarded(
    fake_baseten: fb.FakeBaseten, style: str
) -> None:
    system = SystemMessage(
        [
            {"type": "text", "text": "You are terse."},
            {"type": "text", "text": "Long shared prefix.", "cache_control": {"type": "ephemeral"}},
        ]
    )
    call(chat_model(fake_baseten), style, [system, HumanMessage("hi")])
    sent = fake_baseten.requests[0].json()["messages"][0]
    assert sent == {
        "role": "system",
        "content": [
            {"type": "text", "text": "You are terse."},
            {"type": "text", "text": "Long shared prefix.", "cache_control": {"type": "ephemeral"}},
        ],
    }
