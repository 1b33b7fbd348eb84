"""The keyword policy: where each keyword of a constructor or a call goes.

This module applies it to the keyword arguments of
``ChatBaseten(...)``/``BasetenEmbeddings(...)`` and of each call, reading the
tables of known, mapped and refused names in
:mod:`langchain_baseten._request_params`. No message here ever quotes a value.

Keyword policy (construction and call time alike; docs/parameters.md is the
user-facing copy):

* A declared field or its alias (``model_name``, ``baseten_api_key``,
  ``max_completion_tokens``, ``stop_sequences``, ``request_timeout``) sets it.
* A known Baseten/vLLM extra (:data:`_request_params.BASETEN_EXTRA_PARAMS`) goes in the body.
* Another client's name for the same setting is mapped (:data:`_request_params.RENAMED`):
  ``baseten_api_base``/``api_base`` (the published langchain-baseten's and
  LiteLLM's base URL), ``model_id`` and ``model_apis`` (LlamaIndex).
* Another client's name without an equivalent, or whose value must not reach
  Baseten, is refused with the replacement named (:data:`_request_params.REFUSED`):
  ``openai_api_key``, ``openai_api_base``, ``openai_organization`` ...
* A name that looks like a credential (``*_key``, ``token``, ``secret``,
  ``password``, ``access_token``, ``authorization`` ...) is refused; the value
  is never shown (not in the error, a warning, ``repr``, dumps or a body).
* Connection settings cannot change per call (refused at call time, with the
  way to do it: ``model_copy(update=...)`` or ``configurable_fields``).
* Any other name is sent as a body key: at construction with a warning
  (pass it in ``model_kwargs`` to silence it), at call time as given (that is
  what ``bind(...)`` and per-call keywords are for).
"""

from __future__ import annotations

import logging
import warnings
from functools import cache
from typing import TYPE_CHECKING, Any, NamedTuple

from pydantic import AliasChoices, BaseModel

from langchain_baseten._http.settings import map_published_endpoint
from langchain_baseten._request_params import (
    BASETEN_EXTRA_PARAMS,
    PARAMETER_NAMES,
    RENAMED,
    check_body_keys,
    refusal,
    typo_refusal,
)

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["CallKwargs", "collect_init_kwargs", "known_names", "split_call_kwargs"]

# Debug lines name keywords, never their values (a value may be a credential).
_log = logging.getLogger(__name__)

#: Request keys other than the parameters that every OpenAI-compatible chat server
#: knows (set by bind_tools / with_structured_output; sent without a check).
_TOOL_AND_FORMAT_KEYS = frozenset(
    {"tools", "tool_choice", "parallel_tool_calls", "response_format", "stream_options"}
)
# reasoning= and session_id= are read by ChatBaseten itself (reasoning.py, session.py).
_CONTROL_KEYS = frozenset(
    {"model", "stream", "stream_usage", "extra_body", "reasoning", "session_id"}
)


@cache
def known_names(cls: type[BaseModel]) -> frozenset[str]:
    """The names a model class accepts: its fields and their validation aliases.

    Args:
        cls: The model class.

    Returns:
        Every field name and alias.
    """
    names: set[str] = set()
    for name, info in cls.model_fields.items():
        names.add(name)
        if isinstance(info.validation_alias, AliasChoices):
            names.update(str(choice) for choice in info.validation_alias.choices)
        elif isinstance(info.validation_alias, str):
            names.add(info.validation_alias)
    return frozenset(names)


def _set_once(values: dict[str, Any], name: str, value: Any, source: str) -> None:
    """Set ``values[name]`` from ``source``; refuse a different value given as well."""
    if name in values and values[name] is not None and values[name] != value:
        msg = (
            f"{source}= and {name}= were both given with different values; keep one "
            f"({source} is the other name of {name})."
        )
        raise ValueError(msg)
    values[name] = value


def _apply_base_url(values: dict[str, Any], other: str, value: Any) -> None:
    """``baseten_api_base``/``api_base``: the published package's meaning (``_http.settings``)."""
    if not isinstance(value, str):
        msg = f"{other} must be a URL string, got {type(value).__name__}."
        raise ValueError(msg)  # noqa: TRY004  # bad input, reported like every other
    if "base_url" in values or "model_url" in values:
        msg = (
            f"{other}= and base_url=/model_url= all set the endpoint; keep one "
            f"({other} is another client's name for base_url)."
        )
        raise ValueError(msg)
    base_url, model_url, _ = map_published_endpoint(value)
    if model_url is not None:
        _log.debug("%s= is a Baseten deployment URL: used as model_url=", other)
        values["model_url"] = model_url
    elif base_url is not None:
        _log.debug("%s= is not a Baseten URL: used as base_url=", other)
        values["base_url"] = base_url
    else:
        _log.debug("%s= is the Model APIs' URL: the default endpoint", other)


def _apply_route(values: dict[str, Any], other: str, value: Any) -> None:
    """LlamaIndex's ``model_apis``: ``True`` -> ``route="model_api"``, ``False`` -> dedicated."""
    if not isinstance(value, bool):
        kind = type(value).__name__
        msg = f"{other} must be True or False (it maps to route=), got {kind}."
        raise ValueError(msg)  # noqa: TRY004  # bad input, reported like every other
    _set_once(values, "route", "model_api" if value else "dedicated", other)


def _apply_renamed(values: dict[str, Any], known: frozenset[str]) -> None:
    for other, ours in RENAMED.items():
        if other not in values or other in known:
            continue
        value = values.pop(other)
        if value is None:
            continue
        _log.debug("%s= is another client's name for %s=: mapped", other, ours)
        if ours == "base_url":
            _apply_base_url(values, other, value)
        elif ours == "route":
            _apply_route(values, other, value)
        else:
            _set_once(values, ours, value, other)


def collect_init_kwargs(
    cls: type[BaseModel], values: Mapping[str, Any], *, owner: str, extras: bool = True
) -> dict[str, Any]:
    """Apply the keyword policy to constructor arguments.

    Args:
        cls: The model class (its fields and aliases are the known names).
        values: The constructor's keyword arguments.
        owner: The class name shown in messages.
        extras: Move remaining unknown names into ``model_kwargs`` (with a
            warning unless they are known Baseten extras). Without it they are
            left for pydantic to refuse.

    Returns:
        The arguments to validate.

    Raises:
        ValueError: For a refused name or a credential-like one (value not shown),
            or two names for one setting with different values.
    """
    known = known_names(cls)
    values = dict(values)
    _apply_renamed(values, known)
    unknown = [key for key in values if key not in known]
    names = known | PARAMETER_NAMES
    for key in unknown:
        if key in BASETEN_EXTRA_PARAMS:
            continue
        if problem := refusal(key, owner=owner) or typo_refusal(
            key, names, owner=owner, per_call=False
        ):
            raise ValueError(problem)
    if not extras or (not unknown and not values.get("model_kwargs")):
        return values
    model_kwargs = dict(values.get("model_kwargs") or {})
    for key in unknown:
        if key in model_kwargs:
            msg = f"{key!r} was given both as a keyword argument and in model_kwargs."
            raise ValueError(msg)
        if key not in BASETEN_EXTRA_PARAMS:
            warnings.warn(
                f"{key!r} is not a known {owner} parameter; it is sent as a request body "
                "key. Pass it in model_kwargs to silence this warning.",
                UserWarning,
                stacklevel=6,
            )
        _log.debug("%s: keyword %r is not a field: sent as a request body key", owner, key)
        model_kwargs[key] = values.pop(key)
    clash = set(model_kwargs) & known
    if clash:
        msg = f"model_kwargs may not hold {sorted(clash)}: pass them as arguments instead."
        raise ValueError(msg)
    values["model_kwargs"] = model_kwargs
    return values


class CallKwargs(NamedTuple):
    """A call's keyword arguments, sorted by what they do."""

    model: str | None
    stream_usage: bool | None
    extra_body: Mapping[str, Any] | None
    body: dict[str, Any]


#: The names a call may mean (a per-call typo of one of them is refused).
_CALL_NAMES = PARAMETER_NAMES | _TOOL_AND_FORMAT_KEYS | _CONTROL_KEYS


def _per_call_problem(key: str, owner: str, connection: frozenset[str]) -> str | None:
    if key in connection or key in RENAMED:
        return (
            f"{key!r} is a connection setting and cannot change per call. Make a copy "
            f"with llm.model_copy(update={{{key!r}: ...}}), or declare it configurable "
            f"(llm.configurable_fields(...)) and pass it in the config."
        )
    return refusal(key, owner=owner) or typo_refusal(
        key, _CALL_NAMES | connection, owner=owner, per_call=True
    )


def split_call_kwargs(
    kwargs: Mapping[str, Any], *, owner: str, connection: frozenset[str]
) -> CallKwargs:
    """Sort a call's keyword arguments; refuse connection settings and credentials.

    Args:
        kwargs: The keyword arguments of ``invoke``/``stream``/``bind``.
        owner: The class name shown in messages.
        connection: The connection settings' names and aliases (they cannot
            change per call; nor can other clients' names for them).

    Returns:
        The per-call model override, ``stream_usage``, ``extra_body`` and the
        remaining body keys.

    Raises:
        ValueError: For a connection setting or a credential-like name (the
            value is never shown).
    """
    body: dict[str, Any] = {}
    for key, value in kwargs.items():
        if key in _CONTROL_KEYS:
            continue
        known = key in PARAMETER_NAMES or key in _TOOL_AND_FORMAT_KEYS
        if not known:
            if problem := _per_call_problem(key, owner, connection):
                raise ValueError(problem)
            _log.debug(
                "%s call: keyword %r is not a known parameter: sent as a body key", owner, key
            )
        body[key] = value
    extra_body = kwargs.get("extra_body")
    if extra_body:
        check_body_keys(extra_body, "extra_body", owner=owner)
    stream_usage = kwargs.get("stream_usage")
    return CallKwargs(
        model=kwargs.get("model"),
        stream_usage=None if stream_usage is None else bool(stream_usage),
        extra_body=extra_body,
        body=body,
    )
