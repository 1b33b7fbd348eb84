"""Retrieve with embeddings, then rerank with a cross-encoder on a dedicated deployment.

Two dedicated deployments: an embedding model and a reranker (both BEI, e.g.
from Baseten's model library). Set ``BASETEN_EMBEDDINGS_MODEL`` and
``BASETEN_RERANK_MODEL`` to their IDs (``baseten/abcd1234``). Run:
``.venv/bin/python examples/rerank_retrieval.py`` (replays recorded HTTP without
BASETEN_API_KEY; live with it).

The shipped recording comes from the local test server, not from Baseten: its
vectors are hashes of the text (the first-stage hits are arbitrary) and its
reranker scores the share of query words found in each text, so the scores
below are the test server's, not a model's.
"""

import os

from _replay import live_or_replay
from langchain_core.vectorstores import InMemoryVectorStore

from langchain_baseten import BasetenEmbeddings, BasetenRerank

DOCUMENTS = [
    "Baseten serves open-source chat models on its Model APIs, priced per token.",
    "Dedicated deployments run your own models on GPUs reserved for you.",
    "BEI, Baseten Embeddings Inference, serves embedding and reranker models.",
    "The Eiffel Tower was finished in 1889 for the World's Fair in Paris.",
    "A reranker scores each document against the query with a cross-encoder.",
    "Embedding vectors let a vector store find text by meaning, not keywords.",
]
QUESTION = "Which models does BEI serve?"

with live_or_replay("rerank_retrieval") as run:
    embeddings = BasetenEmbeddings(
        model=os.environ.get("BASETEN_EMBEDDINGS_MODEL", "baseten/abcd1234")
    )
    reranker = BasetenRerank(
        model=os.environ.get("BASETEN_RERANK_MODEL", "baseten/wxyz9876"), top_n=2
    )
    print(f"rerank endpoint: {reranker.sync_url}/rerank{run.endpoint_note}")

    store = InMemoryVectorStore.from_texts(DOCUMENTS, embedding=embeddings)
    candidates = store.similarity_search(QUESTION, k=5)
    print(f"{run.tag}first stage (embeddings):")
    for doc in candidates:
        print(f"  - {doc.page_content}")

    best = reranker.compress_documents(candidates, QUESTION)
    print(f"{run.tag}after reranking:")
    for doc in best:
        print(f"  {doc.metadata['relevance_score']:.3f}  {doc.page_content}")
