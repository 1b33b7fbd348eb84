"""Token usage and cost of Baseten calls: ``get_baseten_callback`` and ``BasetenCallbackHandler``.

.. code-block:: python

    from langchain_baseten import ChatBaseten, get_baseten_callback

    llm = ChatBaseten(model="baseten/openai/gpt-oss-120b")
    with get_baseten_callback() as cb:
        llm.invoke("Hello")
        llm.batch(["Hi", "Hey"])
    print(cb)  # requests, tokens per model and overall, cost in USD
    cb.total_cost  # float, or None when some model has no known price

What is counted: every ``ChatBaseten`` call that finishes (invoke, stream, batch,
their async twins, and calls made inside chains and agents), one request each,
with the tokens of the response's ``usage_metadata`` (streams carry it exactly
once). Calls of other chat models are ignored. Failed calls are counted in
``failed_requests`` only.

What it costs: tokens times the price of the response's model (USD per million
tokens: the shipped table, :func:`~langchain_baseten.register_price` or the live
catalogue, see :mod:`langchain_baseten._pricing`; cached input tokens at the cached
rate, reasoning tokens as output). The cost of a model is ``None``, never a
silent zero, when

* the request went to a dedicated deployment (billed by GPU time, not tokens);
* no price is known for the model (register one with
  :func:`~langchain_baseten.register_price` or ``prices=``);
* a response reported no token usage (``stream_usage=False``).

``total_cost`` is ``None`` as soon as one model's cost is; ``unpriced_models``
names them.

Thread and task safety: the counters sit behind a lock. ``get_baseten_callback``
registers its handler in a context variable, like langchain-core's
``get_usage_metadata_callback``, so it sees calls made in the ``with`` block,
in asyncio tasks started there, and in LangChain's own ``batch`` workers. A
thread you start yourself does not inherit context variables: pass the handler
explicitly (``config={"callbacks": [cb]}``) or start the thread's work with
``contextvars.copy_context().run``. Nested ``with`` blocks each count the calls
made inside them (the outer one too), and a handler attached twice to the same
call still counts it once.
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Literal

from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.messages import AIMessage
from langchain_core.outputs import ChatGeneration
from langchain_core.tracers.context import register_configure_hook
from typing_extensions import override

from langchain_baseten._baseten_api import CHAT_LLM_TYPE, PROVIDER, is_baseten_deployment_url
from langchain_baseten._forksafe import ForkSafeLock
from langchain_baseten._pricing import ModelPrice, PriceSpec, get_price, normalize_model, to_price

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping
    from uuid import UUID

    from langchain_core.messages import BaseMessage
    from langchain_core.outputs import LLMResult

__all__ = ["BasetenCallbackHandler", "ModelUsage", "get_baseten_callback"]

_DEDICATED_SUFFIX = " (dedicated)"

EndpointKind = Literal["model_api", "dedicated"]

UnpricedReason = Literal["dedicated", "no_price", "no_usage"]
_REASONS: dict[str, str] = {
    "dedicated": "dedicated deployment, billed by GPU time",
    "no_price": "no known price",
    "no_usage": "a response reported no token usage",
}


def _endpoint_kind(invocation_params: Mapping[str, Any]) -> EndpointKind:
    """Whether a call went to a dedicated deployment (GPU-time billing) or is priced per token.

    ``ChatBaseten`` puts the kind of the endpoint the call goes to in its
    invocation params (``endpoint_kind``, a per-call ``model=`` override
    included). A ``custom`` endpoint (``base_url=``) is a dedicated deployment
    when its URL is a deployment's (host or ``.../sync/v1`` path): a proxy in
    front of one is still billed by GPU time. Everything else is priced by the
    model name the response reports.
    """
    kind = invocation_params.get("endpoint_kind")
    if kind == "dedicated":
        return "dedicated"
    base_url = invocation_params.get("base_url")
    if kind == "custom" and isinstance(base_url, str) and is_baseten_deployment_url(base_url):
        return "dedicated"
    return "model_api"


@dataclass(frozen=True, slots=True)
class ModelUsage:
    """Usage of one model (a snapshot; the handler keeps counting).

    Attributes:
        model: The model name the responses reported (``response_metadata["model_name"]``).
        dedicated: Whether the requests went to a dedicated deployment.
        requests: Finished requests.
        input_tokens: Input tokens, cached ones included.
        cached_tokens: Input tokens served from the prompt cache.
        output_tokens: Output tokens, reasoning ones included.
        reasoning_tokens: Output tokens spent on reasoning.
        total_tokens: Input plus output tokens, as reported.
        requests_without_usage: Requests whose response reported no token usage.
        server_tool_requests: Requests that enabled Baseten's hosted tools.
        cost: USD, or ``None`` when it cannot be known (see ``unpriced_reason``).
        cached_input_price: USD per million cached input tokens (the input rate when
            no cached rate is published; ``None`` when the model has no price).
        cache_savings: USD saved by cached input tokens against the uncached rate
            (``None`` when not priced).
        unpriced_reason: ``"dedicated"``, ``"no_price"`` or ``"no_usage"`` when
            ``cost`` is ``None``.
    """

    model: str
    dedicated: bool = False
    requests: int = 0
    input_tokens: int = 0
    cached_tokens: int = 0
    output_tokens: int = 0
    reasoning_tokens: int = 0
    total_tokens: int = 0
    requests_without_usage: int = 0
    server_tool_requests: int = 0
    cost: float | None = None
    unpriced_reason: UnpricedReason | None = None
    cached_input_price: float | None = None
    cache_savings: float | None = None


class _Counter:
    """Mutable per-model totals (only touched under the handler's lock)."""

    __slots__ = (
        "cached_tokens",
        "dedicated",
        "input_tokens",
        "output_tokens",
        "reasoning_tokens",
        "requests",
        "requests_without_usage",
        "server_tool_requests",
        "total_tokens",
    )

    def __init__(self, *, dedicated: bool) -> None:
        self.dedicated = dedicated
        self.requests = 0
        self.input_tokens = 0
        self.cached_tokens = 0
        self.output_tokens = 0
        self.reasoning_tokens = 0
        self.total_tokens = 0
        self.requests_without_usage = 0
        self.server_tool_requests = 0

    def add(self, message: AIMessage) -> None:
        self.requests += 1
        if message.response_metadata.get("baseten_server_tools"):
            self.server_tool_requests += 1
        usage = message.usage_metadata
        if not usage:
            self.requests_without_usage += 1
            return
        self.input_tokens += usage.get("input_tokens", 0)
        self.output_tokens += usage.get("output_tokens", 0)
        self.total_tokens += usage.get("total_tokens", 0)
        self.cached_tokens += (usage.get("input_token_details") or {}).get("cache_read") or 0
        self.reasoning_tokens += (usage.get("output_token_details") or {}).get("reasoning") or 0


def _is_cache_hit(message: AIMessage) -> bool:
    """Whether langchain-core served this message from the model's cache.

    On a cache hit, ``BaseChatModel`` (``_convert_cached_generations``) puts
    ``usage_metadata["total_cost"] = 0`` on the cached message; answers from
    Baseten never carry ``total_cost``. No request was sent, nothing is billed.
    """
    usage = message.usage_metadata
    return usage is not None and "total_cost" in usage


def _messages(response: LLMResult) -> Iterator[AIMessage]:
    for generations in response.generations:
        for generation in generations:
            if isinstance(generation, ChatGeneration) and isinstance(generation.message, AIMessage):
                yield generation.message


def _fmt_cost(cost: float | None) -> str:
    return "unknown" if cost is None else f"${cost:.6f}"


class BasetenCallbackHandler(BaseCallbackHandler):
    """Totals requests, tokens and cost of ``ChatBaseten`` calls, per model and overall.

    Use it through :func:`get_baseten_callback`, or attach it yourself:

    .. code-block:: python

        from langchain_baseten import BasetenCallbackHandler, ChatBaseten

        cb = BasetenCallbackHandler(prices={"acme/my-model": {"input": 0.2, "output": 0.8}})
        llm = ChatBaseten(model="baseten/openai/gpt-oss-120b")
        llm.invoke("Hello", config={"callbacks": [cb]})
        cb.total_tokens, cb.total_cost

    Args:
        prices: Prices for this handler only, overriding the shipped table and
            :func:`~langchain_baseten.register_price`: model name ->
            ``{"input", "output", "cached_input"}`` in USD per million tokens (or a
            :class:`~langchain_baseten.ModelPrice`, or ``None`` to mark a
            model as unpriced).

    Costs are computed when read, from the token totals and the prices in force
    then, so a price registered after the calls still applies.
    """

    raise_error: bool = False
    run_inline: bool = True  # a few additions under a lock: no executor hop needed

    def __init__(self, prices: Mapping[str, PriceSpec] | None = None) -> None:
        """Start with empty totals."""
        super().__init__()
        self._prices: dict[str, ModelPrice | None] = {
            normalize_model(model): to_price(spec) for model, spec in (prices or {}).items()
        }
        self._lock = ForkSafeLock()
        self._counters: dict[str, _Counter] = {}
        self._pending: dict[UUID, tuple[EndpointKind, str | None]] = {}
        self._failed = 0
        self._cache_hits = 0

    # ------------------------------------------------------------------ callbacks

    @override
    def on_chat_model_start(
        self,
        serialized: dict[str, Any],
        messages: list[list[BaseMessage]],
        *,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        tags: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        """Note a starting ``ChatBaseten`` call and where it goes."""
        params: Mapping[str, Any] = kwargs.get("invocation_params") or {}
        if params.get("_type") != CHAT_LLM_TYPE and (metadata or {}).get("ls_provider") != PROVIDER:
            return
        requested = params.get("model") or params.get("model_name")
        with self._lock:
            self._pending[run_id] = (
                _endpoint_kind(params),
                requested if isinstance(requested, str) else None,
            )

    @override
    def on_llm_end(self, response: LLMResult, *, run_id: UUID, **kwargs: Any) -> None:
        """Add a finished call's usage (once per call, however often it is reported)."""
        with self._lock:
            started = self._pending.pop(run_id, None)
            if started is None:  # not a ChatBaseten call, or already counted
                return
            kind, requested = started
            for message in _messages(response):
                if _is_cache_hit(message):
                    self._cache_hits += 1
                    continue
                name = message.response_metadata.get("model_name") or requested or "unknown"
                name = normalize_model(str(name))
                dedicated = kind == "dedicated"
                key = name + _DEDICATED_SUFFIX if dedicated else name
                counter = self._counters.get(key)
                if counter is None:
                    counter = self._counters[key] = _Counter(dedicated=dedicated)
                counter.add(message)

    @override
    def on_llm_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        """Count a failed ``ChatBaseten`` call."""
        with self._lock:
            if self._pending.pop(run_id, None) is not None:
                self._failed += 1

    # ------------------------------------------------------------------ results

    def _usage(self, key: str, counter: _Counter) -> ModelUsage:
        model = key.removesuffix(_DEDICATED_SUFFIX) if counter.dedicated else key
        usage = ModelUsage(
            model=model,
            dedicated=counter.dedicated,
            requests=counter.requests,
            input_tokens=counter.input_tokens,
            cached_tokens=counter.cached_tokens,
            output_tokens=counter.output_tokens,
            reasoning_tokens=counter.reasoning_tokens,
            total_tokens=counter.total_tokens,
            requests_without_usage=counter.requests_without_usage,
            server_tool_requests=counter.server_tool_requests,
        )
        if counter.dedicated:
            return replace(usage, unpriced_reason="dedicated")
        if counter.requests_without_usage:
            return replace(usage, unpriced_reason="no_usage")
        price = get_price(model, self._prices)
        if price is None:
            return replace(usage, unpriced_reason="no_price")
        cost = price.cost(counter.input_tokens, counter.output_tokens, counter.cached_tokens)
        cached_rate = price.input if price.cached_input is None else price.cached_input
        cached = min(counter.cached_tokens, counter.input_tokens)  # as ModelPrice.cost counts
        savings = cached * (price.input - cached_rate) / 1_000_000
        return replace(usage, cost=cost, cached_input_price=cached_rate, cache_savings=savings)

    @property
    def usage_by_model(self) -> dict[str, ModelUsage]:
        """Usage and cost per model, keyed by model name (``" (dedicated)"`` appended
        for dedicated deployments)."""  # noqa: D205, D209
        with self._lock:
            counters = list(self._counters.items())
        return {key: self._usage(key, counter) for key, counter in counters}

    def _total(self, field: str) -> int:
        with self._lock:
            return sum(getattr(counter, field) for counter in self._counters.values())

    @property
    def requests(self) -> int:
        """Finished requests."""
        return self._total("requests")

    @property
    def successful_requests(self) -> int:
        """Finished requests (the name ``get_openai_callback`` uses)."""
        return self.requests

    @property
    def failed_requests(self) -> int:
        """Requests that raised an error (not in any other total)."""
        with self._lock:
            return self._failed

    @property
    def cache_hits(self) -> int:
        """Calls answered from LangChain's cache (``cache=``): no request, not counted or billed."""
        with self._lock:
            return self._cache_hits

    @property
    def input_tokens(self) -> int:
        """Input tokens, cached ones included."""
        return self._total("input_tokens")

    @property
    def cached_tokens(self) -> int:
        """Input tokens served from the prompt cache."""
        return self._total("cached_tokens")

    @property
    def server_tool_requests(self) -> int:
        """Requests that enabled Baseten's hosted tools (early access)."""
        return self._total("server_tool_requests")

    @property
    def output_tokens(self) -> int:
        """Output tokens, reasoning ones included."""
        return self._total("output_tokens")

    @property
    def reasoning_tokens(self) -> int:
        """Output tokens spent on reasoning."""
        return self._total("reasoning_tokens")

    @property
    def total_tokens(self) -> int:
        """Input plus output tokens."""
        return self._total("total_tokens")

    @property
    def total_cost(self) -> float | None:
        """Cost in USD of all requests, or ``None`` if any model's cost is unknown."""
        total = 0.0
        for usage in self.usage_by_model.values():
            if usage.cost is None:
                return None
            total += usage.cost
        return total

    @property
    def unpriced_models(self) -> dict[str, str]:
        """Models whose cost is unknown -> why (dedicated, no price, no usage reported)."""
        return {
            key: _REASONS[usage.unpriced_reason]
            for key, usage in self.usage_by_model.items()
            if usage.unpriced_reason is not None
        }

    def __repr__(self) -> str:
        """One line: the overall totals."""
        return (
            f"{type(self).__name__}(requests={self.requests}, "
            f"input_tokens={self.input_tokens}, cached_tokens={self.cached_tokens}, "
            f"output_tokens={self.output_tokens}, reasoning_tokens={self.reasoning_tokens}, "
            f"total_cost={self.total_cost!r})"
        )

    def __str__(self) -> str:
        """A readable summary: overall totals, the cost, then one line per model."""
        by_model = self.usage_by_model
        requests = sum(u.requests for u in by_model.values())
        lines = [
            (
                f"Baseten usage: {requests:,} request{'s' * (requests != 1)}, "
                f"{sum(u.input_tokens for u in by_model.values()):,} input tokens "
                f"({sum(u.cached_tokens for u in by_model.values()):,} cached), "
                f"{sum(u.output_tokens for u in by_model.values()):,} output tokens "
                f"({sum(u.reasoning_tokens for u in by_model.values()):,} reasoning), "
                f"{sum(u.total_tokens for u in by_model.values()):,} total tokens"
            )
        ]
        failed = self.failed_requests
        if failed:
            lines[0] += f"; {failed:,} failed request{'s' * (failed != 1)}"
        unpriced = {k: u for k, u in by_model.items() if u.unpriced_reason is not None}
        if unpriced:
            names = ", ".join(
                f"{key} ({_REASONS[str(u.unpriced_reason)]})" for key, u in unpriced.items()
            )
            lines.append(f"Total cost: unknown, no cost for {names}")
        else:
            lines.append(
                f"Total cost (USD): {_fmt_cost(sum(u.cost or 0.0 for u in by_model.values()))}"
            )
        for key, usage in by_model.items():
            cost = (
                _fmt_cost(usage.cost)
                if usage.unpriced_reason is None
                else f"cost unknown ({_REASONS[usage.unpriced_reason]})"
            )
            line = (
                f"  {key}: {usage.requests:,} request{'s' * (usage.requests != 1)}, "
                f"{usage.input_tokens:,} input ({usage.cached_tokens:,} cached), "
                f"{usage.output_tokens:,} output ({usage.reasoning_tokens:,} reasoning), {cost}"
            )
            if usage.cache_savings:  # cached tokens at a published discount
                line += (
                    f"; cached input at {usage.cached_input_price:g} USD/M saved "
                    f"{_fmt_cost(usage.cache_savings)}"
                )
            lines.append(line)
        return "\n".join(lines)


class _Fanout(BaseCallbackHandler):
    """What the context variable holds: every active ``get_baseten_callback`` handler."""

    raise_error: bool = False
    run_inline: bool = True

    def __init__(self, handlers: tuple[BasetenCallbackHandler, ...]) -> None:
        super().__init__()
        self.handlers = handlers

    def on_chat_model_start(
        self, serialized: dict[str, Any], messages: list[list[BaseMessage]], **kwargs: Any
    ) -> None:
        for handler in self.handlers:
            handler.on_chat_model_start(serialized, messages, **kwargs)

    def on_llm_end(self, response: LLMResult, **kwargs: Any) -> None:
        for handler in self.handlers:
            handler.on_llm_end(response, **kwargs)

    def on_llm_error(self, error: BaseException, **kwargs: Any) -> None:
        for handler in self.handlers:
            handler.on_llm_error(error, **kwargs)


_active: ContextVar[_Fanout | None] = ContextVar("langchain_baseten_callback", default=None)
register_configure_hook(_active, inheritable=True)


@contextmanager
def get_baseten_callback(
    prices: Mapping[str, PriceSpec] | None = None,
) -> Iterator[BasetenCallbackHandler]:
    """Count the requests, tokens and cost of every ``ChatBaseten`` call in a ``with`` block.

    Args:
        prices: Prices for this block only (see :class:`BasetenCallbackHandler`).

    Yields:
        The handler; read it during or after the block (``print(cb)``,
        ``cb.total_cost``, ``cb.usage_by_model``).

    Example:
        .. code-block:: python

            from langchain_baseten import ChatBaseten, get_baseten_callback

            llm = ChatBaseten(model="baseten/openai/gpt-oss-120b")
            with get_baseten_callback() as cb:
                llm.invoke("Tell me a joke")
                for _ in llm.stream("Tell me another"):
                    pass
            print(cb)
            # Baseten usage: 2 requests, 61 input tokens (0 cached), 214 output tokens
            # (96 reasoning), 275 total tokens
            # Total cost (USD): $0.000113
            #   openai/gpt-oss-120b: 2 requests, 61 input (0 cached), 214 output ...
    """
    handler = BasetenCallbackHandler(prices=prices)
    outer = _active.get()
    token = _active.set(_Fanout((*(outer.handlers if outer else ()), handler)))
    try:
        yield handler
    finally:
        _active.reset(token)
