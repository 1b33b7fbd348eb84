"""Every Python block of the README and of docs/ runs against the local server and prints
what it shows.

How to write blocks that pass: the module docstring of ``tests/docs_runner.py`` and
CONTRIBUTING.md ("Writing doc snippets"). Run one document alone with
``python -m tests.docs_runner README.md`` (or ``docs/<page>.md``).
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
#: The README, then every Markdown page under docs/ (found at collection time).
DOCS = [
    "README.md",
    *sorted(p.relative_to(REPO_ROOT).as_posix() for p in (REPO_ROOT / "docs").rglob("*.md")),
]
#: Each document runs in a process of its own; this bounds each one.
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
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[str, Path]]:
    """Run every document once, each in a forked process of its own (its code may change
    global state; the fork saves each one the imports). Per document: status, output dir."""
    out = tmp_path_factory.mktemp("docs")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BASETEN_", "OPENAI_"))}
    command = [sys.executable, "-m", "tests.docs_runner", "--each", str(out)]
    command += ["--timeout", str(TIMEOUT_SECONDS), *DOCS]
    completed = subprocess.run(  # noqa: S603
        command,
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_SECONDS * len(DOCS) + 60,
        check=False,
    )
    assert completed.returncode == 0, f"tests.docs_runner --each failed:\n{completed.stderr}"
    statuses: dict[str, str] = json.loads((out / "status.json").read_text(encoding="utf-8"))
    return {name: (statuses[name], out) for name in DOCS}


def _results(doc: str, runs: dict[str, tuple[str, Path]]) -> dict[int, Result]:
    status, out = runs[doc]
    number = DOCS.index(doc)
    log = out / f"{number}.log"
    stderr = log.read_text(encoding="utf-8") if log.exists() else ""
    if status == "timeout":
        pytest.fail(
            f"{doc}'s blocks did not finish within {TIMEOUT_SECONDS} s; the last block"
            f" started was {_last_started(stderr)}"
        )
    assert status == "ok", f"tests.docs_runner {doc} failed ({status}):\n{stderr}"
    raw: list[dict[str, Any]] = json.loads((out / f"{number}.json").read_text(encoding="utf-8"))
    return {item["line"]: Result(**item) for item in raw}


def _failure(doc: str, result: Result) -> str | None:
    """Why one block fails (None: it ran and printed what its output block shows)."""
    if result.not_run:
        return None  # marked <!-- not-run: reason -->; the reason is checked by the parser
    where = f"{doc}:{result.line}"
    if result.error is not None:
        return (
            f"The ```python block at {where} raised (blocks share one namespace, top to"
            f" bottom; a NameError may mean an earlier block failed):\n{result.error}"
        )
    difference = mismatch(result)
    if difference is not None:
        return (
            f"The ```python block at {where} printed something other than its ```text output"
            f" block at {doc}:{result.output_line} ('...' matches anything, whitespace runs"
            f" are equal):\n{difference}"
        )
    return None


def test_the_readme_and_every_docs_page_have_runnable_blocks() -> None:
    assert len(_blocks("README.md")) >= 5
    pages = [name for name in DOCS if name.startswith("docs/")]
    assert len(pages) >= 8, pages
    empty = [name for name in pages if not _blocks(name)]
    assert not empty, f"these docs pages have no ```python block to run: {empty}"


@pytest.mark.parametrize("doc", DOCS)
def test_every_block_runs_and_prints_what_it_shows(
    doc: str, runs: dict[str, tuple[str, Path]]
) -> None:
    results = _results(doc, runs)
    assert sorted(results) == _blocks(doc)
    failures = [text for result in results.values() if (text := _failure(doc, result))]
    assert not failures, f"{len(failures)} block(s) of {doc} failed:\n\n" + "\n\n".join(failures)


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


@pytest.mark.parametrize(("document", "heading"), [("CONTRIBUTING.md", "## Module map")])
def test_every_module_of_the_package_is_in_the_module_maps(document: str, heading: str) -> None:
    text = (REPO_ROOT / document).read_text(encoding="utf-8")
    section = text.partition(f"\n{heading}\n")[2].partition("\n## ")[0]
    package = REPO_ROOT / "langchain_baseten"
    modules = sorted(  # the package's modules and its HTTP layer's (testing/ has its own table)
        p.relative_to(package).as_posix()
        for p in [*package.glob("*.py"), *package.glob("_http/*.py")]
    )
    missing = [name for name in modules if f"| `{name}` |" not in section]
    assert not missing, (
        f"{document}'s module map has no row for {missing}: add "
        f"'| `<module>.py` | <its one job> |' under '{heading}'"
    )
    listed = re.findall(r"^\| `([\w/]+\.py)` \|", section, flags=re.MULTILINE)
    assert sorted(set(listed) - set(modules)) == [], f"{document} lists modules that are gone"


def test_the_module_to_tests_table_has_a_row_per_module_naming_test_files_that_exist() -> None:
    text = (REPO_ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
    section = text.partition("\n## Module -> tests\n")[2].partition("\n## ")[0]
    package = REPO_ROOT / "langchain_baseten"
    modules = sorted(p.relative_to(package).as_posix() for p in package.rglob("*.py"))
    rows = dict(re.findall(r"^\| `([\w/]+\.py)` \| (.*) \|$", section, flags=re.MULTILINE))
    missing = [name for name in modules if name not in rows]
    assert not missing, (
        f"CONTRIBUTING.md's 'Module -> tests' table has no row for {missing}: add "
        "'| `<module>.py` | `unit_tests/test_<x>.py`, ... |' naming the tests to run first"
    )
    gone = sorted(set(rows) - set(modules))
    assert not gone, (
        f"CONTRIBUTING.md's 'Module -> tests' table lists modules that are gone: {gone}"
    )
    for module, cell in rows.items():
        tests = re.findall(r"`([\w/]+\.py)`", cell)
        assert tests, f"the row of {module} in 'Module -> tests' names no test file"
        absent = [t for t in tests if not (REPO_ROOT / "tests" / t).is_file()]
        assert not absent, f"the row of {module} in 'Module -> tests' names missing files {absent}"


def test_a_hanging_block_is_named_by_the_progress_lines() -> None:
    stderr = "docs_runner: running README.md:10\ndocs_runner: running README.md:42\nnoise\n"
    assert _last_started(stderr) == "README.md:42"
    assert _last_started(None) == "(none started)"


def test_a_document_that_hangs_is_killed_and_named(tmp_path: Path) -> None:
    doc = tmp_path / "hangs.md"
    doc.write_text("```python\nx = 1\n```\n\n```python\nimport time\ntime.sleep(60)\n```\n")
    command = [sys.executable, "-m", "tests.docs_runner", "--each", str(tmp_path)]
    completed = subprocess.run(  # noqa: S603
        [*command, "--timeout", "3", str(doc)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    statuses = json.loads((tmp_path / "status.json").read_text(encoding="utf-8"))
    assert statuses == {str(doc): "timeout"}
    log = (tmp_path / "0.log").read_text(encoding="utf-8")
    assert _last_started(log) == f"{doc}:6"
