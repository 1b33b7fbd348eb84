"""Models pointed at the local Baseten-compatible server: one definition each.

Every test that talks to :mod:`langchain_baseten.testing` builds its models with these
factories (or the ``llm`` fixture, built on :func:`chat_model`), so the test key,
the paths and the no-retries default are written once. Keyword arguments
override any default, e.g. ``chat_model(server, max_retries=2, timeout=1.0)``.

The factories also pass the HTTP clients :func:`use_clients` set (the
``client_kind`` fixture of ``conftest.py`` does, for tests marked
``each_client_kind``): none by default (the package's shared pools), or a user's
own ``http_client``/``http_async_client`` of one kind.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from langchain_baseten import BasetenClassifier, BasetenEmbeddings, BasetenRerank, ChatBaseten

if TYPE_CHECKING:
    from langchain_baseten.testing import FakeBaseten

#: The API key every local-server test sends (long enough to spot in any text).
KEY = "bt-test-key-0123456789abcdef"
#: The chat model tests ask for: a Model API slug.
CHAT_MODEL = "openai/gpt-oss-120b"
#: A dedicated deployment's model id (embeddings, rerank, classification).
DEDICATED_MODEL = "baseten/abcd1234"
#: A dedicated deployment's OpenAI-compatible path (its sync root is one level up).
DEDICATED_PATH = "/environments/production/sync/v1"
#: What ``http_client=``/``http_async_client=`` a model gets: the package's shared pools
#: (none passed), or a user's own clients of httpx2 or of classic httpx (openai takes both).
CLIENT_KINDS = ("pools", "httpx2", "httpx")

_clients: dict[str, Any] = {}


def http_library(kind: str) -> Any:
    """The module of a user's client kind: ``httpx2`` or (classic) ``httpx``, alike in API."""
    return importlib.import_module(kind)


def own_clients(kind: str) -> dict[str, Any]:
    """``http_client`` and ``http_async_client`` of ``kind`` (``{}`` for ``"pools"``)."""
    if kind == "pools":
        return {}
    library = http_library(kind)
    return {"http_client": library.Client(), "http_async_client": library.AsyncClient()}


def use_clients(clients: dict[str, Any]) -> None:
    """Make the factories pass ``clients`` (``{}``: none) unless a test overrides them."""
    _clients.clear()
    _clients.update(clients)


def chat_model(server: FakeBaseten | str, **overrides: Any) -> ChatBaseten:
    """A ``ChatBaseten`` on ``server``'s Model API path (``/v1``): test key, no retries.

    ``server`` may also be a base URL string (for a port nothing listens on).
    """
    base_url = server if isinstance(server, str) else server.url("/v1")
    settings: dict[str, Any] = {
        "model": CHAT_MODEL,
        "base_url": base_url,
        "api_key": KEY,
        "max_retries": 0,
        **_clients,
    }
    return ChatBaseten(**{**settings, **overrides})


def _on_dedicated(server: FakeBaseten, overrides: dict[str, Any]) -> dict[str, Any]:
    """Settings of a model on ``server``'s dedicated path: test key, no retries."""
    settings: dict[str, Any] = {
        "model": DEDICATED_MODEL,
        "base_url": server.url(DEDICATED_PATH),
        "api_key": KEY,
        "max_retries": 0,
        **_clients,
    }
    return {**settings, **overrides}


def embeddings_model(server: FakeBaseten, **overrides: Any) -> BasetenEmbeddings:
    """A ``BasetenEmbeddings`` on ``server``'s dedicated path: test key, no retries.

    It sends through the Python transport (``backend="python"``, what ``"auto"``
    picks off Baseten's https hosts too, written out so the tests say what they
    test), whose requests the tests script one reply at a time;
    ``tests/unit_tests/test_embeddings_rust.py`` tests the Rust backend
    (``backend="performance-client"``, installed in the test environment).
    """
    return BasetenEmbeddings(**_on_dedicated(server, {"backend": "python", **overrides}))


def rerank_model(server: FakeBaseten, **overrides: Any) -> BasetenRerank:
    """A ``BasetenRerank`` on ``server``'s dedicated path: test key, no retries."""
    return BasetenRerank(**_on_dedicated(server, overrides))


def classifier_model(server: FakeBaseten, **overrides: Any) -> BasetenClassifier:
    """A ``BasetenClassifier`` on ``server``'s dedicated path: test key, no retries."""
    return BasetenClassifier(**_on_dedicated(server, overrides))
