"""One request and the means to answer it: what replies see of the HTTP server.

:class:`RecordedRequest` is a request as the server received it (tests read
``server.requests``); :class:`Reply` is a scripted answer whose ``render`` writes
one response through an :class:`Exchange`; the helpers read a chat request's
messages (the server's token count is a word count).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from langchain_baseten.testing._defaults import DEFAULT_MODEL

if TYPE_CHECKING:
    import threading
    from collections.abc import Callable
    from http.server import BaseHTTPRequestHandler


#: Upper bound for any scripted sleep (``stall``, ``stream(stall_after=...)``).
MAX_STALL_SECONDS = 60.0


@dataclass
class RecordedRequest:
    """One request as the server received it."""

    method: str
    path: str
    query: str
    headers: dict[str, str]  # lower-cased names
    body: bytes

    def json(self) -> Any:
        """The body parsed as JSON (raises ``ValueError`` if it is not JSON)."""
        return json.loads(self.body)

    def json_or_none(self) -> Any:
        """The body parsed as JSON, or ``None`` when it is empty or not JSON."""
        try:
            return json.loads(self.body) if self.body else None
        except ValueError:
            return None


@dataclass(frozen=True)
class Reply:
    """A scripted answer: ``render`` writes one HTTP response for a request."""

    render: Callable[[Exchange], None] = field(repr=False)
    description: str = "reply"


class Dropped(Exception):  # noqa: N818 - a control-flow signal, not an error
    """Raised inside a handler to close the connection abruptly."""


class ServerState(Protocol):
    """What an exchange reads of the server that received it (``FakeBaseten`` has it).

    A protocol, so that this module does not import the server module, which imports it.
    """

    closing: threading.Event

    def prompt_cache(self, key: str, prompt_tokens: int) -> int:
        """Remember this session's prompt; return how much of it the last one covered."""
        ...


class Exchange:
    """One request and the means to answer it (used by :class:`Reply` renderers)."""

    def __init__(
        self,
        handler: BaseHTTPRequestHandler,
        request: RecordedRequest,
        request_id: str,
        server: ServerState,
    ) -> None:
        self.handler = handler
        self.request = request
        self.request_id = request_id
        self.server = server
        self.body: Any = request.json_or_none()

    # -- request facts

    @property
    def model(self) -> str:
        """The body's ``model`` (or a default)."""
        if isinstance(self.body, dict) and isinstance(self.body.get("model"), str):
            return str(self.body["model"])
        return DEFAULT_MODEL

    def cached_tokens(self) -> int:
        """Prompt tokens served from the prompt cache, by session affinity.

        Baseten bills input tokens that match a cached prefix at the cached rate,
        and a consistent ``x-session-affinity`` (Model APIs) or
        ``x-baseten-session-id`` (dedicated sticky sessions) keeps a conversation
        on the replica holding that prefix (Baseten's Model APIs overview, pricing:
        https://docs.baseten.co/inference/model-apis/overview). This server's
        simplification: only requests with a session key hit the cache, and the hit
        is the previous prompt of the same key (a conversation's earlier turns).
        """
        headers = self.request.headers
        key = headers.get("x-session-affinity") or headers.get("x-baseten-session-id")
        if not key:
            return 0
        return self.server.prompt_cache(key, count_prompt_tokens(self.body))

    def sleep(self, seconds: float) -> None:
        """Sleep (bounded), waking early when the server closes."""
        self.server.closing.wait(max(0.0, min(seconds, MAX_STALL_SECONDS)))

    # -- writing

    def start_response(self, status: int, content_type: str, extra: dict[str, str] | None) -> None:
        """Send the status line and headers (the caller ends the headers)."""
        headers = {"content-type": content_type, "x-baseten-request-id": self.request_id}
        headers.update({k.lower(): v for k, v in (extra or {}).items()})
        self.handler.send_response(status)
        for name, value in headers.items():
            self.handler.send_header(name, value)

    def send_bytes(
        self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None
    ) -> None:
        """Send a complete (``content-length``) response."""
        self.start_response(status, content_type, headers)
        self.handler.send_header("content-length", str(len(body)))
        self.handler.end_headers()
        if self.request.method != "HEAD":
            self.handler.wfile.write(body)

    def send_json(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        """Send ``payload`` as a JSON response."""
        self.send_bytes(status, json.dumps(payload).encode(), "application/json", headers)

    def start_stream(
        self, headers: dict[str, str] | None = None, content_type: str = "text/event-stream"
    ) -> None:
        """Send the headers of a chunked ``text/event-stream`` response."""
        self.start_response(200, content_type, {"cache-control": "no-cache", **(headers or {})})
        self.handler.send_header("transfer-encoding", "chunked")
        self.handler.end_headers()

    def send_event(self, data: str) -> None:
        """Send one SSE event (``data: ...``) as one HTTP chunk."""
        payload = f"data: {data}\n\n".encode()
        self.handler.wfile.write(b"%x\r\n%s\r\n" % (len(payload), payload))

    def send_chunk(self, payload: bytes) -> None:
        """Send these exact bytes as one HTTP chunk (nothing for empty bytes)."""
        if payload:
            self.handler.wfile.write(b"%x\r\n%s\r\n" % (len(payload), payload))

    def end_stream(self) -> None:
        """Send the terminating zero-length chunk."""
        self.handler.wfile.write(b"0\r\n\r\n")


def count_words(*texts: str | None) -> int:
    """Whitespace-separated words: the fake's token count."""
    return sum(len(t.split()) for t in texts if t)


def message_text(content: Any) -> str:
    """The text of a message's ``content`` (a string or a list of parts)."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(
            p.get("text", "") for p in content if isinstance(p, dict) and p.get("type") == "text"
        )
    return ""


def chat_messages(body: Any) -> list[dict[str, Any]]:
    if isinstance(body, dict) and isinstance(body.get("messages"), list):
        return [m for m in body["messages"] if isinstance(m, dict)]
    return []


def count_prompt_tokens(body: Any) -> int:
    return sum(count_words(message_text(m.get("content"))) for m in chat_messages(body))


def last_user_text(body: Any) -> str:
    for message in reversed(chat_messages(body)):
        if message.get("role") == "user":
            return message_text(message.get("content"))
    return ""
