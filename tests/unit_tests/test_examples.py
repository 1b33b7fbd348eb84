"""Every example runs to the end: replaying its recorded HTTP without a key, and live with one.

Replayed, every answer it prints is marked as replayed next to the answer (the shipped
recordings come from the local echo server, not from a model). Live, it needs nothing
but the installed package: vcrpy and the repository's ``tests`` package are blocked.
The ``examples`` extra names every distribution the examples import (or need without
importing it), and nothing else; ``make wheel-check`` replays every example in a clean
environment holding only the wheel and that extra.
"""

from __future__ import annotations

import ast
import functools
import importlib.metadata
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from langchain_baseten.testing import FakeBaseten

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES_DIR = ROOT / "examples"
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


@pytest.mark.slow
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


@pytest.mark.slow
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


@pytest.mark.slow
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
    assert "langchain-baseten[examples]" in result.stderr


# Distributions an example needs without importing them, keyed by the name in its source
# that needs them: InMemoryVectorStore's search calls langchain-core's cosine_similarity,
# which raises "cosine_similarity requires numpy" without it.
NEEDED_WITHOUT_IMPORT = {"InMemoryVectorStore": "numpy"}
# The Ray example runs in its own environment: `make ray-example` installs ray[data] there.
RAY_EXAMPLE_DIR = EXAMPLES_DIR / "ray_data"


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _requirement_name(requirement: str) -> str:
    match = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", requirement)
    assert match, requirement
    return _canonical(match[0])


def _project() -> dict[str, object]:
    project: dict[str, object] = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return project


def _examples_extra() -> set[str]:
    extras = _project()["optional-dependencies"]
    assert isinstance(extras, dict)
    assert "examples" in extras, "pyproject.toml has no `examples` extra"
    return {_requirement_name(r) for r in extras["examples"]}


def _dependencies() -> set[str]:
    dependencies = _project()["dependencies"]
    assert isinstance(dependencies, list)
    return {_requirement_name(r) for r in dependencies}


def _third_party_imports(source: Path) -> set[str]:
    """The top-level modules a file imports that are neither stdlib nor the checkout's own."""
    local = {p.stem for p in source.parent.glob("*.py")} | {"langchain_baseten", "tests"}
    names: set[str] = set()
    for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name.partition(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.partition(".")[0])
    return {name for name in names if name not in sys.stdlib_module_names and name not in local}


@functools.cache
def _installed() -> dict[str, list[str]]:
    """Top-level module -> the installed distributions providing it."""
    return dict(importlib.metadata.packages_distributions())


def _needed(source: Path) -> dict[str, str]:
    """Each distribution a file needs -> why (the module it imports, or the name that needs it)."""
    installed = _installed()
    needed: dict[str, str] = {}
    for module in sorted(_third_party_imports(source)):
        if module == "ray" and source.parent == RAY_EXAMPLE_DIR:
            continue
        assert module in installed, f"{source.name} imports {module}, which is not installed"
        for distribution in installed[module]:
            needed[_canonical(distribution)] = f"import {module}"
    text = source.read_text(encoding="utf-8")
    for name, distribution in NEEDED_WITHOUT_IMPORT.items():
        if re.search(rf"\b{name}\b", text):
            needed[_canonical(distribution)] = name
    return needed


SOURCES = sorted(EXAMPLES_DIR.rglob("*.py"))


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: str(p.relative_to(EXAMPLES_DIR)))
def test_every_distribution_an_example_needs_is_in_the_examples_extra(source: Path) -> None:
    covered = _examples_extra() | _dependencies()
    missing = {d: why for d, why in _needed(source).items() if d not in covered}
    assert not missing, (
        f"{source.name} needs {missing}: add them to the `examples` extra in pyproject.toml"
    )


def test_the_examples_extra_holds_nothing_no_example_needs() -> None:
    needed = {d for source in SOURCES for d in _needed(source)}
    unused = _examples_extra() - needed
    assert not unused, f"no example needs {sorted(unused)}: drop them from the `examples` extra"


def test_the_ray_example_is_run_with_ray_data_installed() -> None:
    assert _third_party_imports(RAY_EXAMPLE_DIR / "embed_corpus.py") >= {"ray"}
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r'"ray\[data\]==\$\(RAY_VERSION\)"', makefile)
