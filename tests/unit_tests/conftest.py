"""Unit-test fixtures."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.fake_baseten import FakeBaseten, fake_baseten_server

if TYPE_CHECKING:
    from collections.abc import Iterator


@pytest.fixture
def fake_baseten() -> Iterator[FakeBaseten]:
    """A fresh local Baseten-compatible server for one test."""
    with fake_baseten_server() as server:
        yield server
