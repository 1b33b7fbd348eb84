"""HTTP transport: shared openai clients and the low-level calls that use them.

Requests go through the official openai client's documented low-level method,
``client.post(path, body=..., cast_to=...)``, which keeps the SDK's auth,
retries with backoff (``Retry-After`` included), timeouts and error classes but
skips its per-request type validation and typed response objects: the payload
goes out as a plain dict and answers come back as plain dicts.

Streams are requested the same way, with ``cast_to=httpx2.Response,
stream=True``: the SDK still sends, retries and maps HTTP errors, and the body
is read by :mod:`langchain_baseten._streaming` (``EventStream``,
``AsyncEventStream``) with the pure decoder of :mod:`langchain_baseten._sse`.
Reading it ourselves is what tells a
clean ``[DONE]`` from a cut connection (the SDK's ``Stream`` hides ``[DONE]``),
keeps the text of error events, bounds one event's size, and reads a finished
stream to the end of its body so the connection goes back to the pool.

Clients are built lazily, on the first request, and shared (see
:mod:`langchain_baseten._pools`): one ``openai.OpenAI`` / ``openai.AsyncOpenAI``
per distinct :class:`ClientSettings` (the API key is part of the settings, so a
key can never reach another instance's request), on one connection pool per
endpoint and key, per process (fork-safe) and per event loop.

Constructing a ``ChatBaseten`` therefore builds no client and no SSL context.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from contextlib import asynccontextmanager, contextmanager, suppress
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import httpx2
import pydantic

from langchain_baseten._baseten import REQUEST_ID_HEADER, server_name
from langchain_baseten._limits import (
    DEFAULT_MAX_CONNECTIONS,
    DEFAULT_MAX_EVENT_BYTES,
    DEFAULT_MAX_RESPONSE_BYTES,
)
from langchain_baseten._pools import (
    LoopShare,
    PoolKey,
    ProcessShare,
    current_loop_share,
    current_share,
    shared_async_client,
    shared_sync_client,
)
from langchain_baseten._redact import scrub, secret_values
from langchain_baseten._sse import JSONNumberError, SSEError, json_loads, loads

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator

    import openai

    from langchain_baseten._client import RequestLimits
    from langchain_baseten._errors import BasetenResponseError
    from langchain_baseten._streaming import AsyncEventStream, EventStream

    _ClientT = TypeVar("_ClientT", openai.OpenAI, openai.AsyncOpenAI)

__all__ = [
    "READ_ERRORS",
    "ClientSettings",
    "JsonListResponse",
    "JsonResponse",
    "JsonValueResponse",
    "Transport",
    "response_error",
]

#: Errors of a read in the middle of a body (TLS failures surface as ssl.SSLError, an OSError).
READ_ERRORS = (httpx2.RequestError, OSError)

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
        from langchain_baseten._client import RequestLimits  # noqa: PLC0415 - see _sdk_clients

        return RequestLimits(
            total_timeout=self.timeout,
            max_response_bytes=self.max_response_bytes,
            retry_lost_answers=self.retry_lost_answers,
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
    from langchain_baseten._client import BasetenOpenAI  # noqa: PLC0415
    from langchain_baseten._httpx_classic import as_httpx2_client  # noqa: PLC0415

    client = BasetenOpenAI(
        http_client=as_httpx2_client(http_client),
        limits=settings.limits,
        **settings.client_kwargs(),
    )
    return _without_openai_env(client, settings)


def _new_async_client(settings: ClientSettings, http_client: Any) -> openai.AsyncOpenAI:
    from langchain_baseten._client import AsyncBasetenOpenAI  # noqa: PLC0415 - see above
    from langchain_baseten._httpx_classic import as_httpx2_async_client  # noqa: PLC0415

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


def _needs_body_check(response: httpx2.Response) -> bool:
    """A streaming request answered with JSON or HTML (not events): read it to explain."""
    content_type = response.headers.get("content-type", "")
    return content_type.startswith(("application/json", "text/html"))


def _raise_not_an_event_stream(
    response: httpx2.Response, data: bytes, secrets: tuple[str, ...]
) -> NoReturn:
    """Raise the error for a stream request answered with a JSON body or an HTML page.

    A JSON error object (a gateway or model server that reports a failure with
    HTTP 200) shows the server's own text; any other JSON means the server or a
    proxy ignores ``stream=true``.
    """
    host = response.request.url.host
    content_type = response.headers.get("content-type", "")
    payload: Any = None
    if content_type.startswith("text/html"):
        # Without this check the page parses as an empty event stream and the
        # error would blame a dropped connection.
        msg = (
            f"Asked {host} for a stream but got an HTML page (HTTP {response.status_code}, "
            f"content-type {content_type!r}), probably from a proxy, gateway or login page "
            "rather than the model server. Check base_url and any proxy between you and Baseten."
        )
    else:
        with suppress(SSEError):
            payload = loads(data, "a body")
        from langchain_baseten._errors import server_message  # noqa: PLC0415 - an error path

        said = server_message(payload) if isinstance(payload, dict) else None
        if said and "choices" not in payload:
            msg = (
                f"Asked {host} for a stream (stream=true) and it answered HTTP "
                f"{response.status_code} with an error instead of events: {said[:2000]}"
            )
        else:
            msg = (
                f"Asked {host} for a stream (stream=true) but got a JSON body instead of "
                "server-sent events; the server or a proxy ignores streaming. Call without "
                "streaming (streaming=False) or fix the endpoint."
            )
    msg = scrub(msg, secrets)
    request_id = response.headers.get(REQUEST_ID_HEADER)
    if request_id:
        msg += f" Baseten request id: {request_id}."
    raise response_error(msg, response.request, body=None)


def _read_capped(response: httpx2.Response, cap: int) -> bytes:
    """Up to ``cap`` bytes of a streamed body (a failed read keeps what arrived)."""
    parts: list[bytes] = []
    size = 0
    with suppress(*READ_ERRORS):
        for piece in response.iter_bytes():
            parts.append(piece)
            size += len(piece)
            if size > cap:
                break
    return b"".join(parts)[:cap]


async def _aread_capped(response: httpx2.Response, cap: int) -> bytes:
    """Async twin of :func:`_read_capped`."""
    parts: list[bytes] = []
    size = 0
    with suppress(*READ_ERRORS):
        async for piece in response.aiter_bytes():
            parts.append(piece)
            size += len(piece)
            if size > cap:
                break
    return b"".join(parts)[:cap]


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


def _explain_pool_wait(err: openai.APIError, url: str, settings: ClientSettings) -> None:
    """Say that the request waited for a connection of its own pool, not for the model."""
    limit = settings.max_connections
    attempts = getattr(err, "attempts", None)
    message = (
        f"All {limit} connections to {httpx2.URL(url).host} for this API key were busy "
        "until the timeout: the request waited for a free connection and was never sent "
        "(the model was not slow). Send fewer requests at once, or raise max_connections= "
        f"(now {limit}) or timeout=."
    )
    if attempts is not None and attempts > 1:
        message += f" Gave up after {attempts} attempts."
    err.message = message
    err.args = (message,)


def _explain_total_timeout(err: openai.APIError, url: str, settings: ClientSettings) -> None:
    """Say that the whole request ran past ``timeout`` although data kept arriving.

    (The same deadline passed mid-stream is worded in :mod:`langchain_baseten._streaming`.)
    """
    message = (
        f"The answer from {url} took longer than timeout={settings.timeout} s in total (data "
        "kept arriving, too slowly to finish in time); raise timeout= if the model is slow."
    )
    err.message = message
    err.args = (message,)


def _say_why_not_retried(err: openai.APIError, settings: ClientSettings, *, lost: bool) -> None:
    """Add why a failure (``lost``: after sending) was not retried though ``max_retries`` allows."""
    import openai  # noqa: PLC0415 - loaded by now (err is one of its errors)

    from langchain_baseten._client import NOT_RUN_STATUSES  # noqa: PLC0415

    if settings.max_retries == 0 or settings.retry_lost_answers:
        return
    if isinstance(err, openai.APIStatusError):
        lost = err.status_code >= 500 and err.status_code not in NOT_RUN_STATUSES  # noqa: PLR2004
    if not lost:
        return
    message = (
        f"{err.message} Not retried: the server may already have run this request (and "
        "billed the answer); retry_lost_answers=True retries such failures too."
    )
    err.message = message
    err.args = (message,)


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

    from langchain_baseten._client import TotalTimeoutError  # noqa: PLC0415
    from langchain_baseten._errors import BasetenStreamError, enrich_api_error  # noqa: PLC0415

    if isinstance(exc, BasetenStreamError):
        return None
    if isinstance(exc, openai.APIError):
        enriched = enrich_api_error(exc, url=url, secret=settings.secrets)
        if isinstance(exc.__cause__, httpx2.PoolTimeout):
            _explain_pool_wait(enriched, url, settings)
        elif isinstance(exc.__cause__, TotalTimeoutError):
            _explain_total_timeout(enriched, url, settings)
        _say_why_not_retried(enriched, settings, lost=getattr(exc, "lost_answer", False))
        return enriched, exc.__cause__
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
            (see :mod:`langchain_baseten._httpx_classic`); replaces the shared pool.
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
        """Drop clients cached before a fork or :func:`close_clients` (never reuse them)."""
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
            if _needs_body_check(response):
                data = _read_capped(response, self.max_event_bytes)
                _raise_not_an_event_stream(response, data, self.settings.secrets)
            from langchain_baseten._streaming import EventStream  # noqa: PLC0415 - see module doc

            yield EventStream(response, url, self.settings, self.max_event_bytes)
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
            if _needs_body_check(response):
                data = await _aread_capped(response, self.max_event_bytes)
                _raise_not_an_event_stream(response, data, self.settings.secrets)
            from langchain_baseten._streaming import AsyncEventStream  # noqa: PLC0415

            yield AsyncEventStream(response, url, self.settings, self.max_event_bytes)
        finally:
            await response.aclose()
