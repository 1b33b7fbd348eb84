"""The ``local_baseten`` pytest fixture: a running local server, the environment pointed at it.

Opt in from a ``conftest.py`` (it is not registered for every user of the package)::

    pytest_plugins = ["langchain_baseten.testing.pytest_plugin"]

Then, in a test::

    from langchain_baseten import ChatBaseten
    from langchain_baseten.testing import FakeBaseten, rate_limited


    def test_retries_a_rate_limit(local_baseten: FakeBaseten) -> None:
        local_baseten.enqueue(rate_limited(retry_after=0.1))
        llm = ChatBaseten(model="baseten/openai/gpt-oss-120b", max_retries=1)
        assert llm.invoke("Hi").content == "echo: Hi"
        assert len(local_baseten.requests) == 2

Each test gets a fresh server (its own port, no scripted replies left over);
``BASETEN_ORIGIN`` and ``BASETEN_API_KEY`` are set for the test only
(``monkeypatch``), and ``BASETEN_BASE_URL``/``BASETEN_API_BASE`` are removed so
nothing else decides where requests go. Build models inside the test (or in a
fixture that uses ``local_baseten``): they read the environment when built.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from langchain_baseten.testing._server import fake_baseten_server

if TYPE_CHECKING:
    from collections.abc import Iterator

    from langchain_baseten.testing._server import FakeBaseten

__all__ = ["local_baseten"]

#: The variables that would compete with ``BASETEN_ORIGIN`` (both set is an error).
_COMPETING_ENV = ("BASETEN_BASE_URL", "BASETEN_API_BASE")


@pytest.fixture
def local_baseten(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeBaseten]:
    """A local Baseten-compatible server for one test, with the environment pointed at it.

    Yields:
        The running server: ``enqueue`` faults or answers, read ``requests``.
    """
    with fake_baseten_server() as server:
        for name in _COMPETING_ENV:
            monkeypatch.delenv(name, raising=False)
        for name, value in server.env().items():
            monkeypatch.setenv(name, value)
        yield server
