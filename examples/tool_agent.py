"""An agent tool loop: LangChain's ``create_agent`` with ChatBaseten and two tools.

Needs ``langchain``: ``pip install "/path/to/langchain-baseten[langchain]"`` (the
``make demo`` environment has it).
Run: ``.venv/bin/python examples/tool_agent.py``.
"""

import sys

from _replay import live_or_replay

try:
    from langchain.agents import create_agent
except ImportError:
    sys.exit(
        "tool_agent.py needs langchain: pip install '/path/to/langchain-baseten[langchain]'"
        " (or pip install langchain)."
    )
from langchain_core.callbacks import get_usage_metadata_callback
from langchain_core.tools import tool

from langchain_baseten import ChatBaseten


@tool
def get_weather(city: str) -> str:
    """Get the current weather for a city."""
    return f"It is 18 degrees and sunny in {city}."


@tool
def get_local_time(city: str) -> str:
    """Get the local time in a city."""
    return f"It is 14:05 in {city}."


with live_or_replay("tool_agent") as run:
    llm = ChatBaseten(model="baseten/openai/gpt-oss-120b", temperature=0, max_tokens=500)
    agent = create_agent(llm, tools=[get_weather, get_local_time])
    with get_usage_metadata_callback() as cb:
        result = agent.invoke(
            {"messages": [{"role": "user", "content": "What's the weather in Paris?"}]}
        )
    for message in result["messages"]:
        calls = getattr(message, "tool_calls", None)
        detail = f" -> calls {[c['name'] for c in calls]}" if calls else ""
        print(f"{run.tag}{message.type:>5}: {message.text[:120]}{detail}")
    print(f"{run.tag}usage across the loop: {cb.usage_metadata}")
