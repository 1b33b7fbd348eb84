"""Model profiles for Baseten's Model APIs: what each slug can do, from shipped data.

``ChatBaseten(model="baseten/openai/gpt-oss-120b").profile`` is filled from
``langchain_baseten/data/model_profiles.json`` (its ``_about`` block names the
sources and the date of the data). Only Model API slugs have profiles: a slug
that is not in the file, a dedicated deployment and a custom ``base_url`` get
``None``, never a guess. Pass ``profile={...}`` to ``ChatBaseten`` to supply or
override one.

The file is read once per process, on the first lookup (not at import), and
every lookup returns a fresh copy, so changing one model's profile never changes
another's.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any, cast

from langchain_baseten.errors import BasetenResponseError

if TYPE_CHECKING:
    from collections.abc import Mapping

    from langchain_core.language_models import ModelProfile

__all__ = ["get_model_profile", "known_model_api_slugs", "model_ids"]

_DATA_FILE = "model_profiles.json"
_PREFIX = "baseten/"


@cache
def _profiles() -> dict[str, dict[str, Any]]:
    """Every slug's profile (defaults merged in), read from the package data once."""
    text = resources.files("langchain_baseten").joinpath("data", _DATA_FILE).read_text("utf-8")
    data = json.loads(text)
    defaults: dict[str, Any] = data["defaults"]
    return {slug: {**defaults, **entry} for slug, entry in data["models"].items()}


def _copy(profile: dict[str, Any]) -> ModelProfile:
    """A copy the caller may modify (the one list value copied too)."""
    copy = dict(profile)
    if "reasoning_effort_levels" in copy:
        copy["reasoning_effort_levels"] = list(copy["reasoning_effort_levels"])
    return cast("ModelProfile", copy)


def get_model_profile(slug: str) -> ModelProfile | None:
    """Return the shipped profile of a Model API slug, or ``None`` if it has none.

    Args:
        slug: A Model API slug such as ``"openai/gpt-oss-120b"`` (a leading
            ``baseten/`` is ignored). Matching is exact, case included.

    Returns:
        A new ``ModelProfile`` dict (safe to modify), or ``None`` for a slug the
        shipped data does not know.

    Example:
        .. code-block:: python

            from langchain_baseten.profiles import get_model_profile

            get_model_profile("openai/gpt-oss-120b")["max_input_tokens"]  # 128072
            get_model_profile("acme/unknown-model")  # None
    """
    profile = _profiles().get(slug.removeprefix(_PREFIX))
    return _copy(profile) if profile is not None else None


def known_model_api_slugs() -> list[str]:
    """Return the Model API slugs that have shipped profiles, sorted.

    This is the package's dated snapshot, not the live catalogue: use
    ``ChatBaseten(...).list_models()`` for what Baseten serves now.

    Returns:
        The slugs, sorted case-insensitively.
    """
    return sorted(_profiles(), key=str.lower)


def model_ids(payload: Mapping[str, Any], url: str = "GET /models") -> list[str]:
    """Return the model ids of an OpenAI-style ``GET /models`` answer, in server order.

    Entries without a string ``id`` are skipped.

    Args:
        payload: The decoded answer, ``{"object": "list", "data": [{"id": ...}, ...]}``.
        url: Where it came from (for the error message).

    Returns:
        The ids.

    Raises:
        BasetenResponseError: When the answer has no ``data`` list.
    """
    data = payload.get("data")
    if not isinstance(data, list):
        msg = (
            f"{url} answered without a 'data' list of models: {str(dict(payload))[:200]!r}. "
            "Is this an OpenAI-compatible endpoint (Baseten's Model APIs or a deployment's "
            "/sync/v1)?"
        )
        raise BasetenResponseError(msg, body=dict(payload))
    return [
        entry["id"]
        for entry in data
        if isinstance(entry, dict) and isinstance(entry.get("id"), str)
    ]
