"""Endpoint, key and transport from a model's fields: one code path for every class.

Every model class accepts the same connection arguments, declared once in
:class:`langchain_baseten._http.connection.BasetenConnection`, and interprets them
identically.

Fields are inputs: nothing here writes a derived value back into a field. The
endpoint and the transport are derived from the *current* field values by
:func:`derive` and cached together with the values they were derived from, so a
copy made by ``model_copy(update=...)``, an attribute set after construction,
``configurable_fields``, ``ChatBaseten(**llm.model_dump())``, ``dumpd``/``load``,
``pickle`` and ``copy.deepcopy`` all route and authenticate by what the fields
say now. The environment (``BASETEN_BASE_URL``, ``BASETEN_API_BASE``,
``BASETEN_ORIGIN``) is read once, at construction (:func:`endpoint_from_env`),
like ``BASETEN_API_KEY``.
"""

from __future__ import annotations

import dataclasses
import os
import re
from dataclasses import dataclass, field
from operator import itemgetter
from typing import TYPE_CHECKING, Any, NamedTuple

from langchain_core.utils import secret_from_env
from pydantic import AliasChoices, BaseModel, Field, SecretStr

from langchain_baseten._baseten_api import (
    API_KEYS_URL,
    MODEL_API_BASE_URL,
    is_model_id,
    strip_prefix,
)
from langchain_baseten._http.shared_maps import WeakCache
from langchain_baseten._http.transport import ClientSettings, Transport
from langchain_baseten._request_params import is_secret_header
from langchain_baseten._routing import (
    BasetenRoutingError,
    Endpoint,
    check_origin,
    normalize_model_url,
    on_origin,
    resolve_endpoint,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping

__all__ = [
    "API_BASE_ENV",
    "API_KEY_ENV",
    "BASE_URL_ENV",
    "NO_ENV",
    "ORIGIN_ENV",
    "DerivedCache",
    "EnvEndpoint",
    "FieldsKey",
    "api_key_field",
    "check_default_headers",
    "derive",
    "endpoint_from_env",
    "map_published_endpoint",
    "secret_header_paths",
    "validated_secret_field",
]

API_KEY_ENV = "BASETEN_API_KEY"
BASE_URL_ENV = "BASETEN_BASE_URL"
#: The published langchain-baseten (0.2.x) reads its base URL from this variable.
API_BASE_ENV = "BASETEN_API_BASE"
#: Baseten's routing, sent to another server (e.g. ``python -m langchain_baseten.testing``).
ORIGIN_ENV = "BASETEN_ORIGIN"

_MISSING_KEY = (
    "No Baseten API key: pass api_key=... or set the BASETEN_API_KEY environment "
    f"variable (OPENAI_API_KEY is never used for Baseten). Keys are at {API_KEYS_URL}."
)
# RFC 9110 field names: a "token".
_HEADER_NAME = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")


def api_key_field() -> Any:
    """The ``api_key`` field: alias ``baseten_api_key``, read from ``BASETEN_API_KEY``."""
    return Field(
        default_factory=secret_from_env(API_KEY_ENV, default=None),
        validation_alias=AliasChoices("api_key", "baseten_api_key"),
    )


#: The credential fields and the names that set them (``baseten_api_key`` is ``api_key``).
_SECRET_FIELD_NAMES = {
    "api_key": "api_key",
    "baseten_api_key": "api_key",
    "default_headers": "default_headers",
}


def validated_secret_field(name: str, value: Any) -> tuple[str, Any]:
    """Validate a credential field set after construction, as construction does.

    The one place where an attribute assignment (``llm.api_key = "..."``) and
    ``model_copy(update={"api_key": "..."})`` (which pydantic does not validate)
    check and wrap secrets: a string key becomes a ``SecretStr``, credential
    headers become ``SecretStr`` values (:func:`check_default_headers`). Other
    names pass unchanged.

    Args:
        name: The attribute or ``update`` key (``baseten_api_key`` names ``api_key``).
        value: The value given.

    Returns:
        ``(field name, value to store)``.

    Raises:
        ValueError: For a key that is not a string, ``SecretStr`` or ``None``
            (the value is not shown), or bad ``default_headers``.
    """
    field_name = _SECRET_FIELD_NAMES.get(name)
    if field_name is None:
        return name, value
    if field_name == "default_headers":
        return field_name, check_default_headers(value)
    if value is None or isinstance(value, SecretStr):
        return field_name, value
    if isinstance(value, str):
        return field_name, SecretStr(value)
    msg = (
        f"{name} must be a string or a pydantic SecretStr, got {type(value).__name__} "
        "(the value is not shown)."
    )
    raise ValueError(msg)


# ---------------------------------------------------------------------- endpoint inputs


class EnvEndpoint(NamedTuple):
    """The endpoint named by the environment at construction (all ``None`` if none).

    ``origin`` (``BASETEN_ORIGIN``) replaces Baseten's hosts and keeps routing; it
    never comes with ``base_url`` or ``model_url``.
    """

    base_url: str | None = None
    model_url: str | None = None
    origin: str | None = None


#: No endpoint named by the environment (what a model built without one reads).
NO_ENV = EnvEndpoint()


def map_published_endpoint(url: str) -> EnvEndpoint:
    """What a base URL given as the published package's ``baseten_api_base`` means here.

    That package sends every request to the URL verbatim. Here a Baseten
    deployment URL is a ``model_url`` (so the body model and profile are those
    of a dedicated deployment), the Model APIs' own URL is the default (kept
    as a Model API endpoint, profile included), and anything else is a custom
    ``base_url``.

    Args:
        url: The URL as given.

    Returns:
        The equivalent ``base_url``/``model_url`` pair (both ``None`` for the
        Model APIs' default URL).
    """
    if url.strip().rstrip("/") == MODEL_API_BASE_URL:
        return NO_ENV
    try:
        normalize_model_url(url)
    except BasetenRoutingError:
        return EnvEndpoint(base_url=url)
    return EnvEndpoint(model_url=url)


def endpoint_from_env() -> EnvEndpoint:
    """Read ``BASETEN_ORIGIN``, ``BASETEN_BASE_URL`` (a custom endpoint), else ``BASETEN_API_BASE``.

    Called once per construction. ``base_url``/``model_url`` are used only when
    neither field is given; ``origin`` applies to every Baseten URL (``model=``,
    ``model_url=``, a per-call ``model=``), never to a ``base_url=``.

    Returns:
        The endpoint the environment names.

    Raises:
        BasetenRoutingError: For a bad ``BASETEN_ORIGIN``, or when it is set
            together with ``BASETEN_BASE_URL`` or ``BASETEN_API_BASE`` (which one
            is meant cannot be known).
    """
    if origin := os.environ.get(ORIGIN_ENV):
        others = [name for name in (BASE_URL_ENV, API_BASE_ENV) if os.environ.get(name)]
        if others:
            msg = (
                f"{ORIGIN_ENV} and {' and '.join(others)} are both set. {ORIGIN_ENV} keeps "
                "Baseten's routing on another server (Model APIs at <origin>/v1, "
                f"deployments at <origin>/model-<id>/...); {others[0]} sends every request "
                "to one base URL. Unset one of them."
            )
            raise BasetenRoutingError(msg)
        return EnvEndpoint(origin=check_origin(origin))
    if base_url := os.environ.get(BASE_URL_ENV):
        return EnvEndpoint(base_url=base_url)
    if api_base := os.environ.get(API_BASE_ENV):
        return map_published_endpoint(api_base)
    return NO_ENV


def _resolve(fields: Mapping[str, Any], env: EnvEndpoint) -> Endpoint:
    base_url, model_url = fields["base_url"], fields["model_url"]
    if base_url is None and model_url is None:
        base_url, model_url, _ = env
    model, served = fields["model"], fields["served_model_name"]
    label = strip_prefix(model) if isinstance(model, str) else ""
    if model_url is not None and served is None and label and not is_model_id(label):
        # The published package's meaning of model=<label> with model_url=: the label
        # is the body model, what this package calls served_model_name.
        model, served = None, label
    endpoint = resolve_endpoint(
        model,
        route=fields["route"],
        model_url=model_url,
        base_url=base_url,
        environment=fields["environment"],
        deployment_id=fields["deployment_id"],
        served_model_name=served,
    )
    return on_origin(endpoint, env.origin)


def _transport(fields: Mapping[str, Any], endpoint: Endpoint) -> Transport:
    api_key: SecretStr | None = fields["api_key"]
    if api_key is None or not api_key.get_secret_value().strip():
        raise ValueError(_MISSING_KEY)
    timeout: float | None = fields["timeout"]
    if timeout is not None and timeout <= 0:
        msg = f"timeout must be a positive number of seconds, got {timeout!r}."
        raise ValueError(msg)
    headers = {
        name: value.get_secret_value() if isinstance(value, SecretStr) else value
        for name, value in (fields["default_headers"] or {}).items()
    }
    return Transport(
        ClientSettings(
            base_url=endpoint.base_url,
            api_key=api_key.get_secret_value(),
            timeout=timeout,
            max_retries=fields["max_retries"],
            default_headers=tuple(sorted(headers.items())),
            default_query=tuple(sorted((fields["default_query"] or {}).items())),
            max_connections=fields["max_connections"],
            max_response_bytes=fields["max_response_bytes"],
            retry_lost_answers=fields["retry_lost_answers"],
        ),
        http_client=fields["http_client"],
        http_async_client=fields["http_async_client"],
        max_event_bytes=fields["max_event_bytes"],
    )


# ---------------------------------------------------------------------- derived state


@dataclass(frozen=True, slots=True, weakref_slot=True)
class _Derived:
    key: tuple[Any, ...] = field(repr=False)
    endpoint: Endpoint
    transport: Transport = field(repr=False)


class FieldsKey:
    """Reads what the derived state depends on: the connection fields' current values.

    Built from the field names (``BasetenConnection.model_fields``, the one list
    of them). Values are read from the model's ``__dict__`` with one
    ``itemgetter`` call per request; the two dict fields are copied, so that a
    dict changed in place after construction is noticed. Every other value is
    replaced, never changed in place (``api_key`` is a ``SecretStr``).

    The key is also the one snapshot the endpoint and transport are built from
    (:meth:`snapshot`): the fields are never read a second time, so a field set
    by another thread in between cannot give one key's entry another key's
    transport.
    """

    __slots__ = ("_names", "_scalars")

    #: The connection fields that hold dicts (read separately, as copies).
    DICT_FIELDS = ("default_headers", "default_query")

    def __init__(self, names: Iterable[str]) -> None:
        """Read ``names`` (which must include :attr:`DICT_FIELDS`)."""
        names = set(names)
        missing = set(self.DICT_FIELDS) - names
        if missing:
            msg = f"FieldsKey: the connection fields lack {sorted(missing)}."
            raise ValueError(msg)
        self._names = tuple(sorted(names - set(self.DICT_FIELDS)))
        self._scalars = itemgetter(*self._names)

    def __call__(self, values: Mapping[str, Any], env: EnvEndpoint) -> tuple[Any, ...]:
        """The key of ``values`` (a model's ``__dict__``) with the environment's endpoint."""
        headers = values["default_headers"]
        query = values["default_query"]
        return (
            self._scalars(values),
            env,
            dict(headers) if headers else None,
            dict(query) if query else None,
        )

    def snapshot(self, key: tuple[Any, ...]) -> dict[str, Any]:
        """The field values a key was read from (what the derived state is built from)."""
        scalars, _env, headers, query = key
        values = dict(zip(self._names, scalars, strict=True))
        values.update(zip(self.DICT_FIELDS, (headers, query), strict=True))
        return values


class DerivedCache:
    """Holds the endpoint and transport derived from a model's fields.

    Never copied, pickled or deep-copied with the model (a copy starts empty
    and derives its own): the transport holds live clients, locks and the key.
    """

    __slots__ = ("entry", "key")

    def __init__(self, key: FieldsKey) -> None:
        """Start empty; ``key`` reads what the derived state depends on."""
        self.key = key
        self.entry: _Derived | None = None

    def __reduce__(self) -> tuple[type[DerivedCache], tuple[FieldsKey]]:
        """Pickle as an empty cache."""
        return (DerivedCache, (self.key,))

    def __deepcopy__(self, memo: dict[int, Any]) -> DerivedCache:
        """Deep-copy as an empty cache."""
        return DerivedCache(self.key)

    def __repr__(self) -> str:
        """Show the endpoint only."""
        return f"DerivedCache({self.entry.endpoint if self.entry else None!r})"


def derive(
    fields: BaseModel,
    cache: DerivedCache,
    env: EnvEndpoint,
    check: Callable[[Endpoint], None] | None = None,
    transport_base: Callable[[Endpoint], str] | None = None,
) -> tuple[Endpoint, Transport]:
    """The endpoint and transport for the fields' current values.

    Derived again only when a connection field changed since the last call
    (one tuple comparison per request otherwise).

    Args:
        fields: The model instance (a ``BasetenConnection``, which calls this).
        cache: The instance's :class:`DerivedCache`.
        env: The endpoint the environment named at construction.
        check: Called with a freshly resolved endpoint before the key is
            checked (the embeddings class refuses Model API slugs there).
        transport_base: The base URL the transport uses, from the endpoint
            (default: ``endpoint.base_url``; the reranker uses the sync root).

    Returns:
        ``(endpoint, transport)``.

    Raises:
        BasetenRoutingError: When the fields do not name a usable endpoint.
        ValueError: Without an API key, or for a non-positive ``timeout``.
    """
    key = cache.key(fields.__dict__, env)
    entry = cache.entry
    if entry is None or entry.key != key:
        # Built from the key's own values, never from the fields again (see FieldsKey).
        values = cache.key.snapshot(key)
        shared_key = _shared_key(type(fields), values, key)

        def build() -> tuple[Endpoint, Transport]:
            endpoint = _resolve(values, env)
            if check is not None:
                check(endpoint)
            base = endpoint
            if transport_base is not None and (url := transport_base(endpoint)) != base.base_url:
                base = dataclasses.replace(endpoint, base_url=url)
            return endpoint, _transport(values, base)

        if shared_key is None:
            entry = _Derived(key, *build())
        else:
            entry = _SHARED.get_or_create(shared_key, lambda: _Derived(key, *build()))
        cache.entry = entry  # one assignment: safe to share between threads
    return entry.endpoint, entry.transport


# Endpoints and transports of live instances, shared by instances whose connection
# fields are equal (building them again was a large part of a construction: see
# bench/README.md, "Figures behind the code"). Held
# by the instances only: once none uses a transport, it goes, and so do its clients and
# (see pools) its connections. Only for the shared pools: an instance with its own
# http_client keeps its own transport.
_SHARED: WeakCache[tuple[Any, ...], _Derived] = WeakCache()


def _shared_key(
    cls: type[BaseModel], values: Mapping[str, Any], key: tuple[Any, ...]
) -> tuple[Any, ...] | None:
    """A hashable form of ``key`` (with the class, whose checks ran), or ``None``."""
    if values["http_client"] is not None or values["http_async_client"] is not None:
        return None
    scalars, env, headers, query = key
    shared_key = (
        cls,
        scalars,
        env,
        tuple(headers.items()) if headers else None,
        tuple(query.items()) if query else None,
    )
    try:
        hash(shared_key)
    except TypeError:
        return None
    return shared_key


# ---------------------------------------------------------------------- headers


def check_default_headers(
    headers: Mapping[str, Any] | None,
) -> dict[str, str | SecretStr] | None:
    """Validate ``default_headers``; keep credential-like values as ``SecretStr``.

    Header names must be HTTP tokens and values strings. Values of
    ``Authorization``, ``Cookie``, ``X-Api-Key`` and any name that looks like a
    credential are kept as ``SecretStr`` so ``repr``, ``model_dump`` and
    ``dumpd`` never show them; they are sent as given.

    Args:
        headers: The headers as given.

    Returns:
        The headers to store.

    Raises:
        ValueError: For a name that is not an HTTP token or a value that is
            not a string (the value is never shown).
    """
    if headers is None:
        return None
    if not isinstance(headers, dict):
        kind = type(headers).__name__
        msg = f"default_headers must be a dict of header names to strings, got {kind}."
        raise ValueError(msg)  # noqa: TRY004  # bad input, reported like every other
    checked: dict[str, str | SecretStr] = {}
    for name, value in headers.items():
        if not isinstance(name, str) or not _HEADER_NAME.fullmatch(name):
            shown = repr(name)[:60]
            msg = (
                f"default_headers has {shown}, which is not a valid HTTP header name "
                "(letters, digits and !#$%&'*+-.^_`|~ only, no spaces or colons)."
            )
            raise ValueError(msg)
        value = _revive_secret_reference(name, value)  # noqa: PLW2901
        if not isinstance(value, (str, SecretStr)):
            msg = (
                f"default_headers[{name!r}] must be a string, got {type(value).__name__} "
                "(the value is not shown)."
            )
            raise ValueError(msg)  # noqa: TRY004  # bad input, reported like every other
        secret = is_secret_header(name)
        checked[name] = SecretStr(value) if secret and isinstance(value, str) else value
    return checked


def _secret_env_name(name: str) -> str:
    return "BASETEN_HEADER_" + re.sub(r"\W", "_", name).upper()


def _revive_secret_reference(name: str, value: Any) -> Any:
    """A secret header written by ``dumpd`` comes back from ``load`` as its reference.

    langchain-core escapes secret markers nested inside a field, so ``load``
    returns ``{"lc": 1, "type": "secret", "id": [ENV]}`` for the header; it is
    read from that environment variable here (as ``BASETEN_API_KEY`` is).
    """
    if not (isinstance(value, dict) and value.get("type") == "secret" and value.get("lc") == 1):
        return value
    ids = value.get("id")
    env = ids[0] if isinstance(ids, list) and ids and isinstance(ids[0], str) else ""
    if env != _secret_env_name(name):
        return value  # not ours: refused below as a non-string
    if not (secret := os.environ.get(env)):
        msg = (
            f"default_headers[{name!r}] was serialized as a secret reference; set the "
            f"{env} environment variable to its value before loading."
        )
        raise ValueError(msg)
    return SecretStr(secret)


def secret_header_paths(headers: Mapping[str, Any] | None) -> dict[str, str]:
    """``lc_secrets`` entries for credential-like default headers.

    ``dumpd`` writes them as secret references (``BASETEN_HEADER_<NAME>``,
    e.g. ``BASETEN_HEADER_AUTHORIZATION``); after ``load`` the value is read
    from that environment variable.

    Args:
        headers: The stored ``default_headers``.

    Returns:
        ``{"default_headers.<Name>": "BASETEN_HEADER_<NAME>"}`` per secret header.
    """
    return {
        f"default_headers.{name}": _secret_env_name(name)
        for name, value in (headers or {}).items()
        if isinstance(value, SecretStr) and "." not in name
    }


def check_timeout_shape(value: Any) -> Any:
    """Refuse ChatOpenAI's other ``request_timeout`` forms, naming what to pass instead.

    ``timeout`` is one number: the seconds a request may take in total. A
    ``(connect, read)`` pair or an ``httpx.Timeout`` sets per-phase limits, which
    belong on the HTTP client.

    Raises:
        ValueError: For a tuple, list or timeout object.
    """
    if isinstance(value, (tuple, list)) or type(value).__name__ == "Timeout":
        msg = (
            f"timeout={value!r}: per-phase limits (connect, read ...) are not one number. "
            "timeout (alias request_timeout) is the seconds a whole request may take, the "
            "stream included (e.g. timeout=30); connecting has its own 5 s limit. For "
            "per-phase limits pass http_client=httpx2.Client(timeout=httpx2.Timeout(...)) "
            "(and http_async_client=) and leave timeout unset."
        )
        raise ValueError(msg)
    return value
