"""Run an example live with BASETEN_API_KEY, or replay its recorded HTTP without one.

* ``BASETEN_API_KEY`` set: the example calls Baseten for real (or ``BASETEN_BASE_URL``
  if set). Needs only ``langchain-baseten`` installed: nothing here imports vcrpy or
  the repository's ``tests`` package in this mode.
* no key: the example replays ``cassettes/examples/<name>.yaml`` (needs vcrpy:
  ``pip install "/path/to/langchain-baseten[examples]"``, and a checkout for the
  cassettes) and every answer it prints is marked as replayed, with where it was
  recorded; a request that was not recorded fails instead of reaching the network.
* ``BASETEN_RECORD=1`` with a key: re-records the cassette from live Baseten.
* ``BASETEN_RECORD=local``: records from the local Baseten-compatible test
  server (``langchain_baseten/testing/``); this is how the shipped cassettes were made.
"""

from __future__ import annotations

import importlib.util
import os
import re
import sys
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from collections.abc import Iterator

REPO_ROOT = Path(__file__).resolve().parent.parent
CASSETTES = REPO_ROOT / "cassettes" / "examples"
# A placeholder so the model can be constructed during replay; never sent anywhere.
REPLAY_KEY = "replay-placeholder-key"
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}


@dataclass(frozen=True)
class Run:
    """How this run gets its answers; examples print ``tag`` before every answer."""

    tag: str = ""  # "" live; "[replayed ...] " when answers come from a cassette
    endpoint_note: str = ""  # said next to the endpoint when nothing is sent there


def _dev_imports() -> None:
    """Make the checkout's ``tests`` package importable and check vcrpy is installed.

    Only ``tests`` is loaded from the checkout: putting the checkout itself on
    ``sys.path`` would shadow an installed ``langchain_baseten`` with the source tree.
    """
    if "tests" not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            "tests",
            REPO_ROOT / "tests" / "__init__.py",
            submodule_search_locations=[str(REPO_ROOT / "tests")],
        )
        if spec is None or spec.loader is None:
            sys.exit(f"Replaying needs the checkout's tests/ folder: {REPO_ROOT / 'tests'}")
        package = importlib.util.module_from_spec(spec)
        sys.modules["tests"] = package
        spec.loader.exec_module(package)
    try:
        import vcr  # noqa: F401
    except ImportError:
        sys.exit(
            "Replaying recorded HTTP needs vcrpy: pip install"
            " '/path/to/langchain-baseten[examples]' (or pip install vcrpy)."
            " Or set BASETEN_API_KEY to call Baseten for real."
        )


def _cassette(name: str, record_mode: str) -> AbstractContextManager[object]:
    import vcr

    from tests.recording import register_matchers, vcr_config

    # vcrpy records and replays httpx only: BasetenEmbeddings' optional Rust backend
    # (baseten-performance-client) sends through its own HTTP stack, so it is made
    # unimportable here and embeddings take the Python transport (backend="auto").
    sys.modules["baseten_performance_client"] = None  # type: ignore[assignment]
    config = vcr_config()
    repeats = config.pop("allow_playback_repeats")
    recorder = vcr.VCR(record_mode=record_mode, cassette_library_dir=str(CASSETTES), **config)
    register_matchers(recorder)
    return recorder.use_cassette(name, allow_playback_repeats=repeats)  # type: ignore[no-any-return]


def recorded_from(cassette: Path) -> str:
    """Where a cassette's answers came from, read from its first recorded URI."""
    match = re.search(r"^\s*uri:\s*(\S+)", cassette.read_text(encoding="utf-8"), re.MULTILINE)
    host = urlsplit(match[1]).hostname if match else None
    if host in LOCAL_HOSTS:
        return "the local test server (echo answers, not a model)"
    return f"{host}" if host else "an unknown source"


def _replay(stack: ExitStack, name: str) -> Run:
    _dev_imports()
    cassette = CASSETTES / f"{name}.yaml"
    if not cassette.exists():
        sys.exit(f"No recording at {cassette}: set BASETEN_API_KEY to run {name} live.")
    stack.enter_context(_cassette(name, "none"))
    os.environ["BASETEN_API_KEY"] = REPLAY_KEY
    source = recorded_from(cassette)
    print(
        f"[no BASETEN_API_KEY: replaying recorded HTTP from cassettes/examples/{name}.yaml,"
        f" recorded from {source}; nothing is sent. Set BASETEN_API_KEY to call Baseten.]"
    )
    short = "local echo server" if "local test server" in source else source
    return Run(f"[replayed from {short}] ", " (replaying: nothing is sent there)")


def _record_locally(stack: ExitStack, name: str) -> Run:
    _dev_imports()
    from langchain_baseten.testing import fake_baseten_server
    from tests.recording import redirect_baseten_to

    server = stack.enter_context(fake_baseten_server())
    stack.enter_context(_cassette(name, "all"))
    stack.enter_context(redirect_baseten_to(server.base_url))
    os.environ.setdefault("BASETEN_API_KEY", REPLAY_KEY)
    print(f"[recording {name} from the local Baseten-compatible test server]")
    return Run("[local echo server] ", f" (redirected to {server.base_url})")


@contextmanager
def live_or_replay(name: str) -> Iterator[Run]:
    """Run the body live (with a key) or against the recorded cassette ``name``."""
    record = os.environ.get("BASETEN_RECORD", "")
    with ExitStack() as stack:
        if record == "local":
            run = _record_locally(stack, name)
        elif os.environ.get("BASETEN_API_KEY") and record:
            _dev_imports()
            stack.enter_context(_cassette(name, "all"))
            print(f"[recording {name} from live Baseten]")
            run = Run()
        elif os.environ.get("BASETEN_API_KEY"):
            target = os.environ.get("BASETEN_BASE_URL") or "Baseten"
            print(f"[live: calling {target} with BASETEN_API_KEY]")
            run = Run()
        else:
            run = _replay(stack, name)
        yield run
