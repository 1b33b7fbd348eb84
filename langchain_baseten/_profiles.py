"""Model profiles for Baseten's Model APIs: what each slug can do, from shipped data.

``ChatBaseten(model="baseten/openai/gpt-oss-120b").profile`` is filled from
``langchain_baseten/data/model_profiles.json`` (its ``_about`` block names the
sources and the date of the data). What the model is comes from its name, not
its host: ``ChatBaseten(model="openai/gpt-oss-120b", base_url=...)`` (a gateway,
Baseten's URL written out, ``BASETEN_BASE_URL`` at a local server) has the
slug's profile (:func:`profile_for_model_name`). A name that is not in the file
and a dedicated deployment's model ID get ``None``, never a guess. Pass
``profile={...}`` to ``ChatBaseten`` to supply or override one.

The file is read once per process, on the first lookup (not at import), and
every lookup returns a fresh copy, so changing one model's profile never changes
another's.

Live values: after ``ChatBaseten(...).refresh_catalog()`` on the Model APIs the
fields Baseten's ``GET /v1/models`` states for a slug (context window, output
limit, tools, structured output, reasoning, image input; see
:mod:`langchain_baseten._catalog`) fill what the shipped profile lacks (with
``override_shipped=True`` they replace shipped fields too), and a slug the
shipped data does not know gets a profile from them alone. A ``profile=`` given
to ``ChatBaseten`` is never replaced.

One fact goes beyond langchain-core's ``ModelProfile``: ``reasoning_switch``, how
the model's thinking is switched (what ``ChatBaseten(reasoning=...)`` sends). It
is kept out of the profile dict (langchain-core warns about keys it does not
declare, so a profile copied into ``profile=`` would warn) and read by name with
:func:`reasoning_switch_for` (``ChatBaseten(...).reasoning_switch``):

* ``"enable_thinking"``: ``chat_template_args: {"enable_thinking": bool}`` (Kimi,
  GLM, Nemotron);
* ``"reasoning_effort"``: the top-level ``reasoning_effort`` (gpt-oss, DeepSeek V4.1
  Flash, Inkling); ``"none"`` turns it off where ``reasoning_effort_levels`` has it;
* ``"always"``: on by default with no documented switch (DeepSeek V3.1, MiniMax).

A model without the key has no documented switch on Baseten's side.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any, Literal, cast

from langchain_baseten._baseten_api import strip_prefix
from langchain_baseten._forksafe import ForkSafeLock

if TYPE_CHECKING:
    from collections.abc import Mapping

    from langchain_core.language_models import ModelProfile

__all__ = [
    "ReasoningSwitch",
    "get_model_profile",
    "known_model_names",
    "model_ids",
    "profile_for_model_name",
    "reasoning_switch_for",
    "update_live_profiles",
]

_DATA_FILE = "model_profiles.json"
#: The shipped data's keys that langchain-core's ``ModelProfile`` does not declare.
_PACKAGE_KEYS = frozenset({"reasoning_switch"})

#: How a model's thinking is switched (the profile key ``reasoning_switch``).
ReasoningSwitch = Literal["enable_thinking", "reasoning_effort", "always"]

# Profile fields from the live catalogue, per slug (ChatBaseten.refresh_catalog).
_live: dict[str, dict[str, Any]] = {}
_live_lock = ForkSafeLock()


@cache
def _data() -> dict[str, Any]:
    """The package data file, read and parsed once."""
    text = resources.files("langchain_baseten").joinpath("data", _DATA_FILE).read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


@cache
def _profiles() -> dict[str, dict[str, Any]]:
    """Every slug's profile (defaults merged in), read from the package data once."""
    data = _data()
    defaults: dict[str, Any] = data["defaults"]
    return {slug: {**defaults, **entry} for slug, entry in data["models"].items()}


def _copy(profile: dict[str, Any]) -> ModelProfile:
    """A copy the caller may modify (the one list value copied too), core's keys only."""
    copy = {key: value for key, value in profile.items() if key not in _PACKAGE_KEYS}
    if "reasoning_effort_levels" in copy:
        copy["reasoning_effort_levels"] = list(copy["reasoning_effort_levels"])
    return cast("ModelProfile", copy)


def get_model_profile(slug: str) -> ModelProfile | None:
    """Return the shipped profile of a Model API slug, or ``None`` if it has none.

    Args:
        slug: A Model API slug such as ``"openai/gpt-oss-120b"`` (a leading
            ``baseten/`` is ignored). Matching is exact, case included.

    Returns:
        A new ``ModelProfile`` dict (safe to modify; only the keys langchain-core
        declares, see :func:`reasoning_switch_for`), or ``None`` for a slug the
        shipped data does not know.

    Example:
        .. code-block:: python

            from langchain_baseten._profiles import get_model_profile

            get_model_profile("openai/gpt-oss-120b")["max_input_tokens"]  # 128072
            get_model_profile("acme/unknown-model")  # None
    """
    name = strip_prefix(slug)
    shipped = _profiles().get(name)
    with _live_lock:
        live = _live.get(name)
    if live is None:
        return _copy(shipped) if shipped is not None else None
    base = shipped if shipped is not None else _data()["defaults"]
    return _copy({**base, **live})


def update_live_profiles(
    profiles: Mapping[str, Mapping[str, Any]], *, override_shipped: bool = False
) -> None:
    """Record live profile fields per slug for this process (merged with shipped data).

    Args:
        profiles: Slug -> the ``ModelProfile`` fields the live catalogue states.
        override_shipped: Live fields replace shipped ones; otherwise only fields
            the shipped profile lacks are recorded.
    """
    shipped = _profiles()
    live: dict[str, dict[str, Any]] = {}
    for slug, fields in profiles.items():
        name = strip_prefix(slug)
        known = {} if override_shipped else shipped.get(name, {})
        if new := {key: value for key, value in fields.items() if key not in known}:
            live[name] = new
    with _live_lock:
        _live.update(live)


def _clear_live_profiles() -> None:
    """Forget every live profile field (the shipped data applies again)."""
    with _live_lock:
        _live.clear()


def profile_for_model_name(name: str | None, *, dedicated: bool = False) -> ModelProfile | None:
    """The profile of the model a request names, whatever host it goes to.

    The name decides: a Model API slug sent to Baseten, to a gateway, or to a
    local server through ``base_url``/``BASETEN_BASE_URL`` is the same model. A
    dedicated deployment's model ID names no model, so it has none.

    Args:
        name: The body ``model`` (``Endpoint.model``).
        dedicated: Whether the request goes to a dedicated deployment.

    Returns:
        The profile (see :func:`get_model_profile`), or ``None``.
    """
    if dedicated or not name:
        return None
    return get_model_profile(name)


def reasoning_switch_for(name: str | None) -> ReasoningSwitch | None:
    """How the named model's thinking is switched, from the shipped data.

    Args:
        name: A Model API slug (a leading ``baseten/`` is ignored).

    Returns:
        ``"enable_thinking"``, ``"reasoning_effort"``, ``"always"``, or ``None``
        when the shipped data documents no switch (or does not know the model).
    """
    if not name:
        return None
    switch = _profiles().get(strip_prefix(name), {}).get("reasoning_switch")
    return cast("ReasoningSwitch | None", switch)


def known_model_names() -> list[str]:
    """Every Model API slug known to exist: the shipped data's and the live catalogue's.

    Returns:
        The slugs (for "did you mean" hints: see ``_routing.model_name_hint``).
    """
    with _live_lock:
        live = list(_live)
    return [*_profiles(), *live]


def _known_model_api_slugs() -> list[str]:
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
        from langchain_baseten._errors import BasetenResponseError  # noqa: PLC0415 - brings openai

        raise BasetenResponseError(msg, body=dict(payload))
    return [
        entry["id"]
        for entry in data
        if isinstance(entry, dict) and isinstance(entry.get("id"), str)
    ]
