"""Pooled connections are not reused once the server sent more than its answer.

HTTP/1.1 has no room for bytes after a response: a server (or a proxy) that
appends some, a second response for instance, has lost track of the
connection. httpcore2's h11 layer keeps such bytes buffered and, when the pool
hands the connection to the next request, reads them as that request's
answer: another conversation's call got the leftover as its reply (issue 24).
Bytes that arrive later make the socket readable, which the pool already
treats as a closed connection; bytes that came in the same read as the answer
are only in h11's buffer, and this module makes the pool look there too: a
connection with leftover bytes counts as expired, so the pool closes it
instead of reusing it.
"""

from __future__ import annotations

from typing import Any

import httpcore2

__all__ = ["has_leftover_bytes", "install"]


def has_leftover_bytes(connection: Any) -> bool:
    """Whether an HTTP/1.1 connection holds received bytes that belong to no answer."""
    state = getattr(getattr(connection, "_connection", None), "_h11_state", None)
    if state is None:  # not connected yet, or HTTP/2
        return False
    data, _closed = state.trailing_data
    return bool(data)


class _Connection(httpcore2.HTTPConnection):
    """A sync pool connection that expires when it holds leftover bytes."""

    def has_expired(self) -> bool:
        return super().has_expired() or (self.is_idle() and has_leftover_bytes(self))


class _AsyncConnection(httpcore2.AsyncHTTPConnection):
    """An async pool connection that expires when it holds leftover bytes."""

    def has_expired(self) -> bool:
        return super().has_expired() or (self.is_idle() and has_leftover_bytes(self))


def install(transport: Any) -> bool:
    """Make ``transport``'s pool create connections that refuse leftover bytes.

    ``transport`` is an ``httpx2.HTTPTransport`` or ``httpx2.AsyncHTTPTransport``
    not yet used; a pool of another shape (a proxy, another httpx2 version) is
    left as it is.

    Returns:
        Whether the pool's connections check for leftover bytes now.
    """
    pool: Any = getattr(transport, "_pool", None)
    kinds: dict[type[Any], tuple[type[Any], type[Any]]] = {
        httpcore2.ConnectionPool: (httpcore2.HTTPConnection, _Connection),
        httpcore2.AsyncConnectionPool: (httpcore2.AsyncHTTPConnection, _AsyncConnection),
    }
    if type(pool) not in kinds:
        return False
    plain, checked = kinds[type(pool)]
    create = pool.create_connection
    if getattr(create, "checks_leftovers", False):
        return True

    def create_connection(origin: httpcore2.Origin) -> Any:
        connection = create(origin)
        if type(connection) is plain:
            # The same object with one method more (the class adds no state).
            connection.__class__ = checked
        return connection

    create_connection.checks_leftovers = True  # type: ignore[attr-defined]
    pool.create_connection = create_connection
    return True
