"""Session affinity: keep a conversation on one replica so its prompt cache is reused.

Baseten discounts cached input tokens (e.g. GLM 5.2: 0.30 instead of 1.40 USD per
million), and requests that carry the same session key reach the same replica,
whose KV cache already holds the conversation's prefix:

* Model APIs: the request header ``x-session-affinity: <key>`` (Baseten's
  pricing and limits docs, https://docs.baseten.co/inference/model-apis/overview);
* dedicated deployments: ``x-baseten-session-id: <key>`` for sticky sessions,
  when the deployment has them enabled;
* a custom ``base_url`` (a gateway in front of the Model APIs): ``x-session-affinity``.

Where the key comes from, first match wins (:func:`session_from_config`,
``ChatBaseten._request``):

1. ``session_id=`` passed to the call (or bound with ``.bind(session_id=...)``);
2. ``config["configurable"]["session_id"]``;
3. ``config["configurable"]["thread_id"]`` (LangGraph's conversation id) when the
   model was built with ``session_id_from_thread=True``;
4. the model's own ``session_id=``.

The config is the one passed to ``invoke``/``stream`` (and their async twins and
``batch``), or, inside a LangGraph node or a chain, the one LangChain holds for
the running step.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from langchain_baseten._baseten_api import DEDICATED_SESSION_HEADER, MODEL_API_SESSION_HEADER

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = [
    "DEDICATED_SESSION_HEADER",
    "MODEL_API_SESSION_HEADER",
    "check_session_id",
    "session_from_config",
    "session_header",
]

_MAX_CHARS = 256


def check_session_id(value: object, where: str = "session_id") -> str | None:
    """Return ``value`` as a header-safe session key (``None`` stays ``None``).

    Raises:
        ValueError: For an empty key, one longer than 256 characters, or one with
            characters an HTTP header cannot carry (the value is not quoted).
    """
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        msg = f"{where} must be a string (or an integer id), got a {type(value).__name__}."
        raise ValueError(msg)  # noqa: TRY004 - pydantic reports ValueErrors as validation errors
    text = str(value)
    if not text.strip() or len(text) > _MAX_CHARS:
        msg = f"{where} must be 1 to {_MAX_CHARS} characters, got {len(text)}."
        raise ValueError(msg)
    if not (text.isascii() and text.isprintable()):
        msg = (
            f"{where} contains a control or non-ASCII character, which an HTTP header cannot "
            "carry; use an ASCII id (a UUID, a hash of your conversation id)."
        )
        raise ValueError(msg)
    return text


def session_from_config(config: Mapping[str, Any], *, from_thread: bool) -> str | None:
    """The session key a run's config names: ``session_id``, else (opt-in) ``thread_id``.

    Args:
        config: A ``RunnableConfig``.
        from_thread: Whether LangGraph's ``thread_id`` counts.

    Returns:
        The key, or ``None``.
    """
    configurable = config.get("configurable") or {}
    value = configurable.get("session_id")
    if value is None and from_thread:
        value = configurable.get("thread_id")
    return check_session_id(value, "config['configurable'] session key")


def session_header(
    kind: Literal["model_api", "dedicated", "custom"], session_id: str | None
) -> dict[str, str]:
    """The affinity header for an endpoint kind (empty without a session key)."""
    if session_id is None:
        return {}
    name = DEDICATED_SESSION_HEADER if kind == "dedicated" else MODEL_API_SESSION_HEADER
    return {name: session_id}
