"""Cost and usage tracking: get_baseten_callback / BasetenCallbackHandler against known usage."""

from __future__ import annotations

import asyncio
import contextvars
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

import openai
import pytest
from langchain_core.caches import InMemoryCache
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage
from langchain_core.outputs import ChatGeneration, LLMResult
from langchain_core.tools import tool

from langchain_baseten import (
    BasetenCallbackHandler,
    ChatBaseten,
    ModelPrice,
    get_baseten_callback,
    register_price,
)
from langchain_baseten import testing as fb
from langchain_baseten._baseten_api import CHAT_LLM_TYPE
from langchain_baseten._pricing import _shipped_prices, get_price, to_price, unregister_price
from tests.local_models import KEY
from tests.recording import redirect_baseten_to

if TYPE_CHECKING:
    from collections.abc import Iterator

GPT_OSS = "openai/gpt-oss-120b"
GPT_OSS_PRICE = _shipped_prices()[GPT_OSS]


def usd(price: ModelPrice, input_tokens: int, output_tokens: int, cached: int = 0) -> float:
    """The expected cost, computed independently of ModelPrice.cost."""
    cached_rate = price.input if price.cached_input is None else price.cached_input
    return (
        (input_tokens - cached) * price.input + cached * cached_rate + output_tokens * price.output
    ) / 1e6


@pytest.fixture
def clean_registry() -> Iterator[None]:
    yield
    for model in ("acme/registered", GPT_OSS):
        unregister_price(model)


# ---------------------------------------------------------------- the shipped table


def test_shipped_prices_are_dated_sourced_and_sane() -> None:
    import json
    from importlib import resources

    data = json.loads(
        resources.files("langchain_baseten").joinpath("data", "prices.json").read_text("utf-8")
    )
    about = data["_about"]
    profiles_about = json.loads(
        resources.files("langchain_baseten").joinpath("data", "model_profiles.json").read_text()
    )["_about"]
    assert about["as_of"] == profiles_about["as_of"]  # refreshed together
    assert about["sources"]
    assert "USD" in about["unit"]
    prices = _shipped_prices()
    assert GPT_OSS in prices
    for slug, price in prices.items():
        assert "/" in slug, slug
        assert 0 < price.input < 20, slug
        assert 0 < price.output < 50, slug
        assert price.cached_input is None or 0 < price.cached_input <= price.input, slug
    assert prices[GPT_OSS] == ModelPrice(input=0.10, output=0.50, cached_input=None)


def test_model_price_cost_and_validation() -> None:
    price = ModelPrice(input=1.0, output=4.0, cached_input=0.25)
    assert price.cost(1_000_000, 0) == pytest.approx(1.0)
    assert price.cost(1_000_000, 1_000_000, cached_tokens=400_000) == pytest.approx(0.6 + 0.1 + 4.0)
    # No cached rate: cached tokens cost the input rate.
    assert ModelPrice(input=1.0, output=4.0).cost(100, 0, cached_tokens=100) == pytest.approx(1e-4)
    # Cached tokens never exceed the input tokens.
    assert price.cost(10, 0, cached_tokens=50) == pytest.approx(10 * 0.25 / 1e6)
    with pytest.raises(ValueError, match="non-negative"):
        ModelPrice(input=-1.0, output=1.0)
    with pytest.raises(ValueError, match="non-negative"):
        ModelPrice(input=1.0, output=1.0, cached_input=-0.1)
    with pytest.raises(ValueError, match="'input' and 'output'"):
        to_price({"input": 1.0})
    with pytest.raises(ValueError, match="'input' and 'output'"):
        to_price({"input": 1.0, "output": 2.0, "cache": 0.5})
    assert to_price({"input": 1, "output": 2}) == ModelPrice(input=1, output=2)


def test_register_price_overrides_and_unregisters(clean_registry: None) -> None:
    assert get_price("acme/registered") is None
    register_price("baseten/acme/registered", {"input": 2.0, "output": 3.0})
    assert get_price("acme/registered") == ModelPrice(input=2.0, output=3.0)
    register_price(GPT_OSS, None)  # explicitly unpriced
    assert get_price(GPT_OSS) is None
    unregister_price(GPT_OSS)
    assert get_price(GPT_OSS) == GPT_OSS_PRICE
    # Handler-level overrides win over both.
    assert get_price(GPT_OSS, {GPT_OSS: ModelPrice(input=9, output=9)}) == ModelPrice(9, 9)


# ---------------------------------------------------------------- invoke, stream, batch


def test_invoke_totals_and_cost(llm: ChatBaseten, fake_baseten: fb.FakeBaseten) -> None:
    fake_baseten.enqueue(
        fb.chat("Hi", usage=fb.make_usage(120, 30, cached_tokens=20, reasoning_tokens=10))
    )
    with get_baseten_callback() as cb:
        llm.invoke("Hello")
    assert cb.requests == cb.successful_requests == 1
    assert cb.input_tokens == 120
    assert cb.cached_tokens == 20
    assert cb.output_tokens == 30
    assert cb.reasoning_tokens == 10
    assert cb.total_tokens == 150
    assert cb.failed_requests == 0
    expected = usd(GPT_OSS_PRICE, 120, 30, cached=20)
    assert cb.total_cost == pytest.approx(expected)
    (model_usage,) = cb.usage_by_model.values()
    assert model_usage.model == GPT_OSS
    assert model_usage.cost == pytest.approx(expected)
    assert not model_usage.dedicated
    assert cb.unpriced_models == {}


@pytest.mark.parametrize("style", ["invoke", "ainvoke"])
async def test_cache_hits_are_not_counted_or_billed(
    llm: ChatBaseten, fake_baseten: fb.FakeBaseten, style: str
) -> None:
    fake_baseten.enqueue(fb.chat("Hi", usage=fb.make_usage(120, 30)))
    cached = llm.model_copy(update={"cache": InMemoryCache()})
    with get_baseten_callback() as cb:
        for _ in range(2):
            if style == "invoke":
                cached.invoke("Hello")
            else:
                await cached.ainvoke("Hello")
    assert len(fake_baseten.requests) == 1  # the second answer came from the cache
    assert cb.requests == 1
    assert cb.cache_hits == 1
    assert (cb.input_tokens, cb.output_tokens) == (120, 30)
    assert cb.total_cost == pytest.approx(usd(GPT_OSS_PRICE, 120, 30))


def test_stream_counts_usage_once(llm: ChatBaseten, fake_baseten: fb.FakeBaseten) -> None:
    # Baseten repeats cumulative usage on every chunk (and once more at the end).
    fake_baseten.enqueue(
        fb.stream("one two three four five", usage=fb.make_usage(40, 5), usage_mode="both"),
        fb.stream("six seven", usage=fb.make_usage(7, 2), usage_mode="cumulative"),
        fb.stream("eight", usage=fb.make_usage(3, 1), usage_mode="final_chunk"),
    )
    with get_baseten_callback() as cb:
        chunks = list(llm.stream("count"))
        assert len(chunks) > 3
        list(llm.stream("more"))
        list(llm.stream("last"))
    assert cb.requests == 3
    assert (cb.input_tokens, cb.output_tokens, cb.total_tokens) == (50, 8, 58)
    assert cb.total_cost == pytest.approx(usd(GPT_OSS_PRICE, 50, 8))


def test_streaming_invoke_and_batch(fake_baseten: fb.FakeBaseten) -> None:
    llm = ChatBaseten(
        model="openai/gpt-oss-120b",
        base_url=fake_baseten.url("/v1"),
        api_key=KEY,
        streaming=True,
        max_retries=0,
    )
    fake_baseten.enqueue(*(fb.stream("a b", usage=fb.make_usage(10, 2)) for _ in range(4)))
    with get_baseten_callback() as cb:
        llm.invoke("x")
        llm.batch(["a", "b", "c"])
    assert cb.requests == 4
    assert (cb.input_tokens, cb.output_tokens) == (40, 8)


def test_batch_runs_in_worker_threads_and_still_counts(
    llm: ChatBaseten, fake_baseten: fb.FakeBaseten
) -> None:
    fake_baseten.enqueue(*(fb.chat("ok", usage=fb.make_usage(10 + i, i)) for i in range(6)))
    with get_baseten_callback() as cb:
        llm.batch([f"q{i}" for i in range(6)], config={"max_concurrency": 3})
    assert cb.requests == 6
    assert cb.input_tokens == sum(10 + i for i in range(6))
    assert cb.output_tokens == sum(range(6))


async def test_async_invoke_stream_and_batch(
    llm: ChatBaseten, fake_baseten: fb.FakeBaseten
) -> None:
    fake_baseten.enqueue(
        fb.chat("a", usage=fb.make_usage(11, 1)),
        fb.stream("b c", usage=fb.make_usage(12, 2)),
        fb.chat("d", usage=fb.make_usage(13, 3)),
        fb.chat("e", usage=fb.make_usage(14, 4)),
    )
    with get_baseten_callback() as cb:
        await llm.ainvoke("1")
        async for _ in llm.astream("2"):
            pass
        await llm.abatch(["3", "4"])
    assert cb.requests == 4
    assert (cb.input_tokens, cb.output_tokens) == (50, 10)
    assert cb.total_cost == pytest.approx(usd(GPT_OSS_PRICE, 50, 10))


# ---------------------------------------------------------------- concurrency


async def test_asyncio_gather_tasks_inherit_the_handler(
    llm: ChatBaseten, fake_baseten: fb.FakeBaseten
) -> None:
    n = 25
    fake_baseten.enqueue(
        *(fb.chat("x", usage=fb.make_usage(7, 3, cached_tokens=2)) for _ in range(n))
    )
    with get_baseten_callback() as cb:
        await asyncio.gather(*(llm.ainvoke(f"q{i}") for i in range(n)))
    assert cb.requests == n
    assert (cb.input_tokens, cb.cached_tokens, cb.output_tokens) == (7 * n, 2 * n, 3 * n)


def test_threads_with_explicit_handler_and_copied_context(
    llm: ChatBaseten, fake_baseten: fb.FakeBaseten
) -> None:
    n = 24
    fake_baseten.enqueue(*(fb.chat("x", usage=fb.make_usage(5, 1)) for _ in range(2 * n)))
    explicit = BasetenCallbackHandler()
    with get_baseten_callback() as cb, ThreadPoolExecutor(max_workers=8) as pool:
        # Threads do not inherit context variables: pass the handler, or copy the context.
        futures = [
            pool.submit(llm.invoke, f"e{i}", config={"callbacks": [explicit]}) for i in range(n)
        ]
        futures += [
            pool.submit(contextvars.copy_context().run, llm.invoke, f"c{i}") for i in range(n)
        ]
        for future in futures:
            future.result()
    assert explicit.requests == n
    assert explicit.input_tokens == 5 * n
    assert cb.requests == n
    assert cb.output_tokens == n


def test_handler_is_thread_safe_under_contention() -> None:
    handler = BasetenCallbackHandler()
    message = AIMessage(
        content="x",
        usage_metadata={"input_tokens": 3, "output_tokens": 2, "total_tokens": 5},
        response_metadata={"model_name": GPT_OSS, "model_provider": "baseten"},
    )
    result = LLMResult(generations=[[ChatGeneration(message=message)]])
    params = {"_type": "baseten-chat", "base_url": "https://inference.baseten.co/v1"}
    per_thread, threads = 2000, 8
    barrier = threading.Barrier(threads)

    def work() -> None:
        barrier.wait()
        for _ in range(per_thread):
            run_id = uuid.uuid4()
            handler.on_chat_model_start({}, [[]], run_id=run_id, invocation_params=params)
            handler.on_llm_end(result, run_id=run_id)

    workers = [threading.Thread(target=work) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    assert handler.requests == per_thread * threads
    assert handler.total_tokens == 5 * per_thread * threads


# ---------------------------------------------------------------- what is priced, and what is not


def test_unknown_model_counts_tokens_but_cost_is_none(
    llm: ChatBaseten, fake_baseten: fb.FakeBaseten
) -> None:
    fake_baseten.enqueue(
        fb.chat("a", usage=fb.make_usage(10, 2)),
        fb.chat("b", usage=fb.make_usage(20, 4), model="acme/brand-new-model"),
    )
    with get_baseten_callback() as cb:
        llm.invoke("1")
        llm.invoke("2", model="acme/brand-new-model")
    assert cb.requests == 2
    assert (cb.input_tokens, cb.output_tokens) == (30, 6)
    assert cb.total_cost is None  # never a silent 0
    assert cb.unpriced_models == {"acme/brand-new-model": "no known price"}
    by_model = cb.usage_by_model
    assert by_model[GPT_OSS].cost == pytest.approx(usd(GPT_OSS_PRICE, 10, 2))
    assert by_model["acme/brand-new-model"].cost is None
    assert by_model["acme/brand-new-model"].unpriced_reason == "no_price"
    assert by_model["acme/brand-new-model"].input_tokens == 20
    text = str(cb)
    assert "Total cost: unknown" in text
    assert "acme/brand-new-model (no known price)" in text


def test_prices_argument_and_register_price(
    llm: ChatBaseten, fake_baseten: fb.FakeBaseten, clean_registry: None
) -> None:
    fake_baseten.enqueue(
        *(
            fb.chat("a", usage=fb.make_usage(1000, 100, cached_tokens=400), model="acme/new")
            for _ in range(2)
        ),
        fb.chat("b", usage=fb.make_usage(1000, 100), model="acme/registered"),
    )
    with get_baseten_callback(
        prices={
            "baseten/acme/new": {"input": 1.0, "output": 2.0, "cached_input": 0.5},
            GPT_OSS: None,  # mark as unpriced for this handler only
        }
    ) as cb:
        llm.invoke("1")
        llm.invoke("2")
    assert cb.total_cost == pytest.approx(2 * (600 * 1.0 + 400 * 0.5 + 100 * 2.0) / 1e6)
    register_price("acme/registered", ModelPrice(input=3.0, output=6.0))
    with get_baseten_callback() as cb2:
        llm.invoke("3")
    assert cb2.total_cost == pytest.approx((1000 * 3.0 + 100 * 6.0) / 1e6)


def test_price_registered_after_the_calls_still_applies(
    llm: ChatBaseten, fake_baseten: fb.FakeBaseten, clean_registry: None
) -> None:
    fake_baseten.enqueue(fb.chat("a", usage=fb.make_usage(100, 10), model="acme/registered"))
    with get_baseten_callback() as cb:
        llm.invoke("1")
    assert cb.total_cost is None
    register_price("acme/registered", {"input": 1.0, "output": 1.0})
    assert cb.total_cost == pytest.approx(110 / 1e6)


def test_dedicated_deployment_counts_tokens_with_cost_none(fake_baseten: fb.FakeBaseten) -> None:
    # A dedicated deployment's /sync/v1 path shape, served locally.
    dedicated = ChatBaseten(
        model="baseten/abcd1234",
        base_url=fake_baseten.url("/environments/production/sync/v1"),
        api_key=KEY,
        max_retries=0,
    )
    # Its server reports a name that is also a priced Model API slug: still GPU-billed.
    fake_baseten.enqueue(fb.chat("a", usage=fb.make_usage(50, 5), model=GPT_OSS))
    with get_baseten_callback() as cb:
        dedicated.invoke("hello")
    assert cb.requests == 1
    assert cb.input_tokens == 50
    assert cb.total_cost is None
    (key,) = cb.usage_by_model
    assert key == f"{GPT_OSS} (dedicated)"
    assert cb.usage_by_model[key].dedicated
    assert cb.unpriced_models == {key: "dedicated deployment, billed by GPU time"}


def test_real_dedicated_host_is_never_priced(fake_baseten: fb.FakeBaseten) -> None:
    dedicated = ChatBaseten(model="baseten/abcd1234", api_key=KEY, max_retries=0)
    assert "model-abcd1234.api.baseten.co" in str(dedicated.endpoint.base_url)
    fake_baseten.enqueue(fb.chat("a", usage=fb.make_usage(8, 2), model=GPT_OSS))
    with redirect_baseten_to(fake_baseten.base_url), get_baseten_callback() as cb:
        dedicated.invoke("hello")
    assert fake_baseten.requests[0].path == "/environments/production/sync/v1/chat/completions"
    assert cb.input_tokens == 8
    assert cb.total_cost is None
    assert cb.usage_by_model[f"{GPT_OSS} (dedicated)"].unpriced_reason == "dedicated"


def test_real_model_api_host_is_priced(fake_baseten: fb.FakeBaseten) -> None:
    model_api = ChatBaseten(model="baseten/openai/gpt-oss-120b", api_key=KEY, max_retries=0)
    fake_baseten.enqueue(fb.chat("a", usage=fb.make_usage(8, 2)))
    with redirect_baseten_to(fake_baseten.base_url), get_baseten_callback() as cb:
        model_api.invoke("hello")
    assert fake_baseten.requests[0].path == "/v1/chat/completions"
    assert cb.total_cost == pytest.approx(usd(GPT_OSS_PRICE, 8, 2))


def test_a_per_call_model_id_override_is_costed_as_the_dedicated_call_it_is(
    fake_baseten: fb.FakeBaseten,
) -> None:
    # The endpoint kind travels with the call (invocation params), not re-derived from URLs.
    model_api = ChatBaseten(model="baseten/openai/gpt-oss-120b", api_key=KEY, max_retries=0)
    fake_baseten.enqueue(fb.chat("a", usage=fb.make_usage(8, 2), model=GPT_OSS))
    with redirect_baseten_to(fake_baseten.base_url), get_baseten_callback() as cb:
        model_api.invoke("hello", model="baseten/abcd1234")
    assert fake_baseten.requests[0].path == "/environments/production/sync/v1/chat/completions"
    assert cb.usage_by_model[f"{GPT_OSS} (dedicated)"].unpriced_reason == "dedicated"
    params = model_api._get_invocation_params(model="baseten/abcd1234")
    assert params["endpoint_kind"] == "dedicated"
    assert params["base_url"].startswith("https://model-abcd1234.api.baseten.co/")
    # A model= that does not route keeps the model's own endpoint in the params.
    assert model_api._get_invocation_params(model="")["endpoint_kind"] == "model_api"


def test_response_without_usage_makes_cost_unknown(
    llm: ChatBaseten, fake_baseten: fb.FakeBaseten
) -> None:
    fake_baseten.enqueue(fb.chat("a", usage=fb.make_usage(10, 2)), fb.stream("b c", usage=None))
    with get_baseten_callback() as cb:
        llm.invoke("1")
        list(llm.stream("2", stream_usage=False))
    assert cb.requests == 2
    assert cb.input_tokens == 10
    assert cb.total_cost is None
    assert cb.usage_by_model[GPT_OSS].requests_without_usage == 1
    assert cb.unpriced_models == {GPT_OSS: "a response reported no token usage"}


@pytest.mark.parametrize(
    "bad_usage",
    [
        {"prompt_tokens": -5, "completion_tokens": 2, "total_tokens": -3},
        {"prompt_tokens": 10, "completion_tokens": float("nan")},
        {"prompt_tokens": "10", "completion_tokens": "2"},
        {"prompt_tokens": 10**400, "completion_tokens": 2},  # overflowed the cost as a float
        {"prompt_tokens": 10, "completion_tokens": 1e300},
    ],
)
def test_unusable_usage_makes_cost_unknown_not_free(
    llm: ChatBaseten, fake_baseten: fb.FakeBaseten, bad_usage: dict[str, Any]
) -> None:
    fake_baseten.enqueue(fb.chat("a", usage=fb.make_usage(10, 2)), fb.chat("b", usage=bad_usage))
    fake_baseten.enqueue(fb.stream("c d", usage=bad_usage, usage_mode="final_chunk"))
    with get_baseten_callback() as cb:
        llm.invoke("1")
        assert llm.invoke("2").usage_metadata is None
        chunks = list(llm.stream("3"))
    assert all(chunk.usage_metadata is None for chunk in chunks)
    assert cb.requests == 3
    assert cb.input_tokens == 10  # the one usable report
    assert cb.total_cost is None
    assert cb.usage_by_model[GPT_OSS].requests_without_usage == 2
    assert "Total cost: unknown" in str(cb)


@pytest.mark.parametrize("style", ["invoke", "stream"])
def test_a_count_beyond_any_context_is_unknown_with_a_warning(
    llm: ChatBaseten, fake_baseten: fb.FakeBaseten, style: str, caplog: pytest.LogCaptureFixture
) -> None:
    usage = {"prompt_tokens": 10**400, "completion_tokens": 2, "total_tokens": 10**400}
    reply = fb.chat("a", usage=usage) if style == "invoke" else fb.stream("a", usage=usage)
    fake_baseten.enqueue(reply)
    with get_baseten_callback() as cb, caplog.at_level("WARNING", logger="langchain_baseten"):
        if style == "invoke":
            llm.invoke("1")
        else:
            list(llm.stream("1"))
    assert cb.total_cost is None  # unknown, and reading it raises nothing
    assert cb.usage_by_model[GPT_OSS].requests_without_usage == 1
    assert "prompt_tokens=an integer, more than 1000000000000 tokens" in caplog.text


CACHED_OVER_PROMPT = "cached_tokens=1000000000, more than prompt_tokens=8"
REASONING_OVER_COMPLETION = "reasoning_tokens=50, more than completion_tokens=2"


@pytest.mark.parametrize("style", ["invoke", "stream"])
@pytest.mark.parametrize(
    ("details", "named"),
    [
        ({"prompt_tokens_details": {"cached_tokens": 10**9}}, CACHED_OVER_PROMPT),
        ({"completion_tokens_details": {"reasoning_tokens": 50}}, REASONING_OVER_COMPLETION),
    ],
)
def test_a_detail_larger_than_its_whole_is_left_out_with_a_warning(
    llm: ChatBaseten,
    fake_baseten: fb.FakeBaseten,
    style: str,
    details: dict[str, Any],
    named: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # cached_tokens above prompt_tokens once reported $1,100 saved on a $0.0000074 call.
    usage = {"prompt_tokens": 8, "completion_tokens": 2, "total_tokens": 10, **details}
    reply = fb.chat("a", usage=usage) if style == "invoke" else fb.stream("a", usage=usage)
    fake_baseten.enqueue(reply)
    with get_baseten_callback() as cb, caplog.at_level("WARNING", logger="langchain_baseten"):
        if style == "invoke":
            message = llm.invoke("1")
        else:
            message = next(c for c in list(llm.stream("1")) if c.usage_metadata)
    assert message.usage_metadata is not None
    assert message.usage_metadata["input_tokens"] == 8
    assert "input_token_details" not in message.usage_metadata
    assert "output_token_details" not in message.usage_metadata
    assert cb.cached_tokens == cb.reasoning_tokens == 0
    assert cb.total_cost == pytest.approx(usd(GPT_OSS_PRICE, 8, 2))
    assert cb.usage_by_model[GPT_OSS].cache_savings == 0
    assert named in caplog.text


def test_cache_savings_never_count_more_cached_than_input_tokens() -> None:
    handler = BasetenCallbackHandler()
    message = AIMessage(
        "a",
        response_metadata={"model_name": GPT_OSS, "model_provider": "baseten"},
        usage_metadata={
            "input_tokens": 10,
            "output_tokens": 2,
            "total_tokens": 12,
            "input_token_details": {"cache_read": 10**9},  # not from this package's parser
        },
    )
    run = uuid.uuid4()
    params = {"_type": CHAT_LLM_TYPE, "endpoint_kind": "model_api", "model": GPT_OSS}
    handler.on_chat_model_start({}, [[]], run_id=run, invocation_params=params)
    handler.on_llm_end(LLMResult(generations=[[ChatGeneration(message=message)]]), run_id=run)
    usage = handler.usage_by_model[GPT_OSS]
    assert usage.cost == pytest.approx(usd(GPT_OSS_PRICE, 10, 2, cached=10))
    assert usage.cache_savings is not None
    assert usage.cache_savings <= usd(GPT_OSS_PRICE, 10, 0)


def test_empty_handler_costs_zero() -> None:
    cb = BasetenCallbackHandler()
    assert cb.total_cost == 0.0
    assert cb.requests == 0
    assert "0 requests" in str(cb)


# ---------------------------------------------------------------- scoping


def test_only_calls_inside_the_block_and_only_baseten_calls(
    llm: ChatBaseten, fake_baseten: fb.FakeBaseten
) -> None:
    fake_baseten.enqueue(*(fb.chat("x", usage=fb.make_usage(10, 1)) for _ in range(3)))
    other = GenericFakeChatModel(
        messages=iter(
            [
                AIMessage(
                    content="other",
                    usage_metadata={"input_tokens": 99, "output_tokens": 99, "total_tokens": 198},
                    response_metadata={"model_name": GPT_OSS},
                )
            ]
        )
    )
    llm.invoke("before")
    with get_baseten_callback() as cb:
        llm.invoke("inside")
        other.invoke("not baseten")
    llm.invoke("after")
    assert cb.requests == 1
    assert cb.input_tokens == 10


def test_nested_blocks_and_double_attachment_count_each_call_once(
    llm: ChatBaseten, fake_baseten: fb.FakeBaseten
) -> None:
    fake_baseten.enqueue(*(fb.chat("x", usage=fb.make_usage(10, 1)) for _ in range(3)))
    with get_baseten_callback() as outer:
        llm.invoke("outer only")
        with get_baseten_callback() as inner:
            llm.invoke("both")
            # Attached explicitly as well as through the context: still counted once.
            llm.invoke("again", config={"callbacks": [inner]})
    assert outer.requests == 3
    assert inner.requests == 2
    assert inner.input_tokens == 20


def test_failed_requests_are_counted_apart(llm: ChatBaseten, fake_baseten: fb.FakeBaseten) -> None:
    fake_baseten.enqueue(fb.error(500), fb.chat("x", usage=fb.make_usage(10, 1)))
    with get_baseten_callback() as cb:
        with pytest.raises(openai.InternalServerError):
            llm.invoke("boom")
        llm.invoke("fine")
    assert cb.failed_requests == 1
    assert cb.requests == 1
    assert cb.total_cost == pytest.approx(usd(GPT_OSS_PRICE, 10, 1))
    assert "1 failed request" in str(cb)


def test_agent_run_counts_every_model_call(llm: ChatBaseten, fake_baseten: fb.FakeBaseten) -> None:
    from langchain.agents import create_agent

    @tool
    def get_weather(city: str) -> str:
        """Get the weather for a city."""
        return f"sunny in {city}"

    call = {
        "id": "call_1",
        "type": "function",
        "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
    }
    fake_baseten.enqueue(
        fb.chat(None, tool_calls=[call], usage=fb.make_usage(100, 20, reasoning_tokens=5)),
        fb.chat("It is sunny in Paris.", usage=fb.make_usage(150, 10, cached_tokens=100)),
    )
    agent = create_agent(llm, tools=[get_weather])
    with get_baseten_callback() as cb:
        result = agent.invoke({"messages": [{"role": "user", "content": "Weather in Paris?"}]})
    assert result["messages"][-1].content == "It is sunny in Paris."
    assert cb.requests == 2
    assert (cb.input_tokens, cb.cached_tokens, cb.output_tokens, cb.reasoning_tokens) == (
        250,
        100,
        30,
        5,
    )
    assert cb.total_cost == pytest.approx(usd(GPT_OSS_PRICE, 250, 30, cached=100))


# ---------------------------------------------------------------- the summary


def test_print_gives_a_readable_summary(llm: ChatBaseten, fake_baseten: fb.FakeBaseten) -> None:
    fake_baseten.enqueue(
        fb.chat("a", usage=fb.make_usage(1200, 300, cached_tokens=200, reasoning_tokens=100)),
        fb.chat("b", usage=fb.make_usage(800, 100)),
    )
    with get_baseten_callback() as cb:
        llm.batch(["1", "2"])
    text = str(cb)
    lines = text.splitlines()
    assert lines[0] == (
        "Baseten usage: 2 requests, 2,000 input tokens (200 cached), "
        "400 output tokens (100 reasoning), 2,400 total tokens"
    )
    cost = usd(GPT_OSS_PRICE, 2000, 400, cached=200)
    assert lines[1] == f"Total cost (USD): ${cost:.6f}"
    assert lines[2] == (
        f"  {GPT_OSS}: 2 requests, 2,000 input (200 cached), 400 output (100 reasoning), "
        f"${cost:.6f}"
    )
    assert repr(cb).startswith("BasetenCallbackHandler(requests=2, input_tokens=2000")
