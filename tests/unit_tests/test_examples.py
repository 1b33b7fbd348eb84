"""Every example runs to the end: replaying its recorded HTTP without a key, and live with one.

Replayed, every answer it prints is marked as replayed next to the answer (the shipped
recordings come from the local echo server, not from a model). Live, it needs nothing
but the installed package: vcrpy and the repository's ``tests`` package are blocked.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from langchain_baseten.testing import FakeBaseten

EXAMPLES_DIR = Path(__file__).resolve().parents[2] / "examples"
EXAMPLES = sorted(p for p in EXAMPLES_DIR.glob("*.py") if not p.name.startswith("_"))
REPLAY_TAG = "[replayed from local echo server] "
TIMEOUT_SECONDS = 120

# Runs an example with vcr and the checkout's tests package unimportable, as after a
# plain `pip install` of the wheel.
LIVE_RUNNER = """
import runpy, sys
sys.modules["vcr"] = None
sys.modules["tests"] = None
path = sys.argv[1]
sys.path.insert(0, str(__import__("pathlib").Path(path).parent))
sys.argv = [path]
runpy.run_path(path, run_name="__main__")
"""


def _clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(("BASETEN_", "OPENAI_"))}


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_example_replays_without_a_key_and_marks_every_answer_as_replayed(example: Path) -> None:
    result = subprocess.run(  # noqa: S603
        [sys.executable, str(example)],
        capture_output=True,
        text=True,
        timeout=TIMEOUT_SECONDS,
        env=_clean_env(),
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stdout.splitlines()
    assert "replaying recorded HTTP" in lines[0]
    assert "recorded from the local test server (echo answers, not a model)" in lines[0]
    assert "replay-placeholder-key" not in result.stdout + result.stderr
    assert any(line.startswith(REPLAY_TAG) for line in lines)
    unmarked = [line for line in lines if "echo: " in line and not line.startswith(REPLAY_TAG)]
    assert not unmarked, f"replayed answers printed without the replay mark: {unmarked}"
    endpoints = [line for line in lines if line.startswith(("endpoint:", "embeddings endpoint:"))]
    assert all(line.endswith("(replaying: nothing is sent there)") for line in endpoints)


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_example_runs_live_with_a_key_without_vcr_or_the_tests_package(
    example: Path, fake_baseten: FakeBaseten, tmp_path: Path
) -> None:
    env = _clean_env() | {
        "BASETEN_API_KEY": "example-live-key",
        "BASETEN_BASE_URL": fake_baseten.url("/v1"),
    }
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", LIVE_RUNNER, str(example)],
        capture_output=True,
        text=True,
        timeout=TIMEOUT_SECONDS,
        env=env,
        cwd=tmp_path,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.startswith(
        f"[live: calling {fake_baseten.url('/v1')} with BASETEN_API_KEY]"
    )
    assert REPLAY_TAG not in result.stdout
    assert fake_baseten.requests, "the example sent nothing to the server"
    assert all(
        r.headers["authorization"] == "Bearer example-live-key" for r in fake_baseten.requests
    )


def test_replaying_without_vcrpy_says_what_to_install(tmp_path: Path) -> None:
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", LIVE_RUNNER, str(EXAMPLES_DIR / "quickstart.py")],
        capture_output=True,
        text=True,
        timeout=TIMEOUT_SECONDS,
        env=_clean_env(),
        cwd=tmp_path,
        check=False,
    )
    assert result.returncode == 1
    assert "Replaying recorded HTTP needs vcrpy" in result.stderr
    assert "langchain-baseten[test]" in result.stderr
