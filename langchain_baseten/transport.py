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
import math
import threading
import weakref
from collections import OrderedDict
from collections.abc import Mapping
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

import httpx2
import openai
import pydantic

from langchain_baseten.errors import (
    REQUEST_ID_HEADER,
    BasetenResponseError,
    BasetenStreamError,
    enrich_api_error,
)

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator

__all__ = [
    "ClientSettings",
    "JsonListResponse",
    "JsonResponse",
    "Transport",
]

_ClientT = TypeVar("_ClientT", openai.OpenAI, openai.AsyncOpenAI)
_MAX_CACHED_CLIENTS = 64
_POOL_LIMITS = httpx2.Limits(max_connections=1000, max_keepalive_connections=100)


_BAD_KEY = (
    "The Baseten API key contains a line break, a control character or a non-ASCII "
    "character, which an HTTP header cannot carry (the key is not shown). Check "
    "BASETEN_API_KEY or api_key= for a stray character copied along with the key."
)


def _header_safe(value: str) -> bool:
    """Whether ``value`` can go in an HTTP header as is (printable ASCII only)."""
    return value.isascii() and value.isprintable()


@dataclass(frozen=True, slots=True)
class ClientSettings:
    """Everything that makes two openai clients differ; equal settings share a client.

    The API key is checked here, before any client exists: surrounding whitespace
    (a key read from a file with its newline) is removed, and a key or header
    value that HTTP cannot carry is refused with an error that does not quote it.
    Left to the HTTP layer, such a value fails on every request with an error
    message that quotes the whole ``Authorization`` header, key included.

    Raises:
        ValueError: For a key or ``default_headers`` value with control or
            non-ASCII characters.
    """

    base_url: str
    api_key: str = field(repr=False)
    timeout: float | None
    max_retries: int
    default_headers: tuple[tuple[str, str], ...] = ()
    default_query: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        """Strip the key and refuse values an HTTP header cannot carry."""
        key = self.api_key.strip()
        if not _header_safe(key):
            raise ValueError(_BAD_KEY)
        if key != self.api_key:
            object.__setattr__(self, "api_key", key)  # frozen: set once, here
        for name, value in self.default_headers:
            if not _header_safe(str(value)):
                msg = (
                    f"default_headers[{name!r}] contains a line break, a control character "
                    "or a non-ASCII character, which an HTTP header cannot carry (the value "
                    "is not shown)."
                )
                raise ValueError(msg)

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


@dataclass(frozen=True, slots=True)
class JsonListResponse:
    """A decoded JSON array (BEI/TEI ``/rerank`` and ``/predict``) and its headers."""

    data: list[Any]
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


def _json_body(response: httpx2.Response) -> Any:
    try:
        return json.loads(response.content)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        snippet = response.text[:200]
        msg = (
            f"Baseten answered HTTP {response.status_code} with a body that is not JSON "
            f"(content-type {response.headers.get('content-type')!r}): {snippet!r}"
        )
        raise BasetenResponseError(msg, response.request, body=snippet) from exc


def _decode_list(response: httpx2.Response) -> JsonListResponse:
    data = _json_body(response)
    if not isinstance(data, list):
        msg = f"Baseten answered with JSON that is not an array: {str(data)[:200]!r}"
        raise BasetenResponseError(msg, response.request, body=data)
    return JsonListResponse(data=data, headers=response.headers)


def _decode(response: httpx2.Response) -> JsonResponse:
    data = _json_body(response)
    if not isinstance(data, dict):
        msg = f"Baseten answered with JSON that is not an object: {str(data)[:200]!r}"
        raise BasetenResponseError(msg, response.request, body=data)
    return JsonResponse(data=data, headers=response.headers)


def _not_an_event_stream(response: httpx2.Response) -> BasetenResponseError | None:
    """A streaming request answered with plain JSON or HTML is a server or proxy fault.

    Returns the error to raise (after the caller closes the response, sync or
    async as the response requires), or ``None`` for an event stream.
    """
    content_type = response.headers.get("content-type", "")
    if content_type.startswith("application/json"):
        msg = (
            f"Asked {response.request.url.host} for a stream (stream=true) but got a JSON "
            "body instead of server-sent events; the server or a proxy ignores streaming. "
            "Call without streaming (streaming=False) or fix the endpoint."
        )
        return BasetenResponseError(msg, response.request, body=None)
    if content_type.startswith("text/html"):
        # Without this check the page parses as an empty event stream and the
        # error would blame a dropped connection.
        msg = (
            f"Asked {response.request.url.host} for a stream but got an HTML page "
            f"(HTTP {response.status_code}, content-type {content_type!r}), probably from "
            "a proxy, gateway or login page rather than the model server. Check base_url "
            "and any proxy between you and Baseten."
        )
        return BasetenResponseError(msg, response.request, body=None)
    return None


# What the SDK's encoder takes besides dicts, lists, strings and floats.
_JSON_SCALARS = (int, bool, datetime, pydantic.BaseModel)


def _unsendable_part(body: Any) -> tuple[str, str] | None:
    """Find a value in ``body`` that JSON or UTF-8 cannot carry: (its path, the problem).

    Only called after encoding the body failed, so the happy path pays nothing.
    """
    stack: list[tuple[str, Any]] = [("", body)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, str):
            if not value.isascii():
                try:
                    value.encode("utf-8")
                except UnicodeEncodeError as exc:
                    bad = value[exc.start : exc.end]
                    return path, (
                        f"contains {bad!r} at position {exc.start}, a lone surrogate that "
                        "is not valid UTF-8 (text decoded with errors='surrogateescape' or "
                        "half of an emoji)"
                    )
        elif isinstance(value, float):
            if not math.isfinite(value):
                return path, f"is {value!r}, which JSON cannot carry"
        elif isinstance(value, Mapping):
            stack.extend((f"{path}.{key}" if path else str(key), v) for key, v in value.items())
        elif isinstance(value, (list, tuple)):
            stack.extend((f"{path}[{index}]", v) for index, v in enumerate(value))
        elif value is not None and not isinstance(value, _JSON_SCALARS):
            return path, f"is a {type(value).__name__}, which JSON cannot carry"
    return None


def _unsendable_body_error(exc: Exception, body: Any) -> ValueError | None:
    """A clear error for a body the SDK failed to encode, naming the bad value's path."""
    if isinstance(exc, UnicodeEncodeError) and exc.encoding != "utf-8":
        return None  # not the body (a header); let the original error through
    found = _unsendable_part(body)
    if found is None:
        return None
    path, problem = found
    msg = f"Cannot send this request: {path or 'the body'} {problem}. Nothing was sent."
    return ValueError(msg)


@contextmanager
def _readable_errors(
    url: str,
    settings: ClientSettings,
    stream: openai.Stream[Any] | openai.AsyncStream[Any] | None = None,
    *,
    body: Any = None,
) -> Iterator[None]:
    """Re-raise the SDK's errors with Baseten's message (and bad SSE lines clearly).

    Without ``stream`` this wraps sending a request: a body that cannot be
    encoded (NaN, a lone surrogate, an object JSON cannot carry) becomes a
    ``ValueError`` naming where it is. With ``stream`` it wraps reading events:
    a lost connection or an error event there is reported as a mid-stream failure.
    """
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
        request_id = stream.response.headers.get(REQUEST_ID_HEADER) if stream else None
        raise enrich_api_error(
            err,
            url=url,
            mid_stream=stream is not None,
            request_id=request_id,
            secret=settings.api_key,
        ) from err.__cause__
    except (ValueError, TypeError) as exc:
        clear = None if stream is not None else _unsendable_body_error(exc, body)
        if clear is None:
            raise
        raise clear from exc


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
        with _readable_errors(self._url(path), self.settings, body=body):
            response = self.sync_client.post(path, body=body, cast_to=httpx2.Response)
        return _decode(response)

    async def apost(self, path: str, body: Mapping[str, Any]) -> JsonResponse:
        """Async twin of :meth:`post`."""
        with _readable_errors(self._url(path), self.settings, body=body):
            response = await self.async_client.post(path, body=body, cast_to=httpx2.Response)
        return _decode(response)

    def post_list(self, path: str, body: Mapping[str, Any]) -> JsonListResponse:
        """POST a JSON body whose answer is a JSON array (BEI/TEI ``/rerank``, ``/predict``)."""
        with _readable_errors(self._url(path), self.settings, body=body):
            response = self.sync_client.post(path, body=body, cast_to=httpx2.Response)
        return _decode_list(response)

    async def apost_list(self, path: str, body: Mapping[str, Any]) -> JsonListResponse:
        """Async twin of :meth:`post_list`."""
        with _readable_errors(self._url(path), self.settings, body=body):
            response = await self.async_client.post(path, body=body, cast_to=httpx2.Response)
        return _decode_list(response)

    def get(self, path: str) -> JsonResponse:
        """GET a path and return the decoded JSON answer with its headers."""
        with _readable_errors(self._url(path), self.settings):
            response = self.sync_client.get(path, cast_to=httpx2.Response)
        return _decode(response)

    async def aget(self, path: str) -> JsonResponse:
        """Async twin of :meth:`get`."""
        with _readable_errors(self._url(path), self.settings):
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
        with _readable_errors(url, self.settings, body=body):
            stream = self.sync_client.post(
                path, body=body, cast_to=object, stream=True, stream_cls=openai.Stream[object]
            )

        if (not_events := _not_an_event_stream(stream.response)) is not None:
            stream.close()
            raise not_events

        def events() -> Iterator[dict[str, Any]]:
            with _readable_errors(url, self.settings, stream):
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
        with _readable_errors(url, self.settings, body=body):
            stream = await self.async_client.post(
                path, body=body, cast_to=object, stream=True, stream_cls=openai.AsyncStream[object]
            )

        if (not_events := _not_an_event_stream(stream.response)) is not None:
            await stream.close()  # an async response: the sync close() raises RuntimeError
            raise not_events

        async def events() -> AsyncIterator[dict[str, Any]]:
            with _readable_errors(url, self.settings, stream):
                async for event in stream:
                    if isinstance(event, dict):
                        yield event

        try:
            yield events(), stream.response
        finally:
            await stream.close()
