"""The test suite's own structure: shared helpers are declared once, the server stays inside.

A test file declares only its own data: the test key and the models on the local
server come from ``tests/local_models.py``, callback spies from ``tests/spies.py``,
fixtures from ``conftest.py`` (CONTRIBUTING.md, "Test layout").
"""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
TEST_FILES = sorted((TESTS / "unit_tests").rglob("test_*.py"))
#: Names that local_models.py and conftest.py declare for everyone.
SHARED_NAMES = {"KEY", "_llm", "make", "llm", "_chat", "_embeddings"}
CALLBACK_BASES = {"BaseCallbackHandler", "AsyncCallbackHandler"}


def _redeclared(path: Path) -> list[str]:
    """Module-level names of ``path`` that shadow a shared helper or write a callback spy."""
    found = []
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
            names = [t.id for t in node.targets if isinstance(t, ast.Name)]
            found += [f"{name} = ..." for name in names if name in SHARED_NAMES]
        elif isinstance(node, ast.FunctionDef) and node.name in SHARED_NAMES:
            found.append(f"def {node.name}")
        elif isinstance(node, ast.ClassDef):
            bases = {base.id for base in node.bases if isinstance(base, ast.Name)}
            if bases & CALLBACK_BASES:
                found.append(f"class {node.name}({', '.join(sorted(bases))})")
    return found


def test_no_test_file_redeclares_the_key_a_model_factory_or_a_callback_spy() -> None:
    offenders = {p.name: names for p in TEST_FILES if (names := _redeclared(p))}
    assert not offenders, (
        f"{offenders}: use KEY and chat_model/embeddings_model/rerank_model/classifier_model "
        "from tests.local_models, the llm and callback_spy fixtures (conftest.py), or "
        "tests.spies.CallbackSpy instead of a copy"
    )


def test_the_check_sees_a_redeclared_helper(tmp_path: Path) -> None:
    sample = tmp_path / "test_sample.py"
    sample.write_text(
        'KEY = "k"\n'
        "def _llm(server): ...\n"
        "class Spy(BaseCallbackHandler): ...\n"
        "OTHER = 1\n"
        "def _own_helper(): ...\n",
        encoding="utf-8",
    )
    assert _redeclared(sample) == ["KEY = ...", "def _llm", "class Spy(BaseCallbackHandler)"]


def test_the_local_servers_docs_point_inside_the_repository() -> None:
    for path in sorted((TESTS.parent / "langchain_baseten" / "testing").glob("*.py")):
        text = path.read_text(encoding="utf-8")
        assert "/work/" not in text, f"{path.name} points outside the repository"
        assert "/home/" not in text, f"{path.name} points outside the repository"
