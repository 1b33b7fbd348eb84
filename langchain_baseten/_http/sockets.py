"""The network streams of the package's pools: the attempt's deadline, a cheap idle probe.

**The total deadline, headers included.** ``timeout`` bounds a whole attempt
(see :mod:`langchain_baseten._http.sdk_client`), but httpcore2 bounds each network read
on its own: a server that drips a header byte every 0.4 s never lets one read
wait ``timeout`` and held a ``timeout=2`` call for as long as it liked. The
client sets :data:`current_attempt` while it sends a request and waits for
the answer's headers; every read, write and connect of the package's pools
(sync and async) waits at most until that deadline and fails with a timeout
once it has passed. The body is bounded by the client itself.

**A cheap idle-connection probe (async pools).** Each time a request enters or
leaves an httpcore2 async pool, the pool asks every idle connection whether the
server has closed it (``get_extra_info("is_readable")``: a ``poll()`` of the
socket). Its anyio stream answers by building anyio's whole attribute map,
which calls ``getpeername()`` too, on every question. With many calls in flight
that is many probes per call and a large share of the client's CPU time
(bench/README.md, "Figures behind the code"). The async streams here look the
socket up once and poll it directly: the same question, the same answer,
without the map. (httpcore2's sync streams already keep their socket.)

:func:`install` wraps a pool's own network backend (sync, asyncio or trio, as
the pool chose) in :class:`DeadlineBackend` or :class:`ProbedBackend`.
"""

from __future__ import annotations

import select
import time
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

import httpcore2

if TYPE_CHECKING:
    import socket
    import ssl
    from collections.abc import Iterable

__all__ = [
    "Attempt",
    "DeadlineBackend",
    "ProbedBackend",
    "current_attempt",
    "install",
    "is_readable",
]

_POLL = getattr(select, "poll", None)


class Attempt:
    """One attempt being sent: its deadline, and whether any answer bytes came yet."""

    __slots__ = ("deadline", "received")

    def __init__(self, deadline: float) -> None:
        """``deadline``: the ``time.monotonic()`` by which the answer's headers must be in."""
        self.deadline = deadline
        self.received = False


#: The attempt being sent in this thread (or task); ``None``: no total deadline.
current_attempt: ContextVar[Attempt | None] = ContextVar("baseten_attempt", default=None)

_PAST_DEADLINE = "the attempt's total timeout passed before the server answered"


def _bounded(timeout: float | None, error: type[Exception]) -> float | None:
    """``timeout``, lowered to what is left of the attempt's deadline (``error`` if none is)."""
    attempt = current_attempt.get()
    if attempt is None:
        return timeout
    left = attempt.deadline - time.monotonic()
    if left <= 0:
        raise error(_PAST_DEADLINE)
    return left if timeout is None else min(timeout, left)


def _received(data: bytes) -> bytes:
    """Note that the attempt's answer started arriving (its timeout is then a total one)."""
    if data and (attempt := current_attempt.get()) is not None:
        attempt.received = True
    return data


def is_readable(sock: socket.socket | None) -> bool:
    """Whether a read would return at once: data, or the ``b""`` of a closed connection.

    A socket that is gone (``None``, or closed: no file descriptor) counts as
    readable, as in httpcore2: its next read ends the connection.
    """
    fd = -1 if sock is None else sock.fileno()
    if fd < 0:
        return True
    if _POLL is None:  # pragma: no cover - Windows, or eventlet's patched select
        readable, _, _ = select.select([fd], [], [], 0)
        return bool(readable)
    poller = _POLL()
    poller.register(fd, select.POLLIN)
    return bool(poller.poll(0))


class _ProbedStream(httpcore2.AsyncNetworkStream):
    """The backend's stream: ``socket`` and ``is_readable`` from one lookup, reads bounded."""

    __slots__ = ("_inner", "_socket")

    def __init__(self, inner: httpcore2.AsyncNetworkStream) -> None:
        self._inner = inner
        self._socket: socket.socket | None = inner.get_extra_info("socket")

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:  # noqa: ASYNC109
        return _received(
            await self._inner.read(max_bytes, _bounded(timeout, httpcore2.ReadTimeout))
        )

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:  # noqa: ASYNC109
        await self._inner.write(buffer, _bounded(timeout, httpcore2.WriteTimeout))

    async def aclose(self) -> None:
        await self._inner.aclose()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore2's interface
    ) -> httpcore2.AsyncNetworkStream:
        return _ProbedStream(await self._inner.start_tls(ssl_context, server_hostname, timeout))

    def get_extra_info(self, info: str) -> Any:
        if info == "is_readable":
            return is_readable(self._socket)
        if info == "socket":
            return self._socket
        return self._inner.get_extra_info(info)


class ProbedBackend(httpcore2.AsyncNetworkBackend):
    """Wraps a pool's network backend so that its streams are :class:`_ProbedStream`."""

    def __init__(self, inner: httpcore2.AsyncNetworkBackend) -> None:
        """Wrap ``inner`` (the pool's backend: it still connects and sleeps)."""
        self._inner = inner

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore2's interface
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore2.AsyncNetworkStream:
        stream = await self._inner.connect_tcp(
            host,
            port,
            timeout=_bounded(timeout, httpcore2.ConnectTimeout),
            local_address=local_address,
            socket_options=socket_options,
        )
        return _ProbedStream(stream)

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore2's interface
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore2.AsyncNetworkStream:
        stream = await self._inner.connect_unix_socket(
            path, timeout=_bounded(timeout, httpcore2.ConnectTimeout), socket_options=socket_options
        )
        return _ProbedStream(stream)

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class _DeadlineStream(httpcore2.NetworkStream):
    """A sync stream whose reads and writes end at the attempt's deadline."""

    __slots__ = ("_inner",)

    def __init__(self, inner: httpcore2.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return _received(self._inner.read(max_bytes, _bounded(timeout, httpcore2.ReadTimeout)))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _bounded(timeout, httpcore2.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore2.NetworkStream:
        return _DeadlineStream(
            self._inner.start_tls(
                ssl_context, server_hostname, _bounded(timeout, httpcore2.ConnectTimeout)
            )
        )

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class DeadlineBackend(httpcore2.NetworkBackend):
    """Wraps a sync pool's network backend so that its streams are :class:`_DeadlineStream`."""

    def __init__(self, inner: httpcore2.NetworkBackend) -> None:
        """Wrap ``inner`` (the pool's backend: it still connects and sleeps)."""
        self._inner = inner

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore2.NetworkStream:
        stream = self._inner.connect_tcp(
            host,
            port,
            timeout=_bounded(timeout, httpcore2.ConnectTimeout),
            local_address=local_address,
            socket_options=socket_options,
        )
        return _DeadlineStream(stream)

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore2.NetworkStream:
        stream = self._inner.connect_unix_socket(
            path, timeout=_bounded(timeout, httpcore2.ConnectTimeout), socket_options=socket_options
        )
        return _DeadlineStream(stream)

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


def install(transport: Any) -> bool:
    """Give ``transport``'s pool a :class:`ProbedBackend` or :class:`DeadlineBackend`.

    ``transport`` is an ``httpx2.AsyncHTTPTransport`` or ``httpx2.HTTPTransport``
    not yet used. httpx2 has no parameter for the network backend, so this
    reaches its pool; a pool of another shape (a proxy, another httpx2 version)
    is left as it is.

    Returns:
        Whether the pool has the wrapper now.
    """
    pool = getattr(transport, "_pool", None)
    backend = getattr(pool, "_network_backend", None)
    if type(pool) is httpcore2.AsyncConnectionPool and isinstance(
        backend, httpcore2.AsyncNetworkBackend
    ):
        if not isinstance(backend, ProbedBackend):
            pool._network_backend = ProbedBackend(backend)  # noqa: SLF001
        return True
    if type(pool) is httpcore2.ConnectionPool and isinstance(backend, httpcore2.NetworkBackend):
        if not isinstance(backend, DeadlineBackend):
            pool._network_backend = DeadlineBackend(backend)  # noqa: SLF001
        return True
    return False
