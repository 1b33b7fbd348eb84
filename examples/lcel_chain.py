"""An LCEL pipeline: prompt | model | parser, invoked and batched.

Run: ``.venv/bin/python examples/lcel_chain.py``.
"""

from _replay import live_or_replay
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate

from langchain_baseten import ChatBaseten

with live_or_replay("lcel_chain") as run:
    prompt = ChatPromptTemplate.from_messages(
        [
            ("system", "Translate the user's text to {language}. Reply with the translation only."),
            ("human", "{text}"),
        ]
    )
    llm = ChatBaseten(model="baseten/openai/gpt-oss-120b", temperature=0, max_tokens=200)
    chain = prompt | llm | StrOutputParser()
    print(run.tag + chain.invoke({"language": "French", "text": "Good morning"}))
    for answer in chain.batch(
        [
            {"language": "German", "text": "Thank you"},
            {"language": "Spanish", "text": "See you soon"},
        ]
    ):
        print(run.tag + answer)
