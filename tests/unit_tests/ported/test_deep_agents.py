"""A Deep Agents run (LangChain's agent harness, ``deepagents``) on ChatBaseten, over real HTTP.

Deep Agents names Baseten as a provider; these runs are what its users do: a
tool loop with its file tools and a subagent, on a profiled Model API slug
served by the local server (``base_url``, as ``BASETEN_BASE_URL`` would set it),
its summarization settings read from the model's profile, and a run where that
summarization fires (the profile's window made small with ``profile=``). The
model's turns are scripted (the local server answers them in order); the
harness, its tools and ChatBaseten are real.

Deliberate differences: none.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, cast

import pytest
from deepagents import create_deep_agent
from deepagents.backends import StateBackend
from deepagents.backends.utils import create_file_data
from deepagents.middleware.summarization import (
    DEEPAGENTS_DEFAULT_SUMMARY_PROMPT,
    compute_summarization_defaults,
    create_summarization_middleware,
)
from langchain_core.messages import AIMessage, HumanMessage

from langchain_baseten import ChatBaseten
from langchain_baseten import testing as fb
from tests.local_models import KEY, chat_model

if TYPE_CHECKING:
    from langchain.agents.middleware.types import InputAgentState
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


def _read(number: int) -> fb.Reply:
    arguments = json.dumps({"file_path": f"/report_{number}.md"})
    return fb.chat(None, tool_calls=[fb.tool_call("read_file", arguments, f"call_{number}")])


def test_a_deep_agent_summarizes_its_conversation_past_the_profiles_trigger(
    fake_baseten: fb.FakeBaseten,
) -> None:
    # A window of 6,500 tokens: Deep Agents summarizes at 85 % (5,525), counted the way it
    # counts (approximately, system prompt and tools included). Its prompt and tools come
    # to ~2,700; each report read adds ~1,100, so the third read crosses the trigger
    # (~5,950) while staying under its 95 % input budget (6,175).
    base = chat_model(fake_baseten, model=SLUG)
    assert base.profile is not None
    llm = chat_model(fake_baseten, model=SLUG, profile={**base.profile, "max_input_tokens": 6500})
    line = "Report {}, line {}: the harbour log notes rain, wind and ferry delays."
    files = {
        f"/report_{i}.md": create_file_data("\n".join(line.format(i, n) for n in range(60)))
        for i in (1, 2, 3)
    }
    fake_baseten.enqueue(
        _read(1),
        _read(2),
        _read(3),
        fb.chat("SUMMARY: reports 1 and 2 read; both log rain."),  # the summarization call
        fb.chat("All three reports log rain."),
    )
    agent = create_deep_agent(llm)
    # Seeding ``files`` in the input is Deep Agents' documented way to give its StateBackend
    # files; the graph's static input type (langchain's InputAgentState) names messages only.
    seeded = {"messages": [HumanMessage("Read the three harbour reports.")], "files": files}
    result = agent.invoke(cast("InputAgentState", seeded), LIMIT)

    assert result["messages"][-1].content == "All three reports log rain."
    bodies = [recorded.json() for recorded in fake_baseten.requests]
    assert len(bodies) == 5
    assert all(body["model"] == SLUG for body in bodies)
    # Below the trigger, the agent's requests grow: each carries the whole conversation.
    assert [len(body["messages"]) for body in bodies[:3]] == [2, 4, 6]
    # The fourth request is the summarization call: Deep Agents' summary prompt, without
    # tools, quoting the conversation it condenses.
    summarize = bodies[3]
    assert "tools" not in summarize
    assert len(summarize["messages"]) == 1
    prompt = summarize["messages"][0]
    assert prompt["role"] == "user"
    instructions = DEEPAGENTS_DEFAULT_SUMMARY_PROMPT.format(messages="").split("<messages>")[0]
    assert prompt["content"].startswith(instructions)
    assert "Report 1, line 0" in prompt["content"]
    assert "Report 2, line 0" in prompt["content"]
    # The agent's next request: its system prompt and tools, then the summary in place of
    # the older turns, and only the latest read kept: fewer messages than the one before.
    after = bodies[4]
    assert {tool["function"]["name"] for tool in after["tools"]} >= {"read_file"}
    roles = [message["role"] for message in after["messages"]]
    assert roles == ["system", "user", "assistant", "tool"]
    assert len(after["messages"]) < len(bodies[2]["messages"])
    summary = after["messages"][1]["content"]
    assert "<summary>\nSUMMARY: reports 1 and 2 read; both log rain.\n</summary>" in summary
    assert "Read the three harbour reports." not in json.dumps(after["messages"])
    assert "Report 1, line 0" not in json.dumps(after["messages"])
    assert "Report 3, line 0" in after["messages"][-1]["content"]
    # The condensed turns were offloaded to the history file the summary names.
    history = [path for path in result["files"] if path.startswith("/conversation_history/")]
    assert len(history) == 1
    assert history[0] in summary
    assert "Report 1, line 0" in str(result["files"][history[0]]["content"])
