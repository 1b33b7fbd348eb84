"""The local Baseten-compatible test server itself, checked with plain HTTP clients."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import http.client
import json
import math
import struct
import threading
import time
from typing import TYPE_CHECKING, Any

import httpx2
import pytest

from langchain_baseten import testing as fb

if TYPE_CHECKING:
    from collections.abc import Iterator

AUTH = {"authorization": "Bearer test-key"}
DEDICATED = "/environments/production/sync/v1"


@pytest.fixture
def server() -> Iterator[fb.FakeBaseten]:
    with fb.fake_baseten_server() as s:
        yield s


@pytest.fixture
def client(server: fb.FakeBaseten) -> Iterator[httpx2.Client]:
    with httpx2.Client(base_url=server.base_url, headers=AUTH, timeout=10) as c:
        yield c


def _chat_body(
    text: str = "hello there", model: str = "deepseek-ai/DeepSeek-V3.1", **kw: Any
) -> dict[str, Any]:
    return {
        "model": model,
        "messages": [{"role": "system", "content": "be brief"}, {"role": "user", "content": text}],
        **kw,
    }


def _events(client: httpx2.Client, path: str, body: dict[str, Any]) -> list[Any]:
    """POST a streaming request; return the parsed `data:` payloads (``"[DONE]"`` kept as is)."""
    with client.stream("POST", path, json=body) as response:
        assert response.status_code == 200
        assert response.headers["content-type"] == "text/event-stream"
        lines = [line for line in response.iter_lines() if line]
    assert all(line.startswith("data: ") for line in lines)
    payloads = [line.removeprefix("data: ") for line in lines]
    return [p if p == "[DONE]" else json.loads(p) for p in payloads]


def _usage(prompt: int, completion: int, reasoning: int = 0) -> dict[str, Any]:
    return fb.make_usage(prompt, completion, reasoning_tokens=reasoning)


# ---------------------------------------------------------------- defaults


@pytest.mark.parametrize("prefix", ["/v1", DEDICATED, "/deployment/xyz/sync/v1"])
def test_default_chat_echoes_the_last_user_message(client: httpx2.Client, prefix: str) -> None:
    response = client.post(prefix + "/chat/completions", json=_chat_body("hello there"))
    assert response.status_code == 200
    assert response.headers["x-baseten-request-id"].startswith("req-")
    body = response.json()
    assert body["object"] == "chat.completion"
    assert body["system_fingerprint"]
    assert body["model"] == "deepseek-ai/DeepSeek-V3.1"
    (choice,) = body["choices"]
    assert choice["message"] == {"role": "assistant", "content": "echo: hello there"}
    assert choice["finish_reason"] == "stop"
    # prompt: "be brief" + "hello there"; completion: "echo: hello there"
    assert body["usage"] == _usage(4, 3)


def test_default_chat_reasons_for_reasoning_models(client: httpx2.Client) -> None:
    body = client.post(
        "/v1/chat/completions", json=_chat_body("hi", model="openai/gpt-oss-120b")
    ).json()
    message = body["choices"][0]["message"]
    assert message["reasoning_content"] == fb.DEFAULT_REASONING
    assert message["content"] == "echo: hi"
    assert body["usage"] == _usage(3, 2 + 3, reasoning=3)


def test_request_ids_are_unique(client: httpx2.Client) -> None:
    ids = {client.get("/v1/models").headers["x-baseten-request-id"] for _ in range(5)}
    assert len(ids) == 5


def test_default_stream_carries_cumulative_usage_and_a_final_usage_chunk(
    client: httpx2.Client,
) -> None:
    events = _events(client, "/v1/chat/completions", _chat_body("one two three", stream=True))
    assert events[-1] == "[DONE]"
    *choice_chunks, usage_chunk, _ = events
    assert all(c["object"] == "chat.completion.chunk" for c in choice_chunks)
    assert choice_chunks[0]["choices"][0]["delta"]["role"] == "assistant"
    text = "".join(c["choices"][0]["delta"].get("content", "") for c in choice_chunks)
    assert text == "echo: one two three"
    assert [c["choices"][0]["finish_reason"] for c in choice_chunks][-2:] == [None, "stop"]
    completions = [c["usage"]["completion_tokens"] for c in choice_chunks]
    assert completions == sorted(completions)
    assert choice_chunks[-1]["usage"] == _usage(5, 4)
    assert usage_chunk["choices"] == []
    assert usage_chunk["usage"] == _usage(5, 4)


def test_default_stream_without_usage_when_include_usage_is_false(client: httpx2.Client) -> None:
    body = _chat_body("x", stream=True, stream_options={"include_usage": False})
    events = _events(client, "/v1/chat/completions", body)
    assert events[-1] == "[DONE]"
    assert all("usage" not in e and e["choices"] for e in events[:-1])


def test_default_stream_reasoning_comes_first(client: httpx2.Client) -> None:
    events = _events(
        client, "/v1/chat/completions", _chat_body("hi", model="my-reasoning-model", stream=True)
    )
    deltas = [e["choices"][0]["delta"] for e in events[:-1] if e["choices"]]
    kinds = [next(k for k in ("reasoning_content", "content") if k in d) for d in deltas[:-1]]
    assert kinds == ["reasoning_content"] * 3 + ["content"] * 2
    assert events[-2]["usage"]["completion_tokens_details"]["reasoning_tokens"] == 3


def test_default_models(client: httpx2.Client) -> None:
    for path in ("/v1/models", DEDICATED + "/models"):
        body = client.get(path).json()
        assert body["object"] == "list"
        assert [m["id"] for m in body["data"]] == fb.DEFAULT_MODELS
        assert all(m["owned_by"] == "baseten" for m in body["data"])


def test_model_api_models_carry_basetens_catalogue_fields(client: httpx2.Client) -> None:
    entry = client.get("/v1/models").json()["data"][0]
    assert entry["id"] == fb.DEFAULT_MODEL
    assert set(entry) >= {
        "context_length",
        "max_completion_tokens",
        "supported_features",
        "input_modalities",
        "pricing",
    }
    assert set(entry["pricing"]) == {"prompt", "completion", "input_cache_read"}
    # A dedicated deployment's /sync/v1/models is a plain OpenAI list.
    assert "pricing" not in client.get(DEDICATED + "/models").json()["data"][0]


def test_default_rerank_is_sorted_and_honours_teis_flags(client: httpx2.Client) -> None:
    body: dict[str, object] = {
        "query": "red apple",
        "texts": ["blue sky", "red apple pie", "an apple"],
    }
    ranks = client.post("/environments/production/sync/rerank", json=body).json()
    assert ranks == [
        {"index": 1, "score": 1.0},
        {"index": 2, "score": 0.5},
        {"index": 0, "score": 0.0},
    ]
    body |= {"raw_scores": True, "return_text": True}
    ranks = client.post("/environments/production/sync/rerank", json=body).json()
    assert ranks[0] == {"index": 1, "score": 5.0, "text": "red apple pie"}


def test_default_predict_answers_a_batch_and_a_single_input(client: httpx2.Client) -> None:
    batch = client.post(
        "/environments/production/sync/predict", json={"inputs": [["I love it"], ["meh"]]}
    ).json()
    assert [labels[0]["label"] for labels in batch] == ["positive", "negative"]
    single = client.post("/environments/production/sync/predict", json={"inputs": "great"}).json()
    assert single[0] == {"label": "positive", "score": 0.9}


def test_default_embeddings_are_deterministic_unit_vectors(client: httpx2.Client) -> None:
    body = client.post(
        DEDICATED + "/embeddings", json={"model": "bei", "input": ["a b", "c"]}
    ).json()
    vectors = [d["embedding"] for d in body["data"]]
    assert [d["index"] for d in body["data"]] == [0, 1]
    assert all(len(v) == fb.DEFAULT_EMBEDDING_DIMENSIONS for v in vectors)
    assert all(math.isclose(math.fsum(x * x for x in v), 1.0) for v in vectors)
    assert vectors[0] != vectors[1]
    assert body["usage"] == {"prompt_tokens": 3, "total_tokens": 3}
    again = client.post(
        "/v1/embeddings", json={"model": "bei", "input": "a b", "dimensions": 40}
    ).json()
    (single,) = again["data"]
    assert len(single["embedding"]) == 40
    assert single["embedding"] == fb.fake_vector("a b", 40)


def test_embeddings_base64_encoding(client: httpx2.Client) -> None:
    body = client.post(
        "/v1/embeddings", json={"model": "m", "input": ["q"], "encoding_format": "base64"}
    ).json()
    raw = base64.b64decode(body["data"][0]["embedding"])
    decoded = struct.unpack(f"<{len(raw) // 4}f", raw)
    assert decoded == pytest.approx(fb.fake_vector("q"), abs=1e-6)


# ---------------------------------------------------------------- default errors


def test_missing_or_empty_key_is_401_and_still_recorded(server: fb.FakeBaseten) -> None:
    with httpx2.Client(base_url=server.base_url) as bare:
        for headers in ({}, {"authorization": "Bearer"}, {"authorization": "Basic abc"}):
            response = bare.post("/v1/chat/completions", json=_chat_body(), headers=headers)
            assert response.status_code == 401
            assert isinstance(response.json()["error"], str)
        legacy = bare.post(
            "/v1/chat/completions", json=_chat_body(), headers={"authorization": "Api-Key k"}
        )
        assert legacy.status_code == 200
    assert len(server.requests) == 4


def test_invalid_json_unknown_path_and_wrong_method(client: httpx2.Client) -> None:
    bad = client.post(
        "/v1/chat/completions", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert bad.status_code == 400
    assert "error" in bad.json()
    missing = client.post("/v1/completions", json={})
    assert missing.status_code == 404
    assert "/v1/completions" in missing.json()["error"]
    assert client.get("/v1/chat/completions").status_code == 405


# ---------------------------------------------------------------- recording and scripting


def test_requests_are_recorded_in_order(server: fb.FakeBaseten, client: httpx2.Client) -> None:
    client.post(
        "/v1/chat/completions?x=1",
        json=_chat_body("first"),
        headers={"X-Session-Affinity": "user-1"},
    )
    client.get("/v1/models")
    first, second = server.requests
    assert (first.method, first.path, first.query) == ("POST", "/v1/chat/completions", "x=1")
    assert first.headers["x-session-affinity"] == "user-1"
    assert first.headers["authorization"] == "Bearer test-key"
    assert first.json()["messages"][-1]["content"] == "first"
    assert (second.method, second.path, second.body) == ("GET", "/v1/models", b"")
    server.reset()
    assert server.requests == []


def test_chunked_request_bodies_are_read(server: fb.FakeBaseten, client: httpx2.Client) -> None:
    def body() -> Iterator[bytes]:
        yield b'{"model": "m", "messages": '
        yield b'[{"role": "user", "content": "chunked"}]}'

    response = client.post("/v1/chat/completions", content=body())
    assert response.json()["choices"][0]["message"]["content"] == "echo: chunked"
    assert server.requests[0].headers["transfer-encoding"] == "chunked"


def test_scripted_replies_are_fifo_across_paths_and_skip_checks(server: fb.FakeBaseten) -> None:
    server.enqueue(fb.models(["a"]), fb.chat("scripted", model="other", usage=None))
    assert server.pending == 2
    with httpx2.Client(base_url=server.base_url) as bare:  # no key: scripted replies do not check
        assert bare.post("/anything", json={}).json()["data"][0]["id"] == "a"
        body = bare.post("/v1/chat/completions", json=_chat_body()).json()
        assert body["choices"][0]["message"]["content"] == "scripted"
        assert body["model"] == "other"
        assert "usage" not in body
        assert bare.post("/v1/chat/completions", json=_chat_body()).status_code == 401
    server.enqueue(fb.chat())
    server.reset()
    assert server.pending == 0


def test_chat_reply_options(server: fb.FakeBaseten, client: httpx2.Client) -> None:
    tool_call = {"id": "call_1", "type": "function", "function": {"name": "f", "arguments": "{}"}}
    server.enqueue(
        fb.chat(
            None,
            reasoning="hmm",
            reasoning_key="reasoning",
            tool_calls=[tool_call],
            logprobs={"content": []},
            extra_message={"refusal": None},
            extra={"service_tier": "default"},
            headers={"x-baseten-request-id": "req-custom", "retry-after": "2"},
            status=201,
        )
    )
    response = client.post("/v1/chat/completions", json=_chat_body())
    assert response.status_code == 201
    assert response.headers["x-baseten-request-id"] == "req-custom"
    assert response.headers["retry-after"] == "2"
    body = response.json()
    choice = body["choices"][0]
    assert choice["message"] == {
        "role": "assistant",
        "content": None,
        "reasoning": "hmm",
        "tool_calls": [tool_call],
        "refusal": None,
    }
    assert choice["finish_reason"] == "tool_calls"
    assert choice["logprobs"] == {"content": []}
    assert body["service_tier"] == "default"
    assert body["usage"]["completion_tokens_details"]["reasoning_tokens"] == 1


@pytest.mark.parametrize("usage_mode", ["cumulative", "final_chunk", "both", "none"])
def test_stream_usage_modes(server: fb.FakeBaseten, client: httpx2.Client, usage_mode: str) -> None:
    usage = _usage(5, 4)
    server.enqueue(fb.stream(pieces=["a", "b", "c"], usage=usage, usage_mode=usage_mode))  # type: ignore[arg-type]
    events = _events(client, "/v1/chat/completions", _chat_body(stream=True))
    assert events[-1] == "[DONE]"
    chunks = events[:-1]
    choice_chunks = [c for c in chunks if c["choices"]]
    usage_only = [c for c in chunks if not c["choices"]]
    assert [c["choices"][0]["delta"].get("content") for c in choice_chunks] == ["a", "b", "c", None]
    if usage_mode in {"cumulative", "both"}:
        assert [c["usage"]["completion_tokens"] for c in choice_chunks] == [1, 2, 3, 4]
        assert [c["usage"]["prompt_tokens"] for c in choice_chunks] == [5] * 4
        assert choice_chunks[-1]["usage"] == usage
    else:
        assert all("usage" not in c for c in choice_chunks)
    if usage_mode in {"final_chunk", "both"}:
        assert [c["usage"] for c in usage_only] == [usage]
        assert chunks[-1] is usage_only[0]
    else:
        assert usage_only == []


def test_stream_tool_call_deltas_stop_reason_and_no_done(
    server: fb.FakeBaseten, client: httpx2.Client
) -> None:
    event = [
        {
            "index": 0,
            "id": "call_a",
            "type": "function",
            "function": {"name": "get", "arguments": ""},
        },
        {"index": 0, "id": "call_b", "function": {"arguments": '{"x": 1}'}},
    ]
    server.enqueue(
        fb.stream(None, tool_call_deltas=[event], stop_reason=128009, done=False, usage_mode="none")
    )
    events = _events(client, "/v1/chat/completions", _chat_body(stream=True))
    assert "[DONE]" not in events
    first, last = events
    assert first["choices"][0]["delta"] == {"role": "assistant", "tool_calls": event}
    assert last["choices"][0]["finish_reason"] == "tool_calls"
    assert last["choices"][0]["stop_reason"] == 128009


def test_stream_raw_events(server: fb.FakeBaseten, client: httpx2.Client) -> None:
    server.enqueue(fb.stream(raw_events=["{not json", '{"choices": []}'], done=True))
    with client.stream("POST", "/v1/chat/completions", json=_chat_body(stream=True)) as response:
        lines = [line for line in response.iter_lines() if line]
    assert lines == ["data: {not json", 'data: {"choices": []}', "data: [DONE]"]


def test_drop_after_breaks_the_stream(server: fb.FakeBaseten, client: httpx2.Client) -> None:
    server.enqueue(fb.stream(pieces=["par", "tial", " answer"], drop_after=2))
    received: list[str] = []
    with (
        pytest.raises(httpx2.RemoteProtocolError),
        client.stream("POST", "/v1/chat/completions", json=_chat_body(stream=True)) as response,
    ):
        received.extend(line for line in response.iter_lines() if line)
    assert len(received) <= 2
    assert all("[DONE]" not in line for line in received)
    # the client recovers on a new connection
    assert client.post("/v1/chat/completions", json=_chat_body("again")).status_code == 200


def test_stall_delays_the_answer(server: fb.FakeBaseten, client: httpx2.Client) -> None:
    server.enqueue(fb.stall(0.3))
    start = time.monotonic()
    body = client.post("/v1/chat/completions", json=_chat_body("late")).json()
    assert time.monotonic() - start >= 0.3
    assert body["choices"][0]["message"]["content"] == "echo: late"
    server.enqueue(fb.stall(5))
    with pytest.raises(httpx2.ReadTimeout):
        client.post("/v1/chat/completions", json=_chat_body(), timeout=0.2)


def test_stall_after_pauses_mid_stream(server: fb.FakeBaseten, client: httpx2.Client) -> None:
    # The pause is generous and the bound loose: under load the client may read the
    # first line late, which shortens the gap it observes (a 0.3 s pause was once seen as 0.2499 s).
    server.enqueue(fb.stream(pieces=["a", "b"], stall_after=1, stall_seconds=0.6))
    times: list[float] = []
    with client.stream("POST", "/v1/chat/completions", json=_chat_body(stream=True)) as response:
        for line in response.iter_lines():
            if line:
                times.append(time.monotonic())
    assert times[1] - times[0] >= 0.3


def test_error_replies(server: fb.FakeBaseten, client: httpx2.Client) -> None:
    server.enqueue(
        fb.error(429),
        fb.error(
            404, {"error": "Model not found: x"}, headers={"x-baseten-request-id": "req-err-1"}
        ),
        fb.error(422, {"detail": [{"loc": ["body"], "msg": "bad"}]}),
        fb.error(413, "<html><body>Request Entity Too Large</body></html>"),
        fb.error(502, "upstream restarted"),
        fb.raw(500, b'{"error": {"message": "nested", "type": "X"}}'),
        fb.raw(200, b"\x00\x01", content_type="application/octet-stream"),
    )

    def post() -> httpx2.Response:
        return client.post("/v1/chat/completions", json=_chat_body())

    rate = post()
    assert (rate.status_code, rate.json()) == (429, {"error": fb.ERROR_MESSAGES[429]})
    missing = post()
    assert (missing.status_code, missing.json()) == (404, {"error": "Model not found: x"})
    assert missing.headers["x-baseten-request-id"] == "req-err-1"
    assert post().json()["detail"][0]["msg"] == "bad"
    html = post()
    assert html.status_code == 413
    assert html.headers["content-type"].startswith("text/html")
    assert "Too Large" in html.text
    text = post()
    assert (text.status_code, text.text) == (502, "upstream restarted")
    assert text.headers["content-type"].startswith("text/plain")
    assert post().json()["error"]["message"] == "nested"
    binary = post()
    assert (binary.content, binary.headers["content-type"]) == (
        b"\x00\x01",
        "application/octet-stream",
    )


# ---------------------------------------------------------------- connections and lifecycle


def test_keep_alive_reuses_the_connection(server: fb.FakeBaseten) -> None:
    port = int(server.base_url.rsplit(":", 1)[1])
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        for _ in range(3):
            connection.request("GET", "/v1/models", headers=AUTH)
            response = connection.getresponse()
            assert response.status == 200
            response.read()
            sock = connection.sock
            assert sock is not None
        connection.request(
            "POST", "/v1/chat/completions", body=json.dumps(_chat_body(stream=True)), headers=AUTH
        )
        response = connection.getresponse()
        assert b"data: [DONE]" in response.read()
        assert connection.sock is sock  # same socket throughout, streams included
    finally:
        connection.close()


def test_200_concurrent_streams(server: fb.FakeBaseten) -> None:
    async def one(client: httpx2.AsyncClient, i: int) -> str:
        body = _chat_body(f"q{i}", stream=True)
        parts: list[str] = []
        async with client.stream("POST", "/v1/chat/completions", json=body) as response:
            async for line in response.aiter_lines():
                if line.startswith("data: {"):
                    chunk = json.loads(line[6:])
                    parts += [c["delta"].get("content") or "" for c in chunk["choices"]]
        return "".join(parts)

    async def main() -> list[str]:
        limits = httpx2.Limits(max_connections=200)
        async with httpx2.AsyncClient(
            base_url=server.base_url, headers=AUTH, timeout=30, limits=limits
        ) as client:
            return await asyncio.gather(*(one(client, i) for i in range(200)))

    assert asyncio.run(main()) == [f"echo: q{i}" for i in range(200)]
    assert len(server.requests) == 200


def test_close_is_fast_and_leaves_no_threads() -> None:
    before = set(threading.enumerate())
    server = fb.FakeBaseten()
    assert server.base_url.startswith("http://127.0.0.1:")
    idle = httpx2.Client(
        base_url=server.base_url, headers=AUTH
    )  # keeps a keep-alive connection open
    idle.get("/v1/models")
    server.enqueue(fb.stall(30))
    stalled = threading.Thread(target=lambda: _swallow(idle.get, "/v1/models"), daemon=True)
    stalled.start()
    time.sleep(0.1)
    start = time.monotonic()
    server.close()
    assert time.monotonic() - start < 3
    server.close()  # idempotent
    stalled.join(5)
    idle.close()
    assert set(threading.enumerate()) <= before


def _swallow(call: Any, *args: Any) -> None:
    with contextlib.suppress(Exception):  # the server closing under it is the point
        call(*args)


# ---------------------------------------------------------------- default tools and JSON


WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Get the weather.",
        "parameters": {
            "type": "object",
            "properties": {
                "city": {"type": "string"},
                "days": {"type": "integer"},
                "threshold": {"type": "number"},
                "metric": {"type": "boolean"},
                "hours": {"type": "array", "items": {"type": "integer"}},
                "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
                "where": {
                    "type": "object",
                    "properties": {"country": {"type": "string"}, "lat": {"type": "number"}},
                    "required": ["country"],
                },
                "home": {"$ref": "#/$defs/Place"},
                "note": {"anyOf": [{"type": "string"}, {"type": "null"}]},
                "optional": {"type": "string"},
            },
            "required": [
                "city",
                "days",
                "threshold",
                "metric",
                "hours",
                "unit",
                "where",
                "home",
                "note",
            ],
            "$defs": {
                "Place": {"type": "object", "properties": {"zip": {"type": "integer"}}},
            },
        },
    },
}
TIME_TOOL = {
    "type": "function",
    "function": {
        "name": "get_time",
        "parameters": {"type": "object", "properties": {"tz": {"type": "string"}}},
    },
}
WEATHER_ARGS = {
    "city": "Zürich",
    "days": 1,
    "threshold": 1.0,
    "metric": True,
    "hours": [],
    "unit": "celsius",
    "where": {"country": "Zürich"},
    "home": {"zip": 1},
    "note": "Zürich",
}


def _tool_body(text: str = "Weather in Zürich?", **kw: Any) -> dict[str, Any]:
    return _chat_body(text, tools=[WEATHER_TOOL, TIME_TOOL], **kw)


def test_default_calls_the_first_tool_with_arguments_from_its_schema(
    client: httpx2.Client,
) -> None:
    body = client.post("/v1/chat/completions", json=_tool_body()).json()
    (choice,) = body["choices"]
    assert choice["finish_reason"] == "tool_calls"
    message = choice["message"]
    assert message["content"] is None
    (call,) = message["tool_calls"]
    assert call["type"] == "function"
    assert call["id"].startswith("call_")
    assert call["function"]["name"] == "get_weather"
    assert json.loads(call["function"]["arguments"]) == WEATHER_ARGS
    assert body["usage"]["completion_tokens"] > 0
    # Deterministic (recordings replay): the same request gets the same call id.
    again = client.post("/v1/chat/completions", json=_tool_body()).json()
    assert again["choices"][0]["message"]["tool_calls"] == message["tool_calls"]


@pytest.mark.parametrize(
    ("tool_choice", "called"),
    [
        ({"type": "function", "function": {"name": "get_time"}}, "get_time"),
        ("required", "get_weather"),
        ("auto", "get_weather"),
        ("none", None),
    ],
)
def test_default_follows_tool_choice(
    client: httpx2.Client, tool_choice: Any, called: str | None
) -> None:
    body = client.post(
        "/v1/chat/completions", json=_tool_body("What time is it", tool_choice=tool_choice)
    ).json()
    message = body["choices"][0]["message"]
    if called is None:
        assert message["content"] == "echo: What time is it"
        assert "tool_calls" not in message
    else:
        assert [c["function"]["name"] for c in message["tool_calls"]] == [called]
    if called == "get_time":  # no required properties: every property is filled
        arguments = message["tool_calls"][0]["function"]["arguments"]
        assert json.loads(arguments) == {"tz": "it"}


def test_default_without_a_word_in_the_question_uses_example(client: httpx2.Client) -> None:
    body = client.post(
        "/v1/chat/completions", json=_chat_body("1 + 1 = ?", tools=[TIME_TOOL])
    ).json()
    arguments = body["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"]
    assert json.loads(arguments) == {"tz": "example"}


def test_default_answers_a_tool_result(client: httpx2.Client) -> None:
    messages = [
        {"role": "user", "content": "Weather in Oslo?"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "c1",
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": "{}"},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "c1", "content": "Cold, -3°C"},
    ]
    body = {"model": "openai/gpt-oss-120b", "messages": messages, "tools": [WEATHER_TOOL]}
    answer = client.post("/v1/chat/completions", json=body).json()
    message = answer["choices"][0]["message"]
    assert message["content"] == "Based on the tool: Cold, -3°C"
    assert message["reasoning_content"] == fb.DEFAULT_REASONING
    assert "tool_calls" not in message
    assert answer["choices"][0]["finish_reason"] == "stop"
    events = _events(client, "/v1/chat/completions", {**body, "stream": True})
    text = "".join(
        e["choices"][0]["delta"].get("content") or "" for e in events[:-1] if e["choices"]
    )
    assert text == "Based on the tool: Cold, -3°C"


@pytest.mark.parametrize("include_usage", [True, False])
def test_default_streams_the_tool_call_in_argument_pieces(
    client: httpx2.Client, include_usage: bool
) -> None:
    body = _tool_body(stream=True, stream_options={"include_usage": include_usage})
    events = _events(client, "/v1/chat/completions", body)
    assert events[-1] == "[DONE]"
    chunks = [e for e in events[:-1] if e["choices"]]
    deltas = [d for c in chunks for d in c["choices"][0]["delta"].get("tool_calls") or []]
    assert len(deltas) == 2
    first, second = deltas
    assert first["index"] == second["index"] == 0
    assert first["id"].startswith("call_")
    assert first["function"]["name"] == "get_weather"
    assert "id" not in second
    assert "name" not in second["function"]
    assert first["function"]["arguments"]
    assert second["function"]["arguments"]
    arguments = first["function"]["arguments"] + second["function"]["arguments"]
    assert json.loads(arguments) == WEATHER_ARGS
    assert chunks[-1]["choices"][0]["finish_reason"] == "tool_calls"
    assert any("usage" in e for e in events[:-1]) is include_usage
    plain = client.post("/v1/chat/completions", json=_tool_body()).json()
    assert plain["choices"][0]["message"]["tool_calls"][0]["id"] == first["id"]


RESPONSE_FORMATS = {
    "json_schema": {
        "type": "json_schema",
        "json_schema": {
            "name": "Answer",
            "schema": {
                "type": "object",
                "properties": {
                    "city": {"type": "string"},
                    "population": {"type": "integer"},
                    "tags": {"type": "array", "items": {"type": "string"}},
                },
                "required": ["city", "population", "tags"],
            },
        },
    },
    "json_object": {"type": "json_object"},
}
EXPECTED_JSON = {
    "json_schema": {"city": "Lisbon", "population": 1, "tags": []},
    "json_object": {"answer": "Tell me about Lisbon"},
}


@pytest.mark.parametrize("kind", sorted(RESPONSE_FORMATS))
def test_default_answers_a_response_format_with_json(client: httpx2.Client, kind: str) -> None:
    body = _chat_body("Tell me about Lisbon", response_format=RESPONSE_FORMATS[kind])
    answer = client.post("/v1/chat/completions", json=body).json()
    assert answer["choices"][0]["finish_reason"] == "stop"
    assert json.loads(answer["choices"][0]["message"]["content"]) == EXPECTED_JSON[kind]
    events = _events(client, "/v1/chat/completions", {**body, "stream": True})
    pieces = [
        e["choices"][0]["delta"]["content"]
        for e in events[:-1]
        if e["choices"] and e["choices"][0]["delta"].get("content")
    ]
    assert len(pieces) == 2
    assert json.loads("".join(pieces)) == EXPECTED_JSON[kind]


def test_tools_win_over_a_response_format_and_scripts_win_over_both(
    server: fb.FakeBaseten, client: httpx2.Client
) -> None:
    body = _tool_body(response_format=RESPONSE_FORMATS["json_object"])
    message = client.post("/v1/chat/completions", json=body).json()["choices"][0]["message"]
    assert message["tool_calls"][0]["function"]["name"] == "get_weather"
    server.enqueue(fb.chat("scripted"))
    message = client.post("/v1/chat/completions", json=body).json()["choices"][0]["message"]
    assert message == {"role": "assistant", "content": "scripted"}


def _after_tool_result(**kw: Any) -> dict[str, Any]:
    """A conversation that ends with get_weather's result."""
    call = {"id": "c1", "type": "function", "function": {"name": "get_weather", "arguments": "{}"}}
    messages = [
        {"role": "user", "content": "Weather in Oslo?"},
        {"role": "assistant", "content": None, "tool_calls": [call]},
        {"role": "tool", "tool_call_id": "c1", "content": "Cold"},
    ]
    return {"model": "deepseek-ai/DeepSeek-V3.1", "messages": messages, **kw}


@pytest.mark.parametrize(
    ("tool_choice", "called"),
    [
        ("required", "get_time"),  # the first tool not called yet
        ({"type": "function", "function": {"name": "get_weather"}}, "get_weather"),
        ("auto", None),
    ],
)
def test_a_forced_tool_choice_calls_a_tool_even_after_a_tool_result(
    client: httpx2.Client, tool_choice: Any, called: str | None
) -> None:
    body = _after_tool_result(tools=[WEATHER_TOOL, TIME_TOOL], tool_choice=tool_choice)
    message = client.post("/v1/chat/completions", json=body).json()["choices"][0]["message"]
    if called is None:
        assert message["content"] == "Based on the tool: Cold"
    else:
        assert [c["function"]["name"] for c in message["tool_calls"]] == [called]


def test_required_calls_the_first_tool_when_every_tool_was_called(client: httpx2.Client) -> None:
    body = _after_tool_result(tools=[WEATHER_TOOL], tool_choice="required")
    message = client.post("/v1/chat/completions", json=body).json()["choices"][0]["message"]
    assert message["tool_calls"][0]["function"]["name"] == "get_weather"


@pytest.mark.parametrize("kind", sorted(RESPONSE_FORMATS))
def test_the_answer_to_a_tool_result_follows_the_response_format(
    client: httpx2.Client, kind: str
) -> None:
    body = _after_tool_result(tools=[WEATHER_TOOL], response_format=RESPONSE_FORMATS[kind])
    message = client.post("/v1/chat/completions", json=body).json()["choices"][0]["message"]
    expected = {
        "json_schema": {"city": "Oslo", "population": 1, "tags": []},
        "json_object": {"answer": "Weather in Oslo?"},
    }
    assert json.loads(message["content"]) == expected[kind]


@pytest.mark.parametrize("stop_signal", ["SIGINT", "SIGTERM"])
def test_the_server_runs_on_its_own_prints_its_url_and_stops_on_a_signal(stop_signal: str) -> None:
    import signal
    import subprocess
    import sys
    from pathlib import Path

    process = subprocess.Popen(
        [sys.executable, "-m", "langchain_baseten.testing"],
        cwd=Path(__file__).resolve().parents[2],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:")
        told = process.stdout.readline() + process.stdout.readline()
        assert f"export BASETEN_ORIGIN={url} BASETEN_API_KEY=" in told
        answer = httpx2.post(
            url + "/v1/chat/completions",
            headers=AUTH,
            json={"model": "m", "messages": [{"role": "user", "content": "hi"}]},
            timeout=10,
        )
        assert answer.json()["choices"][0]["message"]["content"] == "echo: hi"
        process.send_signal(getattr(signal, stop_signal))
        assert process.wait(timeout=15) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
        if process.stdout is not None:
            process.stdout.close()
