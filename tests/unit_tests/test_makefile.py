"""``make help`` (and bare ``make``) lists every target the Makefile declares, each with a line."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
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


def _pytest_command(target: str) -> str:
    """The pytest line ``make -n <target>`` would run."""
    lines = [line for line in _listed(["-n", target]).splitlines() if " pytest " in line]
    assert len(lines) == 1, f"make -n {target}: {lines}"
    return lines[0]


def test_make_test_and_make_test_slow_split_the_unit_suite_by_the_slow_marker() -> None:
    fast = _pytest_command("test")
    slow = _pytest_command("test-slow")
    everything = _pytest_command("test-all")
    assert 'pytest tests/unit_tests -m "not slow"' in fast
    assert "pytest tests/unit_tests -m slow" in slow
    assert "pytest tests/unit_tests" in everything
    assert " -m " not in everything


def test_ci_runs_the_fast_and_the_slow_suite() -> None:
    steps = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert "make test" in steps
    assert "make test-slow" in steps
    assert "make test-resolutions" in steps


@pytest.mark.slow  # a fresh pytest process: seconds
def test_the_suite_prints_no_benchmark_table_and_ends_with_its_summary_line() -> None:
    # langchain-tests' test_init_time uses pytest-benchmark; addopts' --benchmark-disable
    # runs its body once, untimed, so no table follows the tests (timings live in bench/).
    node = "tests/unit_tests/test_standard.py::TestChatBasetenStandard::test_init_time"
    done = subprocess.run(  # noqa: S603 - fixed arguments, our own test
        [sys.executable, "-m", "pytest", node, "-p", "no:cacheprovider"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:]
    assert not re.search(r"^-+ benchmark: ", done.stdout, flags=re.MULTILINE), done.stdout
    assert "Name (time in" not in done.stdout
    last = done.stdout.rstrip().splitlines()[-1]
    # The summary line, whatever else it counts (the lowest resolution's anyio warns).
    assert re.fullmatch(
        r"=+ 1 passed(?:, [0-9]+ warnings?)? in [0-9.]+s(?: \([0-9:]+\))? =+", last
    ), last
