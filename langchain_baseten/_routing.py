"""Endpoint routing: one ``model`` string (plus optional settings) -> one endpoint.

Pure functions, no I/O. The rules:

* ``"baseten/openai/gpt-oss-120b"`` / ``"openai/gpt-oss-120b"``: a Model API slug,
  sent to ``https://inference.baseten.co/v1`` with body model ``openai/gpt-oss-120b``.
  Exactly one leading ``baseten/`` is removed (``baseten/baseten/x`` -> ``baseten/x``).
* ``"baseten/abcd1234"`` / ``"abcd1234"``: exactly 8 ASCII letters/digits after at
  most one leading ``baseten/`` is a dedicated deployment:
  ``https://model-abcd1234.api.baseten.co/environments/production/sync/v1``.
  Baseten's model IDs are lowercase; an uppercase ID (``ABCD1234``) is accepted
  and lower-cased, in the host and in ``Endpoint.model_id``.
* ``route="model_api"`` sends an 8-character name to the Model APIs instead (the
  escape hatch for a slug without ``/``); ``route="dedicated"`` insists on a
  model ID.
* ``environment=`` / ``deployment_id=`` pick another target of a deployment.
* ``model_url=`` takes a deployment URL copied from Baseten's dashboard and
  normalises it to its ``/sync/v1`` base.
* ``base_url=`` replaces all of this: a gateway or a local server (``route``
  does not apply to it).
* ``BASETEN_ORIGIN`` (read by :mod:`langchain_baseten._http.settings`) keeps all of this
  but sends Baseten's URLs to another server (:func:`on_origin`): the local
  Baseten-compatible server of :mod:`langchain_baseten.testing`.

Everything that ends up in a hostname or path is validated strictly, so no
input can make a request go to a host other than Baseten's (or the user's own
``base_url``).
"""

from __future__ import annotations

import dataclasses
import difflib
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, NamedTuple, TypedDict, Unpack
from urllib.parse import SplitResult, urlsplit

if TYPE_CHECKING:
    from collections.abc import Iterable

from langchain_baseten._baseten_api import (
    DEDICATED_HOST,
    DEFAULT_ENVIRONMENT,
    MODEL_API_BASE_URL,
    dedicated_base_url,
    is_model_id,
    strip_prefix,
)

__all__ = [
    "MODEL_API_BASE_URL",
    "BasetenRoutingError",
    "Endpoint",
    "Route",
    "RoutingSettings",
    "check_origin",
    "model_name_hint",
    "normalize_model_url",
    "on_origin",
    "resolve_endpoint",
]

Route = Literal["auto", "model_api", "dedicated"]

_NAME = re.compile(r"[a-z0-9](?:[a-z0-9_-]{0,62}[a-z0-9])?")
_SLUG = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/:+-]*")
# Whitespace, control characters and the backslash (which some URL parsers read as
# "/" and others do not) never belong in a URL given to us.
_BAD_URL_CHARS = re.compile(r"[\x00-\x20\x7f\\]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_ROUTES = ("auto", "model_api", "dedicated")
_PATH_TAILS = ("/chat/completions", "/completions", "/embeddings", "/models")
_MODEL_URL_HINT = (
    "model_url must be a Baseten deployment URL such as "
    "'https://model-abcd1234.api.baseten.co/environments/production/predict'; "
    "for a gateway or local server pass it as base_url= instead."
)


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


class _ModelUrl(NamedTuple):
    base_url: str
    model_id: str
    environment: str | None
    deployment_id: str | None


class RoutingSettings(TypedDict, total=False):
    """The endpoint settings :func:`resolve_endpoint` takes besides ``model``."""

    route: Route
    model_url: str | None
    base_url: str | None
    environment: str | None
    deployment_id: str | None
    served_model_name: str | None


@dataclass(frozen=True, slots=True)
class _Inputs:
    """What :func:`resolve_endpoint` was given, ``model`` without its ``baseten/`` prefix."""

    model: str | None
    name: str | None
    route: Route
    model_url: str | None
    base_url: str | None
    environment: str | None
    deployment_id: str | None
    served_model_name: str | None


def _show(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."  # noqa: PLR2004


def _fail(message: str) -> BasetenRoutingError:
    return BasetenRoutingError(message)


def _check_name(value: object, what: str) -> str:
    if not isinstance(value, str) or not _NAME.fullmatch(value):
        msg = (
            f"{what}={_show(value)} is not a valid Baseten {what.replace('_', ' ')}: use "
            "lowercase letters, digits, '-' and '_' only (as shown in Baseten's dashboard)."
        )
        raise _fail(msg)
    return value


def _check_served_name(value: object) -> str:
    if (
        not isinstance(value, str)
        or not value.strip()
        or value != value.strip()
        or _CONTROL.search(value)
    ):
        msg = (
            f"served_model_name={_show(value)} is empty or has surrounding whitespace or "
            "control characters; pass the name the server was started with (e.g. vLLM's "
            "--served-model-name), or leave it unset."
        )
        raise _fail(msg)
    return value


def _strip_tail(path: str) -> str:
    path = path.rstrip("/")
    for tail in _PATH_TAILS:
        if path.endswith(tail):
            return path[: -len(tail)].rstrip("/")
    return path


def _split(url: str, what: str, hint: str) -> tuple[SplitResult, int | None]:
    """``urlsplit`` and the port, with its ``ValueError``s turned into routing errors."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        msg = f"{what}={_show(url)} is not a valid URL ({exc}). {hint}"
        raise _fail(msg) from exc
    return parts, port


def _target(segments: list[str], url: str, path: str) -> tuple[str, str | None, str | None]:
    """The path target of a non-regional deployment URL: (target, environment, deployment_id)."""
    if not segments:
        return f"environments/{DEFAULT_ENVIRONMENT}", DEFAULT_ENVIRONMENT, None
    if len(segments) == 1 and segments[0] in {"production", "development"}:
        production = segments[0] == DEFAULT_ENVIRONMENT
        return segments[0], (DEFAULT_ENVIRONMENT if production else None), None
    if len(segments) == 2 and segments[0] in {"environments", "deployment"}:  # noqa: PLR2004
        kind, value = segments
        what = "environment" if kind == "environments" else "deployment_id"
        try:
            _check_name(value, what)
        except BasetenRoutingError as exc:
            msg = f"model_url={_show(url)}: {exc}"
            raise _fail(msg) from exc
        if kind == "environments":
            return f"{kind}/{value}", value, None
        return f"{kind}/{value}", None, value
    msg = f"model_url={_show(url)} has an unrecognised path {path!r}. {_MODEL_URL_HINT}"
    raise _fail(msg)


def _parse_model_url(url: object) -> _ModelUrl:
    if not isinstance(url, str) or not url.isascii() or _BAD_URL_CHARS.search(url):
        msg = (
            f"model_url={_show(url)} is not a plain ASCII URL (no spaces, control "
            f"characters or backslashes). {_MODEL_URL_HINT}"
        )
        raise _fail(msg)
    parts, port = _split(url, "model_url", _MODEL_URL_HINT)
    host = parts.hostname or ""
    match = DEDICATED_HOST.fullmatch(host)
    if (
        parts.scheme.lower() != "https"
        or match is None
        or parts.username is not None
        or parts.password is not None
        or port is not None
        or "?" in url
        or "#" in url
        or parts.netloc.lower() != host
    ):
        msg = f"model_url={_show(url)} is not an https Baseten deployment URL. {_MODEL_URL_HINT}"
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
                f"such as '/sync/v1', not {'/'.join(segments)!r}. {_MODEL_URL_HINT}"
            )
            raise _fail(msg)
        return _ModelUrl(f"https://{host}/sync/v1", model_id, regional_env, None)
    target, environment, deployment_id = _target(segments, url, parts.path)
    return _ModelUrl(f"https://{host}/{target}/sync/v1", model_id, environment, deployment_id)


def normalize_model_url(url: str) -> tuple[str, str | None]:
    """Turn a deployment URL copied from Baseten's dashboard into its ``/sync/v1`` base.

    Accepts ``.../predict``, ``.../async_predict``, ``.../sync``, ``.../sync/v1``,
    a pasted ``.../sync/v1/chat/completions`` and trailing slashes, for the
    targets ``environments/<env>``, ``production``, ``development`` and
    ``deployment/<id>`` (kept as given; a bare host means
    ``environments/production``), on ``model-<id>.api.baseten.co`` and on
    regional hosts ``model-<id>-<env>.api.baseten.co`` (whose paths carry no
    target). The host is case-insensitive and returned lowercase. Only https,
    no user info, port, query or fragment.

    Args:
        url: The copied URL.

    Returns:
        ``(base_url, model_id)``; the model ID is always known for an accepted URL
        (the ``None`` in the type is for callers that treat the pair generically).

    Raises:
        BasetenRoutingError: For anything that is not an https Baseten deployment URL.

    Example:
        >>> normalize_model_url("https://model-abcd1234.api.baseten.co/production/predict")
        ('https://model-abcd1234.api.baseten.co/production/sync/v1', 'abcd1234')
    """
    parsed = _parse_model_url(url)
    return parsed.base_url, parsed.model_id


def _custom_base(base_url: object) -> str:
    example = "Pass e.g. 'https://gateway.example.com/v1' or 'http://127.0.0.1:8000/v1'."
    if not isinstance(base_url, str) or not base_url.strip():
        msg = f"base_url={_show(base_url)} is empty. {example} Or leave it unset."
        raise _fail(msg)
    if _BAD_URL_CHARS.search(base_url):
        msg = (
            f"base_url={_show(base_url)} contains whitespace, control characters or a "
            f"backslash; remove them. {example}"
        )
        raise _fail(msg)
    parts, _ = _split(base_url, "base_url", example)
    if parts.scheme.lower() not in {"http", "https"} or not parts.hostname:
        msg = f"base_url={_show(base_url)} is not an http(s) URL. {example}"
        raise _fail(msg)
    if parts.query or parts.fragment or base_url.endswith(("?", "#")):
        msg = (
            f"base_url={_show(base_url)} has a query or fragment, which the OpenAI client "
            "would put before the route (.../v1?x=1/chat/completions); pass the URL "
            "without it and put query parameters in default_query=."
        )
        raise _fail(msg)
    return _strip_tail(base_url)


_ORIGIN_EXAMPLE = (
    "Give the server's root only, e.g. BASETEN_ORIGIN=http://127.0.0.1:8123: Model APIs "
    "then go to <root>/v1 and deployment abcd1234 to "
    "<root>/model-abcd1234/environments/production/sync/v1. To send every request to one "
    "base URL instead, set BASETEN_BASE_URL (not both)."
)


def check_origin(origin: str) -> str:
    """Check a ``BASETEN_ORIGIN`` value: ``http(s)://host[:port]``, nothing after it.

    Args:
        origin: The value as given.

    Returns:
        The origin without a trailing slash.

    Raises:
        BasetenRoutingError: For anything else (a path, a query, no host),
            naming the value and the fix.
    """
    shown = f"BASETEN_ORIGIN={_show(origin)}"
    if _BAD_URL_CHARS.search(origin):
        msg = f"{shown} contains whitespace, control characters or a backslash. {_ORIGIN_EXAMPLE}"
        raise _fail(msg)
    parts, _ = _split(origin, "BASETEN_ORIGIN", _ORIGIN_EXAMPLE)
    if parts.scheme.lower() not in {"http", "https"} or not parts.hostname:
        msg = f"{shown} is not an http(s) URL. {_ORIGIN_EXAMPLE}"
        raise _fail(msg)
    if parts.path.strip("/") or parts.query or parts.fragment or origin.endswith(("?", "#")):
        msg = f"{shown} has a path, query or fragment. {_ORIGIN_EXAMPLE}"
        raise _fail(msg)
    return f"{parts.scheme.lower()}://{parts.netloc}"


def on_origin(endpoint: Endpoint, origin: str | None) -> Endpoint:
    """The endpoint with Baseten's host replaced by ``origin``, routing kept.

    Model APIs (``https://inference.baseten.co/v1``) go to ``<origin>/v1``; a
    dedicated deployment (``https://model-<id>[-<env>].api.baseten.co/<path>``) goes
    to ``<origin>/model-<id>[-<env>]/<path>``: the host's first label becomes the
    first path segment, so one server can tell deployments apart. ``kind``,
    ``model`` and the deployment fields stay, so profiles and every per-kind rule
    apply as on Baseten. A ``custom`` endpoint (``base_url=``) is not Baseten's and
    stays as it is.

    Args:
        endpoint: The endpoint resolved for Baseten.
        origin: A checked origin (:func:`check_origin`), or ``None`` (no change).

    Returns:
        The endpoint to use.

    Example:
        >>> on_origin(resolve_endpoint("baseten/abcd1234"), "http://127.0.0.1:8123").base_url
        'http://127.0.0.1:8123/model-abcd1234/environments/production/sync/v1'
    """
    if origin is None or endpoint.kind == "custom":
        return endpoint
    parts = urlsplit(endpoint.base_url)
    host_label = "" if endpoint.kind == "model_api" else "/" + (parts.hostname or "").split(".")[0]
    return dataclasses.replace(endpoint, base_url=f"{origin}{host_label}{parts.path}")


def _deployment_id_in(base_url: str) -> str | None:
    """The model ID of a Baseten deployment URL given as ``base_url``, else ``None``."""
    match = DEDICATED_HOST.fullmatch((urlsplit(base_url).hostname or "").lower())
    return match.group(1) if match else None


def _body_model_for_custom(name: str | None, served_model_name: str | None, base_url: str) -> str:
    if served_model_name is not None:
        return served_model_name
    if name is None and (model_id := _deployment_id_in(base_url)) is not None:
        return model_id  # a deployment's URL as base_url: what model_url= would send
    if name is None:
        msg = "base_url= needs a body model name: pass model= or served_model_name=."
        raise _fail(msg)
    return name


def resolve_endpoint(model: str | None, **settings: Unpack[RoutingSettings]) -> Endpoint:
    """Resolve where requests go and what the body ``model`` is.

    Args:
        model: A Model API slug or an 8-character model ID, optionally prefixed
            ``baseten/`` (only one leading prefix is removed). An uppercase model
            ID is accepted and lower-cased (Baseten's IDs are lowercase).
        **settings: The other endpoint settings (:class:`RoutingSettings`):

            * ``route``: ``auto`` (default), ``model_api`` (an 8-character name
              is a slug too) or ``dedicated`` (``model`` must be a model ID).
              Not used with ``base_url``.
            * ``model_url``: A deployment URL from Baseten's dashboard.
            * ``base_url``: A custom endpoint (gateway, local server); replaces routing.
            * ``environment``: Dedicated deployments: the environment (default
              ``production``).
            * ``deployment_id``: Dedicated deployments: one specific deployment.
            * ``served_model_name``: The body ``model`` for dedicated deployments
              and custom endpoints. Default for a dedicated deployment: the model
              ID. The name a deployment expects is set inside it (Baseten's
              OpenAI-compatible endpoint docs describe it as "typically the
              Hugging Face repo name ... or another default specified by your
              inference engine", and their vLLM examples pass whatever
              ``vllm serve``/``--served-model-name`` was given), so it cannot be
              derived from the ID. The ID is the placeholder that works where the
              name is not checked: Engine-Builder (TensorRT-LLM) servers ignore
              the body model, and it is what LiteLLM and Baseten's own
              ``baseten/<id>`` convention send. vLLM and SGLang servers check it
              against their served model name, which is then the value to pass
              here. For a custom endpoint the default is ``model`` without its
              ``baseten/`` prefix.

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
    given = _checked_inputs(model, settings)
    if given.base_url is not None:
        return _custom_endpoint(given, given.base_url)
    if given.model_url is not None:
        return _model_url_endpoint(given, given.model_url)
    if given.name is None:
        msg = (
            "No model given: pass model='baseten/<slug>' for a Model API (e.g. "
            "'baseten/openai/gpt-oss-120b'), model='baseten/<8-char model ID>' for a "
            "dedicated deployment, or model_url= / base_url=."
        )
        raise _fail(msg)
    if given.route == "dedicated" or (given.route == "auto" and is_model_id(given.name)):
        return _dedicated_endpoint(given, given.name)
    return _model_api_endpoint(given, given.name)


def _checked_inputs(model: str | None, settings: RoutingSettings) -> _Inputs:
    """Step 1: every setting checked on its own, ``model`` stripped of its prefix."""
    route = settings.get("route", "auto")
    if route not in _ROUTES:
        msg = f"route={_show(route)} is not one of {list(_ROUTES)}."
        raise _fail(msg)
    if model is not None and (not isinstance(model, str) or not model.strip()):
        msg = f"model={_show(model)} is empty; pass e.g. 'baseten/openai/gpt-oss-120b'."
        raise _fail(msg)
    environment = settings.get("environment")
    deployment_id = settings.get("deployment_id")
    _check_target(environment, deployment_id)
    served = settings.get("served_model_name")
    if served is not None:
        _check_served_name(served)
    return _Inputs(
        model=model,
        name=_model_name(model),
        route=route,
        model_url=settings.get("model_url"),
        base_url=settings.get("base_url"),
        environment=environment,
        deployment_id=deployment_id,
        served_model_name=served,
    )


def _check_target(environment: str | None, deployment_id: str | None) -> None:
    if environment is not None and deployment_id is not None:
        msg = (
            f"environment={_show(environment)} and deployment_id={_show(deployment_id)} "
            "both target a deployment; keep one: environment for a named environment, "
            "deployment_id for one deployment."
        )
        raise _fail(msg)
    if environment is not None:
        _check_name(environment, "environment")
    if deployment_id is not None:
        _check_name(deployment_id, "deployment_id")


def _model_name(model: str | None) -> str | None:
    """``model`` without its ``baseten/`` prefix (``None`` if not given), or an error."""
    if model is None:
        return None
    name = strip_prefix(model)
    if name == "":
        msg = (
            f"model={_show(model)} is empty after the 'baseten/' prefix; pass e.g. "
            "'baseten/openai/gpt-oss-120b' or 'baseten/abcd1234'."
        )
        raise _fail(msg)
    if not name.isascii() or not _SLUG.fullmatch(name):
        msg = (
            f"model={_show(model)} contains characters no Baseten model name has; pass a "
            "Model API slug like 'openai/gpt-oss-120b' or an 8-character model ID."
        )
        raise _fail(msg)
    return name


def _custom_endpoint(given: _Inputs, base_url: str) -> Endpoint:
    """``base_url=``: a gateway or local server replaces routing."""
    if given.model_url is not None:
        msg = (
            f"model_url={_show(given.model_url)} and base_url={_show(base_url)} both set "
            "the endpoint; keep model_url for a Baseten deployment, or base_url for a "
            "gateway or local server."
        )
        raise _fail(msg)
    if given.environment is not None or given.deployment_id is not None:
        msg = (
            "environment=/deployment_id= build a Baseten URL, but base_url= replaces "
            "it; put the full URL in base_url or drop base_url."
        )
        raise _fail(msg)
    return Endpoint(
        base_url=_custom_base(base_url),
        model=_body_model_for_custom(given.name, given.served_model_name, base_url),
        kind="custom",
    )


def _model_url_endpoint(given: _Inputs, model_url: str) -> Endpoint:
    """``model_url=``: a deployment URL from Baseten's dashboard."""
    if given.environment is not None or given.deployment_id is not None:
        msg = (
            "model_url= already names the environment or deployment; drop "
            "environment=/deployment_id= or drop model_url and pass model=."
        )
        raise _fail(msg)
    if given.route == "model_api":
        msg = (
            f"route='model_api' contradicts model_url={_show(model_url)}, a dedicated "
            "deployment; drop route= (or drop model_url and pass the Model API slug)."
        )
        raise _fail(msg)
    parsed = _parse_model_url(model_url)
    _check_model_matches_url(given, parsed)
    return Endpoint(
        base_url=parsed.base_url,
        model=given.served_model_name or parsed.model_id,
        kind="dedicated",
        model_id=parsed.model_id,
        environment=parsed.environment,
        deployment_id=parsed.deployment_id,
    )


def _check_model_matches_url(given: _Inputs, parsed: _ModelUrl) -> None:
    """A ``model=`` given with ``model_url=`` must be that deployment's model ID."""
    name = given.name
    if name is None:
        return
    if not is_model_id(name):
        msg = (
            f"model={_show(given.model)} is not a model ID, but model_url= points at a "
            "dedicated deployment; drop model= (pass the server's model name as "
            "served_model_name= if it needs one)."
        )
        raise _fail(msg)
    if name.lower() != parsed.model_id:
        msg = (
            f"model={_show(given.model)} and model_url={_show(given.model_url)} name "
            "different deployments; keep one of them."
        )
        raise _fail(msg)


def _dedicated_endpoint(given: _Inputs, name: str) -> Endpoint:
    """An 8-character model ID (or ``route="dedicated"``): a dedicated deployment."""
    if not is_model_id(name):
        msg = (
            f"route='dedicated' needs an 8-character model ID (letters and digits, as "
            f"in 'baseten/abcd1234'), got model={_show(given.model)}."
        )
        raise _fail(msg)
    model_id = name.lower()
    deployment_id = given.deployment_id
    return Endpoint(
        base_url=dedicated_base_url(model_id, given.environment, deployment_id),
        model=given.served_model_name or model_id,
        kind="dedicated",
        model_id=model_id,
        environment=None if deployment_id else (given.environment or DEFAULT_ENVIRONMENT),
        deployment_id=deployment_id,
    )


def _model_api_endpoint(given: _Inputs, name: str) -> Endpoint:
    """A Model API slug: Baseten's shared endpoint, the slug as the body model."""
    if given.environment is not None or given.deployment_id is not None:
        msg = (
            f"environment=/deployment_id= apply to dedicated deployments, but "
            f"model={_show(given.model)} is a Model API slug; drop them, or pass an "
            "8-character model ID."
        )
        raise _fail(msg)
    if given.served_model_name is not None:
        msg = (
            f"served_model_name={_show(given.served_model_name)} is for dedicated "
            f"deployments and custom endpoints; on the Model APIs the slug {_show(name)} "
            "is the model name. Drop served_model_name."
        )
        raise _fail(msg)
    return Endpoint(base_url=MODEL_API_BASE_URL, model=name, kind="model_api")


_NEAR_ID = re.compile(r"[A-Za-z0-9]{6,10}")


def model_name_hint(name: str, known_slugs: Iterable[str]) -> str | None:
    """A hint for a Model API name that is probably not what was meant, or ``None``.

    Only names routed to the Model APIs are checked, at construction, so a
    mistake shows before the first 404: a slug without its organisation
    (``gpt-oss-120b`` for ``openai/gpt-oss-120b``), a slug a letter or two off a
    known one, and a dedicated model ID of the wrong length (7 or 9 characters).
    A slug the shipped data does not know and that is close to none is not
    flagged: Baseten's catalogue may be newer than the package.

    Args:
        name: The body model (``Endpoint.model``) of a Model API endpoint.
        known_slugs: The slugs known to exist (shipped profiles, live catalogue).

    Returns:
        The hint, or ``None``.
    """
    slugs = list(known_slugs)
    if name in slugs:
        return None
    by_tail = {slug.rsplit("/", 1)[-1].lower(): slug for slug in slugs}
    if "/" not in name and (slug := by_tail.get(name.lower())) is not None:
        return f"model={name!r} has no organisation: did you mean {slug!r}?"
    lowered = {slug.lower(): slug for slug in slugs}
    pool = list(lowered) if "/" in name else list(by_tail)
    close = difflib.get_close_matches(name.lower(), pool, n=1, cutoff=0.85)
    if close:
        slug = lowered[close[0]] if "/" in name else by_tail[close[0]]
        return f"model={name!r} is not a Model API slug this package knows: did you mean {slug!r}?"
    id_like = _NEAR_ID.fullmatch(name) and len(name) != 8  # noqa: PLR2004
    if "/" not in name and id_like and any(c.isdigit() for c in name):
        return (
            f"model={name!r} is sent to the Model APIs as a slug, but looks like a dedicated "
            f"model ID of {len(name)} characters; Baseten's model IDs have exactly 8 "
            "(check it in the dashboard, or pass the deployment's URL as model_url=)."
        )
    return None
