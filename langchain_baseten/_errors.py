"""Errors: one hierarchy, each HTTP error both the openai SDK's class and LangChain's.

Every failure of a request raises one of the classes below. Each inherits from
the openai SDK's class for the same condition (so ``except openai.RateLimitError``
keeps working) *and* from langchain-core's :class:`~langchain_core.exceptions.ModelError`
subclass (so LangChain's retry middleware reads ``is_retryable`` and the
summarization middleware catches :class:`~langchain_core.exceptions.ContextOverflowError`)::

    Exception
    ├── ValueError                           bad input, raised before anything is sent
    │   ├── BasetenRoutingError              (routing.py) model/endpoint settings
    │   └── OutputParserException            (langchain-core) a structured answer that fails
    │       └── BasetenTruncatedOutputError  the answer stopped at max_tokens (finish_reason
    │                                        "length") before the structure was complete
    └── openai.APIError
        ├── openai.APIStatusError            the server answered with an error status
        │   ├── BasetenBadRequestError            400  + ModelInvalidRequestError
        │   ├── BasetenUnprocessableEntityError   422  + ModelInvalidRequestError
        │   ├── BasetenContextOverflowError       400/413/422 "input too long"
        │   │                                          + ContextOverflowError (BadRequestError)
        │   ├── BasetenAuthenticationError        401  + ModelAuthenticationError
        │   ├── BasetenPermissionDeniedError      403  + ModelPermissionDeniedError
        │   ├── BasetenNotFoundError              404  + ModelNotFoundError
        │   ├── BasetenRateLimitError             429  + ModelRateLimitError (retryable)
        │   ├── BasetenInternalServerError        5xx  + ModelAPIError (retryable)
        │   └── BasetenStatusError                any other status (402, 408, 409, 413 ...)
        │                                              + ModelError (retryable for 408/409)
        ├── openai.APIConnectionError
        │   ├── BasetenConnectionError            no answer / connection lost
        │   │                                          + ModelConnectionError (retryable)
        │   └── BasetenTimeoutError               (openai.APITimeoutError)
        │                                              + ModelTimeoutError (retryable)
        ├── BasetenResponseError                  an answer that is not what the API promises
        │                                          (chat, stream event, embeddings, /models)
        │                                              + ModelAPIError (not retryable)
        └── BasetenStreamError                    a stream cut short or an error event in it
            │                                          + ModelAPIError (retryable)
            └── BasetenStreamContextOverflowError  an error event saying "input too long"
                                                       + ContextOverflowError

The messages show Baseten's own message (the SDK only reads OpenAI's nested
``{"error": {"message": ...}}``, so Baseten's ``{"error": "..."}`` and FastAPI's
``{"detail": ...}`` would surface as a bare ``Error code: 404``), the likely
cause chosen from what is known (status, endpoint kind, the engine's message),
the number of attempts, Baseten's request id and why the request was not sent
again. This module writes every failure message, from the error and the facts
its caller passes (:class:`ErrorFacts`: the endpoint, the pool it waited for,
the retry policy ...). Only the embeddings runners add to a message afterwards:
which batch failed (``_embed``, ``_corpus``). The API key (and credential
``default_headers``) never appear in an error: not in the message, ``body``,
``response`` text or the request headers kept on the exception, even when a
server echoes them back. The
redaction is :func:`langchain_baseten._redact.scrub`; each public call also
scrubs the whole chain of whatever leaves it (``ScrubbedErrors``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import httpx2
import openai
from langchain_core.exceptions import (
    ContextOverflowError,
    ModelAPIError,
    ModelAuthenticationError,
    ModelConnectionError,
    ModelError,
    ModelInvalidRequestError,
    ModelNotFoundError,
    ModelPermissionDeniedError,
    ModelRateLimitError,
    ModelTimeoutError,
    OutputParserException,
)

from langchain_baseten._baseten_api import (
    MODEL_API_HOST,
    REQUEST_ID_HEADER,
    is_dedicated_host,
    server_name,
)
from langchain_baseten._http.limits import NotRetried, RetryPolicy
from langchain_baseten._redact import scrub

__all__ = [
    "BasetenAuthenticationError",
    "BasetenBadRequestError",
    "BasetenConnectionError",
    "BasetenContextOverflowError",
    "BasetenInternalServerError",
    "BasetenNotFoundError",
    "BasetenPermissionDeniedError",
    "BasetenRateLimitError",
    "BasetenResponseError",
    "BasetenStatusError",
    "BasetenStreamContextOverflowError",
    "BasetenStreamError",
    "BasetenTimeoutError",
    "BasetenTruncatedOutputError",
    "BasetenUnprocessableEntityError",
    "ErrorFacts",
    "MalformedResponseError",
    "TotalTimeoutError",
    "answer_too_large",
    "connection_error",
    "enrich_api_error",
    "is_context_overflow",
    "scrub",
    "server_message",
    "stream_ended_early",
    "unreadable_answer",
]

_MAX_MESSAGE_CHARS = 2000
_NOT_FOUND = 404
#: The first status of a server error (5xx).
_SERVER_ERRORS = 500


# ---------------------------------------------------------------------- the classes


class BasetenBadRequestError(openai.BadRequestError, ModelInvalidRequestError):
    """HTTP 400: the server rejected the request's parameters or messages."""


class BasetenUnprocessableEntityError(openai.UnprocessableEntityError, ModelInvalidRequestError):
    """HTTP 422: the server could not process the request body (FastAPI validation)."""


class BasetenContextOverflowError(openai.BadRequestError, ContextOverflowError):
    """The input (plus ``max_tokens``) exceeds the model's context window.

    Raised for a 400, 413 or 422 whose message is an engine's context-length
    message; ``status_code`` keeps the status the server sent.
    """


class BasetenAuthenticationError(openai.AuthenticationError, ModelAuthenticationError):
    """HTTP 401: the API key was not accepted."""


class BasetenPermissionDeniedError(openai.PermissionDeniedError, ModelPermissionDeniedError):
    """HTTP 403: the key has no access to this model or deployment."""


class BasetenNotFoundError(openai.NotFoundError, ModelNotFoundError):
    """HTTP 404: no such model, deployment or served model name."""


class BasetenRateLimitError(openai.RateLimitError, ModelRateLimitError):
    """HTTP 429: rate limited (retryable)."""


class BasetenInternalServerError(openai.InternalServerError, ModelAPIError):
    """HTTP 5xx: the model server or Baseten's gateway failed (retryable)."""


class BasetenStatusError(openai.APIStatusError, ModelError):
    """Any other error status (402 billing, 408, 409, 413 ...).

    ``is_retryable`` is true for 408 and 409 (the SDK retries those too).
    """


class BasetenConnectionError(openai.APIConnectionError, ModelConnectionError):
    """No answer: the connection could not be made or broke (retryable)."""


class BasetenTimeoutError(openai.APITimeoutError, ModelTimeoutError):
    """The request timed out (retryable)."""


class BasetenResponseError(openai.APIError, ModelAPIError):
    """An answer (a response, one stream event, embeddings, ``/models``) of the wrong shape.

    Not retryable: a server that answers in the wrong shape usually does so
    every time, and a retry of a generation is billed again.
    """

    is_retryable = False

    def __init__(
        self, message: str, request: httpx2.Request | None = None, *, body: object | None = None
    ) -> None:
        """Create the error; ``request`` is optional (pure converters have none).

        Without one, ``request`` on the error is ``None``.

        Args:
            message: What was wrong and where.
            request: The request the answer belongs to, when known.
            body: The offending answer (or part of it).
        """
        # openai's APIError needs a request (from openai 3.63 its __init__ reads the
        # request's headers, so None raises AttributeError): without one it gets a
        # stand-in, and the error then says it has none.
        super().__init__(message, _redacted_request(request) or _no_request(), body=body)
        if request is None:
            self.request = None  # type: ignore[assignment]


class MalformedResponseError(BasetenResponseError):
    """An answer (or stream event) is JSON but not shaped as the API promises.

    The message names the field (``choices[0].message`` ...) and what it held. A
    :class:`BasetenResponseError`, the one class for malformed answers everywhere
    (chat, streams, embeddings, ``/models``). Also importable from
    :mod:`langchain_baseten._messages`, whose converters raise it.
    """


class BasetenStreamError(openai.APIError, ModelAPIError):
    """A stream broke off, ended before the model finished, or carried an error event.

    Raised instead of handing partial text out as if it were a complete answer.
    """

    def __init__(self, message: str, request: httpx2.Request, *, body: object | None) -> None:
        """Create the error; the request kept on it does not show the key.

        Args:
            message: What happened.
            request: The stream's request.
            body: The server's error event, if any.
        """
        super().__init__(message, _redacted_request(request) or request, body=body)


class BasetenStreamContextOverflowError(BasetenStreamError, ContextOverflowError):
    """An error event inside a stream saying the input exceeds the context window."""

    is_retryable = False


class BasetenTruncatedOutputError(OutputParserException):
    """A structured answer stopped at the token limit (``finish_reason="length"``).

    Raised by ``with_structured_output`` instead of completing the cut-off JSON
    into a value (``{"answer": "4`` is not ``{"answer": "4"}``); the message names
    ``max_tokens``. A refusal or a content filter raises langchain-core's
    :class:`~langchain_core.exceptions.ModelRefusalError` instead.
    """


class TotalTimeoutError(httpx2.ReadTimeout):
    """The attempt ran past ``timeout`` while the server kept sending (slowly).

    Raised by the openai client subclasses (:mod:`langchain_baseten._http.sdk_client`)
    as the transport error it is; :func:`enrich_api_error` words it.
    """

    def __init__(self, total_timeout: float | None) -> None:
        """Create the error for an attempt that ran past ``total_timeout`` seconds."""
        super().__init__(f"the answer took longer than timeout={total_timeout} s in total")
        self.total_timeout = total_timeout


def connection_error(cause: BaseException, request: httpx2.Request) -> openai.APIConnectionError:
    """The SDK's error for a failure without an answer: a timeout, or a connection error.

    The one place that tells them apart (any ``httpx2.TimeoutException`` is a
    timeout), for failures the package meets itself: a lost answer not retried,
    a read failing mid-stream, the Rust backend's failures.

    Args:
        cause: What failed (an httpx2 error, or one standing in for it); kept as
            the error's ``__cause__``.
        request: The request that failed.

    Returns:
        ``openai.APITimeoutError`` or ``openai.APIConnectionError``, to pass to
        :func:`enrich_api_error`.
    """
    error = (
        openai.APITimeoutError(request=request)
        if isinstance(cause, httpx2.TimeoutException)
        else openai.APIConnectionError(request=request)
    )
    error.__cause__ = cause
    return error


def answer_too_large(
    request: httpx2.Request, status: int, cap: int, *, read_whole: int | None = None
) -> BasetenResponseError:
    """The error for an answer larger than ``max_response_bytes``.

    Args:
        request: The request the answer belongs to.
        status: The answer's HTTP status.
        cap: ``max_response_bytes``.
        read_whole: About how large the answer was, when it was read whole before
            it could be checked (the Rust backend); ``None``: reading stopped at the cap.
    """
    host = request.url.host
    if read_whole is None:
        msg = (
            f"The answer from {host} (HTTP {status}) is larger than max_response_bytes={cap} "
            "once decoded; reading stopped there. Raise max_response_bytes= if such answers "
            "are expected (very long answers with logprobs), otherwise a server or proxy sent "
            "far more than an answer."
        )
    else:
        msg = (
            f"The answer from {host} (HTTP {status}) is larger than max_response_bytes={cap} "
            f"(about {read_whole} bytes). Raise max_response_bytes= if such answers are "
            "expected, otherwise a server or proxy sent far more than an answer. The "
            "Performance Client reads an answer whole before it is checked; "
            'backend="python" stops reading at the cap.'
        )
    return BasetenResponseError(msg, request, body=None)


def stream_ended_early(request: httpx2.Request, *, done: bool) -> BasetenStreamError:
    """A stream whose body ended before the model finished (no ``finish_reason``).

    Args:
        request: The stream's request.
        done: The server sent ``[DONE]`` (and no answer at all).
    """
    host = request.url.host
    if done:
        msg = (
            f"The stream from {host} ended before the model finished: it sent [DONE] "
            "and no answer at all."
        )
    else:
        msg = (
            f"The stream from {host} ended before the model finished (no finish_reason "
            "was sent, and no [DONE]), so the partial answer was discarded. The "
            "connection dropped or a proxy cut the stream; retrying usually helps."
        )
    return BasetenStreamError(msg, request, body=None)


def unreadable_answer(request: httpx2.Request) -> BasetenResponseError:
    """The Rust backend could not read an answer, and ``max_retries=0`` forbids asking again."""
    msg = (
        f"The answer from {request.url.host} could not be read (cut short, not JSON, or "
        "numbers JSON cannot hold) and max_retries=0, so it was not asked for again; "
        'backend="python" reports what was wrong with it.'
    )
    return BasetenResponseError(msg, request, body=None)


# ---------------------------------------------------------------------- messages


def server_message(body: object) -> str | None:
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
        return _text_message(body)
    if not isinstance(body, dict):
        return None
    for key in ("error", "message", "detail"):
        if message := _field_message(body.get(key)):
            return message
    return None


def _text_message(text: str) -> str | None:
    """A plain-text error body (an HTML page is a proxy's, not the model server's)."""
    text = text.strip()
    if text.startswith("<"):
        return "(an HTML page, probably from a proxy or gateway, not from the model server)"
    return text or None


def _field_message(value: object) -> str | None:
    """The message in one field of an error body: a string, a nested error, a detail list."""
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, dict):
        return server_message(value)
    if isinstance(value, list) and value:
        return "; ".join(_describe_detail(item) for item in value)
    return None


def _describe_detail(item: Any) -> str:
    if isinstance(item, dict):
        loc = ".".join(str(part) for part in item.get("loc", ()))
        msg = item.get("msg") or item.get("message") or str(item)
        return f"{loc}: {msg}" if loc else str(msg)
    return str(item)


#: Context-length messages, lower-cased, by engine:
#: - vLLM (entrypoints/openai/serving_engine.py): "This model's maximum context
#:   length is N tokens. However, you requested M tokens ..."; vLLM v1's input
#:   processor: "The decoder prompt (length N) is longer than the maximum model
#:   length of M."
#: - SGLang (srt/managers/tokenizer_manager.py): "The input (N tokens) is longer
#:   than the model's context length (M tokens)." and "Requested token count
#:   exceeds the model's maximum context length of M tokens. ..."
#: - TensorRT-LLM (executor RequestError, tests/unittest/llmapi/test_llm.py):
#:   "The sum of prompt length (N), query length (0) should not exceed
#:   max_num_tokens (M)".
#: - OpenAI-style gateways (Baseten passes the engine's text through, and the
#:   OpenAI code): "context_length_exceeded", "context length exceeded".
#: - TEI / BEI embeddings (huggingface/text-embeddings-inference#82), HTTP 413:
#:   "Input validation error: `inputs` must have less than 512 tokens. Given: 600".
_OVERFLOW_PATTERNS = re.compile(
    r"maximum context length"
    r"|is longer than the model's context length"
    r"|is longer than the maximum model length"
    r"|should not exceed max_num_tokens"
    r"|context_length_exceeded"
    r"|context length exceeded"
    r"|input validation error:.*tokens"
    r"|(?:input|prompt) is too long"
)


def is_context_overflow(message: str | None) -> bool:
    """Whether a server message says the input does not fit the model's context.

    Args:
        message: The server's message.

    Returns:
        ``True`` for the context-length messages of vLLM, SGLang, TensorRT-LLM,
        TEI and OpenAI-style gateways.
    """
    return message is not None and _OVERFLOW_PATTERNS.search(message.lower()) is not None


#: Error codes (OpenAI's ``error.code``, or a top-level ``code``) that mean the input is
#: too long, whatever the message says (ChatOpenAI reads the code as well).
_OVERFLOW_CODES = frozenset({"context_length_exceeded"})


def _overflow_code(body: object) -> bool:
    """Whether an error body carries a context-length error code."""
    for holder in (body, body.get("error") if isinstance(body, dict) else None):
        if isinstance(holder, dict) and holder.get("code") in _OVERFLOW_CODES:
            return True
    return False


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

_OVERFLOW_HINT = (
    "the input is longer than the model accepts: shorten or split it (for chat, "
    "trim the history or lower max_tokens; LangChain's SummarizationMiddleware "
    "reacts to this error)"
)
_MODEL_API_404_HINT = (
    "no such Model API slug: call list_models() for the current catalogue "
    "(slugs look like 'openai/gpt-oss-120b')"
)
_SERVED_NAME_404_HINT = (
    "the deployment's server does not know the body model {model}: vLLM and SGLang "
    "servers check it against their served model name. Pass served_model_name=<that "
    "name>; list_models() on this model shows it"
)
_DEDICATED_404_HINT = (
    "no such deployment or route: check the 8-character model ID, the environment or "
    "deployment_id (a scaled-to-zero development deployment also answers 404); if "
    "the server runs vLLM or SGLang, list_models() shows the served_model_name= to pass"
)


def _body_model(request: httpx2.Request | None) -> str | None:
    """The ``model`` of a JSON request body, when it can be read back cheaply."""
    if request is None:
        return None
    match = re.search(rb'"model"\s*:\s*"([^"\\]{1,200})"', request.content[:4096])
    return match.group(1).decode("utf-8", "replace") if match else None


def _host(url: str | None, request: httpx2.Request | None) -> str:
    """The configured endpoint's host (a proxy or test redirect may change the request's)."""
    if url:
        return httpx2.URL(url).host
    return request.url.host if request is not None else ""


def _hint(status: int, message: str | None, request: httpx2.Request | None, url: str | None) -> str:
    """The likely cause, from the status, the endpoint and the server's own words."""
    if is_context_overflow(message):
        return _OVERFLOW_HINT
    if status == _NOT_FOUND:
        host = _host(url, request)
        on_model_api = host == MODEL_API_HOST
        said = (message or "").lower()
        if on_model_api:
            return _MODEL_API_404_HINT
        if "does not exist" in said and "model" in said:
            # vLLM: "The model `abcd1234` does not exist." (the body model differs
            # from --served-model-name); SGLang answers the same way.
            model = _body_model(request)
            return _SERVED_NAME_404_HINT.format(model=repr(model) if model else "")
        if is_dedicated_host(host):
            return _DEDICATED_404_HINT
    return _STATUS_HINTS.get(status) or (
        "server error" if status >= _SERVER_ERRORS else "the request was rejected"
    )


def _truncate(text: str) -> str:
    if len(text) <= _MAX_MESSAGE_CHARS:
        return text
    return text[:_MAX_MESSAGE_CHARS] + f"... ({len(text) - _MAX_MESSAGE_CHARS} more characters)"


def _safe_request(err: openai.APIError) -> httpx2.Request | None:
    try:
        return err.request
    except (AttributeError, RuntimeError):
        return None


def _attempts(request: httpx2.Request | None) -> int | None:
    if request is None:
        return None
    retries = request.headers.get("x-stainless-retry-count")
    return int(retries) + 1 if retries and retries.isdigit() else None


#: The sentence added for each reason the retry policy gives (none for a rejected request).
_NOT_RETRIED: dict[NotRetried, str] = {
    NotRetried.LOST_ANSWER: (
        "Not retried: the server may already have run this request (and billed the "
        "answer); retry_lost_answers=True retries such failures too."
    ),
    NotRetried.SERVER_SAID_NO: "Not retried: the server answered x-should-retry: false.",
    NotRetried.WAIT_TOO_LONG: (
        "Not retried: the server's Retry-After asked for a longer wait than the openai "
        "client accepts."
    ),
}


def _total_timeout_parts(url: str, total_timeout: float | None, *, mid_stream: bool) -> list[str]:
    """The attempt ran past ``timeout`` although data kept arriving."""
    what = "stream" if mid_stream else "answer"
    parts = [
        (
            f"The {what} from {url} took longer than timeout={total_timeout} s in total (data "
            "kept arriving, too slowly to finish in time); raise timeout= if the model is slow."
        )
    ]
    if mid_stream:
        parts.append("The partial answer was discarded.")
    return parts


def _pool_wait(url: str, max_connections: int) -> str:
    """The request waited for a connection of its own pool, not for the model."""
    return (
        f"All {max_connections} connections to {httpx2.URL(url).host} for this API key were "
        "busy until the timeout: the request waited for a free connection and was never sent "
        "(the model was not slow). Send fewer requests at once, or raise max_connections= "
        f"(now {max_connections}) or timeout=."
    )


def _timeout_parts(cause: BaseException | None, url: str, facts: ErrorFacts) -> list[str]:
    if isinstance(cause, TotalTimeoutError):
        return _total_timeout_parts(url, cause.total_timeout, mid_stream=facts.mid_stream)
    if isinstance(cause, httpx2.PoolTimeout) and facts.max_connections is not None:
        return [_pool_wait(url, facts.max_connections)]
    if facts.mid_stream:
        return [
            f"The stream from {url} timed out; raise timeout= if the model is slow.",
            "The partial answer was discarded.",
        ]
    return [f"Request to {url} timed out; raise timeout= if the model is slow."]


def _connection_parts(err: openai.APIConnectionError, url: str, facts: ErrorFacts) -> list[str]:
    cause = err.__cause__
    if isinstance(err, openai.APITimeoutError):
        return _timeout_parts(cause, url, facts)
    mid_stream = facts.mid_stream
    detail = f" ({type(cause).__name__}: {cause})" if cause else ""
    if mid_stream:
        return [
            f"The connection to {url} broke in the middle of the stream{detail}.",
            "The partial answer was discarded; retrying usually helps.",
        ]
    if cause is None or isinstance(cause, httpx2.ConnectError):
        return [f"Could not connect to {url}{detail}."]
    return [f"The connection to {url} failed before an answer{detail}."]


# ---------------------------------------------------------------------- scrubbing

#: The secrets an error is scrubbed of: one (the API key), several, or none.
Secrets = str | Sequence[str] | None


def _no_request() -> httpx2.Request:
    """The stand-in request for openai's APIError when an answer was checked without one."""
    return httpx2.Request("GET", "http://no-request.invalid/")


def _redacted_request(request: httpx2.Request | None) -> httpx2.Request | None:
    """A copy of ``request`` whose credential headers do not show (``Bearer ***``)."""
    return None if request is None else scrub(request, None)


def _redacted_response(
    response: httpx2.Response, request: httpx2.Request | None, secret: Secrets
) -> httpx2.Response:
    """A copy of ``response`` bound to the redacted request, the secrets removed."""
    copy = scrub(response, secret)
    copy.request = request  # type: ignore[assignment]
    return copy


def _scrub_original(err: openai.APIError, new: openai.APIError, secret: Secrets) -> None:
    """Scrub the SDK's error too: it stays reachable as the new error's ``__context__``."""
    err.body = scrub(err.body, secret)
    err.message = scrub(err.message, secret)
    err.args = tuple(scrub(arg, secret) for arg in err.args)
    err.request = new.request
    if isinstance(err, openai.APIStatusError) and isinstance(new, openai.APIStatusError):
        err.response = new.response


# ---------------------------------------------------------------------- classification

_STATUS_CLASSES: dict[int, type[openai.APIStatusError]] = {
    400: BasetenBadRequestError,
    401: BasetenAuthenticationError,
    403: BasetenPermissionDeniedError,
    404: BasetenNotFoundError,
    422: BasetenUnprocessableEntityError,
    429: BasetenRateLimitError,
}
_OVERFLOW_STATUSES = frozenset({400, 413, 422})


def _status_class(status: int, message: str | None) -> type[openai.APIStatusError]:
    if status in _OVERFLOW_STATUSES and is_context_overflow(message):
        return BasetenContextOverflowError
    if status >= _SERVER_ERRORS:
        return BasetenInternalServerError
    return _STATUS_CLASSES.get(status, BasetenStatusError)


def _status_error(
    err: openai.APIStatusError, secret: Secrets, url: str | None
) -> openai.APIStatusError:
    status = err.status_code
    said = scrub(server_message(err.body), secret)
    request = _redacted_request(_safe_request(err))
    cls = _status_class(status, said)
    shown = _truncate(said or "(no message in the response body)")
    hint = _hint(status, said, _safe_request(err), url)
    if status in _OVERFLOW_STATUSES and _overflow_code(err.body):
        cls, hint = BasetenContextOverflowError, _OVERFLOW_HINT
    who = server_name(_host(url, _safe_request(err)))
    message = f"{who} returned HTTP {status}: {shown} Likely cause: {hint}."
    new = cls(
        message,
        response=_redacted_response(err.response, request, secret),
        body=scrub(err.body, secret),
    )
    if isinstance(new, ModelError):
        new.is_retryable = RetryPolicy.is_retryable(status)
    return new


def _connection_error(
    err: openai.APIConnectionError, url: str, facts: ErrorFacts
) -> openai.APIConnectionError:
    request = _redacted_request(_safe_request(err)) or httpx2.Request("POST", url)
    message = " ".join(_connection_parts(err, url, facts))
    if isinstance(err, openai.APITimeoutError):
        timeout = BasetenTimeoutError(request)
        timeout.message = message
        return timeout
    return BasetenConnectionError(message=message, request=request)


def _stream_event_error(
    err: openai.APIError, secret: Secrets, url: str | None
) -> BasetenStreamError:
    """An error event inside a stream (the SDK reads only OpenAI's nested form)."""
    said = scrub(server_message(err.body) or err.message, secret)
    stop = "" if said.endswith((".", "!", "?")) else "."
    who = server_name(_host(url, _safe_request(err)))
    sent = f"{who} sent an error in the middle of the stream"
    parts = [
        f"{sent}: {_truncate(said)}{stop}",
        "The partial answer was discarded.",
    ]
    cls = BasetenStreamContextOverflowError if is_context_overflow(said) else BasetenStreamError
    if cls is BasetenStreamContextOverflowError:
        parts.append(f"Likely cause: {_OVERFLOW_HINT}.")
    request = _redacted_request(_safe_request(err)) or httpx2.Request("POST", "https://baseten")
    return cls(" ".join(parts), request, body=scrub(err.body, secret))


def _why_not_retried(
    err: openai.APIError, retry: RetryPolicy, attempts: int | None
) -> NotRetried | None:
    """Ask the retry policy why the failed request was not sent again."""
    if isinstance(err, openai.APIStatusError):
        return retry.why_not_retried(
            attempts=attempts,
            status=err.status_code,
            headers=err.response.headers,
        )
    if isinstance(err, openai.APIConnectionError) and err.__cause__ is not None:
        return retry.why_not_retried(attempts=attempts, failure=err.__cause__)
    return None


@dataclass(frozen=True, slots=True)
class ErrorFacts:
    """What the caller knows of a failed request besides the error itself.

    Attributes:
        url: The endpoint the request went to (shown for connection errors).
        secret: The API key (or every secret of the model, see
            :func:`~langchain_baseten._redact.secret_values`): never shown, even
            if the server echoes it.
        mid_stream: The error happened while reading a stream that had started
            (a lost connection there is not a failure to connect).
        request_id: Baseten's request id when the error itself carries no
            response (an error event inside a stream).
        max_connections: The size of the pool the request waited for (a wait
            for a pooled connection is worded as such).
        retry: The retry policy the request was sent under: the message says why
            it did not send the failed request again, when retries were left.
    """

    url: str | None = None
    secret: Secrets = None
    mid_stream: bool = False
    request_id: str | None = None
    max_connections: int | None = None
    retry: RetryPolicy | None = None


_NO_FACTS = ErrorFacts()


def enrich_api_error(err: openai.APIError, facts: ErrorFacts = _NO_FACTS) -> openai.APIError:
    """Turn an SDK error into this package's class for it, with a readable message.

    The one writer of failure messages: the returned exception is a new object
    of the matching class in this module (both the SDK's class and LangChain's
    ``ModelError`` subclass), with ``status_code``, ``body`` and ``response`` as
    the SDK gave them, the key removed, and ``baseten_request_id`` and
    ``attempts`` added. Its message says what failed (from the error and
    ``facts``), the attempts made, Baseten's request id and why the request was
    not sent again. An error that is already one of this package's classes is
    returned as is.

    Args:
        err: The openai SDK error.
        facts: What the caller knows besides the error.

    Returns:
        The exception to raise (``raise enrich_api_error(err) from err.__cause__``).
    """
    if getattr(err, "_baseten_enriched", False):
        return err
    secret, url, request_id = facts.secret, facts.url, facts.request_id
    attempts = _attempts(_safe_request(err))
    new: openai.APIError
    if isinstance(err, openai.APIStatusError):
        request_id = err.response.headers.get(REQUEST_ID_HEADER)
        new = _status_error(err, secret, url)
    elif isinstance(err, openai.APIConnectionError):  # timeouts included
        new = _connection_error(err, url or "Baseten", facts)
    elif facts.mid_stream and type(err) is openai.APIError:
        new = _stream_event_error(err, secret, url)
    else:
        new = err
    parts = [new.message]
    if attempts is not None and attempts > 1 and not facts.mid_stream:
        parts.append(f"Gave up after {attempts} attempts.")
    if request_id:
        parts.append(f"Baseten request id: {request_id}.")
    not_retried = None if facts.retry is None else _why_not_retried(err, facts.retry, attempts)
    if not_retried in _NOT_RETRIED:
        parts.append(_NOT_RETRIED[not_retried])
    message = scrub(" ".join(parts), secret)
    if new is not err:
        _scrub_original(err, new, secret)
    new.message = message
    new.args = (message,)
    new.baseten_request_id = request_id  # type: ignore[attr-defined]
    new.attempts = attempts  # type: ignore[attr-defined]
    new._baseten_enriched = True  # type: ignore[attr-defined]  # noqa: SLF001
    return new
