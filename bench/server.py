"""A cheap OpenAI-compatible server for the benchmark: pre-built bytes, keep-alive, 127.0.0.1 only.

``bench/run.py`` starts it in its own process. It prints ``PORT <n>`` as its
first line, then answers ``POST .../chat/completions``:

* with a fixed ``chat.completion`` (usage included), or
* when the body has ``"stream": true``, with N ``chat.completion.chunk`` events
  of one short content delta each, a usage-only chunk (``choices: []``) and
  ``data: [DONE]``. N comes from the ``x-bench-chunks`` request header or a
  ``?chunks=N`` query parameter, else ``--chunks`` (default 1000);

and ``POST .../embeddings`` like an embedding server (BEI, TEI, vLLM): one
1024-dimension vector per input, chosen among 64 pre-built ones by a CRC of the
text (so input order can be checked), as JSON numbers by default or, for
``"encoding_format": "base64"``, as base64 little-endian float32 (what TEI's
``OpenAICompatRequest.encoding_format`` in ``router/src/http/types.rs`` and
vLLM's ``EmbeddingCompletionRequest.encoding_format`` do; both default to
floats). The numbers are the exact decimal values of the float32 vectors, so
both formats decode to identical values. A path starting ``/delay/<ms>/``
(e.g. ``/delay/20/v1/embeddings``) answers after that many milliseconds, like a
model's compute time.

Every response is built once and cached as bytes, so the server spends almost
nothing per request. It speaks HTTP/1.1 with keep-alive on asyncio streams and
exits on SIGTERM/SIGINT, when its parent process goes away, or after
``--max-seconds`` (default 15 minutes), whichever comes first.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import functools
import json
import os
import signal
import struct
import sys
import zlib
from urllib.parse import parse_qs, urlsplit

MAX_CHUNKS = 100_000
COMPLETION_ID = "chatcmpl-bench"
MODEL = "bench-model"
CONTENT = "Hello from the benchmark server."
DELTA = "tok "
PROMPT_TOKENS = 12
EMBED_DIMENSIONS = 1024
EMBED_VECTORS = 64
MAX_DELAY_MS = 10_000


def _http(status: bytes, body: bytes, content_type: bytes) -> bytes:
    """One complete HTTP/1.1 keep-alive response."""
    return b"".join(
        (
            b"HTTP/1.1 ",
            status,
            b"\r\ncontent-type: ",
            content_type,
            b"\r\nconnection: keep-alive\r\ncontent-length: ",
            str(len(body)).encode(),
            b"\r\n\r\n",
            body,
        )
    )


def _completion() -> bytes:
    return json.dumps(
        {
            "id": COMPLETION_ID,
            "object": "chat.completion",
            "created": 1,
            "model": MODEL,
            "system_fingerprint": "fp_bench",
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": CONTENT},
                    "finish_reason": "stop",
                    "logprobs": None,
                }
            ],
            "usage": {"prompt_tokens": PROMPT_TOKENS, "completion_tokens": 7, "total_tokens": 19},
        }
    ).encode()


def _event(payload: dict[str, object]) -> bytes:
    return b"data: " + json.dumps(payload).encode() + b"\n\n"


def _stream_body(chunks: int) -> bytes:
    """``chunks`` content deltas, one usage-only chunk, then ``[DONE]``."""
    head = {"id": COMPLETION_ID, "object": "chat.completion.chunk", "created": 1, "model": MODEL}
    parts = []
    for i in range(chunks):
        delta = {"content": DELTA} if i else {"role": "assistant", "content": DELTA}
        finish = "stop" if i == chunks - 1 else None
        choice = {"index": 0, "delta": delta, "finish_reason": finish}
        parts.append(_event({**head, "choices": [choice]}))
    usage = {
        "prompt_tokens": PROMPT_TOKENS,
        "completion_tokens": chunks,
        "total_tokens": PROMPT_TOKENS + chunks,
    }
    parts.append(_event({**head, "choices": [], "usage": usage}))
    parts.append(b"data: [DONE]\n\n")
    return b"".join(parts)


def _embed_vectors() -> list[tuple[float, ...]]:
    """64 deterministic float32 vectors (as the Python floats they decode to)."""
    vectors = []
    for v in range(EMBED_VECTORS):
        values = [
            ((v * 7919 + i * 104729) % 20011) / 10005.5 - 1.0 for i in range(EMBED_DIMENSIONS)
        ]
        packed = struct.pack(f"<{EMBED_DIMENSIONS}f", *values)
        vectors.append(struct.unpack(f"<{EMBED_DIMENSIONS}f", packed))
    return vectors


def _embed_fragments() -> dict[bool, list[bytes]]:
    """Per vector, the JSON of its ``embedding`` value: floats, or base64 float32 (True)."""
    vectors = _embed_vectors()
    floats = [json.dumps(list(v)).replace(" ", "").encode() for v in vectors]
    b64 = [b'"' + base64.b64encode(struct.pack(f"<{len(v)}f", *v)) + b'"' for v in vectors]
    return {False: floats, True: b64}


EMBED_FRAGMENTS = _embed_fragments()


def vector_index(text: str) -> int:
    """Which pre-built vector answers ``text`` (the benchmark checks answers with it)."""
    return zlib.crc32(text.encode()) % EMBED_VECTORS


def _embeddings(body: bytes) -> bytes:
    """An ``embeddings`` list answer for the request body, from pre-built fragments."""
    try:
        request = json.loads(body)
        inputs = request["input"]
    except (ValueError, KeyError, TypeError):
        return _http(
            b"400 Bad Request", b'{"error": "bad embeddings request"}', b"application/json"
        )
    inputs = [inputs] if isinstance(inputs, str) else inputs
    as_base64 = request.get("encoding_format") == "base64"
    fragments = EMBED_FRAGMENTS[as_base64]
    items = [
        b'{"object":"embedding","index":%d,"embedding":%s}'
        % (index, fragments[vector_index(str(text))])
        for index, text in enumerate(inputs)
    ]
    usage = b'{"prompt_tokens":%d,"total_tokens":%d}' % (len(inputs), len(inputs))
    payload = b'{"object":"list","data":[%s],"model":"%s","usage":%s}' % (
        b",".join(items),
        MODEL.encode(),
        usage,
    )
    return _http(b"200 OK", payload, b"application/json")


def _delay_ms(path: bytes) -> int:
    if not path.startswith(b"/delay/"):
        return 0
    return max(0, min(int(path.split(b"/")[2]), MAX_DELAY_MS))


INVOKE_RESPONSE = _http(b"200 OK", _completion(), b"application/json")
NOT_FOUND = _http(b"404 Not Found", b'{"error": {"message": "not found"}}', b"application/json")


@functools.cache
def _stream_response(chunks: int) -> bytes:
    return _http(b"200 OK", _stream_body(chunks), b"text/event-stream")


def _chunks_from_query(target: bytes) -> int | None:
    query = parse_qs(urlsplit(target.decode("latin-1")).query)
    return int(query["chunks"][0]) if "chunks" in query else None


def _answer(head: bytes, body: bytes, default_chunks: int) -> bytes:
    """Choose the pre-built response for one request (request line + headers, body)."""
    request_line, _, header_block = head.partition(b"\r\n")
    method, target, _ = request_line.split(b" ", 2)
    path = target.partition(b"?")[0]
    if method == b"POST" and path.endswith(b"/embeddings"):
        return _embeddings(body)
    if method != b"POST" or not path.endswith(b"/chat/completions"):
        return NOT_FOUND
    if b'"stream":true' not in body and b'"stream": true' not in body:
        return INVOKE_RESPONSE
    chunks = _chunks_from_query(target) if b"?" in target else None
    for line in header_block.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"x-bench-chunks":
            chunks = int(value)
    chunks = default_chunks if chunks is None else chunks
    return _stream_response(max(1, min(chunks, MAX_CHUNKS)))


def _content_length(head: bytes) -> int:
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value)
    return 0


async def _handle(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, default_chunks: int
) -> None:
    """Serve one keep-alive connection until the client closes it."""
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            length = _content_length(head)
            body = await reader.readexactly(length) if length else b""
            target = head.split(b" ", 2)[1]
            if delay := _delay_ms(target):
                await asyncio.sleep(delay / 1000)
            writer.write(_answer(head, body, default_chunks))
            await writer.drain()
    except (
        asyncio.IncompleteReadError,
        asyncio.LimitOverrunError,
        asyncio.CancelledError,  # shutting down: end quietly
        ConnectionError,
        ValueError,
    ):
        pass
    finally:
        writer.close()


async def _parent_gone(parent: int) -> None:
    while True:
        await asyncio.sleep(1)
        if os.getppid() != parent:
            return


async def serve(max_seconds: float, default_chunks: int) -> None:
    """Serve until SIGTERM/SIGINT, the parent's exit, or ``max_seconds``."""
    handler = functools.partial(_handle, default_chunks=default_chunks)
    server = await asyncio.start_server(
        handler, "127.0.0.1", 0, backlog=1024, limit=64 * 1024 * 1024
    )
    _stream_response(default_chunks)  # build the default stream before the first request
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    sys.stdout.write(f"PORT {server.sockets[0].getsockname()[1]}\n")
    sys.stdout.flush()
    waiters = {
        asyncio.create_task(stop.wait()),
        asyncio.create_task(_parent_gone(os.getppid())),
    }
    await asyncio.wait(waiters, timeout=max_seconds, return_when=asyncio.FIRST_COMPLETED)
    for task in waiters:
        task.cancel()
    server.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--max-seconds", type=float, default=900, help="exit after this long")
    parser.add_argument("--chunks", type=int, default=1000, help="default chunks per stream")
    args = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(args.max_seconds, args.chunks))


if __name__ == "__main__":
    main()
