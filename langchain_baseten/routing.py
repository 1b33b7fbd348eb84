"""Endpoint routing: one ``model`` string (plus optional settings) -> one endpoint.

Pure functions, no I/O. The rules:

* ``"baseten/openai/gpt-oss-120b"`` / ``"openai/gpt-oss-120b"``: a Model API slug,
  sent to ``https://inference.baseten.co/v1`` with body model ``openai/gpt-oss-120b``.
* ``"baseten/abcd1234"`` / ``"abcd1234"``: exactly 8 ASCII letters/digits after at
  most one leading ``baseten/`` is a dedicated deployment:
  ``https://model-abcd1234.api.baseten.co/environments/production/sync/v1``.
* ``route="model_api"`` sends an 8-character name to the Model APIs instead;
  ``route="dedicated"`` insists on a model ID.
* ``environment=`` / ``deployment_id=`` pick another target of a deployment.
* ``model_url=`` takes a deployment URL copied from Baseten's dashboard and
  normalises it to its ``/sync/v1`` base.
* ``base_url=`` replaces all of this: a gateway or a local server.

Everything that ends up in a hostname or path is validated strictly, so no
input can make a request go to a host other than Baseten's (or the user's own
``base_url``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

__all__ = [
    "MODEL_API_BASE_URL",
    "BasetenRoutingError",
    "Endpoint",
    "Route",
    "normalize_model_url",
    "resolve_endpoint",
]

Route = Literal["auto", "model_api", "dedicated"]
MODEL_API_BASE_URL = "https://inference.baseten.co/v1"

_PREFIX = "baseten/"
_MODEL_ID = re.compile(r"[A-Za-z0-9]{8}")
_NAME = re.compile(r"[a-z0-9](?:[a-z0-9_-]{0,62}[a-z0-9])?")
_SLUG = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/:+-]*")
_HOST = re.compile(
    r"model-([a-z0-9]{8})(?:-([a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?))?\.api\.baseten\.co"
)
_ROUTES = ("auto", "model_api", "dedicated")
_PATH_TAILS = ("/chat/completions", "/completions", "/embeddings", "/models")


class BasetenRoutingError(ValueError):
    """A model string or endpoint setting cannot be routed; the message says how to fix it."""


@dataclass(frozen=True, slots=True)
class Endpoint:
    """Where requests go, and what they call the model.

    Attributes:
        base_url: The OpenAI-style base URL, without a trailing slash.
        model: The request body's ``model``.
        kind: ``model_api``, ``dedicated`` or ``custom`` (a user ``base_url``).
        model_id: The dedicated deployment's 8-character model ID, when known.
        environment: The dedicated deployment's environment, when one is targeted.
        deployment_id: The dedicated deployment's deployment ID, when one is targeted.
    """

    base_url: str
    model: str
    kind: Literal["model_api", "dedicated", "custom"]
    model_id: str | None = None
    environment: str | None = None
    deployment_id: str | None = None


def _show(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."  # noqa: PLR2004


def _fail(message: str) -> BasetenRoutingError:
    return BasetenRoutingError(message)


def _strip_prefix(model: str) -> str:
    return model.removeprefix(_PREFIX)


def _is_model_id(name: str) -> bool:
    return _MODEL_ID.fullmatch(name) is not None


def _check_name(value: str, what: str) -> str:
    if not _NAME.fullmatch(value):
        msg = (
            f"{what}={_show(value)} is not a valid Baseten {what.replace('_', ' ')}: use "
            "lowercase letters, digits, '-' and '_' only (as shown in Baseten's dashboard)."
        )
        raise _fail(msg)
    return value


def _dedicated_base(model_id: str, environment: str | None, deployment_id: str | None) -> str:
    host = f"https://model-{model_id}.api.baseten.co"
    if deployment_id is not None:
        return f"{host}/deployment/{deployment_id}/sync/v1"
    return f"{host}/environments/{environment or 'production'}/sync/v1"


def _strip_tail(path: str) -> str:
    path = path.rstrip("/")
    for tail in _PATH_TAILS:
        if path.endswith(tail):
            return path[: -len(tail)].rstrip("/")
    return path


def normalize_model_url(url: str) -> tuple[str, str | None]:  # noqa: C901
    """Turn a deployment URL copied from Baseten's dashboard into its ``/sync/v1`` base.

    Accepts ``.../predict``, ``.../async_predict``, ``.../sync``, ``.../sync/v1``,
    a pasted ``.../sync/v1/chat/completions`` and trailing slashes, for the
    targets ``environments/<env>``, ``production``, ``development`` and
    ``deployment/<id>``, on ``model-<id>.api.baseten.co`` and on regional hosts
    ``model-<id>-<env>.api.baseten.co`` (whose paths carry no target).

    Args:
        url: The copied URL.

    Returns:
        ``(base_url, model_id)``.

    Raises:
        BasetenRoutingError: For anything that is not an https Baseten deployment URL.

    Example:
        >>> normalize_model_url("https://model-abcd1234.api.baseten.co/production/predict")
        ('https://model-abcd1234.api.baseten.co/production/sync/v1', 'abcd1234')
    """
    hint = (
        "model_url must be a Baseten deployment URL such as "
        "'https://model-abcd1234.api.baseten.co/environments/production/predict'; "
        "for a gateway or local server pass it as base_url= instead."
    )
    if not isinstance(url, str) or not url.isascii() or any(c in url for c in " \t\r\n\\"):
        msg = f"model_url={_show(url)} is not a plain ASCII URL. {hint}"
        raise _fail(msg)
    parts = urlsplit(url.strip())
    host = parts.hostname or ""
    match = _HOST.fullmatch(host)
    if (
        parts.scheme != "https"
        or match is None
        or parts.username is not None
        or parts.password is not None
        or parts.port is not None
        or parts.query
        or parts.fragment
        or "@" in parts.netloc
        or parts.netloc != host
    ):
        msg = f"model_url={_show(url)} is not an https Baseten deployment URL. {hint}"
        raise _fail(msg)
    model_id, regional_env = match.group(1), match.group(2)
    segments = [s for s in _strip_tail(parts.path).split("/") if s]
    # Drop the endpoint: predict / async_predict / sync / sync/v1 (or a bare v1).
    if segments[-2:] == ["sync", "v1"]:
        segments = segments[:-2]
    elif segments and segments[-1] in {"predict", "async_predict", "sync", "v1"}:
        segments = segments[:-1]
    if regional_env is not None:
        if segments:
            msg = (
                f"model_url={_show(url)}: regional hosts (model-<id>-<env>) take bare paths "
                f"such as '/sync/v1', not {'/'.join(segments)!r}. {hint}"
            )
            raise _fail(msg)
        return f"https://{host}/sync/v1", model_id
    kinds = {"environments": "environment", "deployment": "deployment_id"}
    if len(segments) == 1 and segments[0] in {"production", "development"}:
        target = segments[0]
    elif len(segments) == 2 and segments[0] in kinds:  # noqa: PLR2004
        try:
            target = f"{segments[0]}/{_check_name(segments[1], kinds[segments[0]])}"
        except BasetenRoutingError as exc:
            msg = f"model_url={_show(url)}: {exc}"
            raise _fail(msg) from exc
    elif not segments:
        target = "environments/production"
    else:
        msg = f"model_url={_show(url)} has an unrecognised path {parts.path!r}. {hint}"
        raise _fail(msg)
    return f"https://{host}/{target}/sync/v1", model_id


def _custom_base(base_url: str) -> str:
    if not isinstance(base_url, str) or not base_url.strip():
        msg = "base_url is empty; pass a URL like 'http://127.0.0.1:8000/v1' or leave it unset."
        raise _fail(msg)
    parts = urlsplit(base_url.strip())
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        msg = (
            f"base_url={_show(base_url)} is not an http(s) URL; pass e.g. "
            "'https://gateway.example.com/v1' or 'http://127.0.0.1:8000/v1'."
        )
        raise _fail(msg)
    if any(c in base_url for c in " \t\r\n"):
        msg = f"base_url={_show(base_url)} contains whitespace; remove it."
        raise _fail(msg)
    return _strip_tail(base_url.strip())


def resolve_endpoint(  # noqa: C901, PLR0912, PLR0913, PLR0915
    model: str | None,
    *,
    route: Route = "auto",
    model_url: str | None = None,
    base_url: str | None = None,
    environment: str | None = None,
    deployment_id: str | None = None,
    served_model_name: str | None = None,
) -> Endpoint:
    """Resolve where requests go and what the body ``model`` is.

    Args:
        model: A Model API slug or an 8-character model ID, optionally prefixed
            ``baseten/`` (only one leading prefix is removed).
        route: ``auto``, ``model_api`` (an 8-character name is a slug too) or
            ``dedicated`` (``model`` must be a model ID).
        model_url: A deployment URL from Baseten's dashboard.
        base_url: A custom endpoint (gateway, local server); replaces routing.
        environment: Dedicated deployments: the environment (default ``production``).
        deployment_id: Dedicated deployments: one specific deployment.
        served_model_name: The body ``model`` for dedicated deployments and custom
            endpoints. Default for a dedicated deployment: the model ID. Engine-
            Builder (TensorRT-LLM) servers ignore the body model; vLLM/SGLang
            servers check it against their ``--served-model-name``, which is the
            name to pass here.

    Returns:
        The resolved :class:`Endpoint`.

    Raises:
        BasetenRoutingError: Naming the bad value and the fix.

    Example:
        >>> resolve_endpoint("baseten/abcd1234").base_url
        'https://model-abcd1234.api.baseten.co/environments/production/sync/v1'
        >>> resolve_endpoint("baseten/openai/gpt-oss-120b").model
        'openai/gpt-oss-120b'
    """
    if route not in _ROUTES:
        msg = f"route={_show(route)} is not one of {list(_ROUTES)}."
        raise _fail(msg)
    if model is not None and (not isinstance(model, str) or not model.strip()):
        msg = f"model={_show(model)} is empty; pass e.g. 'baseten/openai/gpt-oss-120b'."
        raise _fail(msg)
    if environment is not None and deployment_id is not None:
        msg = (
            "environment= and deployment_id= both target a deployment; keep one: "
            "environment for a named environment, deployment_id for one deployment."
        )
        raise _fail(msg)
    if environment is not None:
        _check_name(environment, "environment")
    if deployment_id is not None:
        _check_name(deployment_id, "deployment_id")
    name = _strip_prefix(model) if model is not None else None
    if name is not None and (not name.isascii() or not _SLUG.fullmatch(name)):
        msg = (
            f"model={_show(model)} contains characters no Baseten model name has; pass a "
            "Model API slug like 'openai/gpt-oss-120b' or an 8-character model ID."
        )
        raise _fail(msg)

    if base_url is not None:
        if model_url is not None:
            msg = (
                "model_url= and base_url= both set the endpoint; keep model_url for a "
                "Baseten deployment, or base_url for a gateway or local server."
            )
            raise _fail(msg)
        if environment is not None or deployment_id is not None:
            msg = (
                "environment=/deployment_id= build a Baseten URL, but base_url= replaces "
                "it; put the full URL in base_url or drop base_url."
            )
            raise _fail(msg)
        custom = _custom_base(base_url)
        body_model = served_model_name or name
        if not body_model:
            msg = "base_url= needs a body model name: pass model= or served_model_name=."
            raise _fail(msg)
        return Endpoint(base_url=custom, model=body_model, kind="custom")

    if model_url is not None:
        if environment is not None or deployment_id is not None:
            msg = (
                "model_url= already names the environment or deployment; drop "
                "environment=/deployment_id= or drop model_url and pass model=."
            )
            raise _fail(msg)
        url_base, url_id = normalize_model_url(model_url)
        if name is not None and _is_model_id(name) and name.lower() != url_id:
            msg = (
                f"model={_show(model)} and model_url={_show(model_url)} name different "
                "deployments; keep one of them."
            )
            raise _fail(msg)
        if name is not None and not _is_model_id(name):
            msg = (
                f"model={_show(model)} is not a model ID, but model_url= points at a "
                "dedicated deployment; drop model= or pass served_model_name=."
            )
            raise _fail(msg)
        return Endpoint(
            base_url=url_base,
            model=served_model_name or str(url_id),
            kind="dedicated",
            model_id=url_id,
        )

    if name is None:
        msg = (
            "No model given: pass model='baseten/<slug>' for a Model API (e.g. "
            "'baseten/openai/gpt-oss-120b'), model='baseten/<8-char model ID>' for a "
            "dedicated deployment, or model_url= / base_url=."
        )
        raise _fail(msg)

    dedicated = route == "dedicated" or (route == "auto" and _is_model_id(name))
    if dedicated:
        if not _is_model_id(name):
            msg = (
                f"route='dedicated' needs an 8-character model ID (letters and digits, as "
                f"in 'baseten/abcd1234'), got model={_show(model)}."
            )
            raise _fail(msg)
        model_id = name.lower()
        return Endpoint(
            base_url=_dedicated_base(model_id, environment, deployment_id),
            model=served_model_name or model_id,
            kind="dedicated",
            model_id=model_id,
            environment=None if deployment_id else (environment or "production"),
            deployment_id=deployment_id,
        )

    if environment is not None or deployment_id is not None:
        msg = (
            f"environment=/deployment_id= apply to dedicated deployments, but "
            f"model={_show(model)} is a Model API slug; drop them, or pass an "
            "8-character model ID."
        )
        raise _fail(msg)
    if served_model_name is not None:
        msg = (
            "served_model_name= is for dedicated deployments and custom endpoints; on the "
            f"Model APIs the slug {_show(name)} is the model name. Drop served_model_name."
        )
        raise _fail(msg)
    return Endpoint(base_url=MODEL_API_BASE_URL, model=name, kind="model_api")
