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


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def check_request_params(params: Mapping[str, Any]) -> None:
    """Reject parameter values Baseten would refuse, before sending anything.

    Args:
        params: The request body (or the instance's parameters).

    Raises:
        ValueError: Naming the parameter, the value and what is allowed.
    """
    for key, (low, high) in _RANGES.items():
        value = params.get(key)
        if value is None:
            continue
        if not _is_number(value) or math.isnan(value):
            msg = f"{key} must be a number, got {value!r}."
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
