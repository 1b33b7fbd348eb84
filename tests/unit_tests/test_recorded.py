"""Recorded HTTP: ChatBaseten against Baseten's real URLs, replayed from ``cassettes/``.

Replay is the default (``--record-mode=none``): requests are answered from the
cassettes and any request without one fails. To re-record:

* live, with a key: ``BASETEN_API_KEY=... make record``
* from the local Baseten-compatible server: ``make record-local`` (how the
  shipped cassettes were made; see cassettes/README.md)

Assertions check structure (content present, usage counted once, routing), not
exact wording, so that a live recording passes too.
"""

from __future__ import annotations

import pytest

from langchain_baseten import ChatBaseten

pytestmark = [pytest.mark.vcr, pytest.mark.usefixtures("recording_source")]


def test_model_api_invoke() -> None:
    llm = ChatBaseten(model="baseten/openai/gpt-oss-120b", max_tokens=200, temperature=0)
    reply = llm.invoke("Say hello in French.")
    assert isinstance(reply.content, str)
    assert reply.content
    assert reply.usage_metadata is not None
    assert reply.usage_metadata["input_tokens"] > 0
    assert reply.usage_metadata["total_tokens"] == (
        reply.usage_metadata["input_tokens"] + reply.usage_metadata["output_tokens"]
    )
    assert reply.response_metadata["model_provider"] == "baseten"
    assert reply.response_metadata["model_name"]
    assert reply.response_metadata["finish_reason"] in {"stop", "length"}


def test_model_api_stream_counts_usage_once() -> None:
    llm = ChatBaseten(model="baseten/openai/gpt-oss-120b", max_tokens=200, temperature=0)
    chunks = list(llm.stream("Count from one to five."))
    assert sum(1 for c in chunks if c.usage_metadata) == 1
    total = chunks[0]
    for chunk in chunks[1:]:
        total += chunk
    assert total.text
    assert total.usage_metadata is not None
    assert total.usage_metadata["output_tokens"] > 0
    assert total.response_metadata["finish_reason"] in {"stop", "length"}


async def test_model_api_ainvoke() -> None:
    llm = ChatBaseten(model="baseten/openai/gpt-oss-120b", max_tokens=200, temperature=0)
    reply = await llm.ainvoke("Name one colour.")
    assert reply.text
    assert reply.usage_metadata is not None


def test_dedicated_deployment_invoke() -> None:
    llm = ChatBaseten(model="baseten/abcd1234", max_tokens=100, temperature=0)
    assert (
        llm.endpoint.base_url
        == "https://model-abcd1234.api.baseten.co/environments/production/sync/v1"
    )
    reply = llm.invoke("Say hi.")
    assert reply.text
    assert reply.usage_metadata is not None
