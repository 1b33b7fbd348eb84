"""End to end: ChatBaseten -> the real openai client -> real HTTP -> a local Baseten-compatible server."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

import pytest
from langchain_core.callbacks import UsageMetadataCallbackHandler
from langchain_core.callbacks.usage import get_usage_metadata_callback
from langchain_core.messages import AIMessage, AIMessageChunk, HumanMessage
from langchain_core.output_parsers import StrOutputParser
from langchain_core.outputs import ChatGeneration
from langchain_core.prompts import ChatPromptTemplate

from langchain_baseten import ChatBaseten
from langchain_baseten import testing as fb
from tests.local_models import KEY, chat_model

if TYPE_CHECKING:
    from tests.spies import CallbackSpy


#: Each test on the local server runs with the package's pools and a user's own
#: httpx2 and classic httpx clients (the client_kind fixture, conftest.py).
pytestmark = pytest.mark.each_client_kind


# ---------------------------------------------------------------- requests on the wire


def test_invoke_sends_the_expected_request(llm: ChatBaseten, fake_baseten: fb.FakeBaseten) -> None:
    fake_baseten.enqueue(fb.chat("Hi there", usage=fb.make_usage(9, 2, details=False)))
    result = llm.invoke(
        "Hello", temperature=0.2, top_k=40, chat_template_args={"enable_thinking": True}
    )
    assert result.content == "Hi there"
    (request,) = fake_baseten.requests
    assert request.path == "/v1/chat/completions"
    assert request.headers["authorization"] == f"Bearer {KEY}"
    body = request.json()
    assert body["model"] == "openai/gpt-oss-120b"
    assert body["messages"] == [{"role": "user", "content": "Hello"}]
    assert body["temperature"] == 0.2
    assert body["top_k"] == 40
    assert body["chat_template_args"] == {"enable_thinking": True}
    assert "stream" not in body
    assert "n" not in body
    assert result.usage_metadata == {"input_tokens": 9, "output_tokens": 2, "total_tokens": 11}
    assert result.response_metadata["model_provider"] == "baseten"
    assert result.response_metadata["baseten_request_id"].startswith("req-")


def test_instance_params_model_kwargs_and_extra_body(fake_baseten: fb.FakeBaseten) -> None:
    with pytest.warns(UserWarning, match="not a known ChatBaseten parameter"):
        llm = ChatBaseten(
            model="openai/gpt-oss-120b",
            base_url=fake_baseten.url("/v1"),
            api_key=KEY,
            max_completion_tokens=50,
            stop_sequences=["END"],
            seed=7,
            reasoning_effort="high",
            min_p=0.05,  # a known Baseten extra: no warning
            my_custom_flag=True,  # unknown: warns, still sent
            extra_body={"repetition_penalty": 1.1},
            default_headers={"x-session-affinity": "user-1"},
        )
    llm.invoke("hi")
    body = fake_baseten.requests[0].json()
    assert body["max_tokens"] == 50
    assert body["stop"] == ["END"]
    assert body["seed"] == 7
    assert body["reasoning_effort"] == "high"
    assert body["min_p"] == 0.05
    assert body["my_custom_flag"] is True
    assert body["repetition_penalty"] == 1.1
    assert fake_baseten.requests[0].headers["x-session-affinity"] == "user-1"


def test_call_kwargs_override_instance_and_stop_argument(fake_baseten: fb.FakeBaseten) -> None:
    llm = ChatBaseten(
        model="openai/gpt-oss-120b",
        base_url=fake_baseten.url("/v1"),
        api_key=KEY,
        temperature=0.9,
        stop=["A"],
    )
    llm.invoke("hi", temperature=0.1, stop=["B"], model="deepseek-ai/DeepSeek-V3.1")
    body = fake_baseten.requests[0].json()
    assert body["temperature"] == 0.1
    assert body["stop"] == ["B"]
    assert body["model"] == "deepseek-ai/DeepSeek-V3.1"


def test_bind_and_batch(llm: ChatBaseten, fake_baseten: fb.FakeBaseten) -> None:
    results = llm.bind(temperature=0).batch(["one", "two", "three"])
    assert sorted(r.content for r in results) == ["echo: one", "echo: three", "echo: two"]
    assert len(fake_baseten.requests) == 3
    assert all(r.json()["temperature"] == 0 for r in fake_baseten.requests)


def test_lcel_chain(llm: ChatBaseten) -> None:
    prompt = ChatPromptTemplate.from_messages([("system", "be nice"), ("human", "{q}")])
    chain = prompt | llm | StrOutputParser()
    assert chain.invoke({"q": "ping"}) == "echo: ping"


def test_model_override_stays_on_a_custom_endpoint_from_the_environment(
    fake_baseten: fb.FakeBaseten, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BASETEN_BASE_URL", fake_baseten.url("/v1"))
    llm = ChatBaseten(model="openai/gpt-oss-120b", api_key=KEY)
    assert llm.invoke("hi", model="baseten/deepseek-ai/DeepSeek-V3.1").content == "echo: hi"
    (request,) = fake_baseten.requests
    assert request.json()["model"] == "deepseek-ai/DeepSeek-V3.1"


# ---------------------------------------------------------------- streaming


@pytest.mark.parametrize("usage_mode", ["cumulative", "final_chunk", "both"])
def test_stream_usage_counted_once(
    llm: ChatBaseten, fake_baseten: fb.FakeBaseten, usage_mode: fb.UsageMode
) -> None:
    fake_baseten.enqueue(
        fb.stream("one two three", usage=fb.make_usage(5, 3, details=False), usage_mode=usage_mode)
    )
    chunks = list(llm.stream("hi"))
    assert sum(1 for c in chunks if c.usage_metadata) == 1
    total = chunks[0]
    for chunk in chunks[1:]:
        total += chunk
    assert isinstance(total, AIMessageChunk)
    assert total.content == "one two three"
    assert total.usage_metadata is not None
    assert total.usage_metadata["input_tokens"] == 5
    assert total.usage_metadata["output_tokens"] == 3
    assert total.response_metadata["finish_reason"] == "stop"
    body = fake_baseten.requests[0].json()
    assert body["stream"] is True
    assert body["stream_options"] == {"include_usage": True}


def test_stream_reasoning_then_content(llm: ChatBaseten, fake_baseten: fb.FakeBaseten) -> None:
    fake_baseten.enqueue(fb.stream("4", reasoning="two plus two"))
    total = None
    for chunk in llm.stream("2+2?"):
        total = chunk if total is None else total + chunk
    assert total is not None
    assert total.content == "4"
    assert total.additional_kwargs["reasoning_content"] == "two plus two"
    assert [b["type"] for b in total.content_blocks] == ["reasoning", "text"]


def test_stream_usage_false(fake_baseten: fb.FakeBaseten) -> None:
    llm = ChatBaseten(
        model="openai/gpt-oss-120b",
        base_url=fake_baseten.url("/v1"),
        api_key=KEY,
        stream_usage=False,
    )
    chunks = list(llm.stream("hi"))
    assert all(c.usage_metadata is None for c in chunks)
    assert fake_baseten.requests[0].json()["stream_options"] == {"include_usage": False}


def test_streaming_true_invoke_uses_stream(fake_baseten: fb.FakeBaseten) -> None:
    llm = ChatBaseten(
        model="openai/gpt-oss-120b", base_url=fake_baseten.url("/v1"), api_key=KEY, streaming=True
    )
    result = llm.invoke("streamed")
    assert result.content == "echo: streamed"
    assert result.usage_metadata is not None
    assert fake_baseten.requests[0].json()["stream"] is True


def test_on_llm_new_token_for_every_token(
    llm: ChatBaseten, fake_baseten: fb.FakeBaseten, callback_spy: CallbackSpy
) -> None:
    fake_baseten.enqueue(fb.stream(pieces=["a", "b", "c"]))
    list(llm.stream("x", config={"callbacks": [callback_spy]}))
    assert [t for t in callback_spy.tokens if t] == ["a", "b", "c"]


# ---------------------------------------------------------------- async


async def test_ainvoke_astream_abatch(llm: ChatBaseten) -> None:
    result = await llm.ainvoke("async hi")
    assert result.content == "echo: async hi"
    chunks = [c async for c in llm.astream("async stream")]
    assert "".join(c.text for c in chunks) == "echo: async stream"
    assert sum(1 for c in chunks if c.usage_metadata) == 1
    batch = await llm.abatch(["a1", "a2"])
    assert [m.content for m in batch] == ["echo: a1", "echo: a2"]


async def test_concurrent_ainvoke_each_get_their_own_answer(llm: ChatBaseten) -> None:
    results = await asyncio.gather(*(llm.ainvoke(f"q{i}") for i in range(20)))
    assert [r.content for r in results] == [f"echo: q{i}" for i in range(20)]


# The package's async pools are per event loop; a user's own AsyncClient (of either
# library) belongs to the loop that first used it, as with any openai client.
@pytest.mark.each_client_kind("pools")
def test_async_client_survives_a_new_event_loop(llm: ChatBaseten) -> None:
    assert asyncio.run(llm.ainvoke("loop one")).content == "echo: loop one"
    assert asyncio.run(llm.ainvoke("loop two")).content == "echo: loop two"


# ---------------------------------------------------------------- usage in callbacks


def test_usage_callbacks_report_true_totals(llm: ChatBaseten, fake_baseten: fb.FakeBaseten) -> None:
    handler = UsageMetadataCallbackHandler()
    fake_baseten.enqueue(
        fb.chat("x", usage=fb.make_usage(10, 1, details=False)),
        fb.stream("y z", usage=fb.make_usage(20, 2, details=False), usage_mode="both"),
    )
    with get_usage_metadata_callback() as cb:
        llm.invoke("a", config={"callbacks": [handler]})
        list(llm.stream("b", config={"callbacks": [handler]}))
    for usage in (cb.usage_metadata, handler.usage_metadata):
        (model_usage,) = usage.values()
        assert model_usage["input_tokens"] == 30
        assert model_usage["output_tokens"] == 3
        assert model_usage["total_tokens"] == 33


async def test_usage_callback_async_and_batch(
    llm: ChatBaseten, fake_baseten: fb.FakeBaseten
) -> None:
    fake_baseten.enqueue(
        fb.chat("x", usage=fb.make_usage(1, 1, details=False)),
        fb.stream("y", usage=fb.make_usage(2, 2, details=False), usage_mode="cumulative"),
        fb.chat("z", usage=fb.make_usage(3, 3, details=False)),
        fb.chat("z", usage=fb.make_usage(3, 3, details=False)),
    )
    with get_usage_metadata_callback() as cb:
        await llm.ainvoke("a")
        [c async for c in llm.astream("b")]
        llm.batch(["c", "d"])
    (model_usage,) = cb.usage_metadata.values()
    assert model_usage["input_tokens"] == 9
    assert model_usage["output_tokens"] == 9


def test_llm_output_for_on_llm_end_handlers(llm: ChatBaseten, fake_baseten: fb.FakeBaseten) -> None:
    fake_baseten.enqueue(fb.chat("x", usage=fb.make_usage(4, 2, details=False)))
    result = llm.generate([[HumanMessage("hi")]])
    assert result.llm_output is not None
    assert result.llm_output["token_usage"]["prompt_tokens"] == 4
    assert result.llm_output["model_name"] == "openai/gpt-oss-120b"


# ---------------------------------------------------------------- n choices

#: Two choices as vLLM answers n=2 (one ``choices`` entry per index; usage covers both).
TWO_CHOICES = [
    {"index": 1, "message": {"role": "assistant", "content": "second"}, "finish_reason": "length"},
    {"index": 0, "message": {"role": "assistant", "content": "first"}, "finish_reason": "stop"},
]


@pytest.mark.parametrize("where", ["field", "call"])
def test_n_gives_one_generation_per_choice_with_usage_counted_once(
    fake_baseten: fb.FakeBaseten, where: str
) -> None:
    usage = fb.make_usage(5, 7)
    fake_baseten.enqueue(fb.chat("unused", usage=usage, extra={"choices": TWO_CHOICES}))
    llm = chat_model(fake_baseten, n=2) if where == "field" else chat_model(fake_baseten)
    kwargs: dict[str, Any] = {} if where == "field" else {"n": 2}
    result = llm.generate([[HumanMessage("hi")]], **kwargs)
    assert fake_baseten.requests[0].json()["n"] == 2
    generations = result.generations[0]
    assert [g.text for g in generations] == ["first", "second"]  # in the server's index order
    assert [g.generation_info for g in generations] == [
        {"finish_reason": "stop"},
        {"finish_reason": "length"},
    ]
    messages = [g.message for g in generations if isinstance(g, ChatGeneration)]
    usages = [m.usage_metadata for m in messages if isinstance(m, AIMessage)]
    assert len(usages) == 2
    assert usages[0] is not None
    assert usages[0]["output_tokens"] == 7
    assert usages[1] is None


def test_n_1_is_not_sent(fake_baseten: fb.FakeBaseten) -> None:
    chat_model(fake_baseten).invoke("hi")
    assert "n" not in fake_baseten.requests[0].json()


def test_n_is_refused_on_the_model_apis_and_when_streaming(fake_baseten: fb.FakeBaseten) -> None:
    model_api = ChatBaseten(model="openai/gpt-oss-120b", api_key=KEY)
    with pytest.raises(ValueError, match="Model APIs return one choice per request"):
        model_api.invoke("hi", n=2)
    with pytest.raises(ValueError, match="not supported when streaming"):
        list(chat_model(fake_baseten).stream("hi", n=2))
    assert fake_baseten.requests == []
