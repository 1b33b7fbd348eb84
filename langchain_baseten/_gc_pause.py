"""A scoped, thread-safe pause of the cyclic garbage collector during an embeddings call.

Decoding builds one list per vector; lists are tracked by the cyclic
collector (their floats are not), and young collections triggered while
thousands of 1024-value lists are built walk them again as they age. With the
collector paused for the whole call, the first young collection after it walks
each new list once (measured: bench/README.md, "Figures behind the code").
Pausing per response instead saves nothing: the young collection runs as soon
as the pause ends. While a call runs, cyclic garbage of other threads or
tasks waits for the end of the call (reference counting still frees the rest).

The pause is shared by the threads decoding at once: the first one in
disables the collector only if it was enabled, the last one out enables it
again, and only if the pause disabled it. A program that disabled the
collector itself keeps it disabled. A child forked while a call runs starts
with the pause ended (the threads in it stayed in the parent).

When the pause ends, the objects made during it go straight to the oldest
generation (``gc.freeze()`` then ``gc.unfreeze()``: two list splices, no
walk), where a young collection would have walked every new vector list
once, and the next middle collection again, before moving them there anyway.
The caller's later collections do not walk the vectors again (figures:
bench/README.md, "Figures behind the code"). They are walked by the next full
collection, as any old object is. Cyclic garbage other threads made during the
call moves too and is freed by that full collection instead of a young one. A
program that froze objects itself (``gc.freeze()``, e.g. before forking
workers) keeps them frozen: the move is skipped while anything is frozen (a
``gc.freeze()`` in another thread in the instant between the two calls would
be undone; programs freeze at start-up, before embedding).
"""

from __future__ import annotations

import gc
import os
from typing import TYPE_CHECKING

from langchain_baseten._forksafe import ForkSafeLock

if TYPE_CHECKING:
    from types import TracebackType

__all__ = ["GC_PAUSE"]


def _to_oldest_generation() -> None:
    """Move every tracked object into the oldest generation without walking it.

    Skipped while the program has objects of its own frozen: ``gc.unfreeze()``
    would thaw them.
    """
    if gc.get_freeze_count() == 0:
        gc.freeze()
        gc.unfreeze()


class _Pause:
    __slots__ = ("_depth", "_lock", "_we_disabled")

    def __init__(self) -> None:
        self._lock = ForkSafeLock()
        self._depth = 0
        self._we_disabled = False

    def __enter__(self) -> None:
        with self._lock:
            if self._depth == 0 and gc.isenabled():
                gc.disable()
                self._we_disabled = True
            self._depth += 1

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        with self._lock:
            self._depth -= 1
            if self._depth == 0 and self._we_disabled:
                self._we_disabled = False
                _to_oldest_generation()
                gc.enable()

    def forget_parent_threads(self) -> None:
        """In a forked child: the parent's threads inside the pause are gone; end it."""
        if self._we_disabled:
            gc.enable()
        self._depth = 0
        self._we_disabled = False


#: ``with GC_PAUSE:`` around building vectors (re-entrant across threads, not a lock).
GC_PAUSE = _Pause()
os.register_at_fork(after_in_child=GC_PAUSE.forget_parent_threads)
