"""docs/migrating.md: every row of its four tables is checked here.

From langchain-baseten 0.2.x (chat, embeddings), ChatOpenAI and OpenAIEmbeddings:
each row's "you wrote" cell names one check below (``ROWS``); the first test
fails when a row of the page has no check, or a check has no row.
"""

from __future__ import annotations

import asyncio
import re
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

import openai
import pytest
from langchain_core.exceptions import ModelRateLimitError
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from pydantic import BaseModel, SecretStr
from typing_extensions import TypedDict

from langchain_baseten import (
    BasetenEmbeddings,
    BasetenNotFoundError,
    BasetenRateLimitError,
    ChatBaseten,
    ToolContentWarning,
    get_baseten_callback,
)
from langchain_baseten import testing as fb
from tests.local_models import DEDICATED_PATH, KEY, chat_model, embeddings_model
from tests.recording import redirect_baseten_to

if TYPE_CHECKING:
    from collections.abc import Callable

pytestmark = pytest.mark.usefixtures("no_baseten_env")

MIGRATING = Path(__file__).resolve().parents[2] / "docs" / "migrating.md"
MODEL = "openai/gpt-oss-120b"
DEPLOYMENT = "https://model-abcd1234.api.baseten.co/environments/production"


class Person(BaseModel):
    name: str


class PersonDict(TypedDict):
    name: str


def _rows() -> list[str]:
    """The first cell of every row of the Migrating tables."""
    cells = []
    for line in MIGRATING.read_text(encoding="utf-8").splitlines():
        if line.startswith("| ") and not line.startswith(("| you wrote", "|---")):
            cells.append(re.split(r" \| ", line[2:], maxsplit=1)[0])
    return cells


# ---------------------------------------------------------------- 0.2.x, chat


def chat_slug(fake: fb.FakeBaseten) -> None:
    assert ChatBaseten(model="zai-org/GLM-5", api_key=KEY).endpoint.model == "zai-org/GLM-5"
    assert ChatBaseten(model="baseten/zai-org/GLM-5", api_key=KEY).endpoint.model == "zai-org/GLM-5"


def chat_default_model(fake: fb.FakeBaseten) -> None:
    with pytest.raises(ValueError, match="No model given"):
        ChatBaseten(api_key=KEY)


def chat_model_url(fake: fb.FakeBaseten) -> None:
    for tail in ("/predict", "/sync", "/sync/v1"):
        llm = ChatBaseten(model_url=DEPLOYMENT + tail, api_key=KEY)
        assert llm.endpoint.base_url == DEPLOYMENT + "/sync/v1"


def chat_label(fake: fb.FakeBaseten) -> None:
    with redirect_baseten_to(fake.base_url):
        ChatBaseten(model="my-label", model_url=DEPLOYMENT + "/predict", api_key=KEY).invoke("hi")
    assert fake.requests[0].json()["model"] == "my-label"


def chat_baseten_api_key(fake: fb.FakeBaseten) -> None:
    llm = ChatBaseten(model=MODEL, baseten_api_key=KEY)
    assert isinstance(llm.baseten_api_key, SecretStr)
    assert llm.baseten_api_key.get_secret_value() == KEY


def chat_baseten_api_base(fake: fb.FakeBaseten, monkeypatch: pytest.MonkeyPatch) -> None:
    llm = ChatBaseten(model=MODEL, api_key=KEY, baseten_api_base=fake.url("/v1"))
    assert llm.endpoint.base_url == fake.url("/v1")
    deployment = ChatBaseten(api_key=KEY, baseten_api_base=DEPLOYMENT + "/sync/v1")
    assert deployment.endpoint.kind == "dedicated"
    monkeypatch.setenv("BASETEN_API_BASE", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("BASETEN_BASE_URL", fake.url("/v1"))
    assert ChatBaseten(model=MODEL, api_key=KEY).endpoint.base_url == fake.url("/v1")


def chat_baseten_api_base_attribute(fake: fb.FakeBaseten) -> None:
    llm = ChatBaseten(model=MODEL, api_key=KEY)
    assert llm.baseten_api_base == llm.endpoint.base_url == "https://inference.baseten.co/v1"


def chat_model_name_with_model_url(fake: fb.FakeBaseten) -> None:
    assert ChatBaseten(model_url=DEPLOYMENT + "/predict", api_key=KEY).model_name == "abcd1234"
    named = ChatBaseten(
        model_url=DEPLOYMENT + "/predict", served_model_name="qwen", api_key=KEY
    ).model_name
    assert named == "qwen"


def chat_top_k(fake: fb.FakeBaseten) -> None:
    chat_model(fake, top_k=5).invoke("hi")
    assert fake.requests[0].json()["top_k"] == 5


def chat_response_headers(fake: fb.FakeBaseten) -> None:
    message = chat_model(fake, include_response_headers=True).invoke("hi")
    assert "x-baseten-request-id" in message.response_metadata["headers"]


def chat_client(fake: fb.FakeBaseten) -> None:
    llm = ChatBaseten(model=MODEL, api_key=KEY)
    assert not hasattr(llm, "client")
    assert not hasattr(llm, "root_client")
    assert llm.endpoint.base_url == "https://inference.baseten.co/v1"


# ---------------------------------------------------------------- 0.2.x, embeddings


def embeddings_label(fake: fb.FakeBaseten) -> None:
    with redirect_baseten_to(fake.base_url):
        for tail in ("/sync", "/sync/v1", "/predict"):
            emb = BasetenEmbeddings(
                model="my-label", model_url=DEPLOYMENT + tail, api_key=KEY, backend="python"
            )
            emb.embed_query("hi")
    assert {r.json()["model"] for r in fake.requests} == {"my-label"}
    assert {r.path for r in fake.requests} == {f"{DEDICATED_PATH}/embeddings"}


def embeddings_model_url_only(fake: fb.FakeBaseten) -> None:
    with redirect_baseten_to(fake.base_url):
        BasetenEmbeddings(
            model_url=DEPLOYMENT + "/sync", api_key=KEY, backend="python"
        ).embed_query("hi")
    assert fake.requests[0].json()["model"] == "abcd1234"


def embeddings_client(fake: fb.FakeBaseten) -> None:
    emb = embeddings_model(fake)
    assert not hasattr(emb, "client")
    assert BasetenEmbeddings(model="abcd1234", api_key=KEY).backend == "auto"


def embeddings_runtime_error(fake: fb.FakeBaseten) -> None:
    fake.enqueue(fb.error(404, {"error": "no such deployment"}))
    emb = embeddings_model(fake, max_retries=0)
    with pytest.raises(BasetenNotFoundError) as info:
        emb.embed_query("hi")
    assert isinstance(info.value, openai.APIError)
    assert not isinstance(info.value, RuntimeError)
    with pytest.raises(ValueError, match="empty"):
        emb.embed_documents([""])
    assert len(fake.requests) == 1


# ---------------------------------------------------------------- ChatOpenAI


def openai_swap_class(fake: fb.FakeBaseten) -> None:
    with redirect_baseten_to(fake.base_url):
        plain = ChatBaseten(model=MODEL, api_key=KEY)
        kept = ChatBaseten(model=MODEL, api_key=KEY, base_url="https://inference.baseten.co/v1")
        kept.invoke("hi", reasoning=False)
    assert plain.profile == kept.profile
    assert kept.profile is not None
    assert fake.requests[0].json()["reasoning_effort"] == "none"


def openai_api_key(fake: fb.FakeBaseten, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValueError, match="api_key="):
        ChatBaseten(model=MODEL, openai_api_key="sk-x")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-x")
    with pytest.raises(ValueError, match="BASETEN_API_KEY"):
        ChatBaseten(model=MODEL)


def openai_api_base(fake: fb.FakeBaseten) -> None:
    with pytest.raises(ValueError, match="base_url="):
        ChatBaseten(model=MODEL, api_key=KEY, openai_api_base="https://x/v1")


def openai_same_settings(fake: fb.FakeBaseten) -> None:
    llm = chat_model(
        fake,
        model_kwargs={"top_k": 3},
        extra_body={"min_p": 0.1},
        default_headers={"X-Team": "blue"},
        timeout=30,
        max_retries=1,
        stream_usage=False,
    )
    list(llm.stream("hi"))
    request = fake.requests[0]
    assert (request.json()["top_k"], request.json()["min_p"]) == (3, 0.1)
    assert request.headers["x-team"] == "blue"
    assert request.json()["stream_options"] == {"include_usage": False}


def openai_request_timeout(fake: fb.FakeBaseten) -> None:
    with pytest.raises(ValueError, match=r"timeout=30.*http_client"):
        ChatBaseten(model=MODEL, api_key=KEY, request_timeout=(5, 30))


def openai_client_options(fake: fb.FakeBaseten) -> None:
    llm = chat_model(
        fake,
        include_response_headers=True,
        disabled_params={"top_k": None},
        stream_chunk_timeout=60,
        top_k=5,
    )
    message = asyncio.run(llm.ainvoke("hi"))
    assert message.response_metadata["headers"]
    body = fake.requests[0].json()
    assert "top_k" not in body
    assert not {"include_response_headers", "disabled_params", "stream_chunk_timeout"} & set(body)
    assert ChatBaseten(model=MODEL, api_key=KEY).stream_chunk_timeout is None


def openai_responses_api(fake: fb.FakeBaseten) -> None:
    ChatBaseten(model=MODEL, api_key=KEY, use_responses_api=False)
    with pytest.raises(ValueError, match="Chat Completions"):
        ChatBaseten(model=MODEL, api_key=KEY, use_responses_api=True)


def openai_typo(fake: fb.FakeBaseten) -> None:
    with pytest.raises(ValueError, match="did you mean 'temperature'"):
        ChatBaseten(model=MODEL, api_key=KEY, temprature=0.2)
    typo: dict[str, Any] = {"temprature": 0.2}
    with pytest.raises(ValueError, match="did you mean 'temperature'"):
        chat_model(fake).invoke("hi", **typo)
    assert fake.requests == []


def openai_tool_image(fake: fb.FakeBaseten) -> None:
    history = [
        HumanMessage("chart?"),
        AIMessage("", tool_calls=[{"name": "chart", "args": {}, "id": "c1"}]),
        ToolMessage([{"type": "image", "url": "https://x/y.png"}], tool_call_id="c1"),
    ]
    with pytest.warns(ToolContentWarning):
        chat_model(fake, model="acme/unprofiled").invoke(history)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ToolContentWarning)
        chat_model(fake, model="acme/vision", profile={"image_tool_message": True}).invoke(history)
    stand_in, part = (r.json()["messages"][-1]["content"] for r in fake.requests)
    assert "left out" in stand_in
    assert part == [{"type": "image_url", "image_url": {"url": "https://x/y.png"}}]


def openai_bind_response_format(fake: fb.FakeBaseten) -> None:
    for schema in (Person, PersonDict):
        chat_model(fake).bind(response_format=schema).invoke("who?")
    for request in fake.requests:
        assert request.json()["response_format"]["type"] == "json_schema"


def openai_structured_output(fake: fb.FakeBaseten) -> None:
    structured = chat_model(fake).with_structured_output(Person)
    assert structured.get_output_schema() is Person
    assert isinstance(structured.invoke("who?"), Person)
    assert "tools" in fake.requests[0].json()


def openai_rate_limit(fake: fb.FakeBaseten) -> None:
    fake.enqueue(fb.error(429, {"error": "slow down"}))
    with pytest.raises(openai.RateLimitError) as info:
        chat_model(fake).invoke("hi")
    assert isinstance(info.value, BasetenRateLimitError)
    assert isinstance(info.value, ModelRateLimitError)


def openai_callback(fake: fb.FakeBaseten) -> None:
    with get_baseten_callback() as cb:
        chat_model(fake).invoke("hi")
    assert cb.total_tokens > 0
    assert cb.successful_requests == 1


# ---------------------------------------------------------------- OpenAIEmbeddings


def openai_embeddings_base_url(fake: fb.FakeBaseten) -> None:
    with redirect_baseten_to(fake.base_url):
        by_url = BasetenEmbeddings(model_url=DEPLOYMENT + "/sync", api_key=KEY, backend="python")
        by_base = BasetenEmbeddings(base_url=DEPLOYMENT + "/sync/v1", api_key=KEY, backend="python")
        assert by_url.embed_query("hi") == by_base.embed_query("hi")
    assert {r.json()["model"] for r in fake.requests} == {"abcd1234"}


def openai_embeddings_chunk_size(fake: fb.FakeBaseten) -> None:
    emb = embeddings_model(fake, chunk_size=2)
    emb.embed_documents(["a", "b", "c"])
    assert sorted(len(r.json()["input"]) for r in fake.requests) == [1, 2]


def openai_embeddings_ctx_length(fake: fb.FakeBaseten) -> None:
    embeddings_model(fake, check_embedding_ctx_length=False).embed_query("x" * 10_000)
    assert fake.requests[0].json()["input"] == ["x" * 10_000]
    with pytest.raises(ValueError, match="tiktoken"):
        embeddings_model(fake, check_embedding_ctx_length=True)


def openai_embeddings_dimensions(fake: fb.FakeBaseten) -> None:
    vector = embeddings_model(fake, dimensions=256).embed_query("hi")
    assert len(vector) == 256
    assert fake.requests[0].json()["dimensions"] == 256


def openai_embeddings_tiktoken(fake: fb.FakeBaseten) -> None:
    with pytest.raises(ValueError, match="estimated offline"):
        BasetenEmbeddings(model="abcd1234", api_key=KEY, tiktoken_model_name="cl100k_base")  # type: ignore[call-arg]


ROWS: dict[str, Callable[..., None]] = {
    # 0.2.x, chat
    '`ChatBaseten(model="zai-org/GLM-5")`': chat_slug,
    "`ChatBaseten()` (default model)": chat_default_model,
    '`model_url="https://model-<id>.api.baseten.co/.../predict"`': chat_model_url,
    '`model="my-label", model_url=...`': chat_label,
    "`baseten_api_key=...`, attribute `llm.baseten_api_key`": chat_baseten_api_key,
    "`baseten_api_base=...` / env `BASETEN_API_BASE`": chat_baseten_api_base,
    "attribute `llm.baseten_api_base`": chat_baseten_api_base_attribute,
    '`llm.model_name` with `model_url` only: `"model-<id>"`': chat_model_name_with_model_url,
    "`top_k=...` (TypeError there)": chat_top_k,
    "`include_response_headers=True`": chat_response_headers,
    "`llm.client`, `llm.root_client`": chat_client,
    # 0.2.x, embeddings
    '`BasetenEmbeddings(model="my-label", model_url=".../sync")`': embeddings_label,
    "`BasetenEmbeddings(model_url=...)` alone": embeddings_model_url_only,
    "`emb.client` (a `PerformanceClient`)": embeddings_client,
    "`except RuntimeError`": embeddings_runtime_error,
    # ChatOpenAI
    '`ChatOpenAI(model=..., base_url="https://inference.baseten.co/v1", api_key=...)`': (
        openai_swap_class
    ),
    "`openai_api_key=`, `OPENAI_API_KEY`": openai_api_key,
    "`openai_api_base=`": openai_api_base,
    (
        "`model_kwargs={...}`, `extra_body={...}`, `default_headers`, `timeout`, "
        "`max_retries`, `stream_usage`"
    ): openai_same_settings,
    "`request_timeout=(5, 30)` or an `httpx.Timeout`": openai_request_timeout,
    "`include_response_headers=True`, `disabled_params={...}`, `stream_chunk_timeout=`": (
        openai_client_options
    ),
    "`use_responses_api=False`": openai_responses_api,
    "`temprature=0.2` (a typo)": openai_typo,
    "a tool returning an image": openai_tool_image,
    "`bind(response_format=MyModel)` (Pydantic class or TypedDict)": openai_bind_response_format,
    "`with_structured_output(schema)`": openai_structured_output,
    "`except openai.RateLimitError`": openai_rate_limit,
    "`get_openai_callback()`": openai_callback,
    # OpenAIEmbeddings
    '`OpenAIEmbeddings(model=..., base_url="<deployment>/sync/v1", api_key=...)`': (
        openai_embeddings_base_url
    ),
    "`chunk_size=32`": openai_embeddings_chunk_size,
    "`check_embedding_ctx_length=False`": openai_embeddings_ctx_length,
    "`dimensions=256`": openai_embeddings_dimensions,
    "`tiktoken_model_name=`": openai_embeddings_tiktoken,
}


def test_every_migrating_row_has_a_check_and_every_check_a_row() -> None:
    rows = _rows()
    assert len(rows) == len(set(rows)), "a row appears twice"
    assert set(rows) == set(ROWS)


@pytest.mark.parametrize("row", list(ROWS))
def test_migrating_row(
    row: str, fake_baseten: fb.FakeBaseten, monkeypatch: pytest.MonkeyPatch
) -> None:
    check = ROWS[row]
    if "monkeypatch" in check.__code__.co_varnames[: check.__code__.co_argcount]:
        check(fake_baseten, monkeypatch)
    else:
        check(fake_baseten)
