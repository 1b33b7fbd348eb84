"""The base64 decoders behind ``decode_vectors``: pybase64 (``performance`` extra) and binascii.

The test environment installs pybase64, so every other embeddings test runs
with it; here both decoders decode the same answers, refuse the same garbage
with the same message, and pybase64 is shown to accept nothing binascii's
strict mode refuses.
"""

from __future__ import annotations

import base64
import binascii
import builtins
import math
import struct
from typing import TYPE_CHECKING, Any

import pybase64
import pytest
from hypothesis import given
from hypothesis import strategies as st

from langchain_baseten import _embed

if TYPE_CHECKING:
    from collections.abc import Callable

DECODERS: dict[str, Callable[[str], bytes]] = {
    "pybase64": lambda text: pybase64.b64decode(text, validate=True),
    "binascii": lambda text: binascii.a2b_base64(text, strict_mode=True),
}


@pytest.fixture(params=list(DECODERS))
def decoder(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run the test once with each decoder in ``_embed``."""
    monkeypatch.setattr(_embed, "decode_base64", DECODERS[request.param])
    return str(request.param)


def answer(*embeddings: Any) -> dict[str, Any]:
    return {"data": [{"index": i, "embedding": e} for i, e in enumerate(embeddings)]}


def packed(values: list[float]) -> str:
    return base64.b64encode(struct.pack(f"<{len(values)}f", *values)).decode()


def test_pybase64_is_the_decoder_when_installed_and_binascii_otherwise(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    chosen = _embed.pick_base64_decoder()
    assert chosen(packed([1.5])) == struct.pack("<f", 1.5)
    assert getattr(chosen, "func", None) is pybase64.b64decode
    real_import = builtins.__import__

    def no_pybase64(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "pybase64":
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pybase64)
    fallback = _embed.pick_base64_decoder()
    assert fallback is _embed._strict_binascii
    assert fallback(packed([1.5])) == struct.pack("<f", 1.5)


@pytest.mark.usefixtures("decoder")
def test_vectors_are_bit_exact_with_either_decoder() -> None:
    edges = [0.0, -0.0, 1e-45, -1e-45, 1.17549435e-38, 3.4028234e38, -3.4028234e38, 0.1, -2.5]
    wide = [float(i) / 7 for i in range(1024)]
    for vectors in ([edges, edges[::-1]], [wide, wide[::-1]]):
        want = [list(struct.unpack(f"<{len(v)}f", struct.pack(f"<{len(v)}f", *v))) for v in vectors]
        got = _embed.decode_vectors(answer(*map(packed, vectors)), 2, None)
        assert got == want
    got = _embed.decode_vectors(answer(packed(edges)), 1, None)
    assert math.copysign(1.0, got[0][1]) == -1.0  # the sign of -0.0 kept


@pytest.mark.usefixtures("decoder")
@pytest.mark.parametrize(
    "text",
    [
        "%%%",  # not the alphabet
        "AAA",  # an incomplete group
        "=AAA",  # padding first
        "AA=A",  # padding inside a group
        "AAAA AAAA",  # whitespace
        "AAAé",  # not ASCII
        "AAAA\n",  # a line break (MIME style)
    ],
)
def test_text_that_is_not_base64_is_refused_the_same_way(text: str) -> None:
    with pytest.raises(_embed.BadVectorsError, match="neither numbers nor valid base64"):
        _embed.decode_vectors(answer(text), 1, None)


@pytest.mark.usefixtures("decoder")
def test_nan_and_bytes_that_are_not_whole_floats_are_refused() -> None:
    with pytest.raises(_embed.BadVectorsError, match=r"NaN or infinite .* input 0 \(at 1\)"):
        _embed.decode_vectors(answer(packed([0.5, math.nan])), 1, None)
    with pytest.raises(_embed.BadVectorsError, match="base64 embedding of 3 bytes"):
        _embed.decode_vectors(answer("AAAA"), 1, None)


@given(st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-_ ."))
def test_pybase64_accepts_nothing_that_strict_binascii_refuses(text: str) -> None:
    try:
        fast = DECODERS["pybase64"](text)
    except ValueError:  # binascii.Error is a ValueError
        return
    assert DECODERS["binascii"](text) == fast
