"""``BasetenEmbeddings``: embedding models on Baseten dedicated deployments (BEI, TEI, vLLM)."""

from __future__ import annotations

import functools
import importlib
import importlib.util
import logging
import sys
import warnings
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlsplit

import httpx2
from langchain_core.embeddings import Embeddings
from langchain_core.exceptions import ContextOverflowError
from pydantic import AliasChoices, Field, field_validator

from langchain_baseten import _batches, _corpus, _embed
from langchain_baseten._baseten_api import REQUEST_ID_HEADER, is_baseten_host
from langchain_baseten._embed import (
    DEFAULT_BATCH_SIZE,
    DEFAULT_MAX_CHARS_PER_REQUEST,
    DEFAULT_MAX_CONCURRENCY,
    MAX_CONCURRENCY_LIMIT,
    BadVectorsError,
)
from langchain_baseten._forksafe import ForkSafeLock
from langchain_baseten._gc_pause import GC_PAUSE
from langchain_baseten._http.connection import IdempotentConnection
from langchain_baseten._http.transport import response_error
from langchain_baseten._routing import BasetenRoutingError, Endpoint

if TYPE_CHECKING:
    from collections.abc import (
        AsyncIterable,
        AsyncIterator,
        Awaitable,
        Callable,
        Iterable,
        Iterator,
    )

    import openai

    from langchain_baseten._batches import Batch, Progress
    from langchain_baseten._corpus import EmbeddedBatch
    from langchain_baseten._embed_rust import RustPoster
    from langchain_baseten._http.transport import JsonResponse

__all__ = ["BasetenEmbeddings", "PerformanceClientWarning"]

log = logging.getLogger(__name__)

_EMBEDDINGS_PATH = "/embeddings"
_ONE_STRING = "embed_documents takes a list of strings, not one string; use embed_query."

EncodingFormat = Literal["base64", "float"]
Backend = Literal["auto", "python", "performance-client"]
_BACKENDS = ("auto", "python", "performance-client")
_RUST_MODULE = "baseten_performance_client"
_INSTALL_RUST = 'pip install "langchain-baseten[performance]"'

#: Endpoints (base URL and body model) that refused ``encoding_format: "base64"``
#: with HTTP 400/422 and then answered the same request with floats: later
#: requests to them ask for floats directly.
_FLOAT_ONLY_ENDPOINTS: set[tuple[str, str]] = set()
_FLOAT_ONLY_LOCK = ForkSafeLock()
_FORMAT_REFUSAL_STATUSES = frozenset({400, 422})


def _format_refused() -> tuple[type[openai.APIStatusError], ...]:
    """The errors a server may answer ``encoding_format: "base64"`` with.

    Read at an ``except`` clause, after a request has loaded the openai SDK
    (importing this module does not).
    """
    import openai  # noqa: PLC0415 - loaded by the request that failed

    return (openai.BadRequestError, openai.UnprocessableEntityError)


def _refused_base64(err: openai.APIStatusError, encoding: str) -> bool:
    """Whether a 400/422 to a base64 request may be about ``encoding_format``.

    An input-too-long error (any status) is not: asking again for floats would
    fail the same way.
    """
    return (
        encoding == "base64"
        and err.status_code in _FORMAT_REFUSAL_STATUSES
        and not isinstance(err, ContextOverflowError)
    )


def _remember_float_only(endpoint: Endpoint) -> None:
    """Later requests to ``endpoint`` ask for floats (and go through Python).

    For a server that refused base64, and for one that ignored it and answered
    JSON numbers (what it answers without the key too).
    """
    with _FLOAT_ONLY_LOCK:
        _FLOAT_ONLY_ENDPOINTS.add((endpoint.base_url, endpoint.model))


class PerformanceClientWarning(UserWarning):
    """``backend="performance-client"`` sends to a URL other than Baseten's own https hosts.

    Baseten's Performance Client follows HTTP redirects to any host (with the
    texts and every header but ``Authorization``) and reads each answer whole
    before ``max_response_bytes`` is checked; it has no setting for either. The
    Python transport never follows a redirect and stops reading at the cap,
    which is why ``backend="auto"`` uses the Performance Client only on
    Baseten's https hosts. Shown once per host (Python's default warning filter).
    """


def _rust_safe_by_construction(base_url: str) -> bool:
    """Whether the Performance Client may send to ``base_url`` without an opt-in.

    Only https on Baseten's own hosts (``*.baseten.co``: the Model APIs and
    dedicated deployments): the server there is Baseten, which gets the key and
    the texts anyway, and TLS keeps anyone else from answering. A redirect it
    answers sends nothing to a party the call did not already trust, and its
    answers are what was asked for: an embeddings answer far below the size cap,
    which is still checked after reading. Anywhere else (a gateway, a local
    server, plain http) a redirect could carry the texts and custom headers to
    another host, and an answer could be of any size.
    """
    parts = urlsplit(base_url)
    return parts.scheme == "https" and is_baseten_host((parts.hostname or "").lower())


def _warn_not_safe(base_url: str) -> None:
    host = urlsplit(base_url).netloc or base_url
    warnings.warn(
        f"backend='performance-client' sends to {host}, which is not one of Baseten's "
        "https hosts: Baseten's Performance Client follows HTTP redirects to any host "
        "(with the texts and every header but Authorization, X-Api-Key included) and "
        "reads each answer whole before max_response_bytes is checked. Use "
        "backend='auto' or 'python' (never follows a redirect, stops reading at the "
        "cap) unless you trust every server this URL can redirect to.",
        PerformanceClientWarning,
        stacklevel=2,
    )


def _rust_installed() -> bool:
    """Whether ``baseten-performance-client`` can be imported (without importing it)."""
    if _RUST_MODULE in sys.modules:
        return sys.modules[_RUST_MODULE] is not None
    return importlib.util.find_spec(_RUST_MODULE) is not None


def _progress_bar(total: int) -> Progress:
    try:
        tqdm_auto = importlib.import_module("tqdm.auto")  # optional dependency
    except ImportError as exc:
        msg = "show_progress_bar=True needs the tqdm package: pip install tqdm"
        raise ImportError(msg) from exc
    return tqdm_auto.tqdm(total=total, unit="text", desc="Embedding")  # type: ignore[no-any-return]


class BasetenEmbeddings(IdempotentConnection, Embeddings):
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
        batch_size: Most inputs per request (default 32, TEI's default limit).
        max_chars_per_request: Most characters per request (default 8,000, as
            Baseten's Performance Client); a longer single text goes alone.
        max_concurrency: Requests in flight at once per call (default 64, at
            most 1024): threads for sync calls, worker tasks for async ones.
        encoding_format: ``"base64"`` (default: little-endian float32, a third
            of the bytes of JSON numbers and ten times cheaper to decode) or
            ``"float"`` (the key is left out; every server answers numbers). A
            server that refuses base64 with HTTP 400/422 gets the batch again as
            floats, and later requests to that endpoint ask for floats; a server
            that ignores the key answers numbers, which are accepted.
        show_progress_bar: A ``tqdm`` progress bar counting inputs (needs tqdm).
        backend: ``"auto"`` (default: Baseten's Rust Performance Client for
            https endpoints on Baseten's own hosts when
            ``pip install "langchain-baseten[performance]"`` installed it and it
            can honour every setting, else the Python transport), ``"python"``
            or ``"performance-client"`` (also elsewhere, with a one-time
            :class:`PerformanceClientWarning`: that client follows redirects and
            reads answers whole). Only the sending differs; see
            :mod:`langchain_baseten._embed_rust` for what is kept and when the
            Python transport is used instead (logged at debug level).

    Key init args — client params:
        timeout (the whole request, stream included), max_retries (default 2),
        max_connections (default 1000), max_response_bytes,
        default_headers, default_query,
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
        Inputs are split into batches of at most ``batch_size`` texts and
        ``max_chars_per_request`` characters, sent concurrently, at most
        ``max_concurrency`` at a time; vectors come back in input order. An
        empty list returns ``[]`` without a request; empty strings and invalid
        UTF-8 are rejected before anything is sent. Each batch is retried on its
        own (``max_retries``). If a batch still fails, no further batch is
        started and its error (with Baseten's message and request id) names the
        batch and its inputs (``exc.baseten_batch``, a ``range``). Vectors with
        NaN or infinite values, or of different lengths, raise
        ``BasetenResponseError``. Ctrl-C returns at once, without waiting for
        requests in flight (cancelling ``aembed_documents`` cancels them).

    A corpus of any size:
        ``embed_stream`` (and ``aembed_stream``) reads texts lazily and yields
        batches of vectors in input order, with at most ``max_pending`` batches
        in memory; :func:`langchain_baseten.add_in_windows` feeds a vector store
        window by window; both resume after a failure with ``start=``. See
        "Embedding millions of documents" in docs/embeddings-rerank-classification.md.

        .. code-block:: python

            for batch in embeddings.embed_stream(read_lines("corpus.txt")):
                store.add_embeddings(batch.pairs())  # e.g. FAISS
                checkpoint(batch.stop)  # resume later with start=batch.stop

    Vector store:
        .. code-block:: python

            from langchain_core.vectorstores import InMemoryVectorStore

            store = InMemoryVectorStore.from_texts(texts, embedding=embeddings)
            store.similarity_search("Where is Paris?", k=2)
    """

    dimensions: int | None = Field(default=None, gt=0)
    """Output dimensions for models that support shortening (Matryoshka)."""
    batch_size: int = Field(
        default=DEFAULT_BATCH_SIZE, ge=1, validation_alias=AliasChoices("batch_size", "chunk_size")
    )
    """Most inputs per request (``chunk_size``, OpenAIEmbeddings' name, sets it too)."""
    max_chars_per_request: int = Field(default=DEFAULT_MAX_CHARS_PER_REQUEST, ge=1)
    """Most characters per request (a longer single text goes alone)."""
    max_concurrency: int = Field(default=DEFAULT_MAX_CONCURRENCY, ge=1, le=MAX_CONCURRENCY_LIMIT)
    """Requests in flight at once within one call."""
    encoding_format: EncodingFormat = "base64"
    """``base64`` (float32, the default, with a fallback to numbers) or ``float``."""
    show_progress_bar: bool = False
    """Show a ``tqdm`` progress bar (inputs done) during multi-batch calls."""
    backend: Backend = "auto"
    """Who sends the requests: ``"auto"`` (Baseten's Rust Performance Client on Baseten's
    own https hosts when it is installed and can honour every setting, else the package's
    own Python transport), ``"python"`` or ``"performance-client"`` (needs the
    ``performance`` extra; off Baseten's https hosts it warns once per host with a
    :class:`PerformanceClientWarning`: it follows redirects and reads answers whole)."""

    check_embedding_ctx_length: bool = False
    """OpenAIEmbeddings' tiktoken splitting of long texts: accepted as ``False`` (what
    non-OpenAI models need, and what happens here: each text is sent whole, and a text
    longer than the model's window raises ``ContextOverflowError``); ``True`` is refused."""

    @field_validator("check_embedding_ctx_length", mode="before")
    @classmethod
    def _no_tiktoken_splitting(cls, value: Any) -> Any:
        if value is True:
            msg = (
                "check_embedding_ctx_length=True splits texts by OpenAI's tiktoken token "
                "counts, which do not fit the models on Baseten; BasetenEmbeddings sends each "
                "text whole (a text longer than the model's window raises "
                "ContextOverflowError). Drop it or pass False, and split long texts first "
                "(e.g. with a text splitter from langchain-text-splitters)."
            )
            raise ValueError(msg)
        return value

    @field_validator("backend", mode="before")
    @classmethod
    def _known_backend(cls, value: Any) -> Any:
        if value not in _BACKENDS:
            msg = (
                f"backend must be 'auto', 'python' or 'performance-client', not {value!r}. "
                "'auto' uses Baseten's Performance Client on Baseten's https hosts when it "
                f"is installed ({_INSTALL_RUST}) and the Python transport otherwise."
            )
            raise ValueError(msg)
        if value == "performance-client" and not _rust_installed():
            msg = (
                "backend='performance-client' needs the baseten-performance-client "
                f"package: {_INSTALL_RUST} (or use backend='auto', which falls back "
                "to the Python transport without it)."
            )
            raise ValueError(msg)
        return value

    @field_validator("show_progress_bar")
    @classmethod
    def _tqdm_installed(cls, value: bool) -> bool:  # noqa: FBT001 - pydantic's signature
        if value and importlib.util.find_spec("tqdm") is None:
            msg = "show_progress_bar=True needs the tqdm package: pip install tqdm"
            raise ValueError(msg)
        return value

    def _check_endpoint(self, endpoint: Endpoint) -> None:
        if endpoint.kind == "model_api":
            msg = (
                f"{self.model!r} resolves to Baseten's Model APIs, which serve chat models "
                "only: embeddings need a dedicated deployment. Pass its 8-character model "
                "ID (model='baseten/abcd1234'), its dashboard URL (model_url=...), or "
                "base_url=... for another OpenAI-compatible /embeddings endpoint."
            )
            raise BasetenRoutingError(msg)

    # ------------------------------------------------------------------ requests

    def _wire_format(self, endpoint: Endpoint) -> EncodingFormat:
        refused = (endpoint.base_url, endpoint.model) in _FLOAT_ONLY_ENDPOINTS
        return "float" if refused else self.encoding_format

    def _body(self, endpoint: Endpoint, texts: list[str], encoding: str) -> dict[str, Any]:
        body: dict[str, Any] = {"model": endpoint.model, "input": texts}
        if self.dimensions is not None:
            body["dimensions"] = self.dimensions
        if encoding != "float":
            body["encoding_format"] = encoding
        return body

    def _vectors(
        self, endpoint: Endpoint, batch: Batch, response: JsonResponse
    ) -> list[list[float]]:
        """The response's vectors in input order, after checking count, indexes and values."""
        try:
            return _embed.decode_vectors(response.data, len(batch.texts), self.dimensions)
        except BadVectorsError as exc:
            request_id = response.headers.get(REQUEST_ID_HEADER)
            where = f" (Baseten request id: {request_id})" if request_id else ""
            msg = f"Baseten's embeddings response {exc}{where}."
            request = httpx2.Request("POST", endpoint.base_url + _EMBEDDINGS_PATH)
            raise response_error(msg, request, body=response.data) from None

    def _batch_sender(self, rust: RustPoster | None = None) -> Callable[[Batch], list[list[float]]]:
        """Send one batch (sync), with the endpoint resolved once per call."""
        endpoint, transport = self._connection()
        python: Callable[[dict[str, Any]], JsonResponse] = functools.partial(
            transport.post, _EMBEDDINGS_PATH
        )

        def send(batch: Batch) -> list[list[float]]:
            encoding = self._wire_format(endpoint)
            # Numbers are parsed by Python: the Rust client's parser rounds differently.
            post = rust.post if rust is not None and encoding == "base64" else python
            try:
                response = post(self._body(endpoint, batch.texts, encoding))
            except _format_refused() as err:
                if not _refused_base64(err, encoding):
                    raise
                # A server that does not know encoding_format="base64": ask once for numbers.
                response = python(self._body(endpoint, batch.texts, "float"))
                _remember_float_only(endpoint)
            return self._vectors(endpoint, batch, response)

        return send

    def _async_batch_sender(
        self, rust: RustPoster | None = None
    ) -> Callable[[Batch], Awaitable[list[list[float]]]]:
        """Async twin of :meth:`_batch_sender` (through ``rust`` when given)."""
        endpoint, transport = self._connection()
        python: Callable[[dict[str, Any]], Awaitable[JsonResponse]] = functools.partial(
            transport.apost, _EMBEDDINGS_PATH
        )

        async def send(batch: Batch) -> list[list[float]]:
            encoding = self._wire_format(endpoint)
            post = rust.apost if rust is not None and encoding == "base64" else python
            try:
                response = await post(self._body(endpoint, batch.texts, encoding))
            except _format_refused() as err:
                if not _refused_base64(err, encoding):
                    raise
                response = await python(self._body(endpoint, batch.texts, "float"))
                _remember_float_only(endpoint)
            return self._vectors(endpoint, batch, response)

        return send

    def _why_python(self, endpoint: Endpoint) -> str | None:
        """Why this call goes through the Python transport (``None``: the Performance Client).

        ``backend="auto"`` uses the Performance Client only on Baseten's own https
        hosts (see :func:`_rust_safe_by_construction`); both ``"auto"`` and
        ``"performance-client"`` need it installed and able to honour every setting.
        """
        if self.backend == "python":
            return "backend='python'"
        if self.backend == "auto" and not _rust_safe_by_construction(endpoint.base_url):
            return (
                f"{urlsplit(endpoint.base_url).netloc or endpoint.base_url} is not one of "
                "Baseten's https hosts: the Performance Client follows redirects and reads "
                "answers whole (backend='performance-client' uses it anyway)"
            )
        if self._wire_format(endpoint) == "float":
            return (
                "the endpoint is asked for JSON numbers, which the Performance Client parses "
                "less precisely than Python"
            )
        if not _rust_installed():
            return f"baseten-performance-client is not installed ({_INSTALL_RUST})"
        try:
            from langchain_baseten import _embed_rust  # noqa: PLC0415 - optional, only when used
        except ImportError as exc:
            return f"baseten-performance-client cannot be imported ({exc})"
        return _embed_rust.unusable_reason(self, endpoint, self.max_concurrency)

    def _rust_poster(self, endpoint: Endpoint) -> RustPoster | None:
        """The Performance Client poster for this call, or ``None`` for the Python path.

        A debug log line says why a call with ``backend="auto"`` or
        ``"performance-client"`` goes through Python; an explicit
        ``"performance-client"`` off Baseten's https hosts warns
        (:class:`PerformanceClientWarning`).
        """
        reason = self._why_python(endpoint)
        if reason is not None:
            if self.backend != "python":
                log.debug(
                    "BasetenEmbeddings: Python backend, not the Performance Client: %s", reason
                )
            return None
        if not _rust_safe_by_construction(endpoint.base_url):
            _warn_not_safe(endpoint.base_url)
        from langchain_baseten import _embed_rust  # noqa: PLC0415 - optional, imported above

        transport = self._connection()[1]
        return _embed_rust.poster(
            self,
            endpoint,
            functools.partial(transport.post, _EMBEDDINGS_PATH),
            functools.partial(transport.apost, _EMBEDDINGS_PATH),
            functools.partial(_remember_float_only, endpoint),
        )

    def _same_lengths(self, vectors: list[list[float]]) -> list[list[float]]:
        """Vectors of different batches must have one length, as within a batch."""
        if len(set(map(len, vectors))) > 1:
            first = len(vectors[0])
            position = next(i for i, v in enumerate(vectors) if len(v) != first)
            msg = (
                "Baseten's embeddings responses have vectors of different lengths: "
                f"{first} values for input 0 but {len(vectors[position])} for input "
                f"{position}."
            )
            request = httpx2.Request("POST", self.endpoint.base_url + _EMBEDDINGS_PATH)
            raise response_error(msg, request, body=None)
        return vectors

    def _plan(self, texts: list[str]) -> tuple[list[Batch], Progress | None]:
        _batches.check_strings(texts, _ONE_STRING)
        _batches.check_embeddable(texts)
        batches = _batches.plan_batches(texts, self.batch_size, self.max_chars_per_request)
        show = self.show_progress_bar and len(batches) > 1
        return batches, _progress_bar(len(texts)) if show else None

    def _runner(self, progress: Progress | None) -> _batches.BatchRunner:
        return _batches.BatchRunner(self.max_concurrency, "embed", "Embeddings", progress)

    # ------------------------------------------------------------------ Embeddings API

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Embed texts, in batches sent concurrently; vectors come back in input order.

        Args:
            texts: The texts (an empty list returns ``[]`` without a request).

        Returns:
            One vector per text, in the order of ``texts``.

        Raises:
            TypeError: For a single string or items that are not strings.
            ValueError: For empty strings or invalid UTF-8 (nothing is sent).
            openai.APIError: When a batch fails after its retries; the message
                shows Baseten's message and request id and which inputs the
                batch held (also as ``exc.baseten_batch``, a ``range``). No
                further batch is started.
        """
        with self._scrubbed_errors():
            return self._embed_documents(texts)

    def _embed_documents(self, texts: list[str]) -> list[list[float]]:
        batches, progress = self._plan(texts)
        if not batches:
            return []
        # The cyclic collector would walk every new vector list at each young collection:
        # paused for the call (see _gc_pause), the lists are walked once, afterwards.
        with GC_PAUSE:
            try:
                rust = self._rust_poster(self.endpoint)
                if rust is not None and len(batches) > 1:
                    # Requests that release the GIL: tasks on one loop, not a thread each.
                    vectors = self._runner(progress).run_async_in_thread(
                        batches, self._async_batch_sender(rust)
                    )
                else:
                    vectors = self._runner(progress).run_sync(batches, self._batch_sender(rust))
            finally:
                if progress is not None:
                    progress.close()  # type: ignore[attr-defined]
        return self._same_lengths(vectors)

    def embed_query(self, text: str) -> list[float]:
        """Embed one text.

        Args:
            text: The text (must not be empty).

        Returns:
            Its vector.
        """
        return self.embed_documents([text])[0]

    async def aembed_documents(self, texts: list[str]) -> list[list[float]]:
        """Async twin of :meth:`embed_documents`.

        Batches are sent by up to ``max_concurrency`` worker tasks on the
        caller's event loop, through the async client (``http_async_client``
        when given), or the Rust backend when it is used. Each answer is
        decoded on the loop between awaits, one answer at a time, so other
        tasks keep running in between. Cancelling the
        call stops it at once: no further batch is started and requests in
        flight are abandoned, not waited for.

        Args:
            texts: The texts (an empty list returns ``[]`` without a request).

        Returns:
            One vector per text, in the order of ``texts``.
        """
        with self._scrubbed_errors():
            return await self._aembed_documents(texts)

    async def _aembed_documents(self, texts: list[str]) -> list[list[float]]:
        batches, progress = self._plan(texts)
        if not batches:
            return []
        with GC_PAUSE:  # as in _embed_documents; other tasks' cycles are collected after
            try:
                rust = self._rust_poster(self.endpoint)
                vectors = await self._runner(progress).run_async(
                    batches, self._async_batch_sender(rust)
                )
            finally:
                if progress is not None:
                    progress.close()  # type: ignore[attr-defined]
        return self._same_lengths(vectors)

    async def aembed_query(self, text: str) -> list[float]:
        """Async twin of :meth:`embed_query`.

        Args:
            text: The text (must not be empty).

        Returns:
            Its vector.
        """
        return (await self.aembed_documents([text]))[0]

    # ------------------------------------------------------------------ corpus streaming

    def _pending(self, texts: object, start: int, max_pending: int | None) -> int:
        """Check a stream's arguments; the bound on pending batches."""
        _corpus.check_stream_input(texts, start)
        if max_pending is not None and max_pending < 1:
            msg = f"max_pending must be 1 or more (batches held at once), not {max_pending}."
            raise ValueError(msg)
        return max_pending if max_pending is not None else self.max_concurrency

    def _stream_progress(self, start: int, total: int | None) -> Progress | None:
        progress = _corpus.progress_bar(total) if self.show_progress_bar else None
        if progress is not None and start:
            progress.update(start)
        return progress

    def embed_stream(
        self,
        texts: Iterable[str],
        *,
        start: int = 0,
        max_pending: int | None = None,
        total: int | None = None,
    ) -> Iterator[EmbeddedBatch]:
        """Embed a corpus of any size lazily: batches of vectors in input order, bounded memory.

        Texts are read from ``texts`` (any iterable, e.g. a generator over
        files) only as batches are needed, sent concurrently, and yielded as
        :class:`~langchain_baseten.EmbeddedBatch` objects (``start``, ``texts``,
        ``vectors``, ``stop``, ``pairs()``) in input order. At most
        ``max_pending`` batches are started and not yet yielded at once, so
        memory holds at most that many batches of texts and vectors. Each
        batch is retried on its own (``max_retries``).

        Args:
            texts: The texts (each checked as it is read: no empty strings,
                valid UTF-8).
            start: Skip this many texts first (read, not sent): to resume after
                a failure, pass the error's ``baseten_resume_from`` (or the
                last delivered batch's ``stop``) with the same ``texts``.
            max_pending: Most batches in flight or waiting to be yielded
                (default ``max_concurrency``).
            total: The number of texts, for the progress bar (optional).

        Returns:
            An iterator of :class:`~langchain_baseten.EmbeddedBatch`, one per
            request, in order (nothing is read or sent before it is iterated).

        Raises:
            TypeError: For one string instead of an iterable, or (while
                iterating) an item that is not a string, naming its position.
            ValueError: For a negative ``start`` or ``max_pending`` below 1, or
                (while iterating) an empty or invalid text, naming its position.
            openai.APIError: When a batch fails after its retries; the error
                carries ``baseten_resume_from`` (its first position: every text
                before it was yielded) and ``baseten_batch``. Pending batches
                are dropped. Closing the iterator early also drops them.
        """
        pending = self._pending(texts, start, max_pending)
        batches = _corpus.batches_from(texts, self.batch_size, self.max_chars_per_request, start)
        return self._stream(batches, pending, (start, total))

    def _stream(
        self, batches: Iterator[Batch], pending: int, counts: tuple[int, int | None]
    ) -> Iterator[EmbeddedBatch]:
        progress = self._stream_progress(*counts)
        with self._scrubbed_errors():
            try:
                rust = self._rust_poster(self.endpoint)
                yield from _corpus.stream_batches(
                    batches, self._batch_sender(rust), pending, progress
                )
            finally:
                if progress is not None:
                    progress.close()  # type: ignore[attr-defined]

    def aembed_stream(
        self,
        texts: Iterable[str] | AsyncIterable[str],
        *,
        start: int = 0,
        max_pending: int | None = None,
        total: int | None = None,
    ) -> AsyncIterator[EmbeddedBatch]:
        """Async twin of :meth:`embed_stream` (``texts`` may be an async iterable).

        Pending batches are tasks on the caller's loop; closing the stream
        (``aclose()``) or cancelling its consumer cancels them.

        Args:
            texts: The texts (a sync or async iterable).
            start: Skip this many texts first (read, not sent).
            max_pending: Most batches in flight or waiting to be yielded.
            total: The number of texts, for the progress bar (optional).

        Returns:
            An async iterator of :class:`~langchain_baseten.EmbeddedBatch`, in order.
        """
        pending = self._pending(texts, start, max_pending)
        batches = _corpus.abatches_from(texts, self.batch_size, self.max_chars_per_request, start)
        return self._astream(batches, pending, (start, total))

    async def _astream(
        self, batches: AsyncIterator[Batch], pending: int, counts: tuple[int, int | None]
    ) -> AsyncIterator[EmbeddedBatch]:
        progress = self._stream_progress(*counts)
        with self._scrubbed_errors():
            try:
                rust = self._rust_poster(self.endpoint)
                stream = _corpus.astream_batches(
                    batches, self._async_batch_sender(rust), pending, progress
                )
                try:
                    async for batch in stream:
                        yield batch
                finally:
                    await stream.aclose()
            finally:
                if progress is not None:
                    progress.close()  # type: ignore[attr-defined]
