"""Whether an exception shows a secret anywhere (tests share this one check).

:func:`assert_no_secret` looks where a user, a log handler or an error tracker
looks: ``traceback.format_exception`` (the whole ``__cause__``/``__context__``
chain, with notes), and for every exception in the chain its ``str``, ``repr``,
``args`` and attributes (``body``, ``message``, the request's URL, headers and
body, the response's headers and text, the request kept on the response), for
httpx2's requests and responses and for classic httpx's (a user's own client).
"""

from __future__ import annotations

import sys
import traceback
from typing import TYPE_CHECKING, Any

import httpx2  # noqa: F401 - loaded for _not_read

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

#: The HTTP libraries whose requests and responses are searched (classic httpx: a user's client).
HTTPX = ("httpx2", "httpx")
#: Secret pieces this long are searched for too: a message cut short keeps a part.
FRAGMENT_CHARS = 10


def chain(exc: BaseException) -> Iterator[BaseException]:
    """``exc`` and every exception reachable from it (cause, context, group members)."""
    seen: set[int] = set()
    stack = [exc]
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        stack += [e for e in (current.__cause__, current.__context__) if e is not None]
        if isinstance(current, BaseExceptionGroup):
            stack += list(current.exceptions)


def _of_httpx(value: Any, name: str) -> bool:
    """Whether ``value`` is httpx2's or classic httpx's ``name`` (a user's client's)."""
    return type(value).__name__ == name and type(value).__module__.split(".")[0] in HTTPX


def _not_read(name: str) -> tuple[type[Exception], ...]:
    """``RequestNotRead``/``ResponseNotRead`` of httpx2 and, when loaded, classic httpx."""
    return tuple(getattr(sys.modules[m], name) for m in HTTPX if m in sys.modules)


def _http_texts(value: Any) -> list[str]:
    """What a request or response shows: URL, every header, the body if read."""
    if _of_httpx(value, "Request"):
        try:
            body = value.content.decode("utf-8", "replace")
        except _not_read("RequestNotRead"):
            body = ""
        return [str(value.url), str(value.headers.multi_items()), body]
    if _of_httpx(value, "Response"):
        try:
            body = value.text
        except _not_read("ResponseNotRead"):
            body = ""
        try:
            request = _http_texts(value.request)
        except RuntimeError:  # built without a request
            request = []
        return [str(value.headers.multi_items()), body, *request]
    return [repr(value)]


def exception_texts(exc: BaseException) -> list[str]:
    """Everything ``exc`` and its chain show (see the module docstring)."""
    texts = ["".join(traceback.format_exception(exc))]
    for current in chain(exc):
        texts += [str(current), repr(current), repr(current.args)]
        for name in ("request", "_request", "response"):
            value = current.__dict__.get(name) if hasattr(current, "__dict__") else None
            if value is not None:
                texts += _http_texts(value)
        for value in getattr(current, "__dict__", {}).values():
            texts.append(repr(value))
    return texts


def _pieces(secret: str) -> set[str]:
    if len(secret) <= FRAGMENT_CHARS:
        return {secret}
    return {secret[i : i + FRAGMENT_CHARS] for i in range(len(secret) - FRAGMENT_CHARS + 1)}


def assert_no_secret(exc: BaseException, secrets: Iterable[str]) -> None:
    """Fail if any secret, or any 10-character piece of one, shows anywhere in ``exc``."""
    pieces = {piece for secret in secrets for piece in _pieces(secret)}
    for text in exception_texts(exc):
        for piece in pieces:
            assert piece not in text, f"secret piece {piece!r} shown in: {text[:500]}"
