"""A local, Baseten-compatible HTTP server for tests (standard library only).

It speaks the wire format of Baseten's OpenAI-compatible inference APIs
(Model APIs overview, https://docs.baseten.co/inference/model-apis/overview;
chat completions reference,
https://docs.baseten.co/reference/inference-api/chat-completions):
``chat/completions`` (plain and SSE streaming),
``models`` and ``embeddings`` under any path prefix, so both the Model API
(``/v1/...``) and dedicated deployments (``/environments/production/sync/v1/...``)
work; BEI/TEI's ``rerank`` and ``predict`` (at the deployment's sync root,
``.../sync/rerank``) too.

Usage::

    from langchain_baseten import testing as fb

    with fb.fake_baseten_server() as server:
        server.enqueue(fb.chat("Hi there"), fb.stream("one two", usage_mode="cumulative"))
        client = openai.OpenAI(base_url=server.url("/v1"), api_key="k")
        ...
        assert server.requests[0].json()["model"] == "openai/gpt-oss-120b"

Scripted replies (:meth:`FakeBaseten.enqueue`) answer requests in FIFO order, one
per request, whatever the path, and skip every check (auth, JSON, routing). With
an empty queue the server answers by itself: an echo of the last user message,
streamed when the request asks for it (see :func:`default_reply`).

The server binds ``127.0.0.1`` on an ephemeral port, serves HTTP/1.1 with
keep-alive, streams with chunked transfer encoding, and every sleep or socket
wait is bounded. ``python -m langchain_baseten.testing [--port N]`` serves it by itself.

Modules (every name below is importable from this package):

* :mod:`~langchain_baseten.testing._server`: the HTTP server, :class:`FakeBaseten`,
  :func:`fake_baseten_server`, :func:`main`;
* :mod:`~langchain_baseten.testing._exchange`: :class:`RecordedRequest`, :class:`Reply`
  and the exchange replies write through;
* :mod:`~langchain_baseten.testing._replies`: chat shapes (:func:`chat`, :func:`stream`,
  :func:`raw_stream`, :func:`trtllm_forced_tool_stream`, :func:`models`,
  :func:`make_usage`, :func:`tool_call`);
* :mod:`~langchain_baseten.testing._encoders`: :func:`embeddings`, :func:`rerank`,
  :func:`predict`, :func:`fake_vector`, :func:`float32`;
* :mod:`~langchain_baseten.testing._faults`: :func:`error`, :func:`raw`, :func:`drip`,
  :func:`drip_headers`, :func:`gzip_bomb`, :func:`cut_short`, :func:`echo` (the request
  quoted back, keys included), :func:`leftover_response`, :class:`Holding` (hold
  requests until released);
* :mod:`~langchain_baseten.testing._model_like`: :func:`default_reply` (what the server
  answers unscripted) and :func:`stall`;
* :mod:`~langchain_baseten.testing._schema_answers`: values synthesised from JSON schemas
  (tool arguments, structured output);
* :mod:`~langchain_baseten.testing._defaults`: the models, catalogue, reasoning text,
  embedding size and gateway error messages the server uses unless told.
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
from langchain_baseten.testing._server import (
    CLOSE_TIMEOUT_SECONDS,
    CONNECTION_TIMEOUT_SECONDS,
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
    "cut_short",
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
    "predict",
    "raw",
    "raw_stream",
    "rerank",
    "stall",
    "stream",
    "tool_call",
    "trtllm_forced_tool_stream",
]
