"""Build ``.venv-<resolution>/`` from nothing for one resolution of pyproject.toml's ranges.

Usage: ``python3 .ci/resolve.py highest|lowest`` (``make test-highest`` / ``make test-lowest``
run it, then the unit suite in that environment). Only the pinned uv in ``.tools/`` and the
standard library are used; ``uv.lock`` is not read.

* ``highest``: the package with every extra and the ``test`` dependency group at the newest
  versions the declared ranges allow.
* ``lowest``: the package's own requirements (``dependencies`` and every extra) at their
  lowest (uv's ``--resolution lowest-direct``: those at their lowest, what they bring at the
  newest versions that fit), pinned as constraints; the ``test`` group (pytest,
  langchain-tests ...) is then resolved at the newest versions compatible with them. The
  test tools' own lower bounds are not what a user installs, so they are not tested.
  Every direct requirement must then resolve to exactly its declared lower bound: a bound
  lower than anything installable together with the rest claims a version never tested.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
UV = str(ROOT / ".tools" / "bin" / "uv")
COMMON = ("--no-python-downloads", "--quiet")
# A requirement's name and its ">=" lower bound, e.g. "pydantic>=2.9,<3" -> pydantic, 2.9.
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
LOWER = re.compile(r">=\s*([0-9][^,;\s]*)")
# A line of `uv pip compile --annotation-style line`: "pydantic==2.9.0  # via a, b".
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)\s*(#.*)?$")
DIRECT = "langchain-baseten (pyproject.toml)"


def uv(*args: str) -> None:
    """Run the pinned uv; its own message explains a failure."""
    subprocess.run([UV, *args, *COMMON], check=True, cwd=ROOT)  # noqa: S603 - our own arguments


def canonical(name: str) -> str:
    """A package name as PEP 503 compares them."""
    return re.sub(r"[-_.]+", "-", name).lower()


def release(version: str) -> tuple[int, ...]:
    """``2.9`` and ``2.9.0`` alike: the numeric release without trailing zeros."""
    parts = [int(part) for part in re.findall(r"\d+", version.split("+", maxsplit=1)[0])]
    while parts and parts[-1] == 0:
        parts.pop()
    return tuple(parts)


def declared_lower_bounds() -> dict[str, str]:
    """Each of the package's requirements (dependencies and extras) -> its ``>=`` bound."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    requirements = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        requirements += extra
    bounds: dict[str, str] = {}
    for requirement in requirements:
        name = NAME.match(requirement)
        lower = LOWER.search(requirement.split(";")[0])
        if name is None or lower is None:
            sys.exit(f"resolve.py: {requirement!r} in pyproject.toml has no '>=' lower bound")
        bounds[canonical(name.group())] = lower.group(1)
    return bounds


def pins(path: Path) -> dict[str, tuple[str, str]]:
    """``name -> (version, annotation)`` of a compiled requirements file."""
    found: dict[str, tuple[str, str]] = {}
    for line in path.read_text().splitlines():
        if match := PIN.match(line.strip()):
            found[canonical(match.group(1))] = (match.group(2), match.group(3) or "")
    return found


def lowest_constraints(venv: Path, python: str) -> Path:
    """The package's direct requirements at their lowest, checked against the bounds."""
    package = venv / "package-lowest.txt"
    compile_lowest = "pip compile pyproject.toml --all-extras --resolution lowest-direct"
    uv(
        *compile_lowest.split(),
        "--annotation-style=line",
        f"--python={python}",
        f"--output-file={package}",
    )
    direct = {name: pin for name, pin in pins(package).items() if DIRECT in pin[1]}
    problems = []
    for name, lower in declared_lower_bounds().items():
        if name not in direct:
            problems.append(f"{name}: not in the lowest resolution")
        elif release(direct[name][0]) != release(lower):
            problems.append(
                f"{name}>={lower} in pyproject.toml, but the lowest version installable with "
                f"the rest is {direct[name][0]}: raise the bound to it (that is what is tested)"
            )
    if problems:
        sys.exit("resolve.py: lower bounds that are never tested:\n  " + "\n  ".join(problems))
    constraints = venv / "constraints-lowest.txt"
    constraints.write_text("".join(f"{name}=={pin[0]}\n" for name, pin in sorted(direct.items())))
    return constraints


def main() -> None:
    """Create the environment for the resolution named on the command line."""
    if len(sys.argv) != 2 or sys.argv[1] not in {"highest", "lowest"}:  # noqa: PLR2004
        sys.exit("usage: python3 .ci/resolve.py highest|lowest")
    resolution = sys.argv[1]
    venv = ROOT / f".venv-{resolution}"
    shutil.rmtree(venv, ignore_errors=True)
    uv("venv", "--python", sys.executable, str(venv))
    python = str(venv / "bin" / "python")
    extra: list[str] = []
    if resolution == "lowest":
        extra = [f"--constraints={lowest_constraints(venv, python)}"]
    requirements = venv / "requirements.txt"
    compile_all = "pip compile pyproject.toml --all-extras --group pyproject.toml:test"
    uv(*compile_all.split(), *extra, f"--python={python}", f"--output-file={requirements}")
    uv("pip", "sync", "--python", python, str(requirements))
    uv("pip", "install", "--python", python, "--no-deps", "--editable", ".")
    print(f"resolve.py: .venv-{resolution}/ holds, besides the test tools:")
    installed = pins(requirements)
    for name in sorted(declared_lower_bounds()):
        print(f"  {name}=={installed[name][0]}")


if __name__ == "__main__":
    main()
