"""``BasetenEmbeddings``: embedding models on Baseten dedicated deployments (BEI, TEI, vLLM)."""

from __future__ import annotations

import asyncio
import base64
import binascii
import struct
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, Literal

import httpx2
from langchain_core.embeddings import Embeddings
from pydantic import (
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    SecretStr,
    field_validator,
    model_validator,
)

from langchain_baseten._config import (
    DerivedCache,
    EnvEndpoint,
    api_key_field,
    check_default_headers,
    derive,
    endpoint_from_env,
)
from langchain_baseten._kwargs import collect_init_kwargs
from langchain_baseten.errors import REQUEST_ID_HEADER, BasetenResponseError
from langchain_baseten.routing import BasetenRoutingError, Endpoint, Route

if TYPE_CHECKING:
    from collections.abc import Sequence

    from langchain_baseten.transport import JsonResponse, Transport

__all__ = ["BasetenEmbeddings"]

_EMBEDDINGS_PATH = "/embeddings"
#: Inputs per request. Hugging Face TEI (which Baseten uses for architectures BEI
#: does not cover) refuses more than 32 inputs per request by default
#: (``--max-client-batch-size``); BEI batches dynamically on the server, so small
#: requests sent concurrently cost it nothing.
DEFAULT_BATCH_SIZE = 32
#: Requests in flight at once for one ``embed_documents`` call.
DEFAULT_MAX_CONCURRENCY = 8

EncodingFormat = Literal["float", "base64"]


def _batches(texts: Sequence[str], size: int) -> list[list[str]]:
    return [list(texts[start : start + size]) for start in range(0, len(texts), size)]


def _check_texts(texts: Sequence[str]) -> None:
    """Reject what no embeddings server accepts, before any request is sent."""
    if isinstance(texts, str):
        msg = "embed_documents takes a list of strings, not one string; use embed_query."
        raise TypeError(msg)
    bad = [index for index, text in enumerate(texts) if not isinstance(text, str)]
    if bad:
        msg = f"Every input must be a string; items at positions {bad[:10]} are not."
        raise TypeError(msg)
    empty = [index for index, text in enumerate(texts) if not text]
    if empty:
        shown = ", ".join(str(i) for i in empty[:10]) + (" ..." if len(empty) > 10 else "")  # noqa: PLR2004
        msg = (
            f"Cannot embed empty strings (at positions {shown}): OpenAI-compatible "
            "embedding servers reject them. Filter them out before embedding."
        )
        raise ValueError(msg)


def _decode_vector(value: Any) -> list[float] | None:
    """A list of numbers, or base64 little-endian float32 (``encoding_format="base64"``)."""
    if isinstance(value, list):
        try:
            return [float(x) for x in value]
        except (TypeError, ValueError):
            return None
    if isinstance(value, str):
        try:
            raw = base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            return None
        if len(raw) % 4:
            return None
        return list(struct.unpack(f"<{len(raw) // 4}f", raw))
    return None


class BasetenEmbeddings(BaseModel, Embeddings):
    """Embeddings from a Baseten dedicated deployment (BEI, TEI, vLLM ...).

    Embedding models run on dedicated deployments: Baseten's Model APIs
    (``inference.baseten.co``) serve chat models only, so a Model API slug is an
    error. The endpoint is resolved exactly as for ``ChatBaseten``:
    ``model="baseten/abcd1234"`` goes to
    ``https://model-abcd1234.api.baseten.co/environments/production/sync/v1``
    and requests go to its ``/embeddings`` route.

    Setup:
        Install ``langchain-baseten``, deploy an embedding model (for example from
        Baseten's model library, served by BEI) and set ``BASETEN_API_KEY``:

        .. code-block:: bash

            pip install -U langchain-baseten
            export BASETEN_API_KEY="your-api-key"

    Key init args — endpoint:
        model: The deployment's 8-character model ID, optionally prefixed
            ``baseten/``. Alias: ``model_name``.
        route: ``"auto"`` (default) or ``"dedicated"``; ``"model_api"`` is an error.
        environment: The environment (default ``production``).
        deployment_id: One specific deployment instead of an environment.
        model_url: A deployment URL copied from Baseten's dashboard.
        base_url: Replaces the endpoint entirely (any OpenAI-compatible
            ``/embeddings`` server). Env: ``BASETEN_BASE_URL`` (used when no
            ``model_url``/``base_url`` is given).
        served_model_name: The body ``model`` (servers such as vLLM check it).
        api_key: Baseten API key. Alias ``baseten_api_key``. Env: ``BASETEN_API_KEY``
            (``OPENAI_API_KEY`` is never read).

    Key init args — embedding params:
        dimensions: Ask for shorter (Matryoshka) vectors, where the model supports it.
        batch_size: Inputs per request (default 32, TEI's default per-request limit).
        max_concurrency: Requests in flight at once per call (default 8).
        encoding_format: ``"float"`` (default; the key is left out of the request,
            so every server answers with JSON numbers) or ``"base64"`` (asks for
            little-endian float32, a third of the bytes and faster to decode; not
            every server supports it).

    Key init args — client params:
        timeout, max_retries (default 2), default_headers, default_query,
        http_client, http_async_client.

    Instantiate:
        .. code-block:: python

            from langchain_baseten import BasetenEmbeddings

            embeddings = BasetenEmbeddings(model="baseten/abcd1234")
            embeddings.endpoint.base_url
            # 'https://model-abcd1234.api.baseten.co/environments/production/sync/v1'

    Embed:
        .. code-block:: python

            vectors = embeddings.embed_documents(["Baseten runs models.", "Paris is in France."])
            query = embeddings.embed_query("Where is Paris?")
            len(query)  # the model's dimension, e.g. 1024

    Async:
        .. code-block:: python

            vectors = await embeddings.aembed_documents(["one", "two"])
            query = await embeddings.aembed_query("three")

    Batching:
        Inputs are split into batches of ``batch_size`` sent concurrently, at
        most ``max_concurrency`` at a time (threads for sync calls, tasks for
        async ones); vectors come back in input order. An empty list returns
        ``[]`` without a request; empty strings are rejected before anything is
        sent. If one batch fails, batches not yet sent are cancelled and the
        error (with Baseten's message and request id) is raised.

    Vector store:
        .. code-block:: python

            from langchain_core.vectorstores import InMemoryVectorStore

            store = InMemoryVectorStore.from_texts(texts, embedding=embeddings)
            store.similarity_search("Where is Paris?", k=2)
    """

    model: str | None = Field(default=None, validation_alias=AliasChoices("model", "model_name"))
    """Dedicated model ID (8 characters), optionally prefixed ``baseten/``."""
    route: Route = "auto"
    """``auto`` or ``dedicated``: how ``model`` is routed (Model APIs have no embeddings)."""
    model_url: str | None = None
    """A dedicated deployment URL as copied from Baseten's dashboard."""
    base_url: str | None = None
    """A custom endpoint as given; the resolved one is ``endpoint.base_url``."""
    environment: str | None = None
    """The deployment environment (``production`` by default)."""
    deployment_id: str | None = None
    """A specific deployment instead of an environment."""
    served_model_name: str | None = None
    """The body ``model`` sent to the server."""
    api_key: SecretStr | None = api_key_field()
    """Baseten API key; read from ``BASETEN_API_KEY`` when not given."""

    dimensions: int | None = Field(default=None, gt=0)
    """Output dimensions for models that support shortening (Matryoshka)."""
    batch_size: int = Field(default=DEFAULT_BATCH_SIZE, ge=1)
    """Inputs per request."""
    max_concurrency: int = Field(default=DEFAULT_MAX_CONCURRENCY, ge=1)
    """Requests in flight at once within one call."""
    encoding_format: EncodingFormat = "float"
    """``float`` (JSON numbers, the server default) or ``base64`` (float32, decoded here)."""

    timeout: float | None = Field(
        default=None, validation_alias=AliasChoices("timeout", "request_timeout")
    )
    """Seconds per request (the openai client's default, 600 s, when ``None``)."""
    max_retries: int = Field(default=2, ge=0)
    """Retries with backoff (honouring ``Retry-After``) on 408/409/429/5xx and lost connections."""
    default_headers: dict[str, str | SecretStr] | None = None
    """Headers for every request; credential-like ones (``Authorization`` ...) are kept secret."""
    default_query: dict[str, str] | None = None
    http_client: Any | None = Field(default=None, exclude=True)
    """An ``httpx2.Client`` to use instead of the shared connection pool."""
    http_async_client: Any | None = Field(default=None, exclude=True)
    """An ``httpx2.AsyncClient`` to use instead of the shared connection pool."""

    # hide_input_in_errors: a failed validation must never quote the input, api_key included.
    model_config = ConfigDict(
        populate_by_name=True,
        protected_namespaces=(),
        extra="forbid",
        hide_input_in_errors=True,
    )

    _derived: DerivedCache = PrivateAttr(default_factory=DerivedCache)
    _env: EnvEndpoint = PrivateAttr(default_factory=EnvEndpoint)  # set by the validator

    @model_validator(mode="before")
    @classmethod
    def _apply_keyword_policy(cls, values: Any) -> Any:
        """Map other clients' names and refuse credentials (unknown names stay errors)."""
        if not isinstance(values, dict):
            return values
        return collect_init_kwargs(cls, values, owner=cls.__name__, extras=False)

    @field_validator("default_headers", mode="before")
    @classmethod
    def _check_headers(cls, value: Any) -> Any:
        return check_default_headers(value)

    @model_validator(mode="after")
    def _check_connection(self) -> BasetenEmbeddings:
        """Read the environment once; check the endpoint (a dedicated one) and the key."""
        self._env = endpoint_from_env()
        self._connection()
        return self

    def _check_endpoint(self, endpoint: Endpoint) -> None:
        if endpoint.kind == "model_api":
            msg = (
                f"{self.model!r} resolves to Baseten's Model APIs, which serve chat models "
                "only: embeddings need a dedicated deployment. Pass its 8-character model "
                "ID (model='baseten/abcd1234'), its dashboard URL (model_url=...), or "
                "base_url=... for another OpenAI-compatible /embeddings endpoint."
            )
            raise BasetenRoutingError(msg)

    def _connection(self) -> tuple[Endpoint, Transport]:
        """The endpoint and transport for the current field values."""
        # Read the private attributes directly: pydantic's __getattr__ costs ~6 us each.
        private: dict[str, Any] = self.__pydantic_private__  # type: ignore[assignment]
        return derive(self, private["_derived"], private["_env"], self._check_endpoint)

    @property
    def model_name(self) -> str:
        """The model name sent in request bodies."""
        return self.endpoint.model

    @property
    def endpoint(self) -> Endpoint:
        """The resolved endpoint (``base_url``, body ``model``, kind, deployment details)."""
        return self._connection()[0]

    @property
    def baseten_api_key(self) -> SecretStr | None:
        """The API key (the published langchain-baseten's attribute name for ``api_key``)."""
        return self.api_key

    @property
    def baseten_api_base(self) -> str:
        """The resolved base URL (the published langchain-baseten's attribute name)."""
        return self.endpoint.base_url

    # ------------------------------------------------------------------ requests

    def _body(self, batch: list[str]) -> dict[str, Any]:
        body: dict[str, Any] = {"model": self.endpoint.model, "input": batch}
        if self.dimensions is not None:
            body["dimensions"] = self.dimensions
        if self.encoding_format != "float":
            body["encoding_format"] = self.encoding_format
        return body

    def _vectors(self, batch: list[str], response: JsonResponse) -> list[list[float]]:
        """The response's vectors in input order, after checking count and indexes."""
        data = response.data.get("data")
        request_id = response.headers.get(REQUEST_ID_HEADER)

        def fail(problem: str) -> BasetenResponseError:
            where = f" (Baseten request id: {request_id})" if request_id else ""
            msg = f"Baseten's embeddings response {problem}{where}."
            request = httpx2.Request("POST", self.endpoint.base_url + _EMBEDDINGS_PATH)
            return BasetenResponseError(msg, request, body=response.data)

        if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
            problem = "has no 'data' list of embedding objects"
            raise fail(problem)
        if len(data) != len(batch):
            problem = f"holds {len(data)} embeddings for {len(batch)} inputs"
            raise fail(problem)
        indexes = [item.get("index") for item in data]
        if any(index is not None for index in indexes):
            if sorted(i if isinstance(i, int) else -1 for i in indexes) != list(range(len(batch))):
                problem = f"has indexes {indexes[:20]}, not 0..{len(batch) - 1} once each"
                raise fail(problem)
            data = sorted(data, key=lambda item: item["index"])
        vectors = []
        for position, item in enumerate(data):
            vector = _decode_vector(item.get("embedding"))
            if not vector:
                problem = f"has no usable vector for input {position}"
                raise fail(problem)
            vectors.append(vector)
        return vectors

    def _embed_batch(self, batch: list[str]) -> list[list[float]]:
        transport = self._connection()[1]
        return self._vectors(batch, transport.post(_EMBEDDINGS_PATH, self._body(batch)))

    async def _aembed_batch(self, batch: list[str]) -> list[list[float]]:
        response = await self._connection()[1].apost(_EMBEDDINGS_PATH, self._body(batch))
        return self._vectors(batch, response)

    # ------------------------------------------------------------------ Embeddings API

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Embed texts, in batches sent concurrently; vectors come back in input order.

        Args:
            texts: The texts (an empty list returns ``[]`` without a request).

        Returns:
            One vector per text, in the order of ``texts``.

        Raises:
            ValueError: For empty strings (nothing is sent).
            openai.APIError: When a request fails; the message shows Baseten's
                message and request id. Batches not yet sent are cancelled.
        """
        _check_texts(texts)
        batches = _batches(texts, self.batch_size)
        if len(batches) <= 1 or self.max_concurrency == 1:
            return [vector for batch in batches for vector in self._embed_batch(batch)]
        workers = min(self.max_concurrency, len(batches))
        executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="baseten-embed")
        try:
            futures = [executor.submit(self._embed_batch, batch) for batch in batches]
            return [vector for future in futures for vector in future.result()]
        finally:
            executor.shutdown(wait=True, cancel_futures=True)

    def embed_query(self, text: str) -> list[float]:
        """Embed one text.

        Args:
            text: The text (must not be empty).

        Returns:
            Its vector.
        """
        return self.embed_documents([text])[0]

    async def aembed_documents(self, texts: list[str]) -> list[list[float]]:
        """Async twin of :meth:`embed_documents` (concurrency bounded by a semaphore).

        Args:
            texts: The texts (an empty list returns ``[]`` without a request).

        Returns:
            One vector per text, in the order of ``texts``.
        """
        _check_texts(texts)
        batches = _batches(texts, self.batch_size)
        if len(batches) <= 1:
            return [vector for batch in batches for vector in await self._aembed_batch(batch)]
        semaphore = asyncio.Semaphore(self.max_concurrency)

        async def run(batch: list[str]) -> list[list[float]]:
            async with semaphore:
                return await self._aembed_batch(batch)

        tasks = [asyncio.ensure_future(run(batch)) for batch in batches]
        try:
            results = await asyncio.gather(*tasks)
        except BaseException:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            raise
        return [vector for result in results for vector in result]

    async def aembed_query(self, text: str) -> list[float]:
        """Async twin of :meth:`embed_query`.

        Args:
            text: The text (must not be empty).

        Returns:
            Its vector.
        """
        return (await self.aembed_documents([text]))[0]
