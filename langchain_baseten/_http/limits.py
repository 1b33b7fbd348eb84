"""What bounds one request: the default bounds, and the retry policy.

Imports no other module of the package and no SDK: the model classes' field
defaults read it (importing a model class imports no HTTP client code), the
openai client subclasses enforce it (:mod:`langchain_baseten._http.sdk_client`), and
the error messages explain its decisions (:mod:`langchain_baseten._errors`).

:class:`RetryPolicy` is the one owner of which failed attempts are sent again
(the client's ``_should_retry`` and its handling of failed reads), of why one
was not (the "Not retried" sentence of an error), and of which statuses
LangChain's retry middleware may retry (``is_retryable``).
"""

from __future__ import annotations

import enum
import logging
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import httpx2

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = [
    "DEFAULT_MAX_CONNECTIONS",
    "DEFAULT_MAX_EVENT_BYTES",
    "DEFAULT_MAX_RESPONSE_BYTES",
    "NOT_RUN_STATUSES",
    "NotRetried",
    "RequestLimits",
    "RetryPolicy",
]

log = logging.getLogger(__name__)

#: Default cap on a plain (non-stream) answer's decoded size: Baseten's own limit
#: on request bodies. Logprobs for a long answer are the largest legitimate case.
DEFAULT_MAX_RESPONSE_BYTES = 100 * 2**20
#: The largest single event (its ``data`` and any one line) a stream may send.
DEFAULT_MAX_EVENT_BYTES = 16 * 1024 * 1024
#: Connections a pool (one endpoint and key) opens at most; more requests wait for one.
DEFAULT_MAX_CONNECTIONS = 1000

#: Statuses that say the server did not run the request (the SDK's 408/409, rate
#: limits, and Baseten's 502 "container restarted" and 503 "loading/overloaded").
NOT_RUN_STATUSES = frozenset({408, 409, 429, 502, 503})
#: Failures after the request went out: the server may have run it.
_AFTER_SEND = (httpx2.ReadTimeout, httpx2.ReadError, httpx2.RemoteProtocolError)
_SERVER_ERROR = 500
#: The answer header by which a server says whether to retry (the openai SDK obeys it too).
_SHOULD_RETRY = "x-should-retry"


class NotRetried(enum.Enum):
    """Why a failed attempt was not sent again although ``max_retries`` allowed it."""

    #: The server may have run the request (and billed the answer): a failure after
    #: sending, or a 5xx other than 502/503, with ``retry_lost_answers=False``.
    LOST_ANSWER = "lost_answer"
    #: The server answered ``x-should-retry: false``.
    SERVER_SAID_NO = "server_said_no"
    #: The openai client declined the wait the server's ``Retry-After`` asked for.
    WAIT_TOO_LONG = "wait_too_long"
    #: A status that rejects the request itself (4xx): the same request fails again.
    REJECTED = "rejected"


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Which failed attempts are sent again, and why one was not.

    Retried are failures that cannot have produced a generation: connecting,
    waiting for a pooled connection, sending the request, and HTTP 408, 409,
    429, 502 and 503 (or any status the server marks ``x-should-retry: true``).
    With ``retry_lost_answers=False`` (the chat default) not retried are a read
    timeout or a connection closed while waiting for or reading the answer, an
    answer cut short, and other 5xx statuses (500, 504): the model may have
    generated, and been billed for, the answer that was lost.
    ``retry_lost_answers=True`` (the embeddings default: idempotent and cheap)
    retries these too. ``x-should-retry: false`` is obeyed either way. The
    openai client then applies its own backoff and its ``Retry-After`` rule.

    Attributes:
        max_retries: Retries allowed after the first attempt (the SDK's setting).
        retry_lost_answers: Also retry failures after the request reached the server.
    """

    max_retries: int = 2
    retry_lost_answers: bool = True

    @staticmethod
    def is_retryable(status: int) -> bool:
        """Whether another attempt may succeed after this status (LangChain's middleware).

        408, 409, 429 and every 5xx: the statuses the openai client retries.
        """
        return status in NOT_RUN_STATUSES or status >= _SERVER_ERROR

    def status_refusal(self, status: int, headers: Mapping[str, str]) -> NotRetried | None:
        """Decide on an error status (and log it): why it is not retried, or ``None``.

        ``None``: retried if the openai client agrees; it is asked only then, and
        retries unless the server's ``Retry-After`` asks for too long a wait.

        Args:
            status: The HTTP status.
            headers: The answer's headers (``x-should-retry``).
        """
        should_retry = headers.get(_SHOULD_RETRY)
        refusal = self._status_reason(status, should_retry)
        if refusal is None:
            why = "x-should-retry: true" if should_retry == "true" else "it says it was not run"
            log.debug("HTTP %i (%s): retried if attempts are left", status, why)
        elif refusal is NotRetried.LOST_ANSWER:
            log.debug(
                "Not retrying HTTP %i: the server may have run the request "
                "(retry_lost_answers=False)",
                status,
            )
        elif refusal is NotRetried.SERVER_SAID_NO:
            log.debug("Not retrying HTTP %i: the server answered x-should-retry: false", status)
        return refusal

    def failure_refusal(self, failure: BaseException) -> NotRetried | None:
        """Decide on a failure without an answer (and log it); ``None``: the SDK retries it."""
        refusal = self._failure_reason(failure)
        if refusal is not None:
            name = type(failure).__name__
            log.debug("Not retrying %s: the server may have run the request", name)
        return refusal

    def why_not_retried(
        self,
        *,
        attempts: int | None,
        status: int | None = None,
        headers: Mapping[str, str] | None = None,
        failure: BaseException | None = None,
    ) -> NotRetried | None:
        """Why the last failed attempt of a request was not sent again, though retries were left.

        The same decision as when the attempt failed (not logged again).

        Args:
            attempts: The attempts made (``None`` if unknown).
            status: The error status, for a failure with an answer.
            headers: That answer's headers.
            failure: What failed, for a failure without an answer.

        Returns:
            ``None`` when no retry was allowed (``max_retries=0``), every retry
            was used, or nothing failed.
        """
        if self.max_retries == 0 or (attempts is not None and attempts > self.max_retries):
            return None
        if status is None:
            return None if failure is None else self._failure_reason(failure)
        refusal = self._status_reason(status, (headers or {}).get(_SHOULD_RETRY))
        if refusal is None and attempts is not None:
            # Not refused here, retries left, yet not retried: the SDK declined the
            # wait the server's Retry-After asked for (its only other reason).
            return NotRetried.WAIT_TOO_LONG
        return refusal

    def _status_reason(self, status: int, should_retry: str | None) -> NotRetried | None:
        if should_retry == "false":
            return NotRetried.SERVER_SAID_NO
        if should_retry == "true" or status in NOT_RUN_STATUSES:
            return None
        if status >= _SERVER_ERROR:
            return None if self.retry_lost_answers else NotRetried.LOST_ANSWER
        return NotRetried.REJECTED

    def _failure_reason(self, failure: BaseException) -> NotRetried | None:
        if self.retry_lost_answers or not isinstance(failure, _AFTER_SEND):
            return None
        return NotRetried.LOST_ANSWER


@dataclass(frozen=True, slots=True)
class RequestLimits:
    """What bounds one request: its total time, its answer's size, what is retried."""

    total_timeout: float | None = None
    max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES
    retry: RetryPolicy = field(default_factory=RetryPolicy)

    def deadline(self) -> float | None:
        """The ``time.monotonic()`` by which an attempt starting now must be done."""
        return None if self.total_timeout is None else time.monotonic() + self.total_timeout
