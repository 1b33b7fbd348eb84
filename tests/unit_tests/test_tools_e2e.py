"""Tool calling and structured output over real HTTP against the local Baseten-compatible server."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.exceptions import OutputParserException
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from langchain_core.tools import tool
from pydantic import BaseModel
from typing_extensions import TypedDict

from langchain_baseten import ChatBaseten
from langchain_baseten.messages import MessageConversionError
from langchain_baseten.structured_output import tool_name
from tests import fake_baseten as fb

if TYPE_CHECKING:
    from uuid import UUID

KEY = "bt-test-key-tools"


class Person(BaseModel):
    """A person."""

    name: str
    age: int


class PersonDict(TypedDict):
    """A person."""

    name: str
    age: int


PERSON_SCHEMA = {
    "title": "Person",
    "description": "A person.",
    "type": "object",
    "properties": {"name": {"type": "string"}, "age": {"type": "integer"}},
    "required": ["name", "age"],
}


@tool
def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


@pytest.fixture
def llm(fake_baseten: fb.FakeBaseten) -> ChatBaseten:
    return ChatBaseten(model="openai/gpt-oss-120b", base_url=fake_baseten.url("/v1"), api_key=KEY)


@pytest.mark.parametrize(
    ("choice", "wire"),
    [
        ("auto", "auto"),
        ("any", "required"),
        (True, "required"),
        ("add", {"type": "function", "function": {"name": "add"}}),
    ],
)
def test_tool_choice_strict_and_parallel_on_the_wire(
    llm: ChatBaseten, fake_baseten: fb.FakeBaseten, choice: Any, wire: Any
) -> None:
    message = llm.bind_tools(
        [add], tool_choice=choice, strict=True, parallel_tool_calls=False
    ).invoke("1+2?")
    body = fake_baseten.requests[0].json()
    assert body["tool_choice"] == wire
    assert body["parallel_tool_calls"] is False
    assert body["tools"][0]["function"]["strict"] is True
    assert message.tool_calls[0]["name"] == "add"
    assert message.tool_calls[0]["args"] == {"a": 1, "b": 1}


def test_invalid_tool_json_becomes_invalid_tool_calls(
    llm: ChatBaseten, fake_baseten: fb.FakeBaseten
) -> None:
    bad = {
        "id": "c1",
        "type": "function",
        "function": {"name": "add", "arguments": '{"a": 1, "b":'},
    }
    fake_baseten.enqueue(fb.chat(None, tool_calls=[bad]))
    message = llm.bind_tools([add]).invoke("1+?")
    assert message.tool_calls == []
    assert message.invalid_tool_calls[0]["args"] == '{"a": 1, "b":'


def test_parallel_tensorrt_tool_calls_in_one_stream(
    llm: ChatBaseten, fake_baseten: fb.FakeBaseten
) -> None:
    deltas = [
        [
            {
                "index": 0,
                "id": "t-1",
                "type": "function",
                "function": {"name": "add", "arguments": '{"a": '},
            },
            {"index": 0, "id": "t-2", "function": {"arguments": "1, "}},
            {
                "index": 1,
                "id": "u-1",
                "type": "function",
                "function": {"name": "add", "arguments": '{"a": 5,'},
            },
        ],
        [
            {"index": 0, "id": "t-3", "function": {"arguments": '"b": 2}'}},
            {"index": 1, "id": "u-2", "function": {"arguments": ' "b": 6}'}},
        ],
    ]
    fake_baseten.enqueue(fb.stream(None, tool_call_deltas=deltas, finish_reason="tool_calls"))
    total = None
    for chunk in llm.bind_tools([add]).stream("two sums"):
        total = chunk if total is None else total + chunk
    assert total is not None
    assert [(c["id"], c["args"]) for c in total.tool_calls] == [
        ("t-1", {"a": 1, "b": 2}),
        ("u-1", {"a": 5, "b": 6}),
    ]


def test_history_with_tool_calls_goes_back_as_the_api_expects(
    llm: ChatBaseten, fake_baseten: fb.FakeBaseten
) -> None:
    history = [
        HumanMessage("Wetter in Zürich?"),
        AIMessage(
            content="",
            tool_calls=[{"id": "c1", "name": "weather", "args": {"city": "Zürich"}}],
            additional_kwargs={"reasoning_content": "I should look it up."},
        ),
        ToolMessage("12°C", tool_call_id="c1"),
    ]
    llm.invoke(history)
    raw = fake_baseten.requests[0].body.decode()
    assert "Zürich" in raw  # unicode not escaped
    messages = json.loads(raw)["messages"]
    assert messages[1] == {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {
                "id": "c1",
                "type": "function",
                "function": {"name": "weather", "arguments": '{"city": "Zürich"}'},
            }
        ],
        "reasoning_content": "I should look it up.",
    }
    assert messages[2] == {"role": "tool", "tool_call_id": "c1", "content": "12°C"}


def test_tool_result_with_an_image_fails_before_sending(
    llm: ChatBaseten, fake_baseten: fb.FakeBaseten
) -> None:
    history = [
        HumanMessage("draw"),
        AIMessage(content="", tool_calls=[{"id": "c1", "name": "draw", "args": {}}]),
        ToolMessage(
            content=[{"type": "image", "url": "https://example.com/x.png"}], tool_call_id="c1"
        ),
    ]
    with pytest.raises(MessageConversionError, match="following HumanMessage"):
        llm.invoke(history)
    assert fake_baseten.requests == []


@pytest.mark.parametrize("method", ["function_calling", "json_schema", "json_mode"])
@pytest.mark.parametrize(
    "schema", [Person, PersonDict, PERSON_SCHEMA], ids=["pydantic", "typeddict", "json_schema"]
)
def test_structured_output_each_method_and_schema_kind(
    llm: ChatBaseten, fake_baseten: fb.FakeBaseten, method: str, schema: Any
) -> None:
    if method == "json_mode":
        fake_baseten.enqueue(fb.chat('{"name": "Ada", "age": 36}'))
    result = llm.with_structured_output(schema, method=method).invoke("Who is Ada?")  # type: ignore[arg-type]
    expected = {"name": "Ada", "age": 36} if method == "json_mode" else {"name": "Ada", "age": 1}
    assert (result.model_dump() if isinstance(result, BaseModel) else result) == expected
    assert isinstance(result, Person) == (schema is Person)
    body = fake_baseten.requests[0].json()
    if method == "function_calling":
        assert body["tool_choice"] == {"type": "function", "function": {"name": tool_name(schema)}}
        assert body["parallel_tool_calls"] is False
        assert "response_format" not in body
    elif method == "json_schema":
        assert body["response_format"]["type"] == "json_schema"
        assert body["response_format"]["json_schema"]["name"] == tool_name(schema)
        assert "tools" not in body
    else:
        assert body["response_format"] == {"type": "json_object"}


def test_include_raw_returns_the_parse_error(
    llm: ChatBaseten, fake_baseten: fb.FakeBaseten
) -> None:
    fake_baseten.enqueue(fb.chat("I would rather not."))
    out = llm.with_structured_output(Person, method="json_schema", include_raw=True).invoke("x")
    assert isinstance(out, dict)
    assert out["parsed"] is None
    assert isinstance(out["parsing_error"], OutputParserException)
    assert out["raw"].content == "I would rather not."


def test_parse_failure_raises_showing_the_model_text(
    llm: ChatBaseten, fake_baseten: fb.FakeBaseten
) -> None:
    fake_baseten.enqueue(fb.chat("I would rather not."))
    with pytest.raises(OutputParserException, match="I would rather not"):
        llm.with_structured_output(Person).invoke("x")


def test_streaming_structured_output_yields_partial_objects(
    llm: ChatBaseten, fake_baseten: fb.FakeBaseten
) -> None:
    text = json.dumps({"name": "Grace Hopper", "age": 85})
    fake_baseten.enqueue(fb.stream(text, pieces=[text[i : i + 4] for i in range(0, len(text), 4)]))
    parts = list(llm.with_structured_output(PersonDict, method="json_schema").stream("x"))
    assert len(parts) > 1
    assert parts[-1] == {"name": "Grace Hopper", "age": 85}


def test_ls_structured_output_format_reaches_callbacks(llm: ChatBaseten) -> None:
    seen: list[dict[str, Any]] = []

    class Spy(BaseCallbackHandler):
        def on_chat_model_start(
            self, serialized: Any, messages: Any, *, run_id: UUID, **kwargs: Any
        ) -> None:
            seen.append(kwargs.get("options") or {})

    llm.with_structured_output(Person).invoke("x", config={"callbacks": [Spy()]})
    (options,) = seen
    assert options["ls_structured_output_format"]["kwargs"]["method"] == "function_calling"
    assert "Person" in json.dumps(options["ls_structured_output_format"]["schema"])
