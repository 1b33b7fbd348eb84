"""A corpus of any size through ``BasetenEmbeddings``, with bounded memory.

Two shapes, both in input order, both resumable after a failure:

* :func:`stream_batches` / :func:`astream_batches` (behind
  ``BasetenEmbeddings.embed_stream`` / ``aembed_stream``): texts are read
  lazily from any iterable, sent in batches concurrently, and yielded as
  :class:`EmbeddedBatch` objects in input order. At most ``max_pending``
  batches are started and not yet yielded at any time, so memory holds at
  most that many batches of texts and vectors, whatever the corpus size.
* :func:`add_in_windows` / :func:`aadd_in_windows`: feed any LangChain
  ``VectorStore`` through its own ``add_documents``/``add_texts`` (the store
  calls the embeddings), one window of ``window_size`` items at a time. This
  is what ``langchain_core.indexing.index`` does with ``batch_size``; use
  ``index()`` with a ``RecordManager`` when the store should also skip what it
  already holds across runs.

After a failure (a batch still failing after its ``max_retries``), the error
is raised with its class unchanged, carrying ``baseten_resume_from``: the
position of the first input that was not delivered. Calling again with
``start=`` that position (and the same input) skips, without sending them,
the inputs before it: no finished batch or window is sent again.
"""

from __future__ import annotations

import asyncio
import collections
import concurrent.futures
import contextlib
import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from langchain_core.documents import Document

from langchain_baseten._batches import Batch, not_utf8

if TYPE_CHECKING:
    from collections.abc import (
        AsyncGenerator,
        AsyncIterable,
        AsyncIterator,
        Awaitable,
        Callable,
        Iterable,
        Iterator,
    )

    from langchain_core.vectorstores import VectorStore

    from langchain_baseten._batches import Progress

__all__ = [
    "DEFAULT_WINDOW_SIZE",
    "EmbeddedBatch",
    "aadd_in_windows",
    "abatches_from",
    "add_in_windows",
    "astream_batches",
    "batches_from",
    "check_stream_input",
    "progress_bar",
    "stream_batches",
]

#: Items per ``add_documents`` call in :func:`add_in_windows`: enough for 32
#: requests of 32 inputs at once; about 35 MB of 1024-dimension vectors as lists.
DEFAULT_WINDOW_SIZE = 1024


@dataclass(frozen=True, slots=True)
class EmbeddedBatch:
    """One batch of a stream: its texts, their vectors, and where it sits in the input."""

    start: int
    """Position of the first text in the whole input (counting skipped ones)."""
    texts: list[str]
    vectors: list[list[float]]

    @property
    def stop(self) -> int:
        """Position after the last text: pass it as ``start=`` to resume after this batch."""
        return self.start + len(self.texts)

    def pairs(self) -> list[tuple[str, list[float]]]:
        """``(text, vector)`` pairs, as ``add_embeddings`` of FAISS-like stores takes them."""
        return list(zip(self.texts, self.vectors, strict=True))


# ---------------------------------------------------------------- reading the input


def _check_text(text: object, position: int) -> str:
    if not isinstance(text, str):
        kind = type(text).__name__
        msg = f"Every input must be a string; the item at position {position} is {kind}."
        raise TypeError(msg)
    if not text:
        msg = (
            f"Cannot embed an empty string (at position {position}): OpenAI-compatible "
            "embedding servers reject them. Filter them out before embedding."
        )
        raise ValueError(msg)
    if not_utf8(text):
        msg = (
            f"Cannot embed the text at position {position}: it contains lone surrogates, "
            "which are not valid UTF-8. Re-decode or clean it before embedding."
        )
        raise ValueError(msg)
    return text


def check_stream_input(texts: object, start: int) -> None:
    """Refuse one string (not an iterable of texts) and a negative ``start``."""
    if isinstance(texts, str):
        msg = "embed_stream takes an iterable of strings, not one string; use embed_query."
        raise TypeError(msg)
    if start < 0:
        msg = f"start must be 0 or more (the position to resume from), not {start}."
        raise ValueError(msg)


class _Batcher:
    """Cuts checked texts into batches of at most ``batch_size`` texts and ``max_chars`` chars."""

    def __init__(self, batch_size: int, max_chars: int, start: int) -> None:
        self.batch_size = batch_size
        self.max_chars = max_chars
        self.number = 0
        self.position = start
        self.first = start
        self.current: list[str] = []
        self.chars = 0

    def add(self, text: object) -> Batch | None:
        """Take the next text; return the batch it closed, if any."""
        checked = _check_text(text, self.position)
        closed = None
        if self.current and (
            len(self.current) >= self.batch_size or self.chars + len(checked) > self.max_chars
        ):
            closed = self.flush()
        self.current.append(checked)
        self.chars += len(checked)
        self.position += 1
        return closed

    def flush(self) -> Batch | None:
        """The batch being built, if it has any text."""
        if not self.current:
            return None
        batch = Batch(self.number, self.first, self.current)
        self.number += 1
        self.first, self.current, self.chars = self.position, [], 0
        return batch


def batches_from(
    texts: Iterable[str], batch_size: int, max_chars: int, start: int
) -> Iterator[Batch]:
    """Lazily cut ``texts`` (after skipping ``start`` of them) into batches, checking each text.

    Reads at most one text beyond the batch it yields.
    """
    batcher = _Batcher(batch_size, max_chars, start)
    iterator = iter(texts)
    for _ in range(start):
        if next(iterator, _END) is _END:
            return
    for text in iterator:
        if (closed := batcher.add(text)) is not None:
            yield closed
    if (last := batcher.flush()) is not None:
        yield last


async def abatches_from(
    texts: Iterable[str] | AsyncIterable[str], batch_size: int, max_chars: int, start: int
) -> AsyncIterator[Batch]:
    """:func:`batches_from` over a sync or async iterable."""
    if not hasattr(texts, "__aiter__"):
        for batch in batches_from(texts, batch_size, max_chars, start):
            yield batch
        return
    batcher = _Batcher(batch_size, max_chars, start)
    skipped = 0
    async for text in texts:
        if skipped < start:
            skipped += 1
            continue
        if (closed := batcher.add(text)) is not None:
            yield closed
    if (last := batcher.flush()) is not None:
        yield last


_END = object()


# ---------------------------------------------------------------- failures


def _resumable(exc: BaseException, first: int, stop: int, what: str) -> None:
    """Say in the error (message and attributes) where to resume; keep its class."""
    if getattr(exc, "baseten_resume_from", None) is not None:
        return
    last = stop - 1
    where = f"input {first}" if last == first else f"inputs {first} to {last}"
    note = (
        f"Embedding the {what} of {where} failed; every input before position {first} "
        f"was delivered. Resume with start={first} (nothing before it is sent again)."
    )
    if isinstance(getattr(exc, "message", None), str):  # the openai SDK's errors
        message = str(exc.args[0]) if exc.args and isinstance(exc.args[0], str) else str(exc)
        exc.args = (f"{message} [{note}]", *exc.args[1:])
        exc.message = exc.args[0]  # type: ignore[attr-defined]
    else:  # any other error keeps its arguments; the note shows in its traceback
        exc.add_note(note)
    with contextlib.suppress(AttributeError):  # exceptions with __slots__ have the note only
        exc.baseten_resume_from = first  # type: ignore[attr-defined]
        exc.baseten_batch = range(first, stop)  # type: ignore[attr-defined]


# ---------------------------------------------------------------- streaming batches


def stream_batches(
    batches: Iterator[Batch],
    send: Callable[[Batch], list[list[float]]],
    max_pending: int,
    progress: Progress | None = None,
) -> Iterator[EmbeddedBatch]:
    """Send ``batches`` from a pool of ``max_pending`` threads; yield them in input order.

    At most ``max_pending`` batches are started and not yet yielded at any time
    (the next one is read from ``batches`` only when one has been yielded). On a
    failure the batches still pending are cancelled (those already sent are
    abandoned, not waited for) and the error is raised with ``baseten_resume_from``.
    Closing the generator early does the same, without an error.
    """
    pool = concurrent.futures.ThreadPoolExecutor(max_pending, thread_name_prefix="baseten-stream")
    pending: collections.deque[tuple[Batch, concurrent.futures.Future[list[list[float]]]]]
    pending = collections.deque()
    try:
        for batch in batches:
            if len(pending) >= max_pending:
                yield _delivered(*pending.popleft(), progress)
            pending.append((batch, pool.submit(send, batch)))
        while pending:
            yield _delivered(*pending.popleft(), progress)
    finally:
        for _, future in pending:
            future.cancel()
        pool.shutdown(wait=False, cancel_futures=True)


def _delivered(
    batch: Batch, future: concurrent.futures.Future[list[list[float]]], progress: Progress | None
) -> EmbeddedBatch:
    try:
        vectors = future.result()
    except Exception as exc:
        _resumable(exc, batch.start, batch.stop, "batch")
        raise
    if progress is not None:
        progress.update(len(batch.texts))
    return EmbeddedBatch(batch.start, batch.texts, vectors)


async def astream_batches(
    batches: AsyncIterator[Batch],
    send: Callable[[Batch], Awaitable[list[list[float]]]],
    max_pending: int,
    progress: Progress | None = None,
) -> AsyncGenerator[EmbeddedBatch]:
    """Async twin of :func:`stream_batches`: one task per pending batch on the caller's loop.

    Cancelling or closing the stream cancels the pending tasks and awaits their
    ends, so no task outlives it.
    """
    pending: collections.deque[tuple[Batch, asyncio.Task[list[list[float]]]]]
    pending = collections.deque()
    try:
        async for batch in batches:
            if len(pending) >= max_pending:
                yield await _adelivered(*pending.popleft(), progress)
            pending.append((batch, asyncio.ensure_future(send(batch))))
        while pending:
            yield await _adelivered(*pending.popleft(), progress)
    finally:
        tasks = [task for _, task in pending]
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks)


async def _adelivered(
    batch: Batch, task: asyncio.Task[list[list[float]]], progress: Progress | None
) -> EmbeddedBatch:
    try:
        vectors = await task
    except Exception as exc:
        _resumable(exc, batch.start, batch.stop, "batch")
        raise
    if progress is not None:
        progress.update(len(batch.texts))
    return EmbeddedBatch(batch.start, batch.texts, vectors)


# ---------------------------------------------------------------- vector stores


def _check_windows(items: object, window_size: int, start: int) -> None:
    if isinstance(items, (str, Document)):
        msg = "add_in_windows takes an iterable of texts or Documents, not a single one."
        raise TypeError(msg)
    if window_size < 1 or start < 0:
        msg = f"window_size must be 1 or more and start 0 or more, not {window_size} and {start}."
        raise ValueError(msg)


def _windows(
    items: Iterable[str | Document], window_size: int, start: int
) -> Iterator[tuple[int, list[str | Document]]]:
    _check_windows(items, window_size, start)
    iterator = iter(items)
    for _ in range(start):
        if next(iterator, _END) is _END:
            return
    first = start
    window: list[str | Document] = []
    for item in iterator:
        window.append(item)
        if len(window) == window_size:
            yield first, window
            first, window = first + window_size, []
    if window:
        yield first, window


def _split(window: list[str | Document], first: int) -> tuple[list[str], list[Document] | None]:
    """The texts of a window, and its Documents when it holds Documents only."""
    if all(isinstance(item, Document) for item in window):
        documents: list[Document] = window  # type: ignore[assignment]
        return [d.page_content for d in documents], documents
    bad = next((i for i, item in enumerate(window) if not isinstance(item, str)), None)
    if bad is not None:
        msg = (
            f"add_in_windows takes texts or Documents, not a mix of them or other objects: "
            f"the item at position {first + bad} is {type(window[bad]).__name__}."
        )
        raise TypeError(msg)
    return window, None  # type: ignore[return-value]


def progress_bar(total: int | None, *, unit: str = "text") -> Progress:
    """A ``tqdm`` bar (``tqdm.auto``), with a clear error when tqdm is missing."""
    try:
        tqdm_auto = importlib.import_module("tqdm.auto")  # optional dependency
    except ImportError as exc:
        msg = "show_progress_bar=True needs the tqdm package: pip install tqdm"
        raise ImportError(msg) from exc
    return tqdm_auto.tqdm(total=total, unit=unit, desc="Embedding")  # type: ignore[no-any-return]


def add_in_windows(
    vector_store: VectorStore,
    items: Iterable[str] | Iterable[Document],
    *,
    window_size: int = DEFAULT_WINDOW_SIZE,
    start: int = 0,
    progress: Progress | None = None,
    **kwargs: Any,
) -> int:
    """Add texts or Documents to ``vector_store``, ``window_size`` at a time, in order.

    Each window goes through the store's own ``add_documents`` (for Documents,
    keeping their ``id``) or ``add_texts``, which embeds it with the store's
    embeddings (a ``BasetenEmbeddings`` sends the window's batches concurrently,
    each retried on its own). Only one window of items and vectors is held at a
    time, whatever the size of ``items``; a generator is read as it goes.

    Args:
        vector_store: Any LangChain ``VectorStore``.
        items: Texts or Documents (not a mix), e.g. a generator over files.
        window_size: Items per ``add_documents``/``add_texts`` call.
        start: Skip this many items first (read, not added): the
            ``baseten_resume_from`` of a failed run, with the same ``items``.
        progress: A progress bar advanced by the items of each window added,
            e.g. ``tqdm(total=n, initial=start)`` (anything with ``update(n)``).
        **kwargs: Passed to every ``add_documents``/``add_texts`` call.

    Returns:
        The position after the last item added (``start`` plus how many were added).

    Raises:
        Exception: The store's or the embeddings' error, class unchanged, with
            ``baseten_resume_from`` (the failed window's first position): every
            item before it was added; ``start=`` that position resumes.
    """
    position = start
    for first, window in _windows(items, window_size, start):
        texts, documents = _split(window, first)
        try:
            if documents is not None:
                vector_store.add_documents(documents, **kwargs)
            else:
                vector_store.add_texts(texts, **kwargs)
        except Exception as exc:
            _resumable(exc, first, first + len(window), "window")
            raise
        position = first + len(window)
        if progress is not None:
            progress.update(len(window))
    return position


async def aadd_in_windows(
    vector_store: VectorStore,
    items: Iterable[str] | Iterable[Document] | AsyncIterable[str] | AsyncIterable[Document],
    *,
    window_size: int = DEFAULT_WINDOW_SIZE,
    start: int = 0,
    progress: Progress | None = None,
    **kwargs: Any,
) -> int:
    """Async twin of :func:`add_in_windows` (``aadd_documents``/``aadd_texts``).

    ``items`` may also be an async iterable.
    """
    position = start
    async for first, window in _awindows(items, window_size, start):
        texts, documents = _split(window, first)
        try:
            if documents is not None:
                await vector_store.aadd_documents(documents, **kwargs)
            else:
                await vector_store.aadd_texts(texts, **kwargs)
        except Exception as exc:
            _resumable(exc, first, first + len(window), "window")
            raise
        position = first + len(window)
        if progress is not None:
            progress.update(len(window))
    return position


async def _awindows(
    items: Iterable[Any] | AsyncIterable[Any], window_size: int, start: int
) -> AsyncIterator[tuple[int, list[Any]]]:
    if not hasattr(items, "__aiter__"):
        for numbered in _windows(items, window_size, start):
            yield numbered
        return
    _check_windows(items, window_size, start)
    first, skipped = start, 0
    window: list[Any] = []
    async for item in items:
        if skipped < start:
            skipped += 1
            continue
        window.append(item)
        if len(window) == window_size:
            yield first, window
            first, window = first + window_size, []
    if window:
        yield first, window
