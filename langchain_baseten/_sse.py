r"""Server-sent events: bytes in, events out. No I/O, so every case can be fuzzed.

Two pure layers, used by :mod:`langchain_baseten._http.transport` for every stream:

* :class:`SSEDecoder` turns the bytes of a ``text/event-stream`` body, in pieces
  of any size, into :class:`ServerSentEvent` objects, as the WHATWG rules for
  event streams say: ``\n``, ``\r\n`` and ``\r`` line endings (also split
  between two pieces), ``:`` comment and keep-alive lines, several ``data:``
  lines joined by ``\n``, an ``event:`` name, a leading byte-order mark, and an
  unfinished event at the end of the body dropped.
* :func:`parse_event` turns one event into what it means for a chat stream:
  :data:`DONE` (OpenAI's ``data: [DONE]`` end marker), or a JSON value, or a
  :class:`ServerErrorEvent` naming the server's own words (``event: error``,
  ``{"error": ...}``, vLLM's ``{"object": "error", "message": ...}``, FastAPI's
  ``{"detail": ...}``).

JSON is decoded by :mod:`langchain_baseten._json_decode` (plain bodies read it
directly). Bad bytes raise :class:`SSEError` (a ``ValueError``) saying what was wrong:
bytes that are not UTF-8, JSON nested too deeply for the parser, and an event
larger than ``max_event_bytes``. The size cap bounds memory: the decoder never
holds more than the cap plus one network read, however long a line the server
sends. The default, :data:`DEFAULT_MAX_EVENT_BYTES` (16 MiB), is far above any
chat chunk (a few hundred bytes; a whole tool call's arguments in one delta are
kilobytes).
"""

from __future__ import annotations

import json
from typing import Any, NamedTuple

from langchain_baseten._http.limits import DEFAULT_MAX_EVENT_BYTES
from langchain_baseten._json_decode import JSONNumberError, json_loads

__all__ = [
    "DEFAULT_MAX_EVENT_BYTES",
    "DONE",
    "SSEDecoder",
    "SSEError",
    "ServerErrorEvent",
    "ServerSentEvent",
    "loads",
    "parse_event",
]


_BOM = b"\xef\xbb\xbf"
_COLON = 0x3A  # b":"[0]
_SHOWN_BYTES = 40


class _Done:
    """The type of :data:`DONE`."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "DONE"


#: What :func:`parse_event` returns for OpenAI's ``data: [DONE]`` end marker.
DONE = _Done()


class SSEError(ValueError):
    """The bytes of a stream are not well-formed events; the text says what was wrong."""


class ServerErrorEvent(Exception):  # noqa: N818  # the server's event, not our failure
    """The server sent an error inside the stream.

    Attributes:
        message: The server's own text.
        body: The event's data (decoded JSON, or the raw text).
    """

    def __init__(self, message: str, body: Any) -> None:
        """Keep the server's message and the event's data."""
        super().__init__(message)
        self.message = message
        self.body = body


class ServerSentEvent(NamedTuple):
    """One dispatched event: its name (``message`` unless named) and its data."""

    event: str
    data: str


class SSEDecoder:
    """Incremental ``text/event-stream`` decoder: :meth:`feed` bytes, then :meth:`finish`.

    Args:
        max_event_bytes: The largest event (sum of its ``data`` lines) and the
            longest single line accepted; more raises :class:`SSEError`.
    """

    __slots__ = ("_cr", "_data", "_event", "_max", "_partial", "_size", "_started")

    def __init__(self, max_event_bytes: int = DEFAULT_MAX_EVENT_BYTES) -> None:
        """Start before the first byte."""
        self._max = max_event_bytes
        self._data: list[bytes] = []  # this event's data lines
        self._size = 0  # bytes held: data lines plus the unfinished line
        self._event = b""
        self._partial: list[bytes] = []  # pieces of a line whose end has not arrived
        self._cr = False  # the last piece ended in "\r": maybe half of "\r\n"
        self._started = False

    def feed(self, chunk: bytes) -> list[ServerSentEvent]:
        """Decode the next piece of the body.

        Args:
            chunk: The next bytes, cut anywhere.

        Returns:
            The events completed by this piece, in order (often none or one).

        Raises:
            SSEError: For data that is not UTF-8 or an event over the size cap.
        """
        if not self._started:
            chunk = self._start(chunk)
        if self._cr:
            self._cr = False
            chunk = chunk.removeprefix(b"\n")  # "\r" then "\n": one line end, already counted
        if b"\r" in chunk:
            self._cr = chunk.endswith(b"\r")
            chunk = chunk.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        if b"\n" not in chunk:
            self._hold(chunk)
            return []
        lines = chunk.split(b"\n")
        if self._partial:
            lines[0] = b"".join(self._partial) + lines[0]
            self._size -= sum(len(piece) for piece in self._partial)
            self._partial = []
        rest = lines.pop()
        events = self._lines(lines)
        if rest:
            self._hold(rest)
        return events

    def _lines(self, lines: list[bytes]) -> list[ServerSentEvent]:
        """Apply complete lines; return the events they complete."""
        events: list[ServerSentEvent] = []
        for line in lines:
            # The two lines of almost every event, handled inline (the hot path):
            if line[:6] == b"data: ":
                self._data.append(line[6:])
                self._size += len(line) - 5
                if self._size > self._max:
                    self._too_big()
            elif not line and self._data:
                events.append(self._dispatch())
                self._event = b""
            else:
                self._line(line, events)
        return events

    def _start(self, chunk: bytes) -> bytes:
        """Drop a leading byte-order mark, even one that arrives a byte at a time."""
        if self._partial:
            chunk = b"".join(self._partial) + chunk
            self._partial = []
        if len(chunk) < len(_BOM) and _BOM.startswith(chunk):
            self._partial.append(chunk)  # too short to tell; decided with the next piece
            return b""
        self._started = True
        return chunk.removeprefix(_BOM)

    def finish(self) -> bool:
        """End of the body: an event without its closing blank line is dropped.

        Returns:
            Whether the body ended inside an event (bytes were dropped).
        """
        unfinished = bool(self._data or self._partial)
        self._partial = []
        self._data = []
        self._size = 0
        self._cr = False
        return unfinished

    def _hold(self, piece: bytes) -> None:
        """Keep the start of a line whose end has not arrived (bounded by the cap)."""
        self._partial.append(piece)
        self._size += len(piece)
        if self._size > self._max:
            self._too_big()

    def _too_big(self) -> None:
        msg = (
            f"a stream event larger than {self._max:,} bytes, the cap on one event: an "
            "oversized or endless event (raise the cap with max_event_bytes if such "
            "events are expected)"
        )
        raise SSEError(msg)

    def _line(self, line: bytes, events: list[ServerSentEvent]) -> None:
        """Apply one complete line to the event being built."""
        if not line:
            if self._data:
                events.append(self._dispatch())
            self._event = b""
            return
        if line[0] == _COLON:
            return  # a comment: servers send these as keep-alives
        name, _, value = line.partition(b":")
        if value[:1] == b" ":
            value = value[1:]
        if name == b"data":
            self._data.append(value)
            self._size += len(value) + 1
            if self._size > self._max:
                self._too_big()
        elif name == b"event":
            self._event = value
        # "id", "retry" and unknown fields change nothing for a chat stream.

    def _dispatch(self) -> ServerSentEvent:
        raw = self._data[0] if len(self._data) == 1 else b"\n".join(self._data)
        self._data = []
        self._size = 0
        try:
            data = raw.decode()
        except UnicodeDecodeError as exc:
            around = raw[max(0, exc.start - _SHOWN_BYTES) : exc.end + _SHOWN_BYTES]
            msg = (
                f"a stream event that is not valid UTF-8 (byte {raw[exc.start : exc.end]!r} "
                f"at offset {exc.start}, in {around!r}); the server or a proxy corrupted "
                "the stream or sent another encoding"
            )
            raise SSEError(msg) from None
        name = self._event.decode(errors="replace") if self._event else "message"
        return ServerSentEvent(name, data)


def loads(text: str | bytes, what: str) -> Any:
    """``json.loads`` with the parser's failures as clear :class:`SSEError` messages.

    Args:
        text: The JSON text.
        what: What the text is, for the message ("a stream event", "a body"); the
            message reads on from "Baseten sent".

    Returns:
        The decoded value.

    Raises:
        SSEError: For text that is not JSON, or JSON nested too deeply to parse.
    """
    try:
        return json_loads(text)
    except RecursionError:
        msg = (
            f"{what} with JSON nested too deeply to parse (thousands of levels of arrays "
            "or objects); no real answer looks like this"
        )
        raise SSEError(msg) from None
    except JSONNumberError as exc:
        msg = f"{what} with {exc.msg}"
        raise SSEError(msg) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        shown = text[:200]
        msg = f"{what} that is not JSON ({exc}): {shown!r}"
        raise SSEError(msg) from None


def _server_message(body: Any) -> str | None:
    """The server's own words in an error body.

    Imported on this error path only: the errors module imports the openai SDK,
    which importing this package does not.
    """
    from langchain_baseten._errors import server_message  # noqa: PLC0415

    return server_message(body)


def _is_error(payload: dict[str, Any]) -> bool:
    """An error object in the place of a chunk (a chunk always has ``choices``)."""
    if payload.get("error") is not None:
        return True
    if "choices" in payload:
        return False
    return payload.get("object") == "error" or "message" in payload or "detail" in payload


def parse_event(event: ServerSentEvent) -> Any:
    """What one event means: :data:`DONE`, or its JSON value.

    Args:
        event: A dispatched event.

    Returns:
        :data:`DONE` for ``[DONE]``; otherwise the decoded JSON (a chunk is a dict).

    Raises:
        ServerErrorEvent: For ``event: error`` or a JSON error object, with the
            server's text.
        SSEError: For data that is not JSON, or nested too deeply.
    """
    data = event.data
    if data[:1] == "{" and event.event == "message":  # the common case: a JSON object
        payload = loads(data, "a stream event")
        if "choices" in payload and payload.get("error") is None:
            return payload
        return _checked(payload)
    if data == "[DONE]" or data.strip() == "[DONE]":
        return DONE
    if event.event == "error":
        try:
            body: Any = json.loads(data)
        except (ValueError, RecursionError):
            body = data
        said = _server_message(body)
        raise ServerErrorEvent(said or data.strip() or "(no message)", body)
    return _checked(loads(data, "a stream event"))


def _checked(payload: Any) -> Any:
    """``payload``, unless it is an error object (then :class:`ServerErrorEvent`)."""
    if isinstance(payload, dict) and _is_error(payload):
        said = _server_message(payload)
        raise ServerErrorEvent(said or json.dumps(payload)[:500], payload)
    return payload
