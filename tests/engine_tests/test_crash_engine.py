"""A vLLM server killed in the middle of a stream, then started again.

Runs on the spare chat server (the other checks keep theirs). The README's error
table says what a lost connection mid-stream raises: ``BasetenConnectionError``
(retryable), the same class as failing to connect; after the restart the same
model object works again (its pooled connections to the dead server are not reused).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import openai
import pytest

from langchain_baseten import BasetenConnectionError
from tests.engine_tests.conftest import baseten_chat, openai_chat

if TYPE_CHECKING:
    from tests.engine_tests.servers import Engine

#: Long enough that the stream is still running when the server is killed.
LONG_ANSWER = 1500


def test_server_killed_mid_stream_then_restarted(engine: Engine) -> None:
    server = engine.spare
    if server.process is None:
        pytest.skip("the spare server was not started by this run (LANGCHAIN_BASETEN_ENGINE_PORTS)")
    llm = baseten_chat(server, max_tokens=LONG_ANSWER)
    reference = openai_chat(server, max_tokens=LONG_ANSWER)
    assert llm.invoke("warm up", max_tokens=2).content  # a pooled connection exists

    stream = llm.stream("Say a lot.")
    first = next(stream)
    assert isinstance(first.content, str)
    server.kill()
    with pytest.raises(BasetenConnectionError) as info:
        for _ in stream:
            pass
    assert info.value.is_retryable
    assert "Baseten" not in str(info.value).split("(")[0]  # host-neutral, not blamed on Baseten

    with pytest.raises(openai.APIConnectionError):  # ChatOpenAI: the SDK's class
        reference.invoke("hi", max_tokens=2)

    server.restart()
    assert llm.invoke("again", max_tokens=3).content
    assert reference.invoke("again", max_tokens=3).content
