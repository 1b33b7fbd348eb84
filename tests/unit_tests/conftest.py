"""Unit-test fixtures: the local server, the models on it, a callback spy, a clean environment.

The factories behind them live in ``tests/local_models.py`` (``chat_model``,
``embeddings_model``, ``rerank_model``, ``classifier_model`` and ``KEY``) and the
spy in ``tests/spies.py``; a test file declares only its own data.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import pytest

from langchain_baseten.testing import FakeBaseten, fake_baseten_server
from tests.local_models import CLIENT_KINDS, chat_model, own_clients, use_clients
from tests.recording import redirect_baseten_to
from tests.spies import CallbackSpy

if TYPE_CHECKING:
    from collections.abc import Iterator

    from langchain_baseten import ChatBaseten


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Run tests marked ``each_client_kind`` once per client kind (:data:`CLIENT_KINDS`).

    A module's mark covers its tests that use the local server (``fake_baseten``);
    a test's own mark covers it whatever it uses. ``each_client_kind("pools", "httpx")``
    runs only the kinds it names.
    """
    mark = metafunc.definition.get_closest_marker("each_client_kind")
    own = any(m.name == "each_client_kind" for m in metafunc.definition.own_markers)
    if mark is not None and (own or "fake_baseten" in metafunc.fixturenames):
        metafunc.parametrize("client_kind", mark.args or CLIENT_KINDS, indirect=True)


@pytest.fixture(autouse=True)
def client_kind(request: pytest.FixtureRequest) -> Iterator[str]:
    """Which HTTP clients the model factories of ``tests/local_models.py`` pass.

    ``"pools"`` (none: the package's shared pools) unless the test is marked
    ``each_client_kind``: then it runs once per kind, and ``"httpx2"`` or ``"httpx"``
    (classic) give every model a factory builds the user's own ``http_client`` and
    ``http_async_client`` of that library (a test's own keywords still win).
    """
    kind: str = getattr(request, "param", "pools")
    clients = own_clients(kind)
    use_clients(clients)
    try:
        yield kind
    finally:
        use_clients({})
        if "http_client" in clients:
            clients["http_client"].close()


@pytest.fixture
def fake_baseten() -> Iterator[FakeBaseten]:
    """A fresh local Baseten-compatible server for one test."""
    with fake_baseten_server() as server:
        yield server


@pytest.fixture
def llm(fake_baseten: FakeBaseten) -> ChatBaseten:
    """A ``ChatBaseten`` on this test's local server: test key, no retries."""
    return chat_model(fake_baseten)


@pytest.fixture
def callback_spy() -> CallbackSpy:
    """A fresh :class:`~tests.spies.CallbackSpy` (pass it in ``config={"callbacks": [...]}``)."""
    return CallbackSpy()


@pytest.fixture
def no_baseten_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No key or base URL from the environment (``BASETEN_*``, ``OPENAI_*``) reaches the test."""
    for name in ("BASETEN_API_KEY", "BASETEN_BASE_URL", "OPENAI_API_KEY", "OPENAI_BASE_URL"):
        monkeypatch.delenv(name, raising=False)


REPLAY_KEY = "replay-placeholder-key"


@pytest.fixture
def recording_source(
    vcr: object, record_mode: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    """Where recorded-HTTP tests get their answers (use with ``pytest.mark.vcr``).

    Replay (the default) needs no key. Recording needs a key (live, from Baseten)
    or ``BASETEN_RECORD=local`` (from the local Baseten-compatible server, with
    requests to ``*.baseten.co`` redirected to it).
    """
    if os.environ.get("BASETEN_RECORD") == "local" and record_mode != "none":
        monkeypatch.setenv("BASETEN_API_KEY", REPLAY_KEY)
        with fake_baseten_server() as server, redirect_baseten_to(server.base_url):
            yield
        return
    if record_mode == "none":
        monkeypatch.setenv("BASETEN_API_KEY", REPLAY_KEY)
    elif not os.environ.get("BASETEN_API_KEY"):
        pytest.fail("Recording live needs BASETEN_API_KEY (or BASETEN_RECORD=local).")
    yield
