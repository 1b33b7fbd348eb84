"""Baseten's facts: hosts, URL templates, the ``baseten/`` prefix, header and provider names.

One place for what Baseten's API looks like from outside; routing, errors,
callbacks, pricing, profiles, sessions and the model classes read it, and none
spells these again. Sources: Baseten's inference API docs
(https://docs.baseten.co/reference/inference-api/chat-completions; Model APIs at
``inference.baseten.co/v1``, dedicated deployments at
``model-<id>.api.baseten.co/environments/<env>/sync/v1``), session affinity and
hosted tools as cited in :mod:`langchain_baseten._session` and
:mod:`langchain_baseten._server_tools`.
"""

from __future__ import annotations

import re
from typing import Final
from urllib.parse import urlsplit

__all__ = [
    "API_KEYS_URL",
    "CHAT_LLM_TYPE",
    "DEDICATED_HOST",
    "DEDICATED_SESSION_HEADER",
    "DEFAULT_ENVIRONMENT",
    "MODEL_API_BASE_URL",
    "MODEL_API_HOST",
    "MODEL_API_SESSION_HEADER",
    "MODEL_ID",
    "MODEL_PREFIX",
    "PROVIDER",
    "REQUEST_ID_HEADER",
    "SERVER_TOOLS_HEADER",
    "dedicated_base_url",
    "is_baseten_deployment_url",
    "is_dedicated_host",
    "is_model_id",
    "strip_prefix",
]

#: The provider name in ``response_metadata["model_provider"]``, LangSmith's
#: ``ls_provider`` and the content-block translator registry.
PROVIDER: Final = "baseten"
#: ``ChatBaseten._llm_type`` (the ``_type`` of its invocation params).
CHAT_LLM_TYPE: Final = "baseten-chat"

#: The optional prefix of a model string (``baseten/openai/gpt-oss-120b``); exactly one is removed.
MODEL_PREFIX: Final = "baseten/"
#: A dedicated deployment's model ID: 8 ASCII letters or digits (Baseten's are lowercase).
MODEL_ID: Final = re.compile(r"[A-Za-z0-9]{8}")

#: The Model APIs (shared, per-token billing).
MODEL_API_HOST: Final = "inference.baseten.co"
MODEL_API_BASE_URL: Final = f"https://{MODEL_API_HOST}/v1"

#: Dedicated deployments (GPU-time billing): ``model-<id>.api.baseten.co`` and the
#: regional ``model-<id>-<env>.api.baseten.co``; groups: model ID, regional environment.
#: The ID in a pasted URL is taken as the dashboard shows it (4-32 letters and digits):
#: only ``model=`` needs the 8-character shape, to tell an ID from a slug.
DEDICATED_HOST: Final = re.compile(
    r"model-([a-z0-9]{4,32})(?:-([a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?))?\.api\.baseten\.co"
)
_DEDICATED_DOMAIN: Final = ".api.baseten.co"
_BASETEN_DOMAIN: Final = "baseten.co"
#: The environment a dedicated deployment is reached through when none is named.
DEFAULT_ENVIRONMENT: Final = "production"
# A deployment's OpenAI-style routes live under its sync root: .../sync/v1.
_SYNC_PATH: Final = re.compile(r"/sync(?:/v1)?/?$")

#: Baseten's request id on every answer (kept in ``response_metadata`` and errors).
REQUEST_ID_HEADER: Final = "x-baseten-request-id"
#: Session affinity on the Model APIs (and a gateway in front of them).
MODEL_API_SESSION_HEADER: Final = "x-session-affinity"
#: Sticky sessions on dedicated deployments.
DEDICATED_SESSION_HEADER: Final = "x-baseten-session-id"
#: The opt-in for Baseten's hosted tools (early access).
SERVER_TOOLS_HEADER: Final = "x-baseten-server-tools"

#: Where users create API keys (named in the missing-key error).
API_KEYS_URL: Final = "https://app.baseten.co/settings/api_keys"


def strip_prefix(model: str) -> str:
    """Remove one leading ``baseten/`` (``baseten/baseten/x`` -> ``baseten/x``).

    Args:
        model: A model string.

    Returns:
        The name without its prefix.
    """
    return model.removeprefix(MODEL_PREFIX)


def is_model_id(name: str) -> bool:
    """Whether ``name`` (without prefix) has the shape of a dedicated model ID.

    Args:
        name: The model name.

    Returns:
        ``True`` for exactly 8 ASCII letters or digits.
    """
    return MODEL_ID.fullmatch(name) is not None


def dedicated_base_url(model_id: str, environment: str | None, deployment_id: str | None) -> str:
    """The ``/sync/v1`` base of a dedicated deployment's environment or deployment.

    Args:
        model_id: The lowercase model ID.
        environment: The environment (default ``production``).
        deployment_id: One deployment (wins over ``environment``).

    Returns:
        The base URL, without a trailing slash.
    """
    host = f"https://model-{model_id}{_DEDICATED_DOMAIN}"
    if deployment_id is not None:
        return f"{host}/deployment/{deployment_id}/sync/v1"
    return f"{host}/environments/{environment or DEFAULT_ENVIRONMENT}/sync/v1"


def is_dedicated_host(host: str) -> bool:
    """Whether a (lowercase) host name is one of Baseten's deployment hosts.

    Args:
        host: The host name.

    Returns:
        ``True`` for ``*.api.baseten.co`` (models and chains).
    """
    return host.endswith(_DEDICATED_DOMAIN)


def is_baseten_host(host: str) -> bool:
    """Whether a (lowercase) host name is Baseten's (the Model APIs or a deployment).

    Args:
        host: The host name.

    Returns:
        ``True`` for ``baseten.co`` and its subdomains.
    """
    return host == _BASETEN_DOMAIN or host.endswith("." + _BASETEN_DOMAIN)


def server_name(host: str) -> str:
    """Who answered, for error messages: ``Baseten``, or ``The server at <host>``.

    A ``base_url`` may point at any OpenAI-compatible server (a local vLLM, a
    proxy); its errors must not be blamed on Baseten.

    Args:
        host: The host the request went to (empty when unknown: ``Baseten``).

    Returns:
        The subject that starts a sentence such as "... returned HTTP 404".
    """
    return "Baseten" if not host or is_baseten_host(host.lower()) else f"The server at {host}"


def is_baseten_deployment_url(url: str) -> bool:
    """Whether a custom base URL points at a deployment (billed by GPU time, not tokens).

    A gateway or proxy given as ``base_url`` is a ``custom`` endpoint; it still
    reaches a dedicated deployment when its host is a deployment host or its
    path ends at a deployment's sync root (``.../sync`` or ``.../sync/v1``).

    Args:
        url: The base URL.

    Returns:
        ``True`` when the URL has a deployment's host or sync path.
    """
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    host = (parts.hostname or "").lower()
    return is_dedicated_host(host) or _SYNC_PATH.search(parts.path) is not None
