"""The openai clients this package uses: the SDK's, with a deadline, a size cap and a retry policy.

Two seams of the SDK's base client are overridden; the rest (auth, backoff,
``Retry-After``, error classes) is the SDK's own:

* ``_send_request`` sends one attempt. Here the whole attempt gets a deadline
  (``timeout``: from sending to the last byte, the stream included; the SDK
  alone bounds each read, so a server dripping a byte every few seconds could
  hold a call forever), a plain answer is read with a cap on its decoded size
  (a small gzip body can expand to gigabytes), and a failure that happens after
  the request was sent is not retried unless the caller opted in. (httpx2
  already decodes gzip/deflate in pieces of at most 1 MiB, so stopping at the
  cap keeps memory near it.)
* ``_should_retry`` decides on HTTP statuses: only statuses that say the request
  was not run are retried by default.

Retry policy (``retry_lost_answers=False``, the chat default): retried are
failures that cannot have produced a generation, namely connecting (refused,
DNS, TLS, connect timeout), waiting for a pooled connection, sending the request
(write errors), and HTTP 408, 409, 429, 502 and 503 (or any status the server
marks ``x-should-retry: true``). Not retried: a read timeout or a connection
closed while waiting for or reading the answer, an answer cut short, and other
5xx statuses (500, 504): the model may have generated, and been billed for,
the answer that was lost. ``retry_lost_answers=True`` (the embeddings default:
idempotent and cheap) retries these too, as the SDK does.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NoReturn

import httpx2
import openai

from langchain_baseten._errors import BasetenResponseError
from langchain_baseten._limits import DEFAULT_MAX_RESPONSE_BYTES
from langchain_baseten._sockets import Attempt, current_attempt

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator

__all__ = [
    "DEFAULT_MAX_RESPONSE_BYTES",
    "NOT_RUN_STATUSES",
    "AsyncBasetenOpenAI",
    "BasetenOpenAI",
    "RequestLimits",
    "TotalTimeoutError",
]

log = logging.getLogger(__name__)

#: Statuses that say the server did not run the request (the SDK's 408/409, rate
#: limits, and Baseten's 502 "container restarted" and 503 "loading/overloaded").
NOT_RUN_STATUSES = frozenset({408, 409, 429, 502, 503})
#: Failures after the request went out: the server may have run it.
_AFTER_SEND = (httpx2.ReadTimeout, httpx2.ReadError, httpx2.RemoteProtocolError)
#: A read bounded by the deadline may time out this much early (event loop timers fire
#: up to their clock's resolution early).
_DEADLINE_SLACK = 0.05


@dataclass(frozen=True, slots=True)
class RequestLimits:
    """What bounds one request: its total time, its answer's size, what is retried."""

    total_timeout: float | None = None
    max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES
    retry_lost_answers: bool = True

    def deadline(self) -> float | None:
        """The ``time.monotonic()`` by which an attempt starting now must be done."""
        return None if self.total_timeout is None else time.monotonic() + self.total_timeout


class TotalTimeoutError(httpx2.ReadTimeout):
    """The attempt ran past ``timeout`` while the server kept sending (slowly)."""

    def __init__(self, total_timeout: float | None) -> None:
        super().__init__(f"the answer took longer than timeout={total_timeout} s in total")


class _GuardedStream(httpx2.SyncByteStream):
    """A response body that stops once the attempt's deadline has passed."""

    def __init__(self, inner: Any, deadline: float | None, limits: RequestLimits) -> None:
        self._inner = inner
        self._deadline = math.inf if deadline is None else deadline
        self._limits = limits

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self._inner:
            if time.monotonic() > self._deadline:
                raise TotalTimeoutError(self._limits.total_timeout)
            yield chunk

    def close(self) -> None:
        self._inner.close()


class _AsyncGuardedStream(httpx2.AsyncByteStream):
    """Async twin of :class:`_GuardedStream`."""

    def __init__(self, inner: Any, deadline: float | None, limits: RequestLimits) -> None:
        self._inner = inner
        self._deadline = math.inf if deadline is None else deadline
        self._limits = limits

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._inner:
            if time.monotonic() > self._deadline:
                raise TotalTimeoutError(self._limits.total_timeout)
            yield chunk

    async def aclose(self) -> None:
        await self._inner.aclose()


def _limit_reads(response: httpx2.Response, deadline: float | None) -> None:
    """Lower the body's per-read timeout to what is left of the deadline.

    httpcore reads it when the body starts, so a server that stalls right after
    the headers is stopped at the deadline, not a whole ``timeout`` later.
    """
    timeouts = response.request.extensions.get("timeout")
    if deadline is not None and isinstance(timeouts, dict):
        left = max(deadline - time.monotonic(), 0.001)
        read = timeouts.get("read")
        timeouts["read"] = left if read is None else min(read, left)


def _too_large(response: httpx2.Response, cap: int) -> BasetenResponseError:
    msg = (
        f"The answer from {response.request.url.host} (HTTP {response.status_code}) is larger "
        f"than max_response_bytes={cap} once decoded; reading stopped there. Raise "
        "max_response_bytes= if such answers are expected (very long answers with "
        "logprobs), otherwise a server or proxy sent far more than an answer."
    )
    return BasetenResponseError(msg, response.request, body=None)


def _lost_answer(err: httpx2.TransportError, request: httpx2.Request) -> openai.APIError:
    """The SDK's error for a failure after sending; raised as an SDK error it is not retried."""
    error: openai.APIError = (
        openai.APITimeoutError(request=request)
        if isinstance(err, httpx2.TimeoutException)
        else openai.APIConnectionError(request=request)
    )
    error.lost_answer = True  # type: ignore[attr-defined]  # read by the error message
    log.debug("Not retrying %s: the server may have run the request", type(err).__name__)
    return error


def _raise_transport_error(
    err: httpx2.TransportError,
    request: httpx2.Request,
    attempt: Attempt | None,
    limits: RequestLimits,
) -> NoReturn:
    """Raise what a failed attempt becomes: a total timeout, or a lost answer not retried.

    A read timeout at the attempt's deadline after part of the answer came (a
    server dripping its headers) is the total ``timeout`` running out: the
    pool's reads wait at most until the deadline (see ``_sockets``). One with
    nothing received is the server's silence, reported as the SDK does.
    """
    failure: httpx2.TransportError = err
    if (
        isinstance(err, httpx2.ReadTimeout)
        and not isinstance(err, TotalTimeoutError)
        and attempt is not None
        and attempt.received
        and time.monotonic() >= attempt.deadline - _DEADLINE_SLACK
    ):
        failure = TotalTimeoutError(limits.total_timeout)
        failure.__cause__ = err
    if limits.retry_lost_answers or not isinstance(failure, _AFTER_SEND):
        raise failure
    raise _lost_answer(failure, request) from failure


def _should_retry_status(response: httpx2.Response, limits: RequestLimits) -> bool | None:
    """``False`` when the policy forbids a retry; ``None`` to let the SDK decide."""
    status = response.status_code
    if status in NOT_RUN_STATUSES:
        log.debug("HTTP %i says the request was not run: retried if attempts are left", status)
        return None
    if limits.retry_lost_answers:
        return None  # the SDK's own policy (it logs its retries)
    if response.headers.get("x-should-retry") == "true":
        log.debug("HTTP %i with x-should-retry: true: retried if attempts are left", status)
        return None
    log.debug(
        "Not retrying HTTP %i: the server may have run the request (retry_lost_answers=False)",
        status,
    )
    return False


class BasetenOpenAI(openai.OpenAI):
    """``openai.OpenAI`` with a deadline per attempt, a size cap and the retry policy."""

    def __init__(self, *, limits: RequestLimits | None = None, **kwargs: Any) -> None:
        """Build the SDK client; ``limits`` bound each request."""
        super().__init__(**kwargs)
        self.baseten_limits = limits or RequestLimits()

    def _should_retry(self, response: httpx2.Response) -> bool:
        verdict = _should_retry_status(response, self.baseten_limits)
        return super()._should_retry(response) if verdict is None else verdict

    def _send_request(
        self, request: httpx2.Request, *, stream: bool, **kwargs: Any
    ) -> httpx2.Response:
        limits = self.baseten_limits
        deadline = limits.deadline()
        attempt = None if deadline is None else Attempt(deadline)
        token = current_attempt.set(attempt)  # bounds the pool's reads: headers included
        try:
            response = super()._send_request(request, stream=True, **kwargs)
            _limit_reads(response, deadline)
            response.stream = _GuardedStream(response.stream, deadline, limits)
            if not stream or response.is_error:  # an error body is read whole by the SDK
                _read_capped(response, limits.max_response_bytes)
        except httpx2.TransportError as err:
            _raise_transport_error(err, request, attempt, limits)
        finally:
            current_attempt.reset(token)
        return response


class AsyncBasetenOpenAI(openai.AsyncOpenAI):
    """Async twin of :class:`BasetenOpenAI`."""

    def __init__(self, *, limits: RequestLimits | None = None, **kwargs: Any) -> None:
        """Build the SDK client; ``limits`` bound each request."""
        super().__init__(**kwargs)
        self.baseten_limits = limits or RequestLimits()

    def _should_retry(self, response: httpx2.Response) -> bool:
        verdict = _should_retry_status(response, self.baseten_limits)
        return super()._should_retry(response) if verdict is None else verdict

    async def _send_request(
        self, request: httpx2.Request, *, stream: bool, **kwargs: Any
    ) -> httpx2.Response:
        limits = self.baseten_limits
        deadline = limits.deadline()
        attempt = None if deadline is None else Attempt(deadline)
        token = current_attempt.set(attempt)  # bounds the pool's reads: headers included
        try:
            response = await super()._send_request(request, stream=True, **kwargs)
            _limit_reads(response, deadline)
            response.stream = _AsyncGuardedStream(response.stream, deadline, limits)
            if not stream or response.is_error:  # an error body is read whole by the SDK
                await _aread_capped(response, limits.max_response_bytes)
        except httpx2.TransportError as err:
            _raise_transport_error(err, request, attempt, limits)
        finally:
            current_attempt.reset(token)
        return response


class _CappedBody:
    """The decoded pieces of a plain answer, refusing to grow past ``cap`` bytes."""

    def __init__(self, response: httpx2.Response, cap: int) -> None:
        self._response = response
        self._cap = cap
        self._size = 0
        self._chunks: list[bytes] = []

    def add(self, chunk: bytes) -> None:
        self._size += len(chunk)
        if self._size > self._cap:
            raise _too_large(self._response, self._cap)
        self._chunks.append(chunk)

    def store(self) -> None:
        # What Response.read() stores; reading in pieces is what lets us stop early.
        self._response._content = b"".join(self._chunks)  # noqa: SLF001


def _read_capped(response: httpx2.Response, cap: int) -> None:
    """Read a plain answer, decoded, stopping (and closing) once it passes ``cap`` bytes."""
    body = _CappedBody(response, cap)
    try:
        for chunk in response.iter_bytes():
            body.add(chunk)
    except BaseException:
        response.close()
        raise
    body.store()


async def _aread_capped(response: httpx2.Response, cap: int) -> None:
    """Async twin of :func:`_read_capped`."""
    body = _CappedBody(response, cap)
    try:
        async for chunk in response.aiter_bytes():
            body.add(chunk)
    except BaseException:
        await response.aclose()
        raise
    body.store()
