"""A Deep Agents run (LangChain's agent harness, ``deepagents``) on ChatBaseten, over real HTTP.

Deep Agents names Baseten as a provider; these runs are what its users do: a
tool loop with its file tools and a subagent, on a profiled Model API slug
served by the local server (``base_url``, as ``BASETEN_BASE_URL`` would set it),
and its summarization settings read from the model's profile. The model's turns
are scripted (the local server answers them in order); the harness, its tools
and ChatBaseten are real.

Deliberate differences: none.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest
from deepagents import create_deep_agent
from deepagents.backends import StateBackend
from deepagents.middleware.summarization import (
    compute_summarization_defaults,
    create_summarization_middleware,
)
from langchain_core.messages import AIMessage, HumanMessage

from langchain_baseten import ChatBaseten
from tests import fake_baseten as fb
from tests.local_models import KEY, chat_model

if TYPE_CHECKING:
    from langchain_core.runnables import RunnableConfig

#: A profiled slug whose window (164,000 tokens) is below Deep Agents' no-profile
#: trigger (170,000): without its profile, summarization would come too late.
SLUG = "deepseek-ai/DeepSeek-V3.1"
LIMIT: RunnableConfig = {"recursion_limit": 40}


def _script(fake: fb.FakeBaseten) -> None:
    fake.enqueue(
        fb.chat(
            None,
            tool_calls=[
                fb.tool_call(
                    "write_file",
                    json.dumps({"file_path": "/notes.md", "content": "Bergen: rain"}),
                    "call_w",
                )
            ],
        ),
        fb.chat(
            None,
            tool_calls=[
                fb.tool_call(
                    "task",
                    json.dumps(
                        {
                            "description": "Find the temperature in Bergen",
                            "subagent_type": "researcher",
                        }
                    ),
                    "call_t",
                )
            ],
        ),
        fb.chat("Bergen is at 9 C."),  # the subagent's answer
        fb.chat(
            None,
            tool_calls=[
                fb.tool_call("read_file", json.dumps({"file_path": "/notes.md"}), "call_r")
            ],
        ),
        fb.chat("Rain in Bergen, 9 C."),
    )


def test_a_deep_agent_runs_its_file_tools_and_a_subagent(fake_baseten: fb.FakeBaseten) -> None:
    _script(fake_baseten)
    llm = chat_model(fake_baseten, model=SLUG)
    agent = create_deep_agent(
        llm,
        subagents=[
            {
                "name": "researcher",
                "description": "Looks up weather facts.",
                "system_prompt": "You look up weather facts.",
            }
        ],
    )
    result = agent.invoke({"messages": [HumanMessage("Weather in Bergen?")]}, LIMIT)
    final = result["messages"][-1]
    assert isinstance(final, AIMessage)
    assert final.content == "Rain in Bergen, 9 C."
    assert "/notes.md" in result["files"]
    bodies = [request.json() for request in fake_baseten.requests]
    assert len(bodies) == 5
    tool_names = {tool["function"]["name"] for tool in bodies[0]["tools"]}
    assert {"write_file", "read_file", "task"} <= tool_names
    # The subagent's own request: its system prompt and the task as the user turn.
    subagent = bodies[2]["messages"]
    assert "You look up weather facts." in str(subagent[0]["content"])
    assert subagent[-1] == {"role": "user", "content": "Find the temperature in Bergen"}
    # Its answer, then the file's text, come back to the main agent as tool results.
    assert bodies[3]["messages"][-1]["role"] == "tool"
    assert "Bergen is at 9 C." in bodies[3]["messages"][-1]["content"]
    assert "Bergen: rain" in bodies[4]["messages"][-1]["content"]
    assert all(body["model"] == SLUG for body in bodies)


async def test_a_deep_agent_runs_asynchronously(fake_baseten: fb.FakeBaseten) -> None:
    _script(fake_baseten)
    agent = create_deep_agent(
        chat_model(fake_baseten, model=SLUG),
        subagents=[
            {"name": "researcher", "description": "Looks up weather.", "system_prompt": "Look up."}
        ],
    )
    result = await agent.ainvoke({"messages": [HumanMessage("Weather in Bergen?")]}, LIMIT)
    assert result["messages"][-1].content == "Rain in Bergen, 9 C."
    assert len(fake_baseten.requests) == 5


@pytest.mark.usefixtures("no_baseten_env")
def test_summarization_is_set_from_the_profile_on_any_host(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # BASETEN_BASE_URL at a local server (the documented way to test locally) keeps the
    # slug's profile, so Deep Agents summarizes at 85 % of its window, not at 170,000.
    monkeypatch.setenv("BASETEN_BASE_URL", "http://127.0.0.1:9/v1")
    llm = ChatBaseten(model=SLUG, api_key=KEY)
    assert llm.profile is not None
    window = llm.profile["max_input_tokens"]
    assert window < 170_000
    defaults = compute_summarization_defaults(llm)
    assert defaults["trigger"] == ("fraction", 0.85)
    middleware = create_summarization_middleware(llm, StateBackend())
    assert middleware._get_profile_limits() == window
