"""A dedicated deployment: an 8-character model ID routes to your own GPUs.

Replace ``abcd1234`` with your model ID (Baseten dashboard -> your model). For
vLLM/SGLang servers, pass ``served_model_name=`` if the server validates the
body ``model``. Run: ``.venv/bin/python examples/dedicated_deployment.py``.
"""

import os

from _replay import live_or_replay

from langchain_baseten import ChatBaseten

with live_or_replay("dedicated_deployment") as run:
    llm = ChatBaseten(model="baseten/abcd1234", temperature=0, max_tokens=200)
    print(f"endpoint: {llm.endpoint.base_url}{run.endpoint_note}")
    if os.environ.get("BASETEN_BASE_URL"):
        # environment= builds a Baseten URL, which BASETEN_BASE_URL would replace: an error.
        print("staging endpoint: not shown, BASETEN_BASE_URL is set")
    else:
        staging = ChatBaseten(model="baseten/abcd1234", environment="staging")
        print(f"staging endpoint: {staging.endpoint.base_url}")
    reply = llm.invoke("Say hello from a dedicated deployment.")
    print(f"{run.tag}answer: {reply.content}")
    print(f"{run.tag}usage: {reply.usage_metadata}")
