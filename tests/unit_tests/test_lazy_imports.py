"""Importing the chat model loads no HTTP client SDK; public names still resolve.

Each check runs a fresh interpreter (``sys.modules`` of this one already holds
everything); nothing here is timed.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import langchain_baseten
from langchain_baseten import _errors as errors

# Slow (`make test-slow`, not `make test`): each check a fresh interpreter.
pytestmark = pytest.mark.slow


def _run(code: str) -> object:
    done = subprocess.run(  # noqa: S603 - this interpreter, fixed code
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    result: object = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def test_importing_the_chat_model_does_not_import_openai() -> None:
    seen = _run(
        "import json, sys\n"
        "from langchain_baseten import ChatBaseten\n"
        "print(json.dumps({m: m in sys.modules for m in\n"
        "    ('openai', 'langchain_baseten._errors', 'langchain_baseten._http.sdk_client',\n"
        "     'langchain_baseten.embeddings', 'langchain_baseten._rerank',\n"
        "     'langchain_baseten.testing', 'http.server')}))"
    )
    assert seen == {
        "langchain_baseten.testing": False,  # the local server loads only when imported
        "http.server": False,
        "openai": False,
        "langchain_baseten._errors": False,
        "langchain_baseten._http.sdk_client": False,
        "langchain_baseten.embeddings": False,
        "langchain_baseten._rerank": False,
    }


def test_building_a_model_does_not_import_openai_its_first_client_does() -> None:
    seen = _run(
        "import json, sys\n"
        "from langchain_baseten import ChatBaseten\n"
        "llm = ChatBaseten(model='baseten/openai/gpt-oss-120b', api_key='k', timeout=5)\n"
        "built = 'openai' in sys.modules\n"
        "client = llm._connection()[1].sync_client\n"
        "print(json.dumps({'built': built, 'client': 'openai' in sys.modules,\n"
        "    'endpoint': llm.endpoint.base_url, 'sdk': type(client).__mro__[1].__module__}))"
    )
    assert seen == {
        "built": False,
        "client": True,
        "endpoint": "https://inference.baseten.co/v1",
        "sdk": "openai",
    }


def test_importing_and_building_the_encoder_models_does_not_import_openai() -> None:
    seen = _run(
        "import json, sys\n"
        "from langchain_baseten import BasetenClassifier, BasetenEmbeddings, BasetenRerank\n"
        "imported = 'openai' in sys.modules\n"
        "models = [cls(model='baseten/abcd1234', api_key='k')\n"
        "          for cls in (BasetenEmbeddings, BasetenRerank, BasetenClassifier)]\n"
        "print(json.dumps({'imported': imported, 'built': 'openai' in sys.modules,\n"
        "    'hosts': sorted({m.endpoint.base_url.split('/')[2] for m in models})}))"
    )
    assert seen == {
        "imported": False,
        "built": False,
        "hosts": ["model-abcd1234.api.baseten.co"],
    }


def test_an_error_class_imports_openai_and_is_the_same_class() -> None:
    seen = _run(
        "import json, sys\n"
        "import langchain_baseten\n"
        "before = 'openai' in sys.modules\n"
        "from langchain_baseten import BasetenStreamError\n"
        "import openai\n"
        "from langchain_baseten._errors import BasetenStreamError as direct\n"
        "print(json.dumps({'before': before, 'same': BasetenStreamError is direct,\n"
        "    'sdk': issubclass(BasetenStreamError, openai.APIError)}))"
    )
    assert seen == {"before": False, "same": True, "sdk": True}


def test_every_public_name_resolves_and_dir_lists_them() -> None:
    names = set(dir(langchain_baseten))
    assert set(langchain_baseten.__all__) <= names
    # Every lazily imported name is public and every public name has a source.
    assert {*langchain_baseten._SOURCES, "__version__"} == set(langchain_baseten.__all__)
    for name in langchain_baseten.__all__:
        assert getattr(langchain_baseten, name) is not None
    assert langchain_baseten.BasetenResponseError is errors.BasetenResponseError
    assert issubclass(errors.MalformedResponseError, errors.BasetenResponseError)
    assert langchain_baseten._messages.MalformedResponseError is errors.MalformedResponseError


def test_star_import_gives_every_public_name() -> None:
    seen = _run(
        "import json\n"
        "from langchain_baseten import *\n"
        "import langchain_baseten\n"
        "print(json.dumps(sorted(n for n in langchain_baseten.__all__ if n not in globals())))"
    )
    assert seen == []


def test_an_unknown_name_is_an_attribute_error() -> None:
    try:
        _ = langchain_baseten.NoSuchThing
    except AttributeError as exc:
        assert "NoSuchThing" in str(exc)  # noqa: PT017
    else:
        raise AssertionError
