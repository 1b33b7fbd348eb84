"""Recorded HTTP: the one vcrpy configuration shared by the tests and the examples.

* Replay is the default: a request with no recorded answer fails; it never
  reaches the network (``record_mode`` is deliberately absent from the config,
  so the command line's ``--record-mode=none`` holds).
* Requests match on method, URL path and JSON body (not the host), so a cassette
  recorded from the local Baseten-compatible server (``langchain_baseten/testing/``)
  replays for requests addressed to Baseten, and one recorded live replays too.
  The recorded URI keeps its real host, which shows where it was recorded.
* Secrets are scrubbed before anything is written: the ``Authorization`` header
  and every other credential-like header, in requests and responses.
"""

from __future__ import annotations

import json
import sys
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx2

if TYPE_CHECKING:
    from collections.abc import Iterator

    from vcr import VCR
    from vcr.request import Request

REPO_ROOT = Path(__file__).resolve().parent.parent
CASSETTE_DIR = REPO_ROOT / "cassettes"

#: Headers never written to a cassette (requests and responses).
SECRET_HEADERS = (
    "authorization",
    "api-key",
    "x-api-key",
    "cookie",
    "set-cookie",
    "openai-organization",
    "openai-project",
    "proxy-authorization",
)


def _json_body(request: Request) -> Any:
    body = request.body
    if not body:
        return None
    try:
        return json.loads(body)
    except (ValueError, TypeError):
        return body


def match_json_body(r1: Request, r2: Request) -> None:
    """vcrpy matcher: equal JSON bodies (key order and whitespace do not matter)."""
    if _json_body(r1) != _json_body(r2):
        msg = "JSON bodies differ"
        raise AssertionError(msg)


def _scrub_response(response: dict[str, Any]) -> dict[str, Any]:
    headers = response.get("headers") or {}
    for name in list(headers):
        if name.lower() in SECRET_HEADERS:
            del headers[name]
    return response


def vcr_config() -> dict[str, Any]:
    """Return the vcrpy settings (no ``record_mode``: the command line decides)."""
    return {
        "path_transformer": lambda path: path if path.endswith(".yaml") else path + ".yaml",
        "match_on": ["method", "path", "json_body"],
        "filter_headers": [(name, None) for name in SECRET_HEADERS],
        "before_record_response": _scrub_response,
        "decode_compressed_response": True,
        "allow_playback_repeats": False,
    }


def register_matchers(vcr: VCR) -> None:
    """Register the custom matcher named in :func:`vcr_config`."""
    vcr.register_matcher("json_body", match_json_body)


_redirect_lock = threading.Lock()
_RUST_MODULE = "baseten_performance_client"
_ABSENT = object()


@contextmanager
def redirect_baseten_to(base_url: str) -> Iterator[None]:
    """Send every request addressed to ``*.baseten.co`` to a local server instead.

    Used to record cassettes from the local Baseten-compatible server: the path
    is kept, only scheme, host and port change, so the recording replays for the
    same request addressed to Baseten. Must be entered after vcrpy's own patch
    (inside ``use_cassette``) so that the cassette shows the local address.

    Only httpx2 is rewritten: ``BasetenEmbeddings(backend="auto")`` would send to
    Baseten's hosts through the Rust Performance Client, which has its own HTTP
    stack, so that package is unimportable meanwhile (``auto`` then takes Python).

    Args:
        base_url: The local server's root, e.g. ``http://127.0.0.1:8123``.
    """
    target = httpx2.URL(base_url)

    def rewrite(request: httpx2.Request) -> None:
        if request.url.host.endswith(".baseten.co"):
            request.url = request.url.copy_with(
                scheme=target.scheme, host=target.host, port=target.port
            )
            request.headers["host"] = f"{target.host}:{target.port}"

    sync_original = httpx2.HTTPTransport.handle_request
    async_original = httpx2.AsyncHTTPTransport.handle_async_request

    def handle_request(self: httpx2.HTTPTransport, request: httpx2.Request) -> httpx2.Response:
        rewrite(request)
        return sync_original(self, request)

    async def handle_async_request(
        self: httpx2.AsyncHTTPTransport, request: httpx2.Request
    ) -> httpx2.Response:
        rewrite(request)
        return await async_original(self, request)

    with _redirect_lock:
        httpx2.HTTPTransport.handle_request = handle_request  # type: ignore[method-assign]
        httpx2.AsyncHTTPTransport.handle_async_request = handle_async_request  # type: ignore[method-assign]
        rust = sys.modules.get(_RUST_MODULE, _ABSENT)
        sys.modules[_RUST_MODULE] = None  # type: ignore[assignment]
        try:
            yield
        finally:
            httpx2.HTTPTransport.handle_request = sync_original  # type: ignore[method-assign]
            httpx2.AsyncHTTPTransport.handle_async_request = async_original  # type: ignore[method-assign]
            if rust is _ABSENT:
                del sys.modules[_RUST_MODULE]
            else:
                sys.modules[_RUST_MODULE] = rust  # type: ignore[assignment]
