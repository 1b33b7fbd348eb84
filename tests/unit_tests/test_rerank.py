"""BasetenRerank and BasetenClassifier: routing, and end to end against the local server."""

from __future__ import annotations

import asyncio
import math
import threading
from typing import TYPE_CHECKING, Any

import openai
import pytest
from langchain_core.documents import BaseDocumentCompressor, Document

from langchain_baseten import (
    BasetenClassifier,
    BasetenEmbeddings,
    BasetenRerank,
    BasetenResponseError,
    ClassLabel,
    RerankResult,
)
from langchain_baseten import testing as fb
from tests.local_models import KEY, classifier_model, rerank_model

if TYPE_CHECKING:
    from collections.abc import Sequence

pytestmark = [pytest.mark.usefixtures("no_baseten_env"), pytest.mark.each_client_kind]

STYLES = ["sync", "async"]
HOLD_SECONDS = 10  # bound on how long the server holds a request

DOCS = [
    Document(page_content="Cats purr when they are content.", metadata={"source": "a"}, id="d0"),
    Document(page_content="Paris is the capital of France.", metadata={"source": "b"}, id="d1"),
    Document(page_content="The capital of Italy is Rome.", metadata={"source": "c"}, id="d2"),
    Document(page_content="Berlin has many museums.", metadata={"source": "d"}, id="d3"),
]
QUERY = "What is the capital of France?"


def compress(
    reranker: BasetenRerank, style: str, docs: Sequence[Document], query: str = QUERY
) -> Sequence[Document]:
    if style == "sync":
        return reranker.compress_documents(docs, query)
    return asyncio.run(reranker.acompress_documents(docs, query))


def rerank(reranker: BasetenRerank, style: str, texts: list[str]) -> list[RerankResult]:
    if style == "sync":
        return reranker.rerank(QUERY, texts)
    return asyncio.run(reranker.arerank(QUERY, texts))


# ---------------------------------------------------------------- routing and configuration


def test_is_a_langchain_document_compressor() -> None:
    assert issubclass(BasetenRerank, BaseDocumentCompressor)


@pytest.mark.parametrize(
    ("kwargs", "sync_url"),
    [
        (
            {"model": "baseten/abcd1234"},
            "https://model-abcd1234.api.baseten.co/environments/production/sync",
        ),
        (
            {"model": "abcd1234", "deployment_id": "q1w2e3r4"},
            "https://model-abcd1234.api.baseten.co/deployment/q1w2e3r4/sync",
        ),
        (
            {"model_url": "https://model-abcd1234.api.baseten.co/environments/staging/predict"},
            "https://model-abcd1234.api.baseten.co/environments/staging/sync",
        ),
        ({"base_url": "http://127.0.0.1:9/v1", "model": "x"}, "http://127.0.0.1:9"),
        ({"base_url": "http://127.0.0.1:9/tei", "model": "x"}, "http://127.0.0.1:9/tei"),
    ],
)
def test_rerank_and_predict_live_at_the_deployments_sync_root(
    kwargs: dict[str, Any], sync_url: str
) -> None:
    reranker = BasetenRerank(api_key=KEY, **kwargs)
    assert reranker.sync_url == sync_url
    assert BasetenClassifier(api_key=KEY, **kwargs).sync_url == sync_url
    # The same arguments route the embeddings class to the same deployment.
    assert reranker.endpoint == BasetenEmbeddings(api_key=KEY, **kwargs).endpoint


@pytest.mark.parametrize("cls", [BasetenRerank, BasetenClassifier])
def test_a_model_api_slug_is_a_clear_error(cls: type[BasetenRerank | BasetenClassifier]) -> None:
    with pytest.raises(ValueError, match="Model APIs, which serve chat models only") as info:
        cls(model="baseten/openai/gpt-oss-120b", api_key=KEY)
    assert "dedicated deployment" in str(info.value)


def test_route_model_api_is_refused_too() -> None:
    with pytest.raises(ValueError, match="Model APIs"):
        BasetenRerank(model="abcd1234", route="model_api", api_key=KEY)


def test_served_model_name_is_refused_where_no_body_carries_it() -> None:
    with pytest.raises(ValueError, match="carry no model name"):
        BasetenRerank(model="abcd1234", served_model_name="bge", api_key=KEY, rerank_api="tei")
    with pytest.raises(ValueError, match="carry no model name"):
        BasetenClassifier(model="abcd1234", served_model_name="bge", api_key=KEY)


def test_missing_key_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="BASETEN_API_KEY"):
        BasetenRerank(model="abcd1234")


def test_key_comes_from_the_environment_and_stays_out_of_repr(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("BASETEN_API_KEY", KEY)
    reranker = BasetenRerank(model="abcd1234")
    assert KEY not in repr(reranker)
    assert KEY not in str(reranker.model_dump())


def test_unknown_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match="top_k"):
        BasetenRerank(model="abcd1234", api_key=KEY, top_k=3)  # type: ignore[call-arg]


@pytest.mark.parametrize("field", ["top_n", "batch_size", "max_concurrency", "max_texts"])
def test_counts_must_be_positive(field: str) -> None:
    with pytest.raises(ValueError, match=field):
        BasetenRerank(model="abcd1234", api_key=KEY, **{field: 0})


# ---------------------------------------------------------------- reranking end to end


@pytest.mark.parametrize("style", STYLES)
def test_compress_keeps_the_top_n_best_first_with_scores(
    fake_baseten: fb.FakeBaseten, style: str
) -> None:
    reranker = rerank_model(fake_baseten, top_n=2)
    kept = compress(reranker, style, DOCS)
    assert [doc.id for doc in kept] == ["d1", "d2"]
    # The local server scores the share of query words found in the text.
    assert kept[0].metadata == {"source": "b", "relevance_score": pytest.approx(5 / 6)}
    assert kept[1].metadata["relevance_score"] == pytest.approx(4 / 6)
    assert kept[0].page_content == DOCS[1].page_content
    # The caller's documents are untouched.
    assert all("relevance_score" not in doc.metadata for doc in DOCS)
    (request,) = fake_baseten.requests
    assert request.method == "POST"
    assert request.path == "/environments/production/sync/rerank"
    assert request.headers["authorization"] == f"Bearer {KEY}"
    assert request.json() == {"query": QUERY, "texts": [d.page_content for d in DOCS]}


@pytest.mark.parametrize("style", STYLES)
def test_top_n_none_keeps_every_document_reordered(
    fake_baseten: fb.FakeBaseten, style: str
) -> None:
    kept = compress(rerank_model(fake_baseten, top_n=None, score_key="score"), style, DOCS)
    assert [doc.id for doc in kept] == ["d1", "d2", "d0", "d3"]  # ties keep input order
    scores = [doc.metadata["score"] for doc in kept]
    assert scores == sorted(scores, reverse=True)


@pytest.mark.parametrize("style", STYLES)
def test_rerank_returns_every_index_with_its_score(
    fake_baseten: fb.FakeBaseten, style: str
) -> None:
    fake_baseten.enqueue(fb.rerank([0.1, 0.7, 0.7, 0.3]))
    results = rerank(rerank_model(fake_baseten, top_n=1), style, [d.page_content for d in DOCS])
    # Sorted by score; ties keep input order; top_n does not cut rerank().
    assert results == [
        RerankResult(1, 0.7),
        RerankResult(2, 0.7),
        RerankResult(3, 0.3),
        RerankResult(0, 0.1),
    ]


@pytest.mark.parametrize("style", STYLES)
def test_no_documents_sends_no_request(fake_baseten: fb.FakeBaseten, style: str) -> None:
    assert list(compress(rerank_model(fake_baseten), style, [])) == []
    assert fake_baseten.requests == []


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("query", ["", "   "])
def test_an_empty_query_is_refused_before_sending(
    fake_baseten: fb.FakeBaseten, style: str, query: str
) -> None:
    with pytest.raises(ValueError, match="query must be a non-empty string"):
        compress(rerank_model(fake_baseten), style, DOCS, query=query)
    assert fake_baseten.requests == []


def test_texts_must_be_a_list_of_strings(fake_baseten: fb.FakeBaseten) -> None:
    reranker = rerank_model(fake_baseten)
    with pytest.raises(TypeError, match="not one string"):
        reranker.rerank(QUERY, "one text")
    with pytest.raises(TypeError, match=r"Every input must be a string; items at positions 1 are"):
        reranker.rerank(QUERY, ["a", 2])  # type: ignore[list-item]
    assert fake_baseten.requests == []


@pytest.mark.parametrize("style", STYLES)
def test_more_than_max_texts_is_refused_before_sending(
    fake_baseten: fb.FakeBaseten, style: str
) -> None:
    with pytest.raises(ValueError, match="more than max_texts=3"):
        compress(rerank_model(fake_baseten, max_texts=3), style, DOCS)
    assert fake_baseten.requests == []


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("max_concurrency", [1, 3])
def test_many_documents_go_in_bounded_batches_and_merge_in_order(
    fake_baseten: fb.FakeBaseten, style: str, max_concurrency: int
) -> None:
    docs = [Document(page_content=f"filler text number {i}", id=str(i)) for i in range(70)]
    docs[57] = Document(page_content="the capital of France is Paris", id="57")
    docs[3] = Document(page_content="France", id="3")
    reranker = rerank_model(fake_baseten, batch_size=32, max_concurrency=max_concurrency, top_n=3)
    kept = compress(reranker, style, docs)
    assert [doc.id for doc in kept][:2] == ["57", "3"]
    sizes = sorted(len(request.json()["texts"]) for request in fake_baseten.requests)
    assert sizes == [6, 32, 32]
    sent = sorted(text for request in fake_baseten.requests for text in request.json()["texts"])
    assert sent == sorted(doc.page_content for doc in docs)


@pytest.mark.parametrize("style", STYLES)
def test_raw_scores_and_truncate_are_sent_when_set(
    fake_baseten: fb.FakeBaseten, style: str
) -> None:
    reranker = rerank_model(fake_baseten, raw_scores=True, truncate=True, top_n=1)
    kept = compress(reranker, style, DOCS)
    assert kept[0].metadata["relevance_score"] == pytest.approx(5 / 6 * 10 - 5)
    body = fake_baseten.requests[0].json()
    assert body["raw_scores"] is True
    assert body["truncate"] is True


@pytest.mark.slow
@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize(
    ("answer", "problem"),
    [
        ([{"index": 0, "score": 0.5}], "no score for texts"),
        ([{"index": 0, "score": 0.5}, {"index": 0, "score": 0.4}], "bad or repeated index"),
        ([{"index": 5, "score": 0.5}, {"index": 1, "score": 0.4}], "bad or repeated index"),
        ([{"index": True, "score": 0.5}, {"index": 1, "score": 0.4}], "bad or repeated index"),
        ([{"index": 0, "score": "high"}, {"index": 1, "score": 0.4}], "without a finite numeric"),
        (["oops", {"index": 1, "score": 0.4}], "bad or repeated index"),
        # NaN sorts anywhere and infinity always first: top_n=1 would return any document.
        ([{"index": 0, "score": math.nan}, {"index": 1, "score": 0.4}], "without a finite"),
        ([{"index": 0, "score": 0.1}, {"index": 1, "score": math.inf}], "without a finite"),
        ([{"index": 0, "score": -math.inf}, {"index": 1, "score": 0.4}], "without a finite"),
        ([{"index": 0, "score": 10**400}, {"index": 1, "score": 0.4}], "without a finite"),
        ([{"index": 0, "score": True}, {"index": 1, "score": 0.4}], "without a finite"),
    ],
)
def test_malformed_rerank_answers_are_clear_errors(
    fake_baseten: fb.FakeBaseten, style: str, answer: list[Any], problem: str
) -> None:
    fake_baseten.enqueue(fb.Reply(lambda exchange: exchange.send_json(200, answer)))
    with pytest.raises(BasetenResponseError, match=problem) as info:
        rerank(rerank_model(fake_baseten), style, ["a", "b"])
    assert "req-1" in str(info.value)  # the request id, for Baseten support


@pytest.mark.parametrize("style", STYLES)
def test_a_nan_score_never_picks_the_top_document(fake_baseten: fb.FakeBaseten, style: str) -> None:
    answer = [{"index": 1, "score": 0.9}, {"index": 0, "score": math.nan}]
    fake_baseten.enqueue(fb.Reply(lambda exchange: exchange.send_json(200, answer)))
    with pytest.raises(BasetenResponseError, match="NaN, infinity"):
        compress(rerank_model(fake_baseten, top_n=1), style, DOCS[:2])


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize(
    ("answer", "problem"),
    [
        ({"results": []}, r"has no score for texts \[0\] of 1"),
        ({"data": []}, "neither a list of scores nor"),
        ({"results": [{"index": 0, "score": 0.5}]}, "without a finite numeric score"),
    ],
)
def test_an_object_of_the_wrong_shape_is_a_clear_error(
    fake_baseten: fb.FakeBaseten, style: str, answer: dict[str, Any], problem: str
) -> None:
    fake_baseten.enqueue(fb.Reply(lambda exchange: exchange.send_json(200, answer)))
    with pytest.raises(BasetenResponseError, match=problem):
        rerank(rerank_model(fake_baseten), style, ["a"])


# ---------------------------------------------------------------- vLLM's /rerank shape

TEXTS = [doc.page_content for doc in DOCS]


def rerank_twice(
    reranker: BasetenRerank, style: str
) -> tuple[list[RerankResult], list[RerankResult]]:
    """Two calls with one reranker (async: on one event loop, as a caller's client is bound)."""
    if style == "sync":
        return reranker.rerank(QUERY, TEXTS), reranker.rerank(QUERY, TEXTS)

    async def both() -> tuple[list[RerankResult], list[RerankResult]]:
        return await reranker.arerank(QUERY, TEXTS), await reranker.arerank(QUERY, TEXTS)

    return asyncio.run(both())


@pytest.mark.parametrize("style", STYLES)
def test_rerank_api_vllm_sends_documents_and_reads_results(
    fake_baseten: fb.FakeBaseten, style: str
) -> None:
    fake_baseten.enqueue(fb.rerank(api="vllm"))
    reranker = rerank_model(fake_baseten, rerank_api="vllm", top_n=2)
    best = compress(reranker, style, DOCS)
    assert [doc.id for doc in best] == ["d1", "d2"]
    assert best[0].metadata["relevance_score"] == pytest.approx(5 / 6)
    (request,) = fake_baseten.requests
    assert request.path.endswith("/sync/rerank")
    # No model name unless served_model_name says it: vLLM then uses the one it serves.
    assert request.json() == {"query": QUERY, "documents": TEXTS}


@pytest.mark.parametrize("style", STYLES)
def test_auto_switches_to_vllm_once_the_server_asks_for_documents(
    fake_baseten: fb.FakeBaseten, style: str
) -> None:
    fake_baseten.enqueue(fb.rerank(api="vllm"), fb.rerank(api="vllm"), fb.rerank(api="vllm"))
    first, second = rerank_twice(rerank_model(fake_baseten), style)
    assert [r.index for r in first][:2] == [1, 2]
    assert second == first
    assert [sorted(r.json()) for r in fake_baseten.requests] == [
        ["query", "texts"],  # TEI's shape first, refused with vLLM's 400 ...
        ["documents", "query"],  # ... then vLLM's, for this call
        ["documents", "query"],  # ... and for the next: remembered
    ]


@pytest.mark.parametrize("style", STYLES)
def test_tei_is_kept_when_the_server_speaks_it(fake_baseten: fb.FakeBaseten, style: str) -> None:
    fake_baseten.enqueue(fb.rerank(), fb.rerank())
    first, second = rerank_twice(rerank_model(fake_baseten), style)
    assert first == second
    assert [sorted(r.json()) for r in fake_baseten.requests] == [["query", "texts"]] * 2


@pytest.mark.parametrize("style", STYLES)
def test_rerank_api_tei_never_switches(fake_baseten: fb.FakeBaseten, style: str) -> None:
    fake_baseten.enqueue(fb.rerank(api="vllm"))
    with pytest.raises(openai.BadRequestError, match=r"body\.documents") as info:
        rerank(rerank_model(fake_baseten, rerank_api="tei"), style, TEXTS)
    assert "The server at 127.0.0.1" in str(info.value)  # not blamed on Baseten
    assert len(fake_baseten.requests) == 1


@pytest.mark.parametrize("style", STYLES)
def test_other_400s_do_not_switch(fake_baseten: fb.FakeBaseten, style: str) -> None:
    fake_baseten.enqueue(fb.error(400, {"error": "query is too long", "error_type": "Validation"}))
    with pytest.raises(openai.BadRequestError, match="query is too long"):
        rerank(rerank_model(fake_baseten), style, TEXTS)
    assert len(fake_baseten.requests) == 1


def test_vllm_options_served_name_raw_scores_and_truncation(
    fake_baseten: fb.FakeBaseten,
) -> None:
    fake_baseten.enqueue(fb.rerank(api="vllm"))
    reranker = rerank_model(
        fake_baseten, served_model_name="bge-reranker", raw_scores=True, truncate=True
    )
    scores = reranker.rerank(QUERY, TEXTS)
    # served_model_name implies a server that checks names (vLLM): its shape first.
    assert fake_baseten.requests[0].json() == {
        "query": QUERY,
        "documents": TEXTS,
        "model": "bge-reranker",
        "use_activation": False,
        "truncate_prompt_tokens": -1,
    }
    assert scores[0].score == pytest.approx(5 / 6 * 10 - 5)


@pytest.mark.parametrize("style", STYLES)
def test_server_errors_show_teis_message(fake_baseten: fb.FakeBaseten, style: str) -> None:
    # TEI's validation error body (huggingface/text-embeddings-inference#82).
    body = {
        "error": "Input validation error: inputs must have less than 512 tokens",
        "error_type": "Validation",
    }
    fake_baseten.enqueue(fb.error(413, body))
    with pytest.raises(openai.APIStatusError, match="less than 512 tokens") as info:
        rerank(rerank_model(fake_baseten), style, ["a very long text"])
    assert info.value.status_code == 413
    assert KEY not in str(info.value)


@pytest.mark.parametrize("style", STYLES)
def test_a_failed_batch_fails_the_call(fake_baseten: fb.FakeBaseten, style: str) -> None:
    fake_baseten.enqueue(fb.rerank(), fb.error(503))
    reranker = rerank_model(fake_baseten, batch_size=2, max_concurrency=1)
    with pytest.raises(openai.InternalServerError):
        rerank(reranker, style, ["a", "b", "c", "d"])


@pytest.mark.parametrize("style", STYLES)
def test_a_failed_batch_stops_the_call_without_waiting_for_batches_in_flight(
    fake_baseten: fb.FakeBaseten, style: str
) -> None:
    # Two batches in flight: one held by the server, one refused. The call raises the
    # refusal while the other is still held, and starts neither of the last two batches.
    holding = fb.Holding(HOLD_SECONDS)
    answered = threading.Event()
    rendered = fb.rerank()

    def answer(exchange: fb.Exchange) -> None:
        answered.set()
        rendered.render(exchange)

    held = holding.reply(fb.Reply(answer, "a rerank answer, noted"))
    fake_baseten.enqueue(held, fb.error(400), fb.rerank(), fb.rerank())
    reranker = rerank_model(fake_baseten, batch_size=1, max_concurrency=2)
    try:
        with pytest.raises(openai.BadRequestError):
            rerank(reranker, style, ["a", "b", "c", "d"])
        returned_while_held = not answered.is_set()
    finally:
        holding.release.set()
    assert returned_while_held
    assert holding.wait_for(1)
    assert len(fake_baseten.requests) == 2


# ---------------------------------------------------------------- classification


def classify(classifier: BasetenClassifier, style: str, texts: list[str]) -> Any:
    if style == "sync":
        return classifier.classify(texts)
    return asyncio.run(classifier.aclassify(texts))


@pytest.mark.parametrize("style", STYLES)
def test_classify_returns_labels_per_text_best_first(
    fake_baseten: fb.FakeBaseten, style: str
) -> None:
    result = classify(classifier_model(fake_baseten), style, ["I love it", "It broke"])
    assert result == [
        [ClassLabel("positive", 0.9), ClassLabel("negative", 0.1)],
        [ClassLabel("negative", 0.8), ClassLabel("positive", 0.2)],
    ]
    (request,) = fake_baseten.requests
    assert request.path == "/environments/production/sync/predict"
    # One list per text: TEI reads a bare ["a", "b"] as a single text pair.
    assert request.json() == {"inputs": [["I love it"], ["It broke"]]}


@pytest.mark.parametrize("style", STYLES)
def test_classify_batches_and_keeps_order(fake_baseten: fb.FakeBaseten, style: str) -> None:
    texts = [("great " if i % 3 == 0 else "meh ") + str(i) for i in range(10)]
    result = classify(classifier_model(fake_baseten, batch_size=4), style, texts)
    assert [labels[0].label for labels in result] == [
        "positive" if i % 3 == 0 else "negative" for i in range(10)
    ]
    assert sorted(len(r.json()["inputs"]) for r in fake_baseten.requests) == [2, 4, 4]


@pytest.mark.slow
@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize(
    ("answer", "problem"),
    [
        ([[{"label": "x", "score": 1.0}]], "holds 1 predictions for 2 texts"),
        ([[{"label": "x", "score": 1.0}], {"label": "x"}], "no list of labels for text 1"),
        ([[{"label": 3, "score": 1.0}], []], "no list of labels for text 0"),
        ([[{"label": "x", "score": "1"}], []], "no list of labels for text 0"),
        ([[{"label": "x", "score": 0.5}], [{"label": "y", "score": math.nan}]], "for text 1"),
        ([[{"label": "x", "score": math.inf}], []], "no list of labels for text 0"),
        ([[{"label": "x", "score": 10**400}], []], "no list of labels for text 0"),
    ],
)
def test_malformed_predictions_are_clear_errors(
    fake_baseten: fb.FakeBaseten, style: str, answer: list[Any], problem: str
) -> None:
    fake_baseten.enqueue(fb.Reply(lambda exchange: exchange.send_json(200, answer)))
    with pytest.raises(BasetenResponseError, match=problem):
        classify(classifier_model(fake_baseten), style, ["a", "b"])


def test_classify_nothing_sends_nothing(fake_baseten: fb.FakeBaseten) -> None:
    assert classifier_model(fake_baseten).classify([]) == []
    assert fake_baseten.requests == []
