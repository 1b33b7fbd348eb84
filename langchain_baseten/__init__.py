"""LangChain integration for Baseten: Model APIs and dedicated deployments.

``ChatBaseten`` is a LangChain chat model over Baseten's OpenAI-compatible
inference API; one ``model`` string picks the endpoint (see
:mod:`langchain_baseten.routing`). ``BasetenEmbeddings`` embeds text on a
dedicated deployment through the same router; ``BasetenRerank`` (a document
compressor) and ``BasetenClassifier`` call a BEI/TEI deployment's ``/rerank``
and ``/predict`` routes.

Names are imported on first use (PEP 562): ``from langchain_baseten import
ChatBaseten`` loads the chat model's modules only, and the openai SDK is loaded
at the first request (or when an error class is imported).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from langchain_baseten._version import __version__

if TYPE_CHECKING:
    from langchain_baseten._pools import aclose_clients, close_clients
    from langchain_baseten.callbacks import BasetenCallbackHandler, get_baseten_callback
    from langchain_baseten.catalog import ModelInfo
    from langchain_baseten.chat_models import ChatBaseten
    from langchain_baseten.embeddings import BasetenEmbeddings
    from langchain_baseten.errors import (
        BasetenAuthenticationError,
        BasetenBadRequestError,
        BasetenConnectionError,
        BasetenContextOverflowError,
        BasetenInternalServerError,
        BasetenNotFoundError,
        BasetenPermissionDeniedError,
        BasetenRateLimitError,
        BasetenResponseError,
        BasetenStatusError,
        BasetenStreamContextOverflowError,
        BasetenStreamError,
        BasetenTimeoutError,
        BasetenTruncatedOutputError,
        BasetenUnprocessableEntityError,
    )
    from langchain_baseten.pricing import ModelPrice, register_price
    from langchain_baseten.rerank import BasetenClassifier, BasetenRerank, ClassLabel, RerankResult
    from langchain_baseten.routing import BasetenRoutingError

__all__ = [
    "BasetenAuthenticationError",
    "BasetenBadRequestError",
    "BasetenCallbackHandler",
    "BasetenClassifier",
    "BasetenConnectionError",
    "BasetenContextOverflowError",
    "BasetenEmbeddings",
    "BasetenInternalServerError",
    "BasetenNotFoundError",
    "BasetenPermissionDeniedError",
    "BasetenRateLimitError",
    "BasetenRerank",
    "BasetenResponseError",
    "BasetenRoutingError",
    "BasetenStatusError",
    "BasetenStreamContextOverflowError",
    "BasetenStreamError",
    "BasetenTimeoutError",
    "BasetenTruncatedOutputError",
    "BasetenUnprocessableEntityError",
    "ChatBaseten",
    "ClassLabel",
    "ModelInfo",
    "ModelPrice",
    "RerankResult",
    "__version__",
    "aclose_clients",
    "close_clients",
    "get_baseten_callback",
    "register_price",
]

# Where each public name lives; imported on first access (see the module docstring).
_SOURCES: dict[str, str] = {
    "BasetenAuthenticationError": "langchain_baseten.errors",
    "BasetenBadRequestError": "langchain_baseten.errors",
    "BasetenCallbackHandler": "langchain_baseten.callbacks",
    "BasetenClassifier": "langchain_baseten.rerank",
    "BasetenConnectionError": "langchain_baseten.errors",
    "BasetenContextOverflowError": "langchain_baseten.errors",
    "BasetenEmbeddings": "langchain_baseten.embeddings",
    "BasetenInternalServerError": "langchain_baseten.errors",
    "BasetenNotFoundError": "langchain_baseten.errors",
    "BasetenPermissionDeniedError": "langchain_baseten.errors",
    "BasetenRateLimitError": "langchain_baseten.errors",
    "BasetenRerank": "langchain_baseten.rerank",
    "BasetenResponseError": "langchain_baseten.errors",
    "BasetenRoutingError": "langchain_baseten.routing",
    "BasetenStatusError": "langchain_baseten.errors",
    "BasetenStreamContextOverflowError": "langchain_baseten.errors",
    "BasetenStreamError": "langchain_baseten.errors",
    "BasetenTimeoutError": "langchain_baseten.errors",
    "BasetenTruncatedOutputError": "langchain_baseten.errors",
    "BasetenUnprocessableEntityError": "langchain_baseten.errors",
    "ChatBaseten": "langchain_baseten.chat_models",
    "ClassLabel": "langchain_baseten.rerank",
    "ModelInfo": "langchain_baseten.catalog",
    "ModelPrice": "langchain_baseten.pricing",
    "RerankResult": "langchain_baseten.rerank",
    "aclose_clients": "langchain_baseten._pools",
    "close_clients": "langchain_baseten._pools",
    "get_baseten_callback": "langchain_baseten.callbacks",
    "register_price": "langchain_baseten.pricing",
}


def __getattr__(name: str) -> Any:
    """Import a public name on first access (PEP 562)."""
    source = _SOURCES.get(name)
    if source is None:
        msg = f"module {__name__!r} has no attribute {name!r}"
        raise AttributeError(msg)
    value = getattr(import_module(source), name)
    globals()[name] = value  # later accesses skip this function
    return value


def __dir__() -> list[str]:
    """The module's names, the lazily imported ones included."""
    return sorted({*globals(), *__all__})
