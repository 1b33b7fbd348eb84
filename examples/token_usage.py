"""Token usage across invoke, stream and batch with LangChain's usage callback.

Run: ``.venv/bin/python examples/token_usage.py``.
"""

from _replay import live_or_replay
from langchain_core.callbacks import get_usage_metadata_callback

from langchain_baseten import ChatBaseten

with live_or_replay("token_usage") as run:
    llm = ChatBaseten(model="baseten/openai/gpt-oss-120b", temperature=0, max_tokens=200)
    with get_usage_metadata_callback() as cb:
        llm.invoke("Name a prime number.")
        for _ in llm.stream("Name an even number."):
            pass
        llm.batch(["Name a colour.", "Name a fruit."])
    for model, usage in cb.usage_metadata.items():
        print(f"{run.tag}{model}: {usage}")
