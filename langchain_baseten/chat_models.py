"""``ChatBaseten``: Baseten's Model APIs and dedicated deployments as a LangChain chat model."""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import warnings
from functools import lru_cache
from operator import itemgetter
from typing import TYPE_CHECKING, Any, Literal, NamedTuple, Self, cast, overload
from urllib.parse import urlsplit

from langchain_core.language_models import LangSmithParams
from langchain_core.language_models.chat_models import (
    BaseChatModel,
    agenerate_from_stream,
    generate_from_stream,
)
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.messages.utils import count_tokens_approximately
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from langchain_core.runnables import RunnableMap, RunnablePassthrough
from langchain_core.runnables.config import ensure_config, var_child_runnable_config
from langchain_core.utils.function_calling import convert_to_openai_tool
from pydantic import (
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from langchain_baseten._baseten_api import (
    CHAT_LLM_TYPE,
    MODEL_API_BASE_URL,
    MODEL_API_HOST,
    PROVIDER,
)
from langchain_baseten._catalog import ModelInfo, parse_models, remember
from langchain_baseten._http.connection import (
    CONNECTION_FIELDS,
    CONNECTION_NAMES,
    BasetenConnection,
)
from langchain_baseten._http.settings import API_KEY_ENV, NO_ENV, secret_header_paths
from langchain_baseten._http.transport import Transport
from langchain_baseten._keyword_policy import CallKwargs, collect_init_kwargs, split_call_kwargs
from langchain_baseten._messages import message_from_wire, messages_to_wire
from langchain_baseten._openai_options import (
    check_disabled_params,
    check_stream_chunk_timeout,
    check_use_responses_api,
    drop_disabled,
    events_within,
)
from langchain_baseten._profiles import (
    known_model_names,
    model_ids,
    profile_for_model_name,
    reasoning_switch_for,
)
from langchain_baseten._reasoning import apply_reasoning, check_reasoning, reasoning_body
from langchain_baseten._request_params import SAMPLING_FIELDS, check_body_keys, check_request_params
from langchain_baseten._routing import (
    Endpoint,
    Route,
    model_name_hint,
    on_origin,
    resolve_endpoint,
)
from langchain_baseten._server_tools import (
    SERVER_TOOLS_HEADER,
    add_hosted_tool_metadata,
    is_server_tool,
    server_fields,
    server_tool_names,
)
from langchain_baseten._session import check_session_id, session_from_config, session_header
from langchain_baseten._structured_output import (
    StructuredOutputMethod,
    check_method,
    output_parser,
    response_format,
    tool_name,
)
from langchain_baseten._tools import ToolChoice, format_tools, tool_choice_to_wire
from langchain_baseten._usage import combine_token_usage
from langchain_baseten._version import __version__

if TYPE_CHECKING:
    from collections.abc import (
        AsyncGenerator,
        AsyncIterable,
        AsyncIterator,
        Callable,
        Iterator,
        Mapping,
        Sequence,
    )

    from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
    from langchain_core.language_models import LanguageModelInput, ModelProfile
    from langchain_core.messages import AIMessageChunk
    from langchain_core.runnables import Runnable, RunnableConfig, RunnableSerializable
    from langchain_core.runnables.utils import AnyConfigurableField
    from langchain_core.tools import BaseTool

__all__ = ["ChatBaseten"]

_log = logging.getLogger(__name__)

_CHAT_PATH = "/chat/completions"


def _with_parsed(result: ChatResult, kwargs: Mapping[str, Any]) -> ChatResult:
    """With ``response_format=<Pydantic class>``, the parsed answer in ``additional_kwargs``.

    As ChatOpenAI does (``additional_kwargs["parsed"]``); an answer that does not
    validate is left unparsed (the text is still the message content).
    """
    schema = kwargs.get("response_format")
    if not (isinstance(schema, type) and issubclass(schema, BaseModel)):
        return result
    message = result.generations[0].message
    with contextlib.suppress(ValueError):
        message.additional_kwargs["parsed"] = schema.model_validate_json(message.text)
    return result


def _check_choices(n: Any, target: Endpoint, *, stream: bool) -> None:
    """Refuse ``n`` > 1 where it cannot come back: the Model APIs, and streams.

    Baseten's Model APIs document ``n`` as 1 only (their OpenAPI spec); vLLM and
    SGLang deployments answer ``n`` choices. A stream here carries one answer
    (langchain-core's stream has no place for a second), so ``n`` > 1 is refused
    there rather than interleaving two answers into one message.
    """
    if n == 1:
        return
    if target.kind == "model_api":
        msg = (
            f"n={n!r} is not supported: Baseten's Model APIs return one choice per request "
            "(n=1). For several answers, call batch() with the same input several times; "
            "vLLM and SGLang deployments accept n."
        )
        raise ValueError(msg)
    if stream:
        msg = (
            f"n={n!r} is not supported when streaming: a stream carries one answer. Call "
            "generate() (one generation per choice) or invoke() without streaming=True."
        )
        raise ValueError(msg)


def _messages_of_choices(
    response: Mapping[str, Any], headers: Mapping[str, str]
) -> list[AIMessage]:
    """One message per choice (``n`` > 1), in the server's ``index`` order.

    The response's usage covers every choice: it is kept on the first message
    only, so callbacks and ``usage_metadata`` sums count it once.
    """
    choices = response.get("choices")
    if not isinstance(choices, list) or len(choices) <= 1:
        return [message_from_wire(response, headers)]
    ordered = sorted(
        choices,
        key=lambda c: (
            c.get("index", 0) if isinstance(c, dict) and isinstance(c.get("index"), int) else 0
        ),
    )
    messages = [message_from_wire({**response, "choices": [choice]}, headers) for choice in ordered]
    for message in messages[1:]:
        message.usage_metadata = None
    return messages


def _generation_info(message: AIMessage) -> dict[str, Any] | None:
    """A generation's ``finish_reason`` and ``logprobs``, from its message's metadata."""
    info = {
        k: message.response_metadata[k]
        for k in ("finish_reason", "logprobs")
        if k in message.response_metadata
    }
    return info or None


class _DerivedProfile(dict[str, Any]):
    """A profile filled from the shipped data, not given by the user.

    Marked so that a model rebuilt from this one's field values
    (``configurable_fields``, ``configurable_alternatives``) derives the profile
    of its own ``model`` instead of inheriting this one.
    """


@lru_cache(maxsize=256)
def _resolve_cached(
    model: str | None,
    route: Route,
    base_url: str | None,
    environment: str | None,
    deployment_id: str | None,
) -> Endpoint:
    """Resolve a per-call ``model=`` override (cached: agents repeat the same one)."""
    return resolve_endpoint(
        model,
        route=route,
        base_url=base_url,
        environment=environment,
        deployment_id=deployment_id,
    )


class _BodyLayers(NamedTuple):
    """A request body's layers, lowest precedence first: a later layer's key wins.

    The instance's sampling fields < its ``stop`` < ``model_kwargs`` <
    ``extra_body`` < the call's ``stop=`` < the call's keyword arguments
    (``bind(...)`` included) < the call's ``extra_body``. ``model`` and
    ``messages`` come first; ``reasoning=`` is added after, without replacing
    keys the layers set.
    """

    sampling: Mapping[str, Any]
    stop: Mapping[str, Any]
    model_kwargs: Mapping[str, Any]
    extra_body: Mapping[str, Any]
    call_stop: Mapping[str, Any]
    call_kwargs: Mapping[str, Any]
    call_extra_body: Mapping[str, Any]

    def apply(self, body: dict[str, Any]) -> None:
        """Write the layers into ``body``, in precedence order."""
        for layer in self:
            body.update(layer)


class _Request(NamedTuple):
    """A prepared chat request."""

    transport: Transport
    body: dict[str, Any]
    stream_usage: bool
    headers: dict[str, str]


def _attach_headers(
    chunk: ChatGenerationChunk, headers: dict[str, str] | None
) -> dict[str, str] | None:
    """Put the response headers on a stream's first chunk (as ChatOpenAI does).

    Returns:
        ``None``: what is left to attach to later chunks.
    """
    if headers is not None:
        chunk.message.response_metadata["headers"] = headers
    return None


class ChatBaseten(BasetenConnection, BaseChatModel):
    """Chat model for Baseten's Model APIs and dedicated deployments.

    One ``model`` string picks the endpoint: a Model API slug
    (``"baseten/openai/gpt-oss-120b"`` or ``"openai/gpt-oss-120b"``) goes to
    ``https://inference.baseten.co/v1``; an 8-character model ID
    (``"baseten/abcd1234"``) goes to that dedicated deployment's production
    environment. ``.endpoint.base_url`` shows where requests go.

    Setup:
        Install ``langchain-baseten`` and set ``BASETEN_API_KEY``:

        .. code-block:: bash

            pip install -U langchain-baseten
            export BASETEN_API_KEY="your-api-key"

    Key init args — endpoint:
        model: A Model API slug, or an 8-character dedicated model ID (an optional
            leading ``baseten/`` is stripped). Alias: ``model_name``.
        route: ``"auto"`` (default), ``"model_api"`` to send an 8-character name to
            the Model APIs, or ``"dedicated"`` to insist on a model ID.
        environment: Dedicated deployments: the environment (default ``production``).
        deployment_id: Dedicated deployments: one specific deployment.
        model_url: A deployment URL copied from Baseten's dashboard (``/predict``,
            ``/sync``, ``/sync/v1`` ...), normalised to its ``/sync/v1`` base. With
            it, a ``model`` that is not a model ID is the body model (as in the
            published langchain-baseten 0.2.x).
        base_url: Replaces the endpoint entirely (a gateway or a local server).
            Other names: ``baseten_api_base``, ``api_base``. Env: ``BASETEN_BASE_URL``,
            else ``BASETEN_API_BASE`` (read at construction, used when no
            ``model_url``/``base_url`` is given).
        served_model_name: The body ``model`` a dedicated deployment receives.
        api_key: Baseten API key. Alias ``baseten_api_key``. Env: ``BASETEN_API_KEY``
            (``OPENAI_API_KEY`` is never read).

        Fields keep what was passed; ``llm.endpoint`` is where requests go, derived
        from the current fields (so copies, ``configurable_fields``, ``pickle`` and
        ``dumpd``/``load`` route alike). Credential-like keywords
        (``openai_api_key``, ``access_token`` ...) are refused without showing the
        value; see docs/parameters.md for the whole keyword policy.

    Key init args — completion params:
        temperature, max_tokens (alias ``max_completion_tokens``), top_p, stop (alias
        ``stop_sequences``), seed, frequency_penalty, presence_penalty, logit_bias,
        logprobs, top_logprobs, reasoning_effort, n (must be 1), streaming,
        stream_usage (default ``True``). Baseten's extra sampling keys (``top_k``,
        ``min_p``, ``repetition_penalty``, ``chat_template_args`` ...) are accepted
        as keyword arguments and sent as top-level body keys.

    Key init args — client params:
        timeout (the whole request, stream included), max_retries (default 2),
        retry_lost_answers (default ``False``), max_connections (default 1000), max_response_bytes,
        max_event_bytes (default 16 MiB, one streamed event),
        default_headers, default_query,
        http_client, http_async_client, model_kwargs, extra_body.

    Instantiate:
        .. code-block:: python

            from langchain_baseten import ChatBaseten

            llm = ChatBaseten(model="baseten/openai/gpt-oss-120b", temperature=0)
            llm.endpoint.base_url  # 'https://inference.baseten.co/v1'

            dedicated = ChatBaseten(model="baseten/abcd1234")
            dedicated.endpoint.base_url
            # 'https://model-abcd1234.api.baseten.co/environments/production/sync/v1'

    Invoke:
        .. code-block:: python

            messages = [
                ("system", "You are a helpful translator. Translate to French."),
                ("human", "I love programming."),
            ]
            llm.invoke(messages).content  # "J'adore la programmation."

    Stream:
        .. code-block:: python

            for chunk in llm.stream(messages):
                print(chunk.text, end="")

    Async:
        .. code-block:: python

            await llm.ainvoke(messages)
            async for chunk in llm.astream(messages):
                print(chunk.text, end="")
            await llm.abatch([messages, messages])

    Tool calling:
        .. code-block:: python

            from pydantic import BaseModel, Field

            class GetWeather(BaseModel):
                '''Get the current weather in a given location.'''

                location: str = Field(..., description="City, e.g. Paris")

            llm_with_tools = llm.bind_tools([GetWeather])
            llm_with_tools.invoke("What's the weather in Paris?").tool_calls

    Structured output:
        .. code-block:: python

            class Joke(BaseModel):
                setup: str
                punchline: str

            llm.with_structured_output(Joke).invoke("Tell me a joke about cats")

    Reasoning:
        .. code-block:: python

            msg = llm.invoke("What is 17 * 23?", reasoning_effort="low")
            msg.additional_kwargs["reasoning_content"]  # the model's reasoning text
            [b["type"] for b in msg.content_blocks]  # ['reasoning', 'text']

    Token usage:
        .. code-block:: python

            msg = llm.invoke(messages)
            msg.usage_metadata
            # {'input_tokens': 28, 'output_tokens': 5, 'total_tokens': 33,
            #  'output_token_details': {'reasoning': 0}}

    Response metadata:
        .. code-block:: python

            msg.response_metadata
            # {'model_provider': 'baseten', 'model_name': 'openai/gpt-oss-120b',
            #  'finish_reason': 'stop', 'id': 'chatcmpl-...',
            #  'baseten_request_id': '...'}

    Errors:
        A failed request raises a ``Baseten...Error`` from ``langchain_baseten`` that is
        both the openai SDK's (``openai.NotFoundError`` ...) and langchain-core's
        ``ModelError`` subclass (``ModelNotFoundError`` ...); context-length
        messages raise ``ContextOverflowError``. Bad input is a ``ValueError``
        raised before anything is sent.

        .. code-block:: python

            from langchain_core.exceptions import ContextOverflowError

            try:
                llm.invoke(very_long_history)
            except ContextOverflowError:
                ...  # trim or summarize, then retry
    """

    temperature: float | None = None
    max_tokens: int | None = Field(
        default=None, validation_alias=AliasChoices("max_tokens", "max_completion_tokens")
    )
    top_p: float | None = None
    stop: list[str] | None = Field(
        default=None, validation_alias=AliasChoices("stop", "stop_sequences")
    )
    seed: int | None = None
    frequency_penalty: float | None = None
    presence_penalty: float | None = None
    logit_bias: dict[str, float] | None = None
    logprobs: bool | None = None
    top_logprobs: int | None = None
    reasoning_effort: str | None = None
    """Passed through as given; the allowed values differ per model."""
    reasoning: bool | str | None = None
    """One switch for thinking: ``True``/``False`` or an effort level, sent the way the
    model's profile says (``chat_template_args.enable_thinking`` or ``reasoning_effort``);
    see docs/tools-structured-output-reasoning.md. Also a call argument."""
    session_id: str | None = None
    """Session-affinity key for every request (``x-session-affinity`` on Model APIs,
    ``x-baseten-session-id`` on dedicated deployments); also a call argument and a
    ``configurable`` key. See docs/streaming-usage-costs.md."""
    session_id_from_thread: bool = False
    """Use LangGraph's ``config["configurable"]["thread_id"]`` as the session key."""
    n: int = 1
    """Choices per request. Baseten's Model APIs return one (anything but 1 is an error
    there); vLLM and SGLang deployments return ``n``, as separate generations of
    ``generate()`` (streaming carries one answer, so ``n`` > 1 does not stream)."""

    streaming: bool = False
    """Stream responses internally even for ``invoke``."""
    stream_usage: bool = True
    """Report token usage (once) on streamed responses."""
    model_kwargs: dict[str, Any] = Field(default_factory=dict)
    """Extra body keys for every request (unknown init kwargs land here)."""
    extra_body: dict[str, Any] | None = None
    """Extra top-level body keys, as with the openai client's ``extra_body``."""

    # ChatOpenAI's client options (langchain_baseten._openai_options): never body keys.
    include_response_headers: bool = False
    """Put the HTTP response headers in ``response_metadata["headers"]`` (when streaming,
    the first chunk's), as ChatOpenAI and langchain-baseten 0.2.x do."""
    disabled_params: dict[str, Any] | None = None
    """``{"param": None | [values]}``: never send that parameter (or those values of it),
    whichever layer set it (as ChatOpenAI's ``disabled_params``)."""
    use_responses_api: bool | None = None
    """Accepted as ``False``/``None`` for code written for ChatOpenAI; Baseten serves the
    Chat Completions API, so ``True`` is refused."""
    stream_chunk_timeout: float | None = Field(default=None, exclude=True)
    """Longest wait, in seconds, for the next chunk of an async stream (``astream``,
    ``ainvoke`` with ``streaming=True``); raises ``StreamChunkTimeoutError``, an
    ``asyncio.TimeoutError``, as ChatOpenAI's option of this name. ``None``/``0``: off
    (the default; ChatOpenAI's is 120 s): ``timeout`` already bounds the whole request."""

    # The connection fields (model ... http_async_client) are BasetenConnection's.
    # hide_input_in_errors: a failed validation must never quote the input, api_key included.
    model_config = ConfigDict(
        populate_by_name=True, protected_namespaces=(), hide_input_in_errors=True
    )

    # ------------------------------------------------------------------ validation

    @model_validator(mode="before")
    @classmethod
    def _apply_keyword_policy(cls, values: Any) -> Any:
        """Map other clients' names, refuse credentials, move extras into ``model_kwargs``."""
        if not isinstance(values, dict):
            return values
        values = collect_init_kwargs(cls, values, owner=cls.__name__)
        if isinstance(values.get("profile"), _DerivedProfile):
            values = {k: v for k, v in values.items() if k != "profile"}  # derive it again
        return values

    @model_validator(mode="after")
    def _check_params(self) -> ChatBaseten:
        """Check the request parameters (after the connection: endpoint and key)."""
        check_body_keys(self.model_kwargs, "model_kwargs")
        check_body_keys(self.extra_body or {}, "extra_body")
        check_request_params(
            {
                **self._sampling_params(),
                **self.model_kwargs,
                **(self.extra_body or {}),
                "n": self.n,
                "stop": self.stop,
            }
        )
        _check_choices(self.n, self.endpoint, stream=self.streaming)
        return self

    @model_validator(mode="after")
    def _set_baseten_version(self) -> ChatBaseten:
        """Add this package's version to ``metadata["lc_versions"]`` (traces show it)."""
        self._add_version("langchain-baseten", __version__)
        return self

    @model_validator(mode="after")
    def _fill_profile(self) -> ChatBaseten:
        """Fill ``profile`` now that the endpoint is known (core's validator runs earlier)."""
        if self.profile is None:
            self.profile = self._resolve_model_profile()
        return self

    @field_validator("reasoning", mode="before")
    @classmethod
    def _check_reasoning(cls, value: Any) -> Any:
        return check_reasoning(value)

    @field_validator("use_responses_api", mode="before")
    @classmethod
    def _check_use_responses_api(cls, value: Any) -> Any:
        return check_use_responses_api(value)

    @field_validator("stream_chunk_timeout", mode="before")
    @classmethod
    def _check_stream_chunk_timeout(cls, value: Any) -> Any:
        return check_stream_chunk_timeout(value)

    @field_validator("disabled_params", mode="before")
    @classmethod
    def _check_disabled_params(cls, value: Any) -> Any:
        return check_disabled_params(value)

    @field_validator("session_id", mode="before")
    @classmethod
    def _check_session_id(cls, value: Any) -> Any:
        return check_session_id(value)

    @model_validator(mode="after")
    def _hint_at_a_mistyped_model(self) -> ChatBaseten:
        """Warn about a Model API name that is close to a known slug or the wrong ID length."""
        endpoint = self.endpoint
        if endpoint.kind == "model_api" and self.profile is None:
            hint = model_name_hint(endpoint.model, known_model_names())
            if hint is not None:
                warnings.warn(
                    f"{hint} Requests go to the Model APIs ({endpoint.base_url}), which "
                    "answer 404 for a name they do not serve; list_models() shows the "
                    "catalogue.",
                    UserWarning,
                    stacklevel=2,
                )
        return self

    @model_validator(mode="after")
    def _check_reasoning_for_model(self) -> ChatBaseten:
        """Refuse at construction a ``reasoning=`` the model's profile rules out."""
        if self.reasoning is not None:
            endpoint = self.endpoint
            reasoning_body(self.reasoning, self._reasoning_profile(endpoint), endpoint.model)
        return self

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Self:
        """Copy the model; a derived profile follows a changed ``model``/endpoint.

        The endpoint and transport are always derived from the copy's own
        fields, so a new ``api_key`` or ``base_url`` is what the copy uses.

        Args:
            update: Field values to change in the copy (not validated, as in
                pydantic, except the credential fields: ``api_key`` and
                ``default_headers`` are wrapped as at construction).
            deep: Deep-copy the field values.

        Returns:
            The copy.
        """
        copied = super().model_copy(update=update, deep=deep)
        if (
            update
            and CONNECTION_FIELDS & set(update)
            and isinstance(copied.profile, _DerivedProfile)
        ):
            copied.profile = copied._resolve_model_profile()  # noqa: SLF001
        return copied

    # ------------------------------------------------------------------ LangChain hooks

    def configurable_fields(
        self, **kwargs: AnyConfigurableField
    ) -> RunnableSerializable[LanguageModelInput, AIMessage]:
        """Declare fields configurable at run time; ``model_name`` is ``model``'s alias.

        Args:
            **kwargs: Field names (or the alias ``model_name``) to ``ConfigurableField``s.

        Returns:
            The configurable model.
        """
        if "model_name" in kwargs and "model" not in kwargs:
            kwargs["model"] = kwargs.pop("model_name")
        return super().configurable_fields(**kwargs)

    def _resolve_model_profile(self) -> ModelProfile | None:
        """The shipped profile of the model named, on any host; ``None`` if unknown.

        The model name decides, not the host (``base_url``, ``BASETEN_BASE_URL``):
        see :func:`~langchain_baseten._profiles.profile_for_model_name`. Dedicated
        model IDs and names missing from ``data/model_profiles.json`` get ``None``.
        """
        private = self.__pydantic_private__ or {}
        if private.get("_env") is None:  # core's own validator runs before ours
            return None
        endpoint = self.endpoint
        profile = profile_for_model_name(endpoint.model, dedicated=endpoint.kind == "dedicated")
        return cast("ModelProfile", _DerivedProfile(profile)) if profile is not None else None

    @property
    def reasoning_switch(self) -> str | None:
        """How ``reasoning=`` switches this model's thinking (from its name's shipped data).

        ``"enable_thinking"``, ``"reasoning_effort"``, ``"always"``, or ``None``
        (no documented switch: the pass-through rule). Kept out of ``profile``,
        whose keys are langchain-core's own. A ``reasoning_switch`` in a
        ``profile=`` you pass wins.
        """
        return self._reasoning_profile(self.endpoint).get("reasoning_switch")

    def _target_profile(self, target: Endpoint) -> Mapping[str, Any]:
        """The profile of the model a request goes to (this one's, or a per-call ``model=``'s)."""
        if target == self.endpoint:
            return self.profile or {}
        return profile_for_model_name(target.model, dedicated=target.kind == "dedicated") or {}

    def _reasoning_profile(self, target: Endpoint) -> dict[str, Any]:
        """The profile ``reasoning=`` reads for ``target``: its profile plus its switch."""
        merged = dict(self._target_profile(target))
        if "reasoning_switch" not in merged and target.kind != "dedicated":
            switch = reasoning_switch_for(target.model)
            if switch is not None:
                merged["reasoning_switch"] = switch
        return merged

    @property
    def _llm_type(self) -> str:
        return CHAT_LLM_TYPE

    @classmethod
    def is_lc_serializable(cls) -> bool:
        """Return ``True``: the model round-trips through ``dumpd``/``load``."""
        return True

    @classmethod
    def get_lc_namespace(cls) -> list[str]:
        """Return ``["langchain_baseten", "chat_models"]``."""
        return ["langchain_baseten", "chat_models"]

    @property
    def lc_secrets(self) -> dict[str, str]:
        """The key is a reference to ``BASETEN_API_KEY``; secret headers likewise."""
        return {"api_key": API_KEY_ENV, **secret_header_paths(self.default_headers)}

    @property
    def _identifying_params(self) -> dict[str, Any]:
        """Every setting that shapes the request body (traced, and part of the cache key).

        Secrets are never included (the key and secret headers are not body settings).
        """
        endpoint = self.endpoint
        params: dict[str, Any] = {
            "model_name": endpoint.model,
            "base_url": endpoint.base_url,
            "endpoint_kind": endpoint.kind,
            **self._sampling_params(),
        }
        if self.stop:
            params["stop"] = self.stop
        if self.streaming:
            params["streaming"] = True
        if self.reasoning is not None:
            params["reasoning"] = self.reasoning  # changes the answer: part of the cache key
        params["stream_usage"] = self.stream_usage
        params.update(self.model_kwargs)
        if self.extra_body:
            params.update(self.extra_body)
        return params

    def _get_invocation_params(
        self, stop: list[str] | None = None, **kwargs: Any
    ) -> dict[str, Any]:
        """The call's parameters; ``base_url``/``endpoint_kind`` are the call's own endpoint.

        A per-call ``model=`` can send the call elsewhere (a model ID from the
        Model APIs to a dedicated deployment): the endpoint it resolves to is what
        tracing and the cost callback read, so nothing downstream re-derives it
        from URLs. A ``model=`` that does not resolve keeps this model's endpoint
        (the call itself then fails with the routing error).
        """
        params = super()._get_invocation_params(stop=stop, **kwargs)
        override = kwargs.get("model")
        if isinstance(override, str):
            with contextlib.suppress(ValueError):
                target = self._endpoint_for(override)
                params["base_url"] = target.base_url
                params["endpoint_kind"] = target.kind
        return params

    def _get_ls_params(self, stop: list[str] | None = None, **kwargs: Any) -> LangSmithParams:
        params = LangSmithParams(
            ls_provider=PROVIDER,
            ls_model_name=self.endpoint.model,
            ls_model_type="chat",
        )
        override = kwargs.get("model")
        if isinstance(override, str):
            try:
                params["ls_model_name"] = self._endpoint_for(override).model
            except ValueError:
                params["ls_model_name"] = override
        temperature = kwargs.get("temperature", self.temperature)
        if isinstance(temperature, (int, float)):
            params["ls_temperature"] = temperature
        max_tokens = kwargs.get("max_tokens", self.max_tokens)
        if isinstance(max_tokens, int):
            params["ls_max_tokens"] = max_tokens
        if ls_stop := stop or kwargs.get("stop") or self.stop:
            params["ls_stop"] = ls_stop if isinstance(ls_stop, list) else [ls_stop]
        return params

    def _combine_llm_outputs(self, llm_outputs: list[dict[str, Any] | None]) -> dict[str, Any]:
        token_usage: dict[str, Any] = {}
        model_name = None
        for output in llm_outputs:
            if not output:
                continue
            combine_token_usage(token_usage, output.get("token_usage") or {})
            model_name = model_name or output.get("model_name")
        return {"token_usage": token_usage, "model_name": model_name or self.endpoint.model}

    # ------------------------------------------------------------------ requests

    def _sampling_params(self) -> dict[str, Any]:
        return {
            name: value for name in SAMPLING_FIELDS if (value := getattr(self, name)) is not None
        }

    def _endpoint_for(self, model: str | None, endpoint: Endpoint | None = None) -> Endpoint:
        """The endpoint for a per-call ``model=`` (``endpoint``: this model's, if known)."""
        endpoint = endpoint or self.endpoint
        if model is None or model in {self.model, endpoint.model}:
            return endpoint
        resolved = _resolve_cached(
            model,
            self.route,
            endpoint.base_url if endpoint.kind == "custom" else None,
            self.environment,
            self.deployment_id,
        )
        return on_origin(resolved, (self._env or NO_ENV).origin)

    def _request(
        self,
        messages: Sequence[BaseMessage],
        stop: list[str] | None,
        kwargs: Mapping[str, Any],
        *,
        stream: bool,
    ) -> _Request:
        """Build the request: transport, body, ``stream_usage`` and per-request headers."""
        call = split_call_kwargs(kwargs, owner=type(self).__name__, connection=CONNECTION_NAMES)
        stream_usage = bool(self.stream_usage if call.stream_usage is None else call.stream_usage)
        endpoint, transport = self._connection()
        target = self._endpoint_for(call.model, endpoint)
        tool_media = bool(self._target_profile(target).get("image_tool_message"))
        body: dict[str, Any] = {
            "model": target.model,
            "messages": messages_to_wire(messages, tool_media=tool_media),
        }
        self._body_layers(stop, call).apply(body)
        self._finish_body(body, kwargs.get("reasoning", self.reasoning), target, stream=stream)
        if stream:
            body["stream"] = True
            body["stream_options"] = {"include_usage": stream_usage}
        if target.base_url != endpoint.base_url:
            # Kinds, not URLs: a custom base_url may carry user:password.
            _log.debug(
                "per-call model=%r sends this call to a %s endpoint instead of this model's %s",
                call.model,
                target.kind,
                endpoint.kind,
            )
            transport = Transport(
                dataclasses.replace(transport.settings, base_url=target.base_url),
                http_client=self.http_client,
                http_async_client=self.http_async_client,
            )
        return _Request(transport, body, stream_usage, self._headers(body, target, kwargs))

    def _body_layers(self, stop: list[str] | None, call: CallKwargs) -> _BodyLayers:
        """The body's layers, lowest precedence first (see :class:`_BodyLayers`)."""
        return _BodyLayers(
            sampling=self._sampling_params(),
            stop={"stop": self.stop} if self.stop else {},
            model_kwargs=self.model_kwargs,
            extra_body=self.extra_body or {},
            call_stop={} if stop is None else {"stop": stop},
            call_kwargs=call.body,
            call_extra_body=call.extra_body or {},
        )

    def _finish_body(
        self, body: dict[str, Any], reasoning: Any, target: Endpoint, *, stream: bool
    ) -> None:
        """Finish the merged body: the steps that follow the layers.

        Drops an empty ``stop``, converts a class ``response_format``, adds
        ``reasoning=``, checks the values, and sends ``n`` (a call's, else the
        field's) unless it is 1.
        """
        if not body.get("stop"):
            body.pop("stop", None)
        if isinstance(body.get("response_format"), type):
            # bind(response_format=SomePydanticClass) / a TypedDict, as with ChatOpenAI.
            body["response_format"] = response_format(
                body["response_format"], "json_schema", strict=None
            )
        self._apply_reasoning(body, reasoning, target)
        body.setdefault("n", self.n)
        drop_disabled(body, self.disabled_params)
        check_request_params(body)
        _check_choices(body.get("n", 1), target, stream=stream)
        if body.get("n") == 1:
            del body["n"]

    def _apply_reasoning(self, body: dict[str, Any], value: Any, target: Endpoint) -> None:
        """Add what ``reasoning=`` means for the target model (the user's own keys win)."""
        value = check_reasoning(value)
        if value is None:
            return
        profile = self._reasoning_profile(target)
        apply_reasoning(body, reasoning_body(value, profile or None, target.model))

    def _headers(
        self, body: Mapping[str, Any], target: Endpoint, kwargs: Mapping[str, Any]
    ) -> dict[str, str]:
        """Per-request headers: session affinity, and the hosted-tools opt-in."""
        session = kwargs.get("session_id")
        key = self.session_id if session is None else check_session_id(session)
        headers = session_header(target.kind, key)
        if server_tool_names(body.get("tools")):
            headers[SERVER_TOOLS_HEADER] = "true"
        return headers

    def _with_session(
        self, config: RunnableConfig | None, kwargs: dict[str, Any]
    ) -> dict[str, Any]:
        """Add ``session_id`` from the run's config (see :mod:`langchain_baseten._session`)."""
        if kwargs.get("session_id") is not None:
            return kwargs
        if not config and var_child_runnable_config.get() is None:
            return kwargs  # no config at all (ensure_config would build an empty one)
        key = session_from_config(ensure_config(config), from_thread=self.session_id_from_thread)
        return kwargs if key is None else {**kwargs, "session_id": key}

    def invoke(
        self,
        input: LanguageModelInput,  # noqa: A002 - langchain-core's signature
        config: RunnableConfig | None = None,
        *,
        stop: list[str] | None = None,
        **kwargs: Any,
    ) -> AIMessage:
        """Call the model (see ``BaseChatModel.invoke``); reads the session key from ``config``."""
        return super().invoke(input, config, stop=stop, **self._with_session(config, kwargs))

    async def ainvoke(
        self,
        input: LanguageModelInput,  # noqa: A002 - langchain-core's signature
        config: RunnableConfig | None = None,
        *,
        stop: list[str] | None = None,
        **kwargs: Any,
    ) -> AIMessage:
        """Async twin of :meth:`invoke`."""
        kwargs = self._with_session(config, kwargs)
        return await super().ainvoke(input, config, stop=stop, **kwargs)

    def stream(
        self,
        input: LanguageModelInput,  # noqa: A002 - langchain-core's signature
        config: RunnableConfig | None = None,
        *,
        stop: list[str] | None = None,
        **kwargs: Any,
    ) -> Iterator[AIMessageChunk]:
        """Stream the answer (``BaseChatModel.stream``); reads the session key from ``config``."""
        yield from super().stream(input, config, stop=stop, **self._with_session(config, kwargs))

    async def astream(
        self,
        input: LanguageModelInput,  # noqa: A002 - langchain-core's signature
        config: RunnableConfig | None = None,
        *,
        stop: list[str] | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[AIMessageChunk]:
        """Async twin of :meth:`stream`."""
        kwargs = self._with_session(config, kwargs)
        chunks = cast(
            "AsyncGenerator[AIMessageChunk, None]",
            super().astream(input, config, stop=stop, **kwargs),
        )
        # Close the inner stream with this one: `async for` alone would leave it (and its
        # connection) suspended until garbage collection when the caller stops early.
        async with contextlib.aclosing(chunks):
            async for chunk in chunks:
                yield chunk

    def _response_headers(self, headers: Mapping[str, str]) -> dict[str, str] | None:
        """The headers for ``response_metadata`` (``include_response_headers=True``)."""
        return dict(headers) if self.include_response_headers else None

    def _chat_result(
        self,
        response: Mapping[str, Any],
        headers: Mapping[str, str],
        body: Mapping[str, Any] | None = None,
    ) -> ChatResult:
        messages = _messages_of_choices(response, headers)
        for message in messages:
            add_hosted_tool_metadata(message.response_metadata, server_fields(response), body or {})
            if self.include_response_headers:
                message.response_metadata["headers"] = dict(headers)
        usage = response.get("usage")
        llm_output = {
            "token_usage": dict(usage) if isinstance(usage, dict) else {},
            "model_name": messages[0].response_metadata.get("model_name") or self.endpoint.model,
            "system_fingerprint": response.get("system_fingerprint"),
        }
        return ChatResult(
            generations=[
                ChatGeneration(message=message, generation_info=_generation_info(message))
                for message in messages
            ],
            llm_output=llm_output,
        )

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        if self.streaming:
            return generate_from_stream(self._stream(messages, stop, run_manager, **kwargs))
        with self._scrubbed_errors():
            request = self._request(messages, stop, kwargs, stream=False)
            response = request.transport.post(_CHAT_PATH, request.body, request.headers)
            return _with_parsed(
                self._chat_result(response.data, response.headers, request.body), kwargs
            )

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        if self.streaming:
            return await agenerate_from_stream(self._astream(messages, stop, run_manager, **kwargs))
        with self._scrubbed_errors():
            request = self._request(messages, stop, kwargs, stream=False)
            response = await request.transport.apost(_CHAT_PATH, request.body, request.headers)
            return _with_parsed(
                self._chat_result(response.data, response.headers, request.body), kwargs
            )

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        # Imported at the first stream: with the transport, it brings the openai SDK,
        # which `from langchain_baseten import ChatBaseten` does not import.
        from langchain_baseten._streaming import StreamParser  # noqa: PLC0415

        with self._scrubbed_errors():
            request = self._request(messages, stop, kwargs, stream=True)
            with request.transport.stream(_CHAT_PATH, request.body, request.headers) as events:
                parser = StreamParser(events.response.headers, stream_usage=request.stream_usage)
                headers = self._response_headers(events.response.headers)
                for event in events:
                    chunk = parser.feed(event)
                    if chunk is not None:
                        headers = _attach_headers(chunk, headers)
                        if run_manager:
                            run_manager.on_llm_new_token(chunk.text, chunk=chunk)
                        yield chunk
                chunk = parser.close(events, request.body)
                _attach_headers(chunk, headers)
                if run_manager:
                    run_manager.on_llm_new_token("", chunk=chunk)
                yield chunk

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        from langchain_baseten._streaming import StreamParser  # noqa: PLC0415 - see _stream

        with self._scrubbed_errors():
            request = self._request(messages, stop, kwargs, stream=True)
            async with request.transport.astream(
                _CHAT_PATH, request.body, request.headers
            ) as events:
                parser = StreamParser(events.response.headers, stream_usage=request.stream_usage)
                headers = self._response_headers(events.response.headers)
                timed: AsyncIterable[dict[str, Any]] = (
                    events
                    if self.stream_chunk_timeout is None
                    else events_within(events, self.stream_chunk_timeout, request.body["model"])
                )
                async for event in timed:
                    chunk = parser.feed(event)
                    if chunk is not None:
                        headers = _attach_headers(chunk, headers)
                        if run_manager:
                            await run_manager.on_llm_new_token(chunk.text, chunk=chunk)
                        yield chunk
                chunk = parser.close(events, request.body)
                _attach_headers(chunk, headers)
                if run_manager:
                    await run_manager.on_llm_new_token("", chunk=chunk)
                yield chunk

    # ------------------------------------------------------------------ discovery

    @overload
    def list_models(self, *, details: Literal[False] = False) -> list[str]: ...

    @overload
    def list_models(self, *, details: Literal[True]) -> list[ModelInfo]: ...

    def list_models(self, *, details: bool = False) -> list[str] | list[ModelInfo]:
        """List the models this endpoint serves, from its ``GET /models``.

        On the Model APIs that is Baseten's current catalogue of slugs; on a
        dedicated deployment (``.../sync/v1/models``) it is the served model name,
        the body ``model`` a vLLM or SGLang server expects (``served_model_name=``).
        Nothing is requested until this is called. Only the endpoint matters: any
        Model API instance lists the whole catalogue, and
        ``ChatBaseten(model_url=...).list_models()`` (no ``model`` needed) asks a
        deployment what it serves.

        Args:
            details: Return :class:`~langchain_baseten.ModelInfo` entries
                (context length, output limit, features, input modalities, price
                per million tokens) instead of ids. Fields the server does not
                list are ``None``/empty. Nothing is stored: see
                :meth:`refresh_catalog` for that.

        Returns:
            The model ids (or entries), in the server's order.

        Raises:
            openai.APIError: The request failed (the message shows Baseten's own
                error, the likely cause and the request id).
            BasetenResponseError: The answer had no ``data`` list.

        Example:
            .. code-block:: python

                ChatBaseten(model="baseten/openai/gpt-oss-120b").list_models()
                # ['openai/gpt-oss-120b', 'moonshotai/Kimi-K2.6', ...]
        """
        with self._scrubbed_errors():
            response = self._connection()[1].get("/models")
            url = f"GET {self.endpoint.base_url}/models"
            return parse_models(response.data, url) if details else model_ids(response.data, url)

    @overload
    async def alist_models(self, *, details: Literal[False] = False) -> list[str]: ...

    @overload
    async def alist_models(self, *, details: Literal[True]) -> list[ModelInfo]: ...

    async def alist_models(self, *, details: bool = False) -> list[str] | list[ModelInfo]:
        """Async twin of :meth:`list_models`.

        Args:
            details: Return ``ModelInfo`` entries instead of ids.

        Returns:
            The model ids (or entries), in the server's order.
        """
        with self._scrubbed_errors():
            response = await self._connection()[1].aget("/models")
            url = f"GET {self.endpoint.base_url}/models"
            return parse_models(response.data, url) if details else model_ids(response.data, url)

    def refresh_catalog(self, *, override_shipped: bool = False) -> list[ModelInfo]:
        """Fetch the live catalogue of Baseten's Model APIs and use it in this process.

        Asks this endpoint's ``GET /models``. On the Model APIs
        (``https://inference.baseten.co/v1``) what each entry states is stored for
        the process: profiles of every ``ChatBaseten`` built afterwards (and this
        one's, unless you passed ``profile=``) and the cost callback's prices take
        the live values where the shipped data has none (a slug the package does
        not know, a field its profile lacks). Shipped facts are kept unless
        ``override_shipped=True``; a price registered with ``register_price``
        always wins. On any other endpoint (a gateway, a local server, a
        dedicated deployment) the entries are returned and nothing is stored: a
        warning of the ``langchain_baseten.chat_models`` logger says so. Only this
        call makes a request; nothing is fetched at construction.

        Args:
            override_shipped: Let the live values replace the shipped profile
                fields and prices of the slugs they list (opt-in: a wrong
                catalogue would change every Model API model of the process).

        Returns:
            The catalogue entries, in the server's order.

        Raises:
            openai.APIError: The request failed.
            BasetenResponseError: The answer had no ``data`` list.
        """
        return self._remember(self.list_models(details=True), override_shipped=override_shipped)

    async def arefresh_catalog(self, *, override_shipped: bool = False) -> list[ModelInfo]:
        """Async twin of :meth:`refresh_catalog`.

        Args:
            override_shipped: As for :meth:`refresh_catalog`.

        Returns:
            The catalogue entries, in the server's order.
        """
        infos = await self.alist_models(details=True)
        return self._remember(infos, override_shipped=override_shipped)

    def _remember(self, infos: list[ModelInfo], *, override_shipped: bool) -> list[ModelInfo]:
        url = urlsplit(self.endpoint.base_url)
        if url.scheme != "https" or url.hostname != MODEL_API_HOST:
            _log.warning(
                "refresh_catalog(): %s is not Baseten's Model APIs (%s); its model list "
                "is returned, not stored for the process's profiles and prices",
                self.endpoint.base_url,
                MODEL_API_BASE_URL,
            )
            return infos
        remember(infos, override_shipped=override_shipped)
        if self.profile is None or isinstance(self.profile, _DerivedProfile):
            self.profile = self._resolve_model_profile()
        return infos

    # ------------------------------------------------------------------ tools and structure

    def bind_tools(
        self,
        tools: Sequence[dict[str, Any] | type | Callable[..., Any] | BaseTool],
        *,
        tool_choice: ToolChoice = None,
        strict: bool | None = None,
        parallel_tool_calls: bool | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, AIMessage]:
        """Bind tools (Pydantic models, TypedDicts, functions, ``@tool``s, OpenAI dicts).

        Args:
            tools: The tools the model may call.
            tool_choice: ``"auto"``, ``"none"``, ``"any"``/``"required"``/``True``
                (must call a tool), a tool's name (must call that one), or an OpenAI
                ``tool_choice`` dict. ``None`` leaves it to the server (``auto``).
            strict: Ask the server to follow the tool schemas exactly.
            parallel_tool_calls: Allow (``True``) or forbid (``False``) several
                calls in one turn; ``None`` leaves the server's default.
            **kwargs: Further request parameters bound alongside.

        Returns:
            The model with the tools bound.

        Raises:
            ValueError: For a tool that cannot be converted or a bad ``tool_choice``.

        Example:
            .. code-block:: python

                from langchain_core.tools import tool

                @tool
                def get_weather(city: str) -> str:
                    '''Get the weather for a city.'''
                    return "sunny"

                llm = ChatBaseten(model="baseten/openai/gpt-oss-120b")
                msg = llm.bind_tools([get_weather], tool_choice="any").invoke("Paris?")
                msg.tool_calls  # [{'name': 'get_weather', 'args': {'city': 'Paris'}, ...}]
        """
        hosted = [tool for tool in tools if is_server_tool(tool)]
        formatted = format_tools([t for t in tools if not is_server_tool(t)], strict=strict)
        choice = tool_choice_to_wire(tool_choice, [t["function"]["name"] for t in formatted])
        if choice is not None and not formatted and not hosted and choice != "none":
            msg = f"tool_choice={tool_choice!r} needs at least one tool; none were given."
            raise ValueError(msg)
        if choice is not None:
            kwargs["tool_choice"] = choice
        if parallel_tool_calls is not None:
            kwargs["parallel_tool_calls"] = parallel_tool_calls
        return super().bind(tools=[*formatted, *hosted], **kwargs)

    def with_structured_output(
        self,
        schema: dict[str, Any] | type,
        *,
        method: StructuredOutputMethod = "function_calling",
        include_raw: bool = False,
        strict: bool | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, dict[str, Any] | BaseModel]:
        """Return a runnable whose answers follow ``schema``.

        The default method, ``function_calling``, binds the schema as the only tool
        and forces the model to call it: every Model API model on Baseten supports
        tool calling, whereas ``json_schema`` (constrained decoding through
        ``response_format``) and ``json_mode`` vary by model and engine. Use
        ``json_schema`` where the model supports it for exact schema adherence.

        Args:
            schema: A Pydantic class (answers are instances), a TypedDict or a
                JSON-schema / OpenAI tool dict (answers are dicts).
            method: ``function_calling``, ``json_schema`` or ``json_mode``.
            include_raw: Return ``{"raw", "parsed", "parsing_error"}`` instead of
                raising on a parse failure.
            strict: Ask the server to follow the schema exactly (not for json_mode).
            **kwargs: Further request parameters.

        Returns:
            A runnable producing the structured answer; streaming it yields partial
            objects as the JSON arrives.

        Raises:
            ValueError: For an unknown method, or ``strict`` with ``json_mode``.

        Example:
            .. code-block:: python

                from pydantic import BaseModel

                class Answer(BaseModel):
                    city: str
                    country: str

                llm = ChatBaseten(model="baseten/openai/gpt-oss-120b")
                llm.with_structured_output(Answer).invoke("Where is the Eiffel Tower?")
                # Answer(city='Paris', country='France')
        """
        check_method(method)
        if method == "json_mode" and strict:
            msg = "strict=True does not apply to method='json_mode'; use method='json_schema'."
            raise ValueError(msg)
        ls_format = {
            "kwargs": {"method": method, "strict": strict},
            "schema": convert_to_openai_tool(schema),
        }
        if method == "function_calling":
            llm = self.bind_tools(
                [schema],
                tool_choice=tool_name(schema),
                strict=strict,
                parallel_tool_calls=False,
                ls_structured_output_format=ls_format,
                **kwargs,
            )
        else:
            llm = self.bind(
                response_format=response_format(schema, method, strict=strict),
                ls_structured_output_format=ls_format,
                **kwargs,
            )
        max_tokens = kwargs.get("max_tokens", kwargs.get("max_completion_tokens", self.max_tokens))
        parser = output_parser(
            schema, method, check_stream_end=not include_raw, max_tokens=max_tokens
        )
        if not include_raw:
            return llm | parser
        parse = RunnablePassthrough.assign(
            parsed=itemgetter("raw") | parser, parsing_error=lambda _: None
        )
        keep_error = RunnablePassthrough.assign(parsed=lambda _: None)
        return RunnableMap(raw=llm) | parse.with_fallbacks(
            [keep_error], exception_key="parsing_error"
        )

    # ------------------------------------------------------------------ token counting

    def get_num_tokens_from_messages(
        self,
        messages: list[BaseMessage],
        tools: Sequence[Any] | None = None,
    ) -> int:
        """Estimate the prompt's token count offline, without downloading a tokenizer.

        Uses langchain-core's ``count_tokens_approximately`` (about four characters
        per token, plus a few tokens per message and for tool schemas). Baseten
        serves models with many different tokenizers, so this is an estimate,
        typically within 10-20 % for English text; the exact count is in
        ``usage_metadata["input_tokens"]`` of a response.

        Args:
            messages: The messages to count.
            tools: Tools that would be sent with them (any form ``bind_tools`` takes:
                functions, Pydantic classes, LangChain tools, dicts).

        Returns:
            The estimated number of input tokens.
        """
        # Plain functions, Pydantic classes and LangChain tools alike, as bind_tools takes them
        # (core's counter reads only BaseTool objects and dicts).
        schemas: list[BaseTool | dict[str, Any]] | None = (
            [tool if isinstance(tool, dict) else convert_to_openai_tool(tool) for tool in tools]
            if tools
            else None
        )
        return count_tokens_approximately(messages, tools=schemas)

    def get_num_tokens(self, text: str) -> int:
        """Estimate the token count of a text offline (about four characters per token).

        Args:
            text: The text.

        Returns:
            The estimated number of tokens.
        """
        return count_tokens_approximately([AIMessage(content=text)], extra_tokens_per_message=0)
