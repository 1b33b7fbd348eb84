"""A callback handler that records what LangChain's callbacks receive (one for every test).

Pass it in a run's config (``config={"callbacks": [spy]}``) or take the
``callback_spy`` fixture, then read what it kept.
"""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import BaseCallbackHandler


class CallbackSpy(BaseCallbackHandler):
    """Keeps every chat-model callback it receives, with all its arguments.

    Attributes:
        starts: the keyword arguments of each ``on_chat_model_start`` (``options``,
            ``metadata``, ``invocation_params``, ...).
        tokens: every token ``on_llm_new_token`` announced, empty ones included.
        ends: each ``on_llm_end`` result.
        errors: each ``on_llm_error`` error.
        calls: ``(callback name, args, kwargs)`` for all of the above, in order.
    """

    def __init__(self) -> None:
        self.starts: list[dict[str, Any]] = []
        # langchain-core types a token as text or a list of content blocks.
        self.tokens: list[str | list[str | dict[str, Any]]] = []
        self.ends: list[Any] = []
        self.errors: list[BaseException] = []
        self.calls: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = []

    def on_chat_model_start(self, serialized: Any, messages: Any, **kwargs: Any) -> None:
        self.calls.append(("on_chat_model_start", (serialized, messages), kwargs))
        self.starts.append(kwargs)

    def on_llm_new_token(self, token: str | list[str | dict[str, Any]], **kwargs: Any) -> None:
        self.calls.append(("on_llm_new_token", (token,), kwargs))
        self.tokens.append(token)

    def on_llm_end(self, response: Any, **kwargs: Any) -> None:
        self.calls.append(("on_llm_end", (response,), kwargs))
        self.ends.append(response)

    def on_llm_error(self, error: BaseException, **kwargs: Any) -> None:
        self.calls.append(("on_llm_error", (error,), kwargs))
        self.errors.append(error)
