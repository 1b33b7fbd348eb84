"""User content parts: LangChain's content blocks as the parts Baseten's engines read.

What the engines behind Baseten accept in a user message (``content`` as a list):

========================  =========================================================
``text``                  every engine
``image_url``             vision models (vLLM, SGLang, TensorRT-LLM)
``input_audio``           OpenAI's base64 audio part (vLLM, SGLang)
``audio_url``             audio models: Baseten's Qwen3-ASR, Ultravox and Qwen3-Omni
                          examples (truss-examples), vLLM, TensorRT-LLM
``video_url``             video models: Baseten's Qwen3-Omni example, vLLM,
                          TensorRT-LLM
========================  =========================================================

Those four parts pass through unchanged. LangChain's standard blocks map onto
them: ``image``, ``audio`` and ``video`` blocks with a ``url`` become
``image_url`` / ``audio_url`` / ``video_url``; with ``base64`` data (and a
``mime_type``) a ``data:`` URL, except audio, which becomes OpenAI's
``input_audio`` as ChatOpenAI sends it; ``text-plain`` blocks become text. LangChain's
older blocks (``source_type`` ``url``/``base64``) are read too. Only what no
engine reads is refused, with the fix: ``file`` blocks (PDFs and other
documents), file ids (Baseten has no files API) and URLs of plain text.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any, NamedTuple

__all__ = [
    "MessageConversionError",
    "ToolContentWarning",
    "text_part",
    "tool_content",
    "user_content",
    "user_part",
]

#: OpenAI-compatible parts that go to the server as they are.
PASS_THROUGH = frozenset({"image_url", "input_audio", "audio_url", "video_url"})
#: LangChain block type -> the part that carries it by URL.
_URL_PARTS = {"image": "image_url", "audio": "audio_url", "video": "video_url"}
_EXAMPLE_MIME = {"image": "image/png", "audio": "audio/wav", "video": "video/mp4"}
_ACCEPTED = (
    "'text', 'image_url', 'input_audio', 'audio_url', 'video_url', and LangChain's "
    "'image', 'audio', 'video' and 'text-plain' blocks"
)


class MessageConversionError(ValueError):
    """A message cannot be expressed in Baseten's chat API; the text says how to fix it."""


class ToolContentWarning(UserWarning):
    """A tool result's non-text part was replaced by a text stand-in before sending."""


class _Source(NamedTuple):
    """Where a block's data is: ``kind`` is ``url``, ``base64`` or ``id``."""

    kind: str
    value: str
    mime_type: str | None


def _source(block: dict[str, Any], kind: str) -> _Source:
    """The block's data, in LangChain's v1 form or the older ``source_type`` form."""
    mime = block.get("mime_type")
    mime = mime if isinstance(mime, str) and mime else None
    old = block.get("source_type")
    for key, name in (("url", "url"), ("base64", "base64"), ("file_id", "id")):
        value = block.get(key)
        if old == name:  # {"source_type": "url", "url": ...} / "base64" with "data" / "id"
            value = block.get({"url": "url", "base64": "data", "id": "id"}[name])
        if isinstance(value, str) and value:
            return _Source(name, value, mime)
    msg = (
        f"This {kind!r} content block has no data: give it a 'url', or 'base64' data "
        "with a 'mime_type'."
    )
    raise MessageConversionError(msg)


def _data_part(block: dict[str, Any], kind: str) -> dict[str, Any]:
    """An ``image``/``audio``/``video`` block as the part an engine reads."""
    source = _source(block, kind)
    part_type = _URL_PARTS[kind]
    if source.kind == "id":
        msg = (
            f"This {kind} block refers to a file id ({source.value!r}); Baseten has no "
            "files API to look it up. Send the data as 'base64' (with 'mime_type') or a 'url'."
        )
        raise MessageConversionError(msg)
    if source.kind == "url":
        url: dict[str, Any] = {"url": source.value}
        if kind == "image" and isinstance(detail := block.get("detail"), str):
            url["detail"] = detail
        return {"type": part_type, part_type: url}
    if source.mime_type is None:
        example = _EXAMPLE_MIME[kind]
        msg = f"This {kind} block has base64 data but lacks 'mime_type' (e.g. {example!r}); add it."
        raise MessageConversionError(msg)
    if kind == "audio":
        # OpenAI's part for base64 audio, as ChatOpenAI sends it (vLLM and SGLang read it).
        audio_format = source.mime_type.rsplit("/", 1)[-1]
        return {
            "type": "input_audio",
            "input_audio": {"data": source.value, "format": audio_format},
        }
    data_url = f"data:{source.mime_type};base64,{source.value}"
    return {"type": part_type, part_type: {"url": data_url}}


def _plain_text(block: dict[str, Any]) -> dict[str, Any]:
    """A ``text-plain`` block (a text document) as a text part."""
    if isinstance(text := block.get("text"), str):
        return {"type": "text", "text": text}
    source = _source(block, "text-plain")
    if source.kind != "base64":
        msg = (
            f"This 'text-plain' block gives a {source.kind} ({source.value[:80]!r}) that "
            "Baseten cannot fetch; put the document's text in 'text' (or 'base64')."
        )
        raise MessageConversionError(msg)
    try:
        return {"type": "text", "text": base64.b64decode(source.value).decode()}
    except (binascii.Error, UnicodeDecodeError) as exc:
        msg = f"This 'text-plain' block's base64 data is not base64 of UTF-8 text ({exc})."
        raise MessageConversionError(msg) from exc


def _check_pass_through(block: dict[str, Any], kind: str) -> dict[str, Any]:
    """An OpenAI-compatible part, checked for the object it must carry."""
    if not isinstance(block.get(kind), dict):
        example = (
            '{"data": "<base64>", "format": "wav"}'
            if kind == "input_audio"
            else ('{"url": "https://..." or "data:<mime>;base64,..."}')
        )
        msg = f"A {kind!r} content part needs a {kind!r} object like {example}."
        raise MessageConversionError(msg)
    return block


def text_part(block: dict[str, Any]) -> dict[str, Any]:
    """A text block as a text part; its ``cache_control`` (prompt caching) is kept.

    ChatOpenAI forwards content blocks as given, so a ``cache_control`` marker
    written for a caching proxy or engine reaches it; so does this.
    """
    part: dict[str, Any] = {"type": "text", "text": block.get("text", "")}
    if (cache_control := block.get("cache_control")) is not None:
        part["cache_control"] = cache_control
    return part


def user_part(block: Any) -> dict[str, Any]:
    """One part of a user message's content, as Baseten's chat API takes it.

    Args:
        block: A string, an OpenAI-style part or a LangChain content block.

    Returns:
        The wire part.

    Raises:
        MessageConversionError: For a block no Baseten engine reads, or one
            missing its data (the text says what to send instead).
    """
    if isinstance(block, str):
        return {"type": "text", "text": block}
    if not isinstance(block, dict):
        msg = f"Unsupported content part of type {type(block).__name__}; use a dict or a string."
        raise MessageConversionError(msg)
    kind = block.get("type")
    if kind == "text":
        return text_part(block)
    if kind in PASS_THROUGH:
        return _check_pass_through(block, str(kind))
    if kind in _URL_PARTS:
        return _data_part(block, str(kind))
    if kind == "text-plain":
        return _plain_text(block)
    if kind == "file":
        msg = (
            "No engine behind Baseten's chat API reads 'file' blocks (PDFs and other "
            "documents). Extract the text and send it as text (or a 'text-plain' block), "
            "or render the pages as images."
        )
        raise MessageConversionError(msg)
    msg = f"Unknown content block type {kind!r}. Baseten's chat API accepts {_ACCEPTED}."
    raise MessageConversionError(msg)


def user_content(content: str | list[Any]) -> str | list[dict[str, Any]]:
    """A user message's content: a string as is, a list part by part (see :func:`user_part`).

    Args:
        content: The message content.

    Returns:
        The wire content.
    """
    if isinstance(content, str):
        return content
    return [user_part(block) for block in content]


def _describe(block: Any) -> str:
    """A short description of a non-text block, for its stand-in text."""
    if not isinstance(block, dict):
        return f"a {type(block).__name__} part"
    kind = str(block.get("type"))
    article = "an" if kind[:1] in "aeiou" else "a"
    url = block.get("url")
    if isinstance(url, str) and url and not url.startswith("data:"):
        return f"{article} {kind} at {url[:200]}"
    mime = block.get("mime_type")
    if isinstance(mime, str) and mime:
        return f"{article} {kind} ({mime})"
    return f"{article} {kind!r} part"


def _stand_in(block: Any, why: str) -> str:
    return f"[{_describe(block)} from the tool was left out: {why}]"


def tool_content(content: str | list[Any], *, media: bool) -> tuple[Any, list[str]]:
    """A tool result's wire content, and what was left out of it (never an error).

    A tool's result must never fail an agent run. Text goes as text. Other parts
    (images, audio, files ...) go as the parts a user message would carry when
    ``media`` is true (the model's profile says its endpoint takes images in
    tool results, ``image_tool_message``, as ChatOpenAI sends them); otherwise,
    or when no engine reads the part, a text stand-in says what was left out.

    Args:
        content: The ``ToolMessage`` content.
        media: Whether to send media parts (else stand-ins).

    Returns:
        ``(content, left_out)``: a string (text only) or a list of parts, and
        one description per part replaced by a stand-in.
    """
    if isinstance(content, str):
        return content, []
    parts: list[dict[str, Any]] = []
    left_out: list[str] = []
    for block in content:
        if isinstance(block, str) or (isinstance(block, dict) and block.get("type") == "text"):
            text = block if isinstance(block, str) else str(block.get("text", ""))
            parts.append({"type": "text", "text": text})
            continue
        if media:
            try:
                parts.append(user_part(block))
            except MessageConversionError as exc:
                why = str(exc).split(". ", 1)[0]
            else:
                continue
        else:
            why = "this model's tool results are sent as text only"
        left_out.append(_describe(block))
        parts.append({"type": "text", "text": _stand_in(block, why)})
    if all(part["type"] == "text" for part in parts):
        return "".join(part["text"] for part in parts), left_out
    return parts, left_out
