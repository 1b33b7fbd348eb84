"""Bad input fails clearly BEFORE any request; very large input is sent intact."""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.messages import AIMessage, FunctionMessage, HumanMessage, RemoveMessage

from langchain_baseten import ChatBaseten
from tests import fake_baseten as fb

KEY = "bt-test-key-bad-input"


@pytest.fixture
def llm(fake_baseten: fb.FakeBaseten) -> ChatBaseten:
    return ChatBaseten(
        model="openai/gpt-oss-120b", base_url=fake_baseten.url("/v1"), api_key=KEY, max_retries=0
    )


@pytest.mark.parametrize(
    ("messages", "kwargs", "fragment"),
    [
        ([], {}, "at least one message"),
        ([FunctionMessage(content="x", name="f")], {}, "use ToolMessage"),
        ([RemoveMessage(id="1")], {}, "cannot be sent to Baseten"),
        (
            [HumanMessage(content=[{"type": "sparkles"}])],
            {},
            "Unknown content block type 'sparkles'",
        ),
        (
            [
                HumanMessage(
                    content=[{"type": "file", "base64": "JVBE", "mime_type": "application/pdf"}]
                )
            ],
            {},
            "not 'file'",
        ),
        (
            [AIMessage(content=[{"type": "image", "url": "https://x/y.png"}])],
            {},
            "cannot be sent back",
        ),
        ([HumanMessage("hi")], {"n": 3}, "n=3 is not supported"),
        ([HumanMessage("hi")], {"temperature": -1}, "temperature=-1 is out of range"),
        ([HumanMessage("hi")], {"top_p": 2}, "top_p=2 is out of range"),
        ([HumanMessage("hi")], {"max_tokens": 0}, "max_tokens=0 is out of range"),
        ([HumanMessage("hi")], {"presence_penalty": 3}, "presence_penalty=3 is out of range"),
        ([HumanMessage("hi")], {"top_logprobs": 50}, "top_logprobs=50 is out of range"),
        ([HumanMessage("hi")], {"temperature": "hot"}, "temperature must be a number"),
        ([HumanMessage("hi")], {"temperature": float("nan")}, "temperature must be a number"),
        ([HumanMessage("hi")], {"stop": [str(i) for i in range(40)]}, "at most 32"),
    ],
)
def test_rejected_before_any_request(
    llm: ChatBaseten,
    fake_baseten: fb.FakeBaseten,
    messages: list[Any],
    kwargs: dict[str, Any],
    fragment: str,
) -> None:
    with pytest.raises(ValueError, match=fragment):
        llm.invoke(messages, **kwargs)
    with pytest.raises(ValueError, match=fragment):
        list(llm.stream(messages, **kwargs))
    assert fake_baseten.requests == []


async def test_rejected_before_any_request_async(
    llm: ChatBaseten, fake_baseten: fb.FakeBaseten
) -> None:
    with pytest.raises(ValueError, match="n=2 is not supported"):
        await llm.ainvoke("hi", n=2)
    assert fake_baseten.requests == []


@pytest.mark.parametrize(
    ("tool", "fragment"),
    [
        (42, "cannot be turned into a function schema"),
        (
            {"type": "function", "function": {"description": "no name"}},
            "cannot be turned into a function schema|has no name",
        ),
        (
            {"type": "code_interpreter"},
            "cannot be turned into a function schema|not a function tool",
        ),
    ],
)
def test_invalid_tool_schemas(
    llm: ChatBaseten, fake_baseten: fb.FakeBaseten, tool: Any, fragment: str
) -> None:
    with pytest.raises(ValueError, match=fragment):
        llm.bind_tools([tool]).invoke("hi")
    assert fake_baseten.requests == []


def test_five_megabyte_prompt_is_sent_intact(
    llm: ChatBaseten, fake_baseten: fb.FakeBaseten
) -> None:
    prompt = ("0123456789abcdef" * 65536 * 5)[: 5 * 1024 * 1024]
    fake_baseten.enqueue(fb.chat("got it"))
    assert llm.invoke(prompt).content == "got it"
    (request,) = fake_baseten.requests
    assert request.json()["messages"][0]["content"] == prompt


def test_ten_thousand_messages_are_sent_intact(
    llm: ChatBaseten, fake_baseten: fb.FakeBaseten
) -> None:
    history = [HumanMessage(f"m{i}") if i % 2 == 0 else AIMessage(f"a{i}") for i in range(10_000)]
    fake_baseten.enqueue(fb.chat("ok"))
    llm.invoke(history)
    sent = fake_baseten.requests[0].json()["messages"]
    assert len(sent) == 10_000
    assert sent[0] == {"role": "user", "content": "m0"}
    assert sent[-1] == {"role": "assistant", "content": "a9999"}
