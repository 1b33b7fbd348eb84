"""Rerankers and classifiers on Baseten dedicated deployments (BEI, Hugging Face TEI).

``BasetenRerank`` is a LangChain ``BaseDocumentCompressor`` on the ``/rerank``
route of a BEI or TEI deployment; ``BasetenClassifier`` calls the ``/predict``
route of a sequence-classification deployment. Both resolve the endpoint, key,
client and errors exactly as ``ChatBaseten`` and ``BasetenEmbeddings`` do
(:mod:`langchain_baseten._http.settings`).

Where the routes are: BEI and TEI serve ``/rerank`` and ``/predict`` at the
deployment's sync root, beside the OpenAI-style ``/v1`` routes, so for
``model="baseten/abcd1234"`` the reranker posts to
``https://model-abcd1234.api.baseten.co/environments/production/sync/rerank``
(basetenlabs/truss-examples, ``11-embeddings-reranker-classification-tensorrt``
READMEs: "POST-Route: .../environments/production/sync/rerank" and
".../sync/predict"; Baseten's performance client builds ``{api_base}/sync/rerank``).
With ``base_url=`` the sync root is that URL with a trailing ``/v1`` removed, so
one ``base_url`` serves the embeddings, the reranker and the classifier alike.

Wire shapes (huggingface/text-embeddings-inference, ``router/src/http/types.rs``
and ``proto/tei.proto``):

* ``POST /rerank`` ``{"query": str, "texts": [str], "raw_scores": bool,
  "truncate": bool}`` -> ``[{"index": int, "score": float}, ...]`` sorted by
  score, one entry per text.
* vLLM's ``/rerank`` (a reranker deployed on vLLM; Cohere's and Jina's shape)
  is another: ``{"model"?, "query", "documents": [str], "top_n"?,
  "use_activation"?, "truncate_prompt_tokens"?}`` ->
  ``{"results": [{"index", "document": {"text"}, "relevance_score"}], "usage"}``
  (vllm-project/vllm, ``vllm/entrypoints/pooling/scoring/protocol.py``:
  ``RerankRequest``, ``RerankResponse``; ``api_router.py`` serves ``/rerank``,
  ``/v1/rerank`` and ``/v2/rerank``; docs.vllm.ai, "Re-rank API"). It answers
  TEI's body with HTTP 400 naming the missing ``documents``.
  ``BasetenRerank(rerank_api=...)`` picks the shape; ``"auto"`` sends TEI's
  first and switches for good on that 400.
* ``POST /predict`` ``{"inputs": [[str], ...]}`` -> ``[[{"label": str, "score":
  float}, ...], ...]``, one list per input. Each input is wrapped in its own list
  because a bare ``["a", "b"]`` means one text *pair* to TEI, not two texts.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import httpx2
from langchain_core.documents import BaseDocumentCompressor, Document
from pydantic import Field, PrivateAttr

from langchain_baseten import _batches
from langchain_baseten._baseten_api import REQUEST_ID_HEADER
from langchain_baseten._http.connection import IdempotentConnection
from langchain_baseten._http.transport import response_error
from langchain_baseten._routing import BasetenRoutingError, Endpoint

if TYPE_CHECKING:
    from collections.abc import Sequence

    from langchain_core.callbacks import Callbacks

    from langchain_baseten._errors import BasetenResponseError
    from langchain_baseten._http.transport import JsonListResponse, JsonValueResponse

__all__ = ["BasetenClassifier", "BasetenRerank", "ClassLabel", "RerankApi", "RerankResult"]

#: The ``/rerank`` wire shapes ``BasetenRerank`` speaks (see the module docstring).
RerankApi = Literal["auto", "tei", "vllm"]

_log = logging.getLogger("langchain_baseten")

_RERANK_PATH = "/rerank"
_PREDICT_PATH = "/predict"
#: Texts per request: TEI's ``--max-client-batch-size`` default (BEI accepts more).
DEFAULT_BATCH_SIZE = 32
#: Requests in flight at once for one call.
DEFAULT_MAX_CONCURRENCY = 8
#: Texts one call may send in total (a guard against reranking a whole corpus by mistake).
DEFAULT_MAX_TEXTS = 10_000


@dataclass(frozen=True, slots=True)
class RerankResult:
    """One scored text: its position in the input and its relevance score."""

    index: int
    score: float


@dataclass(frozen=True, slots=True)
class ClassLabel:
    """One label a classifier gave a text, with its score."""

    label: str
    score: float


def _sync_root(endpoint: Endpoint) -> str:
    """The deployment's sync root: ``.../sync/v1`` -> ``.../sync``; ``base_url`` minus ``/v1``."""
    return endpoint.base_url.removesuffix("/v1")


class _BeiModel(IdempotentConnection):
    """A BEI/TEI deployment's sync root: the connection plus the batching fields (shared base)."""

    batch_size: int = Field(default=DEFAULT_BATCH_SIZE, ge=1)
    """Texts per request (TEI refuses more than its ``--max-client-batch-size``, 32 by default)."""
    max_concurrency: int = Field(default=DEFAULT_MAX_CONCURRENCY, ge=1)
    """Requests in flight at once within one call."""
    max_texts: int = Field(default=DEFAULT_MAX_TEXTS, ge=1)
    """Most texts one call may send; more is an error rather than a surprise bill."""
    truncate: bool | None = None
    """Ask the server to truncate over-long inputs (``None``: the server's default, no truncation
    on TEI, which then answers 413 for a text longer than the model's limit)."""

    def _check_fields(self) -> None:
        if self.served_model_name is not None:
            msg = (
                "served_model_name= does not apply here: /rerank and /predict requests carry "
                "no model name. Drop it."
            )
            raise BasetenRoutingError(msg)

    def _check_endpoint(self, endpoint: Endpoint) -> None:
        if endpoint.kind == "model_api":
            msg = (
                f"{self.model!r} resolves to Baseten's Model APIs, which serve chat models "
                f"only: a {type(self).__name__} needs a dedicated deployment (BEI or TEI). "
                "Pass its 8-character model ID (model='baseten/abcd1234'), its dashboard URL "
                "(model_url=...), or base_url=... for another TEI-compatible server."
            )
            raise BasetenRoutingError(msg)

    def _transport_base(self, endpoint: Endpoint) -> str:
        return _sync_root(endpoint)

    @property
    def sync_url(self) -> str:
        """The deployment's sync root, where ``/rerank`` and ``/predict`` live."""
        return _sync_root(self.endpoint)

    def _fail(
        self, path: str, response: JsonListResponse | JsonValueResponse, problem: str
    ) -> BasetenResponseError:
        request_id = response.headers.get(REQUEST_ID_HEADER)
        where = f" (Baseten request id: {request_id})" if request_id else ""
        msg = f"The {path} response {problem}{where}."
        request = httpx2.Request("POST", self.sync_url + path)
        return response_error(msg, request, body=response.data)

    def _check_texts(self, texts: Sequence[str]) -> None:
        _batches.check_strings(texts, "texts must be a list of strings, not one string.")
        _batches.check_count(texts, self.max_texts)

    def _options(self) -> dict[str, Any]:
        return {} if self.truncate is None else {"truncate": self.truncate}


class BasetenRerank(_BeiModel, BaseDocumentCompressor):
    """Rerank documents with a reranker on a Baseten dedicated deployment (BEI, TEI or vLLM).

    A cross-encoder scores each document against the query; the best ``top_n``
    come back, best first, with the score in ``metadata["relevance_score"]``.
    Use it after a retriever (``ContextualCompressionRetriever``) or on its own.

    Setup:
        Deploy a reranker (for example BAAI/bge-reranker-v2-m3 from Baseten's model
        library, served by BEI) and set ``BASETEN_API_KEY``.

    Key init args:
        model: The deployment's 8-character model ID, optionally prefixed ``baseten/``.
            ``model_url``, ``environment``, ``deployment_id`` and ``base_url`` work as
            for ``ChatBaseten``; a Model API slug is an error.
        top_n: How many documents to keep (default 3; ``None`` keeps all, reordered).
        batch_size: Texts per request (default 32); more documents are split into
            batches sent concurrently (at most ``max_concurrency``) and merged.
        max_texts: Most documents one call may rerank (default 10,000).
        raw_scores: Ask for raw logits instead of sigmoid scores in 0..1.
        truncate: Let the server truncate documents longer than the model's limit.
        score_key: The metadata key for the score (default ``relevance_score``).
        rerank_api: The server's ``/rerank`` shape: ``"tei"`` (BEI, TEI), ``"vllm"``
            (vLLM; ``served_model_name`` is sent as its ``model``) or ``"auto"``
            (default: TEI's, switching to vLLM's when the server asks for ``documents``).

    Instantiate:
        .. code-block:: python

            from langchain_baseten import BasetenRerank

            reranker = BasetenRerank(model="baseten/abcd1234", top_n=2)
            reranker.sync_url
            # 'https://model-abcd1234.api.baseten.co/environments/production/sync'

    Rerank documents:
        .. code-block:: python

            from langchain_core.documents import Document

            docs = [Document(page_content=t) for t in ["Paris is in France.", "Cats purr."]]
            best = reranker.compress_documents(docs, query="Where is Paris?")
            best[0].metadata["relevance_score"]  # e.g. 0.98

    Scores only:
        .. code-block:: python

            reranker.rerank("Where is Paris?", ["Paris is in France.", "Cats purr."])
            # [RerankResult(index=0, score=0.98), RerankResult(index=1, score=0.01)]

    Async:
        .. code-block:: python

            best = await reranker.acompress_documents(docs, query="Where is Paris?")
            scores = await reranker.arerank("Where is Paris?", ["...", "..."])
    """

    top_n: int | None = Field(default=3, ge=1)
    """Documents to keep, best first (``None``: all of them, reordered)."""
    raw_scores: bool = False
    """Raw logits instead of sigmoid scores."""
    score_key: str = "relevance_score"
    """Metadata key the score is stored under."""
    rerank_api: RerankApi = "auto"
    """The server's ``/rerank`` shape: ``"tei"`` (BEI, Hugging Face TEI: ``{"query",
    "texts"}``), ``"vllm"`` (vLLM, Cohere-style: ``{"model", "query", "documents"}``), or
    ``"auto"``: TEI's first (``"vllm"`` first with ``served_model_name``), switching for
    good when the server answers HTTP 400/422 asking for ``documents``."""

    _detected_api: Literal["tei", "vllm"] | None = PrivateAttr(default=None)

    def _check_fields(self) -> None:
        if self.served_model_name is not None and self.rerank_api == "tei":
            msg = (
                "served_model_name= does not apply with rerank_api='tei': BEI/TEI /rerank "
                "requests carry no model name. Drop it, or use rerank_api='vllm' for a "
                "reranker served by vLLM."
            )
            raise BasetenRoutingError(msg)

    # ------------------------------------------------------------------ requests

    def _api(self) -> Literal["tei", "vllm"]:
        """The shape to send: the setting, else what this instance found, else a first guess."""
        if self.rerank_api != "auto":
            return self.rerank_api
        if self._detected_api is not None:
            return self._detected_api
        return "vllm" if self.served_model_name is not None else "tei"

    def _body(self, query: str, batch: list[str], api: str) -> dict[str, Any]:
        if api == "vllm":
            # vLLM: the served name (optional: it then uses its only model), the pooling
            # switches for raw scores and truncation (vllm/entrypoints/pooling/base/
            # protocol.py: use_activation; truncate_prompt_tokens=-1 is the model's limit).
            body: dict[str, Any] = {"query": query, "documents": batch}
            if self.served_model_name is not None:
                body["model"] = self.served_model_name
            if self.raw_scores:
                body["use_activation"] = False
            if self.truncate:
                body["truncate_prompt_tokens"] = -1
            return body
        body = {"query": query, "texts": batch, **self._options()}
        if self.raw_scores:
            body["raw_scores"] = True
        return body

    def _switches_to_vllm(self, error: Exception) -> bool:
        """Whether ``error`` is a vLLM-style server refusing TEI's body (in ``auto`` mode)."""
        if self.rerank_api != "auto" or self._detected_api is not None:
            return False
        from langchain_baseten._errors import server_message  # noqa: PLC0415 - openai SDK

        status = getattr(error, "status_code", None)
        said = server_message(getattr(error, "body", None)) or ""
        if status in {400, 422} and "documents" in said:
            _log.info("%s: the server asks for vLLM's /rerank shape; using it", self.sync_url)
            self._detected_api = "vllm"
            return True
        return False

    def _scores(self, batch: list[str], response: JsonValueResponse) -> list[float]:
        """One score per text of ``batch``, in input order, after checking the indexes.

        Reads TEI's array of ``{"index", "score"}`` and vLLM's ``{"results": [{"index",
        "relevance_score"}]}`` alike, whichever shape was asked for.
        """
        data = response.data
        if isinstance(data, dict) and isinstance(data.get("results"), list):
            entries, score_name = data["results"], "relevance_score"
        elif isinstance(data, list):
            entries, score_name = data, "score"
        else:
            problem = f"is neither a list of scores nor {{'results': [...]}}: {str(data)[:100]}"
            raise self._fail(_RERANK_PATH, response, problem)
        scores: list[float | None] = [None] * len(batch)
        for item in entries:
            index = item.get("index") if isinstance(item, dict) else None
            score = item.get(score_name) if isinstance(item, dict) else None
            if (
                not isinstance(index, int)
                or isinstance(index, bool)
                or not 0 <= index < len(batch)
                or scores[index] is not None
            ):
                problem = f"has an entry with a bad or repeated index: {str(item)[:100]}"
                raise self._fail(_RERANK_PATH, response, problem)
            value = _finite_score(score)
            if value is None:
                problem = (
                    "has an entry without a finite numeric score (NaN, infinity and "
                    f"booleans cannot be ranked): {str(item)[:100]}"
                )
                raise self._fail(_RERANK_PATH, response, problem)
            scores[index] = value
        missing = [i for i, score in enumerate(scores) if score is None]
        if missing:
            problem = f"has no score for texts {missing[:10]} of {len(batch)}"
            raise self._fail(_RERANK_PATH, response, problem)
        return [float(score or 0.0) for score in scores]

    def _score_batch(self, query: str, batch: list[str]) -> list[float]:
        transport = self._connection()[1]
        try:
            response = transport.post_value(_RERANK_PATH, self._body(query, batch, self._api()))
        except Exception as error:
            if not self._switches_to_vllm(error):
                raise
            response = transport.post_value(_RERANK_PATH, self._body(query, batch, "vllm"))
        return self._scores(batch, response)

    async def _ascore_batch(self, query: str, batch: list[str]) -> list[float]:
        transport = self._connection()[1]
        try:
            body = self._body(query, batch, self._api())
            response = await transport.apost_value(_RERANK_PATH, body)
        except Exception as error:
            if not self._switches_to_vllm(error):
                raise
            response = await transport.apost_value(_RERANK_PATH, self._body(query, batch, "vllm"))
        return self._scores(batch, response)

    def _check(self, query: str, texts: Sequence[str]) -> None:
        if not isinstance(query, str) or not query.strip():
            msg = f"The query must be a non-empty string, got {str(query)[:50]!r}."
            raise ValueError(msg)
        self._check_texts(texts)

    # ------------------------------------------------------------------ public API

    def rerank(self, query: str, texts: Sequence[str]) -> list[RerankResult]:
        """Score every text against ``query``; return all of them, best first.

        Args:
            query: The query.
            texts: The texts (an empty list returns ``[]`` without a request).

        Returns:
            ``RerankResult(index, score)`` for every text, sorted by score (ties
            keep input order). ``top_n`` does not apply here.

        Raises:
            ValueError: For an empty query or more than ``max_texts`` texts.
            openai.APIError: When a request fails (Baseten's message, request id).
        """
        with self._scrubbed_errors():
            self._check(query, texts)
            batches = _batches.plan_batches(texts, self.batch_size)
            runner = _batches.BatchRunner(self.max_concurrency, "rerank")
            scores = runner.run_sync(batches, lambda b: self._score_batch(query, b.texts))
            return _ranked(scores)

    async def arerank(self, query: str, texts: Sequence[str]) -> list[RerankResult]:
        """Async twin of :meth:`rerank`.

        Args:
            query: The query.
            texts: The texts.

        Returns:
            ``RerankResult(index, score)`` for every text, best first.
        """
        with self._scrubbed_errors():
            self._check(query, texts)
            batches = _batches.plan_batches(texts, self.batch_size)
            runner = _batches.BatchRunner(self.max_concurrency, "rerank")
            scores = await runner.run_async(batches, lambda b: self._ascore_batch(query, b.texts))
            return _ranked(scores)

    def _keep(self, documents: Sequence[Document], ranked: list[RerankResult]) -> list[Document]:
        kept = ranked if self.top_n is None else ranked[: self.top_n]
        return [
            Document(
                page_content=documents[r.index].page_content,
                metadata={**documents[r.index].metadata, self.score_key: r.score},
                id=documents[r.index].id,
            )
            for r in kept
        ]

    def compress_documents(
        self,
        documents: Sequence[Document],
        query: str,
        callbacks: Callbacks | None = None,  # noqa: ARG002 - part of the interface
    ) -> Sequence[Document]:
        """Keep the ``top_n`` documents most relevant to ``query``, best first.

        Args:
            documents: The retrieved documents (not modified).
            query: The query.
            callbacks: Unused (part of LangChain's interface).

        Returns:
            New documents (same content, id and metadata, plus the score under
            ``score_key``), best first.
        """
        ranked = self.rerank(query, [doc.page_content for doc in documents])
        return self._keep(documents, ranked)

    async def acompress_documents(
        self,
        documents: Sequence[Document],
        query: str,
        callbacks: Callbacks | None = None,  # noqa: ARG002 - part of the interface
    ) -> Sequence[Document]:
        """Async twin of :meth:`compress_documents` (native async HTTP, no thread).

        Args:
            documents: The retrieved documents (not modified).
            query: The query.
            callbacks: Unused (part of LangChain's interface).

        Returns:
            The ``top_n`` documents, best first, with their scores.
        """
        ranked = await self.arerank(query, [doc.page_content for doc in documents])
        return self._keep(documents, ranked)


def _ranked(scores: list[float]) -> list[RerankResult]:
    order = sorted(range(len(scores)), key=lambda i: -scores[i])
    return [RerankResult(index=i, score=scores[i]) for i in order]


class BasetenClassifier(_BeiModel):
    """Classify texts with a sequence-classification model on a dedicated deployment.

    Calls the ``/predict`` route that BEI and TEI serve for classifiers (sentiment,
    emotion, language, reward models): each text gets its labels with scores.

    Instantiate and classify:
        .. code-block:: python

            from langchain_baseten import BasetenClassifier

            classifier = BasetenClassifier(model="baseten/abcd1234")
            classifier.classify(["I love this!", "This is awful."])
            # [[ClassLabel(label='joy', score=0.97), ...], [...]]
            await classifier.aclassify(["..."])
    """

    raw_scores: bool = False
    """Raw logits instead of softmax scores."""

    def _body(self, batch: list[str]) -> dict[str, Any]:
        # Each text in its own list: TEI reads a bare ["a", "b"] as one text pair.
        body: dict[str, Any] = {"inputs": [[text] for text in batch], **self._options()}
        if self.raw_scores:
            body["raw_scores"] = True
        return body

    def _labels(self, batch: list[str], response: JsonListResponse) -> list[list[ClassLabel]]:
        if len(response.data) != len(batch):
            problem = f"holds {len(response.data)} predictions for {len(batch)} texts"
            raise self._fail(_PREDICT_PATH, response, problem)
        results: list[list[ClassLabel]] = []
        for position, prediction in enumerate(response.data):
            labels = _class_labels(prediction)
            if labels is None:
                problem = f"has no list of labels for text {position}: {str(prediction)[:100]}"
                raise self._fail(_PREDICT_PATH, response, problem)
            results.append(sorted(labels, key=lambda label: -label.score))
        return results

    def _classify_batch(self, batch: list[str]) -> list[list[ClassLabel]]:
        return self._labels(
            batch, self._connection()[1].post_list(_PREDICT_PATH, self._body(batch))
        )

    async def _aclassify_batch(self, batch: list[str]) -> list[list[ClassLabel]]:
        response = await self._connection()[1].apost_list(_PREDICT_PATH, self._body(batch))
        return self._labels(batch, response)

    def classify(self, texts: Sequence[str]) -> list[list[ClassLabel]]:
        """Classify texts; one list of labels per text, highest score first.

        Args:
            texts: The texts (an empty list returns ``[]`` without a request).

        Returns:
            For each text, in input order, its ``ClassLabel(label, score)`` list.

        Raises:
            ValueError: For more than ``max_texts`` texts.
            openai.APIError: When a request fails (Baseten's message, request id).
        """
        with self._scrubbed_errors():
            self._check_texts(texts)
            batches = _batches.plan_batches(texts, self.batch_size)
            runner = _batches.BatchRunner(self.max_concurrency, "classify")
            return runner.run_sync(batches, lambda b: self._classify_batch(b.texts))

    async def aclassify(self, texts: Sequence[str]) -> list[list[ClassLabel]]:
        """Async twin of :meth:`classify`.

        Args:
            texts: The texts.

        Returns:
            For each text, its labels, highest score first.
        """
        with self._scrubbed_errors():
            self._check_texts(texts)
            batches = _batches.plan_batches(texts, self.batch_size)
            runner = _batches.BatchRunner(self.max_concurrency, "classify")
            return await runner.run_async(batches, lambda b: self._aclassify_batch(b.texts))


def _class_labels(prediction: Any) -> list[ClassLabel] | None:
    """``[{"label", "score"}, ...]`` as ClassLabels, or ``None`` when malformed."""
    if not isinstance(prediction, list):
        return None
    labels = []
    for item in prediction:
        if not isinstance(item, dict):
            return None
        label, score = item.get("label"), _finite_score(item.get("score"))
        if not isinstance(label, str) or score is None:
            return None
        labels.append(ClassLabel(label=label, score=score))
    return labels


def _finite_score(score: Any) -> float | None:
    """``score`` as a finite float, or ``None`` (not a number, a boolean, NaN, infinite)."""
    if isinstance(score, bool) or not isinstance(score, (int, float)):
        return None
    try:
        value = float(score)
    except OverflowError:  # an integer beyond float range
        return None
    return value if math.isfinite(value) else None
