"""Engine-suite fixtures: the vLLM servers (started once per session, all stopped at the end).

``LANGCHAIN_BASETEN_ENGINE_PORTS="chat=18001,embed=18002,rerank=18003,spare=18004"``
uses servers already running on those ports instead (while developing: none is
started or stopped by the suite then; see CONTRIBUTING, "Engine suite").
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest
from langchain_openai import ChatOpenAI

from langchain_baseten import ChatBaseten
from tests.engine_tests.servers import CHAT_MODEL, Engine, VllmServer, build_engine

if TYPE_CHECKING:
    from collections.abc import Iterator

    from langchain_core.language_models import BaseChatModel

#: Any key: vLLM started without --api-key accepts every one.
ENGINE_KEY = "engine-test-key"
#: Enough for a constrained tool call or JSON answer of the tiny model (about 50 tokens);
#: its unconstrained answers never end by themselves, so every call is bounded.
MAX_TOKENS = 96


def _reused(engine: Engine) -> set[str]:
    """The servers ``LANGCHAIN_BASETEN_ENGINE_PORTS`` names (already running; not ours)."""
    ports = os.environ.get("LANGCHAIN_BASETEN_ENGINE_PORTS", "")
    by_name = {server.name: server for server in engine.all}
    reused = set()
    for item in filter(None, ports.split(",")):
        name, port = item.split("=")
        by_name[name.strip()].port = int(port)
        reused.add(name.strip())
    return reused


@pytest.fixture(scope="session")
def engine() -> Iterator[Engine]:
    """The chat, embeddings, rerank and spare chat servers, started together, stopped at the end."""
    engine = build_engine()
    reused = _reused(engine)
    started: list[VllmServer] = []
    try:
        for server in engine.all:
            if server.name in reused:
                if not server.is_ready():
                    msg = f"no vLLM server answers on port {server.port} ({server.name})"
                    raise RuntimeError(msg)
                continue
            server.start()
            started.append(server)
        for server in started:
            server.wait_ready()
        yield engine
    finally:
        for server in started:
            server.stop()


def chat_settings(server: VllmServer) -> dict[str, Any]:
    """Chat settings on a vLLM server: temperature 0, bounded answers, no retries."""
    return {
        "model": CHAT_MODEL,
        "base_url": server.base_url,
        "api_key": ENGINE_KEY,
        "max_retries": 0,
        "temperature": 0,
        "max_tokens": MAX_TOKENS,
    }


def baseten_chat(server: VllmServer, **overrides: Any) -> ChatBaseten:
    """``ChatBaseten`` on a vLLM server with :func:`chat_settings`."""
    return ChatBaseten(**{**chat_settings(server), **overrides})


def openai_chat(server: VllmServer, **overrides: Any) -> ChatOpenAI:
    """``ChatOpenAI`` with the same settings, for side-by-side checks."""
    return ChatOpenAI(**{**chat_settings(server), **overrides})


CLIENTS = {"ChatBaseten": baseten_chat, "ChatOpenAI": openai_chat}


@dataclass(frozen=True)
class ChatFactory:
    """Builds one of the two chat classes on the chat server: ``client(**overrides)``."""

    name: str
    server: VllmServer

    def __call__(self, **overrides: Any) -> BaseChatModel:
        """The model, with these settings over the defaults."""
        return CLIENTS[self.name](self.server, **overrides)


@pytest.fixture(params=list(CLIENTS))
def client(request: pytest.FixtureRequest, engine: Engine) -> ChatFactory:
    """Each chat class in turn (a ChatBaseten-only failure stands out beside ChatOpenAI)."""
    return ChatFactory(request.param, engine.chat)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark the standard tests this engine run cannot pass (``test_standard_engine.py``)."""
    from tests.engine_tests.test_standard_engine import expected_failure

    for item in items:
        cls = getattr(item, "cls", None)
        name = getattr(item, "originalname", item.name)
        mark = expected_failure(cls.__name__, name) if cls is not None else None
        if mark is not None:
            item.add_marker(mark)
