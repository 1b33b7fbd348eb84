"""The API key never leaks, and no OpenAI credential or header ever reaches Baseten."""

from __future__ import annotations

import logging
import socket

import openai
import pytest
from langchain_core.load import dumpd, dumps
from pydantic import ValidationError

from langchain_baseten import BasetenEmbeddings, ChatBaseten
from tests import fake_baseten as fb

CANARY = "bt-SECRET-canary-1234567890"


@pytest.fixture
def llm(fake_baseten: fb.FakeBaseten) -> ChatBaseten:
    return ChatBaseten(
        model="openai/gpt-oss-120b", base_url=fake_baseten.url("/v1"), api_key=CANARY, max_retries=0
    )


def test_key_not_in_any_representation(llm: ChatBaseten) -> None:
    embeddings = BasetenEmbeddings(model="baseten/abcd1234", api_key=CANARY)
    for obj in (llm, embeddings):
        for text in (
            repr(obj),
            str(obj),
            str(obj.model_dump()),
            obj.model_dump_json(),
            dumps(obj),
            str(dumpd(obj)),
        ):
            assert CANARY not in text
    assert CANARY not in str(llm._get_ls_params())
    assert CANARY not in str(llm._serialized)
    assert CANARY not in str(llm._identifying_params)


def test_key_not_in_errors_or_debug_logs(
    llm: ChatBaseten, fake_baseten: fb.FakeBaseten, caplog: pytest.LogCaptureFixture
) -> None:
    fake_baseten.enqueue(fb.error(401, {"error": "Invalid API key"}))
    with caplog.at_level(logging.DEBUG):
        with pytest.raises(openai.AuthenticationError) as info:
            llm.invoke("hi")
        llm.invoke("hi")
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        dead = ChatBaseten(
            model="m/x", base_url=f"http://127.0.0.1:{port}/v1", api_key=CANARY, max_retries=0
        )
        with pytest.raises(openai.APIConnectionError) as conn:
            dead.invoke("hi")
    assert caplog.records, "expected DEBUG records from openai/httpx2"
    for text in (str(info.value), repr(info.value), str(conn.value), caplog.text):
        assert CANARY not in text


def test_only_the_baseten_key_is_sent(
    fake_baseten: fb.FakeBaseten, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-openai-must-not-leak")
    monkeypatch.setenv("BASETEN_API_KEY", CANARY)
    monkeypatch.setenv("OPENAI_ORG_ID", "org-must-not-leak")
    monkeypatch.setenv("OPENAI_PROJECT_ID", "proj-must-not-leak")
    monkeypatch.setenv(
        "OPENAI_CUSTOM_HEADERS", "Authorization: Bearer sk-openai-leak\nX-Corp: corp-secret"
    )
    llm = ChatBaseten(model="openai/gpt-oss-120b", base_url=fake_baseten.url("/v1"))
    llm.invoke("hi")
    list(llm.stream("hi"))
    for request in fake_baseten.requests:
        assert request.headers["authorization"] == f"Bearer {CANARY}"
        sent = str(request.headers)
        for leak in ("sk-openai", "org-must-not-leak", "proj-must-not-leak", "corp-secret"):
            assert leak not in sent


def test_only_an_openai_key_is_refused_before_sending(
    fake_baseten: fb.FakeBaseten, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("BASETEN_API_KEY", raising=False)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-openai-must-not-leak")
    with pytest.raises(ValidationError, match="BASETEN_API_KEY") as info:
        ChatBaseten(model="openai/gpt-oss-120b", base_url=fake_baseten.url("/v1"))
    assert "sk-openai" not in str(info.value)
    assert fake_baseten.requests == []


async def test_instances_sharing_the_pool_send_their_own_keys(fake_baseten: fb.FakeBaseten) -> None:
    a = ChatBaseten(model="m/a", base_url=fake_baseten.url("/v1"), api_key="key-A-0001")
    b = ChatBaseten(model="m/b", base_url=fake_baseten.url("/v1"), api_key="key-B-0002")
    for _ in range(3):
        a.invoke("from a")
        b.invoke("from b")
        await a.ainvoke("from a")
        await b.ainvoke("from b")
        list(b.stream("from b"))
    for request in fake_baseten.requests:
        model = request.json()["model"]
        expected = "key-A-0001" if model == "m/a" else "key-B-0002"
        assert request.headers["authorization"] == f"Bearer {expected}"
    assert len(fake_baseten.requests) == 15
