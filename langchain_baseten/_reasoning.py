"""One reasoning switch: ``reasoning=True/False`` or an effort level, mapped per model.

Baseten's Model APIs switch thinking two ways (https://docs.baseten.co/inference/model-apis/reasoning):
Kimi, GLM and Nemotron opt in with ``chat_template_args: {"enable_thinking": true}``;
gpt-oss, DeepSeek V4.1 Flash and Inkling take a top-level ``reasoning_effort``;
DeepSeek V3.1 and MiniMax reason by default with no switch. The model's profile
says which (its ``reasoning_switch``, see :mod:`langchain_baseten._profiles`), and
:func:`reasoning_body` turns ``reasoning=`` into those body keys:

================== ============================== ===================================
``reasoning=``     ``enable_thinking`` models     ``reasoning_effort`` models
================== ============================== ===================================
``True``           ``enable_thinking: true``      nothing (on by default), or the
                                                  profile's default effort
``False``          ``enable_thinking: false``     ``reasoning_effort: "none"``
``"high"`` (level) ``reasoning_effort`` when the  ``reasoning_effort: "high"``
                   profile lists effort levels
================== ============================== ===================================

A level outside the profile's ``reasoning_effort_levels``, ``False`` for a model
that cannot turn reasoning off, and anything for a model whose profile says it
does not reason are errors naming the model and what it accepts.

Unknown models (no profile, or no ``reasoning_switch``: a slug newer than the
shipped data, a dedicated deployment, a custom endpoint) get the pass-through
rule: ``True``/``False`` -> ``chat_template_args.enable_thinking`` (what
vLLM/SGLang chat templates of Qwen3, GLM, Kimi and Nemotron read) and a level ->
``reasoning_effort``.

What the user passed wins: an explicit ``reasoning_effort`` or
``chat_template_args.enable_thinking`` (as a field, in ``model_kwargs``,
``extra_body`` or a call argument) is never overwritten; other
``chat_template_args`` keys are kept.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["Reasoning", "apply_reasoning", "check_reasoning", "reasoning_body"]

#: ``True``/``False`` (thinking on or off) or an effort level such as ``"high"``.
Reasoning = bool | str

_THINKING = "enable_thinking"
_EFFORT = "reasoning_effort"


def check_reasoning(value: object) -> Reasoning | None:
    """Return ``value`` if it is a valid ``reasoning=`` value; raise otherwise.

    Raises:
        ValueError: For anything but ``None``, a bool or a non-empty level string.
    """
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip() and value == value.strip():
        return value
    msg = (
        f"reasoning={value!r} is not valid: pass True (think), False (do not think) or an "
        "effort level such as 'low', 'medium' or 'high'."
    )
    raise ValueError(msg)


def _levels_text(levels: list[str]) -> str:
    return ", ".join(repr(level) for level in levels)


def _effort(level: str, profile: Mapping[str, Any], model: str) -> dict[str, Any]:
    levels = profile.get("reasoning_effort_levels")
    if isinstance(levels, list) and levels and level not in levels:
        msg = (
            f"reasoning={level!r} is not an effort level of {model}; its profile lists "
            f"{_levels_text(levels)}. Pass one of those, or True/False."
        )
        raise ValueError(msg)
    return {_EFFORT: level}


def _effort_switch(value: Reasoning, profile: Mapping[str, Any], model: str) -> dict[str, Any]:
    if isinstance(value, str):
        return _effort(value, profile, model)
    levels = profile.get("reasoning_effort_levels")
    if value:
        default = profile.get("reasoning_effort_default")
        return {_EFFORT: default} if isinstance(default, str) else {}
    if isinstance(levels, list) and "none" not in levels:
        msg = (
            f"reasoning=False: {model} cannot turn reasoning off (its effort levels are "
            f"{_levels_text(levels)}, without 'none'). Pick the lowest level instead."
        )
        raise ValueError(msg)
    return {_EFFORT: "none"}


def _always_on(value: Reasoning, profile: Mapping[str, Any], model: str) -> dict[str, Any]:
    if value is True:
        return {}
    if isinstance(value, str) and profile.get("reasoning_effort_levels"):
        return _effort(value, profile, model)
    msg = (
        f"reasoning={value!r}: {model} reasons by default and Baseten documents no switch "
        "for it (its profile's reasoning_switch is 'always'). Drop reasoning=, or pass "
        "the engine's own parameter through model_kwargs if you know one."
    )
    raise ValueError(msg)


def reasoning_body(
    value: Reasoning, profile: Mapping[str, Any] | None, model: str
) -> dict[str, Any]:
    """The body keys that set ``reasoning=value`` on ``model``.

    Args:
        value: ``True``, ``False`` or an effort level.
        profile: The model's profile (``None`` when unknown: pass-through rule).
        model: The model name, for error messages.

    Returns:
        ``{"reasoning_effort": ...}``, ``{"chat_template_args": {"enable_thinking": ...}}``
        or ``{}``.

    Raises:
        ValueError: When the profile says the model cannot do what was asked.
    """
    if profile is not None and profile.get("reasoning_output") is False:
        msg = (
            f"reasoning={value!r}: the profile of {model} says it does not reason. Drop "
            "reasoning=, or pass profile={...} if the profile is wrong."
        )
        raise ValueError(msg)
    switch = (profile or {}).get("reasoning_switch")
    if switch == "reasoning_effort":
        return _effort_switch(value, profile or {}, model)
    if switch == "always":
        return _always_on(value, profile or {}, model)
    if isinstance(value, str):
        if switch == _THINKING and not (profile or {}).get("reasoning_effort_levels"):
            msg = (
                f"reasoning={value!r}: {model} only switches thinking on or off "
                "(chat_template_args.enable_thinking); pass reasoning=True or False."
            )
            raise ValueError(msg)
        return _effort(value, profile or {}, model)
    # enable_thinking models, and the pass-through rule for unknown ones.
    return {"chat_template_args": {_THINKING: value}}


def apply_reasoning(body: dict[str, Any], keys: Mapping[str, Any]) -> None:
    """Merge :func:`reasoning_body` keys into ``body`` without overwriting the user's.

    Args:
        body: The request body, already holding everything the user passed.
        keys: What :func:`reasoning_body` returned.
    """
    if _EFFORT in keys:
        body.setdefault(_EFFORT, keys[_EFFORT])
    if "chat_template_args" in keys:
        given = body.get("chat_template_args")
        if given is None:
            body["chat_template_args"] = dict(keys["chat_template_args"])
        elif isinstance(given, dict):
            body["chat_template_args"] = {**keys["chat_template_args"], **given}
        # Anything else is the user's own (malformed) value: the server says what is wrong.
