"""Bad input fails clearly BEFORE any request; very large input is sent intact.

Every rejection is checked in all four call styles with the local server
watching: it must have seen no request at all. Hypothesis fuzzes prompts
(arbitrary Unicode, lone surrogates included), numeric parameters and message
lists: each input is either sent exactly as given or refused before sending.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from langchain_core.messages import (
    AIMessage,
    BaseMessage,
    ChatMessage,
    FunctionMessage,
    HumanMessage,
    RemoveMessage,
    SystemMessage,
    ToolMessage,
)
from pydantic import ValidationError

from langchain_baseten import testing as fb
from langchain_baseten._messages import MessageConversionError
from tests.local_models import chat_model

if TYPE_CHECKING:
    from collections.abc import Callable

    from langchain_baseten import ChatBaseten

HI = [HumanMessage("hi")]


async def _each_style_refuses(
    llm: Any, messages: Any, kwargs: dict[str, Any], fragment: str
) -> None:
    """``invoke``, ``stream``, ``ainvoke`` and ``astream`` all raise a ValueError with ``fragment``."""
    calls: list[Callable[[], object]] = [
        lambda: llm.invoke(messages, **kwargs),
        lambda: list(llm.stream(messages, **kwargs)),
    ]
    for call in calls:
        with pytest.raises(ValueError, match=r".") as info:
            call()
        assert fragment in str(info.value)
    with pytest.raises(ValueError, match=r".") as info:
        await llm.ainvoke(messages, **kwargs)
    assert fragment in str(info.value)
    with pytest.raises(ValueError, match=r".") as info:
        [c async for c in llm.astream(messages, **kwargs)]
    assert fragment in str(info.value)


# ---------------------------------------------------------------- refused before sending

REFUSED: list[tuple[str, list[Any], dict[str, Any], str]] = [
    ("no messages", [], {}, "at least one message"),
    ("FunctionMessage", [FunctionMessage(content="x", name="f")], {}, "use ToolMessage"),
    ("RemoveMessage", [RemoveMessage(id="1")], {}, "cannot be sent to Baseten"),
    ("unknown role", [ChatMessage(role="wizard", content="x")], {}, "not a chat-completions role"),
    (
        "unknown block",
        [HumanMessage(content=[{"type": "sparkles"}])],
        {},
        "Unknown content block type 'sparkles'",
    ),
    (
        "file block",
        [
            HumanMessage(
                content=[{"type": "file", "base64": "JVBE", "mime_type": "application/pdf"}]
            )
        ],
        {},
        "reads 'file' blocks",
    ),
    (
        "video by file id",
        [HumanMessage(content=[{"type": "video", "file_id": "file-1"}])],
        {},
        "no files API",
    ),
    ("image without data", [HumanMessage(content=[{"type": "image"}])], {}, "has no data"),
    (
        "audio without mime type",
        [HumanMessage(content=[{"type": "audio", "base64": "AAAA"}])],
        {},
        "lacks 'mime_type'",
    ),
    (
        "image in an AIMessage",
        [AIMessage(content=[{"type": "image", "url": "https://x/y.png"}])],
        {},
        "cannot be sent back",
    ),
    (
        "image in a SystemMessage",
        [SystemMessage(content=[{"type": "image_url", "image_url": {"url": "https://x"}}])],
        {},
        "System messages sent to Baseten may only contain text",
    ),
    ("n=0", HI, {"n": 0}, "n=0 is out of range"),
    ("n=1.5", HI, {"n": 1.5}, "n must be a whole number"),
    ("temperature<0", HI, {"temperature": -1}, "temperature=-1 is out of range"),
    ("temperature>2", HI, {"temperature": 2.5}, "between 0.0 and 2.0"),
    ("temperature inf", HI, {"temperature": math.inf}, "temperature must be a finite number"),
    ("temperature nan", HI, {"temperature": math.nan}, "temperature must be a finite number"),
    ("temperature str", HI, {"temperature": "hot"}, "temperature must be a finite number"),
    ("temperature bool", HI, {"temperature": True}, "temperature must be a finite number"),
    ("top_p>1", HI, {"top_p": 2}, "top_p=2 is out of range"),
    ("max_tokens=0", HI, {"max_tokens": 0}, "max_tokens=0 is out of range"),
    ("max_tokens inf", HI, {"max_tokens": math.inf}, "max_tokens must be a finite number"),
    ("max_tokens 1.5", HI, {"max_tokens": 1.5}, "max_tokens must be a whole number"),
    ("presence_penalty", HI, {"presence_penalty": 3}, "presence_penalty=3 is out of range"),
    ("frequency_penalty", HI, {"frequency_penalty": -3}, "frequency_penalty=-3 is out of range"),
    ("top_logprobs", HI, {"top_logprobs": 50}, "top_logprobs=50 is out of range"),
    ("top_k", HI, {"top_k": -2}, "top_k=-2 is out of range"),
    ("top_k inf", HI, {"top_k": math.inf}, "top_k must be a finite number"),
    ("min_p", HI, {"min_p": 1.5}, "min_p=1.5 is out of range"),
    ("repetition_penalty", HI, {"repetition_penalty": -1}, "repetition_penalty=-1"),
    ("stop x40", HI, {"stop": [str(i) for i in range(40)]}, "at most 32"),
    ("nan in logit_bias", HI, {"logit_bias": {"50256": math.nan}}, "logit_bias.50256 is nan"),
    ("object in extra_body", HI, {"extra_body": {"seed_obj": object()}}, "seed_obj is a object"),
    ("set in model kwargs", HI, {"guided_choice": {"a", "b"}}, "guided_choice is a set"),
    (
        "lone surrogate",
        [HumanMessage("caf\udce9 au lait")],
        {},
        "messages[0].content contains '\\udce9' at position 3",
    ),
    (
        "lone surrogate in a tool result",
        [
            HumanMessage("hi"),
            AIMessage("", tool_calls=[{"name": "f", "args": {}, "id": "c1"}]),
            ToolMessage("\ud83d", tool_call_id="c1"),
        ],
        {},
        "messages[2].content contains '\\ud83d'",
    ),
    ("tools not a list", HI, {"tools": {"name": "f"}}, "tools must be a list"),
    (
        "tool with string parameters",
        HI,
        {"tools": [{"type": "function", "function": {"name": "f", "parameters": "x"}}]},
        "tools[0] has parameters of type str",
    ),
    (
        "tool without a name",
        HI,
        {"tools": [{"type": "function", "function": {"name": ""}}]},
        "tools[0] has no function name",
    ),
    (
        "non-function tool",
        HI,
        {"tools": [{"type": "code_interpreter"}]},
        "tools[0] is not a function tool",
    ),
]


@pytest.mark.parametrize(
    ("messages", "kwargs", "fragment"),
    [case[1:] for case in REFUSED],
    ids=[case[0] for case in REFUSED],
)
async def test_refused_before_any_request(
    llm: ChatBaseten,
    fake_baseten: fb.FakeBaseten,
    messages: list[Any],
    kwargs: dict[str, Any],
    fragment: str,
) -> None:
    await _each_style_refuses(llm, messages, kwargs, fragment)
    assert fake_baseten.requests == []


INSTANCE_REFUSED: list[tuple[dict[str, Any], str]] = [
    ({"temperature": 5}, "temperature=5.0 is out of range"),
    ({"temperature": math.nan}, "temperature must be a finite number"),
    ({"top_p": -0.1}, "top_p=-0.1 is out of range"),
    ({"top_p": 1.5}, "top_p=1.5 is out of range"),
    ({"max_tokens": 0}, "max_tokens=0 is out of range"),
    ({"presence_penalty": 3}, "presence_penalty=3.0 is out of range"),
    ({"top_logprobs": 21}, "top_logprobs=21 is out of range"),
    ({"n": 0}, "n=0 is out of range"),
    ({"n": 2, "streaming": True}, "n=2 is not supported when streaming"),
    ({"stop": [str(i) for i in range(33)]}, "at most 32"),
    ({"timeout": 0}, "timeout must be a positive number"),
    ({"max_retries": -1}, "max_retries"),
    ({"default_headers": {"X-Team": "a\r\nInjected: 1"}}, "default_headers['X-Team']"),
    ({"model_kwargs": {"temperature": 1}}, "model_kwargs may not hold"),
]


@pytest.mark.parametrize(
    ("kwargs", "fragment"), INSTANCE_REFUSED, ids=[str(k) for k, _ in INSTANCE_REFUSED]
)
def test_instance_parameters_refused_at_construction(
    fake_baseten: fb.FakeBaseten, kwargs: dict[str, Any], fragment: str
) -> None:
    with pytest.raises(ValidationError) as info:
        chat_model(fake_baseten, **kwargs)
    assert fragment in str(info.value)
    assert fake_baseten.requests == []


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [({"top_k": -5}, "top_k=-5 is out of range"), ({"min_p": 2.0}, "min_p=2.0 is out of range")],
)
def test_instance_extra_parameters_refused_at_construction(
    fake_baseten: fb.FakeBaseten, kwargs: dict[str, Any], fragment: str
) -> None:
    with pytest.raises(ValidationError) as info:
        chat_model(fake_baseten, **kwargs)
    assert fragment in str(info.value)
    with pytest.raises(ValidationError, match=fragment.replace("=", ".")):
        chat_model(fake_baseten, model_kwargs=kwargs)
    assert fake_baseten.requests == []


def _f(x: int) -> int:
    return x


@pytest.mark.parametrize(
    ("tools", "tool_choice", "fragment"),
    [
        ([42], None, "cannot be turned into a function schema"),
        (["get_weather"], None, "cannot be turned into a function schema"),
        ([None], None, "cannot be turned into a function schema"),
        ([int], None, "cannot be turned into a function schema"),
        ([{"type": "function", "function": {"description": "no name"}}], None, "has no name"),
        ([{"type": "code_interpreter"}], None, "not a function tool"),
        ([_f], "nope", "tool_choice names 'nope'"),
        ([_f], 5, "tool_choice=5 is not understood"),
        ([_f], {"type": "x"}, "tool_choice dict"),
        ([], "any", "needs at least one tool"),
    ],
)
def test_invalid_tools_refused_before_any_request(
    llm: ChatBaseten,
    fake_baseten: fb.FakeBaseten,
    tools: list[Any],
    tool_choice: Any,
    fragment: str,
) -> None:
    with pytest.raises(ValueError, match=r".") as info:
        llm.bind_tools(tools, tool_choice=tool_choice).invoke("hi")
    assert fragment in str(info.value)
    assert fake_baseten.requests == []


# ---------------------------------------------------------------- very large input

FIVE_MB = 5 * 1024 * 1024


def _big_prompt() -> str:
    """5 MiB characters: ASCII, accents, CJK, emoji, RTL and control characters."""
    unit = "The quick brown fox é ü 漢字 🙂🦊 שלום \t\n\x00 \u200b end. "
    return (unit * (FIVE_MB // len(unit) + 1))[:FIVE_MB]


@pytest.mark.parametrize("style", ["invoke", "ainvoke"])
async def test_five_megabyte_prompt_is_sent_and_echoed_intact(
    llm: ChatBaseten, fake_baseten: fb.FakeBaseten, style: str
) -> None:
    prompt = _big_prompt()
    text = llm.invoke(prompt).text if style == "invoke" else (await llm.ainvoke(prompt)).text
    (request,) = fake_baseten.requests
    assert request.json()["messages"] == [{"role": "user", "content": prompt}]
    assert len(request.body) > FIVE_MB
    assert text == "echo: " + prompt  # 5 MiB back in the answer, intact too


async def test_five_megabyte_prompt_is_sent_intact_when_streaming(
    llm: ChatBaseten, fake_baseten: fb.FakeBaseten
) -> None:
    # A scripted short answer: the default echo would stream ~1M word-sized events.
    prompt = _big_prompt()
    fake_baseten.enqueue(fb.stream("got it all"))
    assert "".join([c.text async for c in llm.astream(prompt)]) == "got it all"
    (request,) = fake_baseten.requests
    assert request.json()["messages"] == [{"role": "user", "content": prompt}]


def _history(count: int) -> list[BaseMessage]:
    """``count`` messages of every kind: system, user, assistant with tool calls, tool results."""
    messages: list[BaseMessage] = [SystemMessage("be brief")]
    while len(messages) < count - 1:
        i = len(messages)
        messages += [
            HumanMessage(f"question {i}"),
            AIMessage("", tool_calls=[{"name": "lookup", "args": {"n": i}, "id": f"call_{i}"}]),
            ToolMessage(f"result {i}", tool_call_id=f"call_{i}"),
            AIMessage(f"answer {i}"),
        ]
    messages = messages[: count - 1]
    messages.append(HumanMessage("last question"))
    return messages


@pytest.mark.parametrize("style", ["invoke", "astream"])
async def test_ten_thousand_messages_are_sent_intact(
    llm: ChatBaseten, fake_baseten: fb.FakeBaseten, style: str
) -> None:
    history = _history(10_000)
    if style == "invoke":
        assert llm.invoke(history).text == "echo: last question"
    else:
        assert "".join([c.text async for c in llm.astream(history)]) == "echo: last question"
    sent = fake_baseten.requests[0].json()["messages"]
    assert len(sent) == 10_000
    roles = {"system": 0, "user": 0, "assistant": 0, "tool": 0}
    for original, wire in zip(history, sent, strict=True):
        roles[wire["role"]] += 1
        if isinstance(original, AIMessage) and original.tool_calls:
            (call,) = wire["tool_calls"]
            assert call["id"] == original.tool_calls[0]["id"]
            assert (
                call["function"]["arguments"] == f'{{"n": {original.tool_calls[0]["args"]["n"]}}}'
            )
        elif isinstance(original, ToolMessage):
            assert wire["tool_call_id"] == original.tool_call_id
            assert wire["content"] == original.content
        else:
            assert wire["content"] == original.content
    assert roles["tool"] > 2000
    assert roles["assistant"] > 4000


# ---------------------------------------------------------------- fuzzing what goes out

FUZZ = settings(deadline=None, suppress_health_check=list(HealthCheck))
TEXT_EXAMPLES = 150
PARAM_EXAMPLES = 300
HISTORY_EXAMPLES = 150

#: Any code point, lone surrogates (category Cs) included.
_ANY_TEXT = st.text(st.characters(exclude_categories=()), max_size=200)


def _has_surrogate(text: str) -> bool:
    return any("\ud800" <= ch <= "\udfff" for ch in text)


def test_fuzzed_prompts_are_sent_exactly_or_refused_before_sending() -> None:
    with fb.fake_baseten_server() as server:
        llm = chat_model(server)

        @settings(FUZZ, max_examples=TEXT_EXAMPLES)
        @given(_ANY_TEXT, _ANY_TEXT)
        def run(system: str, prompt: str) -> None:
            server.reset()
            messages = [SystemMessage(system), HumanMessage(prompt)]
            if _has_surrogate(system) or _has_surrogate(prompt):
                with pytest.raises(ValueError, match="lone surrogate"):
                    llm.invoke(messages)
                assert server.requests == []
                return
            answer = llm.invoke(messages)
            assert server.requests[0].json()["messages"] == [
                {"role": "system", "content": system},
                {"role": "user", "content": prompt},
            ]
            assert answer.text == "echo: " + prompt

        run()


#: The documented ranges (Baseten's OpenAPI spec and vLLM's sampling parameters).
_SPEC: dict[str, tuple[float | None, float | None, bool]] = {
    "temperature": (0.0, 2.0, False),
    "top_p": (0.0, 1.0, False),
    "max_tokens": (1, None, True),
    "frequency_penalty": (-2.0, 2.0, False),
    "presence_penalty": (-2.0, 2.0, False),
    "top_logprobs": (0, 20, True),
    "top_k": (-1, None, True),
    "min_p": (0.0, 1.0, False),
    "repetition_penalty": (0.0, None, False),
    "min_tokens": (0, None, True),
}
_VALUES = st.one_of(
    st.floats(),  # nan and infinities included
    st.integers(-(10**12), 10**12),
    st.booleans(),
    st.none(),
    st.text(max_size=3),
    st.sampled_from([0, 1, 2, -1, 0.5, 1.0, 2.0, 20, 21, -2.0, 2.0000001, 1e-300]),
)


def _acceptable(name: str, value: Any) -> bool:
    low, high, whole = _SPEC[name]
    if value is None:
        return True
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return False
    if whole and value != int(value):
        return False
    return (low is None or value >= low) and (high is None or value <= high)


def test_fuzzed_numeric_parameters_are_sent_exactly_or_refused_before_sending() -> None:
    with fb.fake_baseten_server() as server:
        llm = chat_model(server)

        @settings(FUZZ, max_examples=PARAM_EXAMPLES)
        @given(st.sampled_from(sorted(_SPEC)), _VALUES)
        def run(name: str, value: Any) -> None:
            server.reset()
            if not _acceptable(name, value):
                with pytest.raises(ValueError, match=name):
                    llm.invoke("hi", **{name: value})
                assert server.requests == []
                return
            llm.invoke("hi", **{name: value})
            body = server.requests[0].json()
            assert body.get(name) == value  # None: sent as null (unset), like the openai client

        run()


_BLOCKS = st.one_of(
    st.fixed_dictionaries({"type": st.just("text"), "text": st.text(max_size=5)}),
    st.fixed_dictionaries(
        {"type": st.just("image_url"), "image_url": st.just({"url": "https://x"})}
    ),
    st.fixed_dictionaries({"type": st.sampled_from(["sparkles", "file", "video", "image", "x"])}),
    st.fixed_dictionaries({"type": st.just("image"), "url": st.just("https://x/y.png")}),
)
_CONTENT = st.one_of(st.text(max_size=10), st.lists(_BLOCKS, max_size=3))
_MESSAGES = st.one_of(
    st.builds(HumanMessage, content=_CONTENT),
    st.builds(SystemMessage, content=_CONTENT),
    st.builds(AIMessage, content=_CONTENT),
    st.builds(
        ChatMessage,
        role=st.sampled_from(["user", "assistant", "system", "developer", "tool", "wizard", ""]),
        content=st.text(max_size=5),
    ),
    st.builds(FunctionMessage, content=st.text(max_size=5), name=st.just("f")),
    st.builds(ToolMessage, content=_CONTENT, tool_call_id=st.just("c1")),
)


# A fuzzed tool result with an image is sent with a stand-in and a ToolContentWarning (tested
# in test_messages.py); here only "sent whole or refused" is checked.
@pytest.mark.filterwarnings("ignore::langchain_baseten.ToolContentWarning")
def test_fuzzed_message_lists_are_sent_whole_or_refused_before_sending() -> None:
    with fb.fake_baseten_server() as server:
        llm = chat_model(server)

        @settings(FUZZ, max_examples=HISTORY_EXAMPLES)
        @given(st.lists(_MESSAGES, max_size=6))
        def run(messages: list[BaseMessage]) -> None:
            server.reset()
            refused: ValueError | None = None
            try:
                llm.invoke(messages)
            except ValueError as exc:
                refused = exc
            if refused is not None:
                assert isinstance(refused, MessageConversionError)
                assert server.requests == []
                return
            sent = server.requests[0].json()["messages"]
            assert len(sent) == len(messages)
            for original, wire in zip(messages, sent, strict=True):
                expected = {
                    HumanMessage: "user",
                    SystemMessage: "system",
                    AIMessage: "assistant",
                    ToolMessage: "tool",
                }.get(type(original), getattr(original, "role", None))
                assert wire["role"] == expected

        run()
