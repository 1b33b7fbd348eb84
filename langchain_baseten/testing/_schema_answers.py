"""Answers synthesised from JSON schemas: tool arguments and structured output.

A deterministic value for each (simple) schema, filled with words and numbers
picked from the last user message, as a model would pick arguments from it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from langchain_baseten.testing._exchange import last_user_text


def _resolve_ref(schema: dict[str, Any], root: dict[str, Any]) -> Any:
    """Follow a local ``$ref`` (``#/$defs/Name``, as Pydantic writes nested models)."""
    target: Any = root
    for part in str(schema["$ref"]).removeprefix("#/").split("/"):
        target = target.get(part) if isinstance(target, dict) else None
    return target


@dataclass(frozen=True)
class Fill:
    """What the default tool and JSON answers fill values with, taken from the prompt."""

    word: str
    number: int


#: How deep :func:`_value_for` follows nested schemas before answering a word.
_MAX_DEPTH = 4


def _value_for(schema: Any, fill: Fill, depth: int = 0, root: Any = None) -> Any:
    """A deterministic value that satisfies a (simple) JSON schema."""
    if not isinstance(schema, dict) or depth > _MAX_DEPTH:
        return fill.word
    if "$ref" in schema and isinstance(root, dict):
        return _value_for(_resolve_ref(schema, root), fill, depth + 1, root)
    if schema.get("enum"):
        return schema["enum"][0]
    if "const" in schema:
        return schema["const"]
    for key in ("anyOf", "oneOf", "allOf"):
        if schema.get(key):
            return _value_for(schema[key][0], fill, depth + 1, root)
    return _typed_value(schema, fill, depth, root)


def _typed_value(schema: dict[str, Any], fill: Fill, depth: int, root: Any) -> Any:
    """The value for a schema's ``type`` (the first non-null one of a list)."""
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "string")
    scalars: dict[Any, Any] = {
        "integer": fill.number,
        "number": float(fill.number),
        "boolean": True,
        "array": [],
    }
    if kind in scalars:
        return scalars[kind]
    if kind == "object" or "properties" in schema:
        return object_for(schema, fill, depth + 1, root)
    return fill.word


def object_for(
    schema: dict[str, Any], fill: Fill, depth: int = 0, root: Any = None
) -> dict[str, Any]:
    """An object with every required property (every property when none is required)."""
    root = schema if root is None else root
    properties = schema.get("properties") or {}
    required = schema.get("required") or list(properties)
    return {name: _value_for(properties.get(name), fill, depth, root) for name in required}


_QUOTED = re.compile(r"'([^'\n]+)'|\"([^\"\n]+)\"")


def fill_values(body: Any) -> Fill:
    """Values from the last user message, as a model would pick arguments from it.

    Strings: the first quoted phrase ('你好啊集团'), else the last word (letters in
    any script), else "example". Numbers: the first whole number, else 1.
    """
    text = last_user_text(body)
    quoted = _QUOTED.search(text)
    words = re.findall(r"[^\W\d_](?:[^\W\d_]|-)+", text)
    word = next(filter(None, quoted.groups())) if quoted else (words[-1] if words else "example")
    number = re.search(r"(?<![\w.])-?\d+(?![\w.])", text)
    return Fill(word, int(number.group()) if number else 1)


def json_object_answer(text: str, fill: Fill) -> dict[str, Any]:
    """JSON mode's answer: the keys a prompt asks for, else ``{"answer": <the message>}``.

    A prompt asks for keys like this: "... with 'setup' and 'punchline' keys".
    """
    if "key" in text.lower():
        keys = [next(filter(None, m)) for m in _QUOTED.findall(text)]
        if keys:
            return dict.fromkeys(keys, fill.word)
    return {"answer": text}
