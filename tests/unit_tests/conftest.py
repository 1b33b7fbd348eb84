"""Unit-test fixtures."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import pytest

from tests.fake_baseten import FakeBaseten, fake_baseten_server
from tests.recording import redirect_baseten_to

if TYPE_CHECKING:
    from collections.abc import Iterator


@pytest.fixture
def fake_baseten() -> Iterator[FakeBaseten]:
    """A fresh local Baseten-compatible server for one test."""
    with fake_baseten_server() as server:
        yield server


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
