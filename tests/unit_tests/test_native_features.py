"""Reasoning switch, session affinity and hosted tools, over real HTTP to the local server."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

import pytest
from langchain_core.runnables import RunnableLambda
from langchain_core.tools import tool

from langchain_baseten import ChatBaseten, get_baseten_callback
from langchain_baseten import testing as fb
from langchain_baseten._reasoning import apply_reasoning, reasoning_body
from tests.call_styles import STYLES, answer
from tests.local_models import KEY
from tests.recording import redirect_baseten_to

if TYPE_CHECKING:
    from collections.abc import Iterator

    from langchain_core.messages import AIMessage

pytestmark = pytest.mark.usefixtures("no_baseten_env")

WEB_SEARCH = {"type": "baseten__exa__web_search_exa"}


@pytest.fixture
def on_baseten(fake_baseten: fb.FakeBaseten) -> Iterator[fb.FakeBaseten]:
    """Requests to *.baseten.co go to the local server (real Model API/dedicated routing)."""
    with redirect_baseten_to(fake_baseten.base_url):
        yield fake_baseten


def call(llm: Any, style: str, prompt: Any = "hello", **kwargs: Any) -> AIMessage:
    """One call in ``style`` from a sync test; streamed chunks are merged into one message."""
    message: AIMessage = asyncio.run(answer(llm, style, prompt, **kwargs))
    return message


def model_api(**kwargs: Any) -> ChatBaseten:
    return ChatBaseten(**{"model": "baseten/openai/gpt-oss-120b", "api_key": KEY, **kwargs})


# ---------------------------------------------------------------- reasoning: the mapping (pure)


@pytest.mark.parametrize(
    ("slug", "value", "expected"),
    [
        ("moonshotai/Kimi-K2.6", True, {"chat_template_args": {"enable_thinking": True}}),
        ("zai-org/GLM-5.1", False, {"chat_template_args": {"enable_thinking": False}}),
        ("nvidia/Nemotron-120B-A12B", True, {"chat_template_args": {"enable_thinking": True}}),
        ("zai-org/GLM-5.2", "high", {"reasoning_effort": "high"}),
        ("openai/gpt-oss-120b", True, {"reasoning_effort": "medium"}),
        ("openai/gpt-oss-120b", False, {"reasoning_effort": "none"}),
        ("openai/gpt-oss-120b", "low", {"reasoning_effort": "low"}),
        ("deepseek-ai/DeepSeek-V4.1-Flash", True, {"reasoning_effort": "high"}),
        ("thinkingmachines/inkling", False, {"reasoning_effort": "none"}),
        ("deepseek-ai/DeepSeek-V3.1", True, {}),
        # No reasoning_switch in the profile: the pass-through rule.
        ("moonshotai/Kimi-K3", True, {"chat_template_args": {"enable_thinking": True}}),
        ("zai-org/GLM-5.3", "max", {"reasoning_effort": "max"}),
    ],
)
def test_each_models_switch_comes_from_its_profile(
    slug: str, value: bool | str, expected: dict[str, Any]
) -> None:
    llm = model_api(model=slug)
    assert llm.profile is not None
    profile: dict[str, Any] = dict(llm.profile)
    if llm.reasoning_switch is not None:  # kept out of the profile, read by name
        profile["reasoning_switch"] = llm.reasoning_switch
    assert reasoning_body(value, profile, slug) == expected


@pytest.mark.parametrize(
    ("slug", "value", "message"),
    [
        ("moonshotai/Kimi-K2.6", "high", "only switches thinking on or off"),
        ("openai/gpt-oss-120b", "extreme", "not an effort level of openai/gpt-oss-120b"),
        ("deepseek-ai/DeepSeek-V3.1", False, "reasons by default and Baseten documents no switch"),
        ("zai-org/GLM-5.2", "low", "'none', 'high', 'max'"),
    ],
)
def test_what_the_profile_rules_out_is_refused_at_construction(
    slug: str, value: bool | str, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        model_api(model=slug, reasoning=value)


def test_reasoning_is_part_of_the_identifying_params_and_the_cache_key() -> None:
    assert model_api(reasoning="low")._identifying_params["reasoning"] == "low"
    assert "reasoning" not in model_api()._identifying_params


def test_a_model_whose_profile_says_it_cannot_reason_is_refused() -> None:
    with pytest.raises(ValueError, match="says it does not reason"):
        model_api(model="acme/plain", profile={"reasoning_output": False}, reasoning=True)


@pytest.mark.parametrize("value", ["", " high", 3, ["high"]])
def test_bad_reasoning_values_are_refused(value: object) -> None:
    with pytest.raises(ValueError, match="reasoning="):
        model_api(reasoning=value)


def test_the_users_own_keys_win_and_other_template_args_stay() -> None:
    body: dict[str, Any] = {
        "reasoning_effort": "low",
        "chat_template_args": {"enable_thinking": False, "other": 1},
    }
    apply_reasoning(body, {"reasoning_effort": "high"})
    apply_reasoning(body, {"chat_template_args": {"enable_thinking": True}})
    assert body == {
        "reasoning_effort": "low",
        "chat_template_args": {"enable_thinking": False, "other": 1},
    }
    body = {"chat_template_args": {"other": 1}}
    apply_reasoning(body, {"chat_template_args": {"enable_thinking": True}})
    assert body == {"chat_template_args": {"enable_thinking": True, "other": 1}}


# ---------------------------------------------------------------- reasoning over HTTP


@pytest.mark.parametrize("style", STYLES)
def test_reasoning_goes_on_the_wire_the_models_way(on_baseten: fb.FakeBaseten, style: str) -> None:
    kimi = model_api(model="baseten/moonshotai/Kimi-K2.6", reasoning=True)
    call(kimi, style)
    gpt = model_api(reasoning=False)
    call(gpt, style)
    kimi_body, gpt_body = (r.json() for r in on_baseten.requests)
    assert kimi_body["chat_template_args"] == {"enable_thinking": True}
    assert "reasoning_effort" not in kimi_body
    assert gpt_body["reasoning_effort"] == "none"
    assert "chat_template_args" not in gpt_body


@pytest.mark.parametrize("style", STYLES)
def test_reasoning_per_call_merges_with_what_the_user_passed(
    on_baseten: fb.FakeBaseten, style: str
) -> None:
    llm = model_api(model="baseten/zai-org/GLM-5.2", chat_template_args={"clear_thinking": False})
    call(llm, style, reasoning=True)
    call(llm, style, reasoning="max", reasoning_effort="high")
    first, second = (r.json() for r in on_baseten.requests)
    assert first["chat_template_args"] == {"enable_thinking": True, "clear_thinking": False}
    assert second["reasoning_effort"] == "high"  # the explicit parameter wins
    assert "reasoning" not in first
    assert "reasoning" not in second


def test_dedicated_and_custom_endpoints_use_the_pass_through_rule(
    fake_baseten: fb.FakeBaseten,
) -> None:
    llm = ChatBaseten(model="qwen3", base_url=fake_baseten.url("/v1"), api_key=KEY)
    llm.invoke("hi", reasoning=False)
    llm.invoke("hi", reasoning="low")
    first, second = (r.json() for r in fake_baseten.requests)
    assert first["chat_template_args"] == {"enable_thinking": False}
    assert second["reasoning_effort"] == "low"


@pytest.mark.parametrize(
    "base_url",
    [None, "https://inference.baseten.co/v1"],  # from BASETEN_BASE_URL, or spelled out
)
def test_a_known_model_off_basetens_hosts_keeps_its_switch(
    fake_baseten: fb.FakeBaseten, monkeypatch: pytest.MonkeyPatch, base_url: str | None
) -> None:
    # The model name says what the model is; the host only decides where requests go.
    monkeypatch.setenv("BASETEN_BASE_URL", fake_baseten.url("/v1"))
    extra = {} if base_url is None else {"base_url": base_url}
    with redirect_baseten_to(fake_baseten.base_url):
        llm = ChatBaseten(model="openai/gpt-oss-120b", api_key=KEY, reasoning=False, **extra)
        llm.invoke("hi")
        llm.invoke("hi", model="moonshotai/Kimi-K2.6", reasoning=True)
    first, second = (r.json() for r in fake_baseten.requests)
    assert first["reasoning_effort"] == "none"
    assert "chat_template_args" not in first
    assert second["chat_template_args"] == {"enable_thinking": True}
    assert "reasoning_effort" not in second


def test_a_per_call_model_override_uses_that_models_profile(on_baseten: fb.FakeBaseten) -> None:
    model_api().invoke("hi", model="moonshotai/Kimi-K2.6", reasoning=True)
    body = on_baseten.requests[0].json()
    assert body["model"] == "moonshotai/Kimi-K2.6"
    assert body["chat_template_args"] == {"enable_thinking": True}


def test_a_per_call_value_the_profile_rules_out_is_refused_before_sending(
    on_baseten: fb.FakeBaseten,
) -> None:
    with pytest.raises(ValueError, match="not an effort level"):
        model_api().invoke("hi", reasoning="extreme")
    assert on_baseten.requests == []


# ---------------------------------------------------------------- session affinity


@pytest.mark.parametrize("style", STYLES)
def test_session_id_goes_in_the_model_api_header(on_baseten: fb.FakeBaseten, style: str) -> None:
    call(model_api(session_id="conv-1"), style)
    call(model_api(session_id="conv-1"), style, session_id="conv-2")
    call(model_api(), style)
    first, second, third = on_baseten.requests
    assert first.headers["x-session-affinity"] == "conv-1"
    assert second.headers["x-session-affinity"] == "conv-2"  # the call wins
    assert "x-session-affinity" not in third.headers
    assert "x-baseten-session-id" not in first.headers
    assert "session_id" not in first.json()


@pytest.mark.parametrize("style", STYLES)
def test_dedicated_deployments_get_the_sticky_session_header(
    on_baseten: fb.FakeBaseten, style: str
) -> None:
    call(ChatBaseten(model="baseten/abcd1234", api_key=KEY, session_id="s-9"), style)
    (request,) = on_baseten.requests
    assert request.path == "/environments/production/sync/v1/chat/completions"
    assert request.headers["x-baseten-session-id"] == "s-9"
    assert "x-session-affinity" not in request.headers


@pytest.mark.parametrize("style", STYLES)
def test_the_session_key_comes_from_the_config(on_baseten: fb.FakeBaseten, style: str) -> None:
    by_thread = model_api(session_id_from_thread=True)
    call(by_thread, style, config={"configurable": {"thread_id": "thread-7"}})
    call(model_api(), style, config={"configurable": {"thread_id": "thread-7"}})
    call(model_api(), style, config={"configurable": {"session_id": "sess-3"}})
    first, second, third = on_baseten.requests
    assert first.headers["x-session-affinity"] == "thread-7"
    assert "x-session-affinity" not in second.headers  # thread ids only when asked
    assert third.headers["x-session-affinity"] == "sess-3"


def test_a_langgraph_style_step_passes_its_thread_id(on_baseten: fb.FakeBaseten) -> None:
    llm = model_api(session_id_from_thread=True)

    def step(text: str) -> AIMessage:
        # Inside a runnable (as a LangGraph node is), the model is called without a config.
        return llm.invoke(text)

    RunnableLambda(step).invoke("hello", config={"configurable": {"thread_id": "t-42"}})
    assert on_baseten.requests[0].headers["x-session-affinity"] == "t-42"


@pytest.mark.parametrize("value", ["", "a\nb", "é", "x" * 257])
def test_bad_session_keys_are_refused_without_being_quoted(value: str) -> None:
    with pytest.raises(ValueError, match="session_id") as info:
        model_api(session_id=value)
    if value.strip():
        assert value not in str(info.value)


@pytest.mark.parametrize("style", STYLES)
def test_cached_tokens_show_in_the_cost_callback(on_baseten: fb.FakeBaseten, style: str) -> None:
    llm = model_api(model="baseten/zai-org/GLM-5.2", session_id="conversation-1")
    history = "tell me about prompt caching on Baseten"
    with get_baseten_callback() as cb:
        call(llm, style, history)
        second = call(llm, style, history + " and more")
    cached = second.usage_metadata["input_token_details"]["cache_read"]  # type: ignore[index]
    assert cached == 7  # the first prompt's words, from the replica's cache
    assert cb.cached_tokens == 7
    (usage,) = cb.usage_by_model.values()
    assert usage.cached_input_price == 0.30
    assert usage.cache_savings == pytest.approx(7 * (1.40 - 0.30) / 1e6)
    assert "7 cached" in str(cb)
    assert "saved" in str(cb)


# ---------------------------------------------------------------- hosted tools (early access)


@tool
def get_time(city: str) -> str:
    """Get the local time in a city."""
    return "noon"


def test_hosted_tools_pass_through_bind_tools_unchanged_next_to_functions() -> None:
    hosted = {**WEB_SEARCH, "baseten": {"tool_settings": {"num_results": 3}}}
    bound = model_api().bind_tools([get_time, hosted])
    tools = bound.kwargs["tools"]  # type: ignore[attr-defined]
    assert tools[0]["function"]["name"] == "get_time"
    assert tools[1] is hosted or tools[1] == hosted


def test_other_non_function_tools_are_still_refused() -> None:
    with pytest.raises(ValueError, match="not a function tool"):
        model_api().bind_tools([{"type": "web_search_preview"}])


@pytest.mark.parametrize("style", STYLES)
def test_hosted_tools_send_the_opt_in_header_and_surface_the_servers_fields(
    on_baseten: fb.FakeBaseten, style: str
) -> None:
    llm = model_api().bind_tools([get_time, WEB_SEARCH])
    message = call(llm, style, "latest Baseten news")
    request = on_baseten.requests[0]
    assert request.headers["x-baseten-server-tools"] == "true"
    assert request.json()["tools"][1] == WEB_SEARCH
    assert message.response_metadata["baseten_server_tools"] == [WEB_SEARCH["type"]]
    calls = message.response_metadata["baseten"]["server_tool_calls"]
    assert calls == [{"type": WEB_SEARCH["type"], "query": "latest Baseten news"}]


def test_without_hosted_tools_there_is_no_opt_in_header(on_baseten: fb.FakeBaseten) -> None:
    model_api().bind_tools([get_time]).invoke("hi")
    assert "x-baseten-server-tools" not in on_baseten.requests[0].headers


def test_the_cost_callback_counts_requests_with_hosted_tools(on_baseten: fb.FakeBaseten) -> None:
    llm = model_api()
    with get_baseten_callback() as cb:
        llm.bind_tools([WEB_SEARCH]).invoke("news")
        llm.invoke("plain")
    assert cb.server_tool_requests == 1
    assert len(on_baseten.requests) == 2


@pytest.mark.parametrize("style", STYLES)
def test_response_fields_never_replace_the_packages_own_metadata(
    on_baseten: fb.FakeBaseten, style: str
) -> None:
    # A body claiming a request id and hosted tools: the header and the request win.
    forged = {"baseten_request_id": "forged-id", "baseten_server_tools": ["made-up"]}
    streamed = style in {"stream", "astream"}
    on_baseten.enqueue(fb.stream(extra=forged) if streamed else fb.chat(extra=forged))
    with get_baseten_callback() as cb:
        message = call(model_api(), style, "hi")
    metadata = message.response_metadata
    assert metadata["baseten_request_id"] == "req-1"  # the X-Baseten-Request-Id header
    assert "baseten_server_tools" not in metadata  # no hosted tool was bound
    assert metadata["baseten_response_fields"] == forged  # kept, under its own key
    assert cb.server_tool_requests == 0
