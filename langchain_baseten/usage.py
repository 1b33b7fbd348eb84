"""Token usage: Baseten's ``usage`` objects as LangChain ``UsageMetadata``.

Baseten's streams report usage CUMULATIVELY (``continuous_usage_stats``): every
content chunk carries the totals so far, and some streams end with a usage-only
chunk while others do not. LangChain adds up the usage of every chunk, so
forwarding each chunk's usage would count the tokens many times over. The
stream parser therefore keeps only the latest report (see
:class:`langchain_baseten.messages.StreamParser`) and attaches it to exactly one
chunk; this module only converts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from langchain_core.messages.ai import InputTokenDetails, OutputTokenDetails, UsageMetadata

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["combine_token_usage", "usage_metadata_from_wire"]


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else 0


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


def _details(wire: Any, keys: tuple[tuple[str, str], ...]) -> dict[str, int]:
    """The token details a server reported (``null`` and missing ones left out)."""
    if not isinstance(wire, dict):
        return {}
    details: dict[str, int] = {}
    for wire_key, key in keys:
        if wire.get(wire_key) is not None and key not in details:
            details[key] = _int(wire[wire_key])
    return details


def usage_metadata_from_wire(usage: Mapping[str, Any]) -> UsageMetadata:
    """Convert an OpenAI-style ``usage`` object to ``UsageMetadata``.

    Args:
        usage: ``{"prompt_tokens", "completion_tokens", "total_tokens",
            "prompt_tokens_details": {"cached_tokens", "cache_write_tokens",
            "audio_tokens"}, "completion_tokens_details": {"reasoning_tokens",
            "audio_tokens"}}``; any part may be missing or ``null``.

    Returns:
        Input, output and total tokens, with ``input_token_details``
        (``cache_read``, ``cache_creation``, ``audio``) and
        ``output_token_details`` (``reasoning``, ``audio``) for each detail the
        server reported.

    Example:
        .. code-block:: python

            from langchain_baseten.usage import usage_metadata_from_wire

            usage_metadata_from_wire({"prompt_tokens": 9, "completion_tokens": 3})
            # {'input_tokens': 9, 'output_tokens': 3, 'total_tokens': 12}
    """
    input_tokens = _int(usage.get("prompt_tokens"))
    output_tokens = _int(usage.get("completion_tokens"))
    total = usage.get("total_tokens")
    metadata = UsageMetadata(
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        total_tokens=_int(total) if total is not None else input_tokens + output_tokens,
    )
    input_details = _details(usage.get("prompt_tokens_details"), _INPUT_DETAILS)
    if input_details:
        metadata["input_token_details"] = InputTokenDetails(**input_details)  # type: ignore[typeddict-item]
    output_details = _details(usage.get("completion_tokens_details"), _OUTPUT_DETAILS)
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
