"""The error hierarchy over real HTTP: SDK class + LangChain ModelError, hints, no key anywhere.

Engine error shapes used here (see /errors.py for the sources of the messages):
vLLM ``{"object": "error", "message": ..., "type": ..., "code": ...}``; Baseten
``{"error": "..."}``; TEI ``{"error": ..., "error_type": "Validation"}``
(huggingface/text-embeddings-inference#82).
"""

from __future__ import annotations

import json
import logging
from typing import Any

import httpx2
import openai
import pytest
from langchain.agents import create_agent
from langchain.agents.middleware import ModelRetryMiddleware, SummarizationMiddleware
from langchain_core.exceptions import (
    ContextOverflowError,
    ModelAPIError,
    ModelAuthenticationError,
    ModelConnectionError,
    ModelError,
    ModelInvalidRequestError,
    ModelNotFoundError,
    ModelPermissionDeniedError,
    ModelRateLimitError,
)
from langchain_core.messages import AIMessage, HumanMessage

from langchain_baseten import BasetenEmbeddings, BasetenResponseError, ChatBaseten
from langchain_baseten import _errors as be
from langchain_baseten import testing as fb
from langchain_baseten._errors import MalformedResponseError
from langchain_baseten._http.limits import NotRetried, RetryPolicy
from tests.call_styles import STYLES, answer
from tests.local_models import KEY, chat_model
from tests.recording import redirect_baseten_to


async def _raises(llm: ChatBaseten, style: str) -> BaseException:
    with pytest.raises(Exception) as info:
        await answer(llm, style)
    return info.value


STATUS_CLASSES = [
    (400, openai.BadRequestError, ModelInvalidRequestError, False),
    (401, openai.AuthenticationError, ModelAuthenticationError, False),
    (402, openai.APIStatusError, ModelError, False),
    (403, openai.PermissionDeniedError, ModelPermissionDeniedError, False),
    (404, openai.NotFoundError, ModelNotFoundError, False),
    (422, openai.UnprocessableEntityError, ModelInvalidRequestError, False),
    (429, openai.RateLimitError, ModelRateLimitError, True),
    (500, openai.InternalServerError, ModelAPIError, True),
    (503, openai.InternalServerError, ModelAPIError, True),
]


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize(
    ("status", "sdk_class", "lc_class", "retryable"),
    STATUS_CLASSES,
    ids=[str(s[0]) for s in STATUS_CLASSES],
)
async def test_every_status_is_the_sdk_class_and_langchains(
    fake_baseten: fb.FakeBaseten,
    style: str,
    status: int,
    sdk_class: type[Exception],
    lc_class: type[Exception],
    retryable: bool,
) -> None:
    fake_baseten.enqueue(fb.error(status, headers={"x-baseten-request-id": "req-9"}))
    err = await _raises(chat_model(fake_baseten), style)
    assert isinstance(err, sdk_class)
    assert isinstance(err, lc_class)
    assert isinstance(err, ModelError)
    assert err.is_retryable is retryable
    assert err.status_code == status  # type: ignore[attr-defined]
    assert f"HTTP {status}" in str(err)
    assert "req-9" in str(err)


@pytest.mark.parametrize("style", STYLES)
async def test_connection_refused_is_a_model_connection_error(style: str) -> None:
    llm = ChatBaseten(model="m/x", base_url="http://127.0.0.1:9/v1", api_key=KEY, max_retries=0)
    err = await _raises(llm, style)
    assert isinstance(err, openai.APIConnectionError)
    assert isinstance(err, ModelConnectionError)
    assert err.is_retryable


# Context-length messages as each engine words them (sources in errors.py).
OVERFLOWS = {
    "vllm": {
        "object": "error",
        "message": "This model's maximum context length is 4096 tokens. However, you "
        "requested 5000 tokens (4000 in the messages, 1000 in the completion).",
        "type": "BadRequestError",
        "code": 400,
    },
    "vllm-v1": {
        "object": "error",
        "message": "The decoder prompt (length 9254) is longer than the maximum model "
        "length of 4096.",
        "type": "BadRequestError",
        "code": 400,
    },
    "sglang": {
        "object": "error",
        "message": "The input (150000 tokens) is longer than the model's context length "
        "(131072 tokens).",
        "type": "BadRequestError",
        "code": 400,
    },
    "sglang-total": {
        "detail": "Requested token count exceeds the model's maximum context length of "
        "64000 tokens. You requested a total of 71897 tokens."
    },
    "tensorrt-llm": {
        "object": "error",
        "message": "The sum of prompt length (72417.0), query length (0) should not exceed "
        "max_num_tokens (69632)",
        "type": "BadRequestError",
        "code": 400,
    },
    "baseten": {"error": "context_length_exceeded: input is too long for this model"},
}


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("engine", list(OVERFLOWS))
async def test_context_length_messages_are_context_overflow(
    fake_baseten: fb.FakeBaseten, engine: str, style: str
) -> None:
    fake_baseten.enqueue(fb.error(400, OVERFLOWS[engine]))
    err = await _raises(chat_model(fake_baseten), style)
    assert isinstance(err, ContextOverflowError)
    assert isinstance(err, openai.BadRequestError)
    assert not err.is_retryable
    assert "shorten" in str(err)


@pytest.mark.parametrize("style", ["stream", "astream"])
async def test_an_overflow_error_event_inside_a_stream_is_context_overflow(
    fake_baseten: fb.FakeBaseten, style: str
) -> None:
    event = json.dumps({"error": OVERFLOWS["vllm"]})
    fake_baseten.enqueue(
        fb.raw(200, f"data: {event}\n\n".encode(), content_type="text/event-stream")
    )
    err = await _raises(chat_model(fake_baseten), style)
    assert isinstance(err, be.BasetenStreamError)
    assert isinstance(err, ContextOverflowError)
    assert not err.is_retryable


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize(
    "body",
    [
        # OpenAI's error object with its standard code and other wording (the code is what
        # langchain-openai's ChatOpenAI reads too); a gateway putting the code at the top.
        {
            "error": {
                "message": "Request too large for this model.",
                "type": "invalid_request_error",
                "code": "context_length_exceeded",
            }
        },
        {"message": "Request too large.", "code": "context_length_exceeded"},
    ],
)
async def test_the_standard_overflow_code_is_context_overflow_whatever_the_wording(
    fake_baseten: fb.FakeBaseten, style: str, body: dict[str, Any]
) -> None:
    fake_baseten.enqueue(fb.error(400, body))
    err = await _raises(chat_model(fake_baseten), style)
    assert isinstance(err, ContextOverflowError)
    assert isinstance(err, be.BasetenContextOverflowError)
    assert "shorten" in str(err)


def test_an_ordinary_400_is_not_an_overflow(fake_baseten: fb.FakeBaseten) -> None:
    fake_baseten.enqueue(fb.error(400, {"error": "temperature must be <= 2"}))
    with pytest.raises(be.BasetenBadRequestError) as info:
        chat_model(fake_baseten).invoke("hi")
    assert not isinstance(info.value, ContextOverflowError)


def test_dedicated_404_for_the_body_model_suggests_served_model_name(
    fake_baseten: fb.FakeBaseten,
) -> None:
    # vLLM answers this when the body model is not its --served-model-name.
    body = {
        "object": "error",
        "message": "The model `abcd1234` does not exist.",
        "type": "NotFoundError",
        "code": 404,
    }
    fake_baseten.enqueue(fb.error(404, body))
    llm = ChatBaseten(model="baseten/abcd1234", api_key=KEY, max_retries=0)
    with redirect_baseten_to(fake_baseten.base_url), pytest.raises(be.BasetenNotFoundError) as info:
        llm.invoke("hi")
    message = str(info.value)
    assert "served_model_name=" in message
    assert "list_models()" in message
    assert "'abcd1234'" in message


def test_model_api_404_points_to_the_catalogue(fake_baseten: fb.FakeBaseten) -> None:
    fake_baseten.enqueue(fb.error(404, {"error": "model not found"}))
    llm = ChatBaseten(model="baseten/acme/unknown", api_key=KEY, max_retries=0)
    with redirect_baseten_to(fake_baseten.base_url), pytest.raises(ModelNotFoundError) as info:
        llm.invoke("hi")
    assert "list_models()" in str(info.value)
    assert "served_model_name" not in str(info.value)


@pytest.mark.parametrize("stream", [False, True], ids=["invoke", "stream"])
def test_errors_name_who_answered_baseten_or_the_host(
    fake_baseten: fb.FakeBaseten, stream: bool
) -> None:
    # A base_url may be any OpenAI-compatible server (a local vLLM): its errors are not
    # blamed on Baseten; Baseten's own hosts (here redirected to the local server) are.
    def call(llm: ChatBaseten) -> None:
        if stream:
            list(llm.stream("hi"))
        else:
            llm.invoke("hi")

    fake_baseten.enqueue(fb.error(400, {"error": "bad"}), fb.error(400, {"error": "bad"}))
    with pytest.raises(be.BasetenBadRequestError) as elsewhere:
        call(chat_model(fake_baseten))
    assert str(elsewhere.value).startswith("The server at 127.0.0.1 returned HTTP 400: bad")
    baseten = ChatBaseten(model="baseten/abcd1234", api_key=KEY, max_retries=0)
    with redirect_baseten_to(fake_baseten.base_url), pytest.raises(be.BasetenBadRequestError) as on:
        call(baseten)
    assert str(on.value).startswith("Baseten returned HTTP 400: bad")


def test_an_error_event_mid_stream_names_the_host(fake_baseten: fb.FakeBaseten) -> None:
    event = json.dumps({"error": {"message": "engine crashed", "type": "InternalError"}})
    fake_baseten.enqueue(fb.stream("one two", raw_events=[event], done=False))
    with pytest.raises(be.BasetenStreamError, match=r"^The server at 127\.0\.0\.1 sent an error"):
        list(chat_model(fake_baseten).stream("hi"))


def test_tei_413_token_limit_says_shorten_not_100_mb(fake_baseten: fb.FakeBaseten) -> None:
    # huggingface/text-embeddings-inference#82: a too-long input is a 413.
    body = {
        "error": "Input validation error: `inputs` must have less than 512 tokens. Given: 600",
        "error_type": "Validation",
    }
    fake_baseten.enqueue(fb.error(413, body))
    emb = BasetenEmbeddings(
        base_url=fake_baseten.url("/v1"), model="e5", api_key=KEY, max_retries=0, backend="python"
    )
    with pytest.raises(ContextOverflowError) as info:
        emb.embed_query("a long text")
    assert isinstance(info.value, openai.APIStatusError)
    assert info.value.status_code == 413
    assert "shorten" in str(info.value)
    assert "100 MB" not in str(info.value)


def test_a_plain_413_still_names_the_body_limit(fake_baseten: fb.FakeBaseten) -> None:
    fake_baseten.enqueue(fb.error(413, {"error": "request entity too large"}))
    with pytest.raises(be.BasetenStatusError, match="100 MB"):
        chat_model(fake_baseten).invoke("hi")


@pytest.mark.parametrize("style", STYLES)
async def test_a_key_echoed_by_the_server_is_nowhere_in_the_error(
    fake_baseten: fb.FakeBaseten, style: str
) -> None:
    echo = {"error": f"invalid api key {KEY} for this deployment", "key": KEY}
    fake_baseten.enqueue(fb.error(401, echo))
    err = await _raises(chat_model(fake_baseten), style)
    assert isinstance(err, be.BasetenAuthenticationError)
    assert KEY not in str(err)
    assert KEY not in repr(err.args)
    assert KEY not in json.dumps(err.body)
    assert KEY not in err.response.text
    assert KEY not in str(err.request.headers)
    assert KEY not in str(err.response.request.headers)
    for linked in (err.__context__, err.__cause__):  # the SDK's own error, if chained
        if isinstance(linked, openai.APIError):
            assert KEY not in str(linked)
            assert KEY not in json.dumps(linked.body)
            assert KEY not in str(linked.request.headers)


@pytest.mark.parametrize(
    "reply",
    [
        fb.raw(200, b'{"id": "x", "choices": []}'),
        fb.raw(200, b"not json", content_type="text/plain"),
        fb.stream("cut", done=False, drop_after=1),
    ],
    ids=["malformed", "not json", "cut stream"],
)
@pytest.mark.parametrize("style", ["invoke", "astream"])
async def test_the_request_kept_on_any_error_does_not_show_the_key(
    fake_baseten: fb.FakeBaseten, reply: fb.Reply, style: str
) -> None:
    fake_baseten.enqueue(reply)
    err = await _raises(chat_model(fake_baseten), style)
    assert isinstance(err, openai.APIError)
    request = err.request
    assert request is None or KEY not in str(request.headers)


# ---------------------------------------------------------------------- malformed answers

MALFORMED_CHAT = [
    fb.raw(200, b'{"id": "x", "choices": []}'),
    fb.raw(200, b'{"id": "x", "choices": [{"message": 5}]}'),
    fb.raw(200, b"[1, 2]"),
    fb.raw(200, b"not json", content_type="text/plain"),
]


@pytest.mark.parametrize("reply", MALFORMED_CHAT, ids=["no choices", "bad message", "list", "text"])
async def test_every_malformed_chat_answer_is_one_class(
    fake_baseten: fb.FakeBaseten, reply: fb.Reply
) -> None:
    fake_baseten.enqueue(reply)
    err = await _raises(chat_model(fake_baseten), "ainvoke")
    assert isinstance(err, BasetenResponseError)
    assert isinstance(err, ModelAPIError)
    assert not err.is_retryable


@pytest.mark.parametrize("style", ["stream", "astream"])
async def test_a_malformed_stream_event_is_the_same_class(
    fake_baseten: fb.FakeBaseten, style: str
) -> None:
    fake_baseten.enqueue(
        fb.raw(200, b'data: {"choices": [{"delta": 7}]}\n\n', content_type="text/event-stream")
    )
    assert isinstance(await _raises(chat_model(fake_baseten), style), BasetenResponseError)


def test_malformed_embeddings_and_models_answers_are_the_same_class(
    fake_baseten: fb.FakeBaseten,
) -> None:
    fake_baseten.enqueue(fb.raw(200, b'{"data": "nope"}'), fb.raw(200, b'{"models": []}'))
    emb = BasetenEmbeddings(
        base_url=fake_baseten.url("/v1"), model="e5", api_key=KEY, max_retries=0, backend="python"
    )
    with pytest.raises(BasetenResponseError):
        emb.embed_query("x")
    with pytest.raises(BasetenResponseError):
        chat_model(fake_baseten).list_models()


@pytest.mark.parametrize("cls", [BasetenResponseError, MalformedResponseError])
def test_a_malformed_answer_error_builds_with_and_without_its_request(
    cls: type[BasetenResponseError],
) -> None:
    # openai 3.63 reads the request's headers while building any APIError: a
    # converter that checks an answer without its request must still get this class.
    body = {"code": "bad", "param": "choices", "type": "shape"}
    without = cls("no choices", body=body)
    assert isinstance(without, openai.APIError)
    assert isinstance(without, ModelAPIError)
    assert (without.message, str(without), without.body) == ("no choices", "no choices", body)
    assert (without.code, without.param, without.type) == ("bad", "choices", "shape")
    assert without.request is None
    assert not without.is_retryable

    sent = httpx2.Request("POST", "http://127.0.0.1/v1", headers={"Authorization": f"Bearer {KEY}"})
    with_request = cls("no choices", sent, body=None)
    assert with_request.request.url == sent.url
    assert KEY not in str(with_request.request.headers)
    assert with_request.body is None
    assert with_request.code is None


def test_bad_input_stays_a_value_error_and_nothing_is_sent(fake_baseten: fb.FakeBaseten) -> None:
    with pytest.raises(ValueError, match="temperature") as info:
        chat_model(fake_baseten).invoke("hi", temperature=9)
    assert not isinstance(info.value, ModelError)
    assert fake_baseten.requests == []


# ---------------------------------------------------------------------- the error builder

URL = "http://127.0.0.1:9/v1"


def _request(attempts: int = 1) -> httpx2.Request:
    # openai counts its retries in this header; the message reads the attempts from it.
    headers = {"x-stainless-retry-count": str(attempts - 1)}
    return httpx2.Request("POST", f"{URL}/chat/completions", headers=headers)


def _status(
    status: int, attempts: int = 1, headers: dict[str, str] | None = None
) -> openai.APIStatusError:
    response = httpx2.Response(status, headers=headers or {}, request=_request(attempts))
    return openai.APIStatusError("raw", response=response, body={"error": "said"})


@pytest.mark.parametrize(
    ("cause", "timeout"),
    [
        (httpx2.ReadTimeout("r"), True),
        (httpx2.ConnectTimeout("c"), True),
        (httpx2.PoolTimeout("p"), True),
        (be.TotalTimeoutError(1.0), True),
        (httpx2.TimeoutException("t"), True),
        (httpx2.ConnectError("c"), False),
        (httpx2.ReadError("r"), False),
        (httpx2.RemoteProtocolError("cut"), False),
    ],
    ids=lambda v: type(v).__name__ if isinstance(v, Exception) else str(v),
)
def test_one_function_tells_a_timeout_from_a_connection_error(
    cause: Exception, *, timeout: bool
) -> None:
    err = be.connection_error(cause, _request())
    assert isinstance(err, openai.APITimeoutError) is timeout
    assert isinstance(err, openai.APIConnectionError)
    assert err.__cause__ is cause


@pytest.mark.parametrize(("mid_stream", "what"), [(False, "answer"), (True, "stream")])
def test_the_total_timeout_is_worded_once_for_answers_and_streams(
    *, mid_stream: bool, what: str
) -> None:
    lost = be.connection_error(be.TotalTimeoutError(1.5), _request())
    facts = be.ErrorFacts(url=URL, mid_stream=mid_stream, request_id="req-7")
    message = str(be.enrich_api_error(lost, facts))
    assert message.startswith(
        f"The {what} from {URL} took longer than timeout=1.5 s in total (data kept arriving, "
        "too slowly to finish in time); raise timeout= if the model is slow."
    )
    assert ("The partial answer was discarded." in message) is mid_stream
    assert message.endswith("Baseten request id: req-7.")


def test_a_pool_wait_names_the_pool_and_says_the_attempts_once() -> None:
    waited = be.connection_error(httpx2.PoolTimeout("busy"), _request(attempts=3))
    message = str(be.enrich_api_error(waited, be.ErrorFacts(url=URL, max_connections=4)))
    assert message == (
        "All 4 connections to 127.0.0.1 for this API key were busy until the timeout: the "
        "request waited for a free connection and was never sent (the model was not slow). "
        "Send fewer requests at once, or raise max_connections= (now 4) or timeout=. "
        "Gave up after 3 attempts."
    )


CHAT = RetryPolicy(max_retries=2, retry_lost_answers=False)
LOST = (
    "Not retried: the server may already have run this request (and billed the answer); "
    "retry_lost_answers=True retries such failures too."
)
REFUSED = "Not retried: the server answered x-should-retry: false."
WAIT = (
    "Not retried: the server's Retry-After asked for a longer wait than the openai client accepts."
)


@pytest.mark.parametrize(
    ("err", "policy", "ending"),
    [
        (_status(500), CHAT, LOST),
        (_status(504, attempts=2), CHAT, LOST),
        (_status(503, headers={"x-should-retry": "false"}), CHAT, REFUSED),
        (_status(500, headers={"x-should-retry": "false"}), RetryPolicy(), REFUSED),
        (_status(503), CHAT, WAIT),
        (_status(500, headers={"x-should-retry": "true"}), CHAT, WAIT),
        (
            _status(500, attempts=3, headers={"x-should-retry": "true"}),
            CHAT,
            "Gave up after 3 attempts.",
        ),
        (_status(503, attempts=3), CHAT, "Gave up after 3 attempts."),
        (_status(500), RetryPolicy(max_retries=0, retry_lost_answers=False), "on this request."),
        (_status(400), CHAT, "check the parameters this model supports."),
        (be.connection_error(httpx2.ReadTimeout("r"), _request()), CHAT, LOST),
        (be.connection_error(httpx2.ReadError("r"), _request()), RetryPolicy(), "(ReadError: r)."),
        (be.connection_error(httpx2.ConnectError("c"), _request(3)), CHAT, "attempts."),
    ],
)
def test_the_message_says_why_the_retry_policy_did_not_retry(
    err: openai.APIError, policy: RetryPolicy, ending: str
) -> None:
    message = str(be.enrich_api_error(err, be.ErrorFacts(url=URL, retry=policy)))
    assert message.endswith(ending)
    assert message.count("Not retried") == (ending.startswith("Not retried"))


@pytest.mark.parametrize("retry_lost_answers", [False, True])
@pytest.mark.parametrize("should_retry", [None, "true", "false"])
@pytest.mark.parametrize(
    "status", [400, 401, 402, 404, 408, 409, 413, 422, 429, 500, 502, 503, 504]
)
def test_the_retry_policy_explains_exactly_what_it_decided(
    status: int, should_retry: str | None, *, retry_lost_answers: bool
) -> None:
    policy = RetryPolicy(max_retries=2, retry_lost_answers=retry_lost_answers)
    headers = {} if should_retry is None else {"x-should-retry": should_retry}
    refusal = policy.status_refusal(status, headers)
    # What the docs promise (the server's header first, then statuses that say "not run").
    documented = should_retry == "true" or (
        should_retry != "false"
        and (status in {408, 409, 429, 502, 503} or (retry_lost_answers and status >= 500))
    )
    assert (refusal is None) is documented
    explained = policy.why_not_retried(attempts=1, status=status, headers=headers)
    # Refused: the refusal is the reason. Allowed yet not retried: only Retry-After can stop it.
    assert explained == (refusal or NotRetried.WAIT_TOO_LONG)
    assert policy.why_not_retried(attempts=3, status=status, headers=headers) is None
    assert RetryPolicy.is_retryable(status) is (status in {408, 409, 429} or status >= 500)


@pytest.mark.parametrize("done", [True, False])
def test_a_stream_ended_early_is_worded_by_the_builder(*, done: bool) -> None:
    err = be.stream_ended_early(_request(), done=done)
    assert isinstance(err, be.BasetenStreamError)
    assert str(err).startswith("The stream from 127.0.0.1 ended before the model finished")
    assert ("it sent [DONE] and no answer at all." in str(err)) is done
    assert ("the partial answer was discarded" in str(err)) is not done


def test_the_retry_policy_logs_each_decision_once(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="langchain_baseten._http.limits")
    assert CHAT.status_refusal(500, {}) is NotRetried.LOST_ANSWER
    assert CHAT.status_refusal(503, {"x-should-retry": "false"}) is NotRetried.SERVER_SAID_NO
    assert CHAT.status_refusal(500, {"x-should-retry": "true"}) is None
    assert CHAT.failure_refusal(httpx2.ReadTimeout("r")) is NotRetried.LOST_ANSWER
    # Explaining afterwards repeats the decision without logging it again.
    assert CHAT.why_not_retried(attempts=1, status=500) is NotRetried.LOST_ANSWER
    assert [r.getMessage() for r in caplog.records] == [
        "Not retrying HTTP 500: the server may have run the request (retry_lost_answers=False)",
        "Not retrying HTTP 503: the server answered x-should-retry: false",
        "HTTP 500 (x-should-retry: true): retried if attempts are left",
        "Not retrying ReadTimeout: the server may have run the request",
    ]


def test_the_rust_backends_failures_are_worded_by_the_builder() -> None:
    request = httpx2.Request("POST", f"{URL}/embeddings")
    capped = str(be.answer_too_large(request, 200, 10))
    assert capped.startswith("The answer from 127.0.0.1 (HTTP 200) is larger than")
    assert "reading stopped there" in capped
    read_whole = str(be.answer_too_large(request, 200, 10, read_whole=99))
    assert "max_response_bytes=10 (about 99 bytes)" in read_whole
    assert 'backend="python" stops reading at the cap' in read_whole
    unreadable = be.unreadable_answer(request)
    assert isinstance(unreadable, BasetenResponseError)
    assert "max_retries=0, so it was not asked for again" in str(unreadable)


# ---------------------------------------------------------------------- LangChain middleware


def test_retry_middleware_does_not_retry_a_401(fake_baseten: fb.FakeBaseten) -> None:
    fake_baseten.enqueue(fb.error(401), fb.error(401), fb.error(401))
    retry = ModelRetryMiddleware(max_retries=2, initial_delay=0, jitter=False, on_failure="error")
    agent = create_agent(chat_model(fake_baseten), tools=[], middleware=[retry])
    with pytest.raises(ModelAuthenticationError):
        agent.invoke({"messages": [HumanMessage("hi")]}, {"recursion_limit": 5})
    assert len(fake_baseten.requests) == 1


def test_retry_middleware_retries_a_503(fake_baseten: fb.FakeBaseten) -> None:
    fake_baseten.enqueue(fb.error(503))
    retry = ModelRetryMiddleware(max_retries=2, initial_delay=0, jitter=False, on_failure="error")
    agent = create_agent(chat_model(fake_baseten), tools=[], middleware=[retry])
    result = agent.invoke({"messages": [HumanMessage("hi")]}, {"recursion_limit": 5})
    assert isinstance(result["messages"][-1], AIMessage)
    assert len(fake_baseten.requests) == 2


def test_summarization_middleware_recovers_from_context_overflow(
    fake_baseten: fb.FakeBaseten,
) -> None:
    summary_llm = chat_model(fake_baseten)
    summarize = SummarizationMiddleware(summary_llm, trigger=("messages", 4), keep=("messages", 1))
    history: list[Any] = []
    for turn in range(6):
        history += [HumanMessage(f"question {turn} " * 50), AIMessage(f"answer {turn} " * 50)]
    fake_baseten.enqueue(fb.error(400, OVERFLOWS["vllm"]))
    agent = create_agent(chat_model(fake_baseten), tools=[], middleware=[summarize])
    result = agent.invoke({"messages": [*history, HumanMessage("last")]}, {"recursion_limit": 5})
    assert isinstance(result["messages"][-1], AIMessage)
    first, retried = fake_baseten.requests[0].json(), fake_baseten.requests[1].json()
    assert len(json.dumps(retried["messages"])) < len(json.dumps(first["messages"]))
