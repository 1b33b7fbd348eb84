"""Package metadata and structure.

The version never goes below the published 0.2.x; every import is declared;
the package's modules import each other without a circle.
"""

from __future__ import annotations

import ast
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

from packaging.requirements import Requirement
from packaging.version import Version

import langchain_baseten

REPO_ROOT = Path(__file__).resolve().parents[2]
PACKAGE = REPO_ROOT / "langchain_baseten"
#: The last release of Baseten's own langchain-baseten on PyPI (same distribution name).
LAST_PUBLISHED = Version("0.2.5")


def _project() -> dict[str, object]:
    with (REPO_ROOT / "pyproject.toml").open("rb") as file:
        return tomllib.load(file)["project"]  # type: ignore[no-any-return]


#: Modules only the package they import loads: pytest loads the opt-in fixture module
#: (``pytest_plugins = ["langchain_baseten.testing.pytest_plugin"]``), so pytest is there.
LOADED_BY_THEIR_IMPORT = {PACKAGE / "testing" / "pytest_plugin.py": {"pytest", "_pytest"}}


def _imported_top_level_modules() -> set[str]:
    names: set[str] = set()
    for path in PACKAGE.rglob("*.py"):
        before = set(names)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
        exempt = LOADED_BY_THEIR_IMPORT.get(path, set())
        names -= exempt - before  # unless another module imports them too
    return names - set(sys.stdlib_module_names) - {"__future__", "langchain_baseten"}


def test_the_version_is_above_every_published_release_of_the_other_package() -> None:
    assert Version(langchain_baseten.__version__) > LAST_PUBLISHED


def test_every_imported_package_is_a_declared_dependency_with_a_lower_bound() -> None:
    # A dependency, or an optional extra (baseten-performance-client, imported only when used).
    extras = [r for group in _project()["optional-dependencies"].values() for r in group]  # type: ignore[attr-defined]
    declared = {
        Requirement(r).name.lower(): Requirement(r)
        for r in [*_project()["dependencies"], *extras]  # type: ignore[misc]
    }
    distributions = packages_distributions()
    missing, unbounded = [], []
    for module in sorted(_imported_top_level_modules()):
        names = [d.lower().replace("_", "-") for d in distributions.get(module, [module])]
        requirement = next((declared[n] for n in names if n in declared), None)
        if requirement is None:
            missing.append(f"{module} (distribution {names})")
        elif not any(spec.operator in {">=", "==", "~="} for spec in requirement.specifier):
            unbounded.append(str(requirement))
    assert not missing, (
        f"imported by langchain_baseten/ but not in [project].dependencies: {missing}"
    )
    assert not unbounded, f"dependencies without a lower bound: {unbounded}"


def test_baseten_facts_are_spelled_only_in_the_facts_module() -> None:
    """Hosts, the prefix, header and provider names live in ``_baseten_api.py`` (one fact, one place)."""
    from langchain_baseten import _baseten_api

    facts = {
        _baseten_api.MODEL_PREFIX,
        _baseten_api.CHAT_LLM_TYPE,
        _baseten_api.MODEL_API_HOST,
        _baseten_api.MODEL_API_BASE_URL,
        _baseten_api.REQUEST_ID_HEADER,
        _baseten_api.MODEL_API_SESSION_HEADER,
        _baseten_api.DEDICATED_SESSION_HEADER,
        _baseten_api.SERVER_TOOLS_HEADER,
        _baseten_api.API_KEYS_URL,
        ".api.baseten.co",
    }
    spelled: list[str] = []
    for path in sorted(PACKAGE.glob("*.py")):
        if path.name == "_baseten_api.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and node.value in facts:
                spelled.append(f"{path.name}:{node.lineno}: {node.value!r}")
    assert not spelled, f"read these from langchain_baseten._baseten_api instead: {spelled}"


# ---------------------------------------------------------------------- no import circles


def _module_name(path: Path, root: Path) -> str:
    parts = path.relative_to(root.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imported_modules(node: ast.AST, modules: set[str]) -> list[str]:
    """The package's modules one import statement names (``from pkg import mod`` included)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names if alias.name in modules]
    if isinstance(node, ast.ImportFrom) and node.module in modules and node.level == 0:
        named = [f"{node.module}.{alias.name}" for alias in node.names]
        return [name for name in named if name in modules] or [node.module]
    return []


def import_graph(root: Path) -> dict[str, set[str]]:
    """Which modules of the package under ``root`` each module imports.

    Every import statement counts: at module level, under ``TYPE_CHECKING`` and
    inside functions (an import delayed into a function still ties the modules).
    Every module of the package, its subpackages' too (``langchain_baseten/**/*.py``).
    """
    paths = {_module_name(path, root): path for path in sorted(root.rglob("*.py"))}
    graph: dict[str, set[str]] = {}
    for name, path in paths.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        found = {m for node in ast.walk(tree) for m in _imported_modules(node, set(paths))}
        graph[name] = found - {name}
    return graph


def import_circles(graph: dict[str, set[str]]) -> set[frozenset[str]]:
    """The groups of modules that import each other, directly or through others."""
    reaches = {name: _reachable(graph, name) for name in graph}
    return {
        frozenset({name, *(other for other in reaches[name] if name in reaches[other])})
        for name in graph
        if name in reaches[name]
    }


def _reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    seen: set[str] = set()
    todo = list(graph[start])
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo.extend(graph.get(name, ()))
    return seen


def test_the_package_has_no_import_circles() -> None:
    circles = import_circles(import_graph(PACKAGE))
    assert circles == set(), (
        "these modules import each other (directly or through others, function-level and "
        f"TYPE_CHECKING imports included): {sorted(map(sorted, circles))}; "
        "move what both need to a module below them"
    )


def test_the_circle_check_sees_every_kind_of_import(tmp_path: Path) -> None:
    root = tmp_path / "pkg"
    root.mkdir()
    (root / "__init__.py").write_text("")
    (root / "a.py").write_text("from pkg import b\n")
    (root / "b.py").write_text("def f():\n    from pkg.c import x\n")
    (root / "c.py").write_text("if TYPE_CHECKING:\n    import pkg.a\n")
    (root / "d.py").write_text("from pkg.a import y\n")
    (root / "sub").mkdir()
    (root / "sub" / "__init__.py").write_text("")
    (root / "sub" / "e.py").write_text("from pkg.sub import f\n")
    (root / "sub" / "f.py").write_text("if TYPE_CHECKING:\n    from pkg.sub.e import z\n")
    graph = import_graph(root)
    assert graph["pkg.a"] == {"pkg.b"}
    assert graph["pkg.d"] == {"pkg.a"}
    assert graph["pkg.sub.e"] == {"pkg.sub.f"}
    assert import_circles(graph) == {
        frozenset({"pkg.a", "pkg.b", "pkg.c"}),
        frozenset({"pkg.sub.e", "pkg.sub.f"}),  # subpackages are walked too
    }
    # The real package's delayed imports are seen too.
    graph = import_graph(PACKAGE)
    assert "langchain_baseten._streaming" in graph["langchain_baseten._http.transport"]
    assert "langchain_baseten._http.sockets" in graph["langchain_baseten._http.pools"]
