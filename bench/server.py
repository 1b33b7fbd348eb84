"""A cheap OpenAI-compatible server for the benchmark: pre-built bytes, keep-alive, 127.0.0.1 only.

Run by ``bench/run.py`` in its own process. It prints ``PORT <n>`` on its first
line, answers ``POST .../chat/completions`` with a fixed completion, or, when the
body asks for ``"stream": true``, with ``x-bench-chunks`` (default 1000) content
chunks, a usage-only chunk and ``[DONE]``. It exits on SIGTERM, when its parent
goes away, or after ``--max-seconds``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sys

COMPLETION = json.dumps(
    {
        "id": "chatcmpl-bench",
        "object": "chat.completion",
        "created": 1,
        "model": "bench-model",
        "system_fingerprint": "fp_bench",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": "Hello from the benchmark server."},
                "finish_reason": "stop",
                "logprobs": None,
            }
        ],
        "usage": {"prompt_tokens": 12, "completion_tokens": 7, "total_tokens": 19},
    }
).encode()


def _http(body: bytes, content_type: bytes) -> bytes:
    return (
        b"HTTP/1.1 200 OK\r\ncontent-type: "
        + content_type
        + b"\r\nconnection: keep-alive\r\ncontent-length: "
        + str(len(body)).encode()
        + b"\r\n\r\n"
        + body
    )


def _stream_body(chunks: int) -> bytes:
    parts = []
    for i in range(chunks):
        event = {
            "id": "chatcmpl-bench",
            "object": "chat.completion.chunk",
            "created": 1,
            "model": "bench-model",
            "choices": [
                {
                    "index": 0,
                    "delta": {"content": "tok "} if i else {"role": "assistant", "content": "tok "},
                    "finish_reason": "stop" if i == chunks - 1 else None,
                }
            ],
        }
        parts.append(b"data: " + json.dumps(event).encode() + b"\n\n")
    usage = {
        "id": "chatcmpl-bench",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "bench-model",
        "choices": [],
        "usage": {"prompt_tokens": 12, "completion_tokens": chunks, "total_tokens": 12 + chunks},
    }
    parts.append(b"data: " + json.dumps(usage).encode() + b"\n\n")
    parts.append(b"data: [DONE]\n\n")
    return b"".join(parts)


INVOKE_RESPONSE = _http(COMPLETION, b"application/json")
_stream_cache: dict[int, bytes] = {}


def _stream_response(chunks: int) -> bytes:
    if chunks not in _stream_cache:
        _stream_cache[chunks] = _http(_stream_body(chunks), b"text/event-stream")
    return _stream_cache[chunks]


async def _handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            chunks = 1000
            for line in head.split(b"\r\n"):
                name, _, value = line.partition(b":")
                lowered = name.strip().lower()
                if lowered == b"content-length":
                    length = int(value)
                elif lowered == b"x-bench-chunks":
                    chunks = int(value)
            body = await reader.readexactly(length) if length else b""
            streaming = b'"stream":true' in body or b'"stream": true' in body
            writer.write(_stream_response(chunks) if streaming else INVOKE_RESPONSE)
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
        pass
    finally:
        writer.close()


async def _watch_parent(parent: int) -> None:
    while True:
        await asyncio.sleep(1)
        if os.getppid() != parent:
            return


async def main(max_seconds: float) -> None:
    """Serve until SIGTERM, the parent's exit, or ``max_seconds``."""
    server = await asyncio.start_server(
        _handle, "127.0.0.1", 0, backlog=1024, limit=64 * 1024 * 1024
    )
    port = server.sockets[0].getsockname()[1]
    sys.stdout.write(f"PORT {port}\n")
    sys.stdout.flush()
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    parent = asyncio.create_task(_watch_parent(os.getppid()))
    waiter = asyncio.create_task(stop.wait())
    await asyncio.wait({parent, waiter}, timeout=max_seconds, return_when=asyncio.FIRST_COMPLETED)
    server.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--max-seconds", type=float, default=900)
    asyncio.run(main(parser.parse_args().max_seconds))
