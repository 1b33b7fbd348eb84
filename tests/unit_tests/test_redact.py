"""Redaction takes out keys, never words (issue 24, item 3): ``langchain_baseten._redact``.

A key is redacted as a token (never inside a word), a key shorter than
``MIN_SECRET_CHARS`` is not a secret (vLLM servers without ``--api-key`` take
``"x"``), the start of a key cut off by a shortened message goes too, and an
exception chain is scrubbed in place, requests and responses included.
"""

from __future__ import annotations

import json
import string
from urllib.parse import quote

import httpx2
import openai
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from langchain_baseten import testing as fb
from langchain_baseten._redact import MIN_SECRET_CHARS, REDACTED, scrub, secret_values
from tests.leaks import assert_no_secret
from tests.local_models import KEY, chat_model

#: vLLM's context-length 400 (entrypoints/openai/serving_engine.py), as the issue quotes it.
VLLM_OVERFLOW = (
    "This model's maximum context length is 4096 tokens. However, you requested 5000 "
    "tokens (4000 in the messages, 1000 in the completion). Please reduce the length of "
    "the messages or completion. The input exceeds the context window."
)
KEY_CHARS = string.ascii_letters + string.digits + "-_."
keys = st.text(KEY_CHARS, min_size=MIN_SECRET_CHARS, max_size=40).filter(
    lambda k: k[0].isalnum() and k[-1].isalnum()
)
words = st.text(string.ascii_letters + string.digits, min_size=1, max_size=12)
prose = st.text(string.ascii_letters + " .,:'\"()", max_size=80)


# ---------------------------------------------------------------- short keys are not secrets


@pytest.mark.parametrize("key", ["x", "k", "EMPTY", "1234567"])
async def test_a_short_key_leaves_the_servers_message_and_the_hints_whole(
    fake_baseten: fb.FakeBaseten, key: str
) -> None:
    assert len(key) < MIN_SECRET_CHARS
    fake_baseten.enqueue(fb.error(400, {"error": VLLM_OVERFLOW}), fb.error(404))
    model = chat_model(fake_baseten, api_key=key)
    with pytest.raises(openai.BadRequestError) as overflow:
        await model.ainvoke("hi")
    assert VLLM_OVERFLOW in str(overflow.value)
    assert "Likely cause: the input is longer than the model accepts" in str(overflow.value)
    with pytest.raises(openai.NotFoundError) as missing:
        model.invoke("hi")
    assert "Likely cause:" in str(missing.value)
    assert REDACTED not in str(overflow.value) + str(missing.value)


@given(text=prose, key=st.text(KEY_CHARS, min_size=1, max_size=MIN_SECRET_CHARS - 1))
def test_a_key_shorter_than_the_minimum_changes_nothing(text: str, key: str) -> None:
    assert scrub(text, key) == text
    assert secret_values(key, [("X-Api-Key", key), ("Authorization", f"Bearer {key}")]) == ()


# ---------------------------------------------------------------- keys as tokens


@given(before=prose, after=prose, key=keys)
def test_a_key_standing_as_a_token_is_redacted(before: str, after: str, key: str) -> None:
    assume(key[:MIN_SECRET_CHARS] not in before + after)
    text = f"{before} {key} {after}"
    scrubbed = scrub(text, key)
    assert key not in scrubbed
    assert scrubbed.startswith(before)  # the rest of the text is kept
    assert scrubbed.endswith(after)


@given(key=keys, left=words, right=words)
def test_a_key_inside_a_word_is_left_alone(key: str, left: str, right: str) -> None:
    for text in (f"{left}{key}", f"{key}{right}", f"{left}{key}{right}"):
        assert scrub(text, key) == text


@given(text=prose, key=keys)
def test_text_without_the_key_is_unchanged(text: str, key: str) -> None:
    if key[:MIN_SECRET_CHARS] not in text:
        assert scrub(text, key) == text


@given(key=keys, cut=st.integers(min_value=MIN_SECRET_CHARS, max_value=40))
def test_the_start_of_a_key_cut_off_by_a_shortened_message_is_redacted(key: str, cut: int) -> None:
    shown = f"not JSON: 'authorization: Bearer {key[:cut]}'"
    assert scrub(shown, key) == f"not JSON: 'authorization: Bearer {REDACTED}'"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"key={KEY}&x=1", f"key={REDACTED}&x=1"),
        (f"Bearer%20{KEY}", f"Bearer%20{REDACTED}"),  # URL-encoded space before it
        (f'"line\\n{KEY}"', f'"line\\n{REDACTED}"'),  # a JSON-escaped line break
        (f"({KEY}).", f"({REDACTED})."),
        (f"{KEY}{KEY}", f"{KEY}{KEY}"),  # one word, not the key
    ],
)
def test_token_boundaries(text: str, expected: str) -> None:
    assert scrub(text, KEY) == expected


def test_the_json_escaped_and_url_encoded_forms_are_redacted() -> None:
    key = 'sk-a/b+c"d\\e-12345'
    assert scrub(json.dumps({"k": key}), key) == '{"k": "***"}'
    assert scrub(f"?key={quote(key, safe='')}&", key) == "?key=***&"


def test_secret_values_are_the_key_and_credential_headers() -> None:
    headers = [
        ("Authorization", "Bearer tok-0123456789"),
        ("X-Api-Key", "xk-0123456789"),
        ("X-Auth-Token", "at-0123456789"),
        ("X-Trace", "trace-0123456789"),  # not a credential header
    ]
    assert secret_values(f" {KEY}\n", headers) == (
        KEY,
        "tok-0123456789",
        "xk-0123456789",
        "at-0123456789",
    )


# ---------------------------------------------------------------- values and exception chains


def test_requests_and_responses_are_copied_without_secrets() -> None:
    request = httpx2.Request(
        "POST",
        f"http://h/v1?key={KEY}",
        headers={"Authorization": f"Bearer {KEY}", "X-Echo": KEY, "Cookie": "c"},
        content=f'{{"key": "{KEY}"}}'.encode(),
    )
    clean = scrub(request, KEY)
    assert clean.headers["authorization"] == f"Bearer {REDACTED}"
    assert clean.headers["x-echo"] == REDACTED
    assert clean.headers["cookie"] == REDACTED  # a credential header, whatever its value
    assert KEY not in str(clean.url) + clean.content.decode()
    response = httpx2.Response(
        401, headers={"content-encoding": "identity"}, content=KEY.encode(), request=request
    )
    copy = scrub(response, KEY)
    assert copy.text == REDACTED
    assert copy.status_code == 401
    assert copy.request.headers["authorization"] == f"Bearer {REDACTED}"
    assert request.headers["authorization"] == f"Bearer {KEY}"  # the original is untouched


def _chained_error() -> openai.APIConnectionError:
    """An SDK error whose cause keeps the request, with the key in every part."""
    request = httpx2.Request("POST", "http://h", headers={"authorization": f"Bearer {KEY}"})
    low = httpx2.ConnectError(f"refused for {KEY}", request=request)
    low.add_note(f"note with {KEY}")
    error = openai.APIConnectionError(request=request)
    error.body = {"echo": [KEY, (KEY, b"bytes " + KEY.encode())]}
    error.__cause__ = low
    error.__context__ = low
    return error


def test_an_exception_chain_is_scrubbed_in_place() -> None:
    exc = _chained_error()
    group = ExceptionGroup("batches", [exc, ValueError(KEY)])
    with pytest.raises(AssertionError, match="secret piece"):
        assert_no_secret(group, [KEY])
    assert scrub(group, KEY) is group
    assert_no_secret(group, [KEY])
    assert str(exc.__cause__) == f"refused for {REDACTED}"
    assert exc.body == {"echo": [REDACTED, (REDACTED, b"bytes ***")]}


@settings(max_examples=50)
@given(data=st.binary(max_size=60), key=keys)
def test_bytes_that_are_not_utf8_keep_their_other_bytes(data: bytes, key: str) -> None:
    assume(key[:MIN_SECRET_CHARS].encode() not in data)
    assert scrub(data + b" " + key.encode() + b" " + data, key) == data + b" *** " + data
