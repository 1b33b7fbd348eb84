"""Message conversion both ways, usage normalisation and stream chunk merging."""

from __future__ import annotations

import json
from typing import Any

import pytest
from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    ChatMessage,
    FunctionMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)

from langchain_baseten import ToolContentWarning
from langchain_baseten._errors import BasetenResponseError
from langchain_baseten._messages import (
    MessageConversionError,
    message_from_wire,
    messages_to_wire,
)
from langchain_baseten._streaming import StreamParser
from langchain_baseten._usage import combine_token_usage, usage_metadata_from_wire

# ---------------------------------------------------------------- to the wire


def test_basic_roles_and_names() -> None:
    wire = messages_to_wire(
        [
            SystemMessage("be brief"),
            HumanMessage("hi", name="ana"),
            AIMessage("hello"),
            ChatMessage(role="developer", content="dev note"),
        ]
    )
    assert wire == [
        {"role": "system", "content": "be brief"},
        {"role": "user", "content": "hi", "name": "ana"},
        {"role": "assistant", "content": "hello"},
        {"role": "developer", "content": "dev note"},
    ]


def test_empty_conversation_is_rejected() -> None:
    with pytest.raises(MessageConversionError, match="at least one message"):
        messages_to_wire([])


def test_images_and_audio_in_both_block_formats() -> None:
    message = HumanMessage(
        content=[
            "look:",
            {"type": "text", "text": "what is this?"},
            {"type": "image_url", "image_url": {"url": "https://example.com/a.png"}},
            {"type": "image", "url": "https://example.com/b.png"},
            {"type": "image", "base64": "QUJD", "mime_type": "image/png"},
            {"type": "audio", "base64": "UklG", "mime_type": "audio/wav"},
            {"type": "input_audio", "input_audio": {"data": "UklG", "format": "mp3"}},
        ]
    )
    (wire,) = messages_to_wire([message])
    assert wire["content"] == [
        {"type": "text", "text": "look:"},
        {"type": "text", "text": "what is this?"},
        {"type": "image_url", "image_url": {"url": "https://example.com/a.png"}},
        {"type": "image_url", "image_url": {"url": "https://example.com/b.png"}},
        {"type": "image_url", "image_url": {"url": "data:image/png;base64,QUJD"}},
        {"type": "input_audio", "input_audio": {"data": "UklG", "format": "wav"}},
        {"type": "input_audio", "input_audio": {"data": "UklG", "format": "mp3"}},
    ]


@pytest.mark.parametrize(
    ("block", "fragment"),
    [
        ({"type": "file", "base64": "JVBE", "mime_type": "application/pdf"}, "reads 'file'"),
        ({"type": "video", "file_id": "file-1"}, "no files API"),
        ({"type": "text-plain", "url": "https://example.com/a.txt"}, "cannot fetch"),
        ({"type": "audio_url", "url": "https://example.com/a.wav"}, "needs a 'audio_url'"),
        ({"type": "hologram"}, "Unknown content block type 'hologram'"),
        ({"type": "image", "base64": "QUJD"}, "mime_type"),
    ],
)
def test_unsupported_user_blocks_raise_clearly(block: dict[str, Any], fragment: str) -> None:
    with pytest.raises(MessageConversionError, match=fragment):
        messages_to_wire([HumanMessage(content=[block])])


def test_ai_tool_calls_have_null_content_and_unescaped_json_arguments() -> None:
    ai = AIMessage(
        content="",
        tool_calls=[{"id": "call_1", "name": "lookup", "args": {"city": "Zürich", "n": 2}}],
        additional_kwargs={"reasoning_content": "need the weather"},
    )
    tool = ToolMessage("12°C", tool_call_id="call_1")
    wire_ai, wire_tool = messages_to_wire([ai, tool])
    assert wire_ai["content"] is None
    assert wire_ai["reasoning_content"] == "need the weather"
    (call,) = wire_ai["tool_calls"]
    assert call["id"] == "call_1"
    assert call["type"] == "function"
    assert call["function"]["name"] == "lookup"
    assert call["function"]["arguments"] == '{"city": "Zürich", "n": 2}'
    assert json.loads(call["function"]["arguments"]) == {"city": "Zürich", "n": 2}
    assert wire_tool == {"role": "tool", "tool_call_id": "call_1", "content": "12°C"}


def test_ai_reasoning_is_not_sent_back_without_tool_calls() -> None:
    (wire,) = messages_to_wire([AIMessage("4", additional_kwargs={"reasoning_content": "2+2"})])
    assert wire == {"role": "assistant", "content": "4"}


def test_ai_v1_content_blocks_are_flattened() -> None:
    ai = AIMessage(
        content=[
            {"type": "reasoning", "reasoning": "think"},
            {"type": "text", "text": "answer"},
            {"type": "tool_call", "id": "c1", "name": "f", "args": {}},
        ],
        tool_calls=[{"id": "c1", "name": "f", "args": {}}],
    )
    (wire,) = messages_to_wire([ai])
    assert wire["content"] == "answer"
    assert wire["reasoning_content"] == "think"
    assert wire["tool_calls"][0]["function"] == {"name": "f", "arguments": "{}"}


def test_invalid_tool_calls_go_back_with_their_raw_arguments() -> None:
    ai = AIMessage(
        content="",
        invalid_tool_calls=[
            {
                "id": "c9",
                "name": "f",
                "args": "{not json",
                "error": "bad",
                "type": "invalid_tool_call",
            }
        ],
    )
    (wire,) = messages_to_wire([ai])
    assert wire["tool_calls"][0]["function"]["arguments"] == "{not json"


def test_a_tool_message_with_an_image_gets_a_stand_in_and_a_warning() -> None:
    tool = ToolMessage(
        content=["chart:", {"type": "image", "base64": "iVBORw0KGgo=", "mime_type": "image/png"}],
        tool_call_id="c1",
        name="chart",
    )
    with pytest.warns(ToolContentWarning, match=r"'chart'.*following HumanMessage"):
        (wire,) = messages_to_wire([tool])
    assert wire == {
        "role": "tool",
        "tool_call_id": "c1",
        "content": "chart:[an image (image/png) from the tool was left out: this model's "
        "tool results are sent as text only]",
    }


def test_a_tool_message_with_an_image_goes_as_parts_where_the_profile_says_so() -> None:
    # As ChatOpenAI sends it: the text and image parts (profile["image_tool_message"]).
    tool = ToolMessage(
        content=[
            {"type": "text", "text": "chart"},
            {"type": "image", "url": "https://example.com/x.png"},
            {"type": "file", "base64": "JVBERi0=", "mime_type": "application/pdf"},
        ],
        tool_call_id="c1",
    )
    with pytest.warns(ToolContentWarning, match="application/pdf"):
        (wire,) = messages_to_wire([tool], tool_media=True)
    text, image, file = wire["content"]
    assert text == {"type": "text", "text": "chart"}
    assert image == {"type": "image_url", "image_url": {"url": "https://example.com/x.png"}}
    assert file["type"] == "text"
    assert file["text"].startswith("[a file (application/pdf) from the tool was left out: ")
    assert "'file' blocks" in file["text"]


def test_tool_message_text_blocks_are_joined() -> None:
    tool = ToolMessage(content=[{"type": "text", "text": "a"}, "b"], tool_call_id="c1")
    assert messages_to_wire([tool])[0]["content"] == "ab"


def test_a_legacy_function_call_goes_out_as_a_tool_call_and_its_answer_as_its_result() -> None:
    # OpenAI's function calling (ChatOpenAI keeps it in additional_kwargs): not dropped.
    ai = AIMessage(
        "",
        additional_kwargs={
            "function_call": {"name": "get_weather", "arguments": '{"city": "Oslo"}'}
        },
    )
    answer = FunctionMessage(content="cold", name="get_weather")
    wire_ai, wire_answer = messages_to_wire([HumanMessage("Weather?"), ai, answer])[1:]
    (call,) = wire_ai["tool_calls"]
    assert call["type"] == "function"
    assert call["function"] == {"name": "get_weather", "arguments": '{"city": "Oslo"}'}
    assert call["id"]
    assert wire_ai["content"] is None
    assert wire_answer == {"role": "tool", "tool_call_id": call["id"], "content": "cold"}


def test_a_function_call_next_to_tool_calls_is_not_sent_twice() -> None:
    ai = AIMessage(
        "",
        tool_calls=[{"name": "f", "args": {}, "id": "call_1"}],
        additional_kwargs={"function_call": {"name": "f", "arguments": "{}"}},
    )
    (wire,) = messages_to_wire([ai])
    assert [c["id"] for c in wire["tool_calls"]] == ["call_1"]


def test_unsupported_message_types() -> None:
    with pytest.raises(MessageConversionError, match="use ToolMessage"):
        messages_to_wire([FunctionMessage(content="x", name="f")])
    with pytest.raises(MessageConversionError, match="not a chat-completions role"):
        messages_to_wire([ChatMessage(role="wizard", content="x")])


# ---------------------------------------------------------------- from the wire


def _response(message: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "id": "chatcmpl-1",
        "model": "openai/gpt-oss-120b",
        "system_fingerprint": "fp_1",
        "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
        "usage": {
            "prompt_tokens": 10,
            "completion_tokens": 5,
            "total_tokens": 15,
            "prompt_tokens_details": {"cached_tokens": 4},
            "completion_tokens_details": {"reasoning_tokens": 3},
        },
        **extra,
    }


@pytest.mark.parametrize("key", ["reasoning_content", "reasoning"])
def test_response_content_reasoning_usage_and_metadata(key: str) -> None:
    message = message_from_wire(
        _response({"role": "assistant", "content": "hi", key: "thinking"}),
        {"x-baseten-request-id": "req-42"},
    )
    assert message.content == "hi"
    assert message.additional_kwargs == {"reasoning_content": "thinking"}
    assert [block["type"] for block in message.content_blocks] == ["reasoning", "text"]
    assert message.usage_metadata == {
        "input_tokens": 10,
        "output_tokens": 5,
        "total_tokens": 15,
        "input_token_details": {"cache_read": 4},
        "output_token_details": {"reasoning": 3},
    }
    assert message.response_metadata == {
        "model_provider": "baseten",
        "model_name": "openai/gpt-oss-120b",
        "id": "chatcmpl-1",
        "system_fingerprint": "fp_1",
        "finish_reason": "stop",
        "baseten_request_id": "req-42",
    }
    assert message.id == "chatcmpl-1"


def test_tool_calls_parse_and_bad_json_becomes_invalid_tool_call() -> None:
    message = message_from_wire(
        _response(
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": "a",
                        "type": "function",
                        "function": {"name": "add", "arguments": '{"x": 1}'},
                    },
                    {
                        "id": "b",
                        "type": "function",
                        "function": {"name": "add", "arguments": "{x: oops"},
                    },
                ],
            }
        )
    )
    assert message.content == ""
    assert message.tool_calls == [{"name": "add", "args": {"x": 1}, "id": "a", "type": "tool_call"}]
    (invalid,) = message.invalid_tool_calls
    assert invalid["id"] == "b"
    assert invalid["args"] == "{x: oops"
    assert invalid["error"]


def test_response_without_choices_is_a_clear_error() -> None:
    with pytest.raises(BasetenResponseError, match="no choices"):
        message_from_wire({"id": "x", "choices": []})


def test_usage_without_details() -> None:
    assert usage_metadata_from_wire({"prompt_tokens": 3, "completion_tokens": 2}) == {
        "input_tokens": 3,
        "output_tokens": 2,
        "total_tokens": 5,
    }
    assert usage_metadata_from_wire({"prompt_tokens": 3.0, "completion_tokens": 2}) == {
        "input_tokens": 3,
        "output_tokens": 2,
        "total_tokens": 5,
    }


@pytest.mark.parametrize(
    "bad", [None, -1, float("nan"), float("inf"), 2.5, "9", True, [3], {"n": 3}]
)
@pytest.mark.parametrize("field", ["prompt_tokens", "completion_tokens"])
def test_unusable_token_counts_make_usage_unknown_not_zero(field: str, bad: Any) -> None:
    usage = {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5, field: bad}
    assert usage_metadata_from_wire(usage) is None


def test_an_unusable_total_or_detail_is_derived_or_left_out() -> None:
    usage = {
        "prompt_tokens": 3,
        "completion_tokens": 2,
        "total_tokens": -7,
        "prompt_tokens_details": {"cached_tokens": float("nan")},
        "completion_tokens_details": {"reasoning_tokens": 1},
    }
    assert usage_metadata_from_wire(usage) == {
        "input_tokens": 3,
        "output_tokens": 2,
        "total_tokens": 5,
        "output_token_details": {"reasoning": 1},
    }


def test_combine_token_usage_adds_nested_counts() -> None:
    total: dict[str, Any] = {}
    combine_token_usage(total, {"prompt_tokens": 1, "prompt_tokens_details": {"cached_tokens": 1}})
    combine_token_usage(total, {"prompt_tokens": 2, "prompt_tokens_details": {"cached_tokens": 2}})
    assert total == {"prompt_tokens": 3, "prompt_tokens_details": {"cached_tokens": 3}}


# ---------------------------------------------------------------- streaming


def _chunk(
    delta: dict[str, Any], *, finish: str | None = None, usage: Any = None
) -> dict[str, Any]:
    event: dict[str, Any] = {
        "id": "chatcmpl-s",
        "model": "m",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }
    if usage is not None:
        event["usage"] = usage
    return event


def _run(events: list[dict[str, Any]], *, stream_usage: bool = True) -> list[AIMessageChunk]:
    parser = StreamParser({"x-baseten-request-id": "req-s"}, stream_usage=stream_usage)
    chunks = [c.message for e in events if (c := parser.feed(e)) is not None]
    chunks.append(parser.finish().message)
    return chunks  # type: ignore[return-value]


def _usage(prompt: int, completion: int) -> dict[str, int]:
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
    }


@pytest.mark.parametrize("trailing_usage_chunk", [True, False])
def test_cumulative_usage_is_reported_once(trailing_usage_chunk: bool) -> None:
    events = [
        _chunk({"role": "assistant", "content": "a"}, usage=_usage(7, 1)),
        _chunk({"content": "b"}, usage=_usage(7, 2)),
        _chunk({"content": "c"}, finish="stop", usage=_usage(7, 3)),
    ]
    if trailing_usage_chunk:
        events.append({"id": "chatcmpl-s", "choices": [], "usage": _usage(7, 3)})
    chunks = _run(events)
    with_usage = [c for c in chunks if c.usage_metadata]
    assert len(with_usage) == 1
    total = chunks[0]
    for chunk in chunks[1:]:
        total += chunk
    assert total.content == "abc"
    assert total.usage_metadata == {"input_tokens": 7, "output_tokens": 3, "total_tokens": 10}
    assert total.response_metadata["finish_reason"] == "stop"
    assert total.response_metadata["model_name"] == "m"
    assert total.response_metadata["model_provider"] == "baseten"
    assert total.response_metadata["baseten_request_id"] == "req-s"


def test_stream_usage_off_reports_none() -> None:
    chunks = _run([_chunk({"content": "a"}, finish="stop", usage=_usage(1, 1))], stream_usage=False)
    assert all(c.usage_metadata is None for c in chunks)


def test_reasoning_deltas_and_stop_reason() -> None:
    events = [
        _chunk({"reasoning_content": "hm"}),
        _chunk({"reasoning": "m"}),
        _chunk({"content": "ok"}),
        {
            "id": "chatcmpl-s",
            "choices": [{"index": 0, "delta": {}, "finish_reason": "stop", "stop_reason": 200012}],
        },
    ]
    chunks = _run(events)
    total = chunks[0]
    for chunk in chunks[1:]:
        total += chunk
    assert total.additional_kwargs["reasoning_content"] == "hmm"
    assert total.content == "ok"
    assert total.response_metadata["stop_reason"] == 200012


def test_tensorrt_tool_call_deltas_merge_per_index() -> None:
    """TensorRT-LLM: several deltas per event for one index, each with its own id."""
    events = [
        _chunk(
            {
                "tool_calls": [
                    {
                        "index": 0,
                        "id": "id-a1",
                        "function": {"name": "get_weather", "arguments": ""},
                    },
                    {"index": 0, "id": "id-a2", "function": {"arguments": '{"city": '}},
                ]
            }
        ),
        _chunk(
            {
                "tool_calls": [
                    {
                        "index": 0,
                        "id": "id-a3",
                        "function": {"name": "get_weather", "arguments": '"Paris"}'},
                    },
                    {
                        "index": 1,
                        "id": "id-b1",
                        "function": {"name": "get_time", "arguments": "{}"},
                    },
                ]
            }
        ),
        _chunk({}, finish="tool_calls"),
    ]
    chunks = _run(events)
    total = chunks[0]
    for chunk in chunks[1:]:
        total += chunk
    assert total.tool_calls == [
        {"name": "get_weather", "args": {"city": "Paris"}, "id": "id-a1", "type": "tool_call"},
        {"name": "get_time", "args": {}, "id": "id-b1", "type": "tool_call"},
    ]
    assert total.invalid_tool_calls == []


def test_stream_logprobs_are_kept() -> None:
    logprobs = {"content": [{"token": "a", "logprob": -0.1}]}
    events = [
        {"id": "x", "choices": [{"index": 0, "delta": {"content": "a"}, "logprobs": logprobs}]},
        _chunk({}, finish="stop"),
    ]
    chunks = _run(events)
    assert chunks[0].response_metadata["logprobs"] == logprobs


def test_parser_reports_unfinished_stream() -> None:
    parser = StreamParser(None, stream_usage=True)
    parser.feed(_chunk({"content": "partial"}))
    assert not parser.finished
    parser.feed(_chunk({}, finish="length"))
    assert parser.finished
