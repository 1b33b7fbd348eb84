"""Shared pytest configuration: recorded-HTTP settings for pytest-recording."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

import langchain_baseten
from tests.recording import CASSETTE_DIR, register_matchers
from tests.recording import vcr_config as _vcr_config

if TYPE_CHECKING:
    from collections.abc import Iterator

    from vcr import VCR


@pytest.fixture(autouse=True)
def _close_shared_clients() -> Iterator[None]:
    """Close the package's shared pools after every test: no socket outlives its test.

    (Async pools close with each test's event loop.)
    """
    yield
    langchain_baseten.close_clients()


@pytest.fixture(scope="session")
def vcr_config() -> dict[str, Any]:
    """The cassette settings; replay-only unless ``--record-mode`` says otherwise."""
    return _vcr_config()


@pytest.fixture(scope="module")
def vcr_cassette_dir(request: pytest.FixtureRequest) -> str:
    """Cassettes live in the top-level ``cassettes/<test module>/`` folder."""
    return str(CASSETTE_DIR / request.module.__name__.rsplit(".", 1)[-1])


def pytest_recording_configure(config: pytest.Config, vcr: VCR) -> None:
    """Register the JSON-body matcher with every cassette."""
    register_matchers(vcr)
