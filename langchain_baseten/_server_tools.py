"""Baseten's hosted (server-side) tools: early access, passed through as given.

Baseten can run some tools itself (web search through Exa, for example) instead
of handing the call back to the client. What is known publicly: a request opts
in with the header ``x-baseten-server-tools: true``, lists the tools as dicts
whose ``type`` names the hosted tool (``baseten__exa__web_search_exa``), may put
settings under ``baseten.tool_settings``, and the answer carries the server's
tool calls and results in extra ``baseten``-prefixed fields. Baseten's public
docs do not describe those dicts or fields precisely, so this package does not
interpret them:

* ``bind_tools`` sends a hosted-tool dict (any dict whose ``type`` starts with
  ``baseten__``) unchanged, next to your function tools;
* a request carrying one gets the ``x-baseten-server-tools: true`` header;
* every top-level response field whose name starts with ``baseten`` is copied
  into ``response_metadata`` under its own name (for streams: gathered from all
  events, on the last chunk), and ``response_metadata["baseten_server_tools"]``
  lists the hosted tools the request enabled, which the cost callback counts.
  The package's own keys win: a response field named ``baseten_request_id``,
  ``baseten_server_tools`` or ``baseten_response_fields`` never replaces the
  request id header or the tools the request enabled; it is kept under
  ``response_metadata["baseten_response_fields"]`` instead.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeGuard

from langchain_baseten._baseten_api import SERVER_TOOLS_HEADER

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

__all__ = [
    "SERVER_FIELD_PREFIX",
    "SERVER_TOOLS_HEADER",
    "add_hosted_tool_metadata",
    "is_server_tool",
    "server_fields",
    "server_tool_names",
]

_PREFIX = "baseten__"
#: What the name of every response field of the hosted tools starts with.
SERVER_FIELD_PREFIX = "baseten"


def is_server_tool(tool: object) -> TypeGuard[dict[str, Any]]:
    """Whether ``tool`` is a Baseten hosted-tool dict (``{"type": "baseten__..."}``)."""
    return isinstance(tool, dict) and str(tool.get("type", "")).startswith(_PREFIX)


def server_tool_names(tools: Iterable[object] | None) -> list[str]:
    """The ``type`` of every hosted tool in a request's ``tools``."""
    return [str(tool["type"]) for tool in tools or () if is_server_tool(tool)]


def server_fields(payload: Mapping[str, Any]) -> dict[str, Any]:
    """The top-level ``baseten*`` fields of a response or stream event."""
    return {key: value for key, value in payload.items() if key.startswith(SERVER_FIELD_PREFIX)}


#: ``response_metadata`` keys this package sets from what it knows (the request id
#: header, the hosted tools the request enabled): a response field never replaces them.
_OWN_KEYS = frozenset({"baseten_request_id", "baseten_server_tools", "baseten_response_fields"})


def add_hosted_tool_metadata(
    metadata: dict[str, Any], fields: Mapping[str, Any], body: Mapping[str, Any]
) -> None:
    """Add what the hosted tools left to an answer's ``response_metadata`` (plain or streamed).

    ``metadata["baseten_server_tools"]`` lists the hosted tools the request
    enabled; the response's ``baseten*`` fields are copied under their own names,
    and the package's own keys win: a field named like one of them is kept under
    ``metadata["baseten_response_fields"]`` (never dropped, never in their place).

    Args:
        metadata: The ``response_metadata`` to add to.
        fields: The response's ``baseten*`` fields (for a stream: from all events).
        body: The request body (its ``tools``).
    """
    if names := server_tool_names(body.get("tools")):
        metadata["baseten_server_tools"] = names
    for key, value in fields.items():
        if key in _OWN_KEYS:
            metadata.setdefault("baseten_response_fields", {})[key] = value
        else:
            metadata[key] = value
