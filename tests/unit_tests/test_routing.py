"""The endpoint router: a table of inputs -> endpoints, and a table of inputs -> errors."""

from __future__ import annotations

import re
import warnings
from typing import Any

import pytest

from langchain_baseten import ChatBaseten
from langchain_baseten._routing import (
    MODEL_API_BASE_URL,
    BasetenRoutingError,
    model_name_hint,
    normalize_model_url,
    resolve_endpoint,
)
from tests.local_models import KEY

HOST = "https://model-abcd1234.api.baseten.co"
PROD = f"{HOST}/environments/production/sync/v1"

ROUTES: list[tuple[str | None, dict[str, Any], str, str, str]] = [
    # model, settings, base_url, body model, kind
    ("baseten/openai/gpt-oss-120b", {}, MODEL_API_BASE_URL, "openai/gpt-oss-120b", "model_api"),
    ("openai/gpt-oss-120b", {}, MODEL_API_BASE_URL, "openai/gpt-oss-120b", "model_api"),
    ("baseten/baseten/foo", {}, MODEL_API_BASE_URL, "baseten/foo", "model_api"),
    ("deepseek-ai/DeepSeek-V3.1", {}, MODEL_API_BASE_URL, "deepseek-ai/DeepSeek-V3.1", "model_api"),
    ("baseten/abcd1234", {}, PROD, "abcd1234", "dedicated"),
    ("abcd1234", {}, PROD, "abcd1234", "dedicated"),
    ("baseten/ABCD1234", {}, PROD, "abcd1234", "dedicated"),
    (
        "abcd1234",
        {"environment": "staging"},
        f"{HOST}/environments/staging/sync/v1",
        "abcd1234",
        "dedicated",
    ),
    (
        "abcd1234",
        {"deployment_id": "q3x9z7w"},
        f"{HOST}/deployment/q3x9z7w/sync/v1",
        "abcd1234",
        "dedicated",
    ),
    ("abcd1234", {"served_model_name": "llama-3"}, PROD, "llama-3", "dedicated"),
    ("abcd1234", {"route": "model_api"}, MODEL_API_BASE_URL, "abcd1234", "model_api"),
    ("baseten/abcd1234", {"route": "dedicated"}, PROD, "abcd1234", "dedicated"),
    ("abcdefgh9", {}, MODEL_API_BASE_URL, "abcdefgh9", "model_api"),  # 9 characters: a slug
    ("m", {"base_url": "http://127.0.0.1:8000/v1/"}, "http://127.0.0.1:8000/v1", "m", "custom"),
    (
        "baseten/abcd1234",
        {"base_url": "https://gw.example.com/v1/chat/completions"},
        "https://gw.example.com/v1",
        "abcd1234",
        "custom",
    ),
    (
        None,
        {"base_url": "http://localhost:1/v1", "served_model_name": "x"},
        "http://localhost:1/v1",
        "x",
        "custom",
    ),
    (None, {"model_url": f"{HOST}/environments/production/predict"}, PROD, "abcd1234", "dedicated"),
    (
        "baseten/abcd1234",
        {"model_url": f"{HOST}/production/sync/v1/"},
        f"{HOST}/production/sync/v1",
        "abcd1234",
        "dedicated",
    ),
    # An uppercase ID in model= matches the (lowercase) host of model_url.
    ("ABCD1234", {"model_url": f"{HOST}/predict"}, PROD, "abcd1234", "dedicated"),
    (
        None,
        {"model_url": f"{HOST}/predict", "served_model_name": "llama"},
        PROD,
        "llama",
        "dedicated",
    ),
    (None, {"model_url": f"{HOST}/predict", "route": "dedicated"}, PROD, "abcd1234", "dedicated"),
    # route does not apply to base_url (it replaces routing).
    ("m", {"base_url": "http://x/v1", "route": "dedicated"}, "http://x/v1", "m", "custom"),
    (
        "baseten/baseten/foo",
        {"base_url": "http://[::1]:8000/v1/chat/completions/"},
        "http://[::1]:8000/v1",
        "baseten/foo",
        "custom",
    ),
    (
        "abcd1234",
        {"served_model_name": "Qwen/Qwen2.5-3B-Instruct"},
        PROD,
        "Qwen/Qwen2.5-3B-Instruct",
        "dedicated",
    ),
    (
        "abcd1234",
        {"environment": "prod_2-eu"},
        f"{HOST}/environments/prod_2-eu/sync/v1",
        "abcd1234",
        "dedicated",
    ),
]


@pytest.mark.parametrize(("model", "settings", "base_url", "body_model", "kind"), ROUTES)
def test_routes(
    model: str | None, settings: dict[str, Any], base_url: str, body_model: str, kind: str
) -> None:
    endpoint = resolve_endpoint(model, **settings)
    assert endpoint.base_url == base_url
    assert endpoint.model == body_model
    assert endpoint.kind == kind


DASHBOARD_URLS = [
    (f"{HOST}/environments/production/predict", PROD),
    (f"{HOST}/environments/production/async_predict", PROD),
    (f"{HOST}/environments/production/sync", PROD),
    (f"{HOST}/environments/production/sync/v1", PROD),
    (f"{HOST}/environments/production/sync/v1/", PROD),
    (f"{HOST}/environments/production/sync/v1/chat/completions", PROD),
    (f"{HOST}/environments/staging/predict", f"{HOST}/environments/staging/sync/v1"),
    (f"{HOST}/production/predict", f"{HOST}/production/sync/v1"),
    (f"{HOST}/development/predict", f"{HOST}/development/sync/v1"),
    (f"{HOST}/deployment/q3x9z7w/predict", f"{HOST}/deployment/q3x9z7w/sync/v1"),
    (f"{HOST}/deployment/q3x9z7w/sync/v1/", f"{HOST}/deployment/q3x9z7w/sync/v1"),
    (HOST, PROD),
    (
        "https://model-abcd1234-staging.api.baseten.co/predict",
        "https://model-abcd1234-staging.api.baseten.co/sync/v1",
    ),
    (
        "https://model-abcd1234-staging.api.baseten.co/sync/v1/",
        "https://model-abcd1234-staging.api.baseten.co/sync/v1",
    ),
    (
        "https://model-abcd1234-staging.api.baseten.co/sync/v1/chat/completions",
        "https://model-abcd1234-staging.api.baseten.co/sync/v1",
    ),
    (
        "https://model-abcd1234-staging.api.baseten.co",
        "https://model-abcd1234-staging.api.baseten.co/sync/v1",
    ),
    (f"{HOST}/development/sync/v1/models", f"{HOST}/development/sync/v1"),
    (f"{HOST}/environments/staging/async_predict/", f"{HOST}/environments/staging/sync/v1"),
    # Hostnames are case-insensitive: accepted and lower-cased.
    ("https://MODEL-ABCD1234.API.BASETEN.CO/production/predict", f"{HOST}/production/sync/v1"),
    ("HTTPS://model-abcd1234.api.baseten.co/predict", PROD),
]


@pytest.mark.parametrize(("url", "base"), DASHBOARD_URLS)
def test_dashboard_urls_normalise_to_sync_v1(url: str, base: str) -> None:
    assert normalize_model_url(url) == (base, "abcd1234")
    assert not base.endswith("/v1/v1")


@pytest.mark.parametrize(
    ("settings", "environment", "deployment_id"),
    [
        ({"model_url": f"{HOST}/environments/staging/predict"}, "staging", None),
        ({"model_url": f"{HOST}/production/predict"}, "production", None),
        ({"model_url": HOST}, "production", None),
        ({"model_url": f"{HOST}/development/predict"}, None, None),
        ({"model_url": f"{HOST}/deployment/q3x9z7w/predict"}, None, "q3x9z7w"),
        ({"model_url": "https://model-abcd1234-eu.api.baseten.co/predict"}, "eu", None),
        ({}, "production", None),
        ({"environment": "staging"}, "staging", None),
        ({"deployment_id": "q3x9z7w"}, None, "q3x9z7w"),
    ],
)
def test_dedicated_endpoint_fields(
    settings: dict[str, Any], environment: str | None, deployment_id: str | None
) -> None:
    model = None if "model_url" in settings else "baseten/ABCD1234"
    endpoint = resolve_endpoint(model, **settings)
    assert endpoint.kind == "dedicated"
    assert endpoint.model_id == "abcd1234"
    assert endpoint.environment == environment
    assert endpoint.deployment_id == deployment_id


def test_model_api_and_custom_endpoints_carry_no_deployment_fields() -> None:
    for endpoint in (
        resolve_endpoint("openai/gpt-oss-120b"),
        resolve_endpoint("abcd1234", base_url="http://x/v1"),
    ):
        assert endpoint.model_id is None
        assert endpoint.environment is None
        assert endpoint.deployment_id is None


def test_docstring_examples() -> None:
    import doctest

    from langchain_baseten import _routing as routing

    result = doctest.testmod(routing)
    assert result.attempted >= 3
    assert result.failed == 0


ERRORS: list[tuple[str | None, dict[str, Any], str]] = [
    (None, {}, "No model given"),
    ("", {}, "is empty"),
    ("   ", {}, "is empty"),
    ("openai/gpt oss", {}, "contains characters"),
    ("openai/gpt-oss\n", {}, "contains characters"),
    ("ąbcd1234", {}, "contains characters"),
    ("openai/gpt-oss-120b", {"route": "dedicated"}, "needs an 8-character model ID"),
    ("openai/gpt-oss-120b", {"route": "nope"}, "is not one of"),
    ("openai/gpt-oss-120b", {"environment": "staging"}, "apply to dedicated deployments"),
    ("openai/gpt-oss-120b", {"served_model_name": "x"}, "Drop served_model_name"),
    ("abcd1234", {"environment": "staging", "deployment_id": "q3x9z7w"}, "keep one"),
    ("abcd1234", {"environment": "Staging Env"}, "not a valid Baseten environment"),
    ("abcd1234", {"environment": "../../evil"}, "not a valid Baseten environment"),
    ("abcd1234", {"deployment_id": "a/b"}, "not a valid Baseten deployment id"),
    (None, {"model_url": f"{HOST}/predict", "base_url": "http://x/v1"}, "keep model_url"),
    ("abcd1234", {"base_url": "http://x/v1", "environment": "staging"}, "replaces it"),
    (None, {"model_url": f"{HOST}/predict", "environment": "staging"}, "already names"),
    ("zzzz9999", {"model_url": f"{HOST}/predict"}, "different deployments"),
    ("openai/gpt-oss-120b", {"model_url": f"{HOST}/predict"}, "not a model ID"),
    (None, {"base_url": "ftp://x/v1"}, "not an http(s) URL"),
    (None, {"base_url": ""}, "base_url='' is empty"),
    (None, {"base_url": "http://x/v1"}, "needs a body model name"),
    ("baseten/", {}, "is empty after the 'baseten/' prefix"),
    ("baseten/abcd1234\x00", {}, "contains characters"),
    ("abcd1234", {"environment": ""}, "not a valid Baseten environment"),
    ("abcd1234", {"environment": "Staging"}, "lowercase letters"),
    ("abcd1234", {"environment": "staging\n"}, "not a valid Baseten environment"),
    ("abcd1234", {"deployment_id": "q3x%2F9"}, "not a valid Baseten deployment id"),
    ("abcd1234", {"deployment_id": "q3x9z7w.evil.com"}, "not a valid Baseten deployment id"),
    ("abcd1234", {"served_model_name": ""}, "served_model_name=''"),
    ("abcd1234", {"served_model_name": " llama "}, "surrounding whitespace"),
    ("abcd1234", {"served_model_name": "llama\n"}, "control characters"),
    ("abcd1234", {"route": "model_api", "served_model_name": "x"}, "Drop served_model_name"),
    ("abcd1234", {"model_url": f"{HOST}/predict", "route": "model_api"}, "contradicts model_url"),
    (None, {"model_url": f"{HOST}:99999/predict"}, "is not a valid URL"),
    (None, {"model_url": "https://[model-abcd1234.api.baseten.co/predict"}, "is not a valid URL"),
    (None, {"base_url": "http://x:99999/v1"}, "is not a valid URL"),
    (None, {"base_url": "http://[::1/v1"}, "is not a valid URL"),
    ("m", {"base_url": "http://x/v1?api-version=1"}, "query or fragment"),
    ("m", {"base_url": "http://x/v1#frag"}, "query or fragment"),
    ("m", {"base_url": "http://x/v1\n"}, "whitespace, control characters"),
    ("m", {"base_url": "http://evil.com\\@x/v1"}, "backslash"),
    ("m", {"base_url": "127.0.0.1:8000/v1"}, "not an http(s) URL"),
    ("m", {"base_url": "http:///v1"}, "not an http(s) URL"),
]


@pytest.mark.parametrize(("model", "settings", "fragment"), ERRORS)
def test_errors_name_the_problem_and_the_fix(
    model: str | None, settings: dict[str, Any], fragment: str
) -> None:
    with pytest.raises(BasetenRoutingError) as info:
        resolve_endpoint(model, **settings)
    assert fragment in str(info.value)
    assert isinstance(info.value, ValueError)  # callers may catch ValueError


def test_error_messages_show_a_truncated_repr() -> None:
    long_model = "x/" + "y" * 500 + " z"
    with pytest.raises(BasetenRoutingError) as info:
        resolve_endpoint(long_model)
    message = str(info.value)
    assert "model='x/yyy" in message
    assert "..." in message
    assert len(message) < 300


def test_error_messages_name_both_conflicting_values() -> None:
    with pytest.raises(BasetenRoutingError) as info:
        resolve_endpoint("abcd1234", environment="staging", deployment_id="q3x9z7w")
    assert "'staging'" in str(info.value)
    assert "'q3x9z7w'" in str(info.value)


HOSTILE_MODEL_URLS = [
    "http://model-abcd1234.api.baseten.co/production/predict",  # not https
    "https://model-abcd1234.api.baseten.co.evil.com/production/predict",
    "https://evil.com/model-abcd1234.api.baseten.co/production/predict",
    "https://evil.com#model-abcd1234.api.baseten.co",
    "https://user@model-abcd1234.api.baseten.co/production/predict",
    "https://model-abcd1234.api.baseten.co@evil.com/production/predict",
    "https://model-abcd1234.api.baseten.co:8443/production/predict",
    "https://model-abcd1234.api.baseten.co/production/predict?x=1",
    "https://model-abcd1234.api.baseten.co/production/predict#frag",
    "https://model-abcd1234.api.baseten.co/environments/a%2Fb/predict",
    "https://model-abcd1234.api.baseten.co/environments/../predict",
    "https://model-abcd1234.api.baseten.co\\@evil.com/predict",
    "https://model-abcd1234-staging.api.baseten.co/environments/production/predict",
    "https://model-abcd1234.api.baseten.co/something/else/entirely",
    "https://model-abcd1234.api.b\u0430seten.co/predict",  # Cyrillic a
    "https://model-abcd1234.api.baseten.co/production/predict\n",
    " https://model-abcd1234.api.baseten.co/production/predict",
    "https://model-abcd1234.api.baseten.co/production/predict?",
    "https://model-abcd1234.api.baseten.co:99999/predict",
    "https://model-abcd1234.api.baseten.co:/predict",
    "https://[model-abcd1234.api.baseten.co]/predict",
    "https://model-abcd1234.api.baseten.co%2Fevil.com/predict",
    "https://model-abcd1234.api.baseten.co./predict",  # trailing dot: not the exact host
    "https://model-abcd1234-.api.baseten.co/predict",
    "https://model-abcd1234-stag_ing.api.baseten.co/predict",
    "https://api.baseten.co/model-abcd1234/predict",
    "https://inference.baseten.co/v1",
    "https://model-abcd1234.api.baseten.co/environments/production/sync/v2",
    "https://model-abcd1234.api.baseten.co/./production/predict",
    "model-abcd1234.api.baseten.co/production/predict",  # no scheme
    "//model-abcd1234.api.baseten.co/production/predict",
    "",
]


@pytest.mark.parametrize("model_id", ["abcd123", "abcd12345", "q3x9"])
def test_a_pasted_deployment_url_keeps_its_id_whatever_its_length(model_id: str) -> None:
    # Only model= needs the 8-character shape (to tell an ID from a slug); a URL copied
    # from the dashboard says it is a deployment, and still goes only to Baseten's host.
    url = f"https://model-{model_id}.api.baseten.co/production/predict"
    endpoint = resolve_endpoint(None, model_url=url)
    assert endpoint.base_url == f"https://model-{model_id}.api.baseten.co/production/sync/v1"
    assert (endpoint.kind, endpoint.model, endpoint.model_id) == ("dedicated", model_id, model_id)


def test_a_deployment_url_as_base_url_sends_its_model_id_as_the_body_model() -> None:
    base = "https://model-abcd1234.api.baseten.co/environments/production/sync/v1"
    endpoint = resolve_endpoint(None, base_url=base)
    assert (endpoint.base_url, endpoint.model, endpoint.kind) == (base, "abcd1234", "custom")
    with pytest.raises(BasetenRoutingError, match="needs a body model name"):
        resolve_endpoint(None, base_url="https://gateway.example.com/v1")


@pytest.mark.parametrize("url", HOSTILE_MODEL_URLS)
def test_hostile_model_urls_are_rejected(url: str) -> None:
    with pytest.raises(BasetenRoutingError, match="model_url="):
        resolve_endpoint(None, model_url=url)


# ---------------------------------------------------------------- hints for mistyped names


@pytest.mark.usefixtures("no_baseten_env")
@pytest.mark.parametrize(
    ("model", "hint"),
    [
        ("gpt-oss-120b", "has no organisation: did you mean 'openai/gpt-oss-120b'"),
        ("baseten/gpt-oss-120b", "did you mean 'openai/gpt-oss-120b'"),
        ("openai/gpt-oss-12b", "did you mean 'openai/gpt-oss-120b'"),
        ("deepseek-v3.1", "did you mean 'deepseek-ai/DeepSeek-V3.1'"),
        ("abcd123", "dedicated model ID of 7 characters; Baseten's model IDs have exactly 8"),
        ("abcd12345", "of 9 characters"),
    ],
)
def test_a_name_close_to_a_known_slug_or_id_gets_a_hint_at_construction(
    model: str, hint: str
) -> None:
    with pytest.warns(UserWarning, match=re.escape(hint)):
        llm = ChatBaseten(model=model, api_key=KEY)
    assert llm.endpoint.kind == "model_api"  # still routed as given: the hint is a warning


@pytest.mark.usefixtures("no_baseten_env")
@pytest.mark.parametrize(
    "kwargs",
    [
        {"model": "openai/gpt-oss-120b"},
        {"model": "acme/brand-new-model"},  # newer than the shipped data, like nothing
        {"model": "abcdefg1", "route": "model_api"},  # 8 characters, routed on purpose
        {"model": "abcd1234"},  # a dedicated deployment
    ],
)
def test_known_new_and_dedicated_names_get_no_hint(kwargs: dict[str, Any]) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ChatBaseten(api_key=KEY, **kwargs)


def test_the_hint_reads_the_known_names_it_is_given() -> None:
    assert model_name_hint("acme/model-x", ["acme/model-x"]) is None
    assert model_name_hint("model-x", ["acme/model-x"]) == (
        "model='model-x' has no organisation: did you mean 'acme/model-x'?"
    )
