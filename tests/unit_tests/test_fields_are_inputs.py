"""Fields are inputs: every way LangChain or pydantic rebuilds a model routes and authenticates alike.

Each rebuilt model sends a real request to the local server (Baseten hosts are
redirected to it), and the test checks the path it reached and the key it sent.
"""

from __future__ import annotations

import copy
import pickle
from typing import TYPE_CHECKING, Any

import pytest
from langchain.chat_models import init_chat_model
from langchain_core.load import dumpd, load
from langchain_core.runnables import ConfigurableField
from langchain_core.runnables.configurable import RunnableConfigurableFields
from pydantic import SecretStr

from langchain_baseten import BasetenEmbeddings, ChatBaseten
from langchain_baseten._http.connection import CONNECTION_FIELDS, BasetenConnection
from langchain_baseten._http.settings import EnvEndpoint, FieldsKey
from tests.local_models import KEY
from tests.recording import redirect_baseten_to

if TYPE_CHECKING:
    from collections.abc import Callable

    from langchain_baseten import testing as fb

OTHER_KEY = "bt-test-key-fields-2"
MODEL_API = "/v1/chat/completions"
DEDICATED = "/environments/production/sync/v1/chat/completions"


def _sent(fake: fb.FakeBaseten) -> tuple[str, str, str]:
    """(path, bearer key, body model) of the last request."""
    request = fake.requests[-1]
    return (
        request.path,
        request.headers["authorization"].removeprefix("Bearer "),
        request.json()["model"],
    )


def test_base_url_is_not_overwritten_and_the_endpoint_is_visible() -> None:
    llm = ChatBaseten(model="baseten/abcd1234", api_key=KEY)
    assert llm.base_url is None
    assert llm.endpoint.base_url.endswith("/environments/production/sync/v1")
    assert llm.endpoint.kind == "dedicated"


@pytest.mark.parametrize("field", ["model", "model_name"])
def test_configurable_model_routes_by_the_new_value(
    fake_baseten: fb.FakeBaseten, field: str
) -> None:
    llm = ChatBaseten(model="baseten/openai/gpt-oss-120b", api_key=KEY)
    configurable = llm.configurable_fields(**{field: ConfigurableField(id="model")})
    with redirect_baseten_to(fake_baseten.base_url):
        configurable.invoke("hi", config={"configurable": {"model": "baseten/abcd1234"}})
        assert _sent(fake_baseten) == (DEDICATED, KEY, "abcd1234")
        configurable.invoke("hi")
        assert _sent(fake_baseten) == (MODEL_API, KEY, "openai/gpt-oss-120b")


def test_configurable_model_gets_its_own_profile() -> None:
    llm = ChatBaseten(model="baseten/openai/gpt-oss-120b", api_key=KEY)
    assert llm.profile is not None
    configurable = llm.configurable_fields(model=ConfigurableField(id="model"))
    assert isinstance(configurable, RunnableConfigurableFields)  # typed as its base class
    rebuilt, _ = configurable._prepare({"configurable": {"model": "baseten/abcd1234"}})
    assert isinstance(rebuilt, ChatBaseten)
    assert rebuilt.profile is None  # a dedicated deployment has no shipped profile


def test_configurable_key_and_temperature(fake_baseten: fb.FakeBaseten) -> None:
    llm = ChatBaseten(model="openai/gpt-oss-120b", base_url=fake_baseten.url("/v1"), api_key=KEY)
    configurable = llm.configurable_fields(
        api_key=ConfigurableField(id="key"), temperature=ConfigurableField(id="temperature")
    )
    configurable.invoke(
        "hi", config={"configurable": {"key": SecretStr(OTHER_KEY), "temperature": 0.25}}
    )
    assert _sent(fake_baseten)[1] == OTHER_KEY
    assert fake_baseten.requests[-1].json()["temperature"] == 0.25


def test_configurable_alternatives(fake_baseten: fb.FakeBaseten) -> None:
    main = ChatBaseten(model="baseten/openai/gpt-oss-120b", api_key=KEY)
    dedicated = ChatBaseten(model="baseten/abcd1234", api_key=OTHER_KEY)
    chooser = main.configurable_alternatives(
        ConfigurableField(id="which"), default_key="main", dedicated=dedicated
    )
    with redirect_baseten_to(fake_baseten.base_url):
        chooser.invoke("hi", config={"configurable": {"which": "dedicated"}})
        assert _sent(fake_baseten) == (DEDICATED, OTHER_KEY, "abcd1234")
        chooser.invoke("hi")
        assert _sent(fake_baseten) == (MODEL_API, KEY, "openai/gpt-oss-120b")


def test_init_chat_model_with_configurable_fields(
    fake_baseten: fb.FakeBaseten, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BASETEN_API_KEY", KEY)
    llm = init_chat_model(
        "baseten:openai/gpt-oss-120b", configurable_fields=("model", "api_key", "temperature")
    )
    with redirect_baseten_to(fake_baseten.base_url):
        llm.invoke(
            "hi",
            config={"configurable": {"model": "baseten:abcd1234", "api_key": OTHER_KEY}},
        )
    assert _sent(fake_baseten) == (DEDICATED, OTHER_KEY, "abcd1234")


def test_model_copy_uses_the_new_key_and_host(fake_baseten: fb.FakeBaseten) -> None:
    llm = ChatBaseten(model="openai/gpt-oss-120b", base_url="http://127.0.0.1:9/v1", api_key=KEY)
    llm.endpoint  # noqa: B018  # derive (and cache) the old connection first
    copied = llm.model_copy(
        update={"api_key": SecretStr(OTHER_KEY), "base_url": fake_baseten.url("/v1")}
    )
    copied.invoke("hi")
    assert _sent(fake_baseten) == (MODEL_API, OTHER_KEY, "openai/gpt-oss-120b")
    assert llm.endpoint.base_url == "http://127.0.0.1:9/v1"  # the original is unchanged


def test_setting_a_field_after_construction_takes_effect(fake_baseten: fb.FakeBaseten) -> None:
    llm = ChatBaseten(model="openai/gpt-oss-120b", base_url=fake_baseten.url("/v1"), api_key=KEY)
    llm.invoke("hi")
    llm.api_key = SecretStr(OTHER_KEY)
    llm.invoke("hi")
    assert _sent(fake_baseten)[1] == OTHER_KEY


def test_the_derived_endpoint_depends_on_every_connection_field() -> None:
    llm = ChatBaseten(model="baseten/openai/gpt-oss-120b", api_key=KEY)
    assert set(BasetenConnection.model_fields) == CONNECTION_FIELDS
    assert {"model", "api_key", "base_url", "max_event_bytes"} <= CONNECTION_FIELDS
    key = FieldsKey(CONNECTION_FIELDS)
    env = EnvEndpoint()
    before = key(llm.__dict__, env)
    for name in sorted(CONNECTION_FIELDS):
        value = {"x-changed": "1"} if name in FieldsKey.DICT_FIELDS else object()
        assert key({**llm.__dict__, name: value}, env) != before, name
    with pytest.raises(ValueError, match="default_query"):
        FieldsKey(CONNECTION_FIELDS - {"default_query"})


def test_model_copy_of_the_model_follows_the_profile() -> None:
    llm = ChatBaseten(model="baseten/openai/gpt-oss-120b", api_key=KEY)
    assert llm.model_copy(update={"model": "baseten/abcd1234"}).profile is None
    given = ChatBaseten(model="baseten/abcd1234", api_key=KEY, profile={"max_input_tokens": 9})
    assert given.model_copy(update={"model": "baseten/x/y"}).profile == {"max_input_tokens": 9}


REBUILDS: dict[str, Callable[[ChatBaseten], ChatBaseten]] = {
    "model_dump": lambda llm: ChatBaseten(**llm.model_dump()),
    "dumpd/load": lambda llm: load(
        dumpd(llm),
        secrets_map={"BASETEN_API_KEY": KEY},
        valid_namespaces=["langchain_baseten"],
        allowed_objects="all",
    ),
    "pickle": lambda llm: pickle.loads(pickle.dumps(llm)),  # noqa: S301 - our own bytes
    "deepcopy": copy.deepcopy,
    "model_copy": lambda llm: llm.model_copy(),
}


@pytest.mark.filterwarnings("ignore::langchain_core._api.beta_decorator.LangChainBetaWarning")
@pytest.mark.parametrize("how", list(REBUILDS))
@pytest.mark.parametrize(
    ("kwargs", "path", "body_model"),
    [
        ({"model": "baseten/openai/gpt-oss-120b"}, MODEL_API, "openai/gpt-oss-120b"),
        ({"model": "baseten/abcd1234"}, DEDICATED, "abcd1234"),
        (
            {"model_url": "https://model-abcd1234.api.baseten.co/environments/staging/predict"},
            "/environments/staging/sync/v1/chat/completions",
            "abcd1234",
        ),
    ],
    ids=["model_api", "dedicated", "model_url"],
)
def test_every_rebuild_keeps_route_key_and_profile(
    fake_baseten: fb.FakeBaseten, how: str, kwargs: dict[str, Any], path: str, body_model: str
) -> None:
    llm = ChatBaseten(api_key=KEY, temperature=0.5, **kwargs)
    llm.endpoint  # noqa: B018  # a used model (cached connection) must rebuild as well
    rebuilt = REBUILDS[how](llm)
    assert isinstance(rebuilt, ChatBaseten)
    assert rebuilt.endpoint == llm.endpoint
    assert rebuilt.profile == llm.profile
    assert rebuilt.temperature == 0.5
    with redirect_baseten_to(fake_baseten.base_url):
        rebuilt.invoke("hi")
    assert _sent(fake_baseten) == (path, KEY, body_model)


@pytest.mark.parametrize("how", ["model_dump", "pickle", "deepcopy", "model_copy"])
def test_embeddings_rebuild_alike(fake_baseten: fb.FakeBaseten, how: str) -> None:
    emb = BasetenEmbeddings(model="baseten/abcd1234", api_key=KEY)
    emb.endpoint  # noqa: B018
    rebuild: dict[str, Callable[[BasetenEmbeddings], Any]] = {
        "model_dump": lambda e: BasetenEmbeddings(**e.model_dump()),
        "pickle": lambda e: pickle.loads(pickle.dumps(e)),  # noqa: S301 - our own bytes
        "deepcopy": copy.deepcopy,
        "model_copy": lambda e: e.model_copy(),
    }
    rebuilt = rebuild[how](emb)
    assert rebuilt.endpoint == emb.endpoint
    with redirect_baseten_to(fake_baseten.base_url):
        rebuilt.embed_query("x")
    request = fake_baseten.requests[-1]
    assert request.path == "/environments/production/sync/v1/embeddings"
    assert request.headers["authorization"] == f"Bearer {KEY}"


def test_embeddings_model_copy_uses_the_new_key(fake_baseten: fb.FakeBaseten) -> None:
    emb = BasetenEmbeddings(base_url=fake_baseten.url("/v1"), model="e5", api_key=KEY)
    emb.embed_query("x")
    emb.model_copy(update={"api_key": SecretStr(OTHER_KEY)}).embed_query("x")
    assert fake_baseten.requests[-1].headers["authorization"] == f"Bearer {OTHER_KEY}"
