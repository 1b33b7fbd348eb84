"""Every example runs to the end with no API key, replaying its recorded HTTP."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES_DIR = Path(__file__).resolve().parents[2] / "examples"
EXAMPLES = sorted(p for p in EXAMPLES_DIR.glob("*.py") if not p.name.startswith("_"))


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_example_replays_without_a_key(example: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BASETEN_", "OPENAI_"))}
    result = subprocess.run(  # noqa: S603
        [sys.executable, str(example)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "replaying recorded HTTP" in result.stdout
    assert "replay-placeholder-key" not in result.stdout + result.stderr
