"""How the server answers when nothing is scripted: like a gateway and a model.

:func:`default_reply` checks credentials, routes by path and method, refuses
content parts the engines do not read, then answers like a model: an echo of
the last user message (with reasoning for reasoning models), a tool call or the
JSON a response format asks for (:mod:`langchain_baseten.testing._schema_answers`), an
answer to a tool result, or a stand-in for Baseten's hosted tools.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from langchain_baseten.testing._defaults import (
    DEFAULT_CATALOG,
    DEFAULT_MODELS,
    DEFAULT_REASONING,
    ERROR_MESSAGES,
)
from langchain_baseten.testing._encoders import embeddings, predict, rerank
from langchain_baseten.testing._exchange import (
    Exchange,
    RecordedRequest,
    Reply,
    chat_messages,
    last_user_text,
    message_text,
)
from langchain_baseten.testing._faults import error
from langchain_baseten.testing._replies import UsageMode, chat, models, stream
from langchain_baseten.testing._schema_answers import fill_values, json_object_answer, object_for


def stall(seconds: float) -> Reply:
    """Sleep ``seconds`` (bounded), then answer as the server would by default."""

    def render(exchange: Exchange) -> None:
        exchange.sleep(seconds)
        default_reply(exchange.request).render(exchange)

    return Reply(render, f"stall({seconds})")


#: The user content parts vLLM reads (``vllm/entrypoints/chat_utils.py``,
#: ``MM_PARSER_MAP``, the ones a client sends); anything else is a 400 there.
USER_PART_TYPES = frozenset({"text", "image_url", "input_audio", "audio_url", "video_url"})


def _unknown_part(body: Any) -> str | None:
    """The first user content part type the engine would not read, if any."""
    for message in chat_messages(body):
        content = message.get("content")
        for part in content if isinstance(content, list) else ():
            kind = part.get("type") if isinstance(part, dict) else None
            if kind not in USER_PART_TYPES:
                return str(kind)
    return None


def _has_credentials(request: RecordedRequest) -> bool:
    scheme, _, key = request.headers.get("authorization", "").strip().partition(" ")
    return scheme.lower() in {"bearer", "api-key"} and bool(key.strip())


def _called_tools(body: dict[str, Any]) -> set[str]:
    """The names of the tools the assistant has called so far in the conversation."""
    return {
        str((call.get("function") or {}).get("name"))
        for message in chat_messages(body)
        if message.get("role") == "assistant"
        for call in message.get("tool_calls") or []
        if isinstance(call, dict)
    }


def _forced_tool(body: dict[str, Any]) -> dict[str, Any] | None:
    """The tool a model would call now.

    The named ``tool_choice``; with ``"required"`` the first tool not called yet
    in the conversation (else the first), so an agent whose structured answer is
    a tool (LangChain's ``ToolStrategy``) gets it after its other tools ran;
    otherwise the first tool.
    """
    tools = [t.get("function") or {} for t in body.get("tools") or [] if isinstance(t, dict)]
    choice = body.get("tool_choice")
    if not tools or choice == "none":
        return None
    if isinstance(choice, dict):
        name = (choice.get("function") or {}).get("name")
        return next((t for t in tools if t.get("name") == name), tools[0])
    if choice == "required":
        called = _called_tools(body)
        return next((t for t in tools if t.get("name") not in called), tools[0])
    return tools[0]


def _json_reply(body: dict[str, Any], usage_mode: UsageMode) -> Reply | None:
    """The JSON answer a ``response_format`` asks for; ``None`` without one."""
    response_format = body.get("response_format")
    if not isinstance(response_format, dict) or response_format.get("type") not in {
        "json_schema",
        "json_object",
    }:
        return None
    spec = response_format.get("json_schema") or {}
    answer = (
        object_for(spec.get("schema") or {}, fill_values(body))
        if response_format["type"] == "json_schema"
        else json_object_answer(last_user_text(body), fill_values(body))
    )
    content = json.dumps(answer)
    if body.get("stream") is True:
        return stream(content, pieces=[content[:5], content[5:]], usage_mode=usage_mode)
    return chat(content)


def _tool_or_json_reply(
    body: dict[str, Any], reasoning: str | None, usage_mode: UsageMode = "both"
) -> Reply | None:
    """Behave like a model with tools or a response format; ``None`` when neither applies.

    * tools bound and the last message is not a tool result (or ``tool_choice``
      forces a call): call a tool (see :func:`_forced_tool`) with arguments made
      from its schema (strings: the last word of the user's message);
    * the last message is a tool result: ``"Based on the tool: <result>"``, or
      the JSON a ``response_format`` asks for (as an agent's final answer);
    * ``response_format`` json_schema: a JSON object made from the schema;
      json_object: ``{"answer": <the user's message>}``.

    Streamed when the request asks for it (tool-call arguments and JSON in two
    pieces each), with ``usage_mode`` for the usage.
    """
    messages = chat_messages(body)
    last_role = messages[-1].get("role") if messages else None
    streaming = body.get("stream") is True
    choice = body.get("tool_choice")
    must_call = bool(body.get("tools")) and (choice == "required" or isinstance(choice, dict))
    if last_role == "tool" and not must_call:
        if (answer := _json_reply(body, usage_mode)) is not None:
            return answer  # the final answer follows the response format
        content = "Based on the tool: " + message_text(messages[-1].get("content"))
        return (
            stream(content, reasoning=reasoning, usage_mode=usage_mode)
            if streaming
            else chat(content, reasoning=reasoning)
        )
    tool = _forced_tool(body)
    if tool is not None:
        arguments = json.dumps(object_for(tool.get("parameters") or {}, fill_values(body)))
        digest = hashlib.sha256(f"{tool.get('name')}:{arguments}".encode()).hexdigest()
        call_id = f"call_{digest[:12]}"  # deterministic: recordings must replay
        call = {
            "id": call_id,
            "type": "function",
            "function": {"name": tool.get("name"), "arguments": arguments},
        }
        if not streaming:
            return chat(None, reasoning=reasoning, tool_calls=[call])
        half = len(arguments) // 2
        deltas = [
            [
                {
                    "index": 0,
                    "id": call_id,
                    "type": "function",
                    "function": {"name": tool.get("name"), "arguments": arguments[:half]},
                }
            ],
            [{"index": 0, "function": {"arguments": arguments[half:]}}],
        ]
        return stream(
            None,
            reasoning=reasoning,
            tool_call_deltas=deltas,
            finish_reason="tool_calls",
            usage_mode=usage_mode,
        )
    return _json_reply(body, usage_mode)


SERVER_TOOL_PREFIX = "baseten__"


def _server_tool_reply(request: RecordedRequest, body: dict[str, Any]) -> Reply | None:
    """Baseten's hosted tools (early access), as far as public material describes them.

    Public: the opt-in header ``x-baseten-server-tools: true``, tool types such as
    ``baseten__exa__web_search_exa``, results in extra ``baseten.*`` response fields
    (Baseten's docs, as summarised in the package's ``server_tools`` module). Not
    public: the exact fields. This stand-in refuses hosted tools without the
    header (400) and otherwise answers as usual plus a top-level ``"baseten"``
    object naming each hosted tool it "ran"; only the pass-through is tested.
    """
    tools = body.get("tools") or []
    hosted = [t for t in tools if str(t.get("type", "")).startswith(SERVER_TOOL_PREFIX)]
    if not hosted:
        return None
    if request.headers.get("x-baseten-server-tools", "").lower() != "true":
        message = "Server-side tools need the header x-baseten-server-tools: true"
        return error(400, {"error": message})
    query = last_user_text(body)
    fields = {
        "baseten": {
            "server_tool_calls": [{"type": t["type"], "query": query} for t in hosted],
            "server_tool_results": [
                {"type": t["type"], "content": f"results for {query}"} for t in hosted
            ],
        }
    }
    content = "echo: " + query
    if body.get("stream") is True:
        return stream(content, extra=fields)
    return chat(content, extra=fields)


def default_reply(request: RecordedRequest) -> Reply:  # noqa: PLR0911 - one return per route
    """What the server answers when no reply is scripted.

    * no ``Authorization: Bearer <key>`` (or legacy ``Api-Key <key>``) -> 401
    * ``.../chat/completions`` (POST) with tools or a response format: see
      :func:`_tool_or_json_reply` (a tool call, an answer to a tool result, JSON)
    * ``.../chat/completions`` (POST) otherwise: ``"echo: <last user message>"``, with
      reasoning ``"thinking about it"`` when the model name contains
      "reasoning" or "gpt-oss"; streamed when ``"stream": true`` (usage mode
      "both", or "none" with ``stream_options.include_usage: false``)
    * ``.../models`` (GET): :func:`models` of :data:`DEFAULT_MODELS`, with Baseten's
      catalogue fields (:data:`DEFAULT_CATALOG`) off a dedicated ``/sync/v1`` path
    * ``.../embeddings`` (POST): :func:`embeddings`
    * ``.../rerank`` and ``.../predict`` (POST): :func:`rerank`, :func:`predict`
    * invalid JSON body -> 400; wrong method -> 405; any other path -> 404
    """
    if not _has_credentials(request):
        return error(401, {"error": ERROR_MESSAGES[401]})
    routes = {
        "/chat/completions": "POST",
        "/models": "GET",
        "/embeddings": "POST",
        "/rerank": "POST",
        "/predict": "POST",
    }
    route = next((r for r in routes if request.path.rstrip("/").endswith(r)), None)
    if route is None:
        return error(404, {"error": f"Not found: {request.method} {request.path}"})
    if request.method != routes[route]:
        return error(405, {"error": f"Method not allowed: {request.method} {request.path}"})
    if route == "/models":
        dedicated = request.path.rstrip("/").endswith("/sync/v1/models")
        return models(DEFAULT_MODELS, None if dedicated else DEFAULT_CATALOG)
    body = request.json_or_none()
    if not isinstance(body, dict):
        return error(400, {"error": "Invalid request: the body is not a JSON object"})
    if route == "/embeddings":
        return embeddings()
    if (kind := _unknown_part(body)) is not None:
        return error(400, {"object": "error", "message": f"Unknown part type: {kind}", "code": 400})
    if route == "/rerank":
        return rerank()
    if route == "/predict":
        return predict()
    return _chat_reply(request, body)


def _chat_reply(request: RecordedRequest, body: dict[str, Any]) -> Reply:
    """The unscripted chat answer: hosted tools, a tool call or JSON, else the echo."""
    model = str(body.get("model") or "")
    reasoning = DEFAULT_REASONING if "reasoning" in model or "gpt-oss" in model else None
    options = body.get("stream_options")
    include_usage = not (isinstance(options, dict) and options.get("include_usage") is False)
    usage_mode: UsageMode = "both" if include_usage else "none"
    if (reply := _server_tool_reply(request, body)) is not None:
        return reply
    if (reply := _tool_or_json_reply(body, reasoning, usage_mode)) is not None:
        return reply
    content = "echo: " + last_user_text(body)
    if body.get("stream") is True:
        return stream(content, reasoning=reasoning, usage_mode=usage_mode)
    return chat(content, reasoning=reasoning)
