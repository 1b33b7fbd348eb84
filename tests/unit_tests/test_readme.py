"""Every Python block of the README runs against the local server and prints what it shows.

How to write blocks that pass: the module docstring of ``tests/docs_runner.py`` and
CONTRIBUTING.md ("Writing README snippets"). Run the README alone with
``python -m tests.docs_runner README.md``.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.docs_runner import Result, mismatch, parse

REPO_ROOT = Path(__file__).resolve().parents[2]
DOCS = ["README.md"]
#: The whole README runs in one subprocess; this bounds it.
TIMEOUT_SECONDS = 180


def _blocks(name: str) -> list[int]:
    try:
        blocks = parse((REPO_ROOT / name).read_text(encoding="utf-8"))
    except ValueError as err:
        msg = f"{name}: {err}"
        raise ValueError(msg) from err
    return [block.line for block in blocks]


def _last_started(stderr: str | bytes | None) -> str:
    text = stderr.decode() if isinstance(stderr, bytes) else stderr or ""
    started = [line for line in text.splitlines() if line.startswith("docs_runner: running ")]
    return started[-1].removeprefix("docs_runner: running ") if started else "(none started)"


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[int, Result]]:
    """Run each document once, in its own process (README code may change global state)."""
    by_doc: dict[str, dict[int, Result]] = {}
    for name in DOCS:
        out = tmp_path_factory.mktemp("docs") / "results.json"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("BASETEN_", "OPENAI_"))}
        try:
            completed = subprocess.run(  # noqa: S603
                [sys.executable, "-m", "tests.docs_runner", name, "--json", str(out)],
                cwd=REPO_ROOT,
                env=env,
                capture_output=True,
                text=True,
                timeout=TIMEOUT_SECONDS,
                check=False,
            )
        except subprocess.TimeoutExpired as err:
            pytest.fail(
                f"{name}'s blocks did not finish within {TIMEOUT_SECONDS} s; the last block"
                f" started was {_last_started(err.stderr)}"
            )
        assert completed.returncode == 0, f"tests.docs_runner {name} failed:\n{completed.stderr}"
        raw: list[dict[str, Any]] = json.loads(out.read_text(encoding="utf-8"))
        by_doc[name] = {item["line"]: Result(**item) for item in raw}
    return by_doc


CASES = [(name, line) for name in DOCS for line in _blocks(name)]


def test_the_readme_has_runnable_blocks() -> None:
    assert len(CASES) >= 5


@pytest.mark.parametrize(("doc", "line"), CASES, ids=[f"{d}:{n}" for d, n in CASES])
def test_readme_block_runs_and_prints_what_it_shows(
    results: dict[str, dict[int, Result]], doc: str, line: int
) -> None:
    result = results[doc][line]
    if result.not_run:
        return  # marked <!-- not-run: reason -->; the reason is checked by the parser
    where = f"{doc}:{line}"
    assert result.error is None, (
        f"The ```python block at {where} raised (blocks share one namespace, top to bottom;"
        f" a NameError may mean an earlier block failed):\n{result.error}"
    )
    difference = mismatch(result)
    assert difference is None, (
        f"The ```python block at {where} printed something other than its ```text output"
        f" block at {doc}:{result.output_line} ('...' matches anything, whitespace runs are"
        f" equal):\n{difference}"
    )


def test_blocks_marked_not_run_say_why() -> None:
    with pytest.raises(ValueError, match="needs a reason"):
        parse("<!-- not-run: -->\n```python\nprint(1)\n```\n")
    (block,) = parse("<!-- not-run: needs a live deployment -->\n```python\nprint(1)\n```\n")
    assert block.not_run == "needs a live deployment"


def test_an_output_block_must_follow_a_python_block() -> None:
    with pytest.raises(ValueError, match="must follow"):
        parse("```bash\nls\n```\n\n```text output\nx\n```\n")
    with pytest.raises(ValueError, match="must follow"):
        parse("```python\nprint(1)\n```\nsome prose\n```text output\n1\n```\n")
    (block,) = parse("```python\nprint(1)\n```\n\n```text output\n1\n```\n")
    assert (block.expected_output, block.output_line) == ("1\n", 6)


def test_output_is_compared_with_ellipsis_and_whitespace_rules() -> None:
    def result(stdout: str, want: str) -> Result:
        return Result(1, "", stdout, None, want, 2, None)

    assert mismatch(result("{'a': 1, 'b': 2}\n", "{'a': ..., 'b': 2}\n")) is None
    assert mismatch(result("x y z\n", "x\ny   z\n")) is None
    difference = mismatch(result("answer: 41\n", "answer: 42\n"))
    assert difference is not None
    assert "41" in difference


@pytest.mark.parametrize(
    ("document", "heading"),
    [("CONTRIBUTING.md", "## Module map"), ("README.md", "## Module map and where to change what")],
)
def test_every_module_of_the_package_is_in_the_module_maps(document: str, heading: str) -> None:
    text = (REPO_ROOT / document).read_text(encoding="utf-8")
    section = text.partition(f"\n{heading}\n")[2].partition("\n## ")[0]
    modules = sorted(p.name for p in (REPO_ROOT / "langchain_baseten").glob("*.py"))
    missing = [name for name in modules if f"| `{name}` |" not in section]
    assert not missing, (
        f"{document}'s module map has no row for {missing}: add "
        f"'| `<module>.py` | <its one job> |' under '{heading}'"
    )
    listed = re.findall(r"^\| `(\w+\.py)` \|", section, flags=re.MULTILINE)
    assert sorted(set(listed) - set(modules)) == [], f"{document} lists modules that are gone"


def test_a_hanging_block_is_named_by_the_progress_lines() -> None:
    stderr = "docs_runner: running README.md:10\ndocs_runner: running README.md:42\nnoise\n"
    assert _last_started(stderr) == "README.md:42"
    assert _last_started(None) == "(none started)"
