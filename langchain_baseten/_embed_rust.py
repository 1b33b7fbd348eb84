"""The optional Rust backend of ``BasetenEmbeddings``: Baseten's Performance Client.

``pip install "langchain-baseten[performance]"`` installs
``baseten-performance-client`` (Rust: reqwest and tokio behind pyo3). It sends
each batch's request with the GIL released, so while one request is on the
wire Python threads decode other batches' vectors; it parses the JSON answer
in Rust too. Only the sending changes: batches are still checked, planned,
run, ordered and reported by :mod:`langchain_baseten._batches`, and decoded
(base64 float32 by default) by :mod:`langchain_baseten._embed`, exactly as on
the Python path. One request per batch goes through ``batch_post``; the call's
concurrency is the shared runner's: tasks on one event loop (for a sync call,
a loop in one helper thread), as many as ``max_concurrency``.

Only imported at the first request of a model whose ``backend`` allows it.

Semantics kept, and how:

* Errors: an HTTP error status, a timeout, a lost connection or an answer that
  is not JSON becomes this package's class for it (``BasetenBadRequestError``,
  ``BasetenTimeoutError`` ...), with Baseten's message and the key removed; the
  runner adds the failed batch's positions. The Performance Client keeps no
  response headers for a failed request, so such messages carry no Baseten
  request id.
* Retries: ``max_retries`` per batch (the client's retry budget is lifted to
  100 % so that every batch gets its own retries, as on the Python path). An
  answer the client cannot read (it reports every such failure, a timeout while
  the body arrives included, as "Failed to parse response JSON") is asked again
  through Python only when ``max_retries`` allows a retry; with
  ``max_retries=0`` it is this package's timeout error (when the time ran out)
  or malformed-answer error, and the batch is not sent again.
* ``timeout``: the client's per-request timeout (600 s when ``None``, the openai
  client's read timeout).
* ``default_headers`` are sent with every request.
* Redirects and answer size: the Performance Client (reqwest) follows
  redirects, to any host, with the texts and every header but
  ``Authorization``, and reads an answer whole before this package sees it; it
  has no setting for either, while the Python path never follows a redirect
  and stops reading at ``max_response_bytes``. So ``backend="auto"`` uses it
  only for https on Baseten's own hosts (``BasetenEmbeddings`` decides; an
  explicit ``backend="performance-client"`` elsewhere warns once per host).
  An answer larger than the cap (its ``Content-Length``, or the size of the
  parsed answer) is refused with the Python path's error, after reading; a
  ``max_response_bytes`` below the default sends calls through Python, where
  reading stops at the cap.

Settings it cannot honour send the call through the Python path (see
:func:`unusable_reason`), logged at debug level.
"""

from __future__ import annotations

import json
import os
import re
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import baseten_performance_client as bpc
import httpx2
import openai

from langchain_baseten._errors import (
    ErrorFacts,
    answer_too_large,
    connection_error,
    enrich_api_error,
    unreadable_answer,
)
from langchain_baseten._forksafe import ForkSafeLock
from langchain_baseten._http.limits import DEFAULT_MAX_RESPONSE_BYTES
from langchain_baseten._http.pools import current_share
from langchain_baseten._http.transport import JsonResponse
from langchain_baseten._redact import scrub, secret_values

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from langchain_baseten._http.connection import BasetenConnection
    from langchain_baseten._routing import Endpoint

__all__ = ["RustPoster", "poster", "unusable_reason"]

#: ``timeout=None`` on the Python path leaves the openai client's 600 s read timeout.
DEFAULT_TIMEOUT_SECONDS = 600.0
_EMBEDDINGS_PATH = "/embeddings"
#: Environment variables the Python transport (httpx2) reads and reqwest may read
#: differently: proxies (any endpoint) and extra certificate authorities (https).
_PROXY_ENV = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY")
_CERT_ENV = ("SSL_CERT_FILE", "SSL_CERT_DIR")
#: "API request failed with status 400 Bad Request: <the response body>"
_STATUS_MESSAGE = re.compile(r"status \d+[^:]*: (?P<body>.*)\Z", re.DOTALL)
_MAX_CLIENTS = 64

_lock = ForkSafeLock()
_clients: dict[tuple[str, str], bpc.PerformanceClient] = {}
#: The shared pools these clients go with: ``close_clients()`` replaces it.
_clients_share: object | None = None
#: The process that built the first client: its Rust runtime does not survive fork
#: (a forked child's request never completes), so children use the Python path.
_built_in_pid: int | None = None


def unusable_reason(model: BasetenConnection, endpoint: Endpoint, concurrency: int) -> str | None:
    """Why this call cannot go through the Performance Client (``None``: it can).

    Args:
        model: The embeddings model's connection settings.
        endpoint: Where the call goes.
        concurrency: The call's requests in flight at once (``max_concurrency``).

    Returns:
        The first setting it cannot honour, worded for a debug log line.
    """
    url = urlsplit(endpoint.base_url)
    names = _PROXY_ENV + (_CERT_ENV if url.scheme == "https" else ())
    env = [name for name in names if os.environ.get(name) or os.environ.get(name.lower())]
    checks = {
        "this process was forked after the Performance Client started its runtime, "
        "which does not survive fork": _built_in_pid not in {None, os.getpid()},
        "a user http_client/http_async_client is set": (
            model.http_client is not None or model.http_async_client is not None
        ),
        "default_query is set (the Performance Client cannot add query parameters)": bool(
            model.default_query
        ),
        "retry_lost_answers=False (the Performance Client retries read timeouts)": (
            not model.retry_lost_answers
        ),
        "max_response_bytes is below its default (the Performance Client reads an answer "
        "whole; the Python transport stops at the cap)": (
            model.max_response_bytes < DEFAULT_MAX_RESPONSE_BYTES
        ),
        "max_connections is below max_concurrency (the Performance Client has no "
        "connection limit)": model.max_connections < concurrency,
        f"{', '.join(env)} is set (read by the Python transport only)": bool(env),
        "the base URL has a query string": url.query != "",
    }
    return next((reason for reason, failed in checks.items() if failed), None)


def _client(origin: str, api_key: str) -> bpc.PerformanceClient:
    global _built_in_pid, _clients_share  # noqa: PLW0603 - one per process, see above
    with _lock:
        share = current_share()
        if share is not _clients_share:  # close_clients() ran: forget (and drop) the old ones
            _clients.clear()
            _clients_share = share
        client = _clients.get((origin, api_key))
        if client is None:
            if len(_clients) >= _MAX_CLIENTS:
                _clients.clear()
            client = bpc.PerformanceClient(base_url=origin, api_key=api_key)
            _clients[origin, api_key] = client
            _built_in_pid = os.getpid()
        return client


def poster(
    model: BasetenConnection,
    endpoint: Endpoint,
    python: Callable[[dict[str, Any]], JsonResponse],
    apython: Callable[[dict[str, Any]], Awaitable[JsonResponse]],
    answers_numbers: Callable[[], None],
) -> RustPoster:
    """The poster for one call of ``model`` to ``endpoint``.

    Args:
        model: The embeddings model's connection settings.
        endpoint: Where the call goes.
        python: The Python transport's post (sync): the fallback.
        apython: Its async twin.
        answers_numbers: Called when the endpoint answers a base64 request with JSON
            numbers (later requests then ask for numbers, through Python).

    Returns:
        The poster.
    """
    url = urlsplit(endpoint.base_url)
    key = model.api_key.get_secret_value().strip() if model.api_key else ""
    headers = {
        name: value if isinstance(value, str) else value.get_secret_value()
        for name, value in (model.default_headers or {}).items()
    }
    preference = bpc.RequestProcessingPreference(
        max_concurrent_requests=1,  # one request per batch_post; the runner sets the pace
        timeout_s=model.timeout if model.timeout is not None else DEFAULT_TIMEOUT_SECONDS,
        max_retries=model.max_retries,
        retry_budget_pct=1.0,
        extra_headers=headers or None,
    )
    return RustPoster(
        client=_client(f"{url.scheme}://{url.netloc}", key),
        path=url.path.rstrip("/") + _EMBEDDINGS_PATH,
        url=endpoint.base_url + _EMBEDDINGS_PATH,
        preference=preference,
        secrets=secret_values(key, headers.items()),
        python=python,
        apython=apython,
        max_response_bytes=model.max_response_bytes,
        may_resend=model.max_retries > 0,
        answers_numbers=answers_numbers,
    )


def _json_size(value: Any) -> int:
    """About how many bytes of JSON text ``value`` was parsed from (at least that many)."""
    if isinstance(value, str):
        return len(value) + 2
    if isinstance(value, dict):
        return 2 + sum(len(key) + 3 + _json_size(item) for key, item in value.items())
    if isinstance(value, list):
        return 2 + sum(_json_size(item) + 1 for item in value)
    return 4  # a number, true, false or null: at least one byte, usually a few


def _first_error_line(text: str) -> str:
    """``Error: ...`` of the client's multi-line message (no request id, no debug dump)."""
    for line in text.splitlines():
        if line.strip().startswith("Error:"):
            return line.strip().removeprefix("Error:").strip()
    return text.splitlines()[0] if text else "unknown error"


@dataclass(frozen=True, slots=True)
class RustPoster:
    """Posts one JSON body through the Performance Client; answers as the transport's.

    Only a well-formed answer of base64 vectors is taken from the Rust client.
    Anything else is fetched again through ``python`` (the package's transport),
    whose answer or error is returned: numbers (the Rust client parses JSON
    numbers less precisely than Python, so the vectors would differ in their last
    bits; ``answers_numbers`` is told, and later requests ask for numbers), an
    answer it cannot read (cut short, not JSON, NaN literals), or one without a
    ``data`` list.
    """

    client: bpc.PerformanceClient
    path: str
    url: str
    preference: bpc.RequestProcessingPreference
    secrets: tuple[str, ...]
    python: Callable[[dict[str, Any]], JsonResponse]
    apython: Callable[[dict[str, Any]], Awaitable[JsonResponse]]
    answers_numbers: Callable[[], None]
    max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES
    may_resend: bool = True

    def __repr__(self) -> str:
        """No key, no client internals."""
        return f"RustPoster(url={self.url!r})"

    def post(self, body: dict[str, Any]) -> JsonResponse:
        """Send ``body``; the decoded JSON object and its headers."""
        started = time.monotonic()
        try:
            answer = self.client.batch_post(self.path, [body], preference=self.preference)
        except Exception as exc:  # noqa: BLE001 - mapped into the package's classes
            error = self._error(exc, time.monotonic() - started)
        else:
            usable = self._response(answer)
            return usable if usable is not None else self.python(body)
        if error is None:
            return self.python(body)
        raise error  # outside the except block: the client's error is not kept as context

    async def apost(self, body: dict[str, Any]) -> JsonResponse:
        """Async twin of :meth:`post`."""
        started = time.monotonic()
        try:
            answer = await self.client.async_batch_post(
                self.path, [body], preference=self.preference
            )
        except Exception as exc:  # noqa: BLE001 - mapped into the package's classes
            error = self._error(exc, time.monotonic() - started)
        else:
            usable = self._response(answer)
            return usable if usable is not None else await self.apython(body)
        if error is None:
            return await self.apython(body)
        raise error

    def _response(self, answer: Any) -> JsonResponse | None:
        """The answer if it is a well-formed list of base64 vectors, else ``None``."""
        data = answer.data[0] if answer.data else None
        if not isinstance(data, dict):
            return None
        items = data.get("data")
        if not isinstance(items, list) or not all(
            isinstance(item, dict) and isinstance(item.get("embedding"), str) for item in items
        ):
            if isinstance(items, list) and any(
                isinstance(item, dict) and isinstance(item.get("embedding"), list) for item in items
            ):
                self.answers_numbers()
            return None
        headers = answer.response_headers[0] if answer.response_headers else {}
        self._check_size(data, headers)
        return JsonResponse(data, headers)

    def _check_size(self, data: dict[str, Any], headers: dict[str, str]) -> None:
        """Refuse an answer larger than ``max_response_bytes`` (it was read whole)."""
        length = headers.get("content-length", "")
        size = max(int(length) if length.isdigit() else 0, _json_size(data))
        if size <= self.max_response_bytes:
            return
        raise answer_too_large(self._request(), 200, self.max_response_bytes, read_whole=size)

    def _request(self) -> httpx2.Request:
        return httpx2.Request("POST", self.url)

    def _error(self, exc: Exception, elapsed: float) -> Exception | None:
        """The package's error for what the Performance Client raised (never with the key).

        ``None`` for an answer it could not read when a retry is allowed: the
        Python path fetches it again.
        """
        args = exc.args
        status = args[0] if len(args) > 1 and type(args[0]) is int else None
        text = str(args[-1]) if args else str(exc)
        request = self._request()
        err: openai.APIError
        if type(exc).__name__ == "Timeout":
            err = connection_error(httpx2.TimeoutException(_first_error_line(text)), request)
        elif status is not None:
            err = self._status_error(status, text, request)
        elif "parse response JSON" in text:
            if self.may_resend:
                return None
            return self._unreadable(elapsed, request)
        elif text.startswith("Request ID:"):  # reqwest's failures: connecting, reading
            detail = _first_error_line(text)
            lost = "error sending request" not in text
            cause = httpx2.ReadError(detail) if lost else httpx2.ConnectError(detail)
            err = connection_error(cause, request)
        else:
            return scrub(exc, self.secrets)
        return enrich_api_error(err, ErrorFacts(url=self.url, secret=self.secrets))

    def _unreadable(self, elapsed: float, request: httpx2.Request) -> Exception:
        """An answer the client could not read, with ``max_retries=0``: never sent again.

        The client words a timeout while the body arrives like any other unreadable
        answer; the time taken tells them apart (its timeout covers the whole request).
        """
        if elapsed >= self.preference.timeout_s:
            err = connection_error(httpx2.ReadTimeout("the answer did not arrive in time"), request)
            return enrich_api_error(err, ErrorFacts(url=self.url, secret=self.secrets))
        return unreadable_answer(request)

    def _status_error(
        self, status: int, text: str, request: httpx2.Request
    ) -> openai.APIStatusError:
        found = _STATUS_MESSAGE.search(text)
        raw = found["body"] if found else ""
        try:
            body: Any = json.loads(raw)
        except ValueError:
            body = raw or None
        response = httpx2.Response(status, content=raw.encode(), request=request)
        return openai.APIStatusError(text, response=response, body=body)
