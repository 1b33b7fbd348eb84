"""``make help`` (and bare ``make``) lists every target the Makefile declares, each with a line."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


def _declared_targets() -> set[str]:
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    names: set[str] = set()
    for line in re.findall(r"^\.PHONY:(.*)$", text, flags=re.MULTILINE):
        names.update(line.split())
    return names


def _listed(args: list[str]) -> str:
    make = shutil.which("make")
    assert make is not None
    done = subprocess.run(  # noqa: S603 - fixed arguments, our own Makefile
        [make, "--no-print-directory", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return done.stdout


@pytest.mark.parametrize("args", [["help"], []], ids=["make help", "bare make"])
def test_every_declared_target_is_listed_with_a_description(args: list[str]) -> None:
    listing = _listed(args)
    described = {
        name.strip()
        for match in re.finditer(
            r"^  ([a-z][a-z_-]*(?:, [a-z][a-z_-]*)*) +\S", listing, flags=re.MULTILINE
        )
        for name in match.group(1).split(",")
    }
    declared = _declared_targets()
    assert declared, "no .PHONY targets found"
    missing = {name for name in declared if name not in described}
    assert not missing, f"make help does not list: {sorted(missing)}"
    assert "test" in described
    assert "help" in described
