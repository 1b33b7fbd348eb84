"""The public local server (``langchain_baseten.testing``) as a user drives it.

Models are built the way README snippets build them, with no ``base_url``: the
environment (``server.env()``: ``BASETEN_ORIGIN`` and a key) points them at the
server, so routing and profiles stay as on Baseten. The documented faults arrive
as the errors ``ChatBaseten`` raises against Baseten.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import openai
import pytest
from langchain_core.exceptions import ContextOverflowError

from langchain_baseten import (
    BasetenEmbeddings,
    BasetenRerank,
    ChatBaseten,
    get_model_profile,
)
from langchain_baseten import testing as fb

if TYPE_CHECKING:
    from collections.abc import Iterator

pytest_plugins = ["pytester"]

SLUG = "baseten/openai/gpt-oss-120b"
DEDICATED_ROOT = "/model-abcd1234/environments/production/sync"


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[fb.FakeBaseten]:
    """A local server with the environment a user would export for it."""
    with fb.fake_baseten_server() as running:
        for name in ("BASETEN_BASE_URL", "BASETEN_API_BASE"):
            monkeypatch.delenv(name, raising=False)
        for name, value in running.env().items():
            monkeypatch.setenv(name, value)
        yield running


# ---------------------------------------------------------------- routing kept


def test_a_model_api_slug_keeps_its_profile_and_reaches_v1(server: fb.FakeBaseten) -> None:
    llm = ChatBaseten(model=SLUG)
    assert llm.endpoint.kind == "model_api"
    assert llm.endpoint.base_url == server.url("/v1")
    profile = llm.profile
    assert profile is not None
    assert profile == get_model_profile(SLUG)  # the shipped Model API profile
    assert profile["max_input_tokens"] > 0
    assert profile["tool_calling"] is True
    assert llm.invoke("Hi").content == "echo: Hi"
    (request,) = server.requests
    assert request.path == "/v1/chat/completions"
    assert request.json()["model"] == "openai/gpt-oss-120b"
    assert request.headers["authorization"] == f"Bearer {fb.LOCAL_API_KEY}"


def test_a_model_id_reaches_the_dedicated_route(server: fb.FakeBaseten) -> None:
    llm = ChatBaseten(model="baseten/abcd1234")
    assert llm.endpoint.kind == "dedicated"
    assert llm.endpoint.model_id == "abcd1234"
    assert "".join(str(chunk.content) for chunk in llm.stream("one two")) == "echo: one two"
    assert server.requests[0].path == f"{DEDICATED_ROOT}/v1/chat/completions"
    staging = ChatBaseten(model="baseten/abcd1234", environment="staging")
    staging.invoke("Hi")
    assert server.requests[1].path == (
        "/model-abcd1234/environments/staging/sync/v1/chat/completions"
    )


def test_embeddings_and_rerank_reach_the_deployments_routes(server: fb.FakeBaseten) -> None:
    vectors = BasetenEmbeddings(model="baseten/abcd1234").embed_documents(["a", "b"])
    assert [len(v) for v in vectors] == [fb.DEFAULT_EMBEDDING_DIMENSIONS] * 2
    scores = BasetenRerank(model="baseten/wxyz5678").rerank("one", ["doc one", "doc two"])
    assert sorted(r.index for r in scores) == [0, 1]
    assert [r.path for r in server.requests] == [
        f"{DEDICATED_ROOT}/v1/embeddings",
        "/model-wxyz5678/environments/production/sync/rerank",
    ]


def test_a_per_call_model_goes_to_the_origin_too(server: fb.FakeBaseten) -> None:
    ChatBaseten(model=SLUG).invoke("Hi", model="baseten/abcd1234")
    assert server.requests[0].path == f"{DEDICATED_ROOT}/v1/chat/completions"


def test_an_explicit_base_url_is_not_rewritten(server: fb.FakeBaseten) -> None:
    llm = ChatBaseten(model=SLUG, base_url=server.url("/gateway/v1"))
    assert llm.endpoint.kind == "custom"
    llm.invoke("Hi")
    assert server.requests[0].path == "/gateway/v1/chat/completions"


def test_origin_and_base_url_together_are_refused(
    server: fb.FakeBaseten, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BASETEN_BASE_URL", server.url("/v1"))
    # BasetenRoutingError is a ValueError; pydantic's ValidationError wraps it.
    with pytest.raises(ValueError, match="BASETEN_ORIGIN and BASETEN_BASE_URL"):
        ChatBaseten(model=SLUG)


@pytest.mark.parametrize(
    ("origin", "problem"),
    [
        ("http://127.0.0.1:8123/v1", "has a path"),
        ("ftp://127.0.0.1", "not an http"),
        ("http://127.0.0.1:8123?x=1", "has a path, query"),
    ],
)
def test_a_bad_origin_is_refused_naming_the_fix(
    origin: str, problem: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("BASETEN_BASE_URL", raising=False)
    monkeypatch.setenv("BASETEN_ORIGIN", origin)
    with pytest.raises(ValueError, match=problem) as raised:
        ChatBaseten(model=SLUG, api_key="k")
    assert "BASETEN_ORIGIN=http://127.0.0.1:8123" in str(raised.value)


#: Runs the README's blocks with only the user's environment pointing at the server
#: (no redirect of *.baseten.co, unlike test_readme.py); prints the blocks that raised.
_README_VIA_ORIGIN = """
import json, os
from pathlib import Path
from langchain_baseten.testing import fake_baseten_server
from tests.docs_runner import parse, run_blocks
with fake_baseten_server() as server:
    os.environ.update(server.env())
    results = run_blocks(Path("README.md"), parse(Path("README.md").read_text()))
print(json.dumps({"ran": len(results), "raised": [r.line for r in results if r.error]}))
"""


def test_the_readme_runs_unchanged_with_only_baseten_origin_set() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BASETEN_", "OPENAI_"))}
    done = subprocess.run(  # noqa: S603 - this interpreter, fixed code
        [sys.executable, "-c", _README_VIA_ORIGIN],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=True,
    )
    outcome = json.loads(done.stdout.strip().splitlines()[-1])
    assert outcome["ran"] >= 5
    assert outcome["raised"] == [], f"README blocks that raised: {outcome['raised']}"


# ---------------------------------------------------------------- documented faults


def test_unauthorized_not_found_and_server_error_are_the_sdks_errors(
    server: fb.FakeBaseten,
) -> None:
    llm = ChatBaseten(model=SLUG, max_retries=0)
    server.enqueue(fb.unauthorized(), fb.not_found(), fb.server_error(503))
    with pytest.raises(openai.AuthenticationError):
        llm.invoke("Hi")
    with pytest.raises(openai.NotFoundError, match="Model not found"):
        llm.invoke("Hi")
    with pytest.raises(openai.InternalServerError) as raised:
        llm.invoke("Hi")
    assert raised.value.status_code == 503


def test_a_503_is_retried_a_500_only_with_retry_lost_answers(server: fb.FakeBaseten) -> None:
    server.enqueue(fb.server_error(503))
    assert ChatBaseten(model=SLUG, max_retries=1).invoke("Hi").content == "echo: Hi"
    assert len(server.requests) == 2
    server.enqueue(fb.server_error(500))
    with pytest.raises(openai.InternalServerError):  # the model may have run: not retried
        ChatBaseten(model=SLUG, max_retries=1).invoke("Hi")
    server.enqueue(fb.server_error(500))
    retrying = ChatBaseten(model=SLUG, max_retries=1, retry_lost_answers=True)
    assert retrying.invoke("Hi").content == "echo: Hi"
    assert len(server.requests) == 5


def test_a_rate_limit_waits_what_retry_after_says_then_retries(server: fb.FakeBaseten) -> None:
    server.enqueue(fb.rate_limited(retry_after=0.5))
    started = time.monotonic()
    assert ChatBaseten(model=SLUG, max_retries=1).invoke("Hi").content == "echo: Hi"
    assert time.monotonic() - started >= 0.5  # a lower bound: only a missing wait fails it
    assert len(server.requests) == 2
    server.enqueue(fb.rate_limited(retry_after=7))
    with pytest.raises(openai.RateLimitError) as raised:
        ChatBaseten(model=SLUG, max_retries=0).invoke("Hi")
    assert raised.value.response.headers["retry-after"] == "7"


def test_a_rate_limited_model_falls_back(server: fb.FakeBaseten) -> None:
    primary = ChatBaseten(model=SLUG, max_retries=0)
    fallback = ChatBaseten(model="baseten/deepseek-ai/DeepSeek-V3.1", max_retries=0)
    server.enqueue(fb.rate_limited())
    answer = primary.with_fallbacks([fallback]).invoke("Hi")
    assert answer.content == "echo: Hi"
    assert [r.json()["model"] for r in server.requests] == [
        "openai/gpt-oss-120b",
        "deepseek-ai/DeepSeek-V3.1",
    ]


def test_context_overflow_is_langchains_error(server: fb.FakeBaseten) -> None:
    server.enqueue(fb.context_overflow(context_length=8192))
    with pytest.raises(ContextOverflowError, match="maximum context length is 8192") as raised:
        ChatBaseten(model=SLUG).invoke("Hi")
    assert isinstance(raised.value, openai.BadRequestError)


def test_a_cut_stream_yields_what_arrived_then_raises(server: fb.FakeBaseten) -> None:
    server.enqueue(fb.cut_stream("one two three four", after=3))
    seen: list[str] = []

    def read() -> None:
        seen.extend(str(c.content) for c in ChatBaseten(model=SLUG, max_retries=0).stream("Hi"))

    with pytest.raises(openai.APIConnectionError, match="broke in the middle of the stream"):
        read()
    assert "".join(seen) == "one two three"


def test_a_slow_answer_times_out_or_arrives(server: fb.FakeBaseten) -> None:
    server.enqueue(fb.slow(5))
    with pytest.raises(openai.APITimeoutError):
        ChatBaseten(model=SLUG, timeout=0.3, max_retries=0).invoke("Hi")
    server.enqueue(fb.slow(0.1, then=fb.chat("late")))
    assert ChatBaseten(model=SLUG, timeout=10).invoke("Hi").content == "late"


def test_server_error_refuses_a_status_that_is_not_5xx() -> None:
    with pytest.raises(ValueError, match="5xx"):
        fb.server_error(404)


# ---------------------------------------------------------------- python -m and the fixture


def test_python_m_stops_by_itself_after_its_lifetime() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "langchain_baseten.testing", "--lifetime", "0.5"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    url, _, exports, *_ = done.stdout.splitlines()
    assert url.startswith("http://127.0.0.1:")
    assert exports.strip() == f"export BASETEN_ORIGIN={url} BASETEN_API_KEY={fb.LOCAL_API_KEY}"


def test_python_m_refuses_a_lifetime_that_is_not_positive() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "langchain_baseten.testing", "--lifetime", "0"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "--lifetime must be a positive number of seconds" in done.stderr


def test_the_pytest_fixture_serves_each_test_with_the_env_set(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makeconftest('pytest_plugins = ["langchain_baseten.testing.pytest_plugin"]\n')
    pytester.makepyfile(
        """
        import os

        import openai
        import pytest

        from langchain_baseten import ChatBaseten
        from langchain_baseten.testing import FakeBaseten, rate_limited, unauthorized

        def test_retry(local_baseten: FakeBaseten) -> None:
            assert os.environ["BASETEN_ORIGIN"] == local_baseten.base_url
            assert "BASETEN_BASE_URL" not in os.environ
            local_baseten.enqueue(rate_limited(retry_after=0.1))
            llm = ChatBaseten(model="baseten/openai/gpt-oss-120b", max_retries=1)
            assert llm.invoke("Hi").content == "echo: Hi"
            assert len(local_baseten.requests) == 2

        def test_fresh_server_per_test(local_baseten: FakeBaseten) -> None:
            assert local_baseten.requests == [] and local_baseten.pending == 0
            local_baseten.enqueue(unauthorized())
            with pytest.raises(openai.AuthenticationError):
                ChatBaseten(model="baseten/abcd1234", max_retries=0).invoke("Hi")
            assert local_baseten.requests[0].path.startswith("/model-abcd1234/")
        """
    )
    monkeypatch.setenv("BASETEN_BASE_URL", "http://127.0.0.1:9/v1")
    result = pytester.runpytest_inprocess(
        "-p", "no:randomly", "-p", "no:cacheprovider", "-p", "no:asyncio"
    )
    result.assert_outcomes(passed=2)
    assert os.environ["BASETEN_BASE_URL"] == "http://127.0.0.1:9/v1"  # restored after the run


def test_the_fixture_is_not_registered_without_opting_in(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_it(local_baseten):\n    pass\n")
    result = pytester.runpytest_subprocess(
        "-p", "no:randomly", "-p", "no:cacheprovider", "-p", "no:asyncio"
    )
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*fixture 'local_baseten' not found*"])
