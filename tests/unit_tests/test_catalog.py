"""The live catalogue: GET /v1/models entries as ModelInfo, and refresh_catalog()."""

from __future__ import annotations

import asyncio
import logging
import math
from typing import TYPE_CHECKING, Any

import pytest

from langchain_baseten import (
    BasetenResponseError,
    ChatBaseten,
    ModelInfo,
    ModelPrice,
    register_price,
)
from langchain_baseten import testing as fb
from langchain_baseten._catalog import parse_models
from langchain_baseten._pricing import _clear_live_prices, get_price, unregister_price
from langchain_baseten._profiles import _clear_live_profiles, get_model_profile
from tests.local_models import KEY
from tests.recording import redirect_baseten_to

if TYPE_CHECKING:
    from collections.abc import Iterator


#: Each test on the local server runs with the package's pools and a user's own
#: httpx2 and classic httpx clients (the client_kind fixture, conftest.py).
pytestmark = pytest.mark.each_client_kind


GPT_OSS = "openai/gpt-oss-120b"
STYLES = ["sync", "async"]

# One entry as Baseten's Model APIs list it (fields: see langchain_baseten/testing/_defaults.py).
ENTRY = {
    "id": "acme/new-model",
    "object": "model",
    "owned_by": "baseten",
    "context_length": 1048576,
    "max_completion_tokens": 32768,
    "supported_features": ["tools", "json_mode", "structured_outputs", "reasoning"],
    "input_modalities": ["text", "image"],
    "pricing": {"prompt": "0.00000014", "completion": "0.00000028", "input_cache_read": "3e-8"},
}


@pytest.fixture(autouse=True)
def _clean(no_baseten_env: None) -> Iterator[None]:
    yield
    _clear_live_profiles()
    _clear_live_prices()
    unregister_price(GPT_OSS)


def local(fake: fb.FakeBaseten, **kwargs: Any) -> ChatBaseten:
    params: dict[str, Any] = {"model": GPT_OSS, "base_url": fake.url("/v1"), "api_key": KEY}
    return ChatBaseten(**{**params, "max_retries": 0, **kwargs})


def refresh(llm: ChatBaseten, style: str, *, override_shipped: bool = False) -> list[ModelInfo]:
    if style == "sync":
        return llm.refresh_catalog(override_shipped=override_shipped)
    return asyncio.run(llm.arefresh_catalog(override_shipped=override_shipped))


def model_api() -> ChatBaseten:
    """A Model API model: its requests reach the local server under ``on_baseten``."""
    return ChatBaseten(model=GPT_OSS, api_key=KEY, max_retries=0)


@pytest.fixture
def on_baseten(fake_baseten: fb.FakeBaseten) -> Iterator[fb.FakeBaseten]:
    """Requests to *.baseten.co go to the local server (the endpoint still reads Baseten's)."""
    with redirect_baseten_to(fake_baseten.base_url):
        yield fake_baseten


# ---------------------------------------------------------------- parsing (pure)


def test_a_full_entry_becomes_a_typed_model_info_with_prices_per_million() -> None:
    (info,) = parse_models({"object": "list", "data": [ENTRY]})
    assert info == ModelInfo(
        id="acme/new-model",
        context_length=1048576,
        max_completion_tokens=32768,
        supported_features=("tools", "json_mode", "structured_outputs", "reasoning"),
        input_modalities=("text", "image"),
        pricing=ModelPrice(input=0.14, output=0.28, cached_input=0.03),
        owned_by="baseten",
    )
    assert info.supports("reasoning")
    assert not info.supports("vision")
    assert info.profile() == {
        "max_input_tokens": 1048576,
        "max_output_tokens": 32768,
        "tool_calling": True,
        "structured_output": True,
        "reasoning_output": True,
        "image_inputs": True,
        "image_url_inputs": True,
    }


def test_an_id_only_entry_states_nothing() -> None:
    (info,) = parse_models({"data": [{"id": "my-finetune", "object": "model"}]})
    assert info == ModelInfo(id="my-finetune")
    assert info.profile() == {}


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"context_length": "1M"}, {"context_length": None}),
        ({"context_length": True}, {"context_length": None}),
        ({"max_completion_tokens": -1}, {"max_completion_tokens": None}),
        ({"supported_features": "tools"}, {"supported_features": ()}),
        ({"input_modalities": ["text", 3]}, {"input_modalities": ("text",)}),
        ({"pricing": {"prompt": "free", "completion": "1e-6"}}, {"pricing": None}),
        ({"pricing": {"prompt": "1e-6"}}, {"pricing": None}),
        ({"pricing": {"prompt": "-1e-6", "completion": "1e-6"}}, {"pricing": None}),
        (
            {"pricing": {"prompt": 1e-6, "completion": "2e-6", "input_cache_read": None}},
            {"pricing": ModelPrice(input=1.0, output=2.0)},
        ),
        ({"pricing": "0.1"}, {"pricing": None}),
        # Absurd prices: decimal.Overflow, an infinite float, NaN, infinity.
        ({"pricing": {"prompt": "1e999999", "completion": "1e-6"}}, {"pricing": None}),
        ({"pricing": {"prompt": "1e400", "completion": "1e-6"}}, {"pricing": None}),
        ({"pricing": {"prompt": "NaN", "completion": "1e-6"}}, {"pricing": None}),
        ({"pricing": {"prompt": "1e-6", "completion": "Infinity"}}, {"pricing": None}),
        ({"pricing": {"prompt": 1e-6, "completion": float("inf")}}, {"pricing": None}),
        ({"pricing": {"prompt": 10**400, "completion": "1e-6"}}, {"pricing": None}),
        (
            {"pricing": {"prompt": "1e-6", "completion": "1e-6", "input_cache_read": "1e400"}},
            {"pricing": ModelPrice(input=1.0, output=1.0)},
        ),
    ],
)
def test_unusable_fields_are_unknown_never_guessed(
    fields: dict[str, Any], expected: dict[str, Any]
) -> None:
    (info,) = parse_models({"data": [{"id": "x/y", **fields}]})
    for name, value in expected.items():
        assert getattr(info, name) == value


def test_entries_without_an_id_are_skipped_and_a_missing_list_is_an_error() -> None:
    infos = parse_models({"data": [{"object": "model"}, "junk", {"id": "a/b"}]})
    assert [info.id for info in infos] == ["a/b"]
    with pytest.raises(BasetenResponseError, match="without a 'data' list"):
        parse_models({"models": []})


# ---------------------------------------------------------------- list_models(details=True)


def test_list_models_keeps_returning_ids(fake_baseten: fb.FakeBaseten) -> None:
    assert local(fake_baseten).list_models() == fb.DEFAULT_MODELS


@pytest.mark.parametrize("style", STYLES)
def test_list_models_with_details_parses_basetens_catalogue_and_stores_nothing(
    fake_baseten: fb.FakeBaseten, style: str
) -> None:
    llm = local(fake_baseten)
    if style == "sync":
        infos = llm.list_models(details=True)
    else:
        infos = asyncio.run(llm.alist_models(details=True))
    assert [info.id for info in infos] == fb.DEFAULT_MODELS
    gpt = infos[0]
    assert gpt.context_length == 131072
    assert gpt.max_completion_tokens == 65536
    assert gpt.pricing == ModelPrice(input=0.12, output=0.6, cached_input=None)
    assert infos[1].pricing == ModelPrice(input=0.5, output=1.5, cached_input=0.1)
    # Listing is not refreshing: shipped data still applies.
    assert get_model_profile(GPT_OSS)["max_input_tokens"] == 128072  # type: ignore[index]
    assert get_price(GPT_OSS) == ModelPrice(input=0.1, output=0.5)


def test_construction_never_requests_the_catalogue(fake_baseten: fb.FakeBaseten) -> None:
    local(fake_baseten)
    ChatBaseten(model=GPT_OSS, api_key=KEY)
    assert fake_baseten.requests == []


# ---------------------------------------------------------------- refresh_catalog()


@pytest.mark.parametrize("style", STYLES)
def test_refresh_with_the_opt_in_puts_live_values_over_shipped_profiles_and_prices(
    on_baseten: fb.FakeBaseten, style: str
) -> None:
    fake_baseten = on_baseten
    infos = refresh(model_api(), style, override_shipped=True)
    assert [info.id for info in infos] == fb.DEFAULT_MODELS
    assert [r.path for r in fake_baseten.requests] == ["/v1/models"]
    profile = get_model_profile(GPT_OSS)
    assert profile is not None
    assert profile["max_input_tokens"] == 131072  # live
    assert profile["max_output_tokens"] == 65536  # live
    assert profile["name"] == "OpenAI GPT OSS 120B"  # shipped, not stated live
    assert profile["reasoning_effort_levels"][0] == "none"  # shipped
    assert get_price(GPT_OSS) == ModelPrice(input=0.12, output=0.6)
    # A model built afterwards takes the live profile, without a request.
    assert ChatBaseten(model=GPT_OSS, api_key=KEY).profile == profile
    assert len(fake_baseten.requests) == 1


def test_a_registered_price_beats_the_live_one(on_baseten: fb.FakeBaseten) -> None:
    register_price(GPT_OSS, {"input": 0.05, "output": 0.25})
    model_api().refresh_catalog(override_shipped=True)
    assert get_price(GPT_OSS) == ModelPrice(input=0.05, output=0.25)
    unregister_price(GPT_OSS)
    assert get_price(GPT_OSS) == ModelPrice(input=0.12, output=0.6)  # then the live one


def test_a_slug_missing_from_the_shipped_data_gets_a_live_profile(
    on_baseten: fb.FakeBaseten,
) -> None:
    on_baseten.enqueue(fb.models(["acme/new-model"], {"acme/new-model": ENTRY}))
    assert ChatBaseten(model="acme/new-model", api_key=KEY).profile is None
    model_api().refresh_catalog()  # no opt-in needed: the shipped data has nothing
    profile = ChatBaseten(model="acme/new-model", api_key=KEY).profile
    assert profile is not None
    assert profile["max_input_tokens"] == 1048576
    assert profile["image_inputs"] is True
    assert profile["text_inputs"] is True  # the shipped defaults fill the rest
    assert get_price("baseten/acme/new-model") == ModelPrice(0.14, 0.28, 0.03)


@pytest.mark.parametrize("style", STYLES)
def test_refresh_updates_its_own_profile_but_never_a_users(
    fake_baseten: fb.FakeBaseten, style: str
) -> None:
    mine = {"max_input_tokens": 1000, "tool_calling": True}
    with redirect_baseten_to(fake_baseten.base_url):
        derived = ChatBaseten(model=GPT_OSS, api_key=KEY)
        given = ChatBaseten(model=GPT_OSS, api_key=KEY, profile=mine)
        refresh(derived, style, override_shipped=True)
        refresh(given, style, override_shipped=True)
    assert derived.profile is not None
    assert derived.profile["max_input_tokens"] == 131072
    assert given.profile == mine
    assert [r.path for r in fake_baseten.requests] == ["/v1/models", "/v1/models"]


def test_a_dedicated_deployments_id_only_list_changes_nothing(
    fake_baseten: fb.FakeBaseten,
) -> None:
    llm = local(fake_baseten, base_url=fake_baseten.url("/environments/production/sync/v1"))
    (info,) = [i for i in llm.refresh_catalog() if i.id == GPT_OSS]
    assert info == ModelInfo(id=GPT_OSS, owned_by="baseten")
    assert get_model_profile(GPT_OSS)["max_input_tokens"] == 128072  # type: ignore[index]
    assert get_price(GPT_OSS) == ModelPrice(input=0.1, output=0.5)


# ---------------------------------------------------------------- whose catalogue counts

# A gateway's list as the adversarial review sent it: Model API slugs with a context
# of 1, no tools, no reasoning, free.
CORRUPT = {
    GPT_OSS: {
        "context_length": 1,
        "max_completion_tokens": 1,
        "supported_features": ["json_mode"],
        "pricing": {"prompt": "0", "completion": "0"},
    },
    "acme/new-model": ENTRY,
}


def _shipped_facts_hold() -> None:
    profile = get_model_profile(GPT_OSS)
    assert profile is not None
    assert profile["max_input_tokens"] == 128072
    assert profile["tool_calling"] is True
    assert get_price(GPT_OSS) == ModelPrice(input=0.1, output=0.5)
    llm = ChatBaseten(model=GPT_OSS, api_key=KEY, reasoning="low")  # still accepted
    assert llm.profile is not None
    assert llm.profile["max_input_tokens"] == 128072


@pytest.mark.parametrize("style", STYLES)
def test_another_endpoints_list_is_returned_and_never_stored(
    fake_baseten: fb.FakeBaseten, style: str, caplog: pytest.LogCaptureFixture
) -> None:
    fake_baseten.enqueue(fb.models([GPT_OSS, "acme/new-model"], CORRUPT))
    with caplog.at_level(logging.WARNING, logger="langchain_baseten.chat_models"):
        infos = refresh(local(fake_baseten), style, override_shipped=True)
    assert [info.context_length for info in infos] == [1, 1048576]  # returned as listed
    _shipped_facts_hold()
    assert get_model_profile("acme/new-model") is None
    assert get_price("acme/new-model") is None
    assert "not Baseten's Model APIs" in caplog.text
    assert KEY not in caplog.text


@pytest.mark.parametrize("style", STYLES)
def test_the_model_apis_list_fills_gaps_and_changes_shipped_facts_only_when_asked(
    on_baseten: fb.FakeBaseten, style: str
) -> None:
    on_baseten.enqueue(*[fb.models([GPT_OSS, "acme/new-model"], CORRUPT)] * 2)
    refresh(model_api(), style)
    _shipped_facts_hold()
    assert get_model_profile("acme/new-model")["max_input_tokens"] == 1048576  # type: ignore[index]
    assert get_price("acme/new-model") == ModelPrice(0.14, 0.28, 0.03)
    refresh(model_api(), style, override_shipped=True)  # the explicit opt-in
    assert get_model_profile(GPT_OSS)["max_input_tokens"] == 1  # type: ignore[index]
    assert get_price(GPT_OSS) == ModelPrice(input=0.0, output=0.0)


@pytest.mark.parametrize("value", [math.inf, -math.inf, math.nan, 10**400, "0.1", True, -1])
def test_a_price_must_be_a_finite_non_negative_number(value: Any) -> None:
    with pytest.raises(ValueError, match="finite non-negative number"):
        ModelPrice(input=value, output=0.1)
    with pytest.raises(ValueError, match="finite non-negative number"):
        register_price(GPT_OSS, {"input": 0.1, "output": 0.1, "cached_input": value})
    assert get_price(GPT_OSS) == ModelPrice(input=0.1, output=0.5)
