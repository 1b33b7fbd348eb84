"""No secret in any error, even when the server quotes the request back (issue 24, item 2).

Every call of every class, in every call style, on both embeddings backends,
meets a server that echoes the request (``langchain_baseten.testing.echo``: a 200 that
is not JSON, JSON of the wrong shape, a stream event that is not JSON, an error
status quoting it) or no server at all (a connection error, whose cause keeps
the request). The secrets are the API key and credential default headers
(``X-Api-Key``, an ``Authorization`` header given as a header);
:func:`tests.leaks.assert_no_secret` looks through the whole exception chain,
its traceback text, ``repr`` and the requests and responses kept on it.
"""

from __future__ import annotations

import socket
from typing import TYPE_CHECKING, Any

import httpx2
import openai
import pytest

from langchain_baseten import testing as fb
from tests.call_styles import STYLES, answer
from tests.leaks import assert_no_secret, chain, exception_texts
from tests.local_models import (
    DEDICATED_PATH,
    KEY,
    chat_model,
    classifier_model,
    embeddings_model,
    rerank_model,
)

if TYPE_CHECKING:
    from collections.abc import Callable

#: Each test on the local server runs with the package's pools and with a user's own
#: classic httpx clients (the client_kind fixture, conftest.py): their errors and
#: requests pass through the package's httpx2 wrapper, never chained as classic ones.
# Slow (`make test-slow`, not `make test`): every class x call style x echoing server, on both
# embeddings backends.
pytestmark = [pytest.mark.each_client_kind("pools", "httpx"), pytest.mark.slow]

HEADER_KEY = "xk-HDR-qzv-0987654321"
AUTH_TOKEN = "tok-AUTH-wq-5555566666"
#: How the secrets are given: the key alone, plus an X-Api-Key header, plus an
#: Authorization header (which replaces the Bearer key on the wire).
SECRET_SETUPS: dict[str, dict[str, Any]] = {
    "api_key": {},
    "x-api-key header": {"default_headers": {"X-Api-Key": HEADER_KEY}},
    "authorization header": {"default_headers": {"Authorization": f"Bearer {AUTH_TOKEN}"}},
}
SECRETS = (KEY, HEADER_KEY, AUTH_TOKEN)
FAULTS = [*fb.ECHO_SHAPES, "connection"]
RUST = {"backend": "performance-client"}


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _chat_call(style: str) -> Callable[[Any], Any]:
    async def call(model: Any) -> Any:
        return await answer(model, style)

    return call


async def _list_models(model: Any) -> Any:
    return model.list_models()


async def _alist_models(model: Any) -> Any:
    return await model.alist_models()


async def _embed(model: Any) -> Any:
    return model.embed_documents(["one text", "another"])


async def _aembed(model: Any) -> Any:
    return await model.aembed_documents(["one text", "another"])


async def _rerank(model: Any) -> Any:
    return model.rerank("query", ["a", "b"])


async def _arerank(model: Any) -> Any:
    return await model.arerank("query", ["a", "b"])


async def _classify(model: Any) -> Any:
    return model.classify(["a", "b"])


async def _aclassify(model: Any) -> Any:
    return await model.aclassify(["a", "b"])


#: name -> (factory, call)
CALLS: dict[str, tuple[Callable[..., Any], Callable[[Any], Any]]] = {
    **{f"chat {style}": (chat_model, _chat_call(style)) for style in STYLES},
    "list_models": (chat_model, _list_models),
    "alist_models": (chat_model, _alist_models),
    "embed python": (embeddings_model, _embed),
    "aembed python": (embeddings_model, _aembed),
    "embed rust": (lambda server, **kw: embeddings_model(server, **RUST, **kw), _embed),
    "aembed rust": (lambda server, **kw: embeddings_model(server, **RUST, **kw), _aembed),
    "rerank": (rerank_model, _rerank),
    "arerank": (rerank_model, _arerank),
    "classify": (classifier_model, _classify),
    "aclassify": (classifier_model, _aclassify),
}


# The Rust backend is chosen explicitly for the local server, which warns (tested in
# test_embeddings_rust.py).
@pytest.mark.filterwarnings("ignore::langchain_baseten.PerformanceClientWarning")
@pytest.mark.parametrize("setup", list(SECRET_SETUPS))
@pytest.mark.parametrize("fault", FAULTS)
@pytest.mark.parametrize("call", list(CALLS))
async def test_no_secret_in_the_error(
    fake_baseten: fb.FakeBaseten, call: str, fault: str, setup: str
) -> None:
    factory, run = CALLS[call]
    settings = dict(SECRET_SETUPS[setup])
    if fault == "connection":
        path = "/v1" if factory is chat_model else DEDICATED_PATH
        settings["base_url"] = f"http://127.0.0.1:{_closed_port()}{path}"
    else:
        # Enough for a retry as floats and the Rust backend's fetch through Python.
        fake_baseten.enqueue(*[fb.echo(fault)] * 3)
    model = factory(fake_baseten, **settings)
    with pytest.raises((openai.APIError, ValueError)) as info:
        await run(model)
    if fault != "connection":
        sent = fake_baseten.requests[0].headers
        shown = {"api_key": KEY, "x-api-key header": HEADER_KEY}.get(setup, AUTH_TOKEN)
        assert shown in str(sent)  # the echo did quote a secret
    assert_no_secret(info.value, SECRETS)


def test_a_connection_errors_cause_keeps_the_request_redacted() -> None:
    model = chat_model(
        f"http://127.0.0.1:{_closed_port()}/v1", default_headers={"X-Api-Key": HEADER_KEY}
    )
    with pytest.raises(openai.APIConnectionError) as info:
        model.invoke("hi")
    cause = info.value.__cause__
    assert cause is not None
    request = cause.request  # type: ignore[attr-defined]
    assert request.headers["authorization"] == "Bearer ***"
    assert request.headers["x-api-key"] == "***"
    assert_no_secret(info.value, SECRETS)


async def test_the_sdks_chained_status_error_is_scrubbed(fake_baseten: fb.FakeBaseten) -> None:
    fake_baseten.enqueue(fb.echo("error", status=400))
    model = chat_model(fake_baseten, default_headers={"Authorization": f"Bearer {AUTH_TOKEN}"})
    with pytest.raises(openai.BadRequestError) as info:
        await model.ainvoke("hi")
    # The SDK's HTTPStatusError stays reachable (exc.__context__.__context__), with
    # the request and the echoed answer it was raised for: both redacted in place.
    [status] = [e for e in chain(info.value) if isinstance(e, httpx2.HTTPStatusError)]
    assert status.request.headers["authorization"] == "Bearer ***"
    assert "authorization: Bearer ***" in status.response.text
    assert "Bearer ***" in str(info.value)
    assert_no_secret(info.value, SECRETS)


def test_the_check_finds_a_secret_anywhere_in_the_chain() -> None:
    # The helper itself: a key only on the cause's kept request is found.
    request = httpx2.Request("POST", "http://x", headers={"authorization": f"Bearer {KEY}"})
    outer = RuntimeError("wrapped")
    outer.__cause__ = httpx2.ConnectError("refused", request=request)
    assert any(KEY in text for text in exception_texts(outer))
    with pytest.raises(AssertionError, match="secret piece"):
        assert_no_secret(outer, [KEY])
