"""Tool binding: LangChain tools to OpenAI tool dicts, and ``tool_choice`` forms.

Conversion itself is langchain-core's ``convert_to_openai_tool`` (Pydantic
models, TypedDicts, functions, ``@tool`` objects and OpenAI dicts); this module
adds the checks and the ``tool_choice`` mapping Baseten's API expects.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from langchain_core.utils.function_calling import convert_to_openai_tool

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from langchain_core.tools import BaseTool

__all__ = ["ToolChoice", "format_tools", "new_tool_call_id", "tool_choice_to_wire"]

ToolChoice = str | bool | dict[str, Any] | None

_REQUIRED_ALIASES = frozenset({"any", "required"})


def new_tool_call_id() -> str:
    """A fresh, unique id for a tool call the server sent without one.

    TensorRT-LLM streams a forced (named) tool choice with no ``id`` on any delta
    (``serve/postprocess_handlers.py``); without an id no ``ToolMessage`` can
    answer the call. The id is made once per call and goes back to the server
    with the call and its result in the next request, as a server-made id would.

    Returns:
        ``call_`` and 24 hexadecimal digits, shaped like OpenAI's call ids.
    """
    return f"call_{uuid.uuid4().hex[:24]}"


def _tool_label(tool: Any) -> str:
    name = getattr(tool, "name", None) or getattr(tool, "__name__", None)
    if name is None and isinstance(tool, dict):
        name = tool.get("name") or (tool.get("function") or {}).get("name") or tool.get("title")
    return repr(name) if name else type(tool).__name__


def format_tools(
    tools: Sequence[dict[str, Any] | type | Callable[..., Any] | BaseTool],
    *,
    strict: bool | None = None,
) -> list[dict[str, Any]]:
    """Convert tools to OpenAI ``{"type": "function", "function": {...}}`` dicts.

    Args:
        tools: Pydantic models, TypedDicts, functions, ``BaseTool`` objects or
            OpenAI tool / function dicts.
        strict: Ask the server to follow the schemas exactly (sent per tool).

    Returns:
        The tool dicts.

    Raises:
        ValueError: Naming the tool that cannot be converted.
    """
    formatted: list[dict[str, Any]] = []
    for tool in tools:
        try:
            converted = convert_to_openai_tool(tool, strict=strict)
        except (ValueError, TypeError, KeyError) as exc:
            msg = (
                f"Tool {_tool_label(tool)} cannot be turned into a function schema: {exc}. "
                "Pass a Pydantic model, a TypedDict, a typed function with a docstring, "
                "a @tool, or an OpenAI tool dict."
            )
            raise ValueError(msg) from exc
        function = converted.get("function")
        if converted.get("type") != "function" or not isinstance(function, dict):
            msg = f"Tool {_tool_label(tool)} is not a function tool; Baseten only runs functions."
            raise ValueError(msg)
        if not function.get("name"):
            msg = f"Tool {_tool_label(tool)} has no name; give it one."
            raise ValueError(msg)
        formatted.append(converted)
    return formatted


def tool_choice_to_wire(tool_choice: ToolChoice, tool_names: Sequence[str]) -> Any:
    """Map a LangChain ``tool_choice`` to the API's form.

    ``"auto"`` and ``"none"`` pass; ``"any"``, ``"required"`` and ``True`` become
    ``"required"``; ``False`` becomes ``"none"``; a tool's name becomes
    ``{"type": "function", "function": {"name": ...}}``; an OpenAI dict passes
    after its name is checked.

    Args:
        tool_choice: The LangChain form, or ``None`` to leave it to the server.
        tool_names: The names of the bound tools.

    Returns:
        The value for the request's ``tool_choice`` (``None``: do not send one).

    Raises:
        ValueError: For a name that is not a bound tool or an unknown form.
    """
    if tool_choice is None:
        return None
    if isinstance(tool_choice, bool):
        return "required" if tool_choice else "none"
    if isinstance(tool_choice, str):
        return _named_choice(tool_choice, tool_names)
    if isinstance(tool_choice, dict):
        return _dict_choice(tool_choice, tool_names)
    msg = (
        f"tool_choice={tool_choice!r} is not understood; use 'auto', 'none', 'any', "
        "'required', True, a tool name, or an OpenAI tool_choice dict."
    )
    raise ValueError(msg)


def _named_choice(tool_choice: str, tool_names: Sequence[str]) -> str | dict[str, Any]:
    """``"auto"``/``"none"`` as given, ``"any"``/``"required"`` -> ``"required"``, else a tool."""
    if tool_choice in {"auto", "none"}:
        return tool_choice
    if tool_choice in _REQUIRED_ALIASES:
        return "required"
    _check_name(tool_choice, tool_names)
    return {"type": "function", "function": {"name": tool_choice}}


def _dict_choice(tool_choice: dict[str, Any], tool_names: Sequence[str]) -> dict[str, Any]:
    """An OpenAI ``tool_choice`` dict, passed as given once its tool name is checked."""
    name = (tool_choice.get("function") or {}).get("name")
    if tool_choice.get("type") != "function" or not isinstance(name, str):
        msg = (
            f"tool_choice dict {tool_choice!r} is not of the form "
            '{"type": "function", "function": {"name": "<tool name>"}}.'
        )
        raise ValueError(msg)
    _check_name(name, tool_names)
    return tool_choice


def _check_name(name: str, tool_names: Sequence[str]) -> None:
    if name not in tool_names:
        msg = (
            f"tool_choice names {name!r}, which is not one of the bound tools "
            f"{list(tool_names)}; pass one of those names, or 'auto'/'any'/'none'."
        )
        raise ValueError(msg)
