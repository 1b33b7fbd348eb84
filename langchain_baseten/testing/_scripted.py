"""The documented faults: what a user scripts to test retries, fallbacks and error handling.

Each returns a :class:`~langchain_baseten.testing._exchange.Reply` for
:meth:`FakeBaseten.enqueue <langchain_baseten.testing.FakeBaseten.enqueue>`; the
next request (whatever its path) gets it. Their names, arguments and the
errors they raise in ``ChatBaseten`` are the stable, public part of
:mod:`langchain_baseten.testing`; the lower-level replies they are built on
(:func:`error`, :func:`stream` ...) stay available for anything else.
"""

from __future__ import annotations

from langchain_baseten.testing._defaults import ERROR_MESSAGES
from langchain_baseten.testing._exchange import Exchange, Reply, count_words
from langchain_baseten.testing._faults import error
from langchain_baseten.testing._model_like import default_reply
from langchain_baseten.testing._replies import stream

__all__ = [
    "context_overflow",
    "cut_stream",
    "not_found",
    "rate_limited",
    "server_error",
    "slow",
    "unauthorized",
]


def unauthorized() -> Reply:
    """HTTP 401 with Baseten's body: ``openai.AuthenticationError`` in ``ChatBaseten``.

    Never retried.
    """
    return error(401)


def not_found(message: str = ERROR_MESSAGES[404]) -> Reply:
    """HTTP 404 (a model or deployment that does not exist): ``openai.NotFoundError``.

    Args:
        message: The ``{"error": ...}`` text.
    """
    return error(404, {"error": message})


def rate_limited(retry_after: float | None = 1.0) -> Reply:
    """HTTP 429 with a ``Retry-After`` header: ``openai.RateLimitError`` once retries run out.

    The openai client (and so ``ChatBaseten`` with ``max_retries`` > 0) waits
    what ``Retry-After`` says before it retries, when that is at most 60 s.

    Args:
        retry_after: Seconds for the ``Retry-After`` header (``None``: no header).
    """
    headers = None if retry_after is None else {"retry-after": f"{retry_after:g}"}
    return error(429, headers=headers)


def server_error(status: int = 500) -> Reply:
    """A 5xx answer with Baseten's gateway body: ``openai.InternalServerError``.

    ``ChatBaseten`` retries 502 and 503 (the request was not run); 500 and 504
    only with ``retry_lost_answers=True`` (the model may have run and billed it).

    Args:
        status: 500, 502, 503 or 504 (each with the gateway's own message).

    Raises:
        ValueError: For a status that is not a server error.
    """
    if not 500 <= status <= 599:  # noqa: PLR2004 - the 5xx range
        msg = f"server_error(status={status!r}): pass a 5xx status such as 500 or 503."
        raise ValueError(msg)
    return error(status)


def context_overflow(context_length: int = 4096) -> Reply:
    """HTTP 400 saying the prompt does not fit: ``langchain_core``'s ``ContextOverflowError``.

    The body is vLLM's (``ErrorResponse`` of ``vllm/entrypoints/openai/protocol.py``,
    the message of ``serving_engine.py``'s length check), which Baseten passes
    through from the engine: ``{"object": "error", "message": "This model's
    maximum context length is N tokens. However, you requested M tokens ...",
    "type": "BadRequestError", "code": 400}``. ``ChatBaseten`` raises
    ``BasetenContextOverflowError``, a ``ContextOverflowError`` and an
    ``openai.BadRequestError``: what ``langchain``'s summarization middleware and
    fallbacks look for.

    Args:
        context_length: The context window the message names.
    """

    def render(exchange: Exchange) -> None:
        requested = max(context_length + 1, count_words(exchange.request.body.decode("utf-8")))
        message = (
            f"This model's maximum context length is {context_length} tokens. However, you "
            f"requested {requested} tokens in the messages. Please reduce the length of "
            "the messages."
        )
        body = {"object": "error", "message": message, "type": "BadRequestError", "code": 400}
        exchange.send_json(400, body)

    return Reply(render, f"context_overflow({context_length})")


def cut_stream(content: str = "The answer is cut here", *, after: int = 2) -> Reply:
    """A stream whose connection drops after ``after`` events, with no ``[DONE]``.

    What a dying container or a proxy timeout does mid-answer: ``stream()``
    yields the chunks that arrived, then ``ChatBaseten`` raises
    ``BasetenConnectionError`` (an ``openai.APIConnectionError``; not retried, as
    the model ran). A plain (non-streamed) request gets the same events.

    Args:
        content: The answer, streamed a word per event.
        after: How many events arrive before the connection drops.
    """
    return stream(content, drop_after=after)


def slow(seconds: float, then: Reply | None = None) -> Reply:
    """Wait ``seconds`` before answering (bounded by the server): exercises ``timeout=``.

    With ``timeout`` shorter than ``seconds`` ``ChatBaseten`` raises
    ``openai.APITimeoutError``; the server stops waiting when the client hangs up
    or the server closes.

    Args:
        seconds: How long to wait before the headers are sent.
        then: The answer after the wait (default: what the server answers by itself).
    """

    def render(exchange: Exchange) -> None:
        exchange.sleep(seconds)
        (then or default_reply(exchange.request)).render(exchange)

    return Reply(render, f"slow({seconds}, then={then.description if then else 'default'})")
