"""Agent tool loops end to end: LangChain's create_agent -> ChatBaseten -> real HTTP -> local server.

The local server behaves like a tool-calling model when no reply is scripted:
with tools bound it calls the (first or forced) tool with arguments made from
the tool's schema, and after a tool result it answers "Based on the tool: ...".
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest
from langchain.agents import create_agent
from langchain_core.callbacks import get_usage_metadata_callback
from langchain_core.messages import AIMessage, AIMessageChunk, HumanMessage, ToolMessage
from langchain_core.tools import tool
from pydantic import BaseModel

from langchain_baseten import ToolContentWarning
from langchain_baseten import testing as fb
from tests.local_models import chat_model

if TYPE_CHECKING:
    from langchain_baseten import ChatBaseten

# A regression that makes the model call tools forever fails fast instead of hanging
# (create_agent's own recursion limit is 10,000 steps).
LIMIT: Any = {"recursion_limit": 12}


@tool
def get_weather(city: str) -> str:
    """Get the current weather for a city."""
    return f"It is 18 degrees in {city}."


@tool
def get_local_time(city: str) -> str:
    """Get the local time in a city."""
    return f"14:05 in {city}."


def _script_two_turns(fake_baseten: fb.FakeBaseten) -> None:
    fake_baseten.enqueue(
        fb.chat(
            None,
            reasoning="Two tools.",
            tool_calls=[
                fb.tool_call("get_weather", '{"city": "Paris"}', "call_w"),
                fb.tool_call("get_local_time", '{"city": "Paris"}', "call_t"),
            ],
            usage=fb.make_usage(120, 30, reasoning_tokens=8),
        ),
        fb.chat("Mild, and 14:05.", usage=fb.make_usage(200, 6, cached_tokens=120)),
    )


# ---------------------------------------------------------------- tool calls in every call style


def test_agent_calls_the_tool_and_answers(llm: ChatBaseten, fake_baseten: fb.FakeBaseten) -> None:
    agent = create_agent(llm, tools=[get_weather])
    result = agent.invoke({"messages": [HumanMessage("What's the weather in Paris?")]}, LIMIT)
    messages = result["messages"]
    assert [type(m) for m in messages] == [HumanMessage, AIMessage, ToolMessage, AIMessage]
    call = messages[1].tool_calls[0]
    assert call["name"] == "get_weather"
    assert call["args"] == {"city": "Paris"}
    assert messages[2].content == "It is 18 degrees in Paris."
    assert messages[2].tool_call_id == call["id"]
    assert messages[3].content == "Based on the tool: It is 18 degrees in Paris."

    first, second = (r.json() for r in fake_baseten.requests)
    assert [t["function"]["name"] for t in first["tools"]] == ["get_weather"]
    assistant, tool_result = second["messages"][1], second["messages"][2]
    assert assistant["role"] == "assistant"
    assert assistant["content"] is None
    assert assistant["tool_calls"][0]["id"] == call["id"]
    assert assistant["tool_calls"][0]["function"] == {
        "name": "get_weather",
        "arguments": '{"city": "Paris"}',
    }
    assert (
        assistant["reasoning_content"] == fb.DEFAULT_REASONING
    )  # sent back with the tool-call turn
    assert tool_result == {
        "role": "tool",
        "tool_call_id": call["id"],
        "content": "It is 18 degrees in Paris.",
    }


def test_parallel_tool_calls_in_one_turn_run_and_go_back_together(
    llm: ChatBaseten, fake_baseten: fb.FakeBaseten
) -> None:
    _script_two_turns(fake_baseten)
    agent = create_agent(llm, tools=[get_weather, get_local_time])
    result = agent.invoke({"messages": [HumanMessage("Weather and time in Paris?")]}, LIMIT)
    messages = result["messages"]
    assert [type(m) for m in messages] == [
        HumanMessage,
        AIMessage,
        ToolMessage,
        ToolMessage,
        AIMessage,
    ]
    assert [m.tool_call_id for m in messages[2:4]] == ["call_w", "call_t"]
    assert messages[-1].content == "Mild, and 14:05."
    second = fake_baseten.requests[1].json()["messages"]
    assert [m["role"] for m in second] == ["user", "assistant", "tool", "tool"]
    assert second[1]["content"] is None
    assert second[1]["reasoning_content"] == "Two tools."
    assert [c["id"] for c in second[1]["tool_calls"]] == ["call_w", "call_t"]
    assert second[2:] == [
        {"role": "tool", "tool_call_id": "call_w", "content": "It is 18 degrees in Paris."},
        {"role": "tool", "tool_call_id": "call_t", "content": "14:05 in Paris."},
    ]


def test_streaming_agent_yields_tool_call_chunks_and_final_text(llm: ChatBaseten) -> None:
    agent = create_agent(llm, tools=[get_weather])
    chunks: list[Any] = []
    for message, _meta in agent.stream(
        {"messages": [HumanMessage("Weather in Rome?")]}, LIMIT, stream_mode="messages"
    ):
        chunks.append(message)
    ai_chunks = [c for c in chunks if isinstance(c, AIMessageChunk)]
    call_chunks = [tc for c in ai_chunks for tc in c.tool_call_chunks]
    assert call_chunks
    assert {tc["name"] for tc in call_chunks if tc["name"]} == {"get_weather"}
    assert "".join(tc["args"] or "" for tc in call_chunks) == '{"city": "Rome"}'
    text = "".join(c.text for c in ai_chunks)
    assert text.endswith("Based on the tool: It is 18 degrees in Rome.")


async def test_async_agent(llm: ChatBaseten) -> None:
    agent = create_agent(llm, tools=[get_weather])
    result = await agent.ainvoke({"messages": [HumanMessage("Weather in Lima?")]}, LIMIT)
    assert result["messages"][-1].content == "Based on the tool: It is 18 degrees in Lima."


async def test_async_streaming_agent(llm: ChatBaseten, fake_baseten: fb.FakeBaseten) -> None:
    agent = create_agent(llm, tools=[get_weather])
    chunks: list[AIMessageChunk] = []
    tool_messages: list[ToolMessage] = []
    async for message, metadata in agent.astream(
        {"messages": [HumanMessage("Weather in Tallinn?")]}, LIMIT, stream_mode="messages"
    ):
        if isinstance(message, AIMessageChunk):
            assert isinstance(metadata, dict)
            assert metadata["ls_provider"] == "baseten"
            chunks.append(message)
        elif isinstance(message, ToolMessage):
            tool_messages.append(message)
    call_chunks = [tc for c in chunks for tc in c.tool_call_chunks]
    assert len(call_chunks) == 2  # the server streams the arguments in two pieces
    assert "".join(tc["args"] or "" for tc in call_chunks) == '{"city": "Tallinn"}'
    assert [m.content for m in tool_messages] == ["It is 18 degrees in Tallinn."]
    assert "".join(c.text for c in chunks) == "Based on the tool: It is 18 degrees in Tallinn."
    assert all(r.json()["stream"] is True for r in fake_baseten.requests)
    assert len(fake_baseten.requests) == 2


# ---------------------------------------------------------------- usage across turns


def test_agent_usage_is_totalled_across_turns(
    llm: ChatBaseten, fake_baseten: fb.FakeBaseten
) -> None:
    delta = {
        "index": 0,
        "id": "call_1",
        "type": "function",
        "function": {"name": "get_weather", "arguments": '{"city": "Oslo"}'},
    }
    fake_baseten.enqueue(
        fb.stream(
            None,
            tool_call_deltas=[[delta]],
            finish_reason="tool_calls",
            usage=fb.make_usage(30, 5, details=False),
        ),
        fb.stream("Cold in Oslo.", usage=fb.make_usage(50, 4, details=False), usage_mode="both"),
    )
    # create_agent takes a bound chat model at run time; its overloads name only BaseChatModel.
    agent = create_agent(llm.bind(stream_usage=True), tools=[get_weather])  # type: ignore[call-overload]
    with get_usage_metadata_callback() as cb:
        for _ in agent.stream(
            {"messages": [HumanMessage("Weather in Oslo?")]}, LIMIT, stream_mode="messages"
        ):
            pass
    (usage,) = cb.usage_metadata.values()
    assert usage["input_tokens"] == 80
    assert usage["output_tokens"] == 9
    assert usage["total_tokens"] == 89


EXPECTED_TOTAL = {
    "input_tokens": 320,
    "output_tokens": 36,
    "total_tokens": 356,
    "input_token_details": {"cache_read": 120},
    "output_token_details": {"reasoning": 8},
}


def test_usage_and_its_details_are_totalled_across_invoked_turns(
    llm: ChatBaseten, fake_baseten: fb.FakeBaseten
) -> None:
    _script_two_turns(fake_baseten)
    agent = create_agent(llm, tools=[get_weather, get_local_time])
    with get_usage_metadata_callback() as cb:
        result = agent.invoke({"messages": [HumanMessage("Weather and time in Paris?")]}, LIMIT)
    assert len(fake_baseten.requests) == 2
    assert cb.usage_metadata == {"openai/gpt-oss-120b": EXPECTED_TOTAL}
    per_turn = [m.usage_metadata for m in result["messages"] if isinstance(m, AIMessage)]
    assert [u["input_tokens"] for u in per_turn if u] == [120, 200]


async def test_async_usage_is_totalled_across_turns(
    llm: ChatBaseten, fake_baseten: fb.FakeBaseten
) -> None:
    _script_two_turns(fake_baseten)
    agent = create_agent(llm, tools=[get_weather, get_local_time])
    with get_usage_metadata_callback() as cb:
        result = await agent.ainvoke(
            {"messages": [HumanMessage("Weather and time in Paris?")]}, LIMIT
        )
    assert result["messages"][-1].content == "Mild, and 14:05."
    assert cb.usage_metadata == {"openai/gpt-oss-120b": EXPECTED_TOTAL}


# ---------------------------------------------------------------- failing tools, structured answers


def test_a_tool_returning_an_image_does_not_stop_the_agent(
    fake_baseten: fb.FakeBaseten,
) -> None:
    # No profile (a dedicated deployment, an unknown name): the image is named in a stand-in.
    llm = chat_model(fake_baseten, model="acme/unprofiled-model")

    @tool
    def chart(city: str) -> list[dict[str, Any]]:
        """Draw a weather chart for a city."""
        return [{"type": "image", "base64": "iVBORw0KGgo=", "mime_type": "image/png"}]

    agent = create_agent(llm, tools=[chart])
    with pytest.warns(ToolContentWarning, match="text stand-in"):
        result = agent.invoke({"messages": [HumanMessage("Chart for Bergen?")]}, LIMIT)
    assert isinstance(result["messages"][-1], AIMessage)
    assert len(fake_baseten.requests) == 2  # the tool's result was sent
    sent = fake_baseten.requests[1].json()["messages"][-1]
    assert sent["role"] == "tool"
    assert "an image (image/png) from the tool was left out" in sent["content"]


class WeatherReport(BaseModel):
    """A weather report."""

    city: str
    degrees: int


def test_agent_with_a_structured_answer_as_a_tool(fake_baseten: fb.FakeBaseten) -> None:
    # A model name without a profile: create_agent picks its ToolStrategy.
    llm = chat_model(fake_baseten, model="acme/unprofiled-model")
    assert llm.profile is None
    agent = create_agent(llm, tools=[get_weather], response_format=WeatherReport)
    result = agent.invoke({"messages": [HumanMessage("Weather in Nice?")]}, LIMIT)
    assert result["structured_response"] == WeatherReport(city="Nice", degrees=1)
    first, second = (r.json() for r in fake_baseten.requests)
    for body in (first, second):
        assert [t["function"]["name"] for t in body["tools"]] == ["get_weather", "WeatherReport"]
        assert body["tool_choice"] == "required"
    assert second["messages"][-1]["role"] == "tool"


def test_agent_with_a_native_structured_answer(
    llm: ChatBaseten, fake_baseten: fb.FakeBaseten
) -> None:
    from langchain.agents.structured_output import ProviderStrategy

    agent = create_agent(llm, tools=[get_weather], response_format=ProviderStrategy(WeatherReport))
    result = agent.invoke({"messages": [HumanMessage("Weather in Nice?")]}, LIMIT)
    assert result["structured_response"] == WeatherReport(city="Nice", degrees=1)
    first, second = (r.json() for r in fake_baseten.requests)
    for body in (first, second):
        assert [t["function"]["name"] for t in body["tools"]] == ["get_weather"]
        assert body["response_format"]["type"] == "json_schema"
        assert body["response_format"]["json_schema"]["schema"]["required"] == ["city", "degrees"]
    assert json.loads(result["messages"][-1].content) == {"city": "Nice", "degrees": 1}
