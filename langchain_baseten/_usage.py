"""Token usage: Baseten's ``usage`` objects as LangChain ``UsageMetadata``.

Baseten's streams report usage CUMULATIVELY (``continuous_usage_stats``): every
content chunk carries the totals so far, and some streams end with a usage-only
chunk while others do not. LangChain adds up the usage of every chunk, so
forwarding each chunk's usage would count the tokens many times over. The
stream parser therefore keeps only the latest report (see
:class:`langchain_baseten._streaming.StreamParser`) and attaches it to exactly one
chunk; this module only converts.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from langchain_core.messages.ai import InputTokenDetails, OutputTokenDetails, UsageMetadata

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["MAX_TOKEN_COUNT", "combine_token_usage", "usage_metadata_from_wire"]

logger = logging.getLogger(__name__)

#: The largest token count taken from a server for one response: a thousand times
#: the largest context window there is. A larger one is a broken or hostile answer
#: (10**400 would overflow every cost computation), read as unknown.
MAX_TOKEN_COUNT = 10**12


def _shown(value: Any) -> str:
    text = repr(value) if not isinstance(value, int) or value < 10**40 else "an integer"
    return text[:40]


def _count(value: Any, name: str = "a token count") -> int | None:
    """A token count the server reported, or ``None`` when it is missing or unusable.

    Unusable: negative, NaN or infinite, fractional, a string, a boolean, or
    above :data:`MAX_TOKEN_COUNT` (logged as a warning). Such a count is
    unknown, not zero: reading it as 0 would report a free call.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # 12.0 from a server that writes counts as floats
    if not isinstance(value, int) or value < 0:
        return None
    if value > MAX_TOKEN_COUNT:
        logger.warning(
            "The server reported %s=%s, more than %d tokens in one response: "
            "the count is unusable, treated as unknown",
            name,
            _shown(value),
            MAX_TOKEN_COUNT,
        )
        return None
    return value


# Wire key -> LangChain key, first match wins. ``cache_write_tokens`` is OpenAI's
# name for tokens written to the prompt cache (ChatOpenAI maps it the same way);
# ``cache_creation_tokens`` is the Anthropic-style name some gateways use.
_INPUT_DETAILS = (
    ("cached_tokens", "cache_read"),
    ("cache_write_tokens", "cache_creation"),
    ("cache_creation_tokens", "cache_creation"),
    ("audio_tokens", "audio"),
)
_OUTPUT_DETAILS = (
    ("reasoning_tokens", "reasoning"),
    ("audio_tokens", "audio"),
)


def _details(wire: Any, keys: tuple[tuple[str, str], ...], of: tuple[str, int]) -> dict[str, int]:
    """The token details a server reported (missing, ``null`` and unusable ones left out).

    ``of``: the count they are part of (``("prompt_tokens", 9)``): a detail above
    it cannot be right and is left out, with a warning naming both.
    """
    if not isinstance(wire, dict):
        return {}
    details: dict[str, int] = {}
    whole, most = of
    for wire_key, key in keys:
        count = _count(wire.get(wire_key), wire_key)
        if count is None or key in details:
            continue
        if count > most:
            logger.warning(
                "The server reported %s=%d, more than %s=%d it is part of: "
                "the detail is left out of usage_metadata (a cost computed from it "
                "would be wrong)",
                wire_key,
                count,
                whole,
                most,
            )
            continue
        details[key] = count
    return details


def usage_metadata_from_wire(usage: Mapping[str, Any]) -> UsageMetadata | None:
    """Convert an OpenAI-style ``usage`` object to ``UsageMetadata``.

    Args:
        usage: ``{"prompt_tokens", "completion_tokens", "total_tokens",
            "prompt_tokens_details": {"cached_tokens", "cache_write_tokens",
            "audio_tokens"}, "completion_tokens_details": {"reasoning_tokens",
            "audio_tokens"}}``.

    Returns:
        Input, output and total tokens, with ``input_token_details``
        (``cache_read``, ``cache_creation``, ``audio``) and
        ``output_token_details`` (``reasoning``, ``audio``) for each detail the
        server reported. ``None`` (usage unknown, so cost unknown) when the
        prompt or completion count is missing or unusable (negative, NaN, a
        string, above :data:`MAX_TOKEN_COUNT` ...). An unusable total is
        replaced by input + output; an unusable detail, or one larger than the
        count it is part of (cached above prompt tokens, reasoning above
        completion tokens), is left out. Counts out of bounds and details
        larger than their whole are logged as warnings.

    Example:
        .. code-block:: python

            from langchain_baseten._usage import usage_metadata_from_wire

            usage_metadata_from_wire({"prompt_tokens": 9, "completion_tokens": 3})
            # {'input_tokens': 9, 'output_tokens': 3, 'total_tokens': 12}
    """
    input_tokens = _count(usage.get("prompt_tokens"), "prompt_tokens")
    output_tokens = _count(usage.get("completion_tokens"), "completion_tokens")
    if input_tokens is None or output_tokens is None:
        return None
    total = _count(usage.get("total_tokens"), "total_tokens")
    metadata = UsageMetadata(
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        total_tokens=total if total is not None else input_tokens + output_tokens,
    )
    input_details = _details(
        usage.get("prompt_tokens_details"), _INPUT_DETAILS, ("prompt_tokens", input_tokens)
    )
    if input_details:
        metadata["input_token_details"] = InputTokenDetails(**input_details)  # type: ignore[typeddict-item]
    output_details = _details(
        usage.get("completion_tokens_details"),
        _OUTPUT_DETAILS,
        ("completion_tokens", output_tokens),
    )
    if output_details:
        metadata["output_token_details"] = OutputTokenDetails(**output_details)  # type: ignore[typeddict-item]
    return metadata


def combine_token_usage(total: dict[str, Any], usage: Mapping[str, Any]) -> dict[str, Any]:
    """Add one raw ``usage`` object into a running total (nested dicts included).

    Args:
        total: The running total; updated in place.
        usage: One response's ``usage``.

    Returns:
        ``total``, for chaining.
    """
    for key, value in usage.items():
        if isinstance(value, dict):
            combine_token_usage(total.setdefault(key, {}), value)
        elif isinstance(value, int) and not isinstance(value, bool):
            total[key] = total.get(key, 0) + value
    return total
