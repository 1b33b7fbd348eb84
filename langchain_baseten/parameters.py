"""Request parameters: which keys are known, and the checks made before sending.

Numbers outside the ranges Baseten's API accepts, ``n`` other than 1, and too
many stop sequences are rejected here, with an error naming the parameter and
the allowed range, before any request leaves the machine. ``reasoning_effort``
is passed through unchecked: its allowed values differ per model and the server
says which.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["BASETEN_EXTRA_PARAMS", "check_request_params"]

#: Baseten/vLLM sampling and templating keys, sent as top-level body keys.
#: Passing them to ``ChatBaseten(...)`` is expected and does not warn.
BASETEN_EXTRA_PARAMS = frozenset(
    {
        "top_k",
        "min_p",
        "repetition_penalty",
        "length_penalty",
        "min_tokens",
        "stop_token_ids",
        "ignore_eos",
        "skip_special_tokens",
        "spaces_between_special_tokens",
        "include_stop_str_in_output",
        "chat_template",
        "chat_template_args",
        "chat_template_kwargs",
        "structural_tag",
        "guided_json",
        "guided_regex",
        "guided_choice",
        "guided_grammar",
        "best_of",
        "use_beam_search",
        "truncate_prompt_tokens",
        "response_format",
        "user",
        "service_tier",
        "metadata",
    }
)

MAX_STOP_SEQUENCES = 32

#: (minimum, maximum) for numeric parameters; ``None`` means unbounded.
_RANGES: dict[str, tuple[float | None, float | None]] = {
    "temperature": (0.0, 2.0),
    "top_p": (0.0, 1.0),
    "max_tokens": (1, None),
    "max_completion_tokens": (1, None),
    "frequency_penalty": (-2.0, 2.0),
    "presence_penalty": (-2.0, 2.0),
    "top_logprobs": (0, 20),
    "top_k": (-1, None),
    "min_p": (0.0, 1.0),
    "repetition_penalty": (0.0, None),
    "min_tokens": (0, None),
}


#: Parameters that count something: whole numbers only (``2.0`` is fine, ``1.5`` is not).
_WHOLE = frozenset({"max_tokens", "max_completion_tokens", "top_logprobs", "top_k", "min_tokens"})


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def check_request_params(params: Mapping[str, Any]) -> None:
    """Reject parameter values Baseten would refuse, before sending anything.

    Checks numeric ranges (finite numbers only; counts must be whole), ``n``, the
    number of stop sequences and the shape of ``tools``.

    Args:
        params: The request body (or the instance's parameters).

    Raises:
        ValueError: Naming the parameter, the value and what is allowed.
    """
    for key, (low, high) in _RANGES.items():
        value = params.get(key)
        if value is None:
            continue
        if not _is_number(value) or not math.isfinite(value):
            msg = f"{key} must be a finite number, got {value!r}."
            raise ValueError(msg)
        if key in _WHOLE and value != int(value):
            msg = f"{key} must be a whole number, got {value!r}."
            raise ValueError(msg)
        if (low is not None and value < low) or (high is not None and value > high):
            bounds = f">= {low}" if high is None else f"between {low} and {high}"
            msg = f"{key}={value!r} is out of range: Baseten accepts {key} {bounds}."
            raise ValueError(msg)
    n = params.get("n")
    if n is not None and n != 1:
        msg = (
            f"n={n!r} is not supported: Baseten returns one choice per request (n=1). "
            "For several answers, call batch() with the same input several times."
        )
        raise ValueError(msg)
    stop = params.get("stop")
    if isinstance(stop, list) and len(stop) > MAX_STOP_SEQUENCES:
        msg = f"{len(stop)} stop sequences given; Baseten accepts at most {MAX_STOP_SEQUENCES}."
        raise ValueError(msg)
    if (tools := params.get("tools")) is not None:
        _check_tools(tools)


def _check_tools(tools: Any) -> None:
    """Tools must be ``{"type": "function", "function": {"name", "parameters"}}`` dicts.

    ``bind_tools`` builds that shape; this catches tools bound some other way
    (``bind(tools=...)``, ``model_kwargs``) that the server would reject.
    """
    if not isinstance(tools, list):
        msg = f"tools must be a list of tool definitions, got {type(tools).__name__}."
        raise ValueError(msg)  # noqa: TRY004  # bad input, reported like every other
    for index, tool in enumerate(tools):
        function = tool.get("function") if isinstance(tool, dict) else None
        problem = None
        if not isinstance(function, dict) or tool.get("type", "function") != "function":
            problem = 'is not a function tool {"type": "function", "function": {...}}'
        elif not isinstance(function.get("name"), str) or not function["name"]:
            problem = "has no function name"
        elif not isinstance(function.get("parameters", {}), dict):
            kind = type(function["parameters"]).__name__
            problem = f"has parameters of type {kind}; they must be a JSON schema object"
        if problem:
            msg = f"tools[{index}] {problem}. Bind tools with bind_tools() to convert them."
            raise ValueError(msg)
