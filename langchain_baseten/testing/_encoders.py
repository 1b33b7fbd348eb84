"""Replies of embedding, rerank and classifier deployments (BEI, TEI, vLLM).

``/embeddings`` (OpenAI shape, floats or base64 float32), BEI/TEI's and vLLM's
``/rerank`` and ``/predict`` at a deployment's sync root; each shape cites its source.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import math
import re
import struct
from typing import Any, Literal

from langchain_baseten.testing._defaults import DEFAULT_EMBEDDING_DIMENSIONS
from langchain_baseten.testing._exchange import Exchange, Reply, count_words


def _overlap(query: str, text: str) -> float:
    """Share of the query's words found in ``text`` (a stand-in for a cross-encoder)."""
    words = set(re.findall(r"\w+", query.lower()))
    found = set(re.findall(r"\w+", text.lower()))
    return len(words & found) / len(words) if words else 0.0


RerankApi = Literal["tei", "vllm"]


def _vllm_rerank(exchange: Exchange, body: dict[str, Any], scores: list[float] | None) -> None:
    """The ``/rerank`` of vLLM: ``{"model"?, "query", "documents", "top_n"?, "use_activation"?}``.

    Shapes from vllm-project/vllm 0.32, ``vllm/entrypoints/pooling/scoring/protocol.py``
    (``RerankRequest``: query, documents, top_n (0: all); ``RerankResponse``: id,
    model, usage, results of ``{"index", "document": {"text"}, "relevance_score"}``
    sorted best first) and ``api_router.py`` (``/rerank``, ``/v1/rerank``,
    ``/v2/rerank``). A body without ``documents`` (TEI's ``texts``) is refused the way
    vLLM 0.32 refused it on this machine: HTTP 400, its validation error naming
    ``body.documents``. ``use_activation: false`` gives raw scores (logit-like here).
    """
    documents = body.get("documents")
    if not isinstance(documents, list):
        detail = (
            "1 validation error:\n  {'type': 'missing', 'loc': 'body.documents', "
            f"'msg': 'Field required', 'input': '<dict of {len(body)} items>'}}"
        )
        error = {"message": detail, "type": "Bad Request", "param": "body.documents", "code": 400}
        exchange.send_json(400, {"error": error})
        return
    texts = [str(d) for d in documents]
    query = str(body.get("query", ""))
    values = scores if scores is not None else [_overlap(query, t) for t in texts]
    if body.get("use_activation") is False:
        values = [v * 10 - 5 for v in values]
    results: list[dict[str, Any]] = [
        {"index": i, "document": {"text": texts[i], "multi_modal": None}, "relevance_score": v}
        for i, v in enumerate(values[: len(texts)])
    ]
    results.sort(key=lambda result: -result["relevance_score"])
    top_n = body.get("top_n") or 0
    tokens = count_words(query, *texts)
    exchange.send_json(
        200,
        {
            "id": "score-local",
            "model": body.get("model") or exchange.model,
            "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
            "results": results[:top_n] if top_n else results,
        },
    )


def rerank(scores: list[float] | None = None, *, api: RerankApi = "tei") -> Reply:
    """A ``/rerank`` answer, by default BEI/TEI's: ``[{"index", "score"}]``, best first.

    Shape from huggingface/text-embeddings-inference ``router/src/http/types.rs``
    (``RerankRequest``: query, texts, truncate, raw_scores, return_text; ``Rank``:
    index, score, text only with return_text) and Baseten's BEI reranker READMEs in
    basetenlabs/truss-examples (``POST .../environments/production/sync/rerank``).
    Scores are ``scores`` when given, else the share of query words in each text
    (``raw_scores``: that times 10 minus 5, a logit-like range). ``api="vllm"``
    answers as vLLM does instead (:func:`_vllm_rerank`).
    """

    def render(exchange: Exchange) -> None:
        body = exchange.body if isinstance(exchange.body, dict) else {}
        if api == "vllm":
            _vllm_rerank(exchange, body, scores)
            return
        query, texts = str(body.get("query", "")), [str(t) for t in body.get("texts", [])]
        values = scores if scores is not None else [_overlap(query, t) for t in texts]
        if body.get("raw_scores") is True:
            values = [v * 10 - 5 for v in values]
        ranks: list[dict[str, Any]] = [
            {"index": i, "score": v} for i, v in enumerate(values[: len(texts)])
        ]
        if body.get("return_text") is True:
            for rank in ranks:
                rank["text"] = texts[rank["index"]]
        ranks.sort(key=lambda rank: -rank["score"])
        exchange.send_json(200, ranks)

    return Reply(render, f"rerank(api={api!r})")


_POSITIVE_WORDS = frozenset({"love", "great", "good", "excellent", "happy", "wonderful"})


def predict() -> Reply:
    """A TEI/BEI classifier ``/predict`` answer for a batch: one label list per input.

    Shape from huggingface/text-embeddings-inference ``router/src/http/types.rs``
    (``PredictInput``: a string, a pair, or a batch ``[[text], [a, b], ...]``;
    ``PredictResponse``: ``[{"label", "score"}]`` or a list of those per input).
    Labels: ``positive``/``negative``, positive when a text has a happy word.
    """

    def render(exchange: Exchange) -> None:
        body = exchange.body if isinstance(exchange.body, dict) else {}
        inputs = body.get("inputs")
        batch = (
            inputs if isinstance(inputs, list) and inputs and isinstance(inputs[0], list) else None
        )
        texts = [" ".join(map(str, item)) for item in batch] if batch else [str(inputs)]
        answers = []
        for text in texts:
            positive = 0.9 if _POSITIVE_WORDS & set(re.findall(r"\w+", text.lower())) else 0.2
            negative = round(1 - positive, 6)
            labels: list[dict[str, Any]] = [
                {"label": "positive", "score": positive},
                {"label": "negative", "score": negative},
            ]
            answers.append(labels if positive >= negative else labels[::-1])
        exchange.send_json(200, answers if batch else answers[0])

    return Reply(render, "predict()")


def fake_vector(text: str, dimensions: int = DEFAULT_EMBEDDING_DIMENSIONS) -> list[float]:
    """A deterministic unit vector derived from a SHA-256 hash of ``text``."""
    values: list[float] = []
    for block in itertools.count():
        if len(values) >= dimensions:
            break
        digest = hashlib.sha256(f"{block}:{text}".encode()).digest()
        values += [(b / 127.5) - 1.0 for b in digest]
    values = values[:dimensions]
    norm = math.sqrt(sum(v * v for v in values)) or 1.0
    return [v / norm for v in values]


#: What ``encoding_format`` a server understands. TEI's OpenAI route
#: (huggingface/text-embeddings-inference, router/src/http/types.rs,
#: ``OpenAICompatRequest.encoding_format``: ``float`` | ``base64``, default
#: ``float``) and vLLM's (vllm/entrypoints/openai/protocol.py,
#: ``EmbeddingCompletionRequest.encoding_format = "float"``, base64 of
#: little-endian float32 by default) both honour it, as BEI does (Baseten's
#: Performance Client asks it for base64); an unknown value is a 422 from TEI
#: (serde: "unknown variant") and a 400 from vLLM (its validation errors).
#: Older TEI releases had no such field and serde ignores unknown fields, so they
#: answer numbers whatever was asked: ``"ignore"`` below.
EncodingSupport = Literal["honour", "ignore", "refuse_base64"]


def embeddings(
    vectors: list[list[float]] | None = None,
    *,
    encoding: EncodingSupport = "honour",
    refusal_status: int = 422,
) -> Reply:
    """An ``embeddings`` response: these vectors, or one :func:`fake_vector` per input.

    Honours the request's ``dimensions`` and ``encoding_format`` (``float`` or
    ``base64``: little-endian float32, what the openai client asks for by
    default); any other value is refused with HTTP 422 as TEI does. With
    ``encoding="ignore"`` the key is ignored (numbers, as older TEI releases);
    with ``encoding="refuse_base64"`` asking for base64 is refused with
    ``refusal_status`` (a server that only knows floats).
    """

    def render(exchange: Exchange) -> None:
        body = exchange.body if isinstance(exchange.body, dict) else {}
        inputs = body.get("input", [])
        inputs = [inputs] if isinstance(inputs, str) else [str(i) for i in inputs]
        dimensions = body.get("dimensions") or DEFAULT_EMBEDDING_DIMENSIONS
        result = vectors if vectors is not None else [fake_vector(t, dimensions) for t in inputs]
        asked = body.get("encoding_format", "float")
        if encoding != "ignore" and (
            asked not in {"float", "base64"} or (asked == "base64" and encoding == "refuse_base64")
        ):
            status = refusal_status if asked == "base64" else 422
            detail = f"encoding_format: unknown variant `{asked}`, expected `float`"
            exchange.send_json(status, {"error": detail, "error_type": "Validation"})
            return
        as_base64 = asked == "base64" and encoding == "honour"
        data = [
            {
                "object": "embedding",
                "index": index,
                "embedding": (
                    base64.b64encode(struct.pack(f"<{len(v)}f", *v)).decode() if as_base64 else v
                ),
            }
            for index, v in enumerate(result)
        ]
        tokens = count_words(*inputs)
        exchange.send_json(
            200,
            {
                "object": "list",
                "data": data,
                "model": exchange.model,
                "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
            },
        )

    return Reply(render, f"embeddings(encoding={encoding!r})")


def float32(vector: list[float]) -> list[float]:
    """``vector`` as it comes back through base64 float32 (what clients decode)."""
    return list(struct.unpack(f"<{len(vector)}f", struct.pack(f"<{len(vector)}f", *vector)))
