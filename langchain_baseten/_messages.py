"""Message conversion between LangChain messages and Baseten's chat wire format.

* :func:`messages_to_wire` turns LangChain messages into the ``messages`` list of
  a ``/chat/completions`` request, raising :class:`MessageConversionError` (a
  ``ValueError``) for anything the API cannot take, before a request is sent.
* :func:`message_from_wire` turns a response's ``choices[0].message`` into an
  ``AIMessage``.

Streamed ``chat.completion.chunk`` events become chunks in
:mod:`langchain_baseten._streaming`, which reuses the readers here.
"""

from __future__ import annotations

import json
import warnings
from typing import TYPE_CHECKING, Any, NamedTuple

from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    ChatMessage,
    FunctionMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)
from langchain_core.messages.block_translators import register_translator
from langchain_core.output_parsers.openai_tools import make_invalid_tool_call, parse_tool_call

from langchain_baseten._baseten_api import PROVIDER, REQUEST_ID_HEADER
from langchain_baseten._media import (
    MessageConversionError,
    ToolContentWarning,
    text_part,
    tool_content,
    user_content,
)
from langchain_baseten._tools import new_tool_call_id
from langchain_baseten._usage import usage_metadata_from_wire

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from langchain_core.messages import InvalidToolCall, ToolCall
    from langchain_core.messages import content as types

    from langchain_baseten._errors import MalformedResponseError

__all__ = [
    "PROVIDER",
    "MalformedResponseError",
    "MessageConversionError",
    "malformed",
    "message_from_wire",
    "messages_to_wire",
    "reasoning_of",
    "refusal_of",
    "response_metadata_from_wire",
    "text_or_none",
    "wire_text",
]


_WIRE_ROLES = frozenset({"system", "developer", "user", "assistant", "tool"})
# Blocks that are not sent as content: calls go in tool_calls; reasoning (ours) goes in
# reasoning_content; Anthropic's tool_use (the same call as tool_calls) and thinking, and
# Bedrock's reasoning_content, do not exist in the chat-completions format (ChatOpenAI
# drops them the same way).
_SKIPPED_AI_BLOCKS = frozenset(
    {
        "tool_call",
        "tool_call_chunk",
        "invalid_tool_call",
        "reasoning",
        "tool_use",
        "thinking",
        "reasoning_content",
    }
)


def _malformed_response(message: str) -> Exception:
    """A :class:`~langchain_baseten._errors.MalformedResponseError` for ``message``.

    Imported here, on this error path only: the errors module brings the openai
    SDK, which converting messages (and importing the chat model) does not need.
    """
    from langchain_baseten._errors import MalformedResponseError  # noqa: PLC0415

    return MalformedResponseError(message)


def __getattr__(name: str) -> Any:
    """``MalformedResponseError`` (defined in :mod:`langchain_baseten._errors`), on first use."""
    if name == "MalformedResponseError":
        from langchain_baseten._errors import MalformedResponseError  # noqa: PLC0415

        return MalformedResponseError
    msg = f"module {__name__!r} has no attribute {name!r}"
    raise AttributeError(msg)


# --------------------------------------------------------------------------- to wire


def _text_only(content: str | list[Any], role: str) -> str | list[dict[str, Any]]:
    """Join text blocks; reject anything that is not text.

    Blocks marked for prompt caching (``cache_control``) are kept as text parts,
    the marker included, as ChatOpenAI forwards them.
    """
    if isinstance(content, str):
        return content
    texts: list[str] = []
    for block in content:
        if isinstance(block, str):
            texts.append(block)
        elif isinstance(block, dict) and block.get("type") == "text":
            texts.append(str(block.get("text", "")))
        else:
            kind = block.get("type") if isinstance(block, dict) else type(block).__name__
            msg = (
                f"{role} messages sent to Baseten may only contain text, but one has a "
                f"{kind!r} content block. Images, audio and files go in a HumanMessage; "
                "for a tool result, return text (e.g. a description or a URL), then send "
                "the image in a following HumanMessage."
            )
            raise MessageConversionError(msg)
    if any(isinstance(block, dict) and "cache_control" in block for block in content):
        return [
            text_part(block) if isinstance(block, dict) else {"type": "text", "text": block}
            for block in content
        ]
    return "".join(texts)


def _tool_call_to_wire(call: ToolCall | InvalidToolCall, *, valid: bool) -> dict[str, Any]:
    args = call.get("args")
    arguments = json.dumps(args, ensure_ascii=False) if valid else (args or "")
    return {
        "id": call.get("id"),
        "type": "function",
        "function": {"name": call.get("name"), "arguments": arguments},
    }


class _AssistantText(NamedTuple):
    """What an assistant turn from history says: its text and its reasoning."""

    text: str
    reasoning: str | None


def _ai_text_and_reasoning(message: AIMessage) -> _AssistantText:
    """The turn's text (a refusal included, as text) and its reasoning.

    A refusal (a ``refusal`` block, or ``additional_kwargs["refusal"]`` as this
    package and ChatOpenAI keep it) goes back as the turn's text: it is what the
    model said, and every engine's chat template reads text, whereas OpenAI's
    ``refusal`` content part is not understood by all of them.
    """
    reasoning = message.additional_kwargs.get("reasoning_content")
    refusal = message.additional_kwargs.get("refusal")
    content = message.content
    texts: list[str] = [content] if isinstance(content, str) else []
    reasoning_parts: list[str] = []
    refusals: list[str] = []
    for block in content if isinstance(content, list) else ():
        if isinstance(block, str):
            texts.append(block)
            continue
        kind = block.get("type") if isinstance(block, dict) else None
        if kind == "text":
            texts.append(str(block.get("text", "")))
        elif kind == "reasoning" and isinstance(block.get("reasoning"), str):
            reasoning_parts.append(block["reasoning"])
        elif kind == "refusal":
            refusals.append(str(block.get("refusal") or ""))
        elif kind not in _SKIPPED_AI_BLOCKS:
            msg = (
                f"AIMessage content block of type {kind!r} cannot be sent back to Baseten; "
                "assistant turns carry text, refusals, tool calls and reasoning only."
            )
            raise MessageConversionError(msg)
    if not refusals and isinstance(refusal, str) and refusal:
        refusals.append(refusal)
    if not isinstance(reasoning, str) and reasoning_parts:
        reasoning = "".join(reasoning_parts)
    text = "".join(texts)
    if refusals:
        text = "\n".join(filter(None, [text, *refusals]))
    return _AssistantText(text, reasoning if isinstance(reasoning, str) else None)


def _legacy_function_call(message: AIMessage) -> dict[str, Any] | None:
    """OpenAI's legacy ``function_call`` (``additional_kwargs``) as a tool call, if any.

    Older agents (and ChatOpenAI's function calling) keep the call there instead of
    in ``tool_calls``; dropping it would send an empty assistant turn.
    """
    call = message.additional_kwargs.get("function_call")
    if message.tool_calls or not isinstance(call, dict) or not call.get("name"):
        return None
    arguments = call.get("arguments")
    return {
        "id": new_tool_call_id(),
        "type": "function",
        "function": {
            "name": str(call["name"]),
            "arguments": arguments if isinstance(arguments, str) else json.dumps(arguments or {}),
        },
    }


def _ai_to_wire(message: AIMessage) -> dict[str, Any]:
    text, reasoning = _ai_text_and_reasoning(message)
    calls = [_tool_call_to_wire(call, valid=True) for call in message.tool_calls]
    calls += [_tool_call_to_wire(call, valid=False) for call in message.invalid_tool_calls]
    if (legacy := _legacy_function_call(message)) is not None:
        calls.append(legacy)
    wire: dict[str, Any] = {"role": "assistant", "content": text or (None if calls else "")}
    if calls:
        wire["tool_calls"] = calls
        # Thinking models (Kimi with thinking on) reject a tool-call turn without
        # the reasoning that produced it.
        if reasoning:
            wire["reasoning_content"] = reasoning
    if message.name:
        wire["name"] = message.name
    return wire


def _tool_to_wire(message: ToolMessage, *, tool_media: bool) -> dict[str, Any]:
    """A tool result: never refused; what the endpoint cannot take is named in a stand-in."""
    content, left_out = tool_content(message.content, media=tool_media)
    if left_out:
        warnings.warn(
            f"A tool result ({message.name or message.tool_call_id!r}) had "
            f"{', '.join(left_out)}; sent a text stand-in saying so instead, as this "
            "model's profile does not say it takes images in tool results "
            "(profile['image_tool_message']). To show the model the image, return text "
            "from the tool and send the image in a following HumanMessage.",
            ToolContentWarning,
            stacklevel=2,
        )
    return {"role": "tool", "tool_call_id": message.tool_call_id, "content": content}


def message_to_wire(message: BaseMessage, *, tool_media: bool = False) -> dict[str, Any]:
    """Convert one LangChain message to a chat-completions message dict.

    Args:
        message: A system, human, AI, tool or chat message.
        tool_media: Send a tool result's images as content parts (the model's
            profile says so: ``image_tool_message``); else text stand-ins.

    Returns:
        The wire dict.

    Raises:
        MessageConversionError: For message types or content the API cannot take.
    """
    wire: dict[str, Any]
    if isinstance(message, HumanMessage):
        wire = {"role": "user", "content": user_content(message.content)}
    elif isinstance(message, AIMessage):
        return _ai_to_wire(message)
    elif isinstance(message, SystemMessage):
        wire = {"role": "system", "content": _text_only(message.content, "System")}
    elif isinstance(message, ToolMessage):
        return _tool_to_wire(message, tool_media=tool_media)
    elif isinstance(message, ChatMessage):
        if message.role not in _WIRE_ROLES:
            msg = (
                f"ChatMessage role {message.role!r} is not a chat-completions role; use one "
                f"of {sorted(_WIRE_ROLES)} (or SystemMessage/HumanMessage/AIMessage)."
            )
            raise MessageConversionError(msg)
        content = (
            user_content(message.content)
            if message.role == "user"
            else _text_only(message.content, message.role.capitalize())
        )
        wire = {"role": message.role, "content": content}
    else:
        msg = (
            f"{type(message).__name__} cannot be sent to Baseten. Use SystemMessage, "
            "HumanMessage, AIMessage or ToolMessage (FunctionMessage: use ToolMessage; "
            "one right after the AIMessage whose function_call it answers is converted)."
        )
        raise MessageConversionError(msg)
    if message.name:
        wire["name"] = message.name
    return wire


def messages_to_wire(
    messages: Sequence[BaseMessage], *, tool_media: bool = False
) -> list[dict[str, Any]]:
    """Convert a conversation to the request's ``messages`` list.

    Args:
        messages: The conversation, oldest first.
        tool_media: See :func:`message_to_wire`.

    Returns:
        One wire dict per message, in order.

    Raises:
        MessageConversionError: When the list is empty or a message cannot be sent.
    """
    if not messages:
        msg = "No messages to send: pass at least one message (e.g. a HumanMessage)."
        raise MessageConversionError(msg)
    wire: list[dict[str, Any]] = []
    legacy_calls: dict[str, str] = {}  # function name -> the id its legacy call was sent with
    for message in messages:
        if isinstance(message, FunctionMessage) and message.name in legacy_calls:
            # The answer to a legacy function_call: a tool result for that call.
            content, _ = tool_content(message.content, media=False)
            call_id = legacy_calls.pop(message.name)
            wire.append({"role": "tool", "tool_call_id": call_id, "content": content})
            continue
        converted = message_to_wire(message, tool_media=tool_media)
        if isinstance(message, AIMessage) and "function_call" in message.additional_kwargs:
            for call in converted.get("tool_calls", ()):
                legacy_calls[call["function"]["name"]] = call["id"]
        wire.append(converted)
    return wire


# --------------------------------------------------------------------------- from wire


def malformed(where: str, expected: str, value: Any, *, stream: bool) -> str:
    """The message for an answer whose shape is not what the API promises."""
    what = "a stream event from Baseten" if stream else "Baseten's response"
    shown = json.dumps(value, default=str)[:200]
    return (
        f"Malformed answer: in {what}, {where} should be {expected} but is "
        f"{type(value).__name__} {shown}."
    )


def text_or_none(value: Any) -> str | None:
    """An id or name as a string (servers send the odd integer); ``None`` if absent."""
    if value is None or isinstance(value, str):
        return value
    return str(value)


def wire_text(content: Any) -> str:
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(
            str(part.get("text", "")) if isinstance(part, dict) else str(part) for part in content
        )
    return str(content)


def reasoning_of(message: Mapping[str, Any]) -> str | None:
    reasoning = message.get("reasoning_content")
    if reasoning is None:
        reasoning = message.get("reasoning")
    return reasoning if isinstance(reasoning, str) and reasoning else None


def response_metadata_from_wire(
    response: Mapping[str, Any],
    choice: Mapping[str, Any] | None,
    headers: Mapping[str, str] | None,
) -> dict[str, Any]:
    """Build ``response_metadata`` from a response (or the last stream state).

    Args:
        response: The response body (or a dict with ``id``, ``model``,
            ``system_fingerprint`` gathered from a stream).
        choice: The choice with ``finish_reason``, ``logprobs`` and ``stop_reason``.
        headers: The HTTP response headers (for Baseten's request id).

    Returns:
        ``model_name``, ``model_provider``, ``finish_reason``, ``id``,
        ``system_fingerprint``, ``logprobs``, ``stop_reason`` and
        ``baseten_request_id``, each only when known.
    """
    metadata: dict[str, Any] = {"model_provider": PROVIDER}
    if response.get("model"):
        metadata["model_name"] = response["model"]
    for key in ("id", "system_fingerprint"):
        if response.get(key) is not None:
            metadata[key] = response[key]
    if choice is not None:
        for key in ("finish_reason", "logprobs", "stop_reason"):
            if choice.get(key) is not None:
                metadata[key] = choice[key]
    if headers is not None and (request_id := headers.get(REQUEST_ID_HEADER)):
        metadata["baseten_request_id"] = request_id
    return metadata


def _parse_tool_calls(
    raw_calls: list[dict[str, Any]],
) -> tuple[list[ToolCall], list[InvalidToolCall]]:
    tool_calls: list[ToolCall] = []
    invalid: list[InvalidToolCall] = []
    for call in raw_calls:
        function = call.get("function")
        if not isinstance(function, dict):
            function = {}
        arguments = function.get("arguments")
        if arguments is not None and not isinstance(arguments, str):
            # Some servers send the arguments as a JSON object rather than a string.
            arguments = json.dumps(arguments, ensure_ascii=False)
        name = function.get("name")
        raw = {
            **call,
            # A call must have an id for its ToolMessage to answer it; some servers send none.
            "id": text_or_none(call.get("id")) or new_tool_call_id(),
            "function": {"name": name if isinstance(name, str) else None, "arguments": arguments},
        }
        if name is not None and not isinstance(name, str):
            error = f"the function name is {type(name).__name__} {name!r}, not a string"
            invalid.append(make_invalid_tool_call(raw, error))
            continue
        try:
            parsed = parse_tool_call(raw, return_id=True)
        except Exception as exc:  # noqa: BLE001  # the parser raises several kinds
            invalid.append(make_invalid_tool_call(raw, str(exc)))
            continue
        if parsed is None or not name:
            invalid.append(make_invalid_tool_call(raw, "tool call without a function name"))
        elif not isinstance(parsed["args"], dict) or _not_an_object(arguments):
            error = "the arguments are JSON but not an object of named arguments"
            invalid.append(make_invalid_tool_call(raw, error))
        else:
            tool_calls.append(parsed)  # type: ignore[arg-type]
    return tool_calls, invalid


def _not_an_object(arguments: str | None) -> bool:
    """JSON arguments that hold a value other than an object (``""``, ``0``, ``[]``, ...).

    langchain-core's ``parse_tool_call`` turns every falsy value into ``{}``; vLLM may
    send the JSON string ``""`` for a forced call to a non-strict tool, which is no
    call with no arguments. Empty text and ``null`` stay "no arguments".
    """
    if not arguments or not arguments.strip():
        return False
    try:
        value = json.loads(arguments)
    except ValueError:
        return False  # not JSON at all: parse_tool_call has said so already
    return value is not None and not isinstance(value, dict)


def _choice_message(choice: Mapping[str, Any]) -> Mapping[str, Any]:
    """A non-stream choice's message.

    Baseten's published inference OpenAPI spec documents the 200 answer with
    ``choices[].delta`` instead of ``message`` (probably an artifact of the spec,
    but a server built from it would answer so): a choice with a ``delta`` and no
    ``message`` is read as the message rather than becoming an empty answer.
    """
    wire = choice.get("message")
    where = "choices[0].message"
    if wire is None and "delta" in choice:
        wire, where = choice["delta"], "choices[0].delta"
    if wire is None:
        return {}
    if not isinstance(wire, dict):
        msg = malformed(where, "an object", wire, stream=False)
        raise _malformed_response(msg)
    return wire


def refusal_of(message: Mapping[str, Any]) -> str | None:
    """The ``refusal`` text of a message or delta (OpenAI's structured-output field)."""
    refusal = message.get("refusal")
    return refusal if isinstance(refusal, str) and refusal else None


def message_from_wire(
    response: Mapping[str, Any], headers: Mapping[str, str] | None = None
) -> AIMessage:
    """Convert a ``chat.completion`` response body to an ``AIMessage``.

    Args:
        response: The decoded response body.
        headers: The HTTP response headers.

    Returns:
        The message with content, reasoning (``additional_kwargs["reasoning_content"]``),
        a refusal (``additional_kwargs["refusal"]``, also a ``refusal`` content
        block), tool calls (each with an id, made up when the server sent none),
        usage and response metadata.

    Raises:
        ValueError: When the response has no choices, or its choice, message or
            tool calls are not shaped as the API promises (the text says which).
    """
    choices = response.get("choices")
    if not isinstance(choices, list) or not choices:
        from langchain_baseten._errors import server_message  # noqa: PLC0415 - see above

        said = server_message(response)
        msg = (
            f"Baseten's response has no choices; it says: {said[:500]}"
            if said
            else f"Baseten's response has no choices: {json.dumps(response, default=str)[:300]}"
        )
        raise _malformed_response(msg)
    choice = choices[0]
    if not isinstance(choice, dict):
        msg = malformed("choices[0]", "an object", choice, stream=False)
        raise _malformed_response(msg)
    wire = _choice_message(choice)
    raw_calls = wire.get("tool_calls") or []
    if not isinstance(raw_calls, list) or not all(isinstance(c, dict) for c in raw_calls):
        where = "choices[0].message.tool_calls"
        msg = malformed(where, "a list of objects", raw_calls, stream=False)
        raise _malformed_response(msg)
    additional_kwargs: dict[str, Any] = {}
    if reasoning := reasoning_of(wire):
        additional_kwargs["reasoning_content"] = reasoning
    if refusal := refusal_of(wire):
        additional_kwargs["refusal"] = refusal
    tool_calls, invalid_tool_calls = _parse_tool_calls(raw_calls)
    usage = response.get("usage")
    return AIMessage(
        content=wire_text(wire.get("content")),
        additional_kwargs=additional_kwargs,
        tool_calls=tool_calls,
        invalid_tool_calls=invalid_tool_calls,
        usage_metadata=usage_metadata_from_wire(usage) if isinstance(usage, dict) else None,
        response_metadata=response_metadata_from_wire(response, choice, headers),
        id=text_or_none(response.get("id")),
        name=text_or_none(wire.get("name")),  # as ChatOpenAI keeps it
    )


# --------------------------------------------------------------------------- content blocks


def _content_blocks(message: AIMessage) -> list[types.ContentBlock]:
    """``message.content_blocks``: LangChain's own reading, plus the refusal.

    langchain-core reads text, reasoning and tool calls of a message whose
    provider has no translator; a refusal in ``additional_kwargs["refusal"]``
    (as ChatOpenAI keeps it too) becomes a standard ``refusal`` block here, which
    ``ModelRefusalMiddleware`` and callers detect without provider-specific code.
    """
    metadata = {k: v for k, v in message.response_metadata.items() if k != "model_provider"}
    blocks = message.model_copy(update={"response_metadata": metadata}).content_blocks
    refusal = message.additional_kwargs.get("refusal")
    if isinstance(refusal, str) and refusal and not any(b["type"] == "refusal" for b in blocks):
        blocks.append({"type": "refusal", "refusal": refusal})
    return blocks


def _chunk_content_blocks(chunk: AIMessageChunk) -> list[types.ContentBlock]:
    """A streamed chunk's blocks; tool-call pieces keyed apart from block positions.

    With ``output_version="v1"`` LangChain numbers each chunk's blocks by
    position (reasoning 0, text 1, ...) and merges blocks of equal ``index``;
    a tool-call piece carrying the wire's call index (0) would merge into the
    reasoning block. An ``lc_``-prefixed string index, which LangChain merges by
    equality and never concatenates, keeps each call apart.
    """
    blocks = _content_blocks(chunk)
    for block in blocks:
        if block["type"] == "tool_call_chunk" and isinstance(block.get("index"), int):
            block["index"] = f"lc_tool_call_{block['index']}"
    return blocks


register_translator(PROVIDER, _content_blocks, _chunk_content_blocks)
