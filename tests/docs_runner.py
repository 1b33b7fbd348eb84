"""Run the Python code blocks of a Markdown file against the local Baseten-compatible server.

Used by ``tests/unit_tests/test_readme.py`` (README.md and every page under docs/); also
handy while writing docs::

    python -m tests.docs_runner README.md      # from the repository root, in the dev env

Conventions (the test enforces them; see CONTRIBUTING.md, "Writing doc snippets"):

* Every ```` ```python ```` block runs, top to bottom, in ONE shared namespace (a later
  block may use names an earlier one defined), with top-level ``await`` allowed.
* A ```` ```text output ```` block right after a ``python`` block (only blank lines
  between) is what that block prints. It is compared with doctest's rules:
  ``...`` matches anything, and runs of whitespace (line breaks included) are equal.
* A block that cannot run offline is preceded by a comment naming why::

      <!-- not-run: needs a live Baseten deployment to show X -->

  Keep this rare: almost everything runs against the local server.
* Blocks run with ``BASETEN_API_KEY`` set to a placeholder and every request to
  ``*.baseten.co`` redirected to the local server (``langchain_baseten/testing/``), so
  ``llm.endpoint.base_url`` still shows Baseten's real URL. Nothing leaves 127.0.0.1.
"""

from __future__ import annotations

import argparse
import ast
import asyncio
import contextlib
import doctest
import io
import json
import os
import re
import signal
import sys
import time
import traceback
from dataclasses import asdict, dataclass
from pathlib import Path

#: The placeholder key the blocks run with; never sent beyond 127.0.0.1.
DOCS_KEY = "docs-placeholder-key"

_FENCE = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,}|~{3,})(?P<info>.*)$")
_NOT_RUN = re.compile(r"^<!--\s*not-run:(?P<reason>.*?)-->\s*$")


@dataclass
class Block:
    """One fenced code block of a Markdown file."""

    line: int  # 1-based line of the first code line (after the opening fence)
    info: str  # the fence's info string, e.g. "python" or "text output"
    code: str
    end: int  # 1-based line of the closing fence
    not_run: str | None = None  # the reason from a preceding ``<!-- not-run: ... -->``
    expected_output: str | None = None  # the following ``text output`` block, if any
    output_line: int | None = None


@dataclass
class Result:
    """What running one Python block did."""

    line: int
    code: str
    stdout: str
    error: str | None
    expected_output: str | None
    output_line: int | None
    not_run: str | None


def _fences(lines: list[str]) -> list[Block]:
    blocks: list[Block] = []
    pending_reason: str | None = None
    index = 0
    while index < len(lines):
        text = lines[index]
        if match := _NOT_RUN.match(text.strip()):
            pending_reason = match["reason"].strip()
            index += 1
            continue
        match = _FENCE.match(text)
        if match is None:
            if text.strip():
                pending_reason = None
            index += 1
            continue
        fence, indent = match["fence"], len(match["indent"])
        body: list[str] = []
        index += 1
        start = index + 1
        while index < len(lines) and not lines[index].strip().startswith(fence):
            body.append(lines[index][indent:] if lines[index][:indent].isspace() else lines[index])
            index += 1
        index += 1  # the closing fence
        code = "\n".join(body) + "\n"
        blocks.append(Block(start, match["info"].strip(), code, index, pending_reason))
        pending_reason = None
    return blocks


def _language(block: Block) -> str:
    return block.info.split()[0].lower() if block.info else ""


def parse(text: str) -> list[Block]:
    """The Python blocks of a Markdown text, each with the output block that follows it.

    Raises:
        ValueError: a ``not-run`` comment without a reason, or an output block that
            does not follow a Python block.
    """
    lines = text.splitlines()
    blocks = _fences(lines)
    python: list[Block] = []
    for position, block in enumerate(blocks):
        if block.not_run == "":
            msg = f"line {block.line - 1}: '<!-- not-run: -->' needs a reason after the colon"
            raise ValueError(msg)
        if block.info.split()[1:2] == ["output"]:
            previous = blocks[position - 1] if position else None
            between = lines[previous.end : block.line - 2] if previous else []
            if (
                previous is None
                or _language(previous) != "python"
                or any(s.strip() for s in between)
            ):
                msg = (
                    f"line {block.line - 1}: a '```text output' block must follow a '```python' "
                    "block directly (only blank lines between): it shows what that block prints"
                )
                raise ValueError(msg)
            previous.expected_output, previous.output_line = block.code, block.line
        elif _language(block) == "python":
            python.append(block)
    return python


def _run_one(
    code: str, path: str, line: int, namespace: dict[str, object], loop: asyncio.AbstractEventLoop
) -> None:
    # Pad with newlines so tracebacks show the Markdown file's own line numbers.
    source = "\n" * (line - 1) + code
    compiled = compile(
        source, path, "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT, dont_inherit=True
    )
    outcome = eval(compiled, namespace)  # noqa: S307 - running the docs' own code is the point
    if asyncio.iscoroutine(outcome):
        loop.run_until_complete(outcome)


def run_blocks(path: Path, blocks: list[Block]) -> list[Result]:
    """Run ``blocks`` in order in one namespace; capture what each prints or raises."""
    namespace: dict[str, object] = {"__name__": "__main__"}
    loop = asyncio.new_event_loop()
    results: list[Result] = []
    try:
        for block in blocks:
            stdout = io.StringIO()
            error = None
            if block.not_run is None:
                # Progress on stderr: if a block hangs, the test names the last one started.
                sys.stderr.write(f"docs_runner: running {path}:{block.line}\n")
                sys.stderr.flush()
                try:
                    with contextlib.redirect_stdout(stdout):
                        _run_one(block.code, str(path), block.line, namespace, loop)
                except BaseException:
                    error = traceback.format_exc()
            results.append(
                Result(
                    block.line,
                    block.code,
                    stdout.getvalue(),
                    error,
                    block.expected_output,
                    block.output_line,
                    block.not_run,
                )
            )
    finally:
        loop.close()
    return results


def run_file(path: Path) -> list[Result]:
    """Run every Python block of ``path`` against a fresh local server."""
    from langchain_baseten.testing import fake_baseten_server
    from tests.recording import redirect_baseten_to

    for name in list(os.environ):
        if name.startswith(("BASETEN_", "OPENAI_")):
            del os.environ[name]
    os.environ["BASETEN_API_KEY"] = DOCS_KEY
    blocks = parse(path.read_text(encoding="utf-8"))
    with fake_baseten_server() as server, redirect_baseten_to(server.base_url):
        return run_blocks(path, blocks)


_OPTIONS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def mismatch(result: Result) -> str | None:
    """How ``result``'s printed output differs from its ``text output`` block (None: it matches)."""
    if result.expected_output is None or result.error or result.not_run:
        return None
    checker = doctest.OutputChecker()
    if checker.check_output(result.expected_output, result.stdout, _OPTIONS):
        return None
    example = doctest.Example("", result.expected_output)
    return checker.output_difference(example, result.stdout, _OPTIONS)


def _preload() -> None:
    """Import what most documents use once, before forking a child per document.

    Only saves each child the imports (about 2 s of CPU); what the blocks do is the same.
    """
    import langchain_core.language_models.chat_models
    import langchain_core.prompts
    import langchain_core.tools
    import langchain_core.vectorstores  # noqa: F401
    import openai  # noqa: F401

    import langchain_baseten
    import langchain_baseten.testing
    import tests.recording  # noqa: F401

    for name in ("ChatBaseten", "BasetenEmbeddings", "BasetenRerank", "get_baseten_callback"):
        getattr(langchain_baseten, name)


def _child(path: Path, out: Path, log: Path) -> None:
    """In a forked child: run ``path``'s blocks, results to ``out``, stderr to ``log``; exit."""
    code = 1
    try:
        with log.open("w", encoding="utf-8") as stderr:
            os.dup2(stderr.fileno(), 2)
            sys.stderr = stderr
            try:
                results = run_file(path)
                out.write_text(json.dumps([asdict(r) for r in results]), encoding="utf-8")
                code = 0
            except BaseException:
                traceback.print_exc(file=stderr)
            stderr.flush()
    finally:
        os._exit(code)


def run_each(paths: list[Path], out_dir: Path, timeout_seconds: float) -> dict[str, str]:
    """Run each document in a forked process of its own, one after the other.

    Each child writes ``out_dir/<n>.json`` (its results) and ``out_dir/<n>.log`` (its
    stderr, with the progress lines). Returns each document's status: ``"ok"``,
    ``"exit N"`` or ``"timeout"`` (the child was killed after ``timeout_seconds``).
    """
    _preload()
    statuses: dict[str, str] = {}
    for number, path in enumerate(paths):
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            _child(path, out_dir / f"{number}.json", out_dir / f"{number}.log")
        deadline = time.monotonic() + timeout_seconds
        status = "timeout"
        while time.monotonic() < deadline:
            done, wait_status = os.waitpid(pid, os.WNOHANG)
            if done:
                code = os.waitstatus_to_exitcode(wait_status)
                status = "ok" if code == 0 else f"exit {code}"
                break
            time.sleep(0.05)
        else:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        statuses[str(path)] = status
    return statuses


def main() -> int:
    """Command line: run a Markdown file's blocks, print each one's output or error."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("markdown", type=Path, nargs="+")
    parser.add_argument("--json", type=Path, help="write the results here as JSON (one file)")
    parser.add_argument(
        "--each",
        type=Path,
        help="a directory: run every file in a forked process of its own, results there"
        " (<n>.json, <n>.log, status.json)",
    )
    parser.add_argument("--timeout", type=float, default=180.0, help="seconds per file (--each)")
    args = parser.parse_args()
    if args.each:
        statuses = run_each(args.markdown, args.each, args.timeout)
        (args.each / "status.json").write_text(json.dumps(statuses), encoding="utf-8")
        return 0
    if len(args.markdown) != 1:
        parser.error("give one file, or several with --each DIR")
    args.markdown = args.markdown[0]
    results = run_file(args.markdown)
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in results]), encoding="utf-8")
        return 0
    failed = 0
    for result in results:
        difference = mismatch(result)
        status = "not run" if result.not_run else ("ERROR" if result.error else "ok")
        status = "OUTPUT DIFFERS" if difference else status
        sys.stdout.write(f"--- {args.markdown}:{result.line} [{status}]\n")
        sys.stdout.write(result.error or difference or result.stdout)
        failed += bool(result.error or difference)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
