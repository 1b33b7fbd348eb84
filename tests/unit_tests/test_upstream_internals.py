"""The private parts of openai, httpx2 and httpcore2 the package relies on: one test each.

CONTRIBUTING.md ("Upstream internals") lists them with the module that uses
each. ``make test``, ``make test-highest`` and ``make test-lowest`` run these
tests at the lock, the newest and the lowest versions pyproject.toml allows.
A failure here means an upstream release moved one of them: the package would
otherwise misbehave quietly (a deadline or size cap not applied, a lost answer
sent again, an OpenAI header sent to Baseten, the slow idle-connection probe).
Each test talks to the upstream directly (``MockTransport``, a socket pair or
the local server), so the failure names the upstream part, not a package
feature.
"""

from __future__ import annotations

import asyncio
import inspect
import weakref
from typing import TYPE_CHECKING, Any

import httpcore2
import httpx2
import openai
import pytest

from langchain_baseten import testing as fb
from langchain_baseten._http import pool_reuse, pools, sockets
from langchain_baseten._http.sdk_client import AsyncBasetenOpenAI, BasetenOpenAI
from langchain_baseten._http.transport import ClientSettings, _without_openai_env
from tests.local_models import KEY

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable, Iterator

BASE = "http://127.0.0.1:9/v1"  # nothing listens: MockTransport answers every request


def _keyword_names(function: Callable[..., Any]) -> list[str]:
    return [
        name
        for name, parameter in inspect.signature(function).parameters.items()
        if parameter.kind is not parameter.VAR_KEYWORD
    ]


def _answers(*responses: httpx2.Response) -> tuple[httpx2.MockTransport, list[httpx2.Request]]:
    """A transport answering ``responses`` in order and the requests it saw."""
    seen: list[httpx2.Request] = []
    queue = list(responses)

    def handler(request: httpx2.Request) -> httpx2.Response:
        seen.append(request)
        return queue.pop(0)

    return httpx2.MockTransport(handler), seen


def _retry_now(status: int) -> httpx2.Response:
    # retry-after-ms keeps the SDK's backoff at 1 ms.
    return httpx2.Response(status, json={"error": "busy"}, headers={"retry-after-ms": "1"})


# ---------------------------------------------------------------------- openai: _http/sdk_client.py


def test_openai_send_request_is_the_seam_of_one_attempt() -> None:
    # _http/sdk_client.py overrides SyncAPIClient._send_request / AsyncAPIClient._send_request:
    # the SDK's retry loop must call it once per attempt with (request, stream=...).
    assert _keyword_names(openai.OpenAI._send_request) == ["self", "request", "stream"]
    assert _keyword_names(openai.AsyncOpenAI._send_request) == ["self", "request", "stream"]
    assert inspect.iscoroutinefunction(openai.AsyncOpenAI._send_request)
    calls: list[bool] = []

    class Counting(openai.OpenAI):
        def _send_request(
            self, request: httpx2.Request, *, stream: bool, **kwargs: Any
        ) -> httpx2.Response:
            calls.append(stream)
            return super()._send_request(request, stream=stream, **kwargs)

    transport, seen = _answers(_retry_now(503), httpx2.Response(200, json={"ok": True}))
    client = Counting(
        api_key=KEY, base_url=BASE, max_retries=1, http_client=httpx2.Client(transport=transport)
    )
    with client:
        response = client.post("/x", body={}, cast_to=httpx2.Response)
    assert response.json() == {"ok": True}
    assert len(calls) == 2
    # _errors.py counts attempts from the SDK's retry header.
    assert [request.headers.get("x-stainless-retry-count") for request in seen] == ["0", "1"]


def test_openai_asks_should_retry_about_an_error_status() -> None:
    # _http/sdk_client.py overrides _should_retry(response) to refuse retries the SDK would make.
    assert _keyword_names(openai.OpenAI._should_retry) == ["self", "response"]
    asked: list[int] = []

    class Refusing(openai.OpenAI):
        def _should_retry(self, response: httpx2.Response) -> bool:
            asked.append(response.status_code)
            return False

    transport, seen = _answers(_retry_now(500), httpx2.Response(200, json={}))
    client = Refusing(
        api_key=KEY, base_url=BASE, max_retries=2, http_client=httpx2.Client(transport=transport)
    )
    with client, pytest.raises(openai.InternalServerError):
        client.post("/x", body={}, cast_to=httpx2.Response)
    assert asked == [500]
    assert len(seen) == 1


@pytest.mark.parametrize(
    ("status", "headers"),
    [
        (408, {}),
        (409, {}),
        (429, {}),
        (500, {}),
        (503, {}),
        (504, {}),
        (400, {"x-should-retry": "true"}),
    ],
)
def test_openai_declines_a_retry_the_policy_allows_only_for_a_long_retry_after(
    status: int, headers: dict[str, str]
) -> None:
    # _http/sdk_client.py asks the SDK only when RetryPolicy allows a retry; an error whose
    # retries were left then says the SDK declined for the server's Retry-After.
    client = openai.OpenAI(api_key=KEY, base_url=BASE)
    for retry_after, retried in [(None, True), ("1", True), ("3600", False)]:
        sent = dict(headers, **({"retry-after": retry_after} if retry_after else {}))
        response = httpx2.Response(status, headers=sent, request=httpx2.Request("POST", BASE))
        assert client._should_retry(response) is retried, (status, retry_after)


def test_an_sdk_error_raised_by_send_request_ends_the_retry_loop() -> None:
    # _http/sdk_client.py raises openai.APITimeoutError / APIConnectionError from _send_request
    # for an answer lost after sending: the SDK must pass it on, not retry it.
    calls: list[httpx2.Request] = []

    class Losing(openai.OpenAI):
        def _send_request(
            self, request: httpx2.Request, *, stream: bool, **kwargs: Any
        ) -> httpx2.Response:
            calls.append(request)
            raise openai.APIConnectionError(request=request)

    transport, _ = _answers()
    client = Losing(
        api_key=KEY, base_url=BASE, max_retries=3, http_client=httpx2.Client(transport=transport)
    )
    with client, pytest.raises(openai.APIConnectionError):
        client.post("/x", body={}, cast_to=httpx2.Response)
    assert len(calls) == 1


def test_openai_hands_back_the_unread_response_for_cast_to_response() -> None:
    # _http/transport.py posts with cast_to=httpx2.Response (stream=True for streams) and
    # reads the body itself; _http/sdk_client.py sends every attempt with stream=True.
    transport, _ = _answers(httpx2.Response(200, content=b"data: 1\n\n"))
    client = openai.OpenAI(
        api_key=KEY, base_url=BASE, http_client=httpx2.Client(transport=transport)
    )
    with client:
        response = client.post("/x", body={}, cast_to=httpx2.Response, stream=True)
        assert isinstance(response, httpx2.Response)
        assert response.read() == b"data: 1\n\n"


def test_openai_environment_headers_live_in_two_private_attributes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # transport._without_openai_env resets client._custom_headers and
    # client._ambient_authorizations, where the SDK keeps OPENAI_CUSTOM_HEADERS.
    monkeypatch.setenv("OPENAI_CUSTOM_HEADERS", "Authorization: Bearer sk-env\nX-Corp: corp")
    transport, seen = _answers(httpx2.Response(200, json={}))
    client = openai.OpenAI(
        api_key=KEY, base_url=BASE, http_client=httpx2.Client(transport=transport)
    )
    assert isinstance(client._custom_headers, dict)
    assert isinstance(client._ambient_authorizations, frozenset)
    settings = ClientSettings(
        base_url=BASE, api_key=KEY, timeout=None, max_retries=0, default_headers=(("X-Mine", "1"),)
    )
    with _without_openai_env(client, settings):
        client.post("/x", body={}, cast_to=httpx2.Response)
    (request,) = seen
    assert request.headers["authorization"] == f"Bearer {KEY}"
    assert request.headers["x-mine"] == "1"
    assert "x-corp" not in request.headers


# ---------------------------------------------------------------------- httpx2: _http/sdk_client.py


def _unread_ab(_: httpx2.Request) -> httpx2.Response:
    return httpx2.Response(200, stream=httpx2.ByteStream(b"ab"))


class _Wrapped(httpx2.SyncByteStream):
    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.closed = False

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self.inner:
            yield chunk.upper()

    def close(self) -> None:
        self.closed = True
        self.inner.close()


class _AsyncWrapped(httpx2.AsyncByteStream):
    def __init__(self, inner: Any) -> None:
        self.inner = inner

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self.inner:
            yield chunk.upper()

    async def aclose(self) -> None:
        await self.inner.aclose()


def test_a_response_reads_through_a_stream_put_in_its_place() -> None:
    # _http/sdk_client.py replaces response.stream with its deadline-checking wrapper.
    with httpx2.Client(transport=httpx2.MockTransport(_unread_ab)) as client:
        with client.stream("GET", BASE) as response:
            wrapped = _Wrapped(response.stream)
            response.stream = wrapped
            assert response.read() == b"AB"
        assert wrapped.closed


async def test_an_async_response_reads_through_a_stream_put_in_its_place() -> None:
    transport = httpx2.MockTransport(_unread_ab)
    async with (
        httpx2.AsyncClient(transport=transport) as client,
        client.stream("GET", BASE) as response,
    ):
        response.stream = _AsyncWrapped(response.stream)
        assert await response.aread() == b"AB"


def test_a_body_read_in_pieces_is_stored_in_response_content() -> None:
    # bodies.CappedBody reads the decoded pieces itself (to stop at the cap) and
    # stores them where Response.read() would: response._content.
    response = httpx2.Response(200, stream=httpx2.ByteStream(b'{"a": 1}'))
    pieces = list(response.iter_bytes())
    response._content = b"".join(pieces)
    assert response.content == b'{"a": 1}'
    assert response.json() == {"a": 1}
    assert response.read() == b'{"a": 1}'


def test_httpcore2_reads_the_timeout_extension_at_every_body_read(
    fake_baseten: fb.FakeBaseten,
) -> None:
    # sdk_client._limit_reads lowers request.extensions["timeout"]["read"] once the
    # headers are in: httpcore2 must read it again for each read of the body.
    fake_baseten.enqueue(fb.drip(5.0, interval=1.0))
    with (
        httpx2.Client(timeout=10) as client,
        client.stream("POST", fake_baseten.url("/v1/chat/completions"), json={}) as response,
    ):
        timeouts = response.request.extensions["timeout"]
        assert isinstance(timeouts, dict)
        timeouts["read"] = 0.05
        with pytest.raises(httpx2.ReadTimeout):
            response.read()


# ---------------------------------------------------------------------- httpcore2: _http/sockets.py


async def test_transports_keep_their_pool_and_network_backend_where_sockets_looks() -> None:
    # sockets.install reaches transport._pool._network_backend (httpx2 has no
    # parameter for it); install() quietly does nothing when they move, so fail here.
    sync_transport = httpx2.HTTPTransport()
    assert type(sync_transport._pool) is httpcore2.ConnectionPool
    assert isinstance(sync_transport._pool._network_backend, httpcore2.NetworkBackend)
    assert sockets.install(sync_transport) is True
    assert isinstance(sync_transport._pool._network_backend, sockets.DeadlineBackend)
    async_transport = httpx2.AsyncHTTPTransport()
    assert type(async_transport._pool) is httpcore2.AsyncConnectionPool
    assert isinstance(async_transport._pool._network_backend, httpcore2.AsyncNetworkBackend)
    assert sockets.install(async_transport) is True
    assert isinstance(async_transport._pool._network_backend, sockets.ProbedBackend)
    key = pools.PoolKey.for_url(BASE, KEY, 10)
    loop = weakref.ref(asyncio.get_running_loop())
    pool = pools._new_async_pool(key, pools.current_share().ssl_context(), loop)
    assert isinstance(pool._transport, httpx2.AsyncHTTPTransport)
    assert isinstance(pool._transport._pool._network_backend, sockets.ProbedBackend)
    await pool.aclose()


def test_pools_make_connections_through_create_connection(fake_baseten: fb.FakeBaseten) -> None:
    # pool_reuse.install wraps pool.create_connection(origin) and turns the plain
    # HTTPConnection it returns into one that expires with leftover bytes.
    transport = httpx2.HTTPTransport()
    pool = transport._pool
    made: list[object] = []
    create = pool.create_connection

    def recording(origin: httpcore2.Origin) -> Any:
        connection = create(origin)
        made.append(connection)
        return connection

    pool.create_connection = recording  # type: ignore[method-assign]
    assert pool_reuse.install(transport) is True
    with httpx2.Client(transport=transport) as client:
        url = fake_baseten.url("/v1/models")
        assert client.get(url, headers={"Authorization": f"Bearer {KEY}"}).status_code == 200
    assert len(made) == 1
    assert isinstance(made[0], httpcore2.HTTPConnection)
    assert type(made[0]).__name__ == "_Connection"  # the class pool_reuse gives it


def test_an_http11_connection_keeps_h11_state_with_its_trailing_data(
    fake_baseten: fb.FakeBaseten,
) -> None:
    # pool_reuse.has_leftover_bytes reads connection._connection._h11_state.trailing_data
    # (h11's received bytes that belong to no answer) of an idle connection.
    transport = httpx2.HTTPTransport()
    with httpx2.Client(transport=transport) as client:
        url = fake_baseten.url("/v1/models")
        assert client.get(url, headers={"Authorization": f"Bearer {KEY}"}).status_code == 200
        (connection,) = transport._pool.connections
        assert connection.is_idle()
        assert connection.has_expired() is False
        http11: Any = connection._connection  # type: ignore[attr-defined]
        data, closed = http11._h11_state.trailing_data
        assert (data, closed) == (b"", False)
        assert pool_reuse.has_leftover_bytes(connection) is False


@pytest.mark.parametrize(
    ("upstream", "ours"),
    [
        (httpcore2.AsyncNetworkBackend, sockets.ProbedBackend),
        (httpcore2.AsyncNetworkStream, sockets._ProbedStream),
        (httpcore2.NetworkBackend, sockets.DeadlineBackend),
        (httpcore2.NetworkStream, sockets._DeadlineStream),
    ],
)
def test_the_network_interfaces_sockets_wraps_have_the_same_methods(
    upstream: type[Any], ours: type[Any]
) -> None:
    # ProbedBackend / _ProbedStream forward every method of httpcore2's interfaces:
    # a method added upstream would not be forwarded.
    for name, member in inspect.getmembers(upstream, inspect.isfunction):
        if name.startswith("_"):
            continue
        assert name in vars(ours), f"{ours.__name__} does not forward httpcore2's {name}()"
        assert _keyword_names(member) == _keyword_names(getattr(ours, name)), name


async def test_httpcore2_asks_idle_connections_is_readable(fake_baseten: fb.FakeBaseten) -> None:
    # The pool decides whether an idle connection is still usable by asking its stream
    # get_extra_info("is_readable"); sockets answers that from the socket its stream
    # hands out for get_extra_info("socket"), looked up once per connection.
    asked: list[str] = []
    polled: list[Any] = []

    class Recording(sockets._ProbedStream):
        def get_extra_info(self, info: str) -> Any:
            asked.append(info)
            return super().get_extra_info(info)

    class Backend(sockets.ProbedBackend):
        async def connect_tcp(self, *args: Any, **kwargs: Any) -> httpcore2.AsyncNetworkStream:
            stream = await super().connect_tcp(*args, **kwargs)
            assert isinstance(stream, sockets._ProbedStream)
            recording = Recording(stream._inner)
            polled.append(recording._socket)
            return recording

    transport = httpx2.AsyncHTTPTransport()
    transport._pool._network_backend = Backend(transport._pool._network_backend)
    async with httpx2.AsyncClient(transport=transport) as client:
        for _ in range(2):
            response = await client.post(
                fake_baseten.url("/v1/chat/completions"),
                json={"model": "m", "messages": []},
                headers={"Authorization": f"Bearer {KEY}"},
            )
            assert response.status_code == 200
    assert "is_readable" in asked
    assert len(polled) == 1
    # asyncio's TransportSocket, or a socket.socket: what is_readable() polls by fileno().
    assert isinstance(polled[0].fileno(), int)


def test_the_package_clients_are_the_sdk_clients() -> None:
    # _http/sdk_client.py subclasses openai.OpenAI / AsyncOpenAI; both must still build with
    # only the SDK's own keyword arguments plus limits.
    transport, _ = _answers()
    sync = BasetenOpenAI(api_key=KEY, base_url=BASE, http_client=httpx2.Client(transport=transport))
    with sync:
        assert isinstance(sync, openai.OpenAI)
    client = AsyncBasetenOpenAI(
        api_key=KEY, base_url=BASE, http_client=httpx2.AsyncClient(transport=transport)
    )
    assert isinstance(client, openai.AsyncOpenAI)
    asyncio.run(client.close())
