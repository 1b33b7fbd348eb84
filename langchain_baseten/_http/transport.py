"""HTTP transport: shared openai clients and the low-level calls that use them.

Requests go through the official openai client's documented low-level method,
``client.post(path, body=..., cast_to=...)``, which keeps the SDK's auth,
retries with backoff (``Retry-After`` included), timeouts and error classes but
skips its per-request type validation and typed response objects: the payload
goes out as a plain dict and answers come back as plain dicts.

Streams are requested the same way, with ``cast_to=httpx2.Response,
stream=True``: the SDK still sends, retries and maps HTTP errors, and the body
is read by :mod:`langchain_baseten._streaming` (``open_events``: an
``EventStream``, or the error for an answer that is not one) with the pure
decoder of :mod:`langchain_baseten._sse`. Reading it ourselves is what tells a
clean ``[DONE]`` from a cut connection (the SDK's ``Stream`` hides ``[DONE]``),
keeps the text of error events, bounds one event's size, and reads a finished
stream to the end of its body so the connection goes back to the pool.

Clients are built lazily, on the first request, and shared (see
:mod:`langchain_baseten._http.pools`): one ``openai.OpenAI`` / ``openai.AsyncOpenAI``
per distinct :class:`ClientSettings` (the API key is part of the settings, so a
key can never reach another instance's request), on one connection pool per
endpoint and key, per process (fork-safe) and per event loop.

Constructing a ``ChatBaseten`` therefore builds no client and no SSL context.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

import httpx2
import pydantic

from langchain_baseten._baseten_api import server_name
from langchain_baseten._http.limits import (
    DEFAULT_MAX_CONNECTIONS,
    DEFAULT_MAX_EVENT_BYTES,
    DEFAULT_MAX_RESPONSE_BYTES,
    RequestLimits,
    RetryPolicy,
)
from langchain_baseten._http.pools import (
    LoopShare,
    PoolKey,
    ProcessShare,
    current_loop_share,
    current_share,
    shared_async_client,
    shared_sync_client,
)
from langchain_baseten._json_decode import JSONNumberError, json_loads
from langchain_baseten._redact import secret_values

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator

    import openai

    from langchain_baseten._errors import BasetenResponseError
    from langchain_baseten._streaming import AsyncEventStream, EventStream

    _ClientT = TypeVar("_ClientT", openai.OpenAI, openai.AsyncOpenAI)

__all__ = [
    "ClientSettings",
    "JsonListResponse",
    "JsonResponse",
    "JsonValueResponse",
    "Transport",
    "response_error",
]

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
    max_connections: int = DEFAULT_MAX_CONNECTIONS
    max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES
    retry_lost_answers: bool = True
    _pool_key: PoolKey | None = field(
        default=None, init=False, repr=False, compare=False, hash=False
    )

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

    @property
    def secrets(self) -> tuple[str, ...]:
        """What errors never show: the key and the credential headers' values."""
        return secret_values(self.api_key, self.default_headers)

    @property
    def limits(self) -> RequestLimits:
        """What bounds each request: total time, answer size, which failures are retried."""
        return RequestLimits(
            total_timeout=self.timeout,
            max_response_bytes=self.max_response_bytes,
            retry=RetryPolicy(self.max_retries, self.retry_lost_answers),
        )

    @property
    def pool_key(self) -> PoolKey:
        """The shared pool these settings use: one per endpoint origin, key and limit."""
        key = self._pool_key
        if key is None:  # parsed once: parsing the URL per request was a measurable cost
            key = PoolKey.for_url(self.base_url, self.api_key, self.max_connections)
            object.__setattr__(self, "_pool_key", key)  # frozen: a cache, set once
        return key


@dataclass(frozen=True, slots=True)
class JsonResponse:
    """A decoded JSON answer and the response headers that came with it."""

    data: dict[str, Any]
    headers: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class JsonValueResponse:
    """Any decoded JSON answer (``/rerank``: an array from TEI, an object from vLLM)."""

    data: Any
    headers: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class JsonListResponse:
    """A decoded JSON array (BEI/TEI ``/rerank`` and ``/predict``) and its headers."""

    data: list[Any]
    headers: Mapping[str, str]


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


def _new_sync_client(settings: ClientSettings, http_client: Any) -> openai.OpenAI:
    # The openai SDK is imported with the first client (the first request), not with
    # this module: building a model builds its transport, and imports no SDK.
    from langchain_baseten._http.httpx_classic import as_httpx2_client  # noqa: PLC0415
    from langchain_baseten._http.sdk_client import BasetenOpenAI  # noqa: PLC0415

    client = BasetenOpenAI(
        http_client=as_httpx2_client(http_client),
        limits=settings.limits,
        **settings.client_kwargs(),
    )
    return _without_openai_env(client, settings)


def _new_async_client(settings: ClientSettings, http_client: Any) -> openai.AsyncOpenAI:
    from langchain_baseten._http.httpx_classic import as_httpx2_async_client  # noqa: PLC0415
    from langchain_baseten._http.sdk_client import AsyncBasetenOpenAI  # noqa: PLC0415 - see above

    client = AsyncBasetenOpenAI(
        http_client=as_httpx2_async_client(http_client),
        limits=settings.limits,
        **settings.client_kwargs(),
    )
    return _without_openai_env(client, settings)


def _shared_sync(settings: ClientSettings) -> openai.OpenAI:
    """The process-wide client for these settings, on their endpoint's pool."""
    return shared_sync_client(
        settings, settings.pool_key, lambda pool: _new_sync_client(settings, pool)
    )


def _shared_async(settings: ClientSettings, entry: LoopShare) -> openai.AsyncOpenAI:
    """The running loop's client for these settings, on their endpoint's pool."""
    return shared_async_client(
        settings, settings.pool_key, lambda pool: _new_async_client(settings, pool), entry
    )


def response_error(message: str, request: httpx2.Request, *, body: Any) -> BasetenResponseError:
    """A :class:`~langchain_baseten.BasetenResponseError` (its module loads the SDK).

    For modules that must import without the openai SDK (the model classes):
    the error module is imported on the error path only.
    """
    from langchain_baseten._errors import BasetenResponseError  # noqa: PLC0415

    return BasetenResponseError(message, request, body=body)


def _who(response: httpx2.Response) -> str:
    """``Baseten``, or ``The server at <host>`` for any other host."""
    return server_name(response.request.url.host)


def _json_body(response: httpx2.Response) -> Any:
    try:
        return json_loads(response.content)
    except RecursionError:
        msg = (
            f"{_who(response)} answered HTTP {response.status_code} with JSON nested too deeply to "
            "parse (thousands of levels of arrays or objects); no real answer looks like this."
        )
        raise response_error(msg, response.request, body=None) from None
    except JSONNumberError as exc:
        msg = f"Baseten answered HTTP {response.status_code} with JSON holding {exc.msg}."
        raise response_error(msg, response.request, body=None) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        snippet = response.text[:200]
        msg = (
            f"{_who(response)} answered HTTP {response.status_code} with a body that is not JSON "
            f"(content-type {response.headers.get('content-type')!r}): {snippet!r}"
        )
        raise response_error(msg, response.request, body=snippet) from exc


def _decode_value(response: httpx2.Response) -> JsonValueResponse:
    return JsonValueResponse(data=_json_body(response), headers=response.headers)


def _decode_list(response: httpx2.Response) -> JsonListResponse:
    data = _json_body(response)
    if not isinstance(data, list):
        msg = f"{_who(response)} answered with JSON that is not an array: {str(data)[:200]!r}"
        raise response_error(msg, response.request, body=data)
    return JsonListResponse(data=data, headers=response.headers)


def _decode(response: httpx2.Response) -> JsonResponse:
    data = _json_body(response)
    if not isinstance(data, dict):
        msg = f"{_who(response)} answered with JSON that is not an object: {str(data)[:200]!r}"
        raise response_error(msg, response.request, body=data)
    return JsonResponse(data=data, headers=response.headers)


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
def _request_errors(url: str, settings: ClientSettings, *, body: Any = None) -> Iterator[None]:
    """Request-time errors (the request variant): the SDK's, with Baseten's message.

    Covers what fails before an answer starts: HTTP statuses, connecting, waiting
    for a pooled connection, the total deadline of a plain answer, and bodies
    that cannot be sent. A stream's failures once it started are mapped by
    :mod:`langchain_baseten._streaming` (the stream variant).

    A body that cannot be encoded (NaN, a lone surrogate, an object JSON cannot
    carry) becomes a ``ValueError`` naming where it is.
    """
    try:
        yield
    except Exception as exc:
        mapped = _request_error(exc, url, settings, body)
        if mapped is None:
            raise
        error, cause = mapped
        raise error from cause


def _request_error(
    exc: Exception, url: str, settings: ClientSettings, body: Any
) -> tuple[Exception, BaseException | None] | None:
    """What :func:`_request_errors` raises for ``exc`` (and its cause); ``None``: ``exc`` as is.

    The SDK's modules are imported here, on the error path (the client that
    raised loaded them already).
    """
    import openai  # noqa: PLC0415

    from langchain_baseten._errors import (  # noqa: PLC0415
        BasetenStreamError,
        ErrorFacts,
        enrich_api_error,
    )

    if isinstance(exc, BasetenStreamError):
        return None
    if isinstance(exc, openai.APIError):
        facts = ErrorFacts(
            url=url,
            secret=settings.secrets,
            max_connections=settings.max_connections,
            retry=settings.limits.retry,
        )
        return enrich_api_error(exc, facts), exc.__cause__
    if isinstance(exc, (ValueError, TypeError)):
        clear = _unsendable_body_error(exc, body)
        return None if clear is None else (clear, exc)
    return None


def _options(headers: Mapping[str, str] | None) -> openai.RequestOptions:
    """Per-request options for the openai client: extra headers, if any."""
    return {"headers": dict(headers)} if headers else {}


class Transport:
    """Sends chat-style requests for one model instance.

    Args:
        settings: Connection settings (base URL, key, timeout, retries, headers).
        http_client: A user-supplied ``httpx2.Client`` or classic ``httpx.Client``
            (see :mod:`langchain_baseten._http.httpx_classic`); replaces the shared pool.
        http_async_client: A user-supplied ``httpx2.AsyncClient`` or classic
            ``httpx.AsyncClient``; likewise.
        max_event_bytes: The largest single stream event accepted (see
            :data:`langchain_baseten._sse.DEFAULT_MAX_EVENT_BYTES`).
    """

    __slots__ = (
        "_async_client",
        "_client_share",
        "_http_async_client",
        "_http_client",
        "_loop_client",
        "_sync_client",
        "max_event_bytes",
        "settings",
    )

    def __init__(
        self,
        settings: ClientSettings,
        *,
        http_client: Any | None = None,
        http_async_client: Any | None = None,
        max_event_bytes: int = DEFAULT_MAX_EVENT_BYTES,
    ) -> None:
        """Remember the settings; no client is built until the first request."""
        self.settings = settings
        self.max_event_bytes = max_event_bytes
        self._http_client = http_client
        self._http_async_client = http_async_client
        self._sync_client: openai.OpenAI | None = None
        self._async_client: openai.AsyncOpenAI | None = None
        # The shared async client of the loop last used, with that loop's entry.
        self._loop_client: tuple[LoopShare, openai.AsyncOpenAI] | None = None
        self._client_share: ProcessShare | None = None

    def _forget_clients_of_another_share(self) -> None:
        """Drop clients cached before a fork or ``close_clients()`` (never reuse them)."""
        share = current_share()
        if self._client_share is not share:
            self._sync_client = self._async_client = None
            self._client_share = share

    @property
    def sync_client(self) -> openai.OpenAI:
        """The openai client used for synchronous requests."""
        self._forget_clients_of_another_share()
        if self._sync_client is None:
            self._sync_client = (
                _shared_sync(self.settings)
                if self._http_client is None
                else _new_sync_client(self.settings, self._http_client)
            )
        return self._sync_client

    @property
    def async_client(self) -> openai.AsyncOpenAI:
        """The openai client used for asynchronous requests (call inside a running loop)."""
        if self._http_async_client is None:
            entry = current_loop_share()
            cached = self._loop_client
            if cached is not None and cached[0] is entry:
                return cached[1]
            client = _shared_async(self.settings, entry)
            self._loop_client = (entry, client)  # one assignment: safe between threads
            return client
        self._forget_clients_of_another_share()
        if self._async_client is None:
            self._async_client = _new_async_client(self.settings, self._http_async_client)
        return self._async_client

    def _url(self, path: str) -> str:
        return self.settings.base_url + path

    def post(
        self, path: str, body: Mapping[str, Any], headers: Mapping[str, str] | None = None
    ) -> JsonResponse:
        """POST a JSON body and return the decoded JSON answer with its headers.

        ``headers`` are added to this request only (session affinity, hosted tools).
        """
        with _request_errors(self._url(path), self.settings, body=body):
            response = self.sync_client.post(
                path, body=body, cast_to=httpx2.Response, options=_options(headers)
            )
        return _decode(response)

    async def apost(
        self, path: str, body: Mapping[str, Any], headers: Mapping[str, str] | None = None
    ) -> JsonResponse:
        """Async twin of :meth:`post`."""
        with _request_errors(self._url(path), self.settings, body=body):
            response = await self.async_client.post(
                path, body=body, cast_to=httpx2.Response, options=_options(headers)
            )
        return _decode(response)

    def post_list(self, path: str, body: Mapping[str, Any]) -> JsonListResponse:
        """POST a JSON body whose answer is a JSON array (BEI/TEI ``/rerank``, ``/predict``)."""
        with _request_errors(self._url(path), self.settings, body=body):
            response = self.sync_client.post(path, body=body, cast_to=httpx2.Response)
        return _decode_list(response)

    async def apost_list(self, path: str, body: Mapping[str, Any]) -> JsonListResponse:
        """Async twin of :meth:`post_list`."""
        with _request_errors(self._url(path), self.settings, body=body):
            response = await self.async_client.post(path, body=body, cast_to=httpx2.Response)
        return _decode_list(response)

    def post_value(self, path: str, body: Mapping[str, Any]) -> JsonValueResponse:
        """POST a JSON body whose answer may be any JSON value (the caller checks its shape)."""
        with _request_errors(self._url(path), self.settings, body=body):
            response = self.sync_client.post(path, body=body, cast_to=httpx2.Response)
        return _decode_value(response)

    async def apost_value(self, path: str, body: Mapping[str, Any]) -> JsonValueResponse:
        """Async twin of :meth:`post_value`."""
        with _request_errors(self._url(path), self.settings, body=body):
            response = await self.async_client.post(path, body=body, cast_to=httpx2.Response)
        return _decode_value(response)

    def get(self, path: str) -> JsonResponse:
        """GET a path and return the decoded JSON answer with its headers."""
        with _request_errors(self._url(path), self.settings):
            response = self.sync_client.get(path, cast_to=httpx2.Response)
        return _decode(response)

    async def aget(self, path: str) -> JsonResponse:
        """Async twin of :meth:`get`."""
        with _request_errors(self._url(path), self.settings):
            response = await self.async_client.get(path, cast_to=httpx2.Response)
        return _decode(response)

    @contextmanager
    def stream(
        self, path: str, body: Mapping[str, Any], headers: Mapping[str, str] | None = None
    ) -> Iterator[EventStream]:
        """POST a streaming request; yield its :class:`EventStream` of JSON events.

        The openai client sends the request (auth, retries, HTTP errors); the
        events are read here, from the raw body. The response is closed when the
        ``with`` block ends, also on error; a stream read to its end leaves the
        connection in the pool for the next request.
        """
        url = self._url(path)
        with _request_errors(url, self.settings, body=body):
            response = self.sync_client.post(
                path, body=body, cast_to=httpx2.Response, stream=True, options=_options(headers)
            )
        try:
            # Imported with the first stream: it imports the SDK and langchain-core's chunks.
            from langchain_baseten._streaming import open_events  # noqa: PLC0415

            yield open_events(response, url, self.settings, self.max_event_bytes)
        finally:
            response.close()

    @asynccontextmanager
    async def astream(
        self, path: str, body: Mapping[str, Any], headers: Mapping[str, str] | None = None
    ) -> AsyncIterator[AsyncEventStream]:
        """Async twin of :meth:`stream`."""
        url = self._url(path)
        with _request_errors(url, self.settings, body=body):
            response = await self.async_client.post(
                path, body=body, cast_to=httpx2.Response, stream=True, options=_options(headers)
            )
        try:
            from langchain_baseten._streaming import aopen_events  # noqa: PLC0415 - as above

            yield await aopen_events(response, url, self.settings, self.max_event_bytes)
        finally:
            await response.aclose()
