"""bind_tools and with_structured_output without the network: what gets bound, what gets parsed."""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.exceptions import OutputParserException
from langchain_core.messages import AIMessage
from langchain_core.tools import tool
from pydantic import BaseModel, Field
from typing_extensions import TypedDict

from langchain_baseten import ChatBaseten
from langchain_baseten._structured_output import output_parser, response_format
from langchain_baseten._tools import format_tools, tool_choice_to_wire


class GetWeather(BaseModel):
    """Get the weather for a city."""

    city: str = Field(description="City name")


class Movie(TypedDict):
    """A movie."""

    title: str
    year: int


@tool
def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


def multiply(a: int, b: int) -> int:
    """Multiply two integers."""
    return a * b


OPENAI_DICT = {
    "type": "function",
    "function": {
        "name": "lookup",
        "description": "Look something up.",
        "parameters": {
            "type": "object",
            "properties": {"q": {"type": "string"}},
            "required": ["q"],
        },
    },
}


@pytest.fixture
def offline_llm() -> ChatBaseten:
    return ChatBaseten(model="openai/gpt-oss-120b", api_key="test-key")


def test_every_tool_kind_is_converted() -> None:
    formatted = format_tools([GetWeather, Movie, add, multiply, OPENAI_DICT])
    assert [t["function"]["name"] for t in formatted] == [
        "GetWeather",
        "Movie",
        "add",
        "multiply",
        "lookup",
    ]
    assert all(t["type"] == "function" for t in formatted)
    assert (
        formatted[0]["function"]["parameters"]["properties"]["city"]["description"] == "City name"
    )


def test_strict_is_set_per_tool() -> None:
    (formatted,) = format_tools([GetWeather], strict=True)
    assert formatted["function"]["strict"] is True


def test_unconvertible_tool_names_the_tool() -> None:
    with pytest.raises(ValueError, match="cannot be turned into a function schema"):
        format_tools([42])  # type: ignore[list-item]


@pytest.mark.parametrize(
    ("choice", "expected"),
    [
        (None, None),
        ("auto", "auto"),
        ("none", "none"),
        ("any", "required"),
        ("required", "required"),
        (True, "required"),
        (False, "none"),
        ("add", {"type": "function", "function": {"name": "add"}}),
        (
            {"type": "function", "function": {"name": "add"}},
            {"type": "function", "function": {"name": "add"}},
        ),
    ],
)
def test_tool_choice_forms(choice: Any, expected: Any) -> None:
    assert tool_choice_to_wire(choice, ["add", "lookup"]) == expected


@pytest.mark.parametrize(
    ("choice", "fragment"),
    [
        ("subtract", "not one of the bound tools"),
        ({"type": "function", "function": {"name": "nope"}}, "not one of the bound tools"),
        ({"type": "tool"}, "is not of the form"),
        (3, "not understood"),
    ],
)
def test_bad_tool_choice(choice: Any, fragment: str) -> None:
    with pytest.raises(ValueError, match=fragment):
        tool_choice_to_wire(choice, ["add"])


def test_bind_tools_binds_body_keys(offline_llm: ChatBaseten) -> None:
    bound = offline_llm.bind_tools(
        [add, GetWeather], tool_choice="GetWeather", parallel_tool_calls=False
    )
    kwargs = bound.kwargs  # type: ignore[attr-defined]
    assert [t["function"]["name"] for t in kwargs["tools"]] == ["add", "GetWeather"]
    assert kwargs["tool_choice"] == {"type": "function", "function": {"name": "GetWeather"}}
    assert kwargs["parallel_tool_calls"] is False


def test_bind_tools_without_tools_but_forced_choice(offline_llm: ChatBaseten) -> None:
    with pytest.raises(ValueError, match="needs at least one tool"):
        offline_llm.bind_tools([], tool_choice="any")


def test_response_format_for_json_schema_and_json_mode() -> None:
    fmt = response_format(GetWeather, "json_schema", strict=True)
    assert fmt["type"] == "json_schema"
    assert fmt["json_schema"]["name"] == "GetWeather"
    assert fmt["json_schema"]["strict"] is True
    assert fmt["json_schema"]["schema"]["properties"]["city"]["type"] == "string"
    assert response_format(GetWeather, "json_mode", strict=None) == {"type": "json_object"}


@pytest.mark.parametrize("method", ["json_schema", "json_mode"])
def test_structured_output_binds_response_format(offline_llm: ChatBaseten, method: str) -> None:
    runnable = offline_llm.with_structured_output(Movie, method=method)  # type: ignore[arg-type]
    binding = runnable.first  # type: ignore[attr-defined]
    assert binding.kwargs["response_format"]["type"] == (
        "json_schema" if method == "json_schema" else "json_object"
    )
    assert binding.kwargs["ls_structured_output_format"]["kwargs"]["method"] == method


def test_structured_output_unknown_method_and_strict_json_mode(offline_llm: ChatBaseten) -> None:
    with pytest.raises(ValueError, match="Unknown structured-output method"):
        offline_llm.with_structured_output(Movie, method="xml")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="does not apply to method='json_mode'"):
        offline_llm.with_structured_output(Movie, method="json_mode", strict=True)


def _tool_message(name: str, args: dict[str, Any]) -> AIMessage:
    return AIMessage(
        content="", tool_calls=[{"name": name, "args": args, "id": "c1", "type": "tool_call"}]
    )


def test_function_calling_parsers_for_each_schema_kind() -> None:
    message = _tool_message("GetWeather", {"city": "Paris"})
    assert output_parser(GetWeather, "function_calling").invoke(message) == GetWeather(city="Paris")
    movie = _tool_message("Movie", {"title": "Alien", "year": 1979})
    assert output_parser(Movie, "function_calling").invoke(movie) == {
        "title": "Alien",
        "year": 1979,
    }


@pytest.mark.parametrize("schema", [GetWeather, Movie])
def test_no_tool_call_is_a_clear_error_not_none(schema: Any) -> None:
    with pytest.raises(OutputParserException, match="replied with text instead: 'I cannot'"):
        output_parser(schema, "function_calling").invoke(AIMessage("I cannot"))


def test_json_parsers_show_what_the_model_returned() -> None:
    parser = output_parser(GetWeather, "json_schema")
    assert parser.invoke(AIMessage('{"city": "Oslo"}')) == GetWeather(city="Oslo")
    assert output_parser(Movie, "json_mode").invoke(
        AIMessage('```json\n{"title": "Up", "year": 2009}\n```')
    ) == {
        "title": "Up",
        "year": 2009,
    }
    with pytest.raises(OutputParserException, match="not json"):
        parser.invoke(AIMessage("not json at all"))
