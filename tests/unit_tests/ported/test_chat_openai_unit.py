"""ChatOpenAI's provider-neutral unit tests, re-expressed against ChatBaseten.

Source: langchain-ai/langchain, ``libs/partners/openai/tests/unit_tests/chat_models/test_base.py``
(read at commit 0061cc7). Each test below restates one behaviour of ChatOpenAI that
code written for it relies on, through real HTTP to the local server instead of
mocked SDK clients. Responses-API, tiktoken, image-size and OpenAI-model-name
tests are not provider-neutral and are not ported.

Deliberate differences (each test that meets one checks the replacement):

* no ``client``/``root_client`` attributes (shared pools, ``llm.endpoint``): the
  client-caching test checks that equal settings share one transport instead;
* ``SystemMessage(additional_kwargs={"__openai_role__": "developer"})`` goes out as
  ``system``: not every engine's chat template knows the ``developer`` role;
* a legacy ``function_call`` goes out as a tool call (``tool_calls``), not as
  ``function_call``: chat templates render tool calls;
* ``file`` blocks (PDFs) are refused: no engine behind Baseten reads them;
* ``get_num_tokens_from_messages`` is an offline estimate (Baseten serves many
  tokenizers), so counts are checked for shape, not ChatOpenAI's tiktoken totals;
* ``stream_options`` is always sent (``include_usage`` follows ``stream_usage``), as
  every Baseten engine reads it, where ChatOpenAI leaves it out off OpenAI's host;
* ``stream_chunk_timeout`` is off by default (ChatOpenAI: 120 s), as ``timeout``
  already bounds the whole request.
"""

from __future__ import annotations

import asyncio
import json
from typing import TYPE_CHECKING, Any, Literal

import pytest
from langchain_core.exceptions import ContextOverflowError
from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    FunctionMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)
from pydantic import BaseModel

from langchain_baseten import ChatBaseten
from langchain_baseten import testing as fb
from langchain_baseten._media import MessageConversionError, user_part
from langchain_baseten._messages import message_from_wire, messages_to_wire
from tests.local_models import KEY, chat_model

if TYPE_CHECKING:
    from langchain_core.messages.ai import UsageMetadata

MODEL = "openai/gpt-oss-120b"


class GenerateUsername(BaseModel):
    """Get a username based on someone's name and hair color."""

    name: str
    hair_color: str


class MakeASandwich(BaseModel):
    """Make a sandwich given a list of ingredients."""

    bread_type: str
    cheese_type: str
    condiments: list[str]
    vegetables: list[str]


class Foo(BaseModel):
    bar: int


def sse(events: list[dict[str, Any]]) -> bytes:
    """A stream body of these events and ``[DONE]``."""
    lines = [f"data: {json.dumps(event)}\n\n" for event in events]
    return ("".join(lines) + "data: [DONE]\n\n").encode()


def chunk(content: str | None, *, finish: str | None = None, **extra: Any) -> dict[str, Any]:
    delta = {} if content is None else {"role": "assistant", "content": content}
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion.chunk",
        "created": 1721631035,
        "model": MODEL,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        **extra,
    }


# ---------------------------------------------------------------- construction


def test_model_param() -> None:
    for kwargs in ({"model": "foo/bar"}, {"model_name": "foo/bar"}):
        llm = ChatBaseten(api_key=KEY, **kwargs)
        assert llm.model_name == "foo/bar"
        assert llm.model == "foo/bar"
    assert ChatBaseten(model=MODEL, api_key=KEY, max_tokens=10).max_tokens == 10
    assert ChatBaseten(model=MODEL, api_key=KEY, max_completion_tokens=10).max_tokens == 10


@pytest.mark.parametrize("async_api", [True, False])
def test_streaming_attribute_should_stream(async_api: bool) -> None:
    llm = ChatBaseten(model=MODEL, api_key=KEY, streaming=True)
    assert llm._should_stream(async_api=async_api)


def test_client_caching() -> None:
    # Adapted: no root_client; equal settings share one transport, others do not.
    first = ChatBaseten(model=MODEL, api_key=KEY)
    same = ChatBaseten(model=MODEL, api_key=KEY)
    elsewhere = ChatBaseten(model=MODEL, api_key=KEY, base_url="http://127.0.0.1:9/v1")
    slower = ChatBaseten(model=MODEL, api_key=KEY, timeout=3)
    transport = first._connection()[1]
    assert same._connection()[1].settings == transport.settings
    assert elsewhere._connection()[1].settings != transport.settings
    assert slower._connection()[1].settings != transport.settings


def test_profile() -> None:
    model = ChatBaseten(model=MODEL, api_key=KEY)
    assert model.profile
    assert model.profile["structured_output"]
    assert model.profile["tool_calling"]
    model.profile["tool_calling"] = False  # overwriting a field ...
    assert not model.profile["tool_calling"]
    fresh = ChatBaseten(model=MODEL, api_key=KEY).profile
    assert fresh
    assert fresh["tool_calling"]  # ... does not change another model's
    given = ChatBaseten(model=MODEL, api_key=KEY, profile={"tool_calling": False})
    assert given.profile == {"tool_calling": False}


def test_metadata_versions() -> None:
    llm = ChatBaseten(model=MODEL, api_key=KEY)
    assert llm.metadata
    assert "langchain-core" in llm.metadata["lc_versions"]


def test_custom_token_counting() -> None:
    def token_encoder(text: str) -> list[int]:
        return [1, 2, 3]

    llm = ChatBaseten(model=MODEL, api_key=KEY, custom_get_token_ids=token_encoder)
    assert llm.get_token_ids("foo") == [1, 2, 3]


# ---------------------------------------------------------------- message conversion


@pytest.mark.parametrize(
    ("wire", "message"),
    [
        ({"role": "user", "content": "foo"}, HumanMessage("foo")),
        ({"role": "user", "content": "foo", "name": "test"}, HumanMessage("foo", name="test")),
        ({"role": "assistant", "content": "foo"}, AIMessage("foo")),
        ({"role": "assistant", "content": "foo", "name": "test"}, AIMessage("foo", name="test")),
        ({"role": "system", "content": "foo"}, SystemMessage("foo")),
        ({"role": "system", "content": "foo", "name": "test"}, SystemMessage("foo", name="test")),
        (
            {"role": "tool", "content": "foo", "tool_call_id": "bar"},
            ToolMessage("foo", tool_call_id="bar"),
        ),
    ],
)
def test_convert_message_to_dict(wire: dict[str, Any], message: Any) -> None:
    assert messages_to_wire([message]) == [wire]


def test_developer_role_goes_out_as_system() -> None:
    # Adapted (see the module docstring): ChatOpenAI sends role "developer".
    message = SystemMessage("foo", additional_kwargs={"__openai_role__": "developer"})
    assert messages_to_wire([message]) == [{"role": "system", "content": "foo"}]


def test_convert_dict_to_message_tool_calls_valid_and_malformed() -> None:
    calls = [
        {"id": "call_a", "type": "function", "function": {"name": "G", "arguments": "oops"}},
        {
            "id": "call_b",
            "type": "function",
            "function": {"name": "G", "arguments": '{"name": "Sally", "hair_color": "green"}'},
        },
    ]
    response = {
        "id": "x",
        "model": MODEL,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": None, "tool_calls": calls},
                "finish_reason": "tool_calls",
            }
        ],
    }
    message = message_from_wire(response, {})
    assert message.tool_calls == [
        {
            "name": "G",
            "args": {"name": "Sally", "hair_color": "green"},
            "id": "call_b",
            "type": "tool_call",
        }
    ]
    (invalid,) = message.invalid_tool_calls
    assert (invalid["id"], invalid["name"], invalid["args"]) == ("call_a", "G", "oops")
    # Back to the wire: the valid call as JSON, the malformed one as its raw text.
    (wire,) = messages_to_wire([message])
    sent = {c["id"]: c["function"]["arguments"] for c in wire["tool_calls"]}
    assert json.loads(sent["call_b"]) == {"name": "Sally", "hair_color": "green"}
    assert sent["call_a"] == "oops"


def test_function_calls_with_tool_calls() -> None:
    # Tool calls win over a legacy function_call; without them the function call is sent
    # (adapted: as a tool call, see the module docstring).
    ai = AIMessage(
        "",
        additional_kwargs={
            "function_call": {"name": "get_weather", "arguments": '{"location": "Boston"}'}
        },
        tool_calls=[
            {"name": "get_weather", "args": {"location": "Boston"}, "id": "abc123"},
        ],
    )
    (with_calls,) = messages_to_wire([ai])
    assert [c["id"] for c in with_calls["tool_calls"]] == ["abc123"]
    assert "function_call" not in with_calls
    ai.tool_calls = []
    (legacy,) = messages_to_wire([ai])
    assert legacy["tool_calls"][0]["function"]["name"] == "get_weather"
    answer = FunctionMessage(content="sunny", name="get_weather")
    assert messages_to_wire([ai, answer])[1]["role"] == "tool"


def test_format_message_content() -> None:
    assert messages_to_wire([HumanMessage("hello")])[0]["content"] == "hello"
    parts: list[str | dict[str, Any]] = [
        {"type": "text", "text": "What is in this image?"},
        {"type": "image_url", "image_url": {"url": "url.com"}},
    ]
    assert messages_to_wire([HumanMessage(parts)])[0]["content"] == parts
    # Anthropic's tool_use blocks in an assistant turn are dropped (the call is in tool_calls).
    ai = AIMessage(
        [
            {"type": "text", "text": "hello"},
            {"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {}},
        ]
    )
    assert messages_to_wire([ai])[0]["content"] == "hello"
    for block in (
        {"type": "image", "source_type": "url", "url": "https://..."},
        {"type": "image", "url": "https://..."},
    ):
        assert user_part(block) == {"type": "image_url", "image_url": {"url": "https://..."}}
    for block in (
        {"type": "image", "source_type": "base64", "data": "<b64>", "mime_type": "image/png"},
        {"type": "image", "base64": "<b64>", "mime_type": "image/png"},
    ):
        assert user_part(block) == {
            "type": "image_url",
            "image_url": {"url": "data:image/png;base64,<b64>"},
        }
    # Adapted: no engine behind Baseten reads file blocks (ChatOpenAI sends a file part).
    with pytest.raises(MessageConversionError, match="'file' blocks"):
        user_part({"type": "file", "base64": "<b64>", "mime_type": "application/pdf"})


# ---------------------------------------------------------------- calls over HTTP


def test_invoke(fake_baseten: fb.FakeBaseten) -> None:
    fake_baseten.enqueue(fb.chat("Bar Baz"))
    res = chat_model(fake_baseten).invoke("bar")
    assert res.content == "Bar Baz"
    assert "headers" not in res.response_metadata  # include_response_headers not set


def test_ainvoke(fake_baseten: fb.FakeBaseten) -> None:
    fake_baseten.enqueue(fb.chat("Bar Baz"))
    res = asyncio.run(chat_model(fake_baseten).ainvoke("bar"))
    assert res.content == "Bar Baz"
    assert "headers" not in res.response_metadata


def test_include_response_headers(fake_baseten: fb.FakeBaseten) -> None:
    res = chat_model(fake_baseten, include_response_headers=True).invoke("bar")
    assert isinstance(res.response_metadata["headers"], dict)
    assert res.response_metadata["headers"]


def test_invoke_name(fake_baseten: fb.FakeBaseten) -> None:
    body = {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1689989000,
        "model": MODEL,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": "Bar Baz", "name": "Erick"},
                "finish_reason": "stop",
            }
        ],
    }
    fake_baseten.enqueue(fb.raw(200, json.dumps(body).encode()))
    res = chat_model(fake_baseten).invoke([HumanMessage("Foo", name="Katie")])
    (sent,) = fake_baseten.requests[0].json()["messages"]
    assert sent == {"role": "user", "content": "Foo", "name": "Katie"}
    assert res.content == "Bar Baz"
    assert res.name == "Erick"


USAGE = {"prompt_tokens": 14, "completion_tokens": 3, "total_tokens": 17}
# The three chunk shapes of ChatOpenAI's stream tests: usage on the finishing chunk
# (GLM-4, DeepSeek) or on a separate choices-less chunk (OpenAI).
STREAM_SHAPES = {
    "usage_on_the_last_choice": [
        chunk("I am"),
        chunk(" an assistant."),
        chunk("", finish="stop", usage=USAGE),
    ],
    "usage_in_its_own_chunk": [
        chunk(""),
        chunk("I am"),
        chunk(" an assistant."),
        chunk(None, finish="stop"),
        {**chunk(None), "choices": [], "usage": USAGE},
    ],
}


@pytest.mark.parametrize("shape", list(STREAM_SHAPES))
@pytest.mark.parametrize("use_async", [False, True])
def test_stream_usage(fake_baseten: fb.FakeBaseten, shape: str, use_async: bool) -> None:
    fake_baseten.enqueue(fb.raw(200, sse(STREAM_SHAPES[shape]), content_type="text/event-stream"))
    llm = chat_model(fake_baseten, stream_usage=True)
    assert llm.stream_usage

    async def collect() -> list[AIMessageChunk]:
        return [c async for c in llm.astream("name?")]

    chunks = asyncio.run(collect()) if use_async else list(llm.stream("name?"))
    usages: list[UsageMetadata] = [c.usage_metadata for c in chunks if c.usage_metadata]
    assert len(usages) == 1  # counted once
    (usage,) = usages
    assert (usage["input_tokens"], usage["output_tokens"], usage["total_tokens"]) == (14, 3, 17)
    assert "".join(c.text for c in chunks) == "I am an assistant."
    assert fake_baseten.requests[0].json()["stream_options"] == {"include_usage": True}


def test_stream_without_usage(fake_baseten: fb.FakeBaseten) -> None:
    # Adapted: stream_options is sent with include_usage false (see the module docstring).
    chunks = list(chat_model(fake_baseten, stream_usage=False).stream("hi"))
    assert all(c.usage_metadata is None for c in chunks)
    assert fake_baseten.requests[0].json()["stream_options"] == {"include_usage": False}


def test_usage_with_an_explicit_zero_total_is_kept(fake_baseten: fb.FakeBaseten) -> None:
    usage = {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 0}
    fake_baseten.enqueue(fb.chat("ok", usage=usage))
    res = chat_model(fake_baseten).invoke("hi")
    assert res.usage_metadata is not None
    assert res.usage_metadata["total_tokens"] == 0


def test_context_overflow_error(fake_baseten: fb.FakeBaseten) -> None:
    body = {
        "error": {
            "message": "This model's maximum context length is 8192 tokens.",
            "type": "invalid_request_error",
            "code": "context_length_exceeded",
        }
    }
    fake_baseten.enqueue(fb.error(400, body))
    with pytest.raises(ContextOverflowError):
        chat_model(fake_baseten).invoke("hi")


def test_disabled_params(fake_baseten: fb.FakeBaseten) -> None:
    llm = chat_model(fake_baseten, disabled_params={"parallel_tool_calls": None})
    llm.bind_tools([GenerateUsername], parallel_tool_calls=False).invoke("hi")
    assert "parallel_tool_calls" not in fake_baseten.requests[0].json()


def test_extra_body_and_model_kwargs(fake_baseten: fb.FakeBaseten) -> None:
    llm = chat_model(fake_baseten, extra_body={"top_k": 5}, model_kwargs={"min_p": 0.1})
    llm.invoke("hi")
    body = fake_baseten.requests[0].json()
    assert (body["top_k"], body["min_p"]) == (5, 0.1)
    assert "extra_body" not in body
    assert "model_kwargs" not in body


def test_unknown_init_kwargs_go_to_model_kwargs_with_a_warning() -> None:
    with pytest.warns(UserWarning, match="not a known ChatBaseten parameter"):
        llm = ChatBaseten(model=MODEL, api_key=KEY, some_engine_flag=1)
    assert llm.model_kwargs == {"some_engine_flag": 1}


# ---------------------------------------------------------------- tools and structured output


@pytest.mark.parametrize(
    "tool_choice",
    [
        "any",
        "none",
        "auto",
        "required",
        "GenerateUsername",
        {"type": "function", "function": {"name": "MakeASandwich"}},
        False,
        None,
    ],
)
@pytest.mark.parametrize("strict", [True, False, None])
def test_bind_tools_tool_choice(tool_choice: Any, strict: bool | None) -> None:
    llm = ChatBaseten(model=MODEL, api_key=KEY, temperature=0)
    bound = llm.bind_tools(
        tools=[GenerateUsername, MakeASandwich], tool_choice=tool_choice, strict=strict
    )
    tools = bound.kwargs["tools"]  # type: ignore[attr-defined]
    assert [t["function"]["name"] for t in tools] == ["GenerateUsername", "MakeASandwich"]


def test_bind_tools_without_strict_leaves_it_out() -> None:
    llm = ChatBaseten(model=MODEL, api_key=KEY)
    tools = llm.bind_tools([GenerateUsername]).kwargs["tools"]  # type: ignore[attr-defined]
    assert "strict" not in tools[0]["function"]


@pytest.mark.parametrize("schema", [GenerateUsername, GenerateUsername.model_json_schema()])
@pytest.mark.parametrize("method", ["json_schema", "function_calling", "json_mode"])
@pytest.mark.parametrize("include_raw", [True, False])
@pytest.mark.parametrize("strict", [True, False, None])
def test_with_structured_output(
    schema: Any,
    method: Literal["function_calling", "json_mode", "json_schema"],
    include_raw: bool,
    strict: bool | None,
) -> None:
    if method == "json_mode":
        strict = None
    llm = ChatBaseten(model=MODEL, api_key=KEY, temperature=0)
    llm.with_structured_output(schema, method=method, strict=strict, include_raw=include_raw)


def test_schema_from_with_structured_output() -> None:
    llm = ChatBaseten(model=MODEL, api_key=KEY)
    structured = llm.with_structured_output(Foo, method="json_schema", strict=True)
    output_schema = structured.get_output_schema()
    assert issubclass(output_schema, BaseModel)
    assert output_schema.model_json_schema() == {
        "properties": {"bar": {"title": "Bar", "type": "integer"}},
        "required": ["bar"],
        "title": "Foo",
        "type": "object",
    }


def test_get_num_tokens_from_messages() -> None:
    # Adapted: an offline estimate, not ChatOpenAI's tiktoken count (431).
    llm = ChatBaseten(model=MODEL, api_key=KEY)
    messages = [
        SystemMessage("you're a good assistant"),
        HumanMessage("how are you"),
        HumanMessage(
            [
                {"type": "text", "text": "what's in this image"},
                {"type": "image_url", "image_url": {"url": "https://foobar.com"}},
            ]
        ),
        AIMessage("a nice bird"),
        AIMessage("", tool_calls=[{"id": "foo", "name": "bar", "args": {"arg1": "arg1"}}]),
        AIMessage(
            "",
            additional_kwargs={
                "function_call": {"arguments": json.dumps({"arg1": "arg1"}), "name": "fun"}
            },
        ),
        ToolMessage("foobar", tool_call_id="foo"),
    ]
    count = llm.get_num_tokens_from_messages(messages)
    assert count > llm.get_num_tokens_from_messages(messages[:2]) > 0
