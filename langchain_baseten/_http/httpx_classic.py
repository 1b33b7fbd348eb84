"""A user's classic ``httpx.Client`` / ``httpx.AsyncClient``, seen by the package as httpx2.

openai 3.x accepts classic httpx clients as well as httpx2's (ChatOpenAI users
pass them for proxies, custom CAs and mounts), but the rest of this package
reads httpx2 answers: its deadline, size cap, stream reader and error mapping
use httpx2's byte streams and exceptions. Rather than teach every module both
libraries, a classic client is wrapped once, when its openai client is built,
in an ``httpx2.Client`` whose transport sends through it:

* the request is rebuilt with the classic client's ``build_request`` (its
  default headers, params and cookies merge as they would if openai used it
  directly) and sent with its ``send`` (its auth, event hooks, proxies, mounts,
  certificates and connection pool);
* the answer's raw bytes come back as an httpx2 answer, so httpx2 decodes them
  (gzip in bounded pieces, under ``max_response_bytes``) and the package's
  deadline, caps and stream reader apply unchanged. The request's ``timeout``
  settings are shared with the classic request, so lowering the read timeout to
  what is left of the deadline reaches the classic connection too;
* classic errors become the httpx2 error of the same name and message
  (``httpx.ConnectError`` -> ``httpx2.ConnectError`` ...), which openai and
  the package map as usual. The classic error is not chained: it holds the
  classic request, whose headers carry the API key.

Classic httpx is never imported here: a classic client exists only if its user
imported httpx, so the check reads ``sys.modules``.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

import httpx2

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator

__all__ = ["as_httpx2_async_client", "as_httpx2_client", "check_http_client"]


def _classic() -> Any:
    """The classic ``httpx`` module if something imported it, else ``None``."""
    return sys.modules.get("httpx")


def _httpx2_error(exc: Exception, request: httpx2.Request) -> Exception | None:
    """The httpx2 error of ``exc``'s (classic) class name, or ``None`` for other errors."""
    classic = _classic()
    if classic is None or not isinstance(exc, classic.RequestError):
        return None
    for cls in type(exc).__mro__:
        twin = getattr(httpx2, cls.__name__, None)
        if isinstance(twin, type) and issubclass(twin, httpx2.RequestError):
            error: Exception = twin(str(exc), request=request)
            return error
    return None  # pragma: no cover - every classic RequestError has a twin in httpx2


class _ClassicBody(httpx2.SyncByteStream):
    """A classic answer's raw bytes, with classic errors raised as httpx2's."""

    def __init__(self, response: Any, request: httpx2.Request) -> None:
        self._response = response
        self._request = request

    def __iter__(self) -> Iterator[bytes]:
        chunks = self._response.iter_raw()
        while True:
            error = None
            try:
                chunk = next(chunks)
            except StopIteration:
                return
            except Exception as exc:
                error = _httpx2_error(exc, self._request)
                if error is None:
                    raise
            if error is not None:
                raise error  # outside the except block: the classic error is not chained
            yield chunk

    def close(self) -> None:
        self._response.close()


class _AsyncClassicBody(httpx2.AsyncByteStream):
    """Async twin of :class:`_ClassicBody`."""

    def __init__(self, response: Any, request: httpx2.Request) -> None:
        self._response = response
        self._request = request

    async def __aiter__(self) -> AsyncIterator[bytes]:
        chunks = self._response.aiter_raw()
        while True:
            error = None
            try:
                chunk = await anext(chunks)
            except StopAsyncIteration:
                return
            except Exception as exc:
                error = _httpx2_error(exc, self._request)
                if error is None:
                    raise
            if error is not None:
                raise error
            yield chunk

    async def aclose(self) -> None:
        await self._response.aclose()


def _classic_request(client: Any, request: httpx2.Request, content: bytes) -> Any:
    """``request`` rebuilt by the classic ``client`` (sharing its ``timeout`` settings)."""
    return client.build_request(
        request.method,
        str(request.url),
        headers=request.headers.raw,
        content=content,
        extensions=dict(request.extensions),
    )


def _answer(response: Any, request: httpx2.Request, stream: Any) -> httpx2.Response:
    """The classic ``response`` as an httpx2 answer to ``request``, its body ``stream``."""
    headers = httpx2.Headers(response.headers.raw)
    try:
        content = response.content
    except _classic().ResponseNotRead:
        pass
    else:  # an event hook read (and decoded) the body already: hand over those bytes
        headers.pop("content-encoding", None)
        headers["content-length"] = str(len(content))
        return httpx2.Response(
            response.status_code,
            headers=headers,
            content=content,
            request=request,
            extensions=dict(response.extensions),
        )
    return httpx2.Response(
        response.status_code,
        headers=headers,
        stream=stream,
        request=request,
        extensions=dict(response.extensions),
    )


class _ClassicTransport(httpx2.BaseTransport):
    """Sends httpx2 requests through a user's classic ``httpx.Client``."""

    def __init__(self, client: Any) -> None:
        self._client = client

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        classic = _classic_request(self._client, request, request.read())
        error = None
        try:
            response = self._client.send(classic, stream=True)
        except Exception as exc:
            error = _httpx2_error(exc, request)
            if error is None:
                raise
        if error is not None:
            raise error  # outside the except block: the classic error is not chained
        return _answer(response, request, _ClassicBody(response, request))

    def close(self) -> None:
        """Leave the user's client open: its owner closes it."""


class _AsyncClassicTransport(httpx2.AsyncBaseTransport):
    """Async twin of :class:`_ClassicTransport`."""

    def __init__(self, client: Any) -> None:
        self._client = client

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        classic = _classic_request(self._client, request, await request.aread())
        error = None
        try:
            response = await self._client.send(classic, stream=True)
        except Exception as exc:
            error = _httpx2_error(exc, request)
            if error is None:
                raise
        if error is not None:
            raise error
        return _answer(response, request, _AsyncClassicBody(response, request))

    async def aclose(self) -> None:
        """Leave the user's client open: its owner closes it."""


def _timeout(client: Any) -> httpx2.Timeout:
    """The classic client's timeout as httpx2's (openai reads it when no ``timeout`` is set)."""
    return httpx2.Timeout(**client.timeout.as_dict())


def as_httpx2_client(client: Any) -> Any:
    """``client``, or for a classic ``httpx.Client`` an ``httpx2.Client`` sending through it."""
    classic = _classic()
    if classic is None or not isinstance(client, classic.Client):
        return client
    return httpx2.Client(
        transport=_ClassicTransport(client), timeout=_timeout(client), follow_redirects=False
    )


def as_httpx2_async_client(client: Any) -> Any:
    """Async twin of :func:`as_httpx2_client` (for a classic ``httpx.AsyncClient``)."""
    classic = _classic()
    if classic is None or not isinstance(client, classic.AsyncClient):
        return client
    return httpx2.AsyncClient(
        transport=_AsyncClassicTransport(client), timeout=_timeout(client), follow_redirects=False
    )


def _kind(value: Any) -> str | None:
    """``"sync"`` or ``"async"`` for a client of httpx2 or classic httpx, else ``None``."""
    classic = _classic()
    if isinstance(value, httpx2.Client) or (classic and isinstance(value, classic.Client)):
        return "sync"
    if isinstance(value, httpx2.AsyncClient) or (
        classic and isinstance(value, classic.AsyncClient)
    ):
        return "async"
    return None


def check_http_client(field: str, value: Any) -> Any:
    """Refuse, at construction, what openai would refuse at the first call.

    ``field`` is ``"http_client"`` (sync calls: an ``httpx2.Client`` or
    ``httpx.Client``) or ``"http_async_client"`` (their ``AsyncClient``).

    Raises:
        ValueError: For a client of the other kind or anything else.
    """
    if value is None:
        return value
    wanted = "async" if field == "http_async_client" else "sync"
    kind = _kind(value)
    if kind == wanted:
        return value
    given = f"{type(value).__module__.split('.')[0]}.{type(value).__name__}"
    if kind is not None:
        other = "http_async_client" if wanted == "sync" else "http_client"
        msg = f"{field} takes a client for {wanted} calls, not an {given}: pass that as {other}=."
    else:
        expected = "AsyncClient" if wanted == "async" else "Client"
        msg = f"{field} must be an httpx2.{expected} or a classic httpx.{expected}, not {given}."
    raise ValueError(msg)
