"""Async connections that answer the pool's idle-connection probe cheaply.

Each time a request enters or leaves an httpcore2 async pool, the pool asks
every idle connection whether the server has closed it
(``get_extra_info("is_readable")``: a ``poll()`` of the socket). Its anyio
stream answers by building anyio's whole attribute map, which calls
``getpeername()`` too, on every question. With 200 calls in flight that is
~100 probes per call and ~20 % of the client's CPU time (``bench/run.py``,
"200 concurrent ainvoke"). :class:`ProbedBackend` wraps the pool's own network
backend (asyncio or trio, as the pool chose) and gives every stream a wrapper
that looks the socket up once and polls it directly: the same question, the
same answer, without the map.

Only async pools need it: httpcore2's sync streams already keep their socket.
"""

from __future__ import annotations

import select
from typing import TYPE_CHECKING, Any

import httpcore2

if TYPE_CHECKING:
    import socket
    import ssl
    from collections.abc import Iterable

__all__ = ["ProbedBackend", "install", "is_readable"]

_POLL = getattr(select, "poll", None)


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
    """The backend's stream, with ``socket`` and ``is_readable`` answered from one lookup."""

    __slots__ = ("_inner", "_socket")

    def __init__(self, inner: httpcore2.AsyncNetworkStream) -> None:
        self._inner = inner
        self._socket: socket.socket | None = inner.get_extra_info("socket")

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:  # noqa: ASYNC109
        return await self._inner.read(max_bytes, timeout)

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:  # noqa: ASYNC109
        await self._inner.write(buffer, timeout)

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
            timeout=timeout,
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
            path, timeout=timeout, socket_options=socket_options
        )
        return _ProbedStream(stream)

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


def install(transport: Any) -> bool:
    """Give ``transport``'s pool a :class:`ProbedBackend`; whether it could.

    ``transport`` is an ``httpx2.AsyncHTTPTransport`` not yet used. httpx2 has
    no parameter for the network backend, so this reaches its pool; a pool of
    another shape (a proxy, another httpx2 version) is left as it is.
    """
    pool = getattr(transport, "_pool", None)
    backend = getattr(pool, "_network_backend", None)
    if type(pool) is not httpcore2.AsyncConnectionPool or not isinstance(
        backend, httpcore2.AsyncNetworkBackend
    ):
        return False
    if not isinstance(backend, ProbedBackend):
        pool._network_backend = ProbedBackend(backend)  # noqa: SLF001
    return True
