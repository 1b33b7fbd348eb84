"""What did that cost? Token usage and USD cost across invoke, stream, batch and async.

Run: ``.venv/bin/python examples/cost_tracking.py`` (replays recorded HTTP without
BASETEN_API_KEY; live with it).
"""

import asyncio

from _replay import live_or_replay

from langchain_baseten import ChatBaseten, get_baseten_callback

with live_or_replay("cost_tracking") as run:
    llm = ChatBaseten(model="baseten/openai/gpt-oss-120b", temperature=0, max_tokens=200)
    if llm.profile:
        print(f"context window: {llm.profile.get('max_input_tokens'):,} tokens")

    with get_baseten_callback() as cb:
        llm.invoke("Name a prime number.")
        for _ in llm.stream("Name an even number."):
            pass
        llm.batch(["Name a colour.", "Name a fruit."])

        async def ask_concurrently() -> None:
            await asyncio.gather(llm.ainvoke("Name a planet."), llm.ainvoke("Name a river."))

        asyncio.run(ask_concurrently())

    print(f"{run.tag}usage and cost:")
    print(cb)
    # The numbers, for your own reporting (total_cost is None if any price is unknown):
    print(f"{run.tag}total_cost={cb.total_cost!r} requests={cb.requests} tokens={cb.total_tokens}")

    # Your own rates (USD per million tokens) replace the shipped table. A model with
    # no known price (or a dedicated deployment, billed by GPU time) still has its
    # tokens counted, but its cost and total_cost are None, never a silent 0.
    rates = {"openai/gpt-oss-120b": {"input": 0.08, "cached_input": 0.04, "output": 0.40}}
    with get_baseten_callback(prices=rates) as negotiated:
        llm.invoke("Name a mountain.")
    print(f"{run.tag}with your own rates:")
    print(negotiated)
