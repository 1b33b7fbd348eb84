"""Baseten's live model catalogue: ``GET /v1/models`` entries as typed :class:`ModelInfo`.

Baseten's Model APIs list, per model, ``context_length``,
``max_completion_tokens``, ``supported_features`` (``tools``, ``json_mode``,
``structured_outputs``, ``reasoning``), ``input_modalities`` and ``pricing``
(``prompt``, ``completion``, ``input_cache_read``: USD per token, as strings).
Baseten's Model APIs overview points there for current prices
(https://docs.baseten.co/inference/model-apis/overview); models.dev syncs its
Baseten entries from the same endpoint.

:func:`parse_models` turns such an answer into :class:`ModelInfo` entries (a
field that is missing or of the wrong type is ``None``/empty: unknown, never
guessed). ``ChatBaseten.list_models(details=True)`` returns them without
changing anything; ``ChatBaseten.refresh_catalog()`` on Baseten's Model APIs
(``https://inference.baseten.co/v1``) also stores them for the whole process
(:func:`remember`), after which

* :func:`langchain_baseten.get_model_profile` adds the live values to the
  shipped profile of each listed slug: fields the shipped data has are kept
  (``refresh_catalog(override_shipped=True)`` puts the live ones over them),
  and a slug the shipped data does not know gets a profile from them, and
* :func:`langchain_baseten.get_price` uses the live price of a slug the
  shipped table does not price (of every listed slug with
  ``override_shipped=True``), unless a price was registered with
  ``register_price`` (a registered price always wins).

A catalogue from any other endpoint (a gateway, a local server, a dedicated
deployment) is returned but never stored: another tenant's profiles, prices
and reasoning checks do not depend on what some endpoint lists.

Nothing is requested at import or construction: only an explicit call fetches.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, cast

from langchain_baseten._pricing import ModelPrice, update_live_prices
from langchain_baseten._profiles import model_ids, update_live_profiles

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from langchain_core.language_models import ModelProfile

__all__ = ["ModelInfo", "parse_models", "remember"]

logger = logging.getLogger(__name__)

_PER_MILLION = Decimal(1_000_000)


@dataclass(frozen=True, slots=True)
class ModelInfo:
    """One model of Baseten's catalogue, as ``GET /v1/models`` describes it.

    Attributes:
        id: The model slug (the request body's ``model``).
        context_length: The context window in tokens, when listed.
        max_completion_tokens: The most output tokens per request, when listed.
        supported_features: e.g. ``("tools", "json_mode", "structured_outputs",
            "reasoning")``; empty when not listed.
        input_modalities: e.g. ``("text", "image")``; empty when not listed.
        pricing: USD per million tokens, or ``None`` when not listed.
        owned_by: The entry's ``owned_by``.
    """

    id: str
    context_length: int | None = None
    max_completion_tokens: int | None = None
    supported_features: tuple[str, ...] = ()
    input_modalities: tuple[str, ...] = ()
    pricing: ModelPrice | None = None
    owned_by: str | None = None

    def supports(self, feature: str) -> bool:
        """Whether ``feature`` (``"tools"``, ``"reasoning"`` ...) is listed."""
        return feature in self.supported_features

    def profile(self) -> ModelProfile:
        """The ``ModelProfile`` fields this entry states (and only those).

        Returns:
            ``max_input_tokens``, ``max_output_tokens``, ``tool_calling``,
            ``structured_output``, ``reasoning_output`` and ``image_inputs`` where
            the entry lists them; features are only stated when the entry has a
            ``supported_features`` list at all.
        """
        profile: dict[str, Any] = {}
        if self.context_length is not None:
            profile["max_input_tokens"] = self.context_length
        if self.max_completion_tokens is not None:
            profile["max_output_tokens"] = self.max_completion_tokens
        if self.supported_features:
            profile["tool_calling"] = self.supports("tools")
            profile["structured_output"] = self.supports("structured_outputs")
            profile["reasoning_output"] = self.supports("reasoning")
        if self.input_modalities:
            images = "image" in self.input_modalities
            profile["image_inputs"] = images
            profile["image_url_inputs"] = images
        return cast("ModelProfile", profile)


def _count(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        return None
    return value


def _names(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    return tuple(item for item in value if isinstance(item, str))


def _per_million(value: Any) -> float | None:
    """USD per token (a string or number) -> USD per million tokens; ``None`` if unusable."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return None
    try:
        amount = Decimal(str(value)) * _PER_MILLION
    except (InvalidOperation, ArithmeticError):  # not a number; "1e999999" overflows
        return None
    if not amount.is_finite() or amount < 0:
        return None
    per_million = float(amount)  # "1e400" is a finite Decimal but an infinite float
    return per_million if math.isfinite(per_million) else None


def _pricing(value: Any) -> ModelPrice | None:
    if not isinstance(value, dict):
        return None
    prompt, completion = _per_million(value.get("prompt")), _per_million(value.get("completion"))
    if prompt is None or completion is None:
        return None
    return ModelPrice(
        input=prompt,
        output=completion,
        cached_input=_per_million(value.get("input_cache_read")),
    )


def _info(entry: Mapping[str, Any]) -> ModelInfo:
    owned_by = entry.get("owned_by")
    return ModelInfo(
        id=str(entry["id"]),
        context_length=_count(entry.get("context_length")),
        max_completion_tokens=_count(entry.get("max_completion_tokens")),
        supported_features=_names(entry.get("supported_features")),
        input_modalities=_names(entry.get("input_modalities")),
        pricing=_pricing(entry.get("pricing")),
        owned_by=owned_by if isinstance(owned_by, str) else None,
    )


def parse_models(payload: Mapping[str, Any], url: str = "GET /models") -> list[ModelInfo]:
    """Turn a ``GET /models`` answer into :class:`ModelInfo` entries, in server order.

    Entries without a string ``id`` are skipped, as :func:`model_ids` does; an
    OpenAI-style entry without Baseten's catalogue fields gives a ``ModelInfo``
    whose other fields are unknown.

    Args:
        payload: The decoded answer.
        url: Where it came from (for the error message).

    Returns:
        The entries.

    Raises:
        BasetenResponseError: When the answer has no ``data`` list.
    """
    ids = set(model_ids(payload, url))  # validates the shape
    data: list[Any] = payload["data"]
    return [
        _info(entry)
        for entry in data
        if isinstance(entry, dict) and isinstance(entry.get("id"), str) and entry["id"] in ids
    ]


def remember(infos: Iterable[ModelInfo], *, override_shipped: bool = False) -> None:
    """Store live profiles and prices of Baseten's Model APIs for the process, slug by slug.

    Call it only with the Model APIs' own catalogue (the caller checks the
    endpoint). A later refresh updates the slugs it lists and leaves the others;
    an id-only entry changes nothing.

    Args:
        infos: Entries from :func:`parse_models`.
        override_shipped: Let live values replace the shipped profile fields and
            prices of slugs the package ships; otherwise they only fill what the
            shipped data lacks.
    """
    infos = list(infos)
    profiles = {info.id: info.profile() for info in infos if info.profile()}
    prices = {info.id: info.pricing for info in infos if info.pricing is not None}
    update_live_profiles(profiles, override_shipped=override_shipped)
    update_live_prices(prices, override_shipped=override_shipped)
    logger.debug("Live catalogue: %d profiles, %d prices", len(profiles), len(prices))
