"""ChatBaseten against a real vLLM, each check beside ChatOpenAI where the two compare.

The model is the tiny random one of ``build_models.py``: whatever the prompt it
says ``"`` over and over (so every call sets ``max_tokens``), and under a grammar
it closes strings at once and writes ``3`` for a number, so a constrained tool
call is ``magic_function({"input": 3})``. Checks are exact where that makes the
answer certain (temperature 0, a seed, a grammar) and check only the shape
elsewhere.
"""

from __future__ import annotations

import json
import urllib.request
from typing import TYPE_CHECKING, Any

import openai
import pytest
from langchain_core.exceptions import ContextOverflowError, OutputParserException
from langchain_core.messages import AIMessage, AIMessageChunk, HumanMessage
from langchain_core.outputs import ChatGeneration
from pydantic import BaseModel, Field
from typing_extensions import TypedDict

from langchain_baseten import (
    BasetenBadRequestError,
    BasetenContextOverflowError,
    BasetenNotFoundError,
)
from tests.engine_tests.conftest import ENGINE_KEY, baseten_chat
from tests.engine_tests.servers import CHAT_MAX_LEN, CHAT_MODEL
from tests.spies import CallbackSpy

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from langchain_core.outputs import Generation

    from tests.engine_tests.conftest import ChatFactory
    from tests.engine_tests.servers import Engine, VllmServer

PROMPT = "Say something."


def magic_function(input: int) -> int:  # noqa: A002 - the standard suite's tool
    """Apply a magic function to an input."""
    return input + 2


class Joke(BaseModel):
    """A joke."""

    setup: str = Field(description="the question")
    punchline: str = Field(description="the answer")


class JokeDict(TypedDict):
    """A joke."""

    setup: str
    punchline: str


def raw_chat(server: VllmServer, **body: Any) -> dict[str, Any]:
    """The server's own answer to a chat request (what the clients should report)."""
    payload = {"model": CHAT_MODEL, "messages": [{"role": "user", "content": PROMPT}], **body}
    request = urllib.request.Request(  # noqa: S310 - 127.0.0.1
        f"{server.base_url}/chat/completions",
        data=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {ENGINE_KEY}"},
    )
    with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310
        return dict(json.loads(response.read()))


def joined(chunks: Iterable[Any]) -> AIMessageChunk:
    """The streamed chunks added up."""
    total: AIMessageChunk | None = None
    for chunk in chunks:
        assert isinstance(chunk, AIMessageChunk)
        total = chunk if total is None else total + chunk
    assert total is not None
    return total


def messages_of(generations: Sequence[Generation]) -> list[AIMessage]:
    """The chat messages of a prompt's generations."""
    messages = []
    for generation in generations:
        assert isinstance(generation, ChatGeneration)
        assert isinstance(generation.message, AIMessage)
        messages.append(generation.message)
    return messages


# ----------------------------------------------------------------- call styles, usage


def test_invoke_stream_async_and_batch_agree(client: ChatFactory) -> None:
    llm = client(max_tokens=12)
    answer = llm.invoke(PROMPT)
    assert isinstance(answer.content, str)
    assert answer.content
    streamed = joined(llm.stream(PROMPT))
    assert streamed.content == answer.content
    assert [m.content for m in llm.batch([PROMPT, PROMPT])] == [answer.content] * 2
    assert answer.response_metadata["finish_reason"] == "length"


async def test_async_calls_agree_with_invoke(client: ChatFactory) -> None:
    # On the suite's one event loop (see test_standard_engine.py): ChatOpenAI's
    # process-wide async client breaks once a loop it used is closed (asyncio.run).
    llm = client(max_tokens=12)
    answer = await llm.ainvoke(PROMPT)
    assert answer.content
    chunks = [chunk async for chunk in llm.astream(PROMPT)]
    assert joined(chunks).content == answer.content
    assert [m.content for m in await llm.abatch([PROMPT, PROMPT])] == [answer.content] * 2


def test_usage_equals_the_servers_in_invoke_stream_and_callbacks(
    client: ChatFactory, engine: Engine
) -> None:
    usage = raw_chat(engine.chat, max_tokens=12, temperature=0)["usage"]
    expected = {
        "input_tokens": usage["prompt_tokens"],
        "output_tokens": usage["completion_tokens"],
        "total_tokens": usage["total_tokens"],
    }
    llm = client(max_tokens=12, stream_usage=True)
    spy = CallbackSpy()
    answer = llm.invoke(PROMPT, config={"callbacks": [spy]})
    streamed = joined(llm.stream(PROMPT, config={"callbacks": [spy]}))
    assert len(spy.ends) == 2
    ended = [messages_of(result.generations[0])[0] for result in spy.ends]
    for message in (answer, streamed, *ended):
        assert message.usage_metadata is not None
        usage_got = message.usage_metadata
        got = {
            "input_tokens": usage_got["input_tokens"],
            "output_tokens": usage_got["output_tokens"],
            "total_tokens": usage_got["total_tokens"],
        }
        assert got == expected


def test_chat_baseten_streams_usage_by_default(engine: Engine) -> None:
    streamed = joined(baseten_chat(engine.chat, max_tokens=5).stream(PROMPT))
    assert streamed.usage_metadata is not None
    assert streamed.usage_metadata["output_tokens"] == 5


# ----------------------------------------------------------------- sampling parameters


def test_finish_reasons(client: ChatFactory) -> None:
    assert client(max_tokens=3).invoke(PROMPT).response_metadata["finish_reason"] == "length"
    tools = client().bind_tools([magic_function], tool_choice="magic_function")
    assert tools.invoke(PROMPT).response_metadata["finish_reason"] in {"tool_calls", "stop"}
    answer = client().bind(response_format={"type": "json_object"}).invoke(PROMPT)
    assert answer.response_metadata["finish_reason"] == "stop"


def test_stop_sequence_ends_the_answer_there(client: ChatFactory) -> None:
    llm = client(max_tokens=20)
    assert llm.invoke(PROMPT).content == '"' * 20
    # vLLM cuts the answer before the stop string, which here starts at once.
    answer = llm.invoke(PROMPT, stop=['"""'])
    assert answer.content == ""
    assert answer.response_metadata["finish_reason"] == "stop"


def test_a_seed_repeats_a_sampled_answer(client: ChatFactory) -> None:
    llm = client(temperature=1.0, seed=7, max_tokens=24)
    assert llm.invoke(PROMPT).content == llm.invoke(PROMPT).content


def test_logprobs(client: ChatFactory) -> None:
    answer = client(max_tokens=4).invoke(PROMPT, logprobs=True, top_logprobs=2)
    content = answer.response_metadata["logprobs"]["content"]
    assert len(content) == 4
    assert all(len(token["top_logprobs"]) == 2 for token in content)
    assert "".join(token["token"] for token in content) == answer.content


def test_n_returns_n_generations(client: ChatFactory, engine: Engine) -> None:
    # vLLM refuses n > 1 with greedy sampling ("n must be 1 when using greedy sampling").
    usage = raw_chat(engine.chat, max_tokens=4, n=2, temperature=1.0, seed=3)["usage"]
    result = client(n=2, max_tokens=4, temperature=1.0, seed=3).generate([[HumanMessage(PROMPT)]])
    messages = messages_of(result.generations[0])
    assert len(messages) == 2
    assert all(m.response_metadata["finish_reason"] == "length" for m in messages)
    if client.name == "ChatBaseten":
        # The response's usage covers both choices: counted once.
        first, second = (m.usage_metadata for m in messages)
        assert first is not None
        assert first["output_tokens"] == usage["completion_tokens"]
        assert second is None


# ----------------------------------------------------------------- tools


@pytest.mark.parametrize("strict", [True, False, None])
@pytest.mark.parametrize("choice", ["magic_function", "any"])
def test_forced_tool_calls(client: ChatFactory, choice: str, strict: bool | None) -> None:
    llm = client().bind_tools([magic_function], tool_choice=choice, strict=strict)
    answer = llm.invoke("What is the magic function of 3?")
    assert [(c["name"], c["args"]) for c in answer.tool_calls] == [("magic_function", {"input": 3})]
    streamed = joined(llm.stream("What is the magic function of 3?"))
    assert [(c["name"], c["args"]) for c in streamed.tool_calls] == [
        ("magic_function", {"input": 3})
    ]
    assert all(call["id"] for call in [*answer.tool_calls, *streamed.tool_calls])


def test_auto_tool_choice_answers_in_text_here(client: ChatFactory) -> None:
    # The tiny model never writes <tool_call> unless forced: a text answer, no call.
    answer = client(max_tokens=8).bind_tools([magic_function]).invoke(PROMPT)
    assert answer.tool_calls == []
    assert answer.content


# ----------------------------------------------------------------- structured output

METHODS: list[tuple[str, bool | None]] = [
    ("function_calling", None),
    ("function_calling", True),
    ("json_schema", None),
    ("json_schema", True),
]


@pytest.mark.parametrize(("method", "strict"), METHODS)
@pytest.mark.parametrize("schema", [Joke, JokeDict], ids=["pydantic", "typeddict"])
def test_structured_output_every_method(
    client: ChatFactory, method: str, strict: bool | None, schema: Any
) -> None:
    llm = client().with_structured_output(schema, method=method, strict=strict)
    expected = Joke(setup="", punchline="") if schema is Joke else {"setup": "", "punchline": ""}
    assert llm.invoke("Tell me a joke.") == expected
    assert list(llm.stream("Tell me a joke."))[-1] == expected
    raw = client().with_structured_output(schema, method=method, include_raw=True)
    both = raw.invoke("Tell me a joke.")
    assert isinstance(both, dict)
    assert both["parsed"] == expected
    assert both["parsing_error"] is None


def test_json_mode_gives_json(client: ChatFactory) -> None:
    schema = {"title": "anything", "type": "object"}
    llm = client().with_structured_output(schema, method="json_mode")
    # Under vLLM's JSON grammar the tiny model writes an object with an empty key.
    assert llm.invoke("Answer in JSON.") == {"": ""}


# ----------------------------------------------------------------- errors from the engine


def test_an_unknown_model_is_a_404_naming_it(client: ChatFactory) -> None:
    with pytest.raises(openai.NotFoundError, match="does not exist") as info:
        client(model="no-such-model").invoke(PROMPT)
    if client.name == "ChatBaseten":
        assert isinstance(info.value, BasetenNotFoundError)
        assert "served_model_name" in str(info.value)
        assert "The server at 127.0.0.1" in str(info.value)
        assert "Baseten returned" not in str(info.value)


def test_context_overflow(client: ChatFactory) -> None:
    too_long = "hello world " * CHAT_MAX_LEN
    with pytest.raises(openai.BadRequestError, match="maximum context length") as info:
        client().invoke(too_long)
    if client.name == "ChatBaseten":
        assert isinstance(info.value, BasetenContextOverflowError)
        assert isinstance(info.value, ContextOverflowError)


def test_an_invalid_parameter_is_a_400_naming_it(client: ChatFactory) -> None:
    with pytest.raises(openai.BadRequestError, match="logit_bias") as info:
        client(max_tokens=2).invoke(PROMPT, logit_bias={"999999": 5})
    if client.name == "ChatBaseten":
        assert isinstance(info.value, BasetenBadRequestError)


def test_true_as_tool_arguments_is_an_invalid_call_not_a_crash(engine: Engine) -> None:
    # A model may answer a forced call with arguments that are not an object; the tiny
    # one does without a strict schema (the server constrains every tool here, so a
    # call whose schema is any JSON value shows it).
    tool = {
        "type": "function",
        "function": {"name": "anything", "description": "x", "parameters": {}},
    }
    llm = baseten_chat(engine.chat).bind_tools([tool], tool_choice="anything")
    answer = llm.invoke(PROMPT)
    names = [c["name"] for c in answer.tool_calls] + [c["name"] for c in answer.invalid_tool_calls]
    assert names == ["anything"]


def test_structured_output_with_arguments_that_are_no_object(engine: Engine) -> None:
    # A forced call whose schema admits any JSON value: the tiny model writes "" (vLLM
    # sends arguments '""'); invoke and stream both raise OutputParserException showing it.
    schema = {"title": "Loose", "description": "anything", "type": "string"}
    llm = baseten_chat(engine.chat).with_structured_output(
        {"title": "Loose", "description": "anything", "parameters": schema},
        method="function_calling",
    )
    for call in (llm.invoke, lambda text: list(llm.stream(text))):
        with pytest.raises(OutputParserException) as info:
            call(PROMPT)
        assert "did not call the tool" not in str(info.value)
