"""The keyword policy: extras in the body, other clients' names mapped or refused, secrets never echoed.

Construction and call time alike; requests go to the local server so the body
that would reach Baseten is what is checked.
"""

from __future__ import annotations

import json
import logging
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypedDict

import pytest
from langchain_core.language_models import BaseChatModel
from langchain_core.load import dumpd, dumps, load
from pydantic import AliasChoices, BaseModel, SecretStr, ValidationError

from langchain_baseten import BasetenEmbeddings, BasetenRerank, ChatBaseten
from langchain_baseten._http.connection import CONNECTION_FIELDS, CONNECTION_NAMES
from langchain_baseten._request_params import PARAMETERS, RENAMED, SAMPLING_FIELDS, Param
from tests.local_models import KEY, chat_model
from tests.recording import redirect_baseten_to

if TYPE_CHECKING:
    from langchain_baseten import testing as fb

SECRET = "sk-should-never-appear-0123456789"
DEDICATED_URL = "https://model-abcd1234.api.baseten.co/environments/production/sync/v1"


def _shows_secret(*texts: object) -> bool:
    return any(SECRET in str(text) for text in texts)


# ---------------------------------------------------------------------- credentials

CREDENTIAL_NAMES = [
    "openai_api_key",
    "access_token",
    "password",
    "secret",
    "token",
    "client_secret",
    "hf_token",
    "aws_secret_access_key",
    "authorization",
    "apiKey",
]


@pytest.mark.parametrize("name", CREDENTIAL_NAMES)
def test_a_credential_keyword_is_refused_at_construction_without_its_value(name: str) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(ValidationError) as info:
            ChatBaseten(model="openai/gpt-oss-120b", api_key=KEY, **{name: SECRET})
    assert repr(name) in str(info.value)
    assert "api_key=" in str(info.value)
    assert not _shows_secret(info.value, repr(info.value), *[w.message for w in caught])


@pytest.mark.parametrize("where", ["model_kwargs", "extra_body"])
def test_a_credential_in_model_kwargs_or_extra_body_is_refused(where: str) -> None:
    with pytest.raises(ValidationError) as info:
        ChatBaseten(model="openai/gpt-oss-120b", api_key=KEY, **{where: {"access_token": SECRET}})
    assert f"{where}['access_token']" in str(info.value)
    assert not _shows_secret(info.value)


@pytest.mark.parametrize(
    "call",
    [
        {"access_token": SECRET},
        {"password": SECRET},
        {"extra_body": {"token": SECRET}},
    ],
    ids=["invoke", "bind", "extra_body"],
)
def test_a_credential_at_call_time_is_refused_and_nothing_is_sent(
    fake_baseten: fb.FakeBaseten, call: dict[str, Any]
) -> None:
    runnable = chat_model(fake_baseten).bind(**call)
    with pytest.raises(ValueError, match="looks like a credential") as info:
        runnable.invoke("hi")
    assert not _shows_secret(info.value)
    assert fake_baseten.requests == []


def test_embeddings_and_rerank_refuse_credentials_alike() -> None:
    for cls in (BasetenEmbeddings, BasetenRerank):
        with pytest.raises(ValidationError, match="looks like a credential") as info:
            # An unknown keyword on purpose: the test checks that it is refused.
            cls(model="baseten/abcd1234", api_key=KEY, access_token=SECRET)  # type: ignore[call-arg]
        assert not _shows_secret(info.value)


# ---------------------------------------------------------------------- other clients' names


def test_openai_names_are_refused_with_the_replacement() -> None:
    with pytest.raises(ValidationError, match=r"'openai_api_key'.*api_key=") as info:
        ChatBaseten(model="m/x", openai_api_key=SECRET)
    assert not _shows_secret(info.value)
    with pytest.raises(ValidationError, match=r"'openai_api_base'.*base_url="):
        ChatBaseten(model="m/x", api_key=KEY, openai_api_base="http://127.0.0.1:9/v1")
    with pytest.raises(ValidationError, match=r"'openai_proxy'.*http_client="):
        ChatBaseten(model="m/x", api_key=KEY, openai_proxy="http://proxy:3128")


@pytest.mark.parametrize("name", ["baseten_api_base", "api_base"])
def test_base_url_under_other_names_routes_there(fake_baseten: fb.FakeBaseten, name: str) -> None:
    llm = ChatBaseten(model="openai/gpt-oss-120b", api_key=KEY, **{name: fake_baseten.url("/v1")})
    assert llm.endpoint.base_url == fake_baseten.url("/v1")
    assert llm.model_kwargs == {}
    llm.invoke("hi")
    assert fake_baseten.requests[-1].path == "/v1/chat/completions"
    assert name not in fake_baseten.requests[-1].json()


def test_the_policy_decisions_are_logged_at_debug_level(
    fake_baseten: fb.FakeBaseten, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="langchain_baseten")
    llm = ChatBaseten(
        model="openai/gpt-oss-120b",
        api_key=KEY,
        baseten_api_base=fake_baseten.url("/v1"),
        top_k=20,
        max_retries=0,
    )
    llm.invoke("hi", my_flag=1)
    messages = [(r.name, r.levelno, r.getMessage()) for r in caplog.records]
    assert (
        "langchain_baseten._keyword_policy",
        logging.DEBUG,
        "baseten_api_base= is another client's name for base_url=: mapped",
    ) in messages
    assert (
        "langchain_baseten._keyword_policy",
        logging.DEBUG,
        "baseten_api_base= is not a Baseten URL: used as base_url=",
    ) in messages
    assert (
        "langchain_baseten._keyword_policy",
        logging.DEBUG,
        "ChatBaseten: keyword 'top_k' is not a field: sent as a request body key",
    ) in messages
    assert (
        "langchain_baseten._keyword_policy",
        logging.DEBUG,
        "ChatBaseten call: keyword 'my_flag' is not a known parameter: sent as a body key",
    ) in messages


def test_a_per_call_endpoint_override_is_logged_at_debug_level(
    fake_baseten: fb.FakeBaseten, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="langchain_baseten")
    llm = ChatBaseten(model="baseten/openai/gpt-oss-120b", api_key=KEY, max_retries=0)
    with redirect_baseten_to(fake_baseten.base_url):
        llm.invoke("hi")
        assert not [r for r in caplog.records if "per-call" in r.getMessage()]
        llm.invoke("hi", model="baseten/abcd1234")
    (record,) = [r for r in caplog.records if "per-call" in r.getMessage()]
    assert record.name == "langchain_baseten.chat_models"
    assert record.levelno == logging.DEBUG
    assert record.getMessage() == (
        "per-call model='baseten/abcd1234' sends this call to a dedicated endpoint "
        "instead of this model's model_api"
    )


def test_a_published_api_base_naming_the_model_apis_keeps_model_api_routing() -> None:
    llm = ChatBaseten(
        model="openai/gpt-oss-120b", api_key=KEY, baseten_api_base="https://inference.baseten.co/v1"
    )
    assert llm.endpoint.kind == "model_api"
    assert llm.profile is not None


def test_a_published_api_base_naming_a_deployment_is_that_deployment() -> None:
    llm = ChatBaseten(api_key=KEY, baseten_api_base=DEDICATED_URL)
    assert llm.endpoint.kind == "dedicated"
    assert llm.endpoint.base_url == DEDICATED_URL


def test_base_url_given_twice_is_refused() -> None:
    with pytest.raises(ValidationError, match="keep one"):
        ChatBaseten(
            model="m/x",
            api_key=KEY,
            base_url="http://127.0.0.1:9/v1",
            baseten_api_base="http://127.0.0.1:8/v1",
        )


def test_llamaindex_names_map_to_model_and_route() -> None:
    llm = ChatBaseten(model_id="abcd1234", model_apis=True, api_key=KEY)
    assert llm.endpoint.kind == "model_api"
    assert llm.model == "abcd1234"
    with pytest.raises(ValidationError, match="True or False"):
        ChatBaseten(model_id="abcd1234", model_apis="yes", api_key=KEY)


@pytest.mark.parametrize("env", ["BASETEN_API_BASE", "BASETEN_BASE_URL"])
def test_base_url_environment_variables(
    fake_baseten: fb.FakeBaseten, monkeypatch: pytest.MonkeyPatch, env: str
) -> None:
    monkeypatch.setenv(env, fake_baseten.url("/v1"))
    llm = ChatBaseten(model="openai/gpt-oss-120b", api_key=KEY)
    assert llm.base_url is None  # the field holds what was given
    llm.invoke("hi")
    assert fake_baseten.requests[-1].path == "/v1/chat/completions"


def test_base_url_env_wins_over_api_base_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BASETEN_BASE_URL", "http://127.0.0.1:7/v1")
    monkeypatch.setenv("BASETEN_API_BASE", "http://127.0.0.1:8/v1")
    assert ChatBaseten(model="m/x", api_key=KEY).endpoint.base_url == "http://127.0.0.1:7/v1"


def test_the_environment_is_read_at_construction_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BASETEN_API_BASE", "http://127.0.0.1:8/v1")
    llm = ChatBaseten(model="m/x", api_key=KEY)
    monkeypatch.delenv("BASETEN_API_BASE")
    assert llm.endpoint.base_url == "http://127.0.0.1:8/v1"


def test_model_label_with_model_url_is_the_served_model_name(fake_baseten: fb.FakeBaseten) -> None:
    llm = ChatBaseten(model="my-llama", model_url=DEDICATED_URL, api_key=KEY)
    assert llm.model == "my-llama"  # the field keeps the input
    assert llm.model_name == "my-llama"
    assert llm.endpoint.model_id == "abcd1234"
    with redirect_baseten_to(fake_baseten.base_url):
        llm.invoke("hi")
    assert fake_baseten.requests[-1].json()["model"] == "my-llama"


# ---------------------------------------------------------------------- extras and unknown names


def test_known_extras_go_in_the_body_without_a_warning(fake_baseten: fb.FakeBaseten) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        llm = chat_model(fake_baseten, top_k=20, chat_template_args={"enable_thinking": True})
    assert llm.model_kwargs == {"top_k": 20, "chat_template_args": {"enable_thinking": True}}
    llm.invoke("hi", min_p=0.1)
    body = fake_baseten.requests[-1].json()
    assert (body["top_k"], body["chat_template_args"], body["min_p"]) == (
        20,
        {"enable_thinking": True},
        0.1,
    )


def test_unknown_names_warn_at_construction_and_go_in_the_body(
    fake_baseten: fb.FakeBaseten,
) -> None:
    with pytest.warns(UserWarning, match="'my_flag' is not a known ChatBaseten parameter"):
        llm = chat_model(fake_baseten, my_flag=True)
    llm.invoke("hi", other_flag=1)
    body = fake_baseten.requests[-1].json()
    assert body["my_flag"] is True
    assert body["other_flag"] == 1


@pytest.mark.parametrize(
    ("typo", "meant"),
    [("temprature", "temperature"), ("max_token", "max_tokens"), ("top_pp", "top_p")],
)
def test_a_typo_of_a_parameter_says_did_you_mean_at_construction(
    fake_baseten: fb.FakeBaseten, typo: str, meant: str
) -> None:
    # max_token is a typo of max_tokens, not a credential.
    with pytest.raises(ValidationError, match=f"did you mean {meant!r}") as info:
        chat_model(fake_baseten, **{typo: 0.2})
    assert "credential" not in str(info.value)
    assert "model_kwargs" in str(info.value)
    # Meant as it is: model_kwargs sends it without a question.
    chat_model(fake_baseten, model_kwargs={typo: 1}).invoke("hi")
    assert fake_baseten.requests[-1].json()[typo] == 1


@pytest.mark.parametrize(
    ("typo", "meant"),
    [("temprature", "temperature"), ("max_token", "max_tokens"), ("tool_choise", "tool_choice")],
)
def test_a_typo_of_a_parameter_is_refused_per_call_before_sending(
    fake_baseten: fb.FakeBaseten, typo: str, meant: str
) -> None:
    llm = chat_model(fake_baseten)
    typo_kwargs: dict[str, Any] = {typo: 0.2}
    with pytest.raises(ValueError, match=f"did you mean {meant!r}.*extra_body"):
        llm.invoke("hi", **typo_kwargs)
    with pytest.raises(ValueError, match=f"did you mean {meant!r}"):
        llm.bind(**{typo: 0.2}).invoke("hi")
    assert fake_baseten.requests == []
    llm.invoke("hi", extra_body={typo: 1})  # the way to send it anyway
    assert fake_baseten.requests[-1].json()[typo] == 1


def test_a_name_merely_like_a_parameter_is_not_taken_for_a_typo(
    fake_baseten: fb.FakeBaseten,
) -> None:
    # top_a is a real engine parameter (not top_k); my_flag is like nothing.
    with pytest.warns(UserWarning, match="'top_a' is not a known ChatBaseten parameter"):
        llm = chat_model(fake_baseten, top_a=0.1)
    llm.invoke("hi", top_a=0.2)
    assert fake_baseten.requests[-1].json()["top_a"] == 0.2


# Every connection field, alias and other client's name for one (model= is the per-call
# model override, tested with the routing).
@pytest.mark.parametrize("name", sorted((CONNECTION_NAMES | set(RENAMED)) - {"model"}))
def test_connection_settings_cannot_change_per_call(
    fake_baseten: fb.FakeBaseten, name: str
) -> None:
    with pytest.raises(ValueError, match=r"cannot change per call.*model_copy") as info:
        # A connection setting per call on purpose: the test checks that it is refused.
        chat_model(fake_baseten).invoke("hi", **{name: SECRET})  # type: ignore[arg-type]
    assert not _shows_secret(info.value)
    assert fake_baseten.requests == []


def test_top_k_out_of_range_fails_at_construction() -> None:
    with pytest.raises(ValidationError, match="top_k=-5 is out of range"):
        ChatBaseten(model="m/x", api_key=KEY, top_k=-5)


# ---------------------------------------------------------------------- default headers


def test_a_secret_default_header_is_sent_but_never_shown(fake_baseten: fb.FakeBaseten) -> None:
    llm = chat_model(fake_baseten, default_headers={"X-Auth-Token": SECRET, "X-Team": "blue"})
    shown = [repr(llm), str(llm.model_dump()), llm.model_dump_json(), dumps(llm)]
    assert not _shows_secret(*shown)
    assert "blue" in repr(llm)
    assert "BASETEN_HEADER_X_AUTH_TOKEN" in dumps(llm)
    llm.invoke("hi")
    headers = fake_baseten.requests[-1].headers
    assert (headers["x-auth-token"], headers["x-team"]) == (SECRET, "blue")
    rebuilt = ChatBaseten(**llm.model_dump())  # the SecretStr round-trips
    rebuilt.invoke("hi")
    assert fake_baseten.requests[-1].headers["x-auth-token"] == SECRET


@pytest.mark.filterwarnings("ignore::langchain_core._api.beta_decorator.LangChainBetaWarning")
def test_a_secret_header_survives_dumpd_and_load_through_the_environment(
    fake_baseten: fb.FakeBaseten, monkeypatch: pytest.MonkeyPatch
) -> None:
    llm = chat_model(fake_baseten, default_headers={"X-Auth-Token": SECRET})
    data = dumpd(llm)
    loader: dict[str, Any] = {
        "secrets_map": {"BASETEN_API_KEY": KEY},
        "valid_namespaces": ["langchain_baseten"],
        "allowed_objects": "all",
    }
    with pytest.raises(ValidationError, match="set the BASETEN_HEADER_X_AUTH_TOKEN") as info:
        load(data, **loader)
    assert not _shows_secret(info.value)
    monkeypatch.setenv("BASETEN_HEADER_X_AUTH_TOKEN", SECRET)
    load(data, **loader).invoke("hi")
    assert fake_baseten.requests[-1].headers["x-auth-token"] == SECRET


def test_an_authorization_default_header_is_hidden() -> None:
    llm = ChatBaseten(
        model="m/x", api_key=KEY, default_headers={"Authorization": f"Api-Key {SECRET}"}
    )
    assert isinstance(llm.default_headers["Authorization"], SecretStr)  # type: ignore[index]
    assert not _shows_secret(repr(llm), dumps(llm))


@pytest.mark.parametrize("name", ["X Team", "X-Team:", "", "Ünicode", "a\nb"])
def test_default_header_names_are_validated(name: str) -> None:
    with pytest.raises(ValidationError, match="not a valid HTTP header name"):
        ChatBaseten(model="m/x", api_key=KEY, default_headers={name: "v"})


def test_default_header_values_must_be_strings() -> None:
    with pytest.raises(ValidationError, match="must be a string"):
        ChatBaseten(model="m/x", api_key=KEY, default_headers={"X-Count": 3})


# ---------------------------------------------------------------------- LangChain habits


def test_invocation_params_carry_every_request_setting_and_no_secret() -> None:
    llm = ChatBaseten(
        model="baseten/openai/gpt-oss-120b",
        api_key=KEY,
        temperature=0.2,
        top_k=20,
        chat_template_args={"enable_thinking": True},
        model_kwargs={"min_p": 0.05},
        extra_body={"repetition_penalty": 1.1},
        stop=["END"],
        default_headers={"Authorization": SECRET},
    )
    params = llm._get_invocation_params(stop=None)
    for key, value in {
        "temperature": 0.2,
        "top_k": 20,
        "chat_template_args": {"enable_thinking": True},
        "min_p": 0.05,
        "repetition_penalty": 1.1,
        "model_name": "openai/gpt-oss-120b",
        "endpoint_kind": "model_api",
    }.items():
        assert params[key] == value
    assert KEY not in json.dumps(params, default=str)
    assert not _shows_secret(json.dumps(params, default=str))


def test_cache_keys_differ_by_construction_extras() -> None:
    a = ChatBaseten(model="m/x", api_key=KEY, top_k=5)
    b = ChatBaseten(model="m/x", api_key=KEY, top_k=50)
    assert a._get_llm_string() != b._get_llm_string()


class Answer(BaseModel):
    city: str


class AnswerDict(TypedDict):
    city: str


@pytest.mark.parametrize("schema", [Answer, AnswerDict], ids=["pydantic", "typeddict"])
def test_bind_response_format_with_a_class(fake_baseten: fb.FakeBaseten, schema: type) -> None:
    message = chat_model(fake_baseten).bind(response_format=schema).invoke("Where?")
    sent = fake_baseten.requests[-1].json()["response_format"]
    assert sent["type"] == "json_schema"
    assert sent["json_schema"]["name"] == schema.__name__
    assert sent["json_schema"]["schema"]["properties"]["city"]["type"] == "string"
    assert "city" in json.loads(message.text)
    if schema is Answer:  # as with ChatOpenAI: the parsed instance next to the text
        assert isinstance(message.additional_kwargs["parsed"], Answer)


# ---------------------------------------------------------------------- the parameter table

# ChatBaseten fields that are not request parameters: they pick or shape the call.
_NOT_PARAMETERS = {
    "reasoning",
    "session_id",
    "session_id_from_thread",
    "streaming",
    "stream_usage",
    "model_kwargs",
    "extra_body",
    # ChatOpenAI's client options (langchain_baseten._openai_options, test_openai_options.py)
    "include_response_headers",
    "disabled_params",
    "use_responses_api",
    "stream_chunk_timeout",
}


def test_every_request_field_of_chat_baseten_is_in_the_parameter_table() -> None:
    own = set(ChatBaseten.model_fields) - set(BaseChatModel.model_fields)
    request_fields = own - CONNECTION_FIELDS - _NOT_PARAMETERS
    table_fields = {p.name for p in PARAMETERS if p.kind != "extra"}
    assert request_fields == table_fields
    for param in PARAMETERS:
        if param.kind == "extra":
            assert param.name not in own  # (metadata is also LangChain's run metadata)
            continue
        alias = ChatBaseten.model_fields[param.name].validation_alias
        choices = set(alias.choices) if isinstance(alias, AliasChoices) else set()
        assert choices - {param.name} == set(param.aliases), param.name
    assert set(SAMPLING_FIELDS) == {p.name for p in PARAMETERS if p.kind == "sampling"}


@pytest.mark.parametrize(
    ("name", "reported", "value"),
    [
        (name, p.name, bad)
        for p in PARAMETERS
        if p.ranged
        for name in (p.name, *p.aliases)
        for bad in ((p.low - 1,) if p.low is not None else ())
        + ((p.high + 1,) if p.high is not None else ())
    ],
)
def test_every_range_in_the_table_is_checked_at_construction(
    name: str, reported: str, value: float
) -> None:
    # An alias sets its field, which the error names.
    with pytest.raises(ValidationError, match=rf"{reported}={value!r} is out of range"):
        ChatBaseten(model="m/x", api_key=KEY, **{name: value})


def test_the_tracing_params_carry_every_sampling_field_of_the_table() -> None:
    values: dict[str, Any] = {
        "temperature": 0.5,
        "max_tokens": 7,
        "top_p": 0.9,
        "seed": 3,
        "frequency_penalty": 0.1,
        "presence_penalty": 0.2,
        "logit_bias": {"1": 1.0},
        "logprobs": True,
        "top_logprobs": 2,
        "reasoning_effort": "low",
    }
    assert set(values) == set(SAMPLING_FIELDS)
    params = ChatBaseten(model="m/x", api_key=KEY, **values)._get_invocation_params()
    assert {name: params[name] for name in SAMPLING_FIELDS} == values


def _docs_parameter_rows() -> str:
    """docs/parameters.md's table as the table in parameters.py renders it."""

    def bounds(p: Param) -> str:
        if not p.ranged:
            return "any"
        text = f">= {p.low:g}" if p.high is None else f"{p.low:g} to {p.high:g}"
        return text + ", whole" if p.whole else text

    rows = [
        "| parameter | accepted | given as | what it does |",
        "|---|---|---|---|",
        *(
            f"| `{p.name}`{''.join(f' or `{a}`' for a in p.aliases)} | {bounds(p)} | "
            f"{'body key' if p.kind == 'extra' else 'field'} | {p.doc} |"
            for p in PARAMETERS
        ),
    ]
    return "\n".join(rows) + "\n"


def test_the_docs_parameter_table_is_the_table_in_parameters_py() -> None:
    page = (Path(__file__).resolve().parents[2] / "docs" / "parameters.md").read_text(
        encoding="utf-8"
    )
    expected = _docs_parameter_rows()
    assert expected in page, (
        "docs/parameters.md's table differs from langchain_baseten/_request_params.py's "
        "PARAMETERS; replace it with:\n" + expected
    )


def test_body_layers_win_in_their_documented_order(fake_baseten: fb.FakeBaseten) -> None:
    # Each layer sets "probe" (and "stop", which the instance field and stop= also set);
    # taking the top layer away each time shows the next one wins.
    layers = ["model_kwargs", "extra_body", "call_kwargs", "call_extra_body"]
    for top in range(len(layers), 0, -1):
        used = layers[:top]
        llm = chat_model(
            fake_baseten,
            stop=["field"],
            model_kwargs={"probe": "model_kwargs"} if "model_kwargs" in used else {},
            extra_body={"probe": "extra_body"} if "extra_body" in used else None,
        )
        kwargs: dict[str, Any] = {}
        if "call_kwargs" in used:
            kwargs["probe"] = "call_kwargs"
        if "call_extra_body" in used:
            kwargs["extra_body"] = {"probe": "call_extra_body"}
        llm.invoke("hi", **kwargs)
        assert fake_baseten.requests[-1].json()["probe"] == used[-1]
    llm = chat_model(fake_baseten, stop=["field"])
    llm.invoke("hi")
    assert fake_baseten.requests[-1].json()["stop"] == ["field"]
    llm = chat_model(fake_baseten, stop=["field"], extra_body={"stop": ["extra_body"]})
    llm.invoke("hi")
    assert fake_baseten.requests[-1].json()["stop"] == ["extra_body"]
    llm.invoke("hi", stop=["call"])
    assert fake_baseten.requests[-1].json()["stop"] == ["call"]
    llm.invoke("hi", stop=["call"], extra_body={"stop": ["call_extra_body"]})
    assert fake_baseten.requests[-1].json()["stop"] == ["call_extra_body"]
    # (model_kwargs may not hold a field's name: refused at construction.)
    chat_model(fake_baseten, temperature=0.1, extra_body={"temperature": 0.9}).invoke("hi")
    assert fake_baseten.requests[-1].json()["temperature"] == 0.9
