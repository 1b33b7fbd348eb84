"""Unit-test fixtures: the local server, the models on it, a callback spy, a clean environment.

The factories behind them live in ``tests/local_models.py`` (``chat_model``,
``embeddings_model``, ``rerank_model``, ``classifier_model`` and ``KEY``) and the
spy in ``tests/spies.py``; a test file declares only its own data.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import pytest

from tests.fake_baseten import FakeBaseten, fake_baseten_server
from tests.local_models import chat_model
from tests.recording import redirect_baseten_to
from tests.spies import CallbackSpy

if TYPE_CHECKING:
    from collections.abc import Iterator

    from langchain_baseten import ChatBaseten


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
