"""Structured output: the request settings and the parser for each method.

Three methods, all built from langchain-core's output parsers:

* ``function_calling`` (the default): the schema is bound as the only tool and the
  model is made to call it. Every model on Baseten's Model APIs supports tool
  calling, on TensorRT-LLM, vLLM and SGLang servers alike, so this works on the
  most models.
* ``json_schema``: ``response_format={"type": "json_schema", ...}``; the server
  constrains decoding to the schema. Exact where supported, but support varies
  by model and engine.
* ``json_mode``: ``response_format={"type": "json_object"}``; valid JSON, shape
  guided only by the prompt (describe the schema in the prompt).

A parse failure raises ``OutputParserException`` showing what the model
returned (or, with ``include_raw=True``, is returned as ``parsing_error``); a
model that answers in text instead of calling the forced tool is a parse
failure too, never a silent ``None``. An answer that is not whole is never
turned into a value, although LangChain's JSON parsers would complete cut-off
JSON: a refusal (``message.refusal``, OpenAI's structured-output field, which
vLLM sends too) and a ``content_filter`` stop raise langchain-core's
``ModelRefusalError`` (so ``ModelRefusalMiddleware`` sees it), and a
``length`` stop raises :class:`~langchain_baseten.BasetenTruncatedOutputError`
naming ``max_tokens``. Streaming yields partial objects as the
JSON arrives, then parses the whole answer once more when the stream ends, so a
failed answer raises there too instead of ending the stream with nothing.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Literal

from langchain_core.exceptions import ModelRefusalError, OutputParserException
from langchain_core.messages import BaseMessage, BaseMessageChunk
from langchain_core.output_parsers import JsonOutputParser, PydanticOutputParser
from langchain_core.output_parsers.openai_tools import (
    JsonOutputKeyToolsParser,
    PydanticToolsParser,
)
from langchain_core.output_parsers.transform import BaseCumulativeTransformOutputParser
from langchain_core.outputs import ChatGenerationChunk, GenerationChunk
from langchain_core.utils.function_calling import convert_to_json_schema, convert_to_openai_tool
from langchain_core.utils.pydantic import is_basemodel_subclass
from pydantic import ValidationError

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator

    from langchain_core.outputs import Generation
    from langchain_core.runnables import Runnable

__all__ = ["StructuredOutputMethod", "output_parser", "response_format"]

StructuredOutputMethod = Literal["function_calling", "json_schema", "json_mode"]
METHODS: tuple[str, ...] = ("function_calling", "json_schema", "json_mode")


def _require_tool_call(parsed: Any, result: list[Generation], *, partial: bool) -> Any:
    """Turn "the forced tool was not called" (the parsers' ``None``) into a clear error.

    A call whose arguments are not a JSON object (vLLM may send the JSON string ``""``
    as a forced call's arguments when the tool is not ``strict``) is a call with bad arguments,
    not a missing call: the error says so and shows the arguments.
    """
    if parsed is not None or partial:
        return parsed
    message = getattr(result[0], "message", None) if result else None
    for call in getattr(message, "invalid_tool_calls", None) or ():
        arguments = str(call.get("args"))[:500]
        msg = (
            f"The model called the tool {call.get('name')!r} that carries the structured "
            f"answer, but its arguments are not a JSON object of the schema's fields: "
            f"{arguments!r}. Pass strict=True so the server constrains the arguments to the "
            "schema, or try method='json_schema'."
        )
        raise OutputParserException(msg, llm_output=arguments)
    returned = str(getattr(message, "text", None) or (result[0].text if result else ""))[:500]
    msg = (
        "The model did not call the tool that carries the structured answer; it replied "
        f"with text instead: {returned!r}"
    )
    raise OutputParserException(msg, llm_output=returned)


def _answer_text(message: BaseMessage) -> str:
    """What the model wrote: its text, else its first tool call's arguments."""
    if text := message.text:
        return text
    for key in ("invalid_tool_calls", "tool_call_chunks"):
        for call in getattr(message, key, None) or ():
            if isinstance(args := call.get("args"), str):
                return args
    for call in getattr(message, "tool_calls", None) or ():
        return str(call.get("args"))
    return ""


def _refusal(message: BaseMessage) -> str | None:
    """The model's refusal, from ``additional_kwargs`` or a ``refusal`` content block."""
    refusal = message.additional_kwargs.get("refusal")
    if isinstance(refusal, str):
        return refusal
    for block in message.content if isinstance(message.content, list) else ():
        if isinstance(block, dict) and block.get("type") == "refusal":
            return str(block.get("refusal") or "")
    return None


def _refusal_of_result(result: list[Generation]) -> str | None:
    message = getattr(result[0], "message", None) if result else None
    return _refusal(message) if isinstance(message, BaseMessage) else None


def check_complete(result: list[Generation], *, max_tokens: int | None) -> None:
    """Raise unless the answer in ``result`` is whole: not refused, filtered or cut off.

    Args:
        result: The generations a parser got (the first one's message is checked).
        max_tokens: The request's ``max_tokens``, for the message (``None``: unset).

    Raises:
        ModelRefusalError: The model refused (the message has its words), or a
            content filter stopped the answer.
        BasetenTruncatedOutputError: The answer stopped at the token limit.
    """
    message = getattr(result[0], "message", None) if result else None
    if not isinstance(message, BaseMessage):
        return
    refusal = _refusal(message)
    if refusal is not None:
        raise ModelRefusalError.from_refusal(
            {"type": "refusal", "refusal": refusal}, raw_message=message
        )
    finish_reason = message.response_metadata.get("finish_reason")
    if finish_reason == "content_filter":
        msg = (
            "The answer was stopped by a content filter (finish_reason='content_filter'), "
            "so there is no structured answer."
        )
        raise ModelRefusalError(msg, raw_message=message)
    if finish_reason == "length":
        written = _answer_text(message)
        limit = (
            f"max_tokens={max_tokens}" if max_tokens else "max_tokens unset: the server's default"
        )
        msg = (
            f"The model stopped at its token limit (finish_reason='length', {limit}) before "
            f"the structured answer was complete, so it was not parsed: {written[:300]!r}. "
            "Raise max_tokens (reasoning models spend tokens on reasoning first) or ask for "
            "a shorter answer."
        )
        from langchain_baseten._errors import BasetenTruncatedOutputError  # noqa: PLC0415

        raise BasetenTruncatedOutputError(msg, llm_output=written)


def _as_generation(chunk: str | BaseMessage) -> GenerationChunk | ChatGenerationChunk:
    """The generation core's cumulative parsers build from one streamed chunk."""
    if isinstance(chunk, BaseMessageChunk):
        return ChatGenerationChunk(message=chunk)
    if isinstance(chunk, BaseMessage):
        return ChatGenerationChunk(message=BaseMessageChunk(**chunk.model_dump()))
    return GenerationChunk(text=chunk)


def _accumulate(whole: list[Any], chunk: str | BaseMessage) -> None:
    """Add one streamed chunk to the whole answer so far (``whole`` holds one generation)."""
    generation = _as_generation(chunk)
    whole[:] = [whole[0] + generation if whole else generation]


class _Complete(BaseCumulativeTransformOutputParser[Any]):
    """Parses as ``parser`` does, but a whole answer is first checked to be complete.

    Partial parses (while streaming) are left alone: the finish reason only
    arrives with the last chunk. See :func:`check_complete`.
    """

    parser: BaseCumulativeTransformOutputParser[Any]
    max_tokens: int | None = None
    answer_type: Any = None
    """The Pydantic class answers are instances of (what ``get_output_schema`` reports)."""

    @property
    def OutputType(self) -> Any:  # noqa: N802 - langchain-core's name
        """The answers' class for a Pydantic schema (as ChatOpenAI reports it), else core's."""
        return self.answer_type if self.answer_type is not None else super().OutputType

    def parse_result(self, result: list[Generation], *, partial: bool = False) -> Any:
        """Check a whole answer, then parse as the wrapped parser does."""
        if not partial:
            check_complete(result, max_tokens=self.max_tokens)
        elif _refusal_of_result(result) is not None:
            # Core's parsers raise at the first streamed piece of a refusal ("I");
            # the whole refusal is raised once the stream ends.
            return None
        return self.parser.parse_result(result, partial=partial)

    def parse(self, text: str) -> Any:
        """Parse as the wrapped parser does."""
        return self.parser.parse(text)


class _StreamEndCheck(_Complete):
    """Streams ``parser``'s partial objects, then parses the whole answer strictly.

    Core's cumulative parsers only ever parse partially while streaming, so an
    answer that never parses (text instead of the forced tool call, prose instead
    of JSON) ends the stream with nothing, and a cut-off answer ends it with a
    completed-looking object. Here the end of the stream parses the whole answer
    as ``invoke`` does: a failure, refusal or truncation raises the same error.
    """

    def _check_whole(self, whole: list[Any], last: Any) -> Any:
        """The strict parse of the whole answer when it adds to ``last`` (else ``None``)."""
        if not whole:
            return None
        final = self.parse_result([whole[0]], partial=False)
        return final if final is not None and final != last else None

    def _transform(self, input: Iterator[str | BaseMessage]) -> Iterator[Any]:  # noqa: A002
        whole: list[Any] = []

        def remember(chunks: Iterator[str | BaseMessage]) -> Iterator[str | BaseMessage]:
            for chunk in chunks:
                _accumulate(whole, chunk)
                yield chunk

        last = None
        for last in super()._transform(remember(input)):
            yield last
        if (final := self._check_whole(whole, last)) is not None:
            yield final

    async def _atransform(
        self,
        input: AsyncIterator[str | BaseMessage],  # noqa: A002
    ) -> AsyncIterator[Any]:
        whole: list[Any] = []

        async def remember(
            chunks: AsyncIterator[str | BaseMessage],
        ) -> AsyncIterator[str | BaseMessage]:
            async for chunk in chunks:
                _accumulate(whole, chunk)
                yield chunk

        last = None
        async for last in super()._atransform(remember(input)):
            yield last
        if (final := self._check_whole(whole, last)) is not None:
            yield final


class _ForcedToolParser(JsonOutputKeyToolsParser):
    """``JsonOutputKeyToolsParser`` that fails loudly when the tool was not called."""

    def parse_result(self, result: list[Generation], *, partial: bool = False) -> Any:
        parsed = super().parse_result(result, partial=partial)
        return _require_tool_call(parsed, result, partial=partial)


class _ForcedPydanticToolParser(PydanticToolsParser):
    """``PydanticToolsParser`` that fails loudly when the tool was not called.

    Arguments that do not validate raise ``OutputParserException`` showing them
    (core raises pydantic's bare ``ValidationError``), as every other parse failure.
    """

    def parse_result(self, result: list[Generation], *, partial: bool = False) -> Any:
        try:
            parsed = super().parse_result(result, partial=partial)
        except ValidationError as error:
            message = getattr(result[0], "message", None) if result else None
            calls = getattr(message, "tool_calls", None) or [{}]
            arguments = json.dumps(calls[0].get("args"), ensure_ascii=False, default=str)[:500]
            msg = (
                f"The model called the tool {calls[0].get('name')!r} that carries the "
                f"structured answer, but its arguments do not fit the schema: {arguments}. "
                f"{error.error_count()} validation error(s): {_first_errors(error)}. Pass "
                "strict=True so the server constrains the arguments to the schema."
            )
            raise OutputParserException(msg, llm_output=arguments) from error
        return _require_tool_call(parsed, result, partial=partial)


def _first_errors(error: ValidationError) -> str:
    """The first few validation errors as ``field: message`` (never the input values)."""
    return "; ".join(
        f"{'.'.join(map(str, item['loc'])) or '(root)'}: {item['msg']}"
        for item in error.errors(include_input=False)[:5]
    )


def _is_pydantic(schema: Any) -> bool:
    return isinstance(schema, type) and is_basemodel_subclass(schema)


def check_method(method: str) -> None:
    """Reject an unknown method name with the list of valid ones.

    Args:
        method: The requested method.

    Raises:
        ValueError: If the method is unknown.
    """
    if method not in METHODS:
        msg = f"Unknown structured-output method {method!r}; use one of {list(METHODS)}."
        raise ValueError(msg)


def tool_name(schema: Any) -> str:
    """The function name the schema gets as a tool."""
    return str(convert_to_openai_tool(schema)["function"]["name"])


def response_format(schema: Any, method: str, *, strict: bool | None) -> dict[str, Any]:
    """The ``response_format`` body value for the ``json_schema``/``json_mode`` methods.

    Args:
        schema: Pydantic class, TypedDict or JSON-schema dict.
        method: ``json_schema`` or ``json_mode``.
        strict: Sent as ``json_schema.strict`` when not ``None``.

    Returns:
        The ``response_format`` dict.
    """
    if method == "json_mode":
        return {"type": "json_object"}
    json_schema = convert_to_json_schema(schema)
    spec: dict[str, Any] = {
        "name": json_schema.get("title") or tool_name(schema),
        "schema": json_schema,
    }
    if json_schema.get("description"):
        spec["description"] = json_schema["description"]
    if strict is not None:
        spec["strict"] = strict
    return {"type": "json_schema", "json_schema": spec}


def output_parser(
    schema: Any, method: str, *, check_stream_end: bool = True, max_tokens: int | None = None
) -> Runnable[Any, Any]:
    """The parser that turns the model's message into the structured answer.

    Args:
        schema: Pydantic class (answers are instances), or TypedDict / JSON
            schema (answers are dicts).
        method: One of :data:`METHODS`.
        check_stream_end: When streaming, parse the whole answer strictly at the
            end and raise on failure (as ``invoke`` does); ``False`` keeps core's
            behaviour of yielding only what parses (for ``include_raw=True``).
        max_tokens: The request's ``max_tokens``, named when an answer is cut off.

    Returns:
        A langchain-core output parser (streams partial objects where it can).
    """
    parser: BaseCumulativeTransformOutputParser[Any]
    if method == "function_calling":
        if _is_pydantic(schema):
            parser = _ForcedPydanticToolParser(tools=[schema], first_tool_only=True)
        else:
            parser = _ForcedToolParser(key_name=tool_name(schema), first_tool_only=True)
    elif _is_pydantic(schema):
        parser = PydanticOutputParser(pydantic_object=schema)
    else:
        parser = JsonOutputParser()
    answer_type = schema if _is_pydantic(schema) else None
    wrapper = _Complete if not check_stream_end else _StreamEndCheck
    return wrapper(
        parser=parser, max_tokens=max_tokens, name=parser.get_name(), answer_type=answer_type
    )
