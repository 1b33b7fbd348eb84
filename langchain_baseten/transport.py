"""HTTP transport: shared openai clients and the low-level calls that use them.

Requests go through the official openai client's documented low-level method,
``client.post(path, body=..., cast_to=...)``, which keeps the SDK's auth,
retries with backoff (``Retry-After`` included), timeouts and error classes but
skips its per-request type validation and typed response objects: the payload
goes out as a plain dict and answers come back as plain dicts.

Clients are built lazily, on the first request, and shared:

* one ``httpx2`` connection pool per process for sync calls, and one per running
  event loop for async calls (an async pool cannot outlive its loop);
* one ``openai.OpenAI`` / ``openai.AsyncOpenAI`` per distinct
  :class:`ClientSettings` on top of that pool. The API key is part of the
  settings, so two instances with different keys never share a client, and a
  key can never reach another instance's request.

Constructing a ``ChatBaseten`` therefore builds no client and no SSL context.
"""

from __future__ import annotations

import asyncio
import json
import threading
import weakref
from collections import OrderedDict
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

import httpx2
import openai

from langchain_baseten.errors import BasetenResponseError, BasetenStreamError, enrich_api_error

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator, Mapping

__all__ = [
    "ClientSettings",
    "JsonResponse",
    "Transport",
]

_ClientT = TypeVar("_ClientT", openai.OpenAI, openai.AsyncOpenAI)
_MAX_CACHED_CLIENTS = 64
_POOL_LIMITS = httpx2.Limits(max_connections=1000, max_keepalive_connections=100)


@dataclass(frozen=True, slots=True)
class ClientSettings:
    """Everything that makes two openai clients differ; equal settings share a client."""

    base_url: str
    api_key: str = field(repr=False)
    timeout: float | None
    max_retries: int
    default_headers: tuple[tuple[str, str], ...] = ()
    default_query: tuple[tuple[str, str], ...] = ()

    def client_kwargs(self) -> dict[str, Any]:
        """Return the keyword arguments for ``openai.OpenAI`` / ``openai.AsyncOpenAI``."""
        kwargs: dict[str, Any] = {
            "api_key": self.api_key,
            "base_url": self.base_url,
            "max_retries": self.max_retries,
            "default_headers": dict(self.default_headers) or None,
            "default_query": dict(self.default_query) or None,
        }
        if self.timeout is not None:
            kwargs["timeout"] = self.timeout
        return kwargs


@dataclass(frozen=True, slots=True)
class JsonResponse:
    """A decoded JSON answer and the response headers that came with it."""

    data: dict[str, Any]
    headers: Mapping[str, str]


class _LruCache:
    """A small thread-safe LRU map from settings to clients."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._items: OrderedDict[Any, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get_or_create(self, key: Any, factory: Any) -> Any:
        with self._lock:
            value = self._items.get(key)
            if value is None:
                value = factory()
                self._items[key] = value
                if len(self._items) > self._size:
                    self._items.popitem(last=False)
            else:
                self._items.move_to_end(key)
            return value


def _without_openai_env(client: _ClientT, settings: ClientSettings) -> _ClientT:
    """Undo what the SDK read from ``OPENAI_*`` environment variables.

    The openai client fills the organization, project, admin key and extra
    headers (``OPENAI_CUSTOM_HEADERS``, which may hold an ``Authorization``
    header) from the environment. None of that belongs in a request to Baseten.
    """
    client.organization = None
    client.project = None
    client.admin_api_key = None
    client.webhook_secret = None
    client._custom_headers = dict(settings.default_headers)  # noqa: SLF001
    client._ambient_authorizations = frozenset()  # noqa: SLF001
    return client


def _new_sync_client(settings: ClientSettings, http_client: httpx2.Client) -> openai.OpenAI:
    client = openai.OpenAI(http_client=http_client, **settings.client_kwargs())
    return _without_openai_env(client, settings)


def _new_async_client(
    settings: ClientSettings, http_client: httpx2.AsyncClient
) -> openai.AsyncOpenAI:
    client = openai.AsyncOpenAI(http_client=http_client, **settings.client_kwargs())
    return _without_openai_env(client, settings)


_sync_pool: httpx2.Client | None = None
_sync_pool_lock = threading.Lock()
_sync_clients = _LruCache(_MAX_CACHED_CLIENTS)


def _shared_sync_pool() -> httpx2.Client:
    global _sync_pool  # noqa: PLW0603
    if _sync_pool is None or _sync_pool.is_closed:
        with _sync_pool_lock:
            if _sync_pool is None or _sync_pool.is_closed:
                _sync_pool = httpx2.Client(limits=_POOL_LIMITS, follow_redirects=False)
    return _sync_pool


class _LoopClients:
    """The async pool and clients of one event loop."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop_ref = weakref.ref(loop)
        self.pool = httpx2.AsyncClient(limits=_POOL_LIMITS, follow_redirects=False)
        self.clients = _LruCache(_MAX_CACHED_CLIENTS)


_async_by_loop: dict[int, _LoopClients] = {}
_async_lock = threading.Lock()


def _loop_clients() -> _LoopClients:
    loop = asyncio.get_running_loop()
    entry = _async_by_loop.get(id(loop))
    if entry is not None and entry.loop_ref() is loop:
        return entry
    with _async_lock:
        # Forget pools of loops that are gone or closed (their connections are unusable).
        for key, stale in list(_async_by_loop.items()):
            stale_loop = stale.loop_ref()
            if stale_loop is None or stale_loop.is_closed():
                del _async_by_loop[key]
        entry = _LoopClients(loop)
        _async_by_loop[id(loop)] = entry
        return entry


def shared_sync_client(settings: ClientSettings) -> openai.OpenAI:
    """Return the process-wide client for these settings, building it on first use."""
    return _sync_clients.get_or_create(  # type: ignore[no-any-return]
        settings,
        lambda: _new_sync_client(settings, _shared_sync_pool()),
    )


def shared_async_client(settings: ClientSettings) -> openai.AsyncOpenAI:
    """Return the running loop's client for these settings, building it on first use."""
    entry = _loop_clients()
    return entry.clients.get_or_create(  # type: ignore[no-any-return]
        settings,
        lambda: _new_async_client(settings, entry.pool),
    )


def _decode(response: httpx2.Response) -> JsonResponse:
    try:
        data = json.loads(response.content)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        snippet = response.text[:200]
        msg = (
            f"Baseten answered HTTP {response.status_code} with a body that is not JSON "
            f"(content-type {response.headers.get('content-type')!r}): {snippet!r}"
        )
        raise BasetenResponseError(msg, response.request, body=snippet) from exc
    if not isinstance(data, dict):
        msg = f"Baseten answered with JSON that is not an object: {str(data)[:200]!r}"
        raise BasetenResponseError(msg, response.request, body=data)
    return JsonResponse(data=data, headers=response.headers)


def _check_event_stream(response: httpx2.Response) -> None:
    """A streaming request answered with plain JSON is a server or proxy fault: say so."""
    content_type = response.headers.get("content-type", "")
    if content_type.startswith("application/json"):
        msg = (
            f"Asked {response.request.url.host} for a stream (stream=true) but got a JSON "
            "body instead of server-sent events; the server or a proxy ignores streaming. "
            "Call without streaming (streaming=False) or fix the endpoint."
        )
        response.close()
        raise BasetenResponseError(msg, response.request, body=None)


@contextmanager
def _readable_errors(
    url: str, stream: openai.Stream[Any] | openai.AsyncStream[Any] | None = None
) -> Iterator[None]:
    """Re-raise the SDK's errors with Baseten's message (and bad SSE lines clearly)."""
    try:
        yield
    except json.JSONDecodeError as exc:
        if stream is None:
            raise
        msg = f"Baseten sent a stream event that is not JSON: {exc}"
        raise BasetenResponseError(msg, stream.response.request, body=None) from exc
    except BasetenStreamError:
        raise
    except openai.APIError as err:
        raise enrich_api_error(err, url=url) from err.__cause__


class Transport:
    """Sends chat-style requests for one model instance.

    Args:
        settings: Connection settings (base URL, key, timeout, retries, headers).
        http_client: A user-supplied ``httpx2.Client``; replaces the shared pool.
        http_async_client: A user-supplied ``httpx2.AsyncClient``; likewise.
    """

    __slots__ = ("_async_client", "_http_async_client", "_http_client", "_sync_client", "settings")

    def __init__(
        self,
        settings: ClientSettings,
        *,
        http_client: httpx2.Client | None = None,
        http_async_client: httpx2.AsyncClient | None = None,
    ) -> None:
        """Remember the settings; no client is built until the first request."""
        self.settings = settings
        self._http_client = http_client
        self._http_async_client = http_async_client
        self._sync_client: openai.OpenAI | None = None
        self._async_client: openai.AsyncOpenAI | None = None

    @property
    def sync_client(self) -> openai.OpenAI:
        """The openai client used for synchronous requests."""
        if self._sync_client is None:
            self._sync_client = (
                shared_sync_client(self.settings)
                if self._http_client is None
                else _new_sync_client(self.settings, self._http_client)
            )
        return self._sync_client

    @property
    def async_client(self) -> openai.AsyncOpenAI:
        """The openai client used for asynchronous requests (call inside a running loop)."""
        if self._http_async_client is None:
            return shared_async_client(self.settings)
        if self._async_client is None:
            self._async_client = _new_async_client(self.settings, self._http_async_client)
        return self._async_client

    def _url(self, path: str) -> str:
        return self.settings.base_url + path

    def post(self, path: str, body: Mapping[str, Any]) -> JsonResponse:
        """POST a JSON body and return the decoded JSON answer with its headers."""
        with _readable_errors(self._url(path)):
            response = self.sync_client.post(path, body=body, cast_to=httpx2.Response)
        return _decode(response)

    async def apost(self, path: str, body: Mapping[str, Any]) -> JsonResponse:
        """Async twin of :meth:`post`."""
        with _readable_errors(self._url(path)):
            response = await self.async_client.post(path, body=body, cast_to=httpx2.Response)
        return _decode(response)

    def get(self, path: str) -> JsonResponse:
        """GET a path and return the decoded JSON answer with its headers."""
        with _readable_errors(self._url(path)):
            response = self.sync_client.get(path, cast_to=httpx2.Response)
        return _decode(response)

    async def aget(self, path: str) -> JsonResponse:
        """Async twin of :meth:`get`."""
        with _readable_errors(self._url(path)):
            response = await self.async_client.get(path, cast_to=httpx2.Response)
        return _decode(response)

    @contextmanager
    def stream(
        self, path: str, body: Mapping[str, Any]
    ) -> Iterator[tuple[Iterator[dict[str, Any]], httpx2.Response]]:
        """POST a streaming request; yield (an iterator of event dicts, the HTTP response).

        The response is closed when the ``with`` block ends, also on error.
        """
        url = self._url(path)
        with _readable_errors(url):
            stream = self.sync_client.post(
                path, body=body, cast_to=object, stream=True, stream_cls=openai.Stream[object]
            )

        _check_event_stream(stream.response)

        def events() -> Iterator[dict[str, Any]]:
            with _readable_errors(url, stream):
                for event in stream:
                    if isinstance(event, dict):
                        yield event

        try:
            yield events(), stream.response
        finally:
            stream.close()

    @asynccontextmanager
    async def astream(
        self, path: str, body: Mapping[str, Any]
    ) -> AsyncIterator[tuple[AsyncIterator[dict[str, Any]], httpx2.Response]]:
        """Async twin of :meth:`stream`."""
        url = self._url(path)
        with _readable_errors(url):
            stream = await self.async_client.post(
                path, body=body, cast_to=object, stream=True, stream_cls=openai.AsyncStream[object]
            )

        _check_event_stream(stream.response)

        async def events() -> AsyncIterator[dict[str, Any]]:
            with _readable_errors(url, stream):
                async for event in stream:
                    if isinstance(event, dict):
                        yield event

        try:
            yield events(), stream.response
        finally:
            await stream.close()
