"""Answers as the engines behind Baseten send them, in every call style.

Each shape is taught to the local server with its source (see
``langchain_baseten/testing/``): vLLM, SGLang and TensorRT-LLM chunk shapes, tool
calls without ids, refusals, cut-off and filtered answers, Baseten's OpenAPI
``delta`` answer, usage details, and the media parts of Baseten's examples.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest
from langchain_core.exceptions import ModelRefusalError, OutputParserException
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from pydantic import BaseModel

from langchain_baseten import BasetenTruncatedOutputError
from langchain_baseten import testing as fb
from tests.call_styles import STREAM_STYLES, STYLES, answer
from tests.local_models import KEY, chat_model

if TYPE_CHECKING:
    from langchain_baseten._structured_output import StructuredOutputMethod


def _reply(style: str, content: str | None, **kwargs: Any) -> fb.Reply:
    """The same answer, streamed or not as the call style asks."""
    if "stream" in style:
        return fb.stream(content, **kwargs)
    return fb.chat(content, **kwargs)


# ---------------------------------------------------------------- chunk shapes of each engine

ENGINE_STYLES: list[fb.StreamStyle] = [
    "openai",
    "vllm-sparse",
    "kimi-vllm",
    "sglang",
    "trtllm-harmony",
]


@pytest.mark.parametrize("call", STREAM_STYLES)
@pytest.mark.parametrize("engine", ENGINE_STYLES)
async def test_each_engines_chunks_give_the_same_answer(
    fake_baseten: fb.FakeBaseten, call: str, engine: fb.StreamStyle
) -> None:
    key = "reasoning" if engine in {"vllm-sparse", "trtllm-harmony"} else "reasoning_content"
    fake_baseten.enqueue(
        fb.stream("Hello world", reasoning="let me think", reasoning_key=key, style=engine)
    )
    message = await answer(chat_model(fake_baseten), call)
    assert message.text == "Hello world"
    assert message.additional_kwargs["reasoning_content"] == "let me think"
    assert message.response_metadata["finish_reason"] == "stop"
    assert "stream_end" not in message.response_metadata
    # Usage once, not once per chunk: 2 answer words + 3 reasoning words.
    assert message.usage_metadata["output_tokens"] == 5
    assert message.usage_metadata["output_token_details"] == {"reasoning": 3}
    if engine == "trtllm-harmony":
        assert message.response_metadata["stop_reason"] == 200012


@pytest.mark.parametrize("call", STREAM_STYLES)
@pytest.mark.parametrize("engine", ENGINE_STYLES)
async def test_each_engines_tool_call_chunks_give_one_call(
    fake_baseten: fb.FakeBaseten, call: str, engine: fb.StreamStyle
) -> None:
    deltas = [
        [{"index": 0, "id": "call_a", "function": {"name": "get_weather", "arguments": ""}}],
        [{"index": 0, "function": {"arguments": '{"city": '}}],
        [{"index": 0, "function": {"arguments": '"Paris"}'}}],
    ]
    fake_baseten.enqueue(fb.stream(None, tool_call_deltas=deltas, style=engine))
    message = await answer(chat_model(fake_baseten), call)
    assert message.tool_calls == [
        {"name": "get_weather", "args": {"city": "Paris"}, "id": "call_a", "type": "tool_call"}
    ]


# ---------------------------------------------------------------- tool calls without ids


def _tool_history_request(server: fb.FakeBaseten) -> dict[str, Any]:
    """The request that answered a tool call: the last one the server received."""
    return server.requests[-1].json()  # type: ignore[no-any-return]


@pytest.mark.parametrize("call", STYLES)
async def test_tool_calls_without_ids_get_stable_unique_ids_that_go_back_on_the_wire(
    fake_baseten: fb.FakeBaseten, call: str
) -> None:
    if "stream" in call:
        # TensorRT-LLM streams a forced tool choice with no id on any delta.
        fake_baseten.enqueue(fb.trtllm_forced_tool_stream("get_weather", '{"city": "Paris"}'))
    else:
        fake_baseten.enqueue(
            fb.chat(
                None,
                tool_calls=[
                    {"type": "function", "function": {"name": "get_weather", "arguments": "{}"}},
                    {"type": "function", "function": {"name": "get_weather", "arguments": "{}"}},
                ],
            )
        )
    llm = chat_model(fake_baseten).bind_tools([{"name": "get_weather", "parameters": {}}])
    message = await answer(llm, call)
    ids = [c["id"] for c in message.tool_calls]
    assert all(isinstance(i, str) and i.startswith("call_") for i in ids)
    assert len(set(ids)) == len(ids)
    if "stream" in call:
        # One id per index, on the first chunk only, so the merge keeps it whole.
        assert len(ids) == 1
        assert message.tool_call_chunks[0]["id"] == ids[0]
    results = [ToolMessage("sunny", tool_call_id=i) for i in ids]
    history = [HumanMessage("weather?"), message, *results]
    await answer(llm, "ainvoke" if call.startswith("a") else "invoke", history)
    wire = _tool_history_request(fake_baseten)["messages"]
    assert [c["id"] for c in wire[1]["tool_calls"]] == ids
    assert [m["tool_call_id"] for m in wire[2:]] == ids


async def test_each_stream_makes_new_ids(fake_baseten: fb.FakeBaseten) -> None:
    llm = chat_model(fake_baseten)
    seen = set()
    for _ in range(3):
        fake_baseten.enqueue(fb.trtllm_forced_tool_stream("f", "{}"))
        seen.add((await answer(llm, "stream")).tool_calls[0]["id"])
    assert len(seen) == 3


# ---------------------------------------------------------------- Baseten's OpenAPI delta answer


@pytest.mark.parametrize("call", ["invoke", "ainvoke"])
async def test_a_non_stream_answer_under_delta_is_read_as_the_message(
    fake_baseten: fb.FakeBaseten, call: str
) -> None:
    fake_baseten.enqueue(fb.chat("from the delta", as_delta=True))
    message = await answer(chat_model(fake_baseten), call)
    assert message.text == "from the delta"
    assert message.response_metadata["finish_reason"] == "stop"


# ---------------------------------------------------------------- refusals on plain calls

REFUSAL = "I can't help with that."


@pytest.mark.parametrize("call", STYLES)
async def test_a_refusal_is_kept_on_plain_calls(fake_baseten: fb.FakeBaseten, call: str) -> None:
    fake_baseten.enqueue(_reply(call, None, refusal=REFUSAL))
    message = await answer(chat_model(fake_baseten), call)
    assert message.additional_kwargs["refusal"] == REFUSAL
    assert {"type": "refusal", "refusal": REFUSAL} in message.content_blocks


@pytest.mark.parametrize(
    "refused",
    [
        AIMessage("", additional_kwargs={"refusal": REFUSAL}),
        AIMessage([{"type": "refusal", "refusal": REFUSAL}]),
        AIMessage([{"type": "text", "text": "Sorry."}, {"type": "refusal", "refusal": REFUSAL}]),
    ],
    ids=["additional_kwargs", "block", "text and block"],
)
@pytest.mark.parametrize("call", ["invoke", "ainvoke"])
async def test_a_refusal_in_history_goes_back_as_the_turns_text(
    fake_baseten: fb.FakeBaseten, refused: AIMessage, call: str
) -> None:
    await answer(
        chat_model(fake_baseten), call, [HumanMessage("hi"), refused, HumanMessage("again")]
    )
    (assistant,) = [
        m for m in fake_baseten.requests[0].json()["messages"] if m["role"] == "assistant"
    ]
    assert assistant["content"].endswith(REFUSAL)


async def test_model_refusal_middleware_sees_the_refusal(fake_baseten: fb.FakeBaseten) -> None:
    from langchain.agents import create_agent
    from langchain.agents.middleware import ModelRefusalMiddleware

    fake_baseten.enqueue(fb.chat(None, refusal=REFUSAL))
    agent = create_agent(chat_model(fake_baseten), middleware=[ModelRefusalMiddleware()])
    with pytest.raises(ModelRefusalError, match="I can't help with that"):
        agent.invoke({"messages": [{"role": "user", "content": "hi"}]}, {"recursion_limit": 4})


# ---------------------------------------------------------------- structured output never from a broken answer


class Answer(BaseModel):
    answer: str


METHODS: list[StructuredOutputMethod] = ["function_calling", "json_schema", "json_mode"]


def _structured_reply(
    call: str, method: StructuredOutputMethod, text: str, **kwargs: Any
) -> fb.Reply:
    """``text`` as the structured answer: a forced tool call's arguments or the content."""
    if method == "function_calling":
        if "stream" in call:
            deltas = [[{"index": 0, "id": "c1", "function": {"name": "Answer", "arguments": text}}]]
            return fb.stream(None, tool_call_deltas=deltas, **kwargs)
        call_ = {"id": "c1", "type": "function", "function": {"name": "Answer", "arguments": text}}
        return fb.chat(None, tool_calls=[call_], **kwargs)
    return _reply(call, text, **kwargs)


@pytest.mark.parametrize("call", STYLES)
@pytest.mark.parametrize("method", METHODS)
async def test_a_cut_off_structured_answer_raises_naming_max_tokens(
    fake_baseten: fb.FakeBaseten, call: str, method: StructuredOutputMethod
) -> None:
    fake_baseten.enqueue(_structured_reply(call, method, '{"answer": "4', finish_reason="length"))
    structured = chat_model(fake_baseten, max_tokens=7).with_structured_output(
        Answer, method=method
    )
    with pytest.raises(BasetenTruncatedOutputError, match=r"finish_reason='length', max_tokens=7"):
        await answer(structured, call)


@pytest.mark.parametrize("call", STYLES)
@pytest.mark.parametrize("arguments", ['""', "{}", '{"other": 1}'])
async def test_a_called_tool_with_arguments_off_the_schema_shows_them(
    fake_baseten: fb.FakeBaseten, call: str, arguments: str
) -> None:
    # vLLM 0.32 (--tool-strict-level auto, the default) constrains a forced call but not
    # a non-strict tool's arguments: a random model on this machine sent arguments '""'.
    # Every call style raises OutputParserException showing them, never "did not call
    # the tool" and never a bare pydantic ValidationError.
    fake_baseten.enqueue(_structured_reply(call, "function_calling", arguments))
    structured = chat_model(fake_baseten).with_structured_output(Answer)
    with pytest.raises(OutputParserException) as info:
        await answer(structured, call)
    text = str(info.value)
    assert "called the tool 'Answer'" in text
    assert "did not call" not in text
    assert "strict=True" in text
    assert arguments in text  # what came back
    if arguments != '""':
        assert "answer: Field required" in text


@pytest.mark.parametrize("call", STYLES)
@pytest.mark.parametrize("method", METHODS)
async def test_a_filtered_structured_answer_raises_a_refusal(
    fake_baseten: fb.FakeBaseten, call: str, method: StructuredOutputMethod
) -> None:
    fake_baseten.enqueue(_structured_reply(call, method, "{}", finish_reason="content_filter"))
    structured = chat_model(fake_baseten).with_structured_output(Answer, method=method)
    with pytest.raises(ModelRefusalError, match="content filter"):
        await answer(structured, call)


@pytest.mark.parametrize("call", STYLES)
@pytest.mark.parametrize("method", METHODS)
async def test_a_refused_structured_answer_raises_model_refusal_error_with_the_words(
    fake_baseten: fb.FakeBaseten, call: str, method: StructuredOutputMethod
) -> None:
    fake_baseten.enqueue(_reply(call, None, refusal=REFUSAL))
    structured = chat_model(fake_baseten).with_structured_output(Answer, method=method)
    with pytest.raises(ModelRefusalError, match="I can't help with that") as info:
        await answer(structured, call)
    assert info.value.raw_message is not None
    assert info.value.raw_message.additional_kwargs["refusal"] == REFUSAL


@pytest.mark.parametrize("call", ["invoke", "ainvoke"])
@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"finish_reason": "length"}, BasetenTruncatedOutputError),
        ({"finish_reason": "content_filter"}, ModelRefusalError),
    ],
)
async def test_include_raw_returns_no_value_and_the_error(
    fake_baseten: fb.FakeBaseten, call: str, kwargs: dict[str, Any], error: type[Exception]
) -> None:
    fake_baseten.enqueue(_structured_reply(call, "function_calling", '{"answer": "4', **kwargs))
    structured = chat_model(fake_baseten).with_structured_output(Answer, include_raw=True)
    result = await answer(structured, call)
    assert result["parsed"] is None
    assert isinstance(result["parsing_error"], error)
    assert isinstance(result["raw"], AIMessage)


@pytest.mark.parametrize("call", ["invoke", "ainvoke"])
async def test_include_raw_returns_a_refusal_as_the_error(
    fake_baseten: fb.FakeBaseten, call: str
) -> None:
    fake_baseten.enqueue(fb.chat(None, refusal=REFUSAL))
    structured = chat_model(fake_baseten).with_structured_output(Answer, include_raw=True)
    result = await answer(structured, call)
    assert result["parsed"] is None
    assert isinstance(result["parsing_error"], ModelRefusalError)
    assert result["raw"].additional_kwargs["refusal"] == REFUSAL


@pytest.mark.parametrize("call", STYLES)
async def test_a_whole_structured_answer_still_parses(
    fake_baseten: fb.FakeBaseten, call: str
) -> None:
    fake_baseten.enqueue(_structured_reply(call, "function_calling", '{"answer": "42"}'))
    structured = chat_model(fake_baseten).with_structured_output(Answer)
    assert await answer(structured, call) == Answer(answer="42")


def test_the_max_tokens_of_the_call_is_named(fake_baseten: fb.FakeBaseten) -> None:
    fake_baseten.enqueue(_structured_reply("invoke", "json_mode", '{"a', finish_reason="length"))
    structured = chat_model(fake_baseten).with_structured_output(Answer, method="json_mode")
    with pytest.raises(BasetenTruncatedOutputError, match="max_tokens unset"):
        structured.invoke("hi")
    fake_baseten.enqueue(_structured_reply("invoke", "json_mode", '{"a', finish_reason="length"))
    bound = chat_model(fake_baseten).with_structured_output(
        Answer, method="json_mode", max_tokens=3
    )
    with pytest.raises(BasetenTruncatedOutputError, match="max_tokens=3"):
        bound.invoke("hi")


# ---------------------------------------------------------------- usage details

USAGE = {
    "prompt_tokens": 20,
    "completion_tokens": 9,
    "total_tokens": 29,
    "prompt_tokens_details": {"cached_tokens": 4, "cache_write_tokens": 6, "audio_tokens": 5},
    "completion_tokens_details": {"reasoning_tokens": 2, "audio_tokens": 3},
}


@pytest.mark.parametrize("call", STYLES)
async def test_cache_write_and_audio_token_details_are_mapped(
    fake_baseten: fb.FakeBaseten, call: str
) -> None:
    fake_baseten.enqueue(_reply(call, "ok", usage=USAGE))
    message = await answer(chat_model(fake_baseten), call)
    assert message.usage_metadata == {
        "input_tokens": 20,
        "output_tokens": 9,
        "total_tokens": 29,
        "input_token_details": {"cache_read": 4, "cache_creation": 6, "audio": 5},
        "output_token_details": {"reasoning": 2, "audio": 3},
    }


# ---------------------------------------------------------------- media parts

IMAGE = "iVBORw0KGgo="
AUDIO = "UklGRiQAAABXQVZF"
VIDEO = "AAAAIGZ0eXBpc29t"

#: (a content block as users write it, the part the server receives)
MEDIA: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "image_url part": (
        {"type": "image_url", "image_url": {"url": "https://x/cat.png"}},
        {"type": "image_url", "image_url": {"url": "https://x/cat.png"}},
    ),
    "input_audio part": (
        {"type": "input_audio", "input_audio": {"data": AUDIO, "format": "wav"}},
        {"type": "input_audio", "input_audio": {"data": AUDIO, "format": "wav"}},
    ),
    # Baseten's Qwen3-ASR, Ultravox and Qwen3-Omni examples (truss-examples)
    "audio_url part": (
        {"type": "audio_url", "audio_url": {"url": "https://x/a.wav"}},
        {"type": "audio_url", "audio_url": {"url": "https://x/a.wav"}},
    ),
    "video_url part": (
        {"type": "video_url", "video_url": {"url": "https://x/v.mp4"}},
        {"type": "video_url", "video_url": {"url": "https://x/v.mp4"}},
    ),
    "image url": (
        {"type": "image", "url": "https://x/cat.png"},
        {"type": "image_url", "image_url": {"url": "https://x/cat.png"}},
    ),
    "image base64": (
        {"type": "image", "base64": IMAGE, "mime_type": "image/png"},
        {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{IMAGE}"}},
    ),
    "image v0 base64": (
        {"type": "image", "source_type": "base64", "data": IMAGE, "mime_type": "image/png"},
        {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{IMAGE}"}},
    ),
    "audio url": (
        {"type": "audio", "url": "https://x/a.mp3"},
        {"type": "audio_url", "audio_url": {"url": "https://x/a.mp3"}},
    ),
    "audio base64": (
        {"type": "audio", "base64": AUDIO, "mime_type": "audio/wav"},
        {"type": "input_audio", "input_audio": {"data": AUDIO, "format": "wav"}},
    ),
    "video url": (
        {"type": "video", "url": "https://x/v.mp4"},
        {"type": "video_url", "video_url": {"url": "https://x/v.mp4"}},
    ),
    "video base64": (
        {"type": "video", "base64": VIDEO, "mime_type": "video/mp4"},
        {"type": "video_url", "video_url": {"url": f"data:video/mp4;base64,{VIDEO}"}},
    ),
    "text-plain": (
        {"type": "text-plain", "text": "Q3 revenue rose.", "mime_type": "text/plain"},
        {"type": "text", "text": "Q3 revenue rose."},
    ),
    "text-plain base64": (
        {"type": "text-plain", "base64": "w6l0w6k=", "mime_type": "text/plain"},
        {"type": "text", "text": "été"},
    ),
}


@pytest.mark.parametrize("call", STYLES)
@pytest.mark.parametrize("media", list(MEDIA))
async def test_media_reach_the_server_as_engines_read_them(
    fake_baseten: fb.FakeBaseten, call: str, media: str
) -> None:
    block, wire = MEDIA[media]
    prompt = [HumanMessage([{"type": "text", "text": "describe"}, block])]
    message = await answer(chat_model(fake_baseten), call, prompt)
    assert message.text.startswith("echo: describe")  # text-plain blocks add their text
    sent = fake_baseten.requests[0].json()["messages"][0]["content"]
    assert sent == [{"type": "text", "text": "describe"}, wire]


def test_the_server_refuses_parts_no_engine_reads(fake_baseten: fb.FakeBaseten) -> None:
    """The local server answers an unknown part as vLLM does (the client refuses it first)."""
    import httpx2

    body = {"model": "m", "messages": [{"role": "user", "content": [{"type": "file"}]}]}
    response = httpx2.post(
        fake_baseten.url("/v1/chat/completions"),
        json=body,
        headers={"authorization": f"Bearer {KEY}"},
    )
    assert response.status_code == 400
    assert json.loads(response.content)["message"] == "Unknown part type: file"
