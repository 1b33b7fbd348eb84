"""Redaction: credentials removed from text, bodies, requests, responses and exception chains.

:func:`scrub` is the one redaction function of the package. Its secrets are a
model's credentials (:func:`secret_values`: the API key and the values of
credential headers such as ``Authorization`` or ``X-Api-Key``). It redacts:

* text and bytes, and the strings inside dicts, lists and tuples;
* an ``httpx2.Request`` or ``httpx2.Response`` (a copy: credential headers shown
  as ``***``, every other header, the URL and the body scrubbed);
* an exception, in place, with its whole chain: every exception reachable
  through ``__cause__``, ``__context__`` and exception groups, each one's
  ``args``, notes and attributes (``message``, ``body``, ``request``,
  ``response`` ...), so ``str``, ``repr`` and ``traceback.format_exception``
  show no secret.

A secret is redacted as a *token*: only where it does not continue a word
(``[A-Za-z0-9_]``) on either side, so a key never turns "maximum" into
"ma***imum". A secret shorter than :data:`MIN_SECRET_CHARS` characters is not
treated as one (``"x"`` or ``"EMPTY"``, what vLLM servers without ``--api-key``
accept, would otherwise corrupt every message). The start of a secret cut off by
a shortened message (its first :data:`MIN_SECRET_CHARS` characters or more,
ending there) is redacted too, as is the secret's JSON-escaped or URL-encoded
form.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import quote

import httpx2

from langchain_baseten._request_params import is_secret_header

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping
    from types import TracebackType

__all__ = ["MIN_SECRET_CHARS", "REDACTED", "ScrubbedErrors", "scrub", "secret_values"]

#: Secrets shorter than this are not secrets (vLLM's placeholder keys "x", "EMPTY").
MIN_SECRET_CHARS = 8
REDACTED = "***"

_T = TypeVar("_T")
#: Where the start of a secret is a token: not after a word character, unless that
#: character ends a percent-escape (``Bearer%20<key>``) or a backslash escape (``\n<key>``).
_AT_WORD_START = r"(?:(?<![A-Za-z0-9_])|(?<=%[0-9A-Fa-f]{2})|(?<=\\[nrt]))"
_WORD = re.compile(r"[A-Za-z0-9_]")
_SCALARS = frozenset({int, float, bool, type(None)})
#: Headers rebuilt by httpx2 from the (scrubbed, hence changed) body.
_BODY_HEADERS = frozenset({"content-length", "content-encoding", "transfer-encoding"})


def secret_values(api_key: str | None, headers: Iterable[tuple[str, str]] = ()) -> tuple[str, ...]:
    """The strings a model's errors must never show.

    Args:
        api_key: The API key (surrounding whitespace is not part of it).
        headers: ``(name, value)`` pairs; the values of credential headers
            (:func:`~langchain_baseten._request_params.is_secret_header`) are
            secrets, and so is the credential after an auth scheme
            (``Bearer <token>``).

    Returns:
        The secrets, at least :data:`MIN_SECRET_CHARS` characters each.
    """
    found = [api_key or ""]
    for name, value in headers:
        if is_secret_header(name):
            scheme, _, credential = value.strip().partition(" ")
            found.append(credential if credential and scheme.isalpha() else value)
    return tuple(dict.fromkeys(s.strip() for s in found if len(s.strip()) >= MIN_SECRET_CHARS))


def scrub(value: _T, secrets: str | Iterable[str] | None) -> _T:
    """``value`` without ``secrets`` (see the module docstring for what is redacted).

    Args:
        value: Text, bytes, a dict/list/tuple of them, an ``httpx2`` request or
            response (a redacted copy is returned), or an exception (scrubbed in
            place with its whole chain, and returned). Anything else is returned
            as is.
        secrets: One secret, several, or ``None``.

    Returns:
        The redacted value.
    """
    given = (secrets,) if isinstance(secrets, str) else tuple(secrets or ())
    usable = tuple(s for s in given if len(s) >= MIN_SECRET_CHARS)
    if not usable and not isinstance(value, (httpx2.Request, httpx2.Response, BaseException)):
        return value
    return _Redactor(usable).value(value)  # type: ignore[no-any-return]


class ScrubbedErrors:
    """A context manager: an exception leaving the block is scrubbed (in place) first.

    Args:
        secrets: Returns the secrets; called only when an exception leaves.
    """

    __slots__ = ("_secrets",)

    def __init__(self, secrets: Callable[[], Iterable[str]]) -> None:
        """Remember where the secrets come from."""
        self._secrets = secrets

    def __enter__(self) -> None:
        """Nothing to do on entry."""

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Scrub the leaving exception and its chain; it propagates as is."""
        if exc is not None:
            scrub(exc, self._secrets())


def _variants(secret: str) -> set[str]:
    """The forms a server may echo a secret in: as is, JSON-escaped, URL-encoded."""
    return {secret, json.dumps(secret)[1:-1], quote(secret, safe="")}


class _Redactor:
    """Redacts a fixed set of secrets; remembers the exceptions already scrubbed."""

    __slots__ = ("_dispatch", "_heads", "_seen", "_starts", "_tokens")

    def __init__(self, secrets: Iterable[str]) -> None:
        self._tokens = sorted(
            {v for s in secrets for v in _variants(s) if len(v) >= MIN_SECRET_CHARS},
            key=len,
            reverse=True,
        )
        self._heads = {t[:MIN_SECRET_CHARS] for t in self._tokens}
        self._starts = (
            re.compile(_AT_WORD_START + "(?:" + "|".join(map(re.escape, sorted(self._heads))) + ")")
            if self._tokens
            else None
        )
        self._seen: set[int] = set()
        self._dispatch = self._handlers()

    # -- text

    def text(self, text: str) -> str:
        """``text`` with each secret (or the cut-off start of one) that stands as a token."""
        if self._starts is None:
            return text
        out: list[str] = []
        done = 0
        for match in self._starts.finditer(text):
            start = match.start()
            if start < done:
                continue
            end = self._token_end(text, start)
            if end is not None:
                out.append(text[done:start])
                out.append(REDACTED)
                done = end
        if not out:
            return text
        out.append(text[done:])
        return "".join(out)

    def _token_end(self, text: str, start: int) -> int | None:
        """Where the longest secret (or start of one) at ``start`` ends, if it is a token."""
        best: int | None = None
        for token in self._tokens:
            if not text.startswith(token[:MIN_SECRET_CHARS], start):
                continue
            length = MIN_SECRET_CHARS
            limit = min(len(token), len(text) - start)
            while length < limit and text[start + length] == token[length]:
                length += 1
            end = start + length
            continues = (
                end < len(text)
                and _WORD.match(text[end - 1]) is not None
                and _WORD.match(text[end]) is not None
            )
            if not continues and (best is None or end > best):
                best = end
        return best

    def data(self, data: bytes) -> bytes:
        """``data`` (UTF-8 or not) without the secrets."""
        text = data.decode("utf-8", "surrogateescape")
        scrubbed = self.text(text)
        return data if scrubbed == text else scrubbed.encode("utf-8", "surrogateescape")

    # -- values

    def value(self, value: Any) -> Any:
        """Any value: containers rebuilt, HTTP objects copied, exceptions scrubbed in place."""
        if type(value) in _SCALARS:  # most items of a large body (vectors, scores)
            return value
        for kinds, method in self._dispatch:
            if isinstance(value, kinds):
                return method(value)
        return value

    def _handlers(self) -> tuple[tuple[type | tuple[type, ...], Callable[[Any], Any]], ...]:
        return (
            (str, self.text),
            ((bytes, bytearray), lambda data: self.data(bytes(data))),
            (BaseException, self.exception),
            (httpx2.Request, self.request),
            (httpx2.Response, self.response),
            (httpx2.Headers, self.headers),
            (httpx2.URL, lambda url: httpx2.URL(self.text(str(url)))),
            (dict, lambda d: {self.value(k): self.value(v) for k, v in d.items()}),
            (list, lambda items: [self.value(item) for item in items]),
            (tuple, self._tuple),
        )

    def _tuple(self, items: tuple[Any, ...]) -> tuple[Any, ...]:
        """A plain tuple rebuilt; a named tuple or other subclass is left as is."""
        return tuple(self.value(item) for item in items) if type(items) is tuple else items

    def headers(self, headers: Mapping[str, str] | httpx2.Headers) -> httpx2.Headers:
        """Credential headers as ``***`` (``Bearer ***``), the others scrubbed."""
        items = headers.multi_items() if isinstance(headers, httpx2.Headers) else headers.items()
        kept: list[tuple[str, str]] = []
        for name, value in items:
            if name.lower() in _BODY_HEADERS:
                continue
            if is_secret_header(name):
                scheme, _, credential = value.partition(" ")
                shown = f"{scheme} {REDACTED}" if credential and scheme.isalpha() else REDACTED
            else:
                shown = self.text(value)
            kept.append((name, shown))
        return httpx2.Headers(kept)

    def request(self, request: httpx2.Request) -> httpx2.Request:
        """A copy of ``request`` without secrets (a body not read is left out)."""
        try:
            content = self.data(request.content)
        except httpx2.RequestNotRead:
            content = b""
        return httpx2.Request(
            request.method,
            self.text(str(request.url)),
            headers=self.headers(request.headers),
            content=content,
        )

    def response(self, response: httpx2.Response) -> httpx2.Response:
        """A copy of ``response`` (decoded body, redacted request) without secrets."""
        try:
            content = self.data(response.content)
        except (httpx2.ResponseNotRead, httpx2.StreamError):
            content = b""
        try:
            request: httpx2.Request | None = self.request(response.request)
        except RuntimeError:  # a response built without a request
            request = None
        return httpx2.Response(
            response.status_code,
            headers=self.headers(response.headers),
            content=content,
            request=request,
        )

    # -- exceptions

    def exception(self, exc: BaseException) -> BaseException:
        """Scrub ``exc`` and every exception chained to it, in place; return ``exc``."""
        stack = [exc]
        while stack:
            current = stack.pop()
            if id(current) in self._seen:
                continue
            self._seen.add(id(current))
            self._one_exception(current)
            stack.extend(e for e in (current.__cause__, current.__context__) if e is not None)
            if isinstance(current, BaseExceptionGroup):
                stack.extend(current.exceptions)
        return exc

    def _one_exception(self, exc: BaseException) -> None:
        exc.args = self.value(exc.args)
        attributes = getattr(exc, "__dict__", {})
        for name, value in list(attributes.items()):
            attributes[name] = self.value(value)
        if isinstance(exc, OSError):
            for name in ("strerror", "filename", "filename2"):
                if isinstance(text := getattr(exc, name), str):
                    setattr(exc, name, self.text(text))
