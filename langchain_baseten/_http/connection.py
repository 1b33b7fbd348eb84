"""The connection fields every Baseten model class shares, declared once.

:class:`BasetenConnection` owns the connection fields (``model`` ...
``http_async_client``; their names are :data:`CONNECTION_FIELDS`, read from the
class, never listed again), their checks, and the resolved ``endpoint`` and
transport (derived by :mod:`langchain_baseten._http.settings`).
``ChatBaseten`` extends it directly; ``BasetenEmbeddings``, ``BasetenRerank``
and ``BasetenClassifier`` extend :class:`IdempotentConnection` (lost answers
retried by default). Each class adds only its own fields and checks, through
two hooks: :meth:`BasetenConnection._check_endpoint` (refuse an endpoint kind)
and :meth:`BasetenConnection._transport_base` (where the transport posts).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final, Self

from pydantic import (
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    SecretStr,
    ValidationInfo,
    field_validator,
    model_validator,
)

from langchain_baseten._http.limits import (
    DEFAULT_MAX_CONNECTIONS,
    DEFAULT_MAX_EVENT_BYTES,
    DEFAULT_MAX_RESPONSE_BYTES,
)
from langchain_baseten._http.settings import (
    NO_ENV,
    DerivedCache,
    EnvEndpoint,
    FieldsKey,
    api_key_field,
    check_default_headers,
    check_timeout_shape,
    derive,
    endpoint_from_env,
    validated_secret_field,
)
from langchain_baseten._keyword_policy import collect_init_kwargs, known_names
from langchain_baseten._redact import ScrubbedErrors, secret_values
from langchain_baseten._routing import Route  # noqa: TC001  # pydantic reads it at runtime

if TYPE_CHECKING:
    from collections.abc import Mapping

    from langchain_baseten._http.transport import Transport
    from langchain_baseten._routing import Endpoint

__all__ = ["CONNECTION_FIELDS", "CONNECTION_NAMES", "BasetenConnection", "IdempotentConnection"]


def _new_derived_cache() -> DerivedCache:
    return DerivedCache(_FIELDS_KEY)


class BasetenConnection(BaseModel):
    """Endpoint, key and client settings: where requests go and how they authenticate."""

    model: str | None = Field(default=None, validation_alias=AliasChoices("model", "model_name"))
    """Model API slug or dedicated model ID, optionally prefixed ``baseten/`` (embeddings,
    rerankers and classifiers need a dedicated model ID)."""
    route: Route = "auto"
    """``auto``, ``model_api`` or ``dedicated``: how ``model`` is routed (Model APIs
    serve chat models only: ``model_api`` is an error for the other classes)."""
    model_url: str | None = None
    """A dedicated deployment URL as copied from Baseten's dashboard."""
    base_url: str | None = None
    """A custom endpoint (gateway, local server) as given; see ``endpoint.base_url``
    (rerankers and classifiers drop a trailing ``/v1`` to reach ``/rerank``, ``/predict``)."""
    environment: str | None = None
    """Dedicated deployments: the environment name (``production`` by default)."""
    deployment_id: str | None = None
    """Dedicated deployments: a specific deployment instead of an environment."""
    served_model_name: str | None = None
    """The body ``model`` for dedicated deployments and custom endpoints (rerankers and
    classifiers send no model name: there it must stay unset)."""
    api_key: SecretStr | None = api_key_field()
    """Baseten API key; read from ``BASETEN_API_KEY`` when not given."""

    timeout: float | None = Field(
        default=None, validation_alias=AliasChoices("timeout", "request_timeout")
    )
    """Seconds one request may take in total: from sending it to the last byte of the
    answer, the whole stream included (each retry gets its own). Checked as data
    arrives, so a server that keeps sending slowly cannot hold a call longer; raises
    ``openai.APITimeoutError``. ``None``: no total limit, only the openai client's
    defaults (600 s per read, 5 s to connect)."""
    max_retries: int = Field(default=2, ge=0)
    """Retries with backoff (honouring ``Retry-After``) of failures that cannot have
    produced an answer: connecting, a full pool, HTTP 408/409/429/502/503 (see
    ``retry_lost_answers`` for the others)."""
    retry_lost_answers: bool = False
    """Also retry failures after the request reached the server: a read timeout, a
    connection closed while waiting for or reading the answer, an answer cut short,
    HTTP 500/504. Off by default because the model may already have generated, and
    Baseten billed, the answer that was lost: a retry would bill it again."""
    max_response_bytes: int = Field(default=DEFAULT_MAX_RESPONSE_BYTES, ge=1)
    """Largest plain (non-streamed) answer accepted, counted decoded (after gzip):
    100 MiB by default. Reading stops there and ``BasetenResponseError`` is raised,
    so a small compressed body cannot expand into gigabytes of memory."""
    max_event_bytes: int = Field(default=DEFAULT_MAX_EVENT_BYTES, ge=1)
    """Largest single event of a streamed answer (the sum of its ``data:`` lines):
    16 MiB by default. A longer event raises ``BasetenResponseError`` and reading
    stops, so a server that never ends a line cannot fill memory. Only chat streams."""
    max_connections: int = Field(default=DEFAULT_MAX_CONNECTIONS, ge=1)
    """Connections open at once to one endpoint with one API key (shared by every
    instance with the same endpoint and key); more requests wait for a free one.
    Each endpoint and key has its own pool, so one busy tenant or host never makes
    another wait."""
    default_headers: dict[str, str | SecretStr] | None = None
    """Headers for every request; credential-like ones (``Authorization`` ...) are kept secret."""
    default_query: dict[str, str] | None = None
    """Query parameters for every request."""
    http_client: Any | None = Field(default=None, exclude=True)
    """An ``httpx2.Client`` or a classic ``httpx.Client`` to use instead of the shared pool."""
    http_async_client: Any | None = Field(default=None, exclude=True)
    """An ``httpx2.AsyncClient`` or a classic ``httpx.AsyncClient``, likewise (async calls)."""

    # hide_input_in_errors: a failed validation must never quote the input, api_key included.
    model_config = ConfigDict(
        populate_by_name=True, protected_namespaces=(), hide_input_in_errors=True
    )

    # Fields are inputs: endpoint and transport are derived from them (see settings).
    _derived: DerivedCache = PrivateAttr(default_factory=_new_derived_cache)
    _env: EnvEndpoint | None = PrivateAttr(default=None)  # read by the validator below

    def model_post_init(self, context: Any, /) -> None:
        """Run the next class's post-init (langchain-core stamps its version in ``metadata``).

        Without this, pydantic's private-attribute set-up that it installs as this
        class's ``model_post_init`` would hide ``BaseLanguageModel.model_post_init``.
        """
        super().model_post_init(context)

    # ------------------------------------------------------------------ validation

    @model_validator(mode="before")
    @classmethod
    def _apply_keyword_policy(cls, values: Any) -> Any:
        """Map other clients' names and refuse credentials (unknown names stay errors)."""
        if not isinstance(values, dict):
            return values
        return collect_init_kwargs(cls, values, owner=cls.__name__, extras=False)

    @field_validator("timeout", mode="before")
    @classmethod
    def _check_timeout_shape(cls, value: Any) -> Any:
        return check_timeout_shape(value)

    @field_validator("default_headers", mode="before")
    @classmethod
    def _check_headers(cls, value: Any) -> Any:
        return check_default_headers(value)

    @field_validator("http_client", "http_async_client")
    @classmethod
    def _check_http_client(cls, value: Any, info: ValidationInfo) -> Any:
        """A client of the right kind, httpx2's or classic httpx's (see ``_http.httpx_classic``)."""
        if value is None:
            return value
        from langchain_baseten._http.httpx_classic import check_http_client  # noqa: PLC0415

        return check_http_client(str(info.field_name), value)

    @model_validator(mode="after")
    def _check_connection(self) -> Self:
        """Check the class's own fields, read the environment once, check endpoint and key."""
        self._check_fields()
        self._env = endpoint_from_env()
        self._connection()
        return self

    def _check_fields(self) -> None:
        """Checks a class runs before the endpoint is resolved (none by default)."""

    def _check_endpoint(self, endpoint: Endpoint) -> None:
        """Refuse a freshly resolved endpoint the class cannot use (any by default)."""

    def _transport_base(self, endpoint: Endpoint) -> str:
        """The base URL the transport posts to (default: ``endpoint.base_url``)."""
        return endpoint.base_url

    # ------------------------------------------------------------------ assignment

    def __setattr__(self, name: str, value: Any) -> None:
        """Set an attribute; a credential field is validated and wrapped as at construction."""
        name, value = validated_secret_field(name, value)
        super().__setattr__(name, value)

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Self:
        """Copy the model; credential fields in ``update`` are validated as at construction.

        pydantic stores ``update`` unvalidated; a plain string ``api_key`` would
        show in ``repr`` and fail every call. Other fields are stored as given.

        Args:
            update: Field values to change in the copy.
            deep: Deep-copy the field values.

        Returns:
            The copy.
        """
        if update:
            update = dict(validated_secret_field(name, value) for name, value in update.items())
        return super().model_copy(update=update, deep=deep)

    # ------------------------------------------------------------------ secrets

    def _secrets(self) -> tuple[str, ...]:
        """The key and the credential headers' values: what no error of this model shows."""
        return secret_values(
            _plain(self.api_key),
            [(name, _plain(value)) for name, value in (self.default_headers or {}).items()],
        )

    def _scrubbed_errors(self) -> ScrubbedErrors:
        """A context manager: an error leaving it shows none of :meth:`_secrets`."""
        return ScrubbedErrors(self._secrets)

    # ------------------------------------------------------------------ derived state

    def _connection(self) -> tuple[Endpoint, Transport]:
        """The endpoint and transport for the current field values."""
        # Read the private attributes directly: pydantic's __getattr__ is slow (bench/README.md).
        private: dict[str, Any] = self.__pydantic_private__  # type: ignore[assignment]
        return derive(
            self,
            private["_derived"],
            private["_env"] or NO_ENV,
            self._check_endpoint,
            self._transport_base,
        )

    @property
    def endpoint(self) -> Endpoint:
        """The resolved endpoint (``base_url``, body ``model``, ``kind``, deployment details).

        Derived from the current fields on each access (cached until one changes).
        """
        return self._connection()[0]

    @property
    def model_name(self) -> str:
        """The model name sent in request bodies (ChatOpenAI-compatible spelling)."""
        return self.endpoint.model

    @property
    def baseten_api_key(self) -> SecretStr | None:
        """The API key (the published langchain-baseten's attribute name for ``api_key``)."""
        return self.api_key

    @property
    def baseten_api_base(self) -> str:
        """The resolved base URL (the published langchain-baseten's attribute name)."""
        return self.endpoint.base_url


def _plain(value: object) -> str:
    """A credential field's text (``""`` for anything but a string or ``SecretStr``)."""
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    return value if isinstance(value, str) else ""


class IdempotentConnection(BasetenConnection):
    """The connection of idempotent, cheap requests (embeddings, rerank, predict)."""

    max_retries: int = Field(default=2, ge=0)
    """Retries with backoff (honouring ``Retry-After``) on 408/409/429/5xx, timeouts and lost
    connections (these requests are idempotent and cheap, so lost answers are retried too)."""
    retry_lost_answers: bool = True
    """Also retry failures after the request reached the server (read timeouts, cut
    answers, HTTP 500/504): on by default, as these requests are idempotent and cheap."""

    model_config = ConfigDict(extra="forbid")


#: The connection fields (decide where a request goes, how it authenticates and how it
#: is bounded; refused per call): ``BasetenConnection``'s own fields, the one list of them.
CONNECTION_FIELDS: Final = frozenset(BasetenConnection.model_fields)
#: The connection fields and their aliases (``model_name``, ``baseten_api_key``,
#: ``request_timeout``): none of them can change per call.
CONNECTION_NAMES: Final = known_names(BasetenConnection)
_FIELDS_KEY: Final = FieldsKey(CONNECTION_FIELDS)
