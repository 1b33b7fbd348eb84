"""Property tests: no input makes the router send a request anywhere but Baseten (or base_url).

For arbitrary (and hostile) model strings, environments, deployment ids and
dashboard URLs, ``resolve_endpoint`` either raises ``BasetenRoutingError`` or
returns a URL whose host is exactly ``inference.baseten.co`` or
``model-<id>[-<env>].api.baseten.co`` for the expected id, over https, with a
path made only of safe characters. Valid inputs are mixed in so that the
accepting branches are exercised too, and there the exact result is checked.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from langchain_baseten._routing import (
    MODEL_API_BASE_URL,
    BasetenRoutingError,
    Endpoint,
    Route,
    resolve_endpoint,
)

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SAFE_PATH = re.compile(r"(/[a-z0-9_-]+)+/sync/v1|/v1|/sync/v1")
HOST_RE = re.compile(r"model-([a-z0-9]{8})(-[a-z0-9-]+)?\.api\.baseten\.co")

HOSTILE_SAMPLES = [
    "abcd1234",
    "baseten/abcd1234",
    "ABCD1234",
    "baseten/openai/gpt-oss-120b",
    "evil.com",
    "abcd1234.evil.com",
    "../../etc",
    "..",
    "a%2Fb",
    "abcd1234@evil.com",
    "abcd1234#x",
    "abcd1234?x=1",
    "abcd1234\\evil",
    "abcd1234\n",
    "\u0430bcd1234",  # Cyrillic a
    "\uff41bcd1234",  # fullwidth a
    "abcd1234\u200b",  # zero-width space
    "",
    " ",
]
hostile_text = st.one_of(
    st.text(max_size=40),
    st.text(
        alphabet="abcdefghijklmnopqrstuvwxyz0123456789/.-_@#?%:\\ \n\t\u0430\u0435\u043eABCD",
        max_size=40,
    ),
    st.sampled_from(HOSTILE_SAMPLES),
)
model_ids = st.from_regex(r"(baseten/)?[A-Za-z0-9]{8}", fullmatch=True)
slugs = st.from_regex(
    r"(baseten/){0,2}[A-Za-z0-9][A-Za-z0-9._-]{0,15}/[A-Za-z0-9._-]{1,20}", fullmatch=True
)
valid_names = st.from_regex(r"[a-z0-9]([a-z0-9_-]{0,10}[a-z0-9])?", fullmatch=True)
models = st.one_of(st.none(), hostile_text, model_ids, slugs)
# (environment, deployment_id): mostly one or neither, sometimes hostile, sometimes both.
targets = st.one_of(
    st.just((None, None)),
    st.tuples(valid_names, st.none()),
    st.tuples(st.none(), valid_names),
    st.tuples(st.one_of(st.none(), hostile_text), st.one_of(st.none(), hostile_text)),
)

VALID_HOSTS = [
    "https://model-abcd1234.api.baseten.co",
    "https://MODEL-ABCD1234.API.BASETEN.CO",
    "https://model-abcd1234-staging.api.baseten.co",
]
url_hosts = st.sampled_from(
    [
        *VALID_HOSTS,
        "http://model-abcd1234.api.baseten.co",
        "https://model-abcd1234.api.baseten.co.evil.com",
        "https://evil.com",
        "https://evil.com#model-abcd1234.api.baseten.co",
        "https://evil.com?model-abcd1234.api.baseten.co",
        "https://model-abcd1234.api.baseten.co@evil.com",
        "https://user:pw@model-abcd1234.api.baseten.co",
        "https://model-abcd1234.api.baseten.co:444",
        "https://model-abcd1234.api.baseten.co:99999",
        "https://model-abcd1234.api.baseten.co:abc",
        "https://[model-abcd1234.api.baseten.co",
        "https://model-abcd1234.api.baseten.co\\@evil.com",
        "https://model-abcd1234.api.baseten.co%2F@evil.com",
        "https://model-abcd1234.api.baseten.co.",
        "https://model-abcd1234.api.baseten.co\n.evil.com",
        "https://model-abcd1234.api.b\u0430seten.co",  # Cyrillic a
        "https://model-\uff41bcd1234.api.baseten.co",  # fullwidth a
    ]
)
url_targets = st.one_of(
    st.sampled_from(["", "/production", "/development"]),
    st.builds(lambda n: f"/environments/{n}", st.one_of(valid_names, hostile_text)),
    st.builds(lambda n: f"/deployment/{n}", st.one_of(valid_names, hostile_text)),
)
url_endpoints = st.sampled_from(
    ["", "/predict", "/async_predict", "/sync", "/sync/v1", "/sync/v1/chat/completions"]
)
url_tails = st.sampled_from(["", "/", "//", "?x=1", "#f", "\n", " ", "%2F", "/..", "\\"])
free_paths = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789/.-_@#?%\\ ", max_size=40).map(
    lambda s: "/" + s
)


def _check_baseten_endpoint(endpoint: Endpoint, expected_id: str | None) -> None:
    parts = urlsplit(endpoint.base_url)
    assert parts.scheme == "https"
    assert parts.username is None
    assert parts.password is None
    assert parts.port is None
    assert not parts.query
    assert not parts.fragment
    assert endpoint.base_url == f"https://{parts.hostname}{parts.path}"
    if endpoint.kind == "model_api":
        assert endpoint.base_url == MODEL_API_BASE_URL
        assert parts.hostname == "inference.baseten.co"
        return
    assert endpoint.kind == "dedicated"
    host_match = HOST_RE.fullmatch(parts.hostname or "")
    assert host_match is not None, endpoint.base_url
    assert endpoint.model_id == host_match.group(1)
    if expected_id is not None:
        assert host_match.group(1) == expected_id
    assert SAFE_PATH.fullmatch(parts.path), parts.path


@SETTINGS
@given(
    model=models,
    target=targets,
    route=st.sampled_from(["auto", "model_api", "dedicated"]),
)
def test_model_strings_only_reach_baseten_hosts(
    model: str | None, target: tuple[str | None, str | None], route: Route
) -> None:
    environment, deployment_id = target
    try:
        endpoint = resolve_endpoint(
            model, route=route, environment=environment, deployment_id=deployment_id
        )
    except BasetenRoutingError:
        return
    assert model is not None
    name = model.removeprefix("baseten/")
    if endpoint.kind == "model_api":
        assert route != "dedicated"
        assert endpoint.model == name  # exactly one leading baseten/ removed
        assert environment is None
        assert deployment_id is None
        _check_baseten_endpoint(endpoint, None)
        return
    assert route != "model_api"
    assert endpoint.model == name.lower()
    _check_baseten_endpoint(endpoint, name.lower())
    path = urlsplit(endpoint.base_url).path
    if deployment_id is not None:
        assert path == f"/deployment/{deployment_id}/sync/v1"
    else:
        assert path == f"/environments/{environment or 'production'}/sync/v1"


@SETTINGS
@given(
    host=st.one_of(url_hosts, st.sampled_from(VALID_HOSTS)),
    path=st.one_of(
        st.tuples(url_targets, url_endpoints, url_tails).map("".join),
        free_paths,
    ),
)
def test_model_urls_only_reach_the_deployment_host(host: str, path: str) -> None:
    try:
        endpoint = resolve_endpoint(None, model_url=host + path)
    except BasetenRoutingError:
        return
    _check_baseten_endpoint(endpoint, "abcd1234")
    assert urlsplit(endpoint.base_url).hostname == urlsplit(host).hostname
    assert endpoint.model == "abcd1234"


@SETTINGS
@given(
    target=st.sampled_from(
        ["/production", "/development", "/environments/staging", "/deployment/q3x9z7w"]
    ),
    endpoint=url_endpoints,
    tail=st.sampled_from(["", "/", "//"]),
)
def test_every_dashboard_form_normalises_to_its_target(
    target: str, endpoint: str, tail: str
) -> None:
    result = resolve_endpoint(
        "baseten/abcd1234",
        model_url=f"https://model-abcd1234.api.baseten.co{target}{endpoint}{tail}",
    )
    assert result.base_url == f"https://model-abcd1234.api.baseten.co{target}/sync/v1"


@SETTINGS
@given(
    base_url=st.sampled_from(["http://127.0.0.1:8000/v1", "https://gw.example.com/v1/"]),
    model=models,
)
def test_base_url_is_used_exactly(base_url: str, model: str | None) -> None:
    try:
        endpoint = resolve_endpoint(model, base_url=base_url)
    except BasetenRoutingError:
        return
    assert endpoint.kind == "custom"
    assert endpoint.base_url == base_url.rstrip("/")
    assert model is not None
    assert endpoint.model == model.removeprefix("baseten/")


@SETTINGS
@given(
    host=st.one_of(
        st.sampled_from(["127.0.0.1:8000", "gw.example.com", "[::1]", "evil.com#x", "a@b"]),
        st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789.-_@#?%:[]\\/ \n\u0430", max_size=30),
    ),
    path=st.one_of(st.sampled_from(["/v1", "/v1/chat/completions/", ""]), free_paths),
    scheme=st.sampled_from(["http://", "https://", "ftp://", "", "HTTP://"]),
)
def test_hostile_base_urls_keep_the_users_host(scheme: str, host: str, path: str) -> None:
    """A base_url is used as given (minus a pasted route), never re-pointed at another host."""
    raw = scheme + host + path
    try:
        endpoint = resolve_endpoint("m", base_url=raw)
    except BasetenRoutingError:
        return
    assert endpoint.kind == "custom"
    assert raw.startswith(endpoint.base_url)
    given_parts, got_parts = urlsplit(raw), urlsplit(endpoint.base_url)
    assert got_parts.scheme in {"http", "https"}
    assert got_parts.hostname
    assert got_parts.hostname == given_parts.hostname
    assert got_parts.port == given_parts.port
    assert not got_parts.query
    assert not got_parts.fragment
    assert not endpoint.base_url.endswith("/")
