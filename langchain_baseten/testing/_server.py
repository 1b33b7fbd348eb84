"""The HTTP server: 127.0.0.1, HTTP/1.1 keep-alive, one tracked thread per connection.

:class:`FakeBaseten` records every request, answers with the next scripted
:class:`~langchain_baseten.testing._exchange.Reply` or else
:func:`~langchain_baseten.testing._model_like.default_reply`, and closes every
connection and thread within a deadline. :func:`main` serves it by itself
(``python -m langchain_baseten.testing``).
"""

from __future__ import annotations

import argparse
import itertools
import signal
import socket
import sys
import threading
import time
from collections import deque
from contextlib import contextmanager, suppress
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from socketserver import TCPServer
from typing import TYPE_CHECKING, Any, Self

from langchain_baseten.testing._exchange import Dropped, Exchange, RecordedRequest, Reply
from langchain_baseten.testing._model_like import default_reply

if TYPE_CHECKING:
    from collections.abc import Iterator


#: Idle keep-alive connections (and slow request bodies) time out after this.
CONNECTION_TIMEOUT_SECONDS = 60.0


#: How long :meth:`FakeBaseten.close` waits for the worker threads in total.
CLOSE_TIMEOUT_SECONDS = 10.0


#: The key :meth:`FakeBaseten.env` sets (any non-empty key is accepted).
LOCAL_API_KEY = "local-test-key"


class _Handler(BaseHTTPRequestHandler):
    """Reads one request, records it, and lets a :class:`Reply` answer it."""

    protocol_version = "HTTP/1.1"
    server_version = "FakeBaseten/1.0"
    sys_version = ""
    timeout = CONNECTION_TIMEOUT_SECONDS
    server: _Server

    def setup(self) -> None:
        """Send small writes (headers, SSE events) at once: no Nagle delay."""
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        """Stay quiet."""

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("transfer-encoding", "").lower():
            body = bytearray()
            while size := int(self.rfile.readline(65537).split(b";")[0].strip() or b"0", 16):
                body += self.rfile.read(size)
                self.rfile.readline(65537)
            while self.rfile.readline(65537) not in {b"\r\n", b"\n", b""}:
                pass  # trailers
            return bytes(body)
        length = int(self.headers.get("content-length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _handle(self) -> None:
        path, _, query = self.path.partition("?")
        request = RecordedRequest(
            method=self.command,
            path=path,
            query=query,
            headers={name.lower(): value for name, value in self.headers.items()},
            body=self._read_body(),
        )
        fake = self.server.fake
        request_id = fake.record(request)
        reply = fake.next_reply() or default_reply(request)
        try:
            reply.render(Exchange(self, request, request_id, fake))
        except Dropped:
            self.close_connection = True
            with suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
        except (ConnectionError, TimeoutError):
            self.close_connection = True  # the client went away

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _handle  # noqa: N815


class _Server(ThreadingHTTPServer):
    """A threading server that tracks its connections so it can close them."""

    daemon_threads = True
    block_on_close = False  # FakeBaseten.close joins the threads itself, with a deadline
    request_queue_size = 512

    def __init__(self, fake: FakeBaseten, port: int = 0) -> None:
        self.fake = fake
        self.connections: dict[threading.Thread, socket.socket] = {}
        self.accepted = 0
        self.connections_lock = threading.Lock()
        super().__init__(("127.0.0.1", port), _Handler)

    def server_bind(self) -> None:
        """Bind without ``HTTPServer``'s reverse DNS lookup."""
        TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name, self.server_port = str(host), int(port)

    def process_request(self, request: Any, client_address: Any) -> None:
        """Serve each connection in a tracked daemon thread."""
        thread = threading.Thread(
            target=self._serve_connection,
            args=(request, client_address),
            name=f"fake-baseten-conn-{client_address[1]}",
            daemon=True,
        )
        with self.connections_lock:
            self.connections[thread] = request
            self.accepted += 1
        thread.start()

    def _serve_connection(self, request: Any, client_address: Any) -> None:
        try:
            self.process_request_thread(request, client_address)
        finally:
            with self.connections_lock:
                self.connections.pop(threading.current_thread(), None)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Ignore connection errors (clients hanging up, shutdown); report the rest."""
        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)


class FakeBaseten:
    """A running fake Baseten server (see the module docstring)."""

    def __init__(self, port: int = 0) -> None:
        """Start serving on ``127.0.0.1``, on ``port`` or an ephemeral one (0)."""
        self.requests: list[RecordedRequest] = []
        self.closing = threading.Event()
        self._lock = threading.Lock()
        self._queue: deque[Reply] = deque()
        self._sessions: dict[str, int] = {}  # session key -> last prompt tokens
        self._request_ids = itertools.count(1)
        self._server = _Server(self, port)
        port = self._server.server_port
        self.base_url = f"http://{self._server.server_name}:{port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.02},
            name=f"fake-baseten-{port}",
            daemon=True,
        )
        self._thread.start()

    def url(self, path: str) -> str:
        """``base_url + path`` (``path`` should start with ``/``)."""
        return self.base_url + path

    def env(self, api_key: str = LOCAL_API_KEY) -> dict[str, str]:
        """The environment that points ``ChatBaseten`` and friends at this server.

        ``BASETEN_ORIGIN`` keeps the package's routing: ``model="baseten/<slug>"``
        goes to ``/v1`` with its Model API profile, ``model="baseten/<model ID>"``
        to ``/model-<id>/environments/production/sync/v1``. Models read it when
        they are built, so set it first.

        Args:
            api_key: The key to send (the server accepts any non-empty key).

        Returns:
            ``{"BASETEN_ORIGIN": ..., "BASETEN_API_KEY": ...}``.
        """
        return {"BASETEN_ORIGIN": self.base_url, "BASETEN_API_KEY": api_key}

    def enqueue(self, *replies: Reply) -> None:
        """Script replies: consumed FIFO, one per request, whatever the path."""
        with self._lock:
            self._queue.extend(replies)

    @property
    def connections_accepted(self) -> int:
        """How many TCP connections clients have opened to this server so far."""
        with self._server.connections_lock:
            return self._server.accepted

    @property
    def open_connections(self) -> int:
        """How many client connections are open right now."""
        with self._server.connections_lock:
            return len(self._server.connections)

    @property
    def pending(self) -> int:
        """How many scripted replies are still queued."""
        with self._lock:
            return len(self._queue)

    def reset(self) -> None:
        """Forget the recorded requests, the scripted replies and the prompt cache."""
        with self._lock:
            self.requests.clear()
            self._queue.clear()
            self._sessions.clear()

    def prompt_cache(self, key: str, prompt_tokens: int) -> int:
        """Remember this session's prompt; return how much of it the last one covered."""
        with self._lock:
            previous = self._sessions.get(key, 0)
            self._sessions[key] = prompt_tokens
        return min(previous, prompt_tokens)

    def record(self, request: RecordedRequest) -> str:
        """Record ``request``; return its ``x-baseten-request-id``."""
        with self._lock:
            self.requests.append(request)
            return f"req-{next(self._request_ids)}"

    def next_reply(self) -> Reply | None:
        """The next scripted reply, if any."""
        with self._lock:
            return self._queue.popleft() if self._queue else None

    def close(self) -> None:
        """Stop serving, drop open connections and join every thread (bounded)."""
        if self.closing.is_set():
            return
        self.closing.set()
        self._server.shutdown()
        self._thread.join(CLOSE_TIMEOUT_SECONDS)
        self.drop_connections()
        self._server.server_close()

    def drop_connections(self) -> None:
        """Close every open connection from the server's side and wait for their threads.

        What a load balancer does to keep-alive connections idle past its timeout:
        the client finds out only when it looks at the socket (or uses it).
        """
        with self._server.connections_lock:
            connections = list(self._server.connections.items())
        for _, connection in connections:
            with suppress(OSError):  # already closed
                connection.shutdown(socket.SHUT_RDWR)
        deadline = time.monotonic() + CLOSE_TIMEOUT_SECONDS
        for thread, _ in connections:
            thread.join(max(0.0, deadline - time.monotonic()))

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


@contextmanager
def fake_baseten_server() -> Iterator[FakeBaseten]:
    """Run a :class:`FakeBaseten` for the duration of the ``with`` block."""
    server = FakeBaseten()
    try:
        yield server
    finally:
        server.close()


def main(argv: list[str] | None = None) -> None:
    """Serve until Ctrl-C, SIGTERM or ``--lifetime``: ``python -m langchain_baseten.testing``.

    Binds ``127.0.0.1`` only. Prints the URL on the first line of stdout (scripts
    read it), then the environment to export. The server answers by itself (see
    :func:`default_reply`); scripted faults need the in-process API.

    Args:
        argv: The command line (default ``sys.argv[1:]``): ``--port N`` (default:
            a free port), ``--lifetime SECONDS`` (stop by itself after that long).
    """
    parser = argparse.ArgumentParser(
        prog="python -m langchain_baseten.testing",
        description="A local Baseten-compatible server on 127.0.0.1 (echo answers).",
    )
    parser.add_argument("--port", type=int, default=0, help="port to bind (default: a free one)")
    parser.add_argument(
        "--lifetime",
        type=float,
        default=None,
        metavar="SECONDS",
        help="stop after this many seconds (default: run until Ctrl-C or SIGTERM)",
    )
    args = parser.parse_args(argv)
    if args.lifetime is not None and args.lifetime <= 0:
        parser.error(f"--lifetime must be a positive number of seconds, got {args.lifetime}")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with FakeBaseten(args.port) as server:
        exports = " ".join(f"{name}={value}" for name, value in server.env().items())
        sys.stdout.write(
            f"{server.base_url}\n"
            "Local Baseten-compatible server (echo answers, any non-empty key accepted).\n"
            f"  export {exports}\n"
            f"  (or one base URL for every model: BASETEN_BASE_URL={server.base_url}/v1)\n"
            + (f"Stops in {args.lifetime:g} s, or with Ctrl-C.\n" if args.lifetime else "")
            + ("" if args.lifetime else "Stop with Ctrl-C.\n")
        )
        sys.stdout.flush()
        deadline = None if args.lifetime is None else time.monotonic() + args.lifetime
        with suppress(KeyboardInterrupt):
            while not stop.wait(0.5 if deadline is None else min(0.5, deadline - time.monotonic())):
                if deadline is not None and time.monotonic() >= deadline:
                    break
