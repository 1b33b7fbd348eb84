"""Tool calling and structured output over real HTTP against the local Baseten-compatible server.

Sections: tools and ``tool_choice`` on the wire, tool calls in answers, tool
calls in streams (TensorRT-LLM's deltas included), the tool-call history sent
back, structured output (every method, parse failures, partial objects,
tracing metadata).
"""

from __future__ import annotations

import json
import warnings
from typing import TYPE_CHECKING, Any

import pytest
from langchain_core.exceptions import OutputParserException
from langchain_core.messages import (
    AIMessage,
    BaseMessage,
    HumanMessage,
    ToolMessage,
)
from langchain_core.tools import tool
from pydantic import BaseModel, Field
from typing_extensions import TypedDict

from langchain_baseten import ToolContentWarning
from langchain_baseten import testing as fb
from langchain_baseten._structured_output import tool_name
from tests.call_styles import STYLES, answer, merge_chunks, message_chunks
from tests.local_models import chat_model

if TYPE_CHECKING:
    from langchain_baseten import ChatBaseten
    from tests.spies import CallbackSpy


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


class LongPerson(BaseModel):
    """A person."""

    name: str
    age: int
    bio: str = ""


@tool
def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


class GetWeather(BaseModel):
    """Get the current weather for a city."""

    city: str = Field(description="City name")


@tool
def get_time(city: str, utc_offset: int) -> str:
    """Get the local time in a city."""
    return f"12:00 in {city}"


WEATHER_CHOICE = {"type": "function", "function": {"name": "GetWeather"}}


def _delta(
    index: int, arguments: str, *, call_id: str | None = None, name: str | None = None
) -> dict[str, Any]:
    delta: dict[str, Any] = {"index": index, "function": {"arguments": arguments}}
    if call_id is not None:
        delta["id"] = call_id
        delta["type"] = "function"
    if name is not None:
        delta["function"]["name"] = name
    return delta


def _body(fake: fb.FakeBaseten, number: int = 0) -> dict[str, Any]:
    body: dict[str, Any] = fake.requests[number].json()
    return body


# ---------------------------------------------------------------- tools and tool_choice on the wire


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


@pytest.mark.parametrize(
    ("tool_choice", "on_wire"),
    [
        (None, "<absent>"),
        ("none", "none"),
        ("required", "required"),
        (False, "none"),
        (WEATHER_CHOICE, WEATHER_CHOICE),
    ],
)
def test_other_tool_choice_forms_on_the_wire(
    llm: ChatBaseten, fake_baseten: fb.FakeBaseten, tool_choice: Any, on_wire: Any
) -> None:
    llm.bind_tools([get_time, GetWeather], tool_choice=tool_choice).invoke("Weather in Paris?")
    body = _body(fake_baseten)
    assert body.get("tool_choice", "<absent>") == on_wire
    assert [t["function"]["name"] for t in body["tools"]] == ["get_time", "GetWeather"]
    assert body["tools"][1]["function"]["parameters"]["required"] == ["city"]
    assert "parallel_tool_calls" not in body
    assert "strict" not in body["tools"][0]["function"]


def test_unknown_tool_choice_fails_before_any_request(
    llm: ChatBaseten, fake_baseten: fb.FakeBaseten
) -> None:
    with pytest.raises(ValueError, match=r"'get_wether'.*not one of the bound tools"):
        llm.bind_tools([GetWeather], tool_choice="get_wether")
    assert fake_baseten.requests == []


def test_every_tool_kind_goes_on_the_wire(llm: ChatBaseten, fake_baseten: fb.FakeBaseten) -> None:
    def multiply(a: int, b: int) -> int:
        """Multiply two integers."""
        return a * b

    lookup = {
        "type": "function",
        "function": {
            "name": "lookup",
            "description": "Look something up.",
            "parameters": {"type": "object", "properties": {"q": {"type": "string"}}},
        },
    }
    llm.bind_tools([GetWeather, PersonDict, get_time, multiply, lookup]).invoke("hi")
    functions = [t["function"] for t in _body(fake_baseten)["tools"]]
    assert [f["name"] for f in functions] == [
        "GetWeather",
        "PersonDict",
        "get_time",
        "multiply",
        "lookup",
    ]
    assert functions[2]["description"] == "Get the local time in a city."
    assert functions[2]["parameters"]["properties"]["utc_offset"]["type"] == "integer"
    assert functions[3]["parameters"]["required"] == ["a", "b"]
    assert functions[4] == lookup["function"]


def test_strict_schemas_and_parallel_calls_allowed_on_the_wire(
    llm: ChatBaseten, fake_baseten: fb.FakeBaseten
) -> None:
    llm.bind_tools([GetWeather, get_time], strict=True, parallel_tool_calls=True).invoke("hi")
    body = _body(fake_baseten)
    assert body["parallel_tool_calls"] is True
    for function in (t["function"] for t in body["tools"]):
        assert function["strict"] is True
        assert function["parameters"]["additionalProperties"] is False


# ---------------------------------------------------------------- tool calls in answers


def test_two_tool_calls_are_parsed(llm: ChatBaseten, fake_baseten: fb.FakeBaseten) -> None:
    fake_baseten.enqueue(
        fb.chat(
            None,
            tool_calls=[
                fb.tool_call("GetWeather", '{"city": "Zürich"}', "call_a"),
                fb.tool_call("get_time", '{"city": "Oslo", "utc_offset": 1}', "call_b"),
            ],
        )
    )
    message = llm.bind_tools([GetWeather, get_time]).invoke("Weather and time?")
    assert message.content == ""
    assert message.tool_calls == [
        {"name": "GetWeather", "args": {"city": "Zürich"}, "id": "call_a", "type": "tool_call"},
        {
            "name": "get_time",
            "args": {"city": "Oslo", "utc_offset": 1},
            "id": "call_b",
            "type": "tool_call",
        },
    ]
    assert message.invalid_tool_calls == []
    assert message.response_metadata["finish_reason"] == "tool_calls"


def test_default_server_calls_the_named_tool_not_the_first(llm: ChatBaseten) -> None:
    message = llm.bind_tools([GetWeather, get_time], tool_choice="get_time").invoke(
        "What time is it in Lisbon"
    )
    (call,) = message.tool_calls
    assert call["name"] == "get_time"
    assert call["args"] == {"city": "Lisbon", "utc_offset": 1}


@pytest.mark.parametrize(
    "arguments",
    [
        '{"city": "Par',  # truncated
        "{'city': 'Paris'}",  # Python, not JSON
        '{"city": "Paris"} and more',  # trailing text
        '"Paris"',  # JSON, but not an object
        "[1, 2]",
        "42",
    ],
)
def test_bad_arguments_become_invalid_tool_calls_next_to_good_ones(
    llm: ChatBaseten, fake_baseten: fb.FakeBaseten, arguments: str
) -> None:
    fake_baseten.enqueue(
        fb.chat(
            None,
            tool_calls=[
                fb.tool_call("GetWeather", arguments, "call_bad"),
                fb.tool_call("GetWeather", '{"city": "Rome"}', "call_good"),
            ],
        ),
        fb.chat(None, tool_calls=[fb.tool_call("GetWeather", arguments, "call_alone")]),
    )
    message = llm.bind_tools([GetWeather]).invoke("Weather?")
    assert message.tool_calls == [
        {"name": "GetWeather", "args": {"city": "Rome"}, "id": "call_good", "type": "tool_call"}
    ]
    (invalid,) = message.invalid_tool_calls
    assert invalid["id"] == "call_bad"
    assert invalid["name"] == "GetWeather"
    assert invalid["args"] == arguments
    assert invalid["error"]
    alone = llm.bind_tools([GetWeather]).invoke("Weather?")
    assert alone.tool_calls == []
    assert [(c["id"], c["args"]) for c in alone.invalid_tool_calls] == [("call_alone", arguments)]


def test_arguments_sent_as_a_json_object_are_accepted(
    llm: ChatBaseten, fake_baseten: fb.FakeBaseten
) -> None:
    # Some OpenAI-compatible servers send the arguments as an object, not a string.
    fake_baseten.enqueue(fb.chat(None, tool_calls=[fb.tool_call("GetWeather", {"city": "Kyiv"})]))
    message = llm.bind_tools([GetWeather]).invoke("Weather?")
    assert message.tool_calls == [
        {"name": "GetWeather", "args": {"city": "Kyiv"}, "id": "call_1", "type": "tool_call"}
    ]


def test_tool_call_without_a_function_is_invalid_not_an_error(
    llm: ChatBaseten, fake_baseten: fb.FakeBaseten
) -> None:
    fake_baseten.enqueue(
        fb.chat(
            None,
            tool_calls=[{"id": "call_0", "type": "function"}, fb.tool_call("GetWeather", "{}")],
        )
    )
    message = llm.bind_tools([GetWeather]).invoke("Weather?")
    assert [c["id"] for c in message.tool_calls] == ["call_1"]
    assert [(c["id"], c["name"]) for c in message.invalid_tool_calls] == [("call_0", None)]


# ---------------------------------------------------------------- tool calls in streams


def test_stream_merges_tensorrt_deltas_into_one_call(
    llm: ChatBaseten, fake_baseten: fb.FakeBaseten
) -> None:
    # TensorRT-LLM: several deltas for index 0 in one event, each with its own id
    # (and here the name repeated), across several events.
    fake_baseten.enqueue(
        fb.stream(
            None,
            tool_call_deltas=[
                [
                    _delta(0, "", call_id="trt-1", name="GetWeather"),
                    _delta(0, '{"ci', call_id="trt-2", name="GetWeather"),
                    _delta(0, 'ty": ', call_id="trt-3", name="GetWeather"),
                ],
                [_delta(0, '"Paris"}', call_id="trt-4", name="GetWeather")],
            ],
        )
    )
    chunks = message_chunks(llm.bind_tools([GetWeather]).stream("Weather in Paris?"))
    call_chunks = [tc for c in chunks for tc in c.tool_call_chunks]
    assert [tc["id"] for tc in call_chunks] == ["trt-1", None]
    assert [tc["name"] for tc in call_chunks] == ["GetWeather", None]
    assert [tc["args"] for tc in call_chunks] == ['{"city": ', '"Paris"}']
    merged = merge_chunks(chunks)
    assert merged.tool_calls == [
        {"name": "GetWeather", "args": {"city": "Paris"}, "id": "trt-1", "type": "tool_call"}
    ]
    assert merged.invalid_tool_calls == []
    assert merged.response_metadata["finish_reason"] == "tool_calls"


PARALLEL_EVENTS = {
    "openai_shape": [
        [_delta(0, "", call_id="call_w", name="GetWeather")],
        [_delta(0, '{"city": ')],
        [_delta(1, "", call_id="call_t", name="get_time")],
        [_delta(0, '"Paris"}'), _delta(1, '{"city": "Oslo", ')],
        [_delta(1, '"utc_offset": 1}')],
    ],
    "tensorrt_shape": [
        [
            _delta(0, '{"city"', call_id="call_w", name="GetWeather"),
            _delta(1, '{"city": "Oslo"', call_id="call_t", name="get_time"),
            _delta(0, ': "Paris"', call_id="trt-w-2"),
        ],
        [
            _delta(1, ', "utc_offset": 1}', call_id="trt-t-2", name="get_time"),
            _delta(0, "}", call_id="trt-w-3", name="GetWeather"),
        ],
    ],
}


PARALLEL_CALLS = [
    {"name": "GetWeather", "args": {"city": "Paris"}, "id": "call_w", "type": "tool_call"},
    {
        "name": "get_time",
        "args": {"city": "Oslo", "utc_offset": 1},
        "id": "call_t",
        "type": "tool_call",
    },
]


@pytest.mark.parametrize("shape", sorted(PARALLEL_EVENTS))
def test_two_interleaved_calls_in_one_stream_stay_separate(
    llm: ChatBaseten, fake_baseten: fb.FakeBaseten, shape: str
) -> None:
    fake_baseten.enqueue(fb.stream(None, tool_call_deltas=PARALLEL_EVENTS[shape]))
    merged = merge_chunks(
        message_chunks(llm.bind_tools([GetWeather, get_time]).stream("Weather and time?"))
    )
    assert merged.tool_calls == PARALLEL_CALLS
    assert merged.invalid_tool_calls == []


async def test_async_stream_merges_parallel_tensorrt_calls(
    llm: ChatBaseten, fake_baseten: fb.FakeBaseten
) -> None:
    fake_baseten.enqueue(fb.stream(None, tool_call_deltas=PARALLEL_EVENTS["tensorrt_shape"]))
    chunks = message_chunks(
        [c async for c in llm.bind_tools([GetWeather, get_time]).astream("Weather?")]
    )
    assert merge_chunks(chunks).tool_calls == PARALLEL_CALLS


def test_streaming_invoke_returns_merged_calls(fake_baseten: fb.FakeBaseten) -> None:
    llm = chat_model(fake_baseten, streaming=True)
    fake_baseten.enqueue(fb.stream(None, tool_call_deltas=PARALLEL_EVENTS["tensorrt_shape"]))
    message = llm.bind_tools([GetWeather, get_time]).invoke("Weather?")
    assert _body(fake_baseten)["stream"] is True
    assert isinstance(message, AIMessage)
    assert message.tool_calls == PARALLEL_CALLS


def test_streamed_non_object_arguments_become_invalid_tool_calls(
    llm: ChatBaseten, fake_baseten: fb.FakeBaseten
) -> None:
    fake_baseten.enqueue(
        fb.stream(None, tool_call_deltas=[[_delta(0, '["Par', call_id="c", name="GetWeather")]])
    )
    merged = merge_chunks(message_chunks(llm.bind_tools([GetWeather]).stream("Weather?")))
    assert merged.tool_calls == []
    assert [(c["id"], c["name"], c["args"]) for c in merged.invalid_tool_calls] == [
        ("c", "GetWeather", '["Par')
    ]


# ---------------------------------------------------------------- tool-call history sent back


def test_multi_call_history_goes_back_as_the_api_expects(
    llm: ChatBaseten, fake_baseten: fb.FakeBaseten
) -> None:
    history: list[BaseMessage] = [
        HumanMessage("Weather in Zürich and time in 東京?"),
        AIMessage(
            content="",
            additional_kwargs={"reasoning_content": "Two tools are needed."},
            tool_calls=[
                {"name": "GetWeather", "args": {"city": "Zürich"}, "id": "call_w"},
                {"name": "get_time", "args": {"city": "東京", "utc_offset": 9}, "id": "call_t"},
            ],
        ),
        ToolMessage("Sunny, 20°C", tool_call_id="call_w"),
        ToolMessage([{"type": "text", "text": "21:00"}], tool_call_id="call_t"),
        AIMessage("It is sunny in Zürich; 21:00 in 東京."),
        HumanMessage("Thanks!"),
    ]
    llm.bind_tools([GetWeather, get_time]).invoke(history)
    raw = fake_baseten.requests[0].body.decode()
    assert "Zürich" in raw  # unicode not escaped
    assert "東京" in raw
    messages = _body(fake_baseten)["messages"]
    assert messages[1] == {
        "role": "assistant",
        "content": None,
        "reasoning_content": "Two tools are needed.",
        "tool_calls": [
            fb.tool_call("GetWeather", '{"city": "Zürich"}', "call_w"),
            fb.tool_call("get_time", '{"city": "東京", "utc_offset": 9}', "call_t"),
        ],
    }
    assert messages[2] == {"role": "tool", "tool_call_id": "call_w", "content": "Sunny, 20°C"}
    # Text blocks in a tool result are joined into a string.
    assert messages[3] == {"role": "tool", "tool_call_id": "call_t", "content": "21:00"}
    # A plain answer goes back as text, without reasoning.
    assert messages[4] == {"role": "assistant", "content": "It is sunny in Zürich; 21:00 in 東京."}
    assert messages[5] == {"role": "user", "content": "Thanks!"}


@pytest.mark.parametrize("text", ["Let me add them.", ""])
def test_history_from_another_provider_with_tool_use_blocks(
    llm: ChatBaseten, fake_baseten: fb.FakeBaseten, text: str
) -> None:
    """Anthropic-style list content (the standard suite's list-content history)."""
    history = [
        HumanMessage("What is 1 + 2?"),
        AIMessage(
            [
                {"type": "thinking", "thinking": "Use the adder.", "signature": "sig"},
                *([{"type": "text", "text": text}] if text else []),
                {"type": "tool_use", "id": "toolu_1", "name": "add", "input": {"a": 1, "b": 2}},
            ],
            tool_calls=[{"name": "add", "args": {"a": 1, "b": 2}, "id": "toolu_1"}],
        ),
        ToolMessage("3", tool_call_id="toolu_1"),
    ]
    assert llm.bind_tools([add]).invoke(history).content == "Based on the tool: 3"
    assistant = _body(fake_baseten)["messages"][1]
    assert assistant == {
        "role": "assistant",
        "content": text or None,
        "tool_calls": [fb.tool_call("add", '{"a": 1, "b": 2}', "toolu_1")],
    }


@pytest.mark.parametrize("streamed", [False, True], ids=["invoke", "stream"])
def test_reasoning_from_the_answer_round_trips_with_the_tool_call_turn(
    llm: ChatBaseten, fake_baseten: fb.FakeBaseten, streamed: bool
) -> None:
    """Kimi with thinking on rejects a tool-call turn that lacks its reasoning."""
    reasoning = "The user wants the weather, so I call GetWeather."
    call = fb.tool_call("GetWeather", '{"city": "Kraków"}', "call_k")
    if streamed:
        fake_baseten.enqueue(
            fb.stream(
                None,
                reasoning=reasoning,
                reasoning_key="reasoning",  # some servers use this key
                tool_call_deltas=[
                    [_delta(0, '{"city": ', call_id="call_k", name="GetWeather")],
                    [_delta(0, '"Kraków"}')],
                ],
            )
        )
    else:
        fake_baseten.enqueue(fb.chat(None, reasoning=reasoning, tool_calls=[call]))
    bound = llm.bind_tools([GetWeather])
    question = HumanMessage("Weather in Kraków?")
    answer: BaseMessage = (
        merge_chunks(message_chunks(bound.stream([question])))
        if streamed
        else bound.invoke([question])
    )
    assert answer.additional_kwargs["reasoning_content"] == reasoning
    final = bound.invoke([question, answer, ToolMessage("Cloudy", tool_call_id="call_k")])
    assert final.content == "Based on the tool: Cloudy"
    assert _body(fake_baseten, 1)["messages"][1] == {
        "role": "assistant",
        "content": None,
        "tool_calls": [call],
        "reasoning_content": reasoning,
    }


def test_invalid_tool_call_goes_back_with_its_raw_arguments(
    llm: ChatBaseten, fake_baseten: fb.FakeBaseten
) -> None:
    fake_baseten.enqueue(fb.chat(None, tool_calls=[fb.tool_call("GetWeather", "{oops", "call_x")]))
    bound = llm.bind_tools([GetWeather])
    answer = bound.invoke("Weather?")
    error = ToolMessage("Error: invalid arguments", tool_call_id="call_x", status="error")
    bound.invoke([HumanMessage("Weather?"), answer, error])
    assistant, tool_result = _body(fake_baseten, 1)["messages"][1:3]
    assert assistant["tool_calls"] == [fb.tool_call("GetWeather", "{oops", "call_x")]
    assert tool_result["content"] == "Error: invalid arguments"


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize(
    "image",
    [
        {"type": "image", "url": "https://example.com/x.png"},
        {"type": "image", "base64": "iVBORw0KGgo=", "mime_type": "image/png"},
    ],
    ids=["url", "base64"],
)
async def test_a_tool_result_with_an_image_is_sent_with_a_stand_in(
    llm: ChatBaseten, fake_baseten: fb.FakeBaseten, style: str, image: dict[str, Any]
) -> None:
    history = [
        HumanMessage("Show me the chart"),
        AIMessage("", tool_calls=[{"name": "chart", "args": {}, "id": "call_c"}]),
        ToolMessage([image], tool_call_id="call_c"),
    ]
    with pytest.warns(ToolContentWarning, match="text stand-in"):
        await answer(llm, style, history)
    (request,) = fake_baseten.requests
    sent = request.json()["messages"][-1]
    assert sent["role"] == "tool"
    assert sent["content"].startswith("[an image")
    assert "left out" in sent["content"]


@pytest.mark.parametrize("style", STYLES)
async def test_a_tool_result_image_goes_as_a_part_when_the_profile_says_the_endpoint_takes_it(
    fake_baseten: fb.FakeBaseten, style: str
) -> None:
    llm = chat_model(fake_baseten, model="acme/vision", profile={"image_tool_message": True})
    image = {"type": "image", "url": "https://example.com/x.png"}
    history = [
        HumanMessage("Show me the chart"),
        AIMessage("", tool_calls=[{"name": "chart", "args": {}, "id": "call_c"}]),
        ToolMessage([image], tool_call_id="call_c"),
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("error", ToolContentWarning)
        await answer(llm, style, history)
    sent = fake_baseten.requests[0].json()["messages"][-1]
    assert sent["content"] == [
        {"type": "image_url", "image_url": {"url": "https://example.com/x.png"}}
    ]


# ---------------------------------------------------------------- structured output


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


@pytest.mark.parametrize("method", ["function_calling", "json_schema", "json_mode"])
def test_structured_output_reports_the_pydantic_class_as_its_output_schema(
    llm: ChatBaseten, method: str
) -> None:
    # As ChatOpenAI reports it (a chain's output type is what callers and servers read).
    structured = llm.with_structured_output(Person, method=method)  # type: ignore[arg-type]
    assert structured.get_output_schema() is Person
    raw = llm.with_structured_output(Person, method=method, include_raw=True)  # type: ignore[arg-type]
    assert raw.get_output_schema() is not Person  # {"raw", "parsed", "parsing_error"}


@pytest.mark.parametrize("method", ["function_calling", "json_schema"])
def test_structured_output_strict_on_the_wire(
    llm: ChatBaseten, fake_baseten: fb.FakeBaseten, method: str
) -> None:
    llm.with_structured_output(Person, method=method, strict=True).invoke("Describe Ada")  # type: ignore[arg-type]
    body = _body(fake_baseten)
    if method == "function_calling":
        (spec,) = body["tools"]
        assert spec["function"]["strict"] is True
        assert spec["function"]["description"] == "A person."
    else:
        assert body["response_format"]["json_schema"]["strict"] is True
        assert body["response_format"]["json_schema"]["schema"]["required"] == ["name", "age"]


async def test_async_structured_output(llm: ChatBaseten, fake_baseten: fb.FakeBaseten) -> None:
    fake_baseten.enqueue(
        fb.chat(None, tool_calls=[fb.tool_call("Person", '{"name": "Ada", "age": 36}')])
    )
    assert await llm.with_structured_output(Person).ainvoke("Who?") == Person(name="Ada", age=36)


def test_include_raw_on_success(llm: ChatBaseten, fake_baseten: fb.FakeBaseten) -> None:
    fake_baseten.enqueue(
        fb.chat(None, tool_calls=[fb.tool_call("Person", '{"name": "Ada", "age": 36}')])
    )
    result = llm.with_structured_output(Person, include_raw=True).invoke("Who?")
    assert isinstance(result, dict)
    assert result["parsed"] == Person(name="Ada", age=36)
    assert result["parsing_error"] is None
    assert result["raw"].tool_calls[0]["args"] == {"name": "Ada", "age": 36}


@pytest.mark.parametrize(
    ("method", "schema", "reply"),
    [
        ("json_schema", Person, "I would rather not."),
        ("function_calling", PersonDict, "Sorry, I can't help."),
        ("json_mode", PersonDict, "name: Ada"),
    ],
)
def test_include_raw_returns_the_parse_error(
    llm: ChatBaseten, fake_baseten: fb.FakeBaseten, method: str, schema: Any, reply: str
) -> None:
    fake_baseten.enqueue(fb.chat(reply))
    result = llm.with_structured_output(schema, method=method, include_raw=True).invoke("Who?")  # type: ignore[arg-type]
    assert isinstance(result, dict)
    assert set(result) == {"raw", "parsed", "parsing_error"}
    assert result["raw"].content == reply
    assert result["parsed"] is None
    assert isinstance(result["parsing_error"], OutputParserException)
    assert reply in str(result["parsing_error"])


def test_include_raw_keeps_a_validation_error(
    llm: ChatBaseten, fake_baseten: fb.FakeBaseten
) -> None:
    fake_baseten.enqueue(fb.chat(None, tool_calls=[fb.tool_call("Person", '{"name": "Ada"}')]))
    result = llm.with_structured_output(Person, include_raw=True).invoke("Who?")
    assert isinstance(result, dict)
    assert result["parsed"] is None
    assert "age" in str(result["parsing_error"])


@pytest.mark.parametrize(
    ("method", "reply"),
    [
        (None, "I would rather not."),  # the default method: function calling
        ("json_schema", "Here you go: Ada, 36"),
        ("json_mode", "name=Ada age=36"),
    ],
)
def test_parse_failure_raises_showing_the_model_text(
    llm: ChatBaseten, fake_baseten: fb.FakeBaseten, method: str | None, reply: str
) -> None:
    fake_baseten.enqueue(fb.chat(reply))
    kwargs: Any = {"method": method} if method else {}
    with pytest.raises(OutputParserException) as caught:
        llm.with_structured_output(Person, **kwargs).invoke("Who?")
    assert reply in str(caught.value)


@pytest.mark.parametrize(
    ("method", "schema"),
    [("function_calling", Person), ("function_calling", PersonDict), ("json_schema", Person)],
)
def test_streamed_parse_failure_raises_instead_of_yielding_nothing(
    llm: ChatBaseten, fake_baseten: fb.FakeBaseten, method: str, schema: Any
) -> None:
    fake_baseten.enqueue(fb.stream("I'd rather not say."))
    structured = llm.with_structured_output(schema, method=method)  # type: ignore[arg-type]
    with pytest.raises(OutputParserException, match="rather not say"):
        list(structured.stream("Who?"))


async def test_async_streamed_parse_failure_raises(
    llm: ChatBaseten, fake_baseten: fb.FakeBaseten
) -> None:
    fake_baseten.enqueue(fb.stream("I'd rather not say."))
    structured = llm.with_structured_output(PersonDict, method="json_mode")
    with pytest.raises(OutputParserException, match="rather not say"):
        _ = [p async for p in structured.astream("Who?")]


def test_streamed_parse_failure_with_include_raw_does_not_raise(
    llm: ChatBaseten, fake_baseten: fb.FakeBaseten
) -> None:
    fake_baseten.enqueue(fb.stream("I'd rather not say."))
    parts = list(llm.with_structured_output(Person, include_raw=True).stream("Who?"))
    assert isinstance(parts[0], dict)  # include_raw=True streams {"raw", "parsed", ...} dicts
    assert parts[0]["raw"].content == "I'd rather not say."


def test_streaming_structured_output_yields_partial_objects(
    llm: ChatBaseten, fake_baseten: fb.FakeBaseten
) -> None:
    text = json.dumps({"name": "Grace Hopper", "age": 85})
    fake_baseten.enqueue(fb.stream(text, pieces=[text[i : i + 4] for i in range(0, len(text), 4)]))
    parts = list(llm.with_structured_output(PersonDict, method="json_schema").stream("x"))
    assert len(parts) > 1
    assert parts[-1] == {"name": "Grace Hopper", "age": 85}


class _LongPersonFields(TypedDict):
    name: str
    age: int
    bio: str


LONG_PERSON: _LongPersonFields = {
    "name": "Ada Lovelace",
    "age": 36,
    "bio": "Mathematician who wrote the first published algorithm for a machine.",
}


LONG_JSON = json.dumps(LONG_PERSON)


LONG_PIECES = [LONG_JSON[i : i + 7] for i in range(0, len(LONG_JSON), 7)]


LONG_SCHEMA = {
    "title": "LongPerson",
    "description": "A person.",
    "type": "object",
    "properties": {
        "name": {"type": "string"},
        "age": {"type": "integer"},
        "bio": {"type": "string"},
    },
    "required": ["name", "age"],
}


@pytest.mark.parametrize("schema", [LongPerson, LONG_SCHEMA], ids=["pydantic", "dict"])
def test_streaming_function_calling_yields_partial_objects(
    llm: ChatBaseten, fake_baseten: fb.FakeBaseten, schema: Any
) -> None:
    deltas = [[_delta(0, "", call_id="call_p", name="LongPerson")]]
    deltas += [[_delta(0, piece)] for piece in LONG_PIECES]
    fake_baseten.enqueue(fb.stream(None, tool_call_deltas=deltas))
    values = list(llm.with_structured_output(schema).stream("Who?"))
    assert len(values) > 3
    if schema is LongPerson:
        assert values[-1] == LongPerson(**LONG_PERSON)
        people = [v for v in values if isinstance(v, LongPerson)]
        assert people == values
        biographies = [p.bio for p in people]
        assert all(LONG_PERSON["bio"].startswith(b) for b in biographies)
        assert len(set(biographies)) == len(biographies)  # each value grew
    else:
        assert values[-1] == LONG_PERSON
        assert all(set(v) <= set(LONG_PERSON) for v in values)
        assert values[0] != LONG_PERSON


async def test_async_streaming_json_schema_yields_partial_objects(
    llm: ChatBaseten, fake_baseten: fb.FakeBaseten
) -> None:
    fake_baseten.enqueue(fb.stream(LONG_JSON, pieces=LONG_PIECES))
    values = [
        v
        async for v in llm.with_structured_output(LONG_SCHEMA, method="json_schema").astream("Who?")
    ]
    assert len(values) > 3
    assert values[-1] == LONG_PERSON
    assert {"name": "Ada Lovelace"} in values


@pytest.mark.parametrize(
    ("method", "schema"),
    [
        (None, Person),  # the default method: function calling
        ("function_calling", PersonDict),
        ("json_schema", PersonDict),
        ("json_mode", PersonDict),
    ],
)
@pytest.mark.parametrize("call", ["invoke", "stream", "batch"])
def test_ls_structured_output_format_reaches_callbacks_not_the_wire(
    llm: ChatBaseten,
    fake_baseten: fb.FakeBaseten,
    callback_spy: CallbackSpy,
    method: str | None,
    schema: Any,
    call: str,
) -> None:
    kwargs: Any = {"method": method} if method else {}
    structured = llm.with_structured_output(schema, include_raw=True, **kwargs)
    config: Any = {"callbacks": [callback_spy]}
    if call == "invoke":
        structured.invoke("Describe Ada", config=config)
    elif call == "stream":
        list(structured.stream("Describe Ada", config=config))
    else:
        structured.batch(["Describe Ada"], config=config)
    (start,) = callback_spy.starts
    ls_format = start["options"]["ls_structured_output_format"]
    assert ls_format["kwargs"] == {"method": method or "function_calling", "strict": None}
    assert ls_format["schema"]["title"] == schema.__name__
    assert set(ls_format["schema"]["properties"]) == {"name", "age"}
    assert start["metadata"]["ls_provider"] == "baseten"
    (request,) = fake_baseten.requests
    assert b"ls_structured_output_format" not in request.body
