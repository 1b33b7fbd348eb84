"""Typed answers: ``with_structured_output`` with a Pydantic schema.

Run: ``.venv/bin/python examples/structured_output.py``.
"""

from _replay import live_or_replay
from pydantic import BaseModel, Field

from langchain_baseten import ChatBaseten


class CityFacts(BaseModel):
    """Facts about a city."""

    city: str = Field(description="The city's name")
    country: str = Field(description="The country it is in")
    population_millions: float = Field(description="Approximate population in millions")


with live_or_replay("structured_output") as run:
    llm = ChatBaseten(model="baseten/openai/gpt-oss-120b", temperature=0, max_tokens=500)
    structured = llm.with_structured_output(CityFacts)
    facts = structured.invoke("Give me facts about Lisbon.")
    print(f"{run.tag}{facts!r}")
    raw = llm.with_structured_output(CityFacts, include_raw=True).invoke("And about Oslo?")
    if not isinstance(raw, dict):  # include_raw=True answers {"raw", "parsed", "parsing_error"}
        msg = f"include_raw=True should answer a dict, got {type(raw).__name__}"
        raise TypeError(msg)
    print(f"{run.tag}parsed: {raw['parsed']!r}  parsing_error: {raw['parsing_error']}")
