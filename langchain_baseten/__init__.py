"""LangChain integration for Baseten: Model APIs and dedicated deployments.

``ChatBaseten`` is a LangChain chat model over Baseten's OpenAI-compatible
inference API; one ``model`` string picks the endpoint (see
:mod:`langchain_baseten.routing`). ``BasetenEmbeddings`` embeds text on a
dedicated deployment through the same router; ``BasetenRerank`` (a document
compressor) and ``BasetenClassifier`` call a BEI/TEI deployment's ``/rerank``
and ``/predict`` routes.
"""

from langchain_baseten._pools import aclose_clients, close_clients
from langchain_baseten._version import __version__
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
