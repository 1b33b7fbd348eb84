"""JSON text to values: ``json.loads``, faster where orjson reads the text to the same value.

Used for every stream event (:mod:`langchain_baseten._sse`) and every plain
answer body (:mod:`langchain_baseten._http.transport`). An integer longer than
Python converts raises :class:`JSONNumberError` instead of a bare ``ValueError``.
"""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["JSONNumberError", "json_loads"]


def _fast_json() -> tuple[Callable[[str | bytes], Any], type[Exception]] | None:
    """The ``loads`` and error class of orjson, where installed (a declared CPython dependency).

    About three times faster than ``json.loads`` on a chat chunk. It reads JSON
    to the same values, except integers beyond 64 bits (read as floats: such
    texts are left to ``json``), and refuses a few texts ``json`` takes (``NaN``,
    ``1e400``, lone surrogates), which ``json`` then decides.
    """
    try:
        import orjson  # noqa: PLC0415 - optional: PyPy has no wheel
    except ImportError:  # pragma: no cover - PyPy
        return None
    return orjson.loads, orjson.JSONDecodeError


_FAST_JSON = _fast_json()
# orjson reads an integer beyond 64 bits as a float (json keeps it exact): text with a
# run of 20 ASCII digits (perhaps such an integer, perhaps just text) is left to json.
# Found by mapping every digit to "0" and searching for 20 zeros: much faster than a
# regex on an embeddings answer of base64 vectors and on a chunk (bench/README.md,
# "Figures behind the code"). UTF-8 encodes
# nothing but the digits themselves with bytes 0x30-0x39.
_DIGITS_TO_ZERO = bytes.maketrans(b"123456789", b"000000000")
_LONG_DIGIT_RUN = b"0" * 20


def _has_long_digit_run(text: str | bytes) -> bool:
    raw = text.encode(errors="surrogatepass") if isinstance(text, str) else text
    return _LONG_DIGIT_RUN in raw.translate(_DIGITS_TO_ZERO)


class JSONNumberError(json.JSONDecodeError):
    """JSON with an integer too long for Python to read (over ``sys.get_int_max_str_digits()``)."""


def json_loads(text: str | bytes) -> Any:
    """``json.loads``, faster: orjson where it reads ``text`` to the same value.

    Raises:
        json.JSONDecodeError, UnicodeDecodeError, RecursionError: As ``json.loads``
            does, with its wording.
        JSONNumberError: For an integer of more digits than Python converts (4300
            by default), which ``json.loads`` reports as a bare ``ValueError``.
    """
    if _FAST_JSON is not None and not _has_long_digit_run(text):
        fast_loads, fast_error = _FAST_JSON
        try:
            return fast_loads(text)
        except fast_error:
            pass  # refused (or not JSON): json decides, and words any error, as before
    try:
        return json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise
    except ValueError:  # "Exceeds the limit (4300 digits) for integer string conversion"
        msg = (
            f"an integer of more than {sys.get_int_max_str_digits()} digits, "
            "which no real answer holds"
        )
        doc = text if isinstance(text, str) else text.decode(errors="replace")
        raise JSONNumberError(msg, doc[:200], 0) from None
