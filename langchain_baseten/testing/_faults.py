"""Replies that fail: error statuses, exact bytes, drips, gzip bombs, cut bodies.

What a gateway, a proxy or a dying container sends instead of an answer (the
stream-level failures, dropped or stalled streams, are options of
:func:`langchain_baseten.testing._replies.stream`).
"""

from __future__ import annotations

import json
import threading
import time
import zlib
from typing import Any

from langchain_baseten.testing._defaults import ERROR_MESSAGES
from langchain_baseten.testing._exchange import MAX_STALL_SECONDS, Dropped, Exchange, Reply
from langchain_baseten.testing._replies import answer_payload


def error(status: int, body: Any = None, *, headers: dict[str, str] | None = None) -> Reply:
    """An error response.

    ``body``: a dict or list is sent as JSON; a string is sent as-is
    (``text/html`` when it starts with ``<``, else ``text/plain``); ``None`` sends
    Baseten's ``{"error": "<message for this status>"}``.
    """
    if body is None:
        body = {"error": ERROR_MESSAGES.get(status, f"HTTP error {status}")}

    def render(exchange: Exchange) -> None:
        if isinstance(body, str):
            kind = "text/html" if body.lstrip().startswith("<") else "text/plain"
            exchange.send_bytes(status, body.encode(), f"{kind}; charset=utf-8", headers)
        else:
            exchange.send_json(status, body, headers)

    return Reply(render, f"error({status})")


def raw(
    status: int,
    body: bytes,
    *,
    content_type: str = "application/json",
    headers: dict[str, str] | None = None,
) -> Reply:
    """Exactly these bytes, with this status and content type."""
    return Reply(
        lambda exchange: exchange.send_bytes(status, body, content_type, headers),
        f"raw({status})",
    )


def drip(seconds: float, *, interval: float = 0.2, streaming: bool = False) -> Reply:
    """Send a byte at a time every ``interval`` for ``seconds`` (bounded), then answer "dripped".

    A plain answer drips JSON whitespace before its object; a stream drips SSE
    comments (``: keep-alive``) before one content chunk and ``[DONE]``. Every
    read is quick, only the whole is slow: what a proxy or server keeping a
    connection alive looks like (issue 16). A client gone away ends it early.
    """

    def render(exchange: Exchange) -> None:
        if streaming:
            exchange.start_stream()
        else:
            exchange.start_response(200, "application/json", {"transfer-encoding": "chunked"})
            exchange.handler.end_headers()
        tick = b": keep-alive\n\n" if streaming else b" "
        until = time.monotonic() + min(seconds, MAX_STALL_SECONDS)
        while time.monotonic() < until and not exchange.server.closing.is_set():
            exchange.send_chunk(tick)
            exchange.sleep(interval)
        payload = answer_payload(exchange, "dripped")
        if streaming:
            choice = payload["choices"][0]
            delta = {"index": 0, "delta": choice["message"], "finish_reason": "stop"}
            exchange.send_event(json.dumps({**payload, "choices": [delta]}))
            exchange.send_event("[DONE]")
        else:
            exchange.send_chunk(json.dumps(payload).encode())
        exchange.end_stream()

    return Reply(render, f"drip({seconds})")


def gzip_bomb(expanded_mib: int, sent: list[int] | None = None) -> Reply:
    """A ``content-encoding: gzip`` JSON answer that expands to ``expanded_mib`` MiB of zeros.

    About 1 KiB on the wire per MiB expanded: one fully flushed deflate block of
    a MiB of zeros, repeated (after a full flush the compressor starts afresh, so
    each block is the same bytes), written 64 KiB at a time. ``sent`` receives the
    compressed bytes written before the client hung up (or all of them).
    """

    def render(exchange: Exchange) -> None:
        compressor = zlib.compressobj(9, zlib.DEFLATED, 31)  # 31: gzip framing
        zeros = bytes(2**20)
        first = compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH)
        block = compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH)
        per_write = max(1, 65536 // len(block))
        exchange.start_response(200, "application/json", {"content-encoding": "gzip"})
        exchange.handler.send_header("transfer-encoding", "chunked")
        exchange.handler.end_headers()
        written = 0
        try:
            exchange.send_chunk(first)
            written += len(first)
            for start in range(1, expanded_mib, per_write):
                data = block * min(per_write, expanded_mib - start)
                exchange.send_chunk(data)
                written += len(data)
            exchange.send_chunk(compressor.flush())
            exchange.end_stream()
        finally:
            if sent is not None:
                sent.append(written)

    return Reply(render, f"gzip_bomb({expanded_mib} MiB)")


def cut_short(content: str = "lost", *, keep: int = 20) -> Reply:
    """A complete chat answer announced by ``content-length`` but cut after ``keep`` bytes.

    The server produced the answer; the client only gets its start (a proxy or
    the container dying mid-body).
    """

    def render(exchange: Exchange) -> None:
        body = json.dumps(answer_payload(exchange, content)).encode()
        exchange.start_response(200, "application/json", None)
        exchange.handler.send_header("content-length", str(len(body)))
        exchange.handler.end_headers()
        exchange.handler.wfile.write(body[:keep])
        exchange.handler.wfile.flush()
        raise Dropped

    return Reply(render, f"cut_short({content!r})")


class Holding:
    """Hold every request until released (bounded), counting those held, then answer.

    For cancellation tests: the client must give up on requests the server
    still holds, and start no new ones after it was interrupted.
    """

    def __init__(self, seconds: float = 10.0) -> None:
        """Hold each request at most ``seconds`` (and never past the server's stall bound)."""
        self.seconds = min(seconds, MAX_STALL_SECONDS)
        self.release = threading.Event()
        self.held = 0
        self._seen = threading.Condition()

    def reply(self, then: Reply) -> Reply:
        """A reply that holds the request, then renders ``then``."""

        def render(exchange: Exchange) -> None:
            with self._seen:
                self.held += 1
                self._seen.notify_all()
            self.release.wait(self.seconds)
            then.render(exchange)

        return Reply(render, f"held, then {then.description}")

    def wait_for(self, count: int) -> bool:
        """Whether ``count`` requests are held within the bound."""
        with self._seen:
            return self._seen.wait_for(lambda: self.held >= count, timeout=self.seconds)


#: How :func:`echo` answers: a 200 that is not JSON, JSON of the wrong shape (an
#: object, which is also not the array ``/rerank`` and ``/predict`` answer), a
#: stream whose one event is not JSON, or an error status quoting the request.
ECHO_SHAPES = ("text", "json", "event", "error")


def echoed_request(exchange: Exchange) -> str:
    """The request as an echoing server quotes it: method, path, every header, the body."""
    request = exchange.request
    lines = [f"{request.method} {request.path}"]
    lines += [f"{name}: {value}" for name, value in request.headers.items()]
    return "\n".join([*lines, "", request.body.decode("utf-8", "replace")])


def echo(shape: str, status: int = 400) -> Reply:
    """Answer by quoting the request back, credential headers included.

    What a server, gateway or debugging proxy that echoes its input does: FastAPI
    quotes the rejected body as ``"input"`` in its 422 ``detail`` (also with
    pydantic's ``hide_input_in_errors``: fastapi/fastapi discussion #10025), and an
    echo service (httpbin's ``/anything``, https://httpbin.org) returns the
    request's headers. ``shape`` is one of :data:`ECHO_SHAPES`; ``status`` is the
    ``error`` shape's status (its body ``{"error": <the echo>}``).
    """
    if shape not in ECHO_SHAPES:
        msg = f"echo shape must be one of {ECHO_SHAPES}, got {shape!r}"
        raise ValueError(msg)

    def render(exchange: Exchange) -> None:
        said = echoed_request(exchange)
        if shape == "text":
            exchange.send_bytes(200, said.encode(), "text/plain; charset=utf-8")
        elif shape == "json":
            exchange.send_json(200, {"echo": said, "request": exchange.request.headers})
        elif shape == "event":
            exchange.start_stream()
            exchange.send_event("{not json: " + json.dumps(said))
            exchange.send_event("[DONE]")
            exchange.end_stream()
        else:
            exchange.send_json(status, {"error": said})

    return Reply(render, f"echo({shape})")


def drip_headers(seconds: float, *, interval: float = 0.2, streaming: bool = False) -> Reply:
    """Send the status line, then one header byte every ``interval`` for ``seconds`` (bounded).

    Every read is quick, only the headers are slow: a per-read timeout never
    fires (issue 24: a server doing this held ``timeout=2`` calls for 15 s).
    If the drip runs its course, a complete answer "dripped" follows (an event
    stream when ``streaming``). A client gone away ends it early.
    """

    def render(exchange: Exchange) -> None:
        write = exchange.handler.wfile.write
        write(b"HTTP/1.1 200 OK\r\nx-dripped: ")
        until = time.monotonic() + min(seconds, MAX_STALL_SECONDS)
        while time.monotonic() < until and not exchange.server.closing.is_set():
            write(b"a")
            exchange.sleep(interval)
        write(b"\r\n")
        payload = answer_payload(exchange, "dripped")
        if streaming:
            choice = payload["choices"][0]
            delta = {"index": 0, "delta": choice["message"], "finish_reason": "stop"}
            events = f"data: {json.dumps({**payload, 'choices': [delta]})}\n\ndata: [DONE]\n\n"
            body, kind = events.encode(), "text/event-stream"
        else:
            body, kind = json.dumps(payload).encode(), "application/json"
        write(
            b"content-type: %s\r\ncontent-length: %d\r\n\r\n%s" % (kind.encode(), len(body), body)
        )

    return Reply(render, f"drip_headers({seconds})")


def leftover_response(content: str = "answer", leftover: str = "leftover") -> Reply:
    """A complete chat answer followed, in the same write, by a second, unasked-for response.

    What a confused server or proxy sends: bytes after the answer on a
    keep-alive connection. A client that reuses the connection reads the second
    response (answering ``leftover``) as the next request's answer.
    """

    def render(exchange: Exchange) -> None:
        def response(text: str) -> bytes:
            body = json.dumps(answer_payload(exchange, text)).encode()
            head = (
                f"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {len(body)}"
            )
            return head.encode() + b"\r\n\r\n" + body

        exchange.handler.wfile.write(response(content) + response(leftover))

    return Reply(render, f"leftover_response({content!r}, {leftover!r})")
