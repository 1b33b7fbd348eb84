"""Errors that show Baseten's own message, status, request id and likely cause.

The openai SDK raises its own exception classes (``openai.RateLimitError``,
``openai.NotFoundError``, ...) but only reads OpenAI's nested
``{"error": {"message": ...}}`` body, so Baseten's ``{"error": "..."}`` bodies and
FastAPI's ``{"detail": ...}`` bodies surface as a bare ``Error code: 404``. This
module rewrites the message of the SDK's exception in place, keeping its class,
so ``except openai.RateLimitError`` keeps working, and adds two errors of its
own for broken streams and malformed responses, both subclasses of
``openai.APIError``.
"""

from __future__ import annotations

from typing import Any

import httpx2
import openai

__all__ = [
    "BasetenResponseError",
    "BasetenStreamError",
    "enrich_api_error",
    "server_message",
]

REQUEST_ID_HEADER = "x-baseten-request-id"
_MAX_MESSAGE_CHARS = 2000

_STATUS_HINTS: dict[int, str] = {
    400: "the request was rejected; check the parameters this model supports",
    401: "the API key was not accepted; check BASETEN_API_KEY or api_key=",
    402: "billing: the Baseten account has no payment method or credit left",
    403: "the API key has no access to this model or deployment",
    404: (
        "no such model or deployment: check the Model API slug or the 8-character model "
        "ID (a scaled-to-zero development deployment also answers 404)"
    ),
    413: "the request body is too large (Baseten's limit is 100 MB; large images count)",
    429: "rate limited: slow down, or raise the account's limits with Baseten",
    500: "the model server failed on this request",
    502: "the model container restarted; retrying usually helps",
    503: "the model is temporarily unavailable (scaling up or overloaded); retry with backoff",
    504: "the request timed out on Baseten's side (synchronous requests stop after 1200 s)",
}


class BasetenStreamError(openai.APIError):
    """A stream broke off or ended before the model finished its answer.

    Raised instead of handing partial text out as if it were a complete answer.
    """


class BasetenResponseError(openai.APIError):
    """A response (or one streamed event) was not the JSON Baseten's API promises."""


def server_message(body: object) -> str | None:  # noqa: PLR0911
    """Extract the human-readable message from an error body.

    Understands Baseten's ``{"error": "..."}``, OpenAI/vLLM's
    ``{"error": {"message": ...}}`` or ``{"message": ...}``, FastAPI's
    ``{"detail": ...}`` and plain-text bodies.

    Args:
        body: The decoded JSON body, a string, or ``None``.

    Returns:
        The message, or ``None`` when the body carries none.
    """
    if isinstance(body, str):
        text = body.strip()
        if text.startswith("<"):
            return "(an HTML page, probably from a proxy or gateway, not from the model server)"
        return text or None
    if not isinstance(body, dict):
        return None
    for key in ("error", "message", "detail"):
        value = body.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
        if isinstance(value, dict):
            inner = server_message(value)
            if inner:
                return inner
        if isinstance(value, list) and value:
            return "; ".join(_describe_detail(item) for item in value)
    return None


def _describe_detail(item: Any) -> str:
    if isinstance(item, dict):
        loc = ".".join(str(part) for part in item.get("loc", ()))
        msg = item.get("msg") or item.get("message") or str(item)
        return f"{loc}: {msg}" if loc else str(msg)
    return str(item)


def _attempts(request: httpx2.Request | None) -> int | None:
    if request is None:
        return None
    retries = request.headers.get("x-stainless-retry-count")
    return int(retries) + 1 if retries and retries.isdigit() else None


def _truncate(text: str) -> str:
    if len(text) <= _MAX_MESSAGE_CHARS:
        return text
    return text[:_MAX_MESSAGE_CHARS] + f"... ({len(text) - _MAX_MESSAGE_CHARS} more characters)"


def _safe_request(err: openai.APIError) -> httpx2.Request | None:
    try:
        return err.request
    except (AttributeError, RuntimeError):
        return None


def _status_parts(err: openai.APIStatusError) -> list[str]:
    status = err.status_code
    message = server_message(err.body) or "(no message in the response body)"
    hint = _STATUS_HINTS.get(status) or (
        "server error" if status >= 500 else "the request was rejected"  # noqa: PLR2004
    )
    return [f"Baseten returned HTTP {status}: {_truncate(message)}", f"Likely cause: {hint}."]


def _connection_parts(err: openai.APIConnectionError, url: str, *, mid_stream: bool) -> list[str]:
    if isinstance(err, openai.APITimeoutError):
        if mid_stream:
            return [
                f"The stream from {url} timed out; raise timeout= if the model is slow.",
                "The partial answer was discarded.",
            ]
        return [f"Request to {url} timed out; raise timeout= if the model is slow."]
    cause = err.__cause__
    detail = f" ({type(cause).__name__}: {cause})" if cause else ""
    if mid_stream:
        return [
            f"The connection to {url} broke in the middle of the stream{detail}.",
            "The partial answer was discarded; retrying usually helps.",
        ]
    if cause is None or isinstance(cause, httpx2.ConnectError):
        return [f"Could not connect to {url}{detail}."]
    return [f"The connection to {url} failed before an answer{detail}."]


def enrich_api_error(
    err: openai.APIError,
    *,
    url: str | None = None,
    mid_stream: bool = False,
    request_id: str | None = None,
    secret: str | None = None,
) -> openai.APIError:
    """Rewrite an SDK error's message to show what Baseten said and what to do.

    The exception object keeps its class and attributes (``status_code``,
    ``body``, ``response``); ``baseten_request_id`` and ``attempts`` are added.
    Calling it twice on the same error changes nothing the second time.

    Args:
        err: The openai SDK error.
        url: The endpoint the request went to (shown for connection errors).
        mid_stream: The error happened while reading a stream that had started
            (a lost connection there is not a failure to connect).
        request_id: Baseten's request id when the error itself carries no
            response (an error event inside a stream).
        secret: The API key: never shown, even if a lower layer's message
            quotes it.

    Returns:
        The same exception object, ready to be re-raised.
    """
    if getattr(err, "_baseten_enriched", False):
        return err
    attempts = _attempts(_safe_request(err))
    parts: list[str]
    if isinstance(err, openai.APIStatusError):
        request_id = err.response.headers.get(REQUEST_ID_HEADER)
        parts = _status_parts(err)
    elif isinstance(err, openai.APIConnectionError):  # timeouts included
        parts = _connection_parts(err, url or "Baseten", mid_stream=mid_stream)
    elif mid_stream and type(err) is openai.APIError:
        # An error event inside a stream: the SDK only reads OpenAI's nested form
        # and says "An error occurred during streaming" for Baseten's plain string.
        message = server_message(err.body) or err.message
        stop = "" if message.endswith((".", "!", "?")) else "."
        parts = [
            f"Baseten sent an error in the middle of the stream: {_truncate(message)}{stop}",
            "The partial answer was discarded.",
        ]
    else:
        parts = [err.message]
    if attempts is not None and attempts > 1 and not mid_stream:
        parts.append(f"Gave up after {attempts} attempts.")
    if request_id:
        parts.append(f"Baseten request id: {request_id}.")
    new_message = " ".join(parts)
    if secret and secret in new_message:
        new_message = new_message.replace(secret, "***")
    err.message = new_message
    err.args = (new_message,)
    err.baseten_request_id = request_id  # type: ignore[attr-defined]
    err.attempts = attempts  # type: ignore[attr-defined]
    err._baseten_enriched = True  # type: ignore[attr-defined]  # noqa: SLF001
    return err
