"""Model profiles: shipped data for Model API slugs, None for everything else, user override."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import warnings
from importlib import resources
from typing import Any, get_type_hints

import pytest
from langchain_core.language_models import ModelProfile

from langchain_baseten import ChatBaseten
from langchain_baseten._pricing import _shipped_prices
from langchain_baseten._profiles import _known_model_api_slugs, _profiles, get_model_profile
from tests.local_models import KEY


def _data() -> dict[str, Any]:
    text = resources.files("langchain_baseten").joinpath("data", "model_profiles.json")
    return json.loads(text.read_text("utf-8"))  # type: ignore[no-any-return]


def test_model_api_slug_gets_the_shipped_profile() -> None:
    llm = ChatBaseten(model="baseten/openai/gpt-oss-120b", api_key=KEY)
    profile = llm.profile
    assert profile is not None
    assert profile["max_input_tokens"] == 128072
    assert profile["max_output_tokens"] == 128072
    assert profile["tool_calling"] is True
    assert profile["tool_choice"] is True
    assert profile["structured_output"] is True
    assert profile["reasoning_output"] is True
    assert profile["image_inputs"] is False
    assert profile["text_inputs"] is True
    assert "medium" in profile["reasoning_effort_levels"]
    # Without the baseten/ prefix: the same profile.
    assert ChatBaseten(model="openai/gpt-oss-120b", api_key=KEY).profile == profile


def test_vision_model_profile() -> None:
    profile = ChatBaseten(model="moonshotai/Kimi-K2.5", api_key=KEY).profile
    assert profile is not None
    assert profile["image_inputs"] is True
    assert profile["image_url_inputs"] is True
    assert profile["max_input_tokens"] == 262000
    # Tool results are text-only in ChatBaseten, whatever the model.
    assert profile["image_tool_message"] is False


@pytest.mark.parametrize(
    "kwargs",
    [
        {"model": "baseten/acme/not-a-model"},
        {"model": "openai/GPT-OSS-120B"},  # slugs match exactly
        {"model": "baseten/abcd1234"},  # dedicated deployment
        {"model": "abcd1234", "route": "dedicated"},
        {"model_url": "https://model-abcd1234.api.baseten.co/environments/production/predict"},
        {"model": "baseten/abcd1234", "served_model_name": "openai/gpt-oss-120b"},
        {"model": "abcdefgh", "route": "model_api"},  # routed to Model APIs, unknown slug
        {"model": "acme/not-a-model", "base_url": "http://127.0.0.1:9/v1"},  # unknown name
    ],
)
# openai/GPT-OSS-120B also warns "did you mean 'openai/gpt-oss-120b'" (test_routing.py).
@pytest.mark.filterwarnings("ignore:model=.*did you mean:UserWarning")
def test_no_profile_for_unknown_names_and_dedicated_ids(kwargs: dict[str, Any]) -> None:
    assert ChatBaseten(api_key=KEY, **kwargs).profile is None


@pytest.mark.usefixtures("no_baseten_env")
@pytest.mark.parametrize(
    "kwargs",
    [
        # What a ChatOpenAI user writes when swapping the class: Baseten's URL spelled out.
        {"model": "openai/gpt-oss-120b", "base_url": "https://inference.baseten.co/v1"},
        {"model": "baseten/openai/gpt-oss-120b", "base_url": "http://127.0.0.1:9/v1"},
        {"model": "openai/gpt-oss-120b", "base_url": "https://gateway.example.com/v1"},
    ],
)
def test_the_model_name_not_the_host_decides_the_profile(kwargs: dict[str, Any]) -> None:
    llm = ChatBaseten(api_key=KEY, **kwargs)
    assert llm.endpoint.kind == "custom"
    assert llm.profile == get_model_profile("openai/gpt-oss-120b")
    assert llm.profile is not None
    assert llm.profile["max_input_tokens"] == 128072
    assert llm.reasoning_switch == "reasoning_effort"


def test_base_url_from_the_environment_keeps_the_profile(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("BASETEN_BASE_URL", "http://127.0.0.1:9/v1")
    llm = ChatBaseten(model="deepseek-ai/DeepSeek-V3.1", api_key=KEY)
    assert llm.endpoint.base_url == "http://127.0.0.1:9/v1"
    assert llm.profile is not None
    assert (
        llm.profile["max_input_tokens"]
        == get_model_profile("deepseek-ai/DeepSeek-V3.1")[  # type: ignore[index]
            "max_input_tokens"
        ]
    )
    assert llm.reasoning_switch == "always"


def test_profiles_hold_only_langchain_core_keys_so_passing_one_back_does_not_warn() -> None:
    llm = ChatBaseten(model="moonshotai/Kimi-K2.6", api_key=KEY)
    assert llm.profile is not None
    assert "reasoning_switch" not in llm.profile
    assert set(llm.profile) <= set(get_type_hints(ModelProfile))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        copy = ChatBaseten(model="acme/new-model", profile=dict(llm.profile), api_key=KEY)
    assert copy.profile == llm.profile
    # The switch is read by name, and a hand-written profile's own switch still wins.
    assert llm.reasoning_switch == "enable_thinking"
    assert copy.reasoning_switch is None
    with pytest.warns(UserWarning, match="Unrecognized keys"):
        own = ChatBaseten(
            model="acme/new-model", profile={"reasoning_switch": "always"}, api_key=KEY
        )
    assert own.reasoning_switch == "always"


def test_user_profile_overrides_the_shipped_one() -> None:
    mine: ModelProfile = {"max_input_tokens": 32_000, "tool_calling": True}
    llm = ChatBaseten(model="baseten/openai/gpt-oss-120b", api_key=KEY, profile=mine)
    assert llm.profile == mine
    dedicated = ChatBaseten(model="baseten/abcd1234", api_key=KEY, profile=mine)
    assert dedicated.profile == mine


def test_instances_do_not_share_profile_objects() -> None:
    first = ChatBaseten(model="openai/gpt-oss-120b", api_key=KEY)
    second = ChatBaseten(model="openai/gpt-oss-120b", api_key=KEY)
    assert first.profile is not None
    assert second.profile is not None
    first.profile["max_input_tokens"] = 1
    first.profile["reasoning_effort_levels"].append("bogus")
    assert second.profile["max_input_tokens"] == 128072
    assert "bogus" not in second.profile["reasoning_effort_levels"]
    fresh = get_model_profile("openai/gpt-oss-120b")
    assert fresh is not None
    assert fresh["max_input_tokens"] == 128072


@pytest.mark.slow
def test_data_is_read_once_and_not_at_import() -> None:
    code = (
        "import langchain_baseten\n"
        "from langchain_baseten import _profiles as profiles\n"
        "assert profiles._profiles.cache_info().currsize == 0, 'read at import'\n"
        "llm = [langchain_baseten.ChatBaseten(model='openai/gpt-oss-120b', api_key='k')"
        " for _ in range(50)]\n"
        "info = profiles._profiles.cache_info()\n"
        "assert info.misses == 1 and info.hits == 49, info\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)  # noqa: S603


def test_shipped_data_uses_only_model_profile_keys_with_the_right_types() -> None:
    # reasoning_switch is this package's one documented extension (langchain_baseten._profiles),
    # kept in the data file and out of the profiles handed out.
    declared = {**get_type_hints(ModelProfile), "reasoning_switch": str}
    simple = {int: int, bool: bool, str: str}
    for slug in _known_model_api_slugs():
        handed_out = get_model_profile(slug)
        assert handed_out is not None
        assert "reasoning_switch" not in handed_out
        profile = _profiles()[slug]
        assert set(profile) <= set(declared), (slug, set(profile) - set(declared))
        assert profile.get("reasoning_switch", "always") in {
            "enable_thinking",
            "reasoning_effort",
            "always",
        }
        if "reasoning_switch" in profile:
            assert profile["reasoning_output"] is True, slug
        for key, value in profile.items():
            expected = declared[key]
            if expected in simple:
                assert type(value) is simple[expected], (slug, key, value)
            else:  # list[str]; get_model_profile copies this one list per lookup
                assert key == "reasoning_effort_levels", (slug, key)
                assert isinstance(value, list), (slug, key)
                assert all(isinstance(v, str) for v in value), (slug, key)
        for key in ("max_input_tokens", "max_output_tokens", "tool_calling", "structured_output"):
            assert key in profile, (slug, key)
        assert 0 < profile["max_output_tokens"] <= profile["max_input_tokens"] <= 2_000_000
        if profile.get("image_inputs"):
            assert profile.get("image_url_inputs") is True


def test_shipped_data_is_dated_and_sourced() -> None:
    about = _data()["_about"]
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", about["as_of"])
    assert len(about["sources"]) >= 2
    for source in about["sources"]:
        assert "http" in source["source"]


def test_every_priced_slug_has_a_profile_and_vice_versa() -> None:
    assert set(_shipped_prices()) == set(_known_model_api_slugs())


def test_known_slugs_are_sorted_and_lookup_ignores_the_prefix() -> None:
    slugs = _known_model_api_slugs()
    assert slugs == sorted(slugs, key=str.lower)
    assert "openai/gpt-oss-120b" in slugs
    assert get_model_profile("baseten/openai/gpt-oss-120b") == get_model_profile(
        "openai/gpt-oss-120b"
    )
    assert get_model_profile("nope/nope") is None
    assert _profiles.cache_info().currsize == 1
