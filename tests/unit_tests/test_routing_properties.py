"""Property tests: no input makes the router send a request anywhere but Baseten (or base_url).

For arbitrary (and hostile) model strings, environments, deployment ids and
dashboard URLs, ``resolve_endpoint`` either raises ``BasetenRoutingError`` or
returns a URL whose host is exactly ``inference.baseten.co`` or
``model-<id>[-<env>].api.baseten.co`` for the expected id, over https, with a
path made only of safe characters.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from langchain_baseten.routing import BasetenRoutingError, Endpoint, resolve_endpoint

SETTINGS = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SAFE_PATH = re.compile(r"(/[a-z0-9_-]+)+/sync/v1|/v1|/sync/v1")

hostile_text = st.one_of(
    st.text(max_size=40),
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789/.-_@#?%:\\ \n\t\u0430\u0435\u043eABCD", max_size=40),
    st.sampled_from(
        [
            "abcd1234",
            "baseten/abcd1234",
            "ABCD1234",
            "baseten/openai/gpt-oss-120b",
            "evil.com",
            "abcd1234.evil.com",
            "../../etc",
            "a%2Fb",
            "abcd1234@evil.com",
            "abcd1234#x",
            "abcd1234?x=1",
            "\u0430bcd1234",
        ]
    ),
)
names = st.one_of(st.none(), hostile_text)
url_parts = st.sampled_from(
    [
        "https://model-abcd1234.api.baseten.co",
        "https://model-abcd1234-staging.api.baseten.co",
        "http://model-abcd1234.api.baseten.co",
        "https://model-abcd1234.api.baseten.co.evil.com",
        "https://evil.com",
        "https://evil.com#model-abcd1234.api.baseten.co",
        "https://model-abcd1234.api.baseten.co@evil.com",
        "https://user:pw@model-abcd1234.api.baseten.co",
        "https://model-abcd1234.api.baseten.co:444",
        "https://model-abcd1234.api.b\u0430seten.co",
    ]
)
url_paths = st.one_of(
    st.sampled_from(
        [
            "/environments/production/predict",
            "/production/sync/v1/",
            "/deployment/q3x9z7w/sync",
            "/sync/v1/chat/completions",
            "/predict",
            "",
        ]
    ),
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789/.-_@#?%\\ ", max_size=40).map(
        lambda s: "/" + s
    ),
)


def _check_baseten_endpoint(endpoint: Endpoint, expected_id: str | None) -> None:
    parts = urlsplit(endpoint.base_url)
    assert parts.scheme == "https"
    assert parts.username is None
    assert parts.password is None
    assert parts.port is None
    assert not parts.query
    assert not parts.fragment
    if endpoint.kind == "model_api":
        assert parts.hostname == "inference.baseten.co"
        assert parts.path == "/v1"
        return
    assert endpoint.kind == "dedicated"
    host_match = re.fullmatch(
        r"model-([a-z0-9]{8})(-[a-z0-9-]+)?\.api\.baseten\.co", parts.hostname or ""
    )
    assert host_match is not None, endpoint.base_url
    if expected_id is not None:
        assert host_match.group(1) == expected_id
    assert SAFE_PATH.fullmatch(parts.path), parts.path


@SETTINGS
@given(
    model=names,
    environment=names,
    deployment_id=names,
    route=st.sampled_from(["auto", "model_api", "dedicated"]),
)
def test_model_strings_only_reach_baseten_hosts(
    model: str | None, environment: str | None, deployment_id: str | None, route: str
) -> None:
    try:
        endpoint = resolve_endpoint(
            model,
            route=route,  # type: ignore[arg-type]
            environment=environment,
            deployment_id=deployment_id,
        )
    except BasetenRoutingError:
        return
    assert model is not None
    name = model.removeprefix("baseten/")
    _check_baseten_endpoint(endpoint, name.lower() if endpoint.kind == "dedicated" else None)


@SETTINGS
@given(host=url_parts, path=url_paths, suffix=st.sampled_from(["", "/", "?x=1", "#f", "\n"]))
def test_model_urls_only_reach_the_deployment_host(host: str, path: str, suffix: str) -> None:
    try:
        endpoint = resolve_endpoint(None, model_url=host + path + suffix)
    except BasetenRoutingError:
        return
    _check_baseten_endpoint(endpoint, "abcd1234")


@SETTINGS
@given(
    base_url=st.sampled_from(["http://127.0.0.1:8000/v1", "https://gw.example.com/v1/"]),
    model=names,
)
def test_base_url_is_used_exactly(base_url: str, model: str | None) -> None:
    try:
        endpoint = resolve_endpoint(model, base_url=base_url)
    except BasetenRoutingError:
        return
    assert endpoint.kind == "custom"
    assert endpoint.base_url == base_url.rstrip("/")
