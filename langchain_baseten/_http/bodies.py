"""Reading answer bodies under a byte cap: whole (over the cap raises), or the first bytes.

* :func:`read_whole_body` / :func:`aread_whole_body` read a plain answer whole,
  decoded, for :mod:`langchain_baseten._http.sdk_client`; past the cap they stop,
  close the response and raise (a small gzip body can expand to gigabytes).
* :func:`first_bytes` / :func:`afirst_bytes` read at most the cap of a body that
  is only quoted in a message (a stream answered with JSON or HTML, in
  :mod:`langchain_baseten._streaming`): what arrived before a read failed is kept.
"""

from __future__ import annotations

from contextlib import suppress

import httpx2

from langchain_baseten._errors import answer_too_large

__all__ = [
    "READ_ERRORS",
    "CappedBody",
    "afirst_bytes",
    "aread_whole_body",
    "first_bytes",
    "read_whole_body",
]

#: Errors of a read in the middle of a body (TLS failures surface as ssl.SSLError, an OSError).
READ_ERRORS = (httpx2.RequestError, OSError)


class CappedBody:
    """The decoded pieces of a plain answer, refusing to grow past ``cap`` bytes."""

    def __init__(self, response: httpx2.Response, cap: int) -> None:
        self._response = response
        self._cap = cap
        self._size = 0
        self._chunks: list[bytes] = []

    def add(self, chunk: bytes) -> None:
        self._size += len(chunk)
        if self._size > self._cap:
            raise answer_too_large(self._response.request, self._response.status_code, self._cap)
        self._chunks.append(chunk)

    def store(self) -> None:
        # What Response.read() stores; reading in pieces is what lets us stop early.
        self._response._content = b"".join(self._chunks)  # noqa: SLF001


def read_whole_body(response: httpx2.Response, cap: int) -> None:
    """Read a plain answer whole, decoded; past ``cap`` bytes stop, close and raise.

    Raises:
        BasetenResponseError: The decoded body is larger than ``cap``.
    """
    body = CappedBody(response, cap)
    try:
        for chunk in response.iter_bytes():
            body.add(chunk)
    except BaseException:
        response.close()
        raise
    body.store()


async def aread_whole_body(response: httpx2.Response, cap: int) -> None:
    """Async twin of :func:`read_whole_body`."""
    body = CappedBody(response, cap)
    try:
        async for chunk in response.aiter_bytes():
            body.add(chunk)
    except BaseException:
        await response.aclose()
        raise
    body.store()


def first_bytes(response: httpx2.Response, cap: int) -> bytes:
    """The first ``cap`` bytes of a body, or what arrived before a read failed (for a message)."""
    parts: list[bytes] = []
    size = 0
    with suppress(*READ_ERRORS):
        for piece in response.iter_bytes():
            parts.append(piece)
            size += len(piece)
            if size > cap:
                break
    return b"".join(parts)[:cap]


async def afirst_bytes(response: httpx2.Response, cap: int) -> bytes:
    """Async twin of :func:`first_bytes`."""
    parts: list[bytes] = []
    size = 0
    with suppress(*READ_ERRORS):
        async for piece in response.aiter_bytes():
            parts.append(piece)
            size += len(piece)
            if size > cap:
                break
    return b"".join(parts)[:cap]
