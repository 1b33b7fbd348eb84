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

Which failures are retried is decided by
:class:`~langchain_baseten._http.limits.RetryPolicy` (both seams ask it); the
messages of the errors raised here are written by :mod:`langchain_baseten._errors`.
"""

from __future__ import annotations

import math
import time
from typing import TYPE_CHECKING, Any, NoReturn

import httpx2
import openai

from langchain_baseten._errors import TotalTimeoutError, connection_error
from langchain_baseten._http.bodies import aread_whole_body, read_whole_body
from langchain_baseten._http.limits import RequestLimits
from langchain_baseten._http.sockets import Attempt, current_attempt

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator

__all__ = ["AsyncBasetenOpenAI", "BasetenOpenAI"]

#: A read bounded by the deadline may time out this much early (event loop timers fire
#: up to their clock's resolution early).
_DEADLINE_SLACK = 0.05


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


def _raise_transport_error(
    err: httpx2.TransportError,
    request: httpx2.Request,
    attempt: Attempt | None,
    limits: RequestLimits,
) -> NoReturn:
    """Raise what a failed attempt becomes: a total timeout, or a lost answer not retried.

    A read timeout at the attempt's deadline after part of the answer came (a
    server dripping its headers) is the total ``timeout`` running out: the
    pool's reads wait at most until the deadline (see ``_http.sockets``). One with
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
    if limits.retry.failure_refusal(failure) is None:
        raise failure
    # Raised as an SDK error, it ends the SDK's retry loop: the answer is not asked again.
    raise connection_error(failure, request) from failure


def _policy_allows_retry(response: httpx2.Response, limits: RequestLimits) -> bool:
    """Whether the policy allows a retry of this status (the SDK may still decline)."""
    return limits.retry.status_refusal(response.status_code, response.headers) is None


class BasetenOpenAI(openai.OpenAI):
    """``openai.OpenAI`` with a deadline per attempt, a size cap and the retry policy."""

    def __init__(self, *, limits: RequestLimits | None = None, **kwargs: Any) -> None:
        """Build the SDK client; ``limits`` bound each request."""
        super().__init__(**kwargs)
        self.baseten_limits = limits or RequestLimits()

    def _should_retry(self, response: httpx2.Response) -> bool:
        return _policy_allows_retry(response, self.baseten_limits) and super()._should_retry(
            response
        )

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
                read_whole_body(response, limits.max_response_bytes)
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
        return _policy_allows_retry(response, self.baseten_limits) and super()._should_retry(
            response
        )

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
                await aread_whole_body(response, limits.max_response_bytes)
        except httpx2.TransportError as err:
            _raise_transport_error(err, request, attempt, limits)
        finally:
            current_attempt.reset(token)
        return response
