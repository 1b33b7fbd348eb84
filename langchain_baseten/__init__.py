"""LangChain integration for Baseten: Model APIs and dedicated deployments.

``ChatBaseten`` is a LangChain chat model over Baseten's OpenAI-compatible
inference API; one ``model`` string picks the endpoint (``llm.endpoint``, an
:class:`Endpoint`). ``BasetenEmbeddings`` embeds text on a
dedicated deployment through the same router; ``BasetenRerank`` (a document
compressor) and ``BasetenClassifier`` call a BEI/TEI deployment's ``/rerank``
and ``/predict`` routes.

Names are imported on first use (PEP 562): ``from langchain_baseten import
ChatBaseten`` loads the chat model's modules only, and the openai SDK is loaded
at the first request (or when an error class is imported).

Every public name is importable from here. The modules behind them are private
(``_routing.py``, ``_errors.py`` ...), except ``chat_models`` and
``embeddings``: the published langchain-baseten 0.2 paths, and ``chat_models``
is ``ChatBaseten``'s serialization namespace (``dumpd``/``load``).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from langchain_baseten._version import __version__

if TYPE_CHECKING:
    from langchain_baseten._callbacks import (
        BasetenCallbackHandler,
        ModelUsage,
        get_baseten_callback,
    )
    from langchain_baseten._catalog import ModelInfo
    from langchain_baseten._corpus import EmbeddedBatch, aadd_in_windows, add_in_windows
    from langchain_baseten._errors import (
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
    from langchain_baseten._http.pools import aclose_clients, close_clients
    from langchain_baseten._media import ToolContentWarning
    from langchain_baseten._openai_options import StreamChunkTimeoutError
    from langchain_baseten._pricing import (
        ModelPrice,
        PriceSpec,
        get_price,
        register_price,
        unregister_price,
    )
    from langchain_baseten._profiles import get_model_profile
    from langchain_baseten._rerank import BasetenClassifier, BasetenRerank, ClassLabel, RerankResult
    from langchain_baseten._routing import BasetenRoutingError, Endpoint, Route
    from langchain_baseten.chat_models import ChatBaseten
    from langchain_baseten.embeddings import BasetenEmbeddings, PerformanceClientWarning

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
    "EmbeddedBatch",
    "Endpoint",
    "ModelInfo",
    "ModelPrice",
    "ModelUsage",
    "PerformanceClientWarning",
    "PriceSpec",
    "RerankResult",
    "Route",
    "StreamChunkTimeoutError",
    "ToolContentWarning",
    "__version__",
    "aadd_in_windows",
    "aclose_clients",
    "add_in_windows",
    "close_clients",
    "get_baseten_callback",
    "get_model_profile",
    "get_price",
    "register_price",
    "unregister_price",
]

# Where each public name lives; imported on first access (see the module docstring).
_SOURCES: dict[str, str] = {
    "EmbeddedBatch": "langchain_baseten._corpus",
    "aadd_in_windows": "langchain_baseten._corpus",
    "add_in_windows": "langchain_baseten._corpus",
    "ModelUsage": "langchain_baseten._callbacks",
    "PriceSpec": "langchain_baseten._pricing",
    "get_price": "langchain_baseten._pricing",
    "unregister_price": "langchain_baseten._pricing",
    "get_model_profile": "langchain_baseten._profiles",
    "Endpoint": "langchain_baseten._routing",
    "Route": "langchain_baseten._routing",
    "ToolContentWarning": "langchain_baseten._media",
    "StreamChunkTimeoutError": "langchain_baseten._openai_options",
    "BasetenAuthenticationError": "langchain_baseten._errors",
    "BasetenBadRequestError": "langchain_baseten._errors",
    "BasetenCallbackHandler": "langchain_baseten._callbacks",
    "BasetenClassifier": "langchain_baseten._rerank",
    "BasetenConnectionError": "langchain_baseten._errors",
    "BasetenContextOverflowError": "langchain_baseten._errors",
    "BasetenEmbeddings": "langchain_baseten.embeddings",
    "PerformanceClientWarning": "langchain_baseten.embeddings",
    "BasetenInternalServerError": "langchain_baseten._errors",
    "BasetenNotFoundError": "langchain_baseten._errors",
    "BasetenPermissionDeniedError": "langchain_baseten._errors",
    "BasetenRateLimitError": "langchain_baseten._errors",
    "BasetenRerank": "langchain_baseten._rerank",
    "BasetenResponseError": "langchain_baseten._errors",
    "BasetenRoutingError": "langchain_baseten._routing",
    "BasetenStatusError": "langchain_baseten._errors",
    "BasetenStreamContextOverflowError": "langchain_baseten._errors",
    "BasetenStreamError": "langchain_baseten._errors",
    "BasetenTimeoutError": "langchain_baseten._errors",
    "BasetenTruncatedOutputError": "langchain_baseten._errors",
    "BasetenUnprocessableEntityError": "langchain_baseten._errors",
    "ChatBaseten": "langchain_baseten.chat_models",
    "ClassLabel": "langchain_baseten._rerank",
    "ModelInfo": "langchain_baseten._catalog",
    "ModelPrice": "langchain_baseten._pricing",
    "RerankResult": "langchain_baseten._rerank",
    "aclose_clients": "langchain_baseten._http.pools",
    "close_clients": "langchain_baseten._http.pools",
    "get_baseten_callback": "langchain_baseten._callbacks",
    "register_price": "langchain_baseten._pricing",
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
