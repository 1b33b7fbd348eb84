"""Every cassette, bodies decoded, is free of keys and Authorization values."""

from __future__ import annotations

import base64
import contextlib
import gzip
import os
import re
from typing import TYPE_CHECKING, Any

import pytest
import yaml

from tests.recording import CASSETTE_DIR, SECRET_HEADERS

if TYPE_CHECKING:
    from pathlib import Path

CASSETTES = sorted(CASSETTE_DIR.rglob("*.yaml"))

# Bearer/Api-Key credentials, and the shape of Baseten keys (8 chars, a dot, 32 chars).
SECRET_PATTERNS = [
    re.compile(r"(?i)\b(bearer|api-key)\s+[A-Za-z0-9._\-]{8,}"),
    re.compile(r"\b[A-Za-z0-9]{8}\.[A-Za-z0-9]{32}\b"),
    re.compile(r"\bsk-[A-Za-z0-9_\-]{16,}"),
]


def _decoded_texts(value: Any) -> list[str]:
    """All strings in a cassette value, with bytes/base64/gzip bodies decoded."""
    if isinstance(value, dict):
        return [text for item in value.values() for text in _decoded_texts(item)] + [
            str(key) for key in value
        ]
    if isinstance(value, list):
        return [text for item in value for text in _decoded_texts(item)]
    if isinstance(value, bytes):
        raw = gzip.decompress(value) if value[:2] == b"\x1f\x8b" else value
        return [raw.decode("utf-8", errors="replace")]
    if isinstance(value, str):
        texts = [value]
        with contextlib.suppress(ValueError):
            texts.append(base64.b64decode(value, validate=True).decode("utf-8", errors="replace"))
        return texts
    return []


def test_there_are_cassettes_to_scan() -> None:
    assert CASSETTES, f"no cassettes found under {CASSETTE_DIR}"


@pytest.mark.parametrize("path", CASSETTES, ids=lambda p: str(p.relative_to(CASSETTE_DIR)))
def test_cassette_has_no_secrets(path: Path) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) if path.suffix == ".yaml" else None
    assert data is not None
    for interaction in data["interactions"]:
        for part in ("request", "response"):
            headers = {name.lower() for name in (interaction[part].get("headers") or {})}
            assert not headers & set(SECRET_HEADERS), f"{path}: secret header in {part}"
    texts = _decoded_texts(data)
    live_key = os.environ.get("BASETEN_API_KEY")
    for text in texts:
        for pattern in SECRET_PATTERNS:
            assert not pattern.search(text), f"{path}: looks like a credential: {pattern.pattern}"
        if live_key and len(live_key) >= 8:
            assert live_key not in text, f"{path}: contains the BASETEN_API_KEY value"
