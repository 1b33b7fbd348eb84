"""A local, Baseten-compatible server to test against offline (standard library only).

It speaks the wire format of Baseten's OpenAI-compatible inference APIs
(Model APIs overview, https://docs.baseten.co/inference/model-apis/overview;
chat completions reference,
https://docs.baseten.co/reference/inference-api/chat-completions):
``chat/completions`` (plain and SSE streaming, tool calls, reasoning),
``models`` and ``embeddings`` under any path prefix, so both the Model API
(``/v1/...``) and dedicated deployments (``/model-<id>/environments/production/sync/v1/...``)
work; BEI/TEI's and vLLM's ``rerank`` and ``predict`` (at the deployment's sync
root) too, with the engine quirks cited in the private modules. ``import
langchain_baseten`` never loads it. Guide: ``docs/testing.md``.

Example:
    Start it in-process, point the package at it, script a fault::

        from langchain_baseten import ChatBaseten
        from langchain_baseten.testing import fake_baseten_server, rate_limited

        with fake_baseten_server() as server:
            os.environ.update(server.env())  # BASETEN_ORIGIN, BASETEN_API_KEY
            llm = ChatBaseten(model="baseten/openai/gpt-oss-120b", max_retries=1)
            server.enqueue(rate_limited(retry_after=0.1))
            llm.invoke("Hi").content  # 'echo: Hi', after one retry
            server.requests[0].json()["model"]  # 'openai/gpt-oss-120b'

    From a shell: ``python -m langchain_baseten.testing [--port N] [--lifetime SECONDS]``
    prints its URL, then the environment to export. In pytest:
    ``pytest_plugins = ["langchain_baseten.testing.pytest_plugin"]`` gives the
    ``local_baseten`` fixture.

Scripted replies (:meth:`FakeBaseten.enqueue`) answer requests in FIFO order, one
per request, whatever the path, and skip every check (auth, JSON, routing). With
an empty queue the server answers by itself: an echo of the last user message,
streamed when the request asks for it (see :func:`default_reply`); a request
without a key gets 401.

The server binds ``127.0.0.1`` on an ephemeral port, serves HTTP/1.1 with
keep-alive, streams with chunked transfer encoding, and every sleep or socket
wait is bounded.

What is public: the names in ``__all__``, and nothing else (the modules behind
them, ``_server``, ``_faults`` ..., are private):

* the server: :class:`FakeBaseten` (a context manager), :func:`fake_baseten_server`,
  :class:`RecordedRequest` (``server.requests``), :data:`LOCAL_API_KEY`,
  :func:`main` (``python -m``);
* the documented faults, stable: :func:`unauthorized` (401), :func:`not_found`
  (404), :func:`rate_limited` (429 with ``Retry-After``), :func:`server_error`
  (5xx), :func:`context_overflow` (vLLM's 400), :func:`cut_stream`, :func:`slow`;
* replies to script answers and engine shapes: :func:`chat`, :func:`stream`,
  :func:`tool_call`, :func:`make_usage`, :func:`models`, :func:`embeddings`,
  :func:`rerank`, :func:`predict`, :func:`raw_stream`,
  :func:`trtllm_forced_tool_stream`, :func:`default_reply`, :func:`stall`;
  and lower-level failures of a hostile server or proxy: :func:`error`,
  :func:`raw`, :func:`drip`, :func:`drip_headers`, :func:`gzip_bomb`,
  :func:`cut_short`, :func:`echo`, :func:`leftover_response`, :class:`Holding`;
  :class:`Reply` and :class:`Exchange` to write your own;
* what the server uses unless told (``DEFAULT_MODELS``, ``DEFAULT_REASONING``,
  ``ERROR_MESSAGES`` ...).
"""

from __future__ import annotations

from langchain_baseten.testing._defaults import (
    DEFAULT_CATALOG,
    DEFAULT_EMBEDDING_DIMENSIONS,
    DEFAULT_MODEL,
    DEFAULT_MODELS,
    DEFAULT_REASONING,
    ERROR_MESSAGES,
    SYSTEM_FINGERPRINT,
)
from langchain_baseten.testing._encoders import (
    EncodingSupport,
    embeddings,
    fake_vector,
    float32,
    predict,
    rerank,
)
from langchain_baseten.testing._exchange import MAX_STALL_SECONDS, Exchange, RecordedRequest, Reply
from langchain_baseten.testing._faults import (
    ECHO_SHAPES,
    Holding,
    cut_short,
    drip,
    drip_headers,
    echo,
    error,
    gzip_bomb,
    leftover_response,
    raw,
)
from langchain_baseten.testing._model_like import (
    SERVER_TOOL_PREFIX,
    USER_PART_TYPES,
    default_reply,
    stall,
)
from langchain_baseten.testing._replies import (
    DEFAULT,
    StreamStyle,
    UsageMode,
    chat,
    make_usage,
    models,
    raw_stream,
    stream,
    tool_call,
    trtllm_forced_tool_stream,
)
from langchain_baseten.testing._scripted import (
    context_overflow,
    cut_stream,
    not_found,
    rate_limited,
    server_error,
    slow,
    unauthorized,
)
from langchain_baseten.testing._server import (
    CLOSE_TIMEOUT_SECONDS,
    CONNECTION_TIMEOUT_SECONDS,
    LOCAL_API_KEY,
    FakeBaseten,
    fake_baseten_server,
    main,
)

__all__ = [
    "CLOSE_TIMEOUT_SECONDS",
    "CONNECTION_TIMEOUT_SECONDS",
    "DEFAULT",
    "DEFAULT_CATALOG",
    "DEFAULT_EMBEDDING_DIMENSIONS",
    "DEFAULT_MODEL",
    "DEFAULT_MODELS",
    "DEFAULT_REASONING",
    "ECHO_SHAPES",
    "ERROR_MESSAGES",
    "LOCAL_API_KEY",
    "MAX_STALL_SECONDS",
    "SERVER_TOOL_PREFIX",
    "SYSTEM_FINGERPRINT",
    "USER_PART_TYPES",
    "EncodingSupport",
    "Exchange",
    "FakeBaseten",
    "Holding",
    "RecordedRequest",
    "Reply",
    "StreamStyle",
    "UsageMode",
    "chat",
    "context_overflow",
    "cut_short",
    "cut_stream",
    "default_reply",
    "drip",
    "drip_headers",
    "echo",
    "embeddings",
    "error",
    "fake_baseten_server",
    "fake_vector",
    "float32",
    "gzip_bomb",
    "leftover_response",
    "main",
    "make_usage",
    "models",
    "not_found",
    "predict",
    "rate_limited",
    "raw",
    "raw_stream",
    "rerank",
    "server_error",
    "slow",
    "stall",
    "stream",
    "tool_call",
    "trtllm_forced_tool_stream",
    "unauthorized",
]
