"""Token prices of Baseten's Model APIs, for cost tracking.

Prices ship in ``langchain_baseten/data/prices.json`` (USD per million input,
cached-input and output tokens, with the sources and date of the table in its
``_about`` block). They are read once per process, on the first lookup.

* :func:`register_price` adds or replaces a price for the whole process (a new
  slug, a negotiated rate); ``register_price(model, None)`` marks a model as
  unpriced.
* ``BasetenCallbackHandler(prices={...})`` overrides prices for one handler.
* ``ChatBaseten(...).refresh_catalog()`` on the Model APIs records the prices
  Baseten's ``GET /v1/models`` lists for slugs the shipped table lacks (for
  every slug with ``override_shipped=True``; :func:`update_live_prices`).
* :func:`get_price` answers with the registered price, else the live one, else
  the shipped one, else ``None``: an unknown price is never taken as zero, and a
  live price never replaces one you registered.

Dedicated deployments are billed by GPU time, not by token, and have no price
here; see :mod:`langchain_baseten._callbacks`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from langchain_baseten._baseten_api import strip_prefix
from langchain_baseten._forksafe import ForkSafeLock

__all__ = [
    "ModelPrice",
    "PriceSpec",
    "get_price",
    "register_price",
    "unregister_price",
    "update_live_prices",
]

_DATA_FILE = "prices.json"
_PER = 1_000_000


@dataclass(frozen=True, slots=True)
class ModelPrice:
    """Prices of one model in USD per million tokens.

    Args:
        input: Per million (uncached) input tokens.
        output: Per million output tokens (reasoning tokens included).
        cached_input: Per million cached input tokens; ``None`` when no separate
            rate is published, in which case cached tokens cost the input rate.
    """

    input: float
    output: float
    cached_input: float | None = None

    def __post_init__(self) -> None:
        """Reject negative, non-finite (NaN, infinity) or non-numeric prices."""
        for name in ("input", "output", "cached_input"):
            value = getattr(self, name)
            if value is None and name == "cached_input":
                continue
            if (
                isinstance(value, bool)
                or not isinstance(value, (int, float))
                or not _finite(value)
                or value < 0
            ):
                msg = f"ModelPrice.{name} must be a finite non-negative number, got {value!r}."
                raise ValueError(msg)

    def cost(self, input_tokens: int, output_tokens: int, cached_tokens: int = 0) -> float:
        """Return the cost in USD of one request's tokens.

        Args:
            input_tokens: All input tokens, cached ones included.
            output_tokens: All output tokens, reasoning ones included.
            cached_tokens: How many of the input tokens were served from cache.

        Returns:
            The cost in USD.
        """
        cached = min(max(cached_tokens, 0), input_tokens)
        cached_rate = self.input if self.cached_input is None else self.cached_input
        return (
            (input_tokens - cached) * self.input
            + cached * cached_rate
            + output_tokens * self.output
        ) / _PER


def _finite(value: float) -> bool:
    """Whether ``value`` is finite as a float (an integer beyond float range is not)."""
    try:
        return math.isfinite(value)
    except OverflowError:
        return False


#: What :func:`register_price` and ``BasetenCallbackHandler(prices=...)`` accept:
#: a :class:`ModelPrice`, a mapping with ``input``, ``output`` and optionally
#: ``cached_input``, or ``None`` for "no price: report the cost as unknown".
PriceSpec = ModelPrice | Mapping[str, Any] | None


def to_price(spec: PriceSpec) -> ModelPrice | None:
    """Turn a :data:`PriceSpec` into a :class:`ModelPrice` (``None`` stays ``None``).

    Args:
        spec: The price.

    Returns:
        The price, or ``None``.

    Raises:
        ValueError: For a mapping without ``input`` and ``output``, with unknown
            keys, or with a negative price.
    """
    if spec is None or isinstance(spec, ModelPrice):
        return spec
    unknown = set(spec) - {"input", "output", "cached_input"}
    if unknown or "input" not in spec or "output" not in spec:
        msg = (
            "A price is a ModelPrice or a mapping with 'input' and 'output' (and optionally "
            f"'cached_input') in USD per million tokens; got keys {sorted(spec)}."
        )
        raise ValueError(msg)
    return ModelPrice(
        input=spec["input"], output=spec["output"], cached_input=spec.get("cached_input")
    )


def normalize_model(model: str) -> str:
    """Strip a leading ``baseten/`` from a model name."""
    return strip_prefix(model)


@cache
def _shipped() -> dict[str, ModelPrice]:
    text = resources.files("langchain_baseten").joinpath("data", _DATA_FILE).read_text("utf-8")
    models: dict[str, dict[str, Any]] = json.loads(text)["models"]
    return {slug: ModelPrice(**entry) for slug, entry in models.items()}


_registered: dict[str, ModelPrice | None] = {}
_registered_lock = ForkSafeLock()
# Prices from the live catalogue (ChatBaseten.refresh_catalog), under the same lock.
_live: dict[str, ModelPrice] = {}


def update_live_prices(prices: Mapping[str, ModelPrice], *, override_shipped: bool = False) -> None:
    """Record prices from Baseten's live catalogue for this process.

    They rank below :func:`register_price`; a slug the shipped table prices keeps
    the shipped price unless ``override_shipped``.

    Args:
        prices: Model slug -> price (USD per million tokens).
        override_shipped: Live prices replace shipped ones too.
    """
    shipped = _shipped()
    live = {
        name: price
        for name, price in ((normalize_model(model), price) for model, price in prices.items())
        if override_shipped or name not in shipped
    }
    with _registered_lock:
        _live.update(live)


def _clear_live_prices() -> None:
    """Forget every live price (registered and shipped prices apply as before)."""
    with _registered_lock:
        _live.clear()


def register_price(model: str, price: PriceSpec) -> None:
    """Set the price of a model for this process, overriding the shipped table.

    Args:
        model: The model name as responses report it (a Model API slug such as
            ``"openai/gpt-oss-120b"``; a leading ``baseten/`` is ignored).
        price: A :class:`ModelPrice`, a mapping such as
            ``{"input": 0.1, "output": 0.5, "cached_input": 0.05}`` (USD per million
            tokens), or ``None`` to mark the model as unpriced.

    Example:
        .. code-block:: python

            from langchain_baseten import register_price

            register_price("acme/new-model", {"input": 0.2, "output": 0.8})
    """
    value = to_price(price)
    with _registered_lock:
        _registered[normalize_model(model)] = value


def unregister_price(model: str) -> None:
    """Forget a price set with :func:`register_price` (the shipped one applies again).

    Args:
        model: The model name given to :func:`register_price`.
    """
    with _registered_lock:
        _registered.pop(normalize_model(model), None)


def get_price(
    model: str, overrides: Mapping[str, ModelPrice | None] | None = None
) -> ModelPrice | None:
    """Return the price of a model, or ``None`` when it is not known.

    Looks in ``overrides``, then in prices set with :func:`register_price`, then in
    live prices (:func:`update_live_prices`), then in the shipped table; the first
    that names the model wins (``None`` included).

    Args:
        model: The model name (a leading ``baseten/`` is ignored).
        overrides: Per-handler prices, already normalised.

    Returns:
        The price, or ``None``.
    """
    name = normalize_model(model)
    if overrides and name in overrides:
        return overrides[name]
    if name in _registered:
        return _registered[name]
    if name in _live:
        return _live[name]
    return _shipped().get(name)


def _shipped_prices() -> dict[str, ModelPrice]:
    """Return a copy of the shipped price table (slug -> price)."""
    return dict(_shipped())
