"""The request path of ``BasetenEmbeddings``: batches, concurrency, decoding and checks.

Kept apart from the model class (its fields and endpoint resolution) so the
hot path can be read, tested and measured on its own. ``bench/embeddings.py``
measures it against Baseten's Rust Performance Client and the openai client.

Where the time goes for a pure-Python client (20,000 short texts, 1024
dimensions): JSON numbers cost about ten times more to parse than base64
float32, so base64 is asked for by default; a base64 vector is decoded with
one call (pybase64's SIMD decoder with the ``performance`` extra, else
``binascii``) and one ``memoryview.tolist()`` (no per-float Python code); and
requests are large enough (32 inputs) that the per-request cost of
the HTTP client stays small next to decoding.
"""

from __future__ import annotations

import asyncio
import binascii
import contextlib
import functools
import itertools
import math
import sys
import threading
from array import array
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from langchain_baseten._forksafe import ForkSafeLock

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Sequence

__all__ = [
    "DEFAULT_BATCH_SIZE",
    "DEFAULT_MAX_CHARS_PER_REQUEST",
    "DEFAULT_MAX_CONCURRENCY",
    "BadVectorsError",
    "Batch",
    "check_texts",
    "decode_base64",
    "decode_vectors",
    "pick_base64_decoder",
    "plan_batches",
    "run_async",
    "run_async_in_thread",
    "run_sync",
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
_SHOWN_POSITIONS = 10


@dataclass(frozen=True, slots=True)
class Batch:
    """One request's worth of inputs: their texts and where they start in the call."""

    number: int
    """0-based index of the batch in the call."""
    start: int
    """Position of the first text in the call's input list."""
    texts: list[str]

    @property
    def stop(self) -> int:
        """Position after the last text."""
        return self.start + len(self.texts)

    def describe(self, total_batches: int) -> str:
        """E.g. ``batch 4 of 20 (inputs 96 to 127)``."""
        last = self.stop - 1
        where = f"input {self.start}" if last == self.start else f"inputs {self.start} to {last}"
        return f"batch {self.number + 1} of {total_batches} ({where})"


def _shown(positions: list[int]) -> str:
    more = " ..." if len(positions) > _SHOWN_POSITIONS else ""
    return ", ".join(str(p) for p in positions[:_SHOWN_POSITIONS]) + more


def _not_utf8(text: str) -> bool:
    if text.isascii():
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def check_texts(texts: Sequence[str]) -> None:
    """Reject what no embeddings server accepts, before any request is sent.

    Raises:
        TypeError: For a single string or items that are not strings.
        ValueError: For empty strings or text that is not valid UTF-8.
    """
    if isinstance(texts, str):
        msg = "embed_documents takes a list of strings, not one string; use embed_query."
        raise TypeError(msg)
    bad = [index for index, text in enumerate(texts) if not isinstance(text, str)]
    if bad:
        msg = f"Every input must be a string; items at positions {_shown(bad)} are not."
        raise TypeError(msg)
    empty = [index for index, text in enumerate(texts) if not text]
    if empty:
        msg = (
            f"Cannot embed empty strings (at positions {_shown(empty)}): OpenAI-compatible "
            "embedding servers reject them. Filter them out before embedding."
        )
        raise ValueError(msg)
    broken = [index for index, text in enumerate(texts) if _not_utf8(text)]
    if broken:
        msg = (
            f"Cannot embed texts at positions {_shown(broken)}: they contain lone surrogates, "
            "which are not valid UTF-8 (text decoded with errors='surrogateescape' or half "
            "of an emoji). Re-decode or clean them before embedding. Nothing was sent."
        )
        raise ValueError(msg)


def plan_batches(texts: Sequence[str], batch_size: int, max_chars: int) -> list[Batch]:
    """Split ``texts`` into batches of at most ``batch_size`` texts and ``max_chars`` characters.

    A text longer than ``max_chars`` goes alone in its own batch (the server
    truncates or rejects it; it is never split here). Order is kept.
    """
    batches: list[Batch] = []
    current: list[str] = []
    start = 0
    chars = 0
    for position, text in enumerate(texts):
        if current and (len(current) >= batch_size or chars + len(text) > max_chars):
            batches.append(Batch(len(batches), start, current))
            current, start, chars = [], position, 0
        current.append(text)
        chars += len(text)
    if current:
        batches.append(Batch(len(batches), start, current))
    return batches


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
        msg = f"has NaN or infinite values in the embedding for input {position} (at {_shown(bad)})"
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
        msg = f"has NaN or infinite values in the embedding for input {position} (at {_shown(bad)})"
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
            f"{', '.join(map(str, sizes))} for inputs at {_shown(wrong)}"
        )
        raise BadVectorsError(msg)
    return vectors


# ---------------------------------------------------------------- running batches


class Progress(Protocol):
    """What the runners need of a progress bar (``tqdm`` has it)."""

    def update(self, n: int) -> Any:
        """Advance by ``n`` inputs."""


def _failed(batch: Batch, total: int, exc: BaseException) -> BaseException:
    """Add which inputs failed to the error's message, keeping its class."""
    if getattr(exc, "baseten_batch", None) is not None:
        return exc
    note = f"Embeddings {batch.describe(total)} failed; no other batch was sent again."
    message = str(exc.args[0]) if exc.args and isinstance(exc.args[0], str) else str(exc)
    new_message = f"{message} [{note}]"
    exc.args = (new_message, *exc.args[1:])
    if hasattr(exc, "message"):
        exc.message = new_message
    try:
        exc.baseten_batch = range(batch.start, batch.stop)  # type: ignore[attr-defined]
    except AttributeError:  # pragma: no cover - exceptions with __slots__
        exc.add_note(note)
    return exc


@dataclass
class _Run:
    """Shared state of one call's workers."""

    batches: list[Batch]
    progress: Progress | None
    results: list[list[list[float]] | None]
    error: BaseException | None = None

    def failed(self, batch: Batch, exc: BaseException) -> None:
        if self.error is None:
            self.error = _failed(batch, len(self.batches), exc)

    def vectors(self) -> list[list[float]]:
        return [vector for result in self.results if result is not None for vector in result]


def _run_in_order(run: _Run, embed: Callable[[Batch], list[list[float]]]) -> None:
    for batch in run.batches:
        try:
            run.results[batch.number] = embed(batch)
        except Exception as exc:
            _failed(batch, len(run.batches), exc)
            raise
        if run.progress is not None:
            run.progress.update(len(batch.texts))


#: How often a waiting caller wakes up to notice Ctrl-C (see :func:`_wait_interruptibly`).
_WAKE_SECONDS = 0.05


def _wait_interruptibly(event: threading.Event) -> None:
    """Wait for ``event`` in short slices, so that Ctrl-C is raised at once.

    A signal handler installed with ``SA_RESTART`` (as Rust's signal crates do,
    e.g. baseten-performance-client's, chaining to Python's) restarts an
    untimed wait instead of interrupting it: Python would only raise
    ``KeyboardInterrupt`` when the event is set.
    """
    while not event.wait(_WAKE_SECONDS):
        pass


class _Threads:
    """Daemon threads that take the next batch until none is left or one fails."""

    def __init__(self, run: _Run, embed: Callable[[Batch], list[list[float]]]) -> None:
        self.run = run
        self.embed = embed
        self.numbers = iter(range(len(run.batches)))
        self.lock = ForkSafeLock()
        self.done = threading.Event()
        self.remaining = len(run.batches)

    def _next(self) -> Batch | None:
        with self.lock:
            number = next(self.numbers, None)
        return None if number is None or self.done.is_set() else self.run.batches[number]

    def _finished(self, batch: Batch) -> None:
        with self.lock:
            self.remaining -= 1
            if self.run.progress is not None:
                self.run.progress.update(len(batch.texts))
            if self.remaining == 0:
                self.done.set()

    def work(self) -> None:
        while (batch := self._next()) is not None:
            try:
                self.run.results[batch.number] = self.embed(batch)
            except Exception as exc:  # noqa: BLE001 - raised in the caller's thread
                with self.lock:
                    self.run.failed(batch, exc)
                self.done.set()
                return
            self._finished(batch)

    def start_and_wait(self, workers: int) -> None:
        for index in range(workers):
            threading.Thread(target=self.work, name=f"baseten-embed-{index}", daemon=True).start()
        try:
            _wait_interruptibly(self.done)
        finally:
            self.done.set()  # on KeyboardInterrupt too: no new batch starts


def run_sync(
    batches: list[Batch],
    embed: Callable[[Batch], list[list[float]]],
    concurrency: int,
    progress: Progress | None = None,
) -> list[list[float]]:
    """Embed every batch with up to ``concurrency`` daemon threads; vectors in input order.

    The first failure stops the call: no further batch is started and the error
    (naming the batch's positions) is raised at once, as is ``KeyboardInterrupt``
    in the calling thread, without waiting for requests in flight (their threads
    are daemons: they end with their request, or with the process).
    """
    run = _Run(batches, progress, [None] * len(batches))
    workers = min(concurrency, len(batches))
    if workers <= 1:
        _run_in_order(run, embed)
    else:
        _Threads(run, embed).start_and_wait(workers)
    if run.error is not None:
        raise run.error
    return run.vectors()


async def run_async(
    batches: list[Batch],
    embed: Callable[[Batch], Awaitable[list[list[float]]]],
    concurrency: int,
    progress: Progress | None = None,
    *,
    halted: threading.Event | None = None,
) -> list[list[float]]:
    """Async twin of :func:`run_sync`: up to ``concurrency`` worker tasks.

    On the first failure, or when the call itself is cancelled, every worker is
    cancelled (requests in flight are abandoned, not awaited to completion) and
    the workers' ends are awaited, so no task outlives the call. ``halted``, set
    from another thread, stops workers from starting a further batch even before
    the cancellation reaches this loop.
    """
    run = _Run(batches, progress, [None] * len(batches))
    numbers = itertools.count()
    stop = asyncio.Event()

    def next_number() -> int:
        return len(batches) if halted is not None and halted.is_set() else next(numbers)

    async def work() -> None:
        while (number := next_number()) < len(batches):
            batch = batches[number]
            try:
                run.results[number] = await embed(batch)
            except Exception as exc:  # noqa: BLE001 - raised by the caller below
                run.failed(batch, exc)
                stop.set()
                return
            if progress is not None:
                progress.update(len(batch.texts))

    workers = [asyncio.ensure_future(work()) for _ in range(min(concurrency, len(batches)))]
    stopper = asyncio.ensure_future(stop.wait())
    pending: set[asyncio.Future[Any]] = set(workers)
    try:
        while pending and not stop.is_set():
            _, pending = await asyncio.wait(
                pending | {stopper}, return_when=asyncio.FIRST_COMPLETED
            )
            pending.discard(stopper)
    finally:
        # Cancelled, not awaited to completion: a worker ends at its next await point,
        # abandoning its request; waiting for that takes one turn of the loop or two.
        for task in (*workers, stopper):
            task.cancel()
        await asyncio.wait([*workers, stopper])
    if run.error is not None:
        raise run.error
    return run.vectors()


def run_async_in_thread(
    batches: list[Batch],
    embed: Callable[[Batch], Awaitable[list[list[float]]]],
    concurrency: int,
    progress: Progress | None = None,
) -> list[list[float]]:
    """:func:`run_async` on an event loop of its own in one daemon thread, for sync callers.

    Used when requests release the GIL while they run (the Rust backend): one
    thread with ``concurrency`` tasks costs less than ``concurrency`` threads
    taking turns at the GIL. As with :func:`run_sync`, the first failure is
    raised in the calling thread, and ``KeyboardInterrupt`` there cancels the
    call and is raised at once, without waiting for requests in flight.
    """
    outcome: list[Any] = []
    running: list[tuple[asyncio.AbstractEventLoop, asyncio.Task[Any]]] = []
    done = threading.Event()
    halted = threading.Event()

    async def call() -> list[list[float]]:
        task = asyncio.current_task()
        if task is not None:
            running.append((asyncio.get_running_loop(), task))
        return await run_async(batches, embed, concurrency, progress, halted=halted)

    def main() -> None:
        try:
            outcome.append(("value", asyncio.run(call())))
        except BaseException as exc:  # noqa: BLE001 - raised in the caller's thread
            outcome.append(("error", exc))
        finally:
            done.set()

    thread = threading.Thread(target=main, name="baseten-embed-loop", daemon=True)
    try:
        thread.start()  # Ctrl-C can arrive while start() waits for the thread: inside the try
        _wait_interruptibly(done)
    except BaseException:
        halted.set()  # no further batch starts, whenever the loop gets to the cancellation
        for loop, task in running:  # not yet started: the thread ends with its first batch
            with contextlib.suppress(RuntimeError):  # the loop has already closed
                loop.call_soon_threadsafe(task.cancel)
        raise
    kind, value = outcome[0]
    if kind == "error":
        raise value
    return value  # type: ignore[no-any-return]
