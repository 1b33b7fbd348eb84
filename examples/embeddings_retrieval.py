"""Retrieval: embed documents on a dedicated deployment, retrieve, answer with ChatBaseten.

Embedding models run on dedicated deployments (BEI). Set
``BASETEN_EMBEDDINGS_MODEL`` to yours (e.g. ``baseten/abcd1234``; the Baseten
dashboard shows the 8-character model ID). Run:
``.venv/bin/python examples/embeddings_retrieval.py`` (replays recorded HTTP
without BASETEN_API_KEY; live with it).

The shipped recording comes from the local test server, whose vectors are
hashes of the text rather than meanings: replayed, the retrieved documents are
arbitrary; live, they are the relevant ones.
"""

import os

from _replay import live_or_replay
from langchain_core.vectorstores import InMemoryVectorStore

from langchain_baseten import BasetenEmbeddings, ChatBaseten

DOCUMENTS = [
    "Baseten serves open-source chat models on its Model APIs, priced per token.",
    "Dedicated deployments run your own models on GPUs reserved for you.",
    "BEI, Baseten Embeddings Inference, serves embedding models on TensorRT-LLM.",
    "The Eiffel Tower was finished in 1889 for the World's Fair in Paris.",
    "Embedding vectors let a vector store find text by meaning, not keywords.",
]
QUESTION = "What does BEI do?"

with live_or_replay("embeddings_retrieval") as run:
    embeddings = BasetenEmbeddings(
        model=os.environ.get("BASETEN_EMBEDDINGS_MODEL", "baseten/abcd1234")
    )
    print(f"embeddings endpoint: {embeddings.endpoint.base_url}{run.endpoint_note}")
    store = InMemoryVectorStore.from_texts(DOCUMENTS, embedding=embeddings)
    retrieved = store.similarity_search(QUESTION, k=2)
    context = "\n".join(f"- {doc.page_content}" for doc in retrieved)
    print(f"{run.tag}retrieved:\n{context}")

    llm = ChatBaseten(model="baseten/openai/gpt-oss-120b", temperature=0, max_tokens=256)
    reply = llm.invoke(
        [
            ("system", "Answer from the context only. If it is not there, say so."),
            ("human", f"Context:\n{context}\n\nQuestion: {QUESTION}"),
        ]
    )
    print(f"{run.tag}answer: {reply.content}")
