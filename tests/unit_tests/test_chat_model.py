"""ChatBaseten construction, configuration, tracing params, serialization and client sharing."""

from __future__ import annotations

import ssl
from typing import Any

import httpx2
import pytest
from langchain.chat_models import init_chat_model
from langchain_core.load import dumpd, dumps, load
from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage
from pydantic import ValidationError

from langchain_baseten import ChatBaseten
from tests.local_models import KEY


def test_init_chat_model_returns_chat_baseten(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BASETEN_API_KEY", KEY)
    llm = init_chat_model("baseten:openai/gpt-oss-120b", temperature=0)
    assert isinstance(llm, ChatBaseten)
    assert llm.endpoint.base_url == "https://inference.baseten.co/v1"
    assert llm.model_name == "openai/gpt-oss-120b"
    assert llm.temperature == 0


@pytest.mark.parametrize(
    ("kwargs", "base_url", "body_model"),
    [
        (
            {"model": "baseten/openai/gpt-oss-120b"},
            "https://inference.baseten.co/v1",
            "openai/gpt-oss-120b",
        ),
        (
            {"model_name": "deepseek-ai/DeepSeek-V3.1"},
            "https://inference.baseten.co/v1",
            "deepseek-ai/DeepSeek-V3.1",
        ),
        (
            {"model": "baseten/abcd1234"},
            "https://model-abcd1234.api.baseten.co/environments/production/sync/v1",
            "abcd1234",
        ),
        (
            {"model": "abcd1234", "environment": "staging", "served_model_name": "llama"},
            "https://model-abcd1234.api.baseten.co/environments/staging/sync/v1",
            "llama",
        ),
        (
            {"model_url": "https://model-abcd1234.api.baseten.co/deployment/q3x9z7w/predict"},
            "https://model-abcd1234.api.baseten.co/deployment/q3x9z7w/sync/v1",
            "abcd1234",
        ),
        (
            {"model": "abcd1234", "route": "model_api"},
            "https://inference.baseten.co/v1",
            "abcd1234",
        ),
    ],
)
def test_base_url_shows_the_resolved_endpoint(
    kwargs: dict[str, Any], base_url: str, body_model: str
) -> None:
    llm = ChatBaseten(api_key=KEY, **kwargs)
    assert llm.endpoint.base_url == base_url
    assert llm.model_name == body_model
    assert llm._get_ls_params()["ls_model_name"] == body_model


def test_base_url_from_environment_and_explicit_settings_win(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("BASETEN_BASE_URL", "http://127.0.0.1:9/v1/")
    assert ChatBaseten(model="m", api_key=KEY).endpoint.base_url == "http://127.0.0.1:9/v1"
    explicit = ChatBaseten(
        model_url="https://model-abcd1234.api.baseten.co/production/sync/v1", api_key=KEY
    )
    assert explicit.endpoint.base_url == "https://model-abcd1234.api.baseten.co/production/sync/v1"


def test_conflicting_endpoint_settings_say_which_to_keep() -> None:
    with pytest.raises(ValidationError, match=r"keep model_url .* or base_url"):
        ChatBaseten(
            model_url="https://model-abcd1234.api.baseten.co/production/predict",
            base_url="http://127.0.0.1:1/v1",
            api_key=KEY,
        )


def test_ls_params_for_tracing() -> None:
    llm = ChatBaseten(
        model="baseten/openai/gpt-oss-120b", api_key=KEY, temperature=0.3, max_tokens=9, stop=["x"]
    )
    params = llm._get_ls_params()
    assert params == {
        "ls_provider": "baseten",
        "ls_model_name": "openai/gpt-oss-120b",
        "ls_model_type": "chat",
        "ls_temperature": 0.3,
        "ls_max_tokens": 9,
        "ls_stop": ["x"],
    }
    assert llm._get_ls_params(model="baseten/deepseek-ai/DeepSeek-V3.1")["ls_model_name"] == (
        "deepseek-ai/DeepSeek-V3.1"
    )
    assert KEY not in str(params)


@pytest.mark.filterwarnings("ignore::langchain_core._api.beta_decorator.LangChainBetaWarning")
def test_serialization_round_trip_keeps_routing_and_hides_the_key(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    llm = ChatBaseten(model="baseten/abcd1234", environment="staging", api_key=KEY, temperature=0.5)
    text = dumps(llm)
    assert KEY not in text
    assert "BASETEN_API_KEY" in text
    assert "base_url" not in dumpd(llm)["kwargs"]  # resolved, not given: re-resolved on load
    monkeypatch.setenv("BASETEN_API_KEY", KEY)
    loaded = load(
        dumpd(llm),
        secrets_from_env=True,
        valid_namespaces=["langchain_baseten"],
        allowed_objects="all",
    )
    assert isinstance(loaded, ChatBaseten)
    assert loaded.endpoint.base_url == llm.endpoint.base_url
    assert loaded.model_name == llm.model_name
    assert loaded.temperature == 0.5


def test_explicit_base_url_is_serialized() -> None:
    llm = ChatBaseten(model="m", base_url="http://127.0.0.1:8000/v1", api_key=KEY)
    assert dumpd(llm)["kwargs"]["base_url"] == "http://127.0.0.1:8000/v1"


def test_construction_builds_no_client_and_no_ssl_context(monkeypatch: pytest.MonkeyPatch) -> None:
    created: list[object] = []
    original = ssl.SSLContext.__new__

    def counting_new(cls: type[ssl.SSLContext], *args: Any, **kwargs: Any) -> ssl.SSLContext:
        created.append(cls)
        return original(cls, *args, **kwargs)

    monkeypatch.setattr(ssl.SSLContext, "__new__", counting_new)
    for i in range(20):
        ChatBaseten(model="baseten/openai/gpt-oss-120b", api_key=f"{KEY}-{i}")
    assert created == []


def test_equal_settings_share_one_client_different_keys_do_not() -> None:
    a = ChatBaseten(model="openai/gpt-oss-120b", api_key=KEY)
    b = ChatBaseten(model="openai/gpt-oss-120b", api_key=KEY)
    c = ChatBaseten(model="openai/gpt-oss-120b", api_key=KEY + "-other")
    assert a._connection()[1].sync_client is b._connection()[1].sync_client
    assert a._connection()[1].sync_client is not c._connection()[1].sync_client
    # Each endpoint and key has its own pool (one tenant's load never makes another wait).
    assert a._connection()[1].sync_client._client is b._connection()[1].sync_client._client
    assert a._connection()[1].sync_client._client is not c._connection()[1].sync_client._client
    assert c._connection()[1].sync_client.api_key == KEY + "-other"


def test_equal_connection_fields_share_the_derived_transport_until_one_changes() -> None:
    a = ChatBaseten(model="openai/gpt-oss-120b", api_key=KEY, timeout=5)
    b = ChatBaseten(model="openai/gpt-oss-120b", api_key=KEY, timeout=5, temperature=0.1)
    assert a._connection()[1] is b._connection()[1]  # derived once, not per instance
    b.timeout = 7
    assert b._connection()[1] is not a._connection()[1]
    assert b._connection()[1].settings.timeout == 7
    assert a._connection()[1].settings.timeout == 5
    # Another class (other checks) or a user's own HTTP client never shares one.
    with httpx2.Client() as own:
        c = ChatBaseten(model="openai/gpt-oss-120b", api_key=KEY, timeout=5, http_client=own)
        assert c._connection()[1] is not a._connection()[1]
        assert c._connection()[1].sync_client._client is own


def test_num_tokens_offline_estimate() -> None:
    llm = ChatBaseten(model="m/x", api_key=KEY)
    short = llm.get_num_tokens_from_messages([HumanMessage("hi")])
    long = llm.get_num_tokens_from_messages(
        [SystemMessage("be brief"), HumanMessage("hello " * 100)]
    )
    assert 0 < short < long
    assert 100 <= long <= 400
    assert 100 <= llm.get_num_tokens("a" * 400) <= 105


def test_metadata_carries_the_versions_for_traces() -> None:
    from langchain_baseten import __version__

    llm = ChatBaseten(model="openai/gpt-oss-120b", api_key=KEY)
    assert llm.metadata is not None
    versions = llm.metadata["lc_versions"]
    assert versions["langchain-baseten"] == __version__
    assert "langchain-core" in versions
    own = ChatBaseten(model="openai/gpt-oss-120b", api_key=KEY, metadata={"team": "blue"})
    assert own.metadata is not None
    assert own.metadata["team"] == "blue"
    assert own.metadata["lc_versions"]["langchain-baseten"] == __version__


def test_num_tokens_counts_tools_in_any_form_bind_tools_takes() -> None:
    def get_weather(city: str) -> str:
        """Get the weather for a city."""
        return city

    llm = ChatBaseten(model="openai/gpt-oss-120b", api_key=KEY)
    messages: list[BaseMessage] = [HumanMessage("Weather in Paris?")]
    bare = llm.get_num_tokens_from_messages(messages)
    with_function = llm.get_num_tokens_from_messages(messages, tools=[get_weather])
    with_dict = llm.get_num_tokens_from_messages(
        messages, tools=[{"type": "function", "function": {"name": "get_weather"}}]
    )
    assert with_function > bare
    assert with_dict > bare
