"""Endpoint, key and transport from a model's fields: one code path for every class.

``ChatBaseten`` and ``BasetenEmbeddings`` accept the same connection arguments
(``model``, ``route``, ``model_url``, ``base_url``, ``environment``,
``deployment_id``, ``served_model_name``, ``api_key``, ``timeout``,
``max_retries``, ``default_headers``, ``default_query``, ``http_client``,
``http_async_client``) and must interpret them identically. Both call
:func:`resolve_from_fields` and then :func:`transport_from_fields`; a class can
check the resolved endpoint in between (the embeddings class rejects Model API
slugs there, before complaining about a missing key).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, Protocol

from langchain_core.utils import secret_from_env
from pydantic import AliasChoices, Field

from langchain_baseten.routing import Endpoint, Route, resolve_endpoint
from langchain_baseten.transport import ClientSettings, Transport

if TYPE_CHECKING:
    from pydantic import SecretStr

__all__ = [
    "API_KEY_ENV",
    "BASE_URL_ENV",
    "ConnectionFields",
    "api_key_field",
    "custom_base_url",
    "resolve_from_fields",
    "transport_from_fields",
]

API_KEY_ENV = "BASETEN_API_KEY"
BASE_URL_ENV = "BASETEN_BASE_URL"

_MISSING_KEY = (
    "No Baseten API key: pass api_key=... or set the BASETEN_API_KEY environment "
    "variable (OPENAI_API_KEY is never used for Baseten). Keys are at "
    "https://app.baseten.co/settings/api_keys."
)


class ConnectionFields(Protocol):
    """The connection fields a Baseten model class declares (read-only here)."""

    model: str | None
    route: Route
    model_url: str | None
    base_url: str | None
    environment: str | None
    deployment_id: str | None
    served_model_name: str | None
    api_key: SecretStr | None
    timeout: float | None
    max_retries: int
    default_headers: dict[str, str] | None
    default_query: dict[str, str] | None
    http_client: Any | None
    http_async_client: Any | None


def api_key_field() -> Any:
    """The ``api_key`` field: alias ``baseten_api_key``, read from ``BASETEN_API_KEY``."""
    return Field(
        default_factory=secret_from_env(API_KEY_ENV, default=None),
        validation_alias=AliasChoices("api_key", "baseten_api_key"),
    )


def custom_base_url(fields: ConnectionFields) -> str | None:
    """The custom endpoint in use: ``base_url``, else ``BASETEN_BASE_URL`` unless ``model_url``.

    Args:
        fields: The model instance (or anything with its connection fields).

    Returns:
        The base URL that replaces Baseten's endpoints, or ``None``.
    """
    if fields.base_url is not None or fields.model_url is not None:
        return fields.base_url
    return os.environ.get(BASE_URL_ENV) or None


def resolve_from_fields(fields: ConnectionFields) -> Endpoint:
    """Resolve the endpoint the fields name.

    ``BASETEN_BASE_URL`` stands in for ``base_url`` when neither ``base_url`` nor
    ``model_url`` is given (see :func:`custom_base_url`).

    Args:
        fields: The model instance (or anything with its connection fields).

    Returns:
        The resolved endpoint.

    Raises:
        BasetenRoutingError: When the fields do not name a usable endpoint.
    """
    return resolve_endpoint(
        fields.model,
        route=fields.route,
        model_url=fields.model_url,
        base_url=custom_base_url(fields),
        environment=fields.environment,
        deployment_id=fields.deployment_id,
        served_model_name=fields.served_model_name,
    )


def transport_from_fields(fields: ConnectionFields, endpoint: Endpoint) -> Transport:
    """Check the key and client settings; return the transport for ``endpoint``.

    No client is built here (the transport builds or shares one on first use).

    Args:
        fields: The model instance (or anything with its connection fields).
        endpoint: The endpoint from :func:`resolve_from_fields`.

    Returns:
        The transport for ``endpoint``.

    Raises:
        ValueError: Without an API key, or for a non-positive ``timeout``.
    """
    if fields.api_key is None or not fields.api_key.get_secret_value().strip():
        raise ValueError(_MISSING_KEY)
    if fields.timeout is not None and fields.timeout <= 0:
        msg = f"timeout must be a positive number of seconds, got {fields.timeout!r}."
        raise ValueError(msg)
    return Transport(
        ClientSettings(
            base_url=endpoint.base_url,
            api_key=fields.api_key.get_secret_value(),
            timeout=fields.timeout,
            max_retries=fields.max_retries,
            default_headers=tuple(sorted((fields.default_headers or {}).items())),
            default_query=tuple(sorted((fields.default_query or {}).items())),
        ),
        http_client=fields.http_client,
        http_async_client=fields.http_async_client,
    )
