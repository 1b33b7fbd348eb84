"""The API key never leaks, and no OpenAI credential or header ever reaches Baseten.

A recognisable fake key (``CANARY``) is searched for everywhere a key could end
up: representations, serialization, tracing runs and callbacks, exception
messages with their whole cause chain, and DEBUG logs of every HTTP layer. The
local server checks what actually goes over the wire.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
import traceback
from typing import TYPE_CHECKING, Any

import openai
import pytest
from langchain_core.load import Serializable, dumpd, dumps
from langchain_core.tracers.base import BaseTracer
from pydantic import SecretStr, ValidationError

from langchain_baseten import BasetenEmbeddings, ChatBaseten
from langchain_baseten import testing as fb
from tests.call_styles import STYLES, answer
from tests.leaks import assert_no_secret
from tests.local_models import (
    KEY,
    chat_model,
    classifier_model,
    embeddings_model,
    rerank_model,
)
from tests.spies import CallbackSpy

if TYPE_CHECKING:
    from collections.abc import Callable

CANARY = "bt-SECRET-canary-1234567890"
#: Any 10-character piece of the key's text part, or its digits: pydantic and
#: others shorten long values, which can still show a good part of a key.
FRAGMENTS = (
    *(CANARY[i : i + 10] for i in range(len("bt-SECRET-canary-1"))),
    "1234567890",
)
LOGGERS = ("openai", "httpx2", "httpcore2", "httpx", "httpcore", "langchain_baseten", "")


def _assert_clean(*texts: object) -> None:
    for text in texts:
        for fragment in FRAGMENTS:
            assert fragment not in str(text), f"key fragment {fragment!r} found in: {text!s:.300}"


def _full_text(exc: BaseException) -> str:
    """The exception as a traceback prints it, with its whole cause/context chain."""
    return "".join(traceback.format_exception(exc))


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# ---------------------------------------------------------------- representations


def _representations(obj: Any) -> list[object]:
    return [
        repr(obj),
        str(obj),
        obj.model_dump(),
        obj.model_dump_json(),
        obj.__dict__,
        obj.__pydantic_private__,
        dumps(obj),
        dumpd(obj),
        dumps(obj, pretty=True),
    ]


@pytest.mark.parametrize("how", ["api_key", "baseten_api_key", "env"])
def test_key_not_in_any_representation(
    fake_baseten: fb.FakeBaseten, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    kwargs: dict[str, Any] = {}
    if how == "env":
        monkeypatch.setenv("BASETEN_API_KEY", CANARY)
    else:
        kwargs[how] = CANARY
    llm = ChatBaseten(model="openai/gpt-oss-120b", base_url=fake_baseten.url("/v1"), **kwargs)
    embeddings = BasetenEmbeddings(model="baseten/abcd1234", **kwargs)
    assert llm.api_key is not None
    assert llm.api_key.get_secret_value() == CANARY  # the key is there, just never shown
    _assert_clean(*_representations(llm), *_representations(embeddings))
    bound = llm.bind_tools([])
    assert isinstance(bound, Serializable)  # a RunnableBinding, typed as a plain Runnable
    _assert_clean(
        llm._get_ls_params(),
        llm._get_ls_params(stop=["x"], temperature=0.1, model="x/y"),
        llm._serialized,
        llm._identifying_params,
        llm.to_json(),
        bound.to_json(),
        llm._connection()[1].settings,
        llm.model_copy(),
    )
    serialized = dumpd(llm)
    assert serialized["kwargs"]["api_key"] == {"lc": 1, "type": "secret", "id": ["BASETEN_API_KEY"]}


# ---------------------------------------------------------------- tracing and callbacks


class Runs(BaseTracer):
    """A tracer that keeps the runs LangSmith would receive."""

    def __init__(self) -> None:
        super().__init__()
        self.runs: list[Any] = []

    def _persist_run(self, run: Any) -> None:
        self.runs.append(run)


async def test_key_not_in_callbacks_tracing_runs_or_events(fake_baseten: fb.FakeBaseten) -> None:
    llm = chat_model(fake_baseten, api_key=CANARY)
    handler, tracer = CallbackSpy(), Runs()
    config: Any = {"callbacks": [handler, tracer]}
    llm.invoke("hi", config=config)
    list(llm.stream("hi", config=config))
    await llm.ainvoke("hi", config=config)
    events = [e async for e in llm.astream_events("hi", version="v2", config=config)]
    fake_baseten.enqueue(fb.error(401, {"error": "Invalid API key"}))
    with pytest.raises(openai.AuthenticationError):
        llm.invoke("hi", config=config)
    assert len(tracer.runs) == 5
    assert handler.calls
    _assert_clean(
        handler.calls,
        [run.model_dump() for run in tracer.runs],
        [run.model_dump_json() for run in tracer.runs],
        events,
    )


# ---------------------------------------------------------------- errors and logs


async def test_key_not_in_errors_or_debug_logs(
    fake_baseten: fb.FakeBaseten, caplog: pytest.LogCaptureFixture
) -> None:
    llm = chat_model(fake_baseten, api_key=CANARY)
    for name in LOGGERS:
        caplog.set_level(logging.DEBUG, logger=name)
    errors: list[BaseException] = []
    fake_baseten.enqueue(fb.error(401, {"error": "Invalid API key"}))
    with pytest.raises(openai.AuthenticationError) as info:
        llm.invoke("hi")
    errors.append(info.value)
    fake_baseten.enqueue(fb.error(401, {"error": "Invalid API key"}))
    with pytest.raises(openai.AuthenticationError) as info:
        await llm.ainvoke("hi")
    errors.append(info.value)
    fake_baseten.enqueue(fb.error(401, {"error": "Invalid API key"}))
    with pytest.raises(openai.AuthenticationError) as info:
        list(llm.stream("hi"))
    errors.append(info.value)
    fake_baseten.enqueue(fb.stream(pieces=["a", "b"], drop_after=1))
    with pytest.raises(openai.APIConnectionError) as broken:
        [c async for c in llm.astream("hi")]
    errors.append(broken.value)
    fake_baseten.enqueue(fb.error(503), fb.chat("after a retry"))
    retrying = ChatBaseten(
        model="m/x", base_url=fake_baseten.url("/v1"), api_key=CANARY, max_retries=1
    )
    assert retrying.invoke("hi").text == "after a retry"  # logs the retry
    llm.invoke("hi")
    list(llm.stream("hi"))
    await llm.ainvoke("hi")
    dead = ChatBaseten(
        model="m/x", base_url=f"http://127.0.0.1:{_closed_port()}/v1", api_key=CANARY, max_retries=0
    )
    with pytest.raises(openai.APIConnectionError) as refused:
        dead.invoke("hi")
    errors.append(refused.value)
    fake_baseten.enqueue(fb.stall(3))
    slow = ChatBaseten(
        model="m/x", base_url=fake_baseten.url("/v1"), api_key=CANARY, max_retries=0, timeout=0.3
    )
    with pytest.raises(openai.APITimeoutError) as timed_out:
        await slow.ainvoke("hi")
    errors.append(timed_out.value)
    assert {r.name.split(".")[0] for r in caplog.records} >= {"openai", "httpcore2"}
    _assert_clean(caplog.text, *[r.getMessage() for r in caplog.records])
    for error in errors:
        _assert_clean(str(error), repr(error), _full_text(error), error.args)


def test_the_packages_own_decision_logs_never_show_a_secret(
    fake_baseten: fb.FakeBaseten, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="langchain_baseten")
    with pytest.warns(UserWarning, match="my_flag"):
        llm = ChatBaseten(
            model="openai/gpt-oss-120b",
            baseten_api_base=fake_baseten.url("/v1").replace("://", f"://user:{CANARY}@"),
            api_key=CANARY,
            default_headers={"X-Note": "plain", "Authorization": CANARY},
            my_flag=CANARY,  # an unknown keyword: its value is sent, never logged
            max_retries=0,
        )
    llm = llm.model_copy(update={"base_url": fake_baseten.url("/v1")})
    fake_baseten.enqueue(fb.chat("a"))
    llm.invoke("hi", other_flag=CANARY, model="baseten/abcd1234")
    ours = [r for r in caplog.records if r.name.startswith("langchain_baseten")]
    assert len(ours) >= 4  # mapped name, its URL's meaning, two body keys (one per call)
    _assert_clean(caplog.text, *[r.getMessage() for r in ours])


@pytest.mark.parametrize(
    "padded", [CANARY + "\n", CANARY + "\r\n", f"  {CANARY}\t", f"\n{CANARY}\n"]
)
def test_a_key_with_surrounding_whitespace_is_sent_trimmed(
    fake_baseten: fb.FakeBaseten, monkeypatch: pytest.MonkeyPatch, padded: str
) -> None:
    # A key read from a file keeps its newline; sent as is, every request fails with
    # an error quoting the whole Authorization header, key included.
    monkeypatch.setenv("BASETEN_API_KEY", padded)
    llm = ChatBaseten(model="openai/gpt-oss-120b", base_url=fake_baseten.url("/v1"))
    assert llm.invoke("hi").text == "echo: hi"
    assert fake_baseten.requests[0].headers["authorization"] == f"Bearer {CANARY}"


@pytest.mark.parametrize(
    "bad",
    [
        "bt-SECRET-canary-12345\n67890",
        "bt-SECRET-canary-12345\r\nX-Injected: 1",
        "bt-SECRET-canary-12345\x7f67890",
        "bt-SECRET-canary-12345\t67890",
        "bt-SECRET-canary-ключ-1234567890",
    ],
)
def test_a_key_http_cannot_carry_is_refused_without_quoting_it(
    fake_baseten: fb.FakeBaseten, monkeypatch: pytest.MonkeyPatch, bad: str
) -> None:
    monkeypatch.setenv("BASETEN_API_KEY", bad)
    with pytest.raises(ValidationError) as info:
        ChatBaseten(model="openai/gpt-oss-120b", base_url=fake_baseten.url("/v1"))
    assert "line break, a control character or a non-ASCII character" in str(info.value)
    assert "BASETEN_API_KEY" in str(info.value)
    _assert_clean(_full_text(info.value))
    assert "SECRET" not in _full_text(info.value)
    with pytest.raises(ValidationError) as info:
        BasetenEmbeddings(model="baseten/abcd1234")
    assert "SECRET" not in _full_text(info.value)
    assert fake_baseten.requests == []


@pytest.mark.parametrize(
    "build",
    [
        lambda: ChatBaseten(api_key=CANARY, n=2),
        lambda: ChatBaseten(api_key=CANARY, model="a/b", temperature=9),
        lambda: BasetenEmbeddings(api_key=CANARY, timeout=-1, model="abcd1234"),
    ],
    ids=["chat without a model", "chat with a bad temperature", "embeddings with a bad timeout"],
)
def test_construction_errors_never_quote_the_key(build: Any) -> None:
    with pytest.raises(ValidationError) as info:
        build()
    _assert_clean(_full_text(info.value))


# ---------------------------------------------------------------- OpenAI's environment

OPENAI_ENV = {
    "OPENAI_API_KEY": "sk-openai-must-not-leak",
    "OPENAI_ORG_ID": "org-must-not-leak",
    "OPENAI_PROJECT_ID": "proj-must-not-leak",
    "OPENAI_ADMIN_KEY": "sk-admin-must-not-leak",
    "OPENAI_WEBHOOK_SECRET": "whsec-must-not-leak",
    "OPENAI_CUSTOM_HEADERS": "Authorization: Bearer sk-openai-leak\nX-Corp: corp-secret",
}
LEAKS = ("sk-openai", "sk-admin", "must-not-leak", "corp-secret", "whsec")


async def test_only_the_baseten_key_is_sent(
    fake_baseten: fb.FakeBaseten, monkeypatch: pytest.MonkeyPatch
) -> None:
    with fb.fake_baseten_server() as decoy:
        for name, value in OPENAI_ENV.items():
            monkeypatch.setenv(name, value)
        monkeypatch.setenv("OPENAI_BASE_URL", decoy.url("/v1"))
        monkeypatch.setenv("BASETEN_API_KEY", CANARY)
        llm = ChatBaseten(model="openai/gpt-oss-120b", base_url=fake_baseten.url("/v1"))
        embeddings = BasetenEmbeddings(model="baseten/abcd1234", base_url=fake_baseten.url("/v1"))
        llm.invoke("hi")
        list(llm.stream("hi"))
        await llm.ainvoke("hi")
        [c async for c in llm.astream("hi")]
        llm.list_models()
        embeddings.embed_query("hi")
        await embeddings.aembed_documents(["a", "b"])
        assert decoy.requests == []
    assert len(fake_baseten.requests) == 7
    for request in fake_baseten.requests:
        assert request.headers["authorization"] == f"Bearer {CANARY}"
        assert "openai-organization" not in request.headers
        assert "openai-project" not in request.headers
        assert "x-corp" not in request.headers
        for leak in LEAKS:
            assert leak not in str(request.headers)
            assert leak not in request.body.decode()


def test_only_an_openai_key_is_refused_before_sending(
    fake_baseten: fb.FakeBaseten, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("BASETEN_API_KEY", raising=False)
    for name, value in OPENAI_ENV.items():
        monkeypatch.setenv(name, value)
    builders: list[Callable[[], object]] = [
        lambda: ChatBaseten(model="openai/gpt-oss-120b", base_url=fake_baseten.url("/v1")),
        lambda: BasetenEmbeddings(model="baseten/abcd1234", base_url=fake_baseten.url("/v1")),
    ]
    for build in builders:
        with pytest.raises(ValidationError) as info:
            build()
        assert "BASETEN_API_KEY" in str(info.value)
        assert "OPENAI_API_KEY is never used" in str(info.value)
        for leak in LEAKS:
            assert leak not in _full_text(info.value)
    assert fake_baseten.requests == []


# ---------------------------------------------------------------- instances sharing one pool

KEYS = {"m/a": "key-A-0001", "m/b": "key-B-0002", "m/c": "key-C-0003"}


async def test_instances_sharing_the_pool_send_their_own_keys(
    fake_baseten: fb.FakeBaseten,
) -> None:
    models = {
        model: ChatBaseten(model=model, base_url=fake_baseten.url("/v1"), api_key=key)
        for model, key in KEYS.items()
    }
    errors: list[BaseException] = []

    def sync_worker(model: str) -> None:
        try:
            for i in range(4):
                models[model].invoke(f"sync {i}")
                list(models[model].stream(f"sync stream {i}"))
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)

    threads = [threading.Thread(target=sync_worker, args=(m,)) for m in KEYS for _ in range(2)]
    for thread in threads:
        thread.start()

    async def async_calls(model: str) -> None:
        for i in range(4):
            await models[model].ainvoke(f"async {i}")
            [c async for c in models[model].astream(f"async stream {i}")]

    await asyncio.wait_for(asyncio.gather(*(async_calls(m) for m in KEYS for _ in range(2))), 30)
    for thread in threads:
        thread.join(30)
    assert errors == []
    # An instance's per-call model override keeps that instance's key.
    models["m/a"].invoke("override", model="m/b")
    requests = fake_baseten.requests
    assert len(requests) == 3 * 2 * 8 * 2 + 1
    for request in requests[:-1]:
        model = request.json()["model"]
        assert request.headers["authorization"] == f"Bearer {KEYS[model]}"
    assert requests[-1].json()["model"] == "m/b"
    assert requests[-1].headers["authorization"] == f"Bearer {KEYS['m/a']}"


# ---------------------------------------------------------------- secrets set after construction

#: kind -> (the model on the local server, a call that answers).
SET_AFTER: dict[str, tuple[Callable[[fb.FakeBaseten], Any], Callable[[Any], bool]]] = {
    "chat": (chat_model, lambda m: m.invoke("hi").text == "echo: hi"),
    "embeddings": (embeddings_model, lambda m: len(m.embed_query("hi")) > 0),
    "rerank": (rerank_model, lambda m: len(m.rerank("q", ["a"])) == 1),
    "classifier": (classifier_model, lambda m: len(m.classify(["a"])) == 1),
}
HOW_SET = ["model_copy", "model_copy baseten_api_key", "assignment"]


def _set(model: Any, how: str, name: str, value: Any) -> Any:
    if how == "assignment":
        setattr(model, name, value)
        return model
    if how == "model_copy baseten_api_key" and name == "api_key":
        name = "baseten_api_key"
    return model.model_copy(update={name: value})


@pytest.mark.parametrize("how", HOW_SET)
@pytest.mark.parametrize("kind", list(SET_AFTER))
def test_a_key_set_after_construction_is_wrapped_and_used(
    fake_baseten: fb.FakeBaseten, kind: str, how: str
) -> None:
    build, call = SET_AFTER[kind]
    model = _set(build(fake_baseten), how, "api_key", CANARY)
    assert isinstance(model.api_key, SecretStr)
    assert model.api_key.get_secret_value() == CANARY
    assert "baseten_api_key" not in model.__dict__
    _assert_clean(*_representations(model))
    assert call(model)
    assert fake_baseten.requests[-1].headers["authorization"] == f"Bearer {CANARY}"


@pytest.mark.parametrize("how", ["model_copy", "assignment"])
@pytest.mark.parametrize("kind", list(SET_AFTER))
def test_credential_headers_set_after_construction_are_secret(
    fake_baseten: fb.FakeBaseten, kind: str, how: str
) -> None:
    build, call = SET_AFTER[kind]
    headers = {"X-Api-Key": CANARY, "X-Note": "plain"}
    model = _set(build(fake_baseten), how, "default_headers", headers)
    assert model.default_headers == {"X-Api-Key": SecretStr(CANARY), "X-Note": "plain"}
    _assert_clean(*_representations(model))
    assert call(model)
    assert fake_baseten.requests[-1].headers["x-api-key"] == CANARY


@pytest.mark.parametrize("how", ["model_copy", "assignment"])
@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("api_key", 12345678901234, "api_key must be a string or a pydantic SecretStr, got int"),
        ("default_headers", {"X-Api-Key": 5}, "must be a string, got int"),
        ("default_headers", {"bad name": CANARY}, "not a valid HTTP header name"),
    ],
)
def test_a_bad_secret_set_after_construction_is_refused_unquoted(
    fake_baseten: fb.FakeBaseten, how: str, name: str, value: Any, says: str
) -> None:
    model = chat_model(fake_baseten)
    with pytest.raises(ValueError, match=says) as info:
        _set(model, how, name, value)
    _assert_clean(_full_text(info.value))
    assert "12345678901234" not in _full_text(info.value)
    assert model.api_key is not None
    assert model.api_key.get_secret_value() == KEY  # the model is unchanged


@pytest.mark.parametrize("style", STYLES)
async def test_callbacks_and_traces_see_the_error_already_scrubbed(
    fake_baseten: fb.FakeBaseten, style: str
) -> None:
    # A tracer writes the error's traceback when the run fails, before the caller sees it.
    tracer, handler = Runs(), CallbackSpy()
    fake_baseten.enqueue(fb.echo("error", status=400))
    llm = chat_model(fake_baseten, api_key=CANARY)
    with pytest.raises(openai.BadRequestError) as info:
        await answer(llm, style, config={"callbacks": [tracer, handler]})
    [run] = tracer.runs
    assert "Bearer ***" in run.error  # the echoed header, as the tracer wrote it down
    _assert_clean(run.error, run.model_dump_json())
    assert [args[0] for name, args, _ in handler.calls if name == "on_llm_error"] == [info.value]
    assert_no_secret(info.value, [CANARY])
