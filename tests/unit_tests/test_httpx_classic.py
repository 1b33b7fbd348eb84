"""A user's classic ``httpx`` clients: what the wrapper keeps of them, and what it must not.

That classic clients pass the same chat, embeddings, rerank, catalogue, fault and
bounds tests as httpx2's is shown by those files (marked ``each_client_kind``:
their ids end in ``[httpx]``); here are the classic client's own settings, the
errors it raises, and that the package runs without classic httpx installed.
"""

from __future__ import annotations

import re
import socket
import subprocess
import sys
from typing import Any

import httpx
import httpx2
import openai
import pytest

from langchain_baseten import BasetenEmbeddings, BasetenRerank, ChatBaseten, close_clients
from langchain_baseten import testing as fb
from tests.call_styles import STYLES, answer
from tests.local_models import KEY, chat_model, embeddings_model


class CountingTransport(httpx.HTTPTransport):
    """A classic transport, mounted by the user, that counts what it sends."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[str] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.sent.append(request.url.path)
        return super().handle_request(request)


class AsyncCountingTransport(httpx.AsyncHTTPTransport):
    """Async twin of :class:`CountingTransport`."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.sent.append(request.url.path)
        return await super().handle_async_request(request)


def _classic_clients(
    fake: fb.FakeBaseten, **settings: Any
) -> tuple[dict[str, Any], CountingTransport, AsyncCountingTransport]:
    """Classic clients for ``fake`` whose mounted transports count the requests."""
    mounted, amounted = CountingTransport(), AsyncCountingTransport()
    clients = {
        "http_client": httpx.Client(mounts={fake.base_url: mounted}, **settings),
        "http_async_client": httpx.AsyncClient(mounts={fake.base_url: amounted}, **settings),
    }
    return clients, mounted, amounted


@pytest.mark.parametrize("style", STYLES)
async def test_the_classic_clients_mounts_and_headers_carry_every_call(
    fake_baseten: fb.FakeBaseten, style: str
) -> None:
    clients, mounted, amounted = _classic_clients(fake_baseten, headers={"x-proxy-tag": "team-7"})
    assert (await answer(chat_model(fake_baseten, **clients), style)).text == "echo: hi"
    (request,) = fake_baseten.requests
    assert request.headers["x-proxy-tag"] == "team-7"  # the classic client's own header
    assert request.headers["authorization"] == f"Bearer {KEY}"  # the package's, as always
    assert mounted.sent + amounted.sent == ["/v1/chat/completions"]
    assert (mounted.sent if style in {"invoke", "stream"} else amounted.sent) != []


@pytest.mark.parametrize("style", STYLES)
async def test_an_event_hook_that_reads_the_answer_leaves_it_readable(
    fake_baseten: fb.FakeBaseten, style: str
) -> None:
    """A logging hook may read the body before the package does (it is then not capped)."""
    logged: list[int] = []

    def log(response: httpx.Response) -> None:
        logged.append(len(response.read()))

    async def alog(response: httpx.Response) -> None:
        logged.append(len(await response.aread()))

    clients = {
        "http_client": httpx.Client(event_hooks={"response": [log]}),
        "http_async_client": httpx.AsyncClient(event_hooks={"response": [alog]}),
    }
    fake_baseten.enqueue(fb.chat("a logged answer") if "invoke" in style else fb.stream("a b"))
    text = (await answer(chat_model(fake_baseten, **clients), style)).text
    assert text == ("a logged answer" if "invoke" in style else "a b")
    assert len(logged) == 1
    assert logged[0] > 0


def _chain(error: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and current not in seen:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize("style", STYLES)
async def test_classic_errors_become_httpx2_errors_without_the_classic_request(
    style: str,
) -> None:
    """The classic error holds the classic request (the key in its headers): not chained."""
    url = f"http://127.0.0.1:{_closed_port()}/v1"
    model = chat_model(url, http_client=httpx.Client(), http_async_client=httpx.AsyncClient())
    with pytest.raises(openai.APIConnectionError) as info:
        await answer(model, style)
    assert "Could not connect to" in str(info.value)
    chain = _chain(info.value)
    assert any(isinstance(e, httpx2.ConnectError) for e in chain)
    assert not any(type(e).__module__.split(".")[0] == "httpx" for e in chain)


async def test_the_package_leaves_the_users_classic_clients_open(
    fake_baseten: fb.FakeBaseten,
) -> None:
    clients, _, _ = _classic_clients(fake_baseten)
    emb = embeddings_model(fake_baseten, **clients)
    assert await emb.aembed_query("x") == emb.embed_query("x")
    close_clients()
    assert not clients["http_client"].is_closed
    assert not clients["http_async_client"].is_closed
    assert emb.embed_query("y") == fb.float32(fb.fake_vector("y"))


@pytest.mark.slow
def test_the_package_runs_without_classic_httpx() -> None:
    """Classic httpx is optional: with it blocked, a model still answers."""
    code = (
        "import sys\n"
        "sys.modules['httpx'] = None  # import httpx now fails\n"
        "from langchain_baseten.testing import fake_baseten_server\n"
        "from tests.local_models import chat_model\n"
        "import httpx2\n"
        "with fake_baseten_server() as server:\n"
        "    print(chat_model(server).invoke('a').content)\n"
        "    print(chat_model(server, http_client=httpx2.Client()).invoke('b').content)\n"
    )
    done = subprocess.run(  # noqa: S603 - this interpreter, fixed code
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.splitlines() == ["echo: a", "echo: b"]


@pytest.mark.parametrize("style", STYLES)
async def test_the_deadline_lowers_the_classic_requests_read_timeout(
    fake_baseten: fb.FakeBaseten, style: str
) -> None:
    """The body's reads get what is left of ``timeout`` (a stall after the headers ends there).

    The classic request shares its ``timeout`` settings with the package's request,
    so lowering them reaches the classic connection, which reads them once the body starts.
    """
    seen: list[dict[str, Any]] = []

    def remember(request: httpx.Request) -> None:
        seen.append(request.extensions["timeout"])

    async def aremember(request: httpx.Request) -> None:
        remember(request)

    clients = {
        "http_client": httpx.Client(event_hooks={"request": [remember]}),
        "http_async_client": httpx.AsyncClient(event_hooks={"request": [aremember]}),
    }
    model = chat_model(fake_baseten, timeout=30.0, **clients)
    assert (await answer(model, style)).text == "echo: hi"
    (timeouts,) = seen
    assert timeouts["connect"] == 30.0
    assert 0 < timeouts["read"] < 30.0  # lowered in place after the headers arrived


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        (
            {"http_client": httpx.AsyncClient()},
            (
                "http_client takes a client for sync calls, not an httpx.AsyncClient: "
                "pass that as http_async_client=."
            ),
        ),
        (
            {"http_async_client": httpx2.Client()},
            (
                "http_async_client takes a client for async calls, not an httpx2.Client: "
                "pass that as http_client=."
            ),
        ),
        (
            {"http_client": "http://proxy:3128"},
            "http_client must be an httpx2.Client or a classic httpx.Client, not builtins.str.",
        ),
    ],
)
def test_a_client_of_the_wrong_kind_is_refused_at_construction(
    setting: dict[str, Any], message: str
) -> None:
    """openai would refuse it at the first call; here the error names the right keyword."""
    for cls in (ChatBaseten, BasetenEmbeddings, BasetenRerank):
        with pytest.raises(ValueError, match=re.escape(message)):
            cls(model="baseten/abcd1234", api_key=KEY, **setting)


def test_either_library_is_accepted_for_either_call_kind() -> None:
    model = chat_model(
        "http://127.0.0.1:9/v1", http_client=httpx.Client(), http_async_client=httpx2.AsyncClient()
    )
    assert isinstance(model.http_client, httpx.Client)
    assert isinstance(model.http_async_client, httpx2.AsyncClient)
