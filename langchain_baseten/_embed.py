"""The embeddings request path's settings and decoding: batch sizes, vectors, checks on them.

Kept apart from the model class (its fields and endpoint resolution) so the
hot path can be read, tested and measured on its own; checking texts,
planning batches and running them live in :mod:`langchain_baseten._batches`.
``bench/embeddings.py`` measures it against Baseten's Rust Performance Client
and the openai client.

Where the time goes for a pure-Python client (20,000 short texts, 1024
dimensions): JSON numbers cost about ten times more to parse than base64
float32, so base64 is asked for by default; a base64 vector is decoded with
one call (pybase64's SIMD decoder with the ``performance`` extra, else
``binascii``) and one ``memoryview.tolist()`` (no per-float Python code); and
requests are large enough (32 inputs) that the per-request cost of
the HTTP client stays small next to decoding.
"""

from __future__ import annotations

import binascii
import functools
import math
import sys
from array import array
from typing import TYPE_CHECKING, Any

from langchain_baseten._batches import shown

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = [
    "DEFAULT_BATCH_SIZE",
    "DEFAULT_MAX_CHARS_PER_REQUEST",
    "DEFAULT_MAX_CONCURRENCY",
    "MAX_CONCURRENCY_LIMIT",
    "BadVectorsError",
    "decode_base64",
    "decode_vectors",
    "pick_base64_decoder",
]

#: Inputs per request. Hugging Face TEI (which Baseten uses for architectures BEI
#: does not cover) refuses more than 32 inputs per request by default
#: (``--max-client-batch-size``); BEI batches dynamically on the server, so it
#: gains nothing from larger requests, and the client spends less per input
#: than with the Performance Client's 8.
DEFAULT_BATCH_SIZE = 32
#: Characters per request, as the Performance Client's ``max_chars_per_request``
#: (8,000): long texts make smaller requests instead of huge ones.
DEFAULT_MAX_CHARS_PER_REQUEST = 8000
#: Requests in flight at once for one call: enough to keep several replicas
#: busy (the Performance Client allows 256, with batches a quarter of ours).
DEFAULT_MAX_CONCURRENCY = 64
#: The upper bound accepted for ``max_concurrency`` (threads for sync calls).
MAX_CONCURRENCY_LIMIT = 1024

_NATIVE_LITTLE_ENDIAN = sys.byteorder == "little"


# ---------------------------------------------------------------- decoding


class BadVectorsError(ValueError):
    """A response's vectors are unusable; the message says why (without the batch)."""


def _nonfinite_positions(vector: list[float]) -> list[int]:
    return [i for i, x in enumerate(vector) if not math.isfinite(x)]


def _strict_binascii(value: str) -> bytes:
    return binascii.a2b_base64(value, strict_mode=True)


def pick_base64_decoder() -> Callable[[str], bytes]:
    """pybase64's SIMD decoder when it is installed (the ``performance`` extra), else binascii.

    Both refuse text that is not base64: binascii's strict mode, and pybase64
    with ``validate=True``, which is at least as strict (it also refuses
    padding after a complete group). pybase64 is several times faster
    (bench/README.md, "Figures behind the code").
    """
    try:
        import pybase64  # noqa: PLC0415 - optional
    except ImportError:
        return _strict_binascii
    return functools.partial(pybase64.b64decode, validate=True)


#: The decoder every base64 vector goes through (chosen once per process).
decode_base64: Callable[[str], bytes] = pick_base64_decoder()


def _from_base64(value: str, position: int) -> list[float]:
    try:
        raw = decode_base64(value)
    except (binascii.Error, ValueError) as exc:
        msg = f"has an embedding for input {position} that is neither numbers nor valid base64"
        raise BadVectorsError(msg) from exc
    if not raw or len(raw) % 4:
        msg = (
            f"has a base64 embedding of {len(raw)} bytes for input {position}, "
            "not a whole number of float32 values"
        )
        raise BadVectorsError(msg)
    # NaN and infinity are the only float32 values whose top byte is 0x7F/0xFF with
    # the next byte's high bit set; finite values that large (>= 2**127) are rare, so
    # the exact check runs only when a top byte of 0x7F or 0xFF appears at all.
    top = raw[3::4] if _NATIVE_LITTLE_ENDIAN else raw[0::4]
    suspicious = b"\x7f" in top or b"\xff" in top
    if _NATIVE_LITTLE_ENDIAN:
        vector: list[float] = memoryview(raw).cast("f").tolist()  # type: ignore[assignment]
    else:  # pragma: no cover - big-endian machines only
        values = array("f", raw)
        values.byteswap()
        vector = values.tolist()
    if suspicious and (bad := _nonfinite_positions(vector)):
        msg = f"has NaN or infinite values in the embedding for input {position} (at {shown(bad)})"
        raise BadVectorsError(msg)
    return vector


def _from_numbers(value: list[Any], position: int) -> list[float]:
    try:
        total = sum(value)
    except TypeError:
        total = None
    if not isinstance(total, (int, float)):
        msg = f"has an embedding for input {position} that is not a list of numbers"
        raise BadVectorsError(msg)
    # JSON's true and false are no numbers, though Python's bool is an int and sums.
    if bool in set(map(type, value)):
        msg = f"has an embedding for input {position} with booleans (true/false), not numbers"
        raise BadVectorsError(msg)
    if not math.isfinite(total) and (bad := _nonfinite_positions(value)):
        msg = f"has NaN or infinite values in the embedding for input {position} (at {shown(bad)})"
        raise BadVectorsError(msg)
    return value


def _one_vector(item: Any, position: int) -> list[float]:
    value = item.get("embedding") if isinstance(item, dict) else None
    if isinstance(value, str):
        return _from_base64(value, position)
    if isinstance(value, list) and value:
        return _from_numbers(value, position)
    msg = f"has no usable vector for input {position}"
    raise BadVectorsError(msg)


def _in_input_order(data: list[Any], count: int) -> list[Any]:
    if len(data) != count:
        msg = f"holds {len(data)} embeddings for {count} inputs"
        raise BadVectorsError(msg)
    indexes = [item.get("index") for item in data]
    if all(index is None for index in indexes):
        return data
    if sorted(i if type(i) is int else -1 for i in indexes) != list(range(count)):
        msg = f"has indexes {indexes[:20]}, not 0..{count - 1} once each"
        raise BadVectorsError(msg)
    ordered: list[Any] = [None] * count
    for item in data:
        ordered[item["index"]] = item
    return ordered


def decode_vectors(payload: dict[str, Any], count: int, length: int | None) -> list[list[float]]:
    """The vectors of one ``/embeddings`` answer, in input order, checked.

    Accepts base64 float32 or JSON numbers per item (a server that ignores
    ``encoding_format`` answers with numbers), items in any order when they
    carry an ``index``.

    Args:
        payload: The decoded JSON answer.
        count: How many inputs the request had.
        length: The length every vector must have (``None``: the first one's).

    Raises:
        BadVectorsError: For a missing or malformed ``data`` list, a count or
            index mismatch, values that are not numbers, NaN or infinity, or
            vectors of different lengths.
    """
    data = payload.get("data")
    if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
        msg = "has no 'data' list of embedding objects"
        raise BadVectorsError(msg)
    items = _in_input_order(data, count)
    vectors = [_one_vector(item, position) for position, item in enumerate(items)]
    expected = length if length is not None else len(vectors[0]) if vectors else 0
    wrong = [position for position, vector in enumerate(vectors) if len(vector) != expected]
    if wrong:
        sizes = sorted({len(vectors[p]) for p in wrong})
        msg = (
            f"has vectors of different lengths: {expected} values expected, "
            f"{', '.join(map(str, sizes))} for inputs at {shown(wrong)}"
        )
        raise BadVectorsError(msg)
    return vectors
