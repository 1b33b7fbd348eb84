"""Discovery: ChatBaseten.list_models / alist_models against the local Baseten-compatible server."""

from __future__ import annotations

import openai
import pytest

from langchain_baseten import BasetenResponseError, ChatBaseten
from langchain_baseten import testing as fb
from tests.local_models import KEY
from tests.recording import redirect_baseten_to

IDS = ["openai/gpt-oss-120b", "moonshotai/Kimi-K2.6", "zai-org/GLM-5.2"]


def _only_request(server: fb.FakeBaseten) -> fb.RecordedRequest:
    (request,) = server.requests
    return request


def test_model_api_lists_ids(fake_baseten: fb.FakeBaseten) -> None:
    llm = ChatBaseten(
        model="baseten/openai/gpt-oss-120b", base_url=fake_baseten.url("/v1"), api_key=KEY
    )
    assert fake_baseten.requests == []  # nothing is asked at construction
    fake_baseten.enqueue(fb.models(IDS))
    assert llm.list_models() == IDS
    request = _only_request(fake_baseten)
    assert (request.method, request.path) == ("GET", "/v1/models")
    assert request.headers["authorization"] == f"Bearer {KEY}"


def test_dedicated_path_shape_lists_the_served_model_name(fake_baseten: fb.FakeBaseten) -> None:
    llm = ChatBaseten(
        model="baseten/abcd1234",
        base_url=fake_baseten.url("/environments/production/sync/v1"),
        api_key=KEY,
    )
    fake_baseten.enqueue(fb.models(["my-finetune"]))
    assert llm.list_models() == ["my-finetune"]
    request = _only_request(fake_baseten)
    assert (request.method, request.path) == ("GET", "/environments/production/sync/v1/models")


@pytest.mark.parametrize(
    ("kwargs", "path"),
    [
        ({"model": "baseten/openai/gpt-oss-120b"}, "/v1/models"),
        ({"model": "baseten/abcd1234"}, "/environments/production/sync/v1/models"),
        ({"model": "abcd1234", "environment": "staging"}, "/environments/staging/sync/v1/models"),
        (
            {"model_url": "https://model-abcd1234.api.baseten.co/environments/production/predict"},
            "/environments/production/sync/v1/models",
        ),
    ],
)
def test_real_baseten_routes(
    fake_baseten: fb.FakeBaseten, kwargs: dict[str, str], path: str
) -> None:
    llm = ChatBaseten(api_key=KEY, **kwargs)
    assert str(llm.endpoint.base_url).startswith("https://")
    with redirect_baseten_to(fake_baseten.base_url):
        assert llm.list_models() == fb.DEFAULT_MODELS
    assert _only_request(fake_baseten).path == path


async def test_async_lists_ids(fake_baseten: fb.FakeBaseten) -> None:
    llm = ChatBaseten(model="openai/gpt-oss-120b", base_url=fake_baseten.url("/v1"), api_key=KEY)
    fake_baseten.enqueue(fb.models(IDS))
    assert await llm.alist_models() == IDS
    assert _only_request(fake_baseten).path == "/v1/models"


async def test_async_real_dedicated_route(fake_baseten: fb.FakeBaseten) -> None:
    llm = ChatBaseten(model="baseten/abcd1234", api_key=KEY)
    with redirect_baseten_to(fake_baseten.base_url):
        assert await llm.alist_models() == fb.DEFAULT_MODELS
    assert _only_request(fake_baseten).path == "/environments/production/sync/v1/models"


def test_entries_without_a_string_id_are_skipped(fake_baseten: fb.FakeBaseten) -> None:
    llm = ChatBaseten(model="openai/gpt-oss-120b", base_url=fake_baseten.url("/v1"), api_key=KEY)
    body = b'{"object": "list", "data": [{"id": "a/b"}, {"id": 7}, "junk", {"name": "x"}, {"id": "c/d"}]}'
    fake_baseten.enqueue(fb.raw(200, body))
    assert llm.list_models() == ["a/b", "c/d"]


@pytest.mark.parametrize("body", [b'{"models": []}', b'{"data": {"id": "x"}}'])
def test_a_body_without_a_data_list_is_an_error(fake_baseten: fb.FakeBaseten, body: bytes) -> None:
    llm = ChatBaseten(model="openai/gpt-oss-120b", base_url=fake_baseten.url("/v1"), api_key=KEY)
    fake_baseten.enqueue(fb.raw(200, body))
    with pytest.raises(BasetenResponseError, match="'data' list"):
        llm.list_models()


@pytest.mark.parametrize(
    ("status", "error", "message"),
    [
        (401, openai.AuthenticationError, "HTTP 401: Invalid API key"),
        (404, openai.NotFoundError, "no such model or deployment"),
        (503, openai.InternalServerError, "temporarily unavailable"),
    ],
)
def test_errors_are_enriched(
    fake_baseten: fb.FakeBaseten, status: int, error: type[Exception], message: str
) -> None:
    llm = ChatBaseten(
        model="baseten/abcd1234",
        base_url=fake_baseten.url("/environments/production/sync/v1"),
        api_key=KEY,
        max_retries=0,
    )
    fake_baseten.enqueue(fb.error(status))
    with pytest.raises(error, match=message) as info:
        llm.list_models()
    assert info.value.baseten_request_id  # type: ignore[attr-defined]


async def test_async_errors_are_enriched(fake_baseten: fb.FakeBaseten) -> None:
    llm = ChatBaseten(
        model="openai/gpt-oss-120b", base_url=fake_baseten.url("/v1"), api_key=KEY, max_retries=0
    )
    fake_baseten.enqueue(fb.error(403))
    with pytest.raises(openai.PermissionDeniedError, match="HTTP 403"):
        await llm.alist_models()


def test_non_json_answer_is_a_clear_error(fake_baseten: fb.FakeBaseten) -> None:
    llm = ChatBaseten(model="openai/gpt-oss-120b", base_url=fake_baseten.url("/v1"), api_key=KEY)
    fake_baseten.enqueue(fb.raw(200, b"<html>gateway</html>", content_type="text/html"))
    with pytest.raises(openai.APIError, match="not JSON"):
        llm.list_models()
