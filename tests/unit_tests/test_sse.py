"""The event-stream decoder and event parser, without I/O (and fuzzed).

Over HTTP, every call style, see ``test_streams.py``.
"""

from __future__ import annotations

import json
from contextlib import suppress

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from langchain_baseten._sse import (
    DONE,
    ServerErrorEvent,
    ServerSentEvent,
    SSEDecoder,
    SSEError,
    loads,
    parse_event,
)


def _decode(*pieces: bytes, max_event_bytes: int = 1 << 20) -> list[ServerSentEvent]:
    decoder = SSEDecoder(max_event_bytes)
    events = [event for piece in pieces for event in decoder.feed(piece)]
    decoder.finish()
    return events


def _msg(data: str) -> ServerSentEvent:
    return ServerSentEvent("message", data)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b"data: a\n\ndata: b\n\n", [_msg("a"), _msg("b")]),
        (b"data: a\r\n\r\ndata: b\r\n\r\n", [_msg("a"), _msg("b")]),
        (b"data: a\r\rdata: b\r\r", [_msg("a"), _msg("b")]),
        (b"data: a\r\n\ndata: b\n\r\n", [_msg("a"), _msg("b")]),
        (b": keep-alive\n\n:\n\ndata: a\n\n", [_msg("a")]),
        (b"data: line one\ndata: line two\n\n", [_msg("line one\nline two")]),
        (b"data:no-space\n\n", [_msg("no-space")]),
        (b"data:  two spaces\n\n", [_msg(" two spaces")]),
        (b"data\n\n", [_msg("")]),
        (b"event: error\ndata: boom\n\n", [ServerSentEvent("error", "boom")]),
        (b"id: 7\nretry: 10\nfoo: bar\ndata: a\n\n", [_msg("a")]),
        (b"event: error\n\ndata: a\n\n", [_msg("a")]),  # a name without data resets
        (b"\xef\xbb\xbfdata: a\n\n", [_msg("a")]),
        (b"data: a\n\ndata: unfinished", [_msg("a")]),
        (b"data: \xc3\xa9t\xc3\xa9 \xf0\x9f\x8c\x8d\n\n", [_msg("été 🌍")]),
    ],
    ids=[
        "lf",
        "crlf",
        "cr",
        "mixed",
        "comments",
        "multi-line data",
        "no space after colon",
        "only one space stripped",
        "field without colon",
        "named event",
        "ignored fields",
        "name reset",
        "byte order mark",
        "unfinished event dropped",
        "utf-8",
    ],
)
def test_decodes_the_event_stream_rules(body: bytes, expected: list[ServerSentEvent]) -> None:
    assert _decode(body) == expected
    # The same bytes cut into single bytes give the same events (\r\n split included).
    assert _decode(*(body[i : i + 1] for i in range(len(body)))) == expected


def test_finish_says_whether_the_body_ended_inside_an_event() -> None:
    decoder = SSEDecoder()
    decoder.feed(b"data: a\n\ndata: b\n")
    assert decoder.finish() is True
    decoder.feed(b"data: a\n\n")
    assert decoder.finish() is False


def test_bytes_that_are_not_utf8_raise_a_clear_error() -> None:
    with pytest.raises(SSEError, match=r"not valid UTF-8 \(byte b'\\xff' at offset 2"):
        _decode(b'data: {"\xff": 1}\n\n')


def test_a_character_cut_between_reads_decodes() -> None:
    assert _decode(b"data: \xc3", b"\xa9\n\n") == [_msg("é")]


@pytest.mark.parametrize(
    "pieces",
    [
        [b"data: " + b"x" * 2000 + b"\n\n"],  # one long line in one read
        [b"data: " + b"x" * 100 for _ in range(30)],  # a line that never ends
        [b"data: " + b"x" * 600 + b"\n", b"data: " + b"x" * 600 + b"\n"],  # many data lines
        [b":" + b"k" * 3000],  # an endless comment
    ],
    ids=["long line", "endless line", "many lines", "endless comment"],
)
def test_an_event_over_the_cap_raises_and_memory_stays_near_it(pieces: list[bytes]) -> None:
    decoder = SSEDecoder(max_event_bytes=1000)

    def feed_all() -> None:
        for piece in pieces:
            decoder.feed(piece)
            # What the decoder holds never exceeds the cap by more than one read.
            assert decoder._size <= 1000 + len(piece)

    with pytest.raises(SSEError, match="larger than 1,000 bytes"):
        feed_all()


def test_events_up_to_the_cap_pass() -> None:
    body = b"data: " + b"x" * 999 + b"\n\n"
    assert _decode(body, max_event_bytes=1000) == [_msg("x" * 999)]


# ---------------------------------------------------------------- parse_event


def test_done_and_json() -> None:
    assert parse_event(_msg("[DONE]")) is DONE
    assert parse_event(_msg(" [DONE] ")) is DONE
    assert parse_event(_msg('{"choices": []}')) == {"choices": []}
    assert parse_event(_msg("[1, 2]")) == [1, 2]


@pytest.mark.parametrize(
    ("event", "message"),
    [
        (ServerSentEvent("error", '{"error": "engine died"}'), "engine died"),
        (ServerSentEvent("error", "plain words"), "plain words"),
        (ServerSentEvent("error", ""), "(no message)"),
        (_msg('{"error": "model crashed"}'), "model crashed"),
        (_msg('{"error": {"message": "CUDA out of memory", "code": 500}}'), "CUDA out of memory"),
        # vLLM's error object (vllm/entrypoints/openai/protocol.py ErrorResponse)
        (
            _msg('{"object": "error", "message": "max_tokens too large", "type": "Bad"}'),
            "max_tokens too large",
        ),
        (_msg('{"message": "overloaded"}'), "overloaded"),
        (_msg('{"detail": "Not ready"}'), "Not ready"),
        (_msg('{"object": "error"}'), '{"object": "error"}'),
    ],
)
def test_error_events_keep_the_servers_text(event: ServerSentEvent, message: str) -> None:
    with pytest.raises(ServerErrorEvent) as info:
        parse_event(event)
    assert info.value.message == message


def test_a_chunk_is_not_mistaken_for_an_error() -> None:
    chunk = {"choices": [{"delta": {"content": "message"}}], "message": "x", "error": None}
    assert parse_event(_msg(json.dumps(chunk))) == chunk


@pytest.mark.parametrize("text", ["[" * 100_000, '{"a":' * 100_000])
def test_deeply_nested_json_raises_a_clear_error(text: str) -> None:
    with pytest.raises(SSEError, match="nested too deeply"):
        parse_event(_msg(text))
    with pytest.raises(SSEError, match="nested too deeply"):
        loads(text.encode(), "a body")


def test_data_that_is_not_json_raises_a_clear_error() -> None:
    with pytest.raises(SSEError, match="a stream event that is not JSON"):
        parse_event(_msg("{nope"))


# ---------------------------------------------------------------- fuzz

_FIELD_LINES = st.one_of(
    st.builds(lambda v: b"data: " + v, st.binary(max_size=20).filter(lambda b: b"\n" not in b)),
    st.sampled_from([b": ping", b"event: error", b"event: message", b"id: 1", b"", b"data"]),
)
_LINE_ENDS = st.sampled_from([b"\n", b"\r\n", b"\r"])


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.tuples(_FIELD_LINES, _LINE_ENDS), max_size=12),
    st.lists(st.integers(min_value=0, max_value=400), max_size=6),
)
def test_fuzz_any_cut_gives_the_same_events(
    lines: list[tuple[bytes, bytes]], cuts: list[int]
) -> None:
    body = b"".join(
        line.replace(b"\r", b"") + end for line, end in lines
    )  # no stray \r inside a line: it is a line end by the rules
    try:
        whole = _decode(body)
    except SSEError:
        return
    points = sorted({min(c, len(body)) for c in cuts})
    pieces = [body[a:b] for a, b in zip([0, *points], [*points, len(body)], strict=True)]
    assert _decode(*pieces) == whole


@settings(max_examples=300, deadline=None)
@given(st.lists(st.binary(max_size=64), max_size=8))
def test_fuzz_random_bytes_decode_or_raise_sseerror(pieces: list[bytes]) -> None:
    decoder = SSEDecoder(max_event_bytes=200)
    try:
        for piece in pieces:
            for event in decoder.feed(piece):
                assert isinstance(event.data, str)
                with suppress(SSEError, ServerErrorEvent):
                    parse_event(event)
    except SSEError:
        pass
    decoder.finish()
