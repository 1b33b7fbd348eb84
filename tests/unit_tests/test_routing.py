"""The endpoint router: a table of inputs -> endpoints, and a table of inputs -> errors."""

from __future__ import annotations

from typing import Any

import pytest

from langchain_baseten.routing import (
    MODEL_API_BASE_URL,
    BasetenRoutingError,
    normalize_model_url,
    resolve_endpoint,
)

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
]


@pytest.mark.parametrize(("url", "base"), DASHBOARD_URLS)
def test_dashboard_urls_normalise_to_sync_v1(url: str, base: str) -> None:
    assert normalize_model_url(url) == (base, "abcd1234")
    assert not base.endswith("/v1/v1")


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
    (None, {"base_url": ""}, "base_url is empty"),
    (None, {"base_url": "http://x/v1"}, "needs a body model name"),
]


@pytest.mark.parametrize(("model", "settings", "fragment"), ERRORS)
def test_errors_name_the_problem_and_the_fix(
    model: str | None, settings: dict[str, Any], fragment: str
) -> None:
    with pytest.raises(BasetenRoutingError) as info:
        resolve_endpoint(model, **settings)
    assert fragment in str(info.value)


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
    "https://model-abcd123.api.baseten.co/production/predict",  # 7 characters
    "https://model-abcd1234.api.baseten.co/environments/a%2Fb/predict",
    "https://model-abcd1234.api.baseten.co/environments/../predict",
    "https://model-abcd1234.api.baseten.co\\@evil.com/predict",
    "https://model-abcd1234-staging.api.baseten.co/environments/production/predict",
    "https://model-abcd1234.api.baseten.co/something/else/entirely",
    "https://model-abcd1234.api.b\u0430seten.co/predict",  # Cyrillic a
    "https://model-abcd1234.api.baseten.co/production/predict\n",
    "",
]


@pytest.mark.parametrize("url", HOSTILE_MODEL_URLS)
def test_hostile_model_urls_are_rejected(url: str) -> None:
    with pytest.raises(BasetenRoutingError, match="model_url="):
        resolve_endpoint(None, model_url=url)
