"""The published langchain-baseten 0.2.5's public-API expectations, ported.

Each test restates one expectation of that package's own unit tests
(basetenlabs/langchain-baseten, ``libs/baseten/tests/unit_tests/test_chat_models.py``)
and of its ``BasetenEmbeddings`` (``libs/baseten/langchain_baseten/embeddings.py``,
which has no unit tests of its own) against this package, through the local
server instead of mocked SDK clients.
Where this package deliberately behaves differently the test says so and checks
the replacement behaviour, so a user migrating sees every difference here:

* no default model: the published package silently picks a Model API model;
  here a missing ``model`` is an error that says how to name one;
* ``model_url=`` alone: the published ``model_name`` is ``"model-<id>"``, here
  it is the body model the deployment receives (the model ID, or
  ``served_model_name``);
* ``n > 1`` is refused outright on the Model APIs (one choice per request), not
  only with ``streaming=True``; deployments (vLLM, SGLang) accept it unless streaming;
* OpenAI names are refused with the replacement named (the published package
  refuses them too, with other wording);
* embeddings: no ``client`` attribute (0.2.5's Performance Client; here
  ``backend=`` picks who sends), and a failed request raises the package's
  ``Baseten*Error`` (an ``openai.APIError``) or a ``ValueError`` for bad input
  before sending, where 0.2.5 wrapped everything in ``RuntimeError``.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

import pytest
from pydantic import SecretStr, ValidationError

from langchain_baseten import BasetenEmbeddings, BasetenNotFoundError, ChatBaseten
from langchain_baseten import testing as fb
from tests.recording import redirect_baseten_to

if TYPE_CHECKING:
    from langchain_core.messages import AIMessageChunk

KEY = SecretStr("test_key")
MODEL = "zai-org/GLM-5.2"
DEDICATED = "https://model-abcd1234.api.baseten.co/environments/production"


def _local(fake: fb.FakeBaseten, **kwargs: Any) -> ChatBaseten:
    return ChatBaseten(model=MODEL, baseten_api_key=KEY, base_url=fake.url("/v1"), **kwargs)


def test_init() -> None:
    chat = ChatBaseten(model=MODEL, baseten_api_key=KEY, temperature=0.7, max_tokens=100)
    assert chat.model_name == MODEL
    assert chat.temperature == 0.7
    assert chat.max_tokens == 100


def test_init_missing_api_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BASETEN_API_KEY", raising=False)
    with pytest.raises(ValueError, match="BASETEN_API_KEY"):
        ChatBaseten(model=MODEL)


def test_llm_type() -> None:
    assert ChatBaseten(model=MODEL, baseten_api_key=KEY)._llm_type == "baseten-chat"


def test_accepts_api_key_alias() -> None:
    chat = ChatBaseten(model=MODEL, api_key=KEY)
    assert chat.baseten_api_key is not None
    assert chat.baseten_api_key.get_secret_value() == "test_key"


def test_accepts_base_url_and_baseten_api_base() -> None:
    for name in ("base_url", "baseten_api_base"):
        chat = ChatBaseten(model=MODEL, baseten_api_key=KEY, **{name: "https://proxy.example/v1"})
        assert chat.baseten_api_base == "https://proxy.example/v1"


def test_reads_base_url_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BASETEN_BASE_URL", "https://env.example/v1")
    assert ChatBaseten(model=MODEL, baseten_api_key=KEY).baseten_api_base == (
        "https://env.example/v1"
    )


def test_falls_back_to_api_base_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BASETEN_BASE_URL", raising=False)
    monkeypatch.setenv("BASETEN_API_BASE", "https://api-base.example/v1")
    assert ChatBaseten(model=MODEL, baseten_api_key=KEY).baseten_api_base == (
        "https://api-base.example/v1"
    )


def test_base_url_env_wins_over_api_base_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BASETEN_BASE_URL", "https://base-url.example/v1")
    monkeypatch.setenv("BASETEN_API_BASE", "https://api-base.example/v1")
    assert ChatBaseten(model=MODEL, baseten_api_key=KEY).baseten_api_base == (
        "https://base-url.example/v1"
    )


def test_base_url_arg_wins_over_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BASETEN_BASE_URL", "https://env.example/v1")
    chat = ChatBaseten(model=MODEL, baseten_api_key=KEY, base_url="https://explicit.example/v1")
    assert chat.baseten_api_base == "https://explicit.example/v1"


def test_rejects_openai_api_key_field() -> None:
    kwargs: Any = {"model": MODEL, "openai_api_key": "test_key"}
    with pytest.raises(ValueError, match=r"'openai_api_key'.*api_key="):
        ChatBaseten(**kwargs)


def test_rejects_openai_api_base_field() -> None:
    kwargs: Any = {"model": MODEL, "baseten_api_key": KEY, "openai_api_base": "https://p/v1"}
    with pytest.raises(ValueError, match=r"'openai_api_base'.*base_url="):
        ChatBaseten(**kwargs)


@pytest.mark.parametrize("kwargs", [{"n": 0}, {"n": 2, "streaming": True}, {"n": 2}])
def test_rejects_invalid_n(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValidationError, match=r"not supported|out of range"):
        ChatBaseten(model=MODEL, baseten_api_key=KEY, **kwargs)


def test_dedicated_model_url_with_a_model_label(fake_baseten: fb.FakeBaseten) -> None:
    chat = ChatBaseten(model="custom-model", model_url=f"{DEDICATED}/predict", baseten_api_key=KEY)
    assert chat.baseten_api_base == f"{DEDICATED}/sync/v1"
    with redirect_baseten_to(fake_baseten.base_url):
        chat.invoke("hi")
    assert fake_baseten.requests[-1].json()["model"] == "custom-model"


def test_model_url_wins_over_base_url_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BASETEN_BASE_URL", "https://env.example/v1")
    chat = ChatBaseten(model="custom-model", model_url=f"{DEDICATED}/predict", baseten_api_key=KEY)
    assert chat.baseten_api_base == f"{DEDICATED}/sync/v1"


def test_dedicated_model_url_only() -> None:
    chat = ChatBaseten(model_url=f"{DEDICATED}/sync/v1", baseten_api_key=KEY)
    assert chat.baseten_api_base == f"{DEDICATED}/sync/v1"
    assert chat.model_name == "abcd1234"  # published: "model-abcd1234" (a label it never sends)


def test_model_apis_default() -> None:
    assert ChatBaseten(model=MODEL, baseten_api_key=KEY).baseten_api_base == (
        "https://inference.baseten.co/v1"
    )


def test_no_default_model_name() -> None:
    # Published: silently "zai-org/GLM-5.2". Here: an error that says how to name one.
    with pytest.raises(ValidationError, match="No model given"):
        ChatBaseten(baseten_api_key=KEY)


def test_reasoning_content_in_invoke_and_stream(fake_baseten: fb.FakeBaseten) -> None:
    chat = _local(fake_baseten)
    fake_baseten.enqueue(fb.chat("Main content", reasoning="This is the reasoning content"))
    message = chat.invoke("hi")
    assert message.additional_kwargs["reasoning_content"] == "This is the reasoning content"
    fake_baseten.enqueue(fb.stream("Main content", reasoning="Streaming reasoning content"))
    full: Any = None
    for chunk in chat.stream("hi"):
        full = chunk if full is None else full + chunk
    assert full.additional_kwargs["reasoning_content"] == "Streaming reasoning content"
    assert full.response_metadata["model_provider"] == "baseten"


@pytest.mark.parametrize("usage_mode", ["both", "cumulative"])
def test_stream_usage_is_counted_once(fake_baseten: fb.FakeBaseten, usage_mode: Any) -> None:
    usage = fb.make_usage(12, 5)
    fake_baseten.enqueue(fb.stream("Hello there", usage=usage, usage_mode=usage_mode))
    chunks = list(_local(fake_baseten).stream("Hello"))
    full: Any = None
    for chunk in chunks:
        full = chunk if full is None else full + chunk
    assert full.content == "Hello there"
    assert full.usage_metadata["input_tokens"] == 12
    assert full.usage_metadata["output_tokens"] == 5
    assert full.usage_metadata["total_tokens"] == 17
    assert sum(c.usage_metadata is not None for c in chunks) == 1


async def test_overlapping_async_streams_keep_usage_separate(fake_baseten: fb.FakeBaseten) -> None:
    chat = _local(fake_baseten)
    fake_baseten.enqueue(
        fb.stream("first", usage=fb.make_usage(10, 1)),
        fb.stream("second", usage=fb.make_usage(20, 2)),
    )

    async def collect() -> AIMessageChunk:
        full: Any = None
        async for chunk in chat.astream("hi"):
            full = chunk if full is None else full + chunk
        return full  # type: ignore[no-any-return]

    results = await asyncio.gather(collect(), collect())
    totals = sorted(
        (r.usage_metadata["input_tokens"], r.usage_metadata["output_tokens"])  # type: ignore[index]
        for r in results
    )
    assert totals == [(10, 1), (20, 2)]


def test_tensorrt_llm_tool_call_deltas_with_unique_ids_merge(fake_baseten: fb.FakeBaseten) -> None:
    # TensorRT-LLM: every delta has its own id; one event may hold two deltas of one call.
    deltas = [
        [
            {"index": 0, "id": "call-1", "type": "function", "function": {"name": "read_file"}},
            {"index": 0, "id": "call-2", "function": {"arguments": '{"path": '}},
        ],
        [{"index": 0, "id": "call-3", "function": {"arguments": '"/srv/test.txt"'}}],
        [{"index": 0, "id": "call-4", "function": {"arguments": "}"}}],
    ]
    fake_baseten.enqueue(fb.stream(None, tool_call_deltas=deltas, finish_reason="tool_calls"))
    full: Any = None
    for chunk in _local(fake_baseten).stream("read it"):
        full = chunk if full is None else full + chunk
    assert len(full.tool_calls) == 1
    assert full.tool_calls[0]["name"] == "read_file"
    assert full.tool_calls[0]["args"] == {"path": "/srv/test.txt"}
    assert full.tool_calls[0]["id"] == "call-1"
    assert full.invalid_tool_calls == []


def test_tracing_provider_and_secrets() -> None:
    chat = ChatBaseten(model=MODEL, baseten_api_key=KEY)
    assert chat._get_ls_params()["ls_provider"] == "baseten"
    assert "BASETEN_API_KEY" in chat.lc_secrets.values()


def test_json_mode(fake_baseten: fb.FakeBaseten) -> None:
    chat = _local(fake_baseten).bind(response_format={"type": "json_object"})
    message = chat.invoke("Return a JSON object with key 'random_ints'")
    assert fake_baseten.requests[-1].json()["response_format"] == {"type": "json_object"}
    assert message.text.strip().startswith("{")


# ---------------------------------------------------------------- embeddings (0.2.5's BasetenEmbeddings)

EMBEDDER = "https://model-abcd1234.api.baseten.co/environments/production"


@pytest.mark.parametrize("tail", ["/sync", "/sync/v1", "/predict"])
def test_embeddings_with_a_label_and_any_dashboard_url(
    fake_baseten: fb.FakeBaseten, tail: str
) -> None:
    with redirect_baseten_to(fake_baseten.base_url):
        emb = BasetenEmbeddings(
            model="my-embedder", model_url=EMBEDDER + tail, api_key=KEY, backend="python"
        )
        vectors = emb.embed_documents(["hello world", "goodbye world"])
    assert len(vectors) == 2
    request = fake_baseten.requests[0]
    assert request.path == "/environments/production/sync/v1/embeddings"
    assert request.json()["model"] == "my-embedder"


def test_embeddings_of_nothing_is_nothing() -> None:
    emb = BasetenEmbeddings(model_url=EMBEDDER + "/sync", api_key=KEY)
    assert emb.embed_documents([]) == []
    assert asyncio.run(emb.aembed_documents([])) == []


def test_embeddings_errors_are_the_packages_not_runtime_error(
    fake_baseten: fb.FakeBaseten,
) -> None:
    # Adapted (see the module docstring): 0.2.5 raised RuntimeError for everything.
    fake_baseten.enqueue(fb.error(404, {"error": "not found"}))
    with redirect_baseten_to(fake_baseten.base_url):
        emb = BasetenEmbeddings(
            model_url=EMBEDDER + "/sync", api_key=KEY, backend="python", max_retries=0
        )
        with pytest.raises(BasetenNotFoundError):
            emb.embed_query("hi")
    with pytest.raises(ValueError, match="empty"):
        emb.embed_documents([""])
    assert not hasattr(emb, "client")
