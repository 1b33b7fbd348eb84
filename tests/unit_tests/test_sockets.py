"""The pools' connections: the async idle probe (``_http.sockets``) and leftover bytes (``_http.pool_reuse``).

httpcore2 asks every idle connection of an async pool whether the server has
closed it, each time a request enters or leaves the pool. These tests check
that the package's pools answer through :class:`ProbedBackend`, that the
answer is still right (a connection the server dropped is not reused), and
that the socket is looked up once per connection instead of once per question.
A connection on which the server sent bytes after its answer is never reused
(those bytes would become the next call's answer).
"""

from __future__ import annotations

import asyncio
import socket
import weakref
from typing import Any

import httpcore2
import httpx2
import pytest

from langchain_baseten import testing as fb
from langchain_baseten._http import pool_reuse, pools, sockets
from tests.local_models import KEY, chat_model
from tests.polling import wait_for


def test_is_readable_is_false_while_nothing_waits_and_true_for_data_or_a_close() -> None:
    ours, peer = socket.socketpair()
    with ours, peer:
        assert sockets.is_readable(ours) is False
        peer.sendall(b"x")
        assert wait_for(lambda: sockets.is_readable(ours), 2)
        assert ours.recv(1) == b"x"
        assert sockets.is_readable(ours) is False
        peer.close()  # the server hung up: the next read returns b""
        assert wait_for(lambda: sockets.is_readable(ours), 2)
    assert sockets.is_readable(ours) is True  # closed here: no descriptor any more
    assert sockets.is_readable(None) is True


async def test_the_package_async_pools_probe_through_the_wrapper() -> None:
    key = pools.PoolKey.for_url("http://127.0.0.1:9/v1", KEY, 10)
    loop = weakref.ref(asyncio.get_running_loop())
    client = pools._new_async_pool(key, pools.current_share().ssl_context(), loop)
    transport = client._transport
    assert isinstance(transport, httpx2.AsyncHTTPTransport)
    backend = transport._pool._network_backend
    # A newer httpx2/httpcore2 that moved these would fail here, not silently slow down.
    assert isinstance(backend, sockets.ProbedBackend)
    assert sockets.install(transport) is True  # installing twice keeps one wrapper
    assert transport._pool._network_backend is backend


def test_a_proxy_transport_is_left_as_it_is() -> None:
    transport = httpx2.AsyncHTTPTransport(proxy="http://127.0.0.1:9")
    before = transport._pool
    assert sockets.install(transport) is False
    assert transport._pool is before
    assert not isinstance(getattr(before, "_network_backend", None), sockets.ProbedBackend)


class _CountingStream(httpcore2.AsyncNetworkStream):
    """A stream that counts ``get_extra_info`` questions by name."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.asked: list[str] = []

    def get_extra_info(self, info: str) -> Any:
        self.asked.append(info)
        return self.sock if info == "socket" else f"inner {info}"


class _CountingBackend(httpcore2.AsyncNetworkBackend):
    def __init__(self, stream: _CountingStream) -> None:
        self.stream = stream

    async def connect_tcp(self, *args: Any, **kwargs: Any) -> httpcore2.AsyncNetworkStream:
        return self.stream


async def test_probes_look_the_socket_up_once_and_other_questions_pass_through() -> None:
    ours, peer = socket.socketpair()
    with ours, peer:
        inner = _CountingStream(ours)
        stream = await sockets.ProbedBackend(_CountingBackend(inner)).connect_tcp("h", 1)
        answers = [stream.get_extra_info("is_readable") for _ in range(50)]
        assert answers == [False] * 50
        assert stream.get_extra_info("socket") is ours
        assert inner.asked == ["socket"]  # once, when the connection was made
        assert stream.get_extra_info("server_addr") == "inner server_addr"
        assert inner.asked == ["socket", "server_addr"]
        peer.close()
        assert wait_for(lambda: stream.get_extra_info("is_readable"), 2)


async def test_a_connection_the_server_dropped_while_idle_is_not_reused(
    fake_baseten: fb.FakeBaseten,
) -> None:
    llm = chat_model(fake_baseten, max_retries=0)
    assert (await llm.ainvoke("first")).text == "echo: first"
    assert fake_baseten.connections_accepted == 1
    fake_baseten.drop_connections()  # idle past the load balancer's timeout
    assert await asyncio.to_thread(wait_for, lambda: fake_baseten.open_connections == 0, 5)
    # With no retries, sending on the dropped connection would fail the call.
    assert (await llm.ainvoke("second")).text == "echo: second"
    assert fake_baseten.connections_accepted == 2


@pytest.mark.parametrize("calls", [50])
async def test_many_calls_at_once_share_the_pool_and_get_their_own_answers(
    fake_baseten: fb.FakeBaseten, calls: int
) -> None:
    llm = chat_model(fake_baseten, max_connections=calls)
    for _ in range(2):  # the second round runs on idle connections the pool probes
        answers = await asyncio.gather(*(llm.ainvoke(f"call {i}") for i in range(calls)))
        assert [a.text for a in answers] == [f"echo: call {i}" for i in range(calls)]
    assert fake_baseten.connections_accepted <= calls


# ---------------------------------------------------------------- leftover bytes


@pytest.mark.parametrize("style", ["invoke", "ainvoke"])
async def test_bytes_after_an_answer_never_become_the_next_calls_answer(
    fake_baseten: fb.FakeBaseten, style: str
) -> None:
    llm = chat_model(fake_baseten, max_retries=0)
    fake_baseten.enqueue(fb.leftover_response("first answer", "someone else's answer"))

    async def call(prompt: str) -> str:
        if style == "invoke":
            return llm.invoke(prompt).text
        return (await llm.ainvoke(prompt)).text

    assert await call("first") == "first answer"
    # The same pool, the next call: the leftover response must not be read as its answer.
    assert await call("second") == "echo: second"
    assert await call("third") == "echo: third"
    assert fake_baseten.connections_accepted == 2  # the first connection was not reused
    assert [r.json()["messages"][-1]["content"] for r in fake_baseten.requests] == [
        "first",
        "second",
        "third",
    ]


def test_pools_of_another_shape_keep_their_connections() -> None:
    transport = httpx2.HTTPTransport(proxy="http://127.0.0.1:9")
    before = transport._pool.create_connection
    assert pool_reuse.install(transport) is False
    assert transport._pool.create_connection == before
    plain = httpx2.HTTPTransport()
    assert pool_reuse.install(plain) is True
    assert pool_reuse.install(plain) is True  # installing twice wraps once
    assert getattr(plain._pool.create_connection, "checks_leftovers", False)
