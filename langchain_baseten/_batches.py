"""Batches of texts for embeddings, rerank and classification: checks, plans, runs.

One owner for what ``BasetenEmbeddings`` (both backends), ``BasetenRerank`` and
``BasetenClassifier`` do alike before and around their requests:

* checking the texts before anything is sent (:func:`check_strings`,
  :func:`check_embeddable`, :func:`check_count`);
* planning batches by count and characters, each knowing its positions in the
  call (:func:`plan_batches`, :class:`Batch`);
* running them with bounded concurrency (:class:`BatchRunner`), sync
  (``run_sync``, daemon threads; ``run_async_in_thread``, one event loop in one
  thread) and async (``run_async``, worker tasks): results in input order, the first failure
  stops the call (no further batch starts), and Ctrl-C or cancellation returns
  at once without waiting for requests in flight.

What a batch's request sends and how its answer is read stays with the caller
(``work``: one batch in, one result per text out).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import sys
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

from langchain_baseten._forksafe import ForkSafeLock

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Sequence

__all__ = [
    "Batch",
    "BatchRunner",
    "Progress",
    "check_count",
    "check_embeddable",
    "check_strings",
    "not_utf8",
    "plan_batches",
    "shown",
]

_SHOWN_POSITIONS = 10

_R = TypeVar("_R")


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


# ---------------------------------------------------------------- checks


def shown(positions: list[int]) -> str:
    """The first positions of a list, comma-separated, `` ...`` when there are more."""
    more = " ..." if len(positions) > _SHOWN_POSITIONS else ""
    return ", ".join(str(p) for p in positions[:_SHOWN_POSITIONS]) + more


def not_utf8(text: str) -> bool:
    """Whether ``text`` cannot be encoded as UTF-8 (it holds lone surrogates)."""
    if text.isascii():
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def check_strings(texts: Sequence[str], one_string: str) -> None:
    """Reject one string passed for a list, and items that are not strings.

    Args:
        texts: What the caller passed.
        one_string: The message when ``texts`` is a single string (it names the method).

    Raises:
        TypeError: For a single string or items that are not strings.
    """
    if isinstance(texts, str):
        raise TypeError(one_string)
    bad = [index for index, text in enumerate(texts) if not isinstance(text, str)]
    if bad:
        msg = f"Every input must be a string; items at positions {shown(bad)} are not."
        raise TypeError(msg)


def check_embeddable(texts: Sequence[str]) -> None:
    """Reject what no embeddings server accepts: empty strings and text that is not UTF-8.

    Raises:
        ValueError: For empty strings or text that is not valid UTF-8.
    """
    empty = [index for index, text in enumerate(texts) if not text]
    if empty:
        msg = (
            f"Cannot embed empty strings (at positions {shown(empty)}): OpenAI-compatible "
            "embedding servers reject them. Filter them out before embedding."
        )
        raise ValueError(msg)
    broken = [index for index, text in enumerate(texts) if not_utf8(text)]
    if broken:
        msg = (
            f"Cannot embed texts at positions {shown(broken)}: they contain lone surrogates, "
            "which are not valid UTF-8 (text decoded with errors='surrogateescape' or half "
            "of an emoji). Re-decode or clean them before embedding. Nothing was sent."
        )
        raise ValueError(msg)


def check_count(texts: Sequence[str], limit: int) -> None:
    """Reject more than ``limit`` texts in one rerank or classify call (``max_texts``).

    Raises:
        ValueError: For more than ``limit`` texts.
    """
    if len(texts) > limit:
        msg = (
            f"{len(texts):,} texts in one call is more than max_texts={limit:,}. Rerank a "
            "shortlist (the top hits of a retriever), or raise max_texts= if you mean it."
        )
        raise ValueError(msg)


# ---------------------------------------------------------------- planning


def plan_batches(
    texts: Sequence[str], batch_size: int, max_chars: int | None = None
) -> list[Batch]:
    """Split ``texts`` into batches of at most ``batch_size`` texts and ``max_chars`` characters.

    A text longer than ``max_chars`` goes alone in its own batch (the server
    truncates or rejects it; it is never split here). Order is kept.
    ``max_chars=None``: by count only.
    """
    limit = sys.maxsize if max_chars is None else max_chars
    batches: list[Batch] = []
    current: list[str] = []
    start = 0
    chars = 0
    for position, text in enumerate(texts):
        if current and (len(current) >= batch_size or chars + len(text) > limit):
            batches.append(Batch(len(batches), start, current))
            current, start, chars = [], position, 0
        current.append(text)
        chars += len(text)
    if current:
        batches.append(Batch(len(batches), start, current))
    return batches


# ---------------------------------------------------------------- running


class Progress(Protocol):
    """What the runners need of a progress bar (``tqdm`` has it)."""

    def update(self, n: int) -> Any:
        """Advance by ``n`` inputs."""


def _failed(batch: Batch, total: int, exc: BaseException, label: str | None) -> BaseException:
    """Add which inputs failed to the error's message, keeping its class (``label=None``: as is)."""
    if label is None or getattr(exc, "baseten_batch", None) is not None:
        return exc
    note = f"{label} {batch.describe(total)} failed; no other batch was sent again."
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
class _Run(Generic[_R]):
    """Shared state of one call's workers."""

    batches: list[Batch]
    progress: Progress | None
    label: str | None
    results: list[list[_R] | None]
    error: BaseException | None = None

    def failed(self, batch: Batch, exc: BaseException) -> None:
        if self.error is None:
            self.error = _failed(batch, len(self.batches), exc, self.label)

    def flat(self) -> list[_R]:
        return [item for result in self.results if result is not None for item in result]


def _run_in_order(run: _Run[_R], work: Callable[[Batch], list[_R]]) -> None:
    for batch in run.batches:
        try:
            run.results[batch.number] = work(batch)
        except Exception as exc:
            _failed(batch, len(run.batches), exc, run.label)
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


class _Threads(Generic[_R]):
    """Daemon threads that take the next batch until none is left or one fails."""

    def __init__(self, run: _Run[_R], work: Callable[[Batch], list[_R]]) -> None:
        self.run = run
        self.work_on = work
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
                self.run.results[batch.number] = self.work_on(batch)
            except Exception as exc:  # noqa: BLE001 - raised in the caller's thread
                with self.lock:
                    self.run.failed(batch, exc)
                self.done.set()
                return
            self._finished(batch)

    def start_and_wait(self, workers: int, name: str) -> None:
        for index in range(workers):
            threading.Thread(target=self.work, name=f"baseten-{name}-{index}", daemon=True).start()
        try:
            _wait_interruptibly(self.done)
        finally:
            self.done.set()  # on KeyboardInterrupt too: no new batch starts


@dataclass(frozen=True, slots=True)
class BatchRunner:
    """How one call runs its batches: how many at once, and the names it gives.

    Results come back in input order. The first failure stops the call: no
    further batch is started and the error is raised at once, as is
    ``KeyboardInterrupt`` (or the call's cancellation), without waiting for
    requests in flight.
    """

    concurrency: int
    """Batches in flight at once."""
    name: str
    """Names the threads: ``baseten-{name}-{index}``, ``baseten-{name}-loop``."""
    label: str | None = None
    """Names the call in a failed batch's error, e.g. ``"Embeddings"``: ``[Embeddings batch
    2 of 5 (inputs 32 to 63) failed; ...]`` is added to its message and
    ``exc.baseten_batch`` holds the positions as a ``range``. ``None``: the error as raised."""
    progress: Progress | None = None
    """Told of each batch done."""

    def _run(self, batches: list[Batch]) -> _Run[Any]:
        return _Run(batches, self.progress, self.label, [None] * len(batches))

    def run_sync(self, batches: list[Batch], work: Callable[[Batch], list[_R]]) -> list[_R]:
        """Run every batch with up to ``concurrency`` daemon threads; results in input order.

        Requests in flight when the call stops are not waited for: their threads
        are daemons, which end with their request, or with the process.

        Args:
            batches: The planned batches.
            work: One batch's request: one result per text, in the batch's order.

        Returns:
            Every batch's results, flattened, in input order.
        """
        run: _Run[_R] = self._run(batches)
        workers = min(self.concurrency, len(batches))
        if workers <= 1:
            _run_in_order(run, work)
        else:
            _Threads(run, work).start_and_wait(workers, self.name)
        if run.error is not None:
            raise run.error
        return run.flat()

    async def run_async(
        self,
        batches: list[Batch],
        work: Callable[[Batch], Awaitable[list[_R]]],
        halted: threading.Event | None = None,
    ) -> list[_R]:
        """Async twin of :meth:`run_sync`: up to ``concurrency`` worker tasks.

        On the first failure, or when the call itself is cancelled, every worker is
        cancelled (requests in flight are abandoned, not awaited to completion) and
        the workers' ends are awaited, so no task outlives the call. ``halted``, set
        from another thread, stops workers from starting a further batch even before
        the cancellation reaches this loop.
        """
        run: _Run[_R] = self._run(batches)
        numbers = itertools.count()
        stop = asyncio.Event()
        progress = self.progress

        def next_number() -> int:
            return len(batches) if halted is not None and halted.is_set() else next(numbers)

        async def worker() -> None:
            while (number := next_number()) < len(batches):
                batch = batches[number]
                try:
                    run.results[number] = await work(batch)
                except Exception as exc:  # noqa: BLE001 - raised by the caller below
                    run.failed(batch, exc)
                    stop.set()
                    return
                if progress is not None:
                    progress.update(len(batch.texts))

        count = min(self.concurrency, len(batches))
        workers = [asyncio.ensure_future(worker()) for _ in range(count)]
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
        return run.flat()

    def run_async_in_thread(
        self, batches: list[Batch], work: Callable[[Batch], Awaitable[list[_R]]]
    ) -> list[_R]:
        """:meth:`run_async` on an event loop of its own in one daemon thread, for sync callers.

        Used when requests release the GIL while they run (the Rust backend): one
        thread with ``concurrency`` tasks costs less than ``concurrency`` threads
        taking turns at the GIL. As with :meth:`run_sync`, the first failure is
        raised in the calling thread, and ``KeyboardInterrupt`` there cancels the
        call and is raised at once, without waiting for requests in flight.
        """
        outcome: list[Any] = []
        running: list[tuple[asyncio.AbstractEventLoop, asyncio.Task[Any]]] = []
        done = threading.Event()
        halted = threading.Event()

        async def call() -> list[_R]:
            task = asyncio.current_task()
            if task is not None:
                running.append((asyncio.get_running_loop(), task))
            return await self.run_async(batches, work, halted)

        def main() -> None:
            try:
                outcome.append(("value", asyncio.run(call())))
            except BaseException as exc:  # noqa: BLE001 - raised in the caller's thread
                outcome.append(("error", exc))
            finally:
                done.set()

        thread = threading.Thread(target=main, name=f"baseten-{self.name}-loop", daemon=True)
        try:
            thread.start()  # Ctrl-C can arrive while start() waits for the thread: in the try
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
