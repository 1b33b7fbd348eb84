"""Locks a forked child can always take: each one is replaced in the child.

A process that forks while another of its threads holds a lock gives the child
a copy of that lock, held by a thread the child does not have: the child's
first attempt to take it hangs forever (gunicorn ``--preload``, Celery and
multiprocessing's ``fork`` start method fork from processes with threads).
Every lock the package owns is a :class:`ForkSafeLock`; ``os.register_at_fork``
gives each a new, free lock in the child. What the locks guard stays as it was:
the thread that held one was between two bytecodes of a dict or list update,
so the data is whole, and the caches that hold parent-only objects (pools,
clients) are replaced in the child by their own modules (``_http.pools``).
"""

from __future__ import annotations

import os
import threading
import weakref
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from types import TracebackType

__all__ = ["ForkSafeLock", "live_locks"]


class ForkSafeLock:
    """A ``threading.Lock`` replaced by a free one in a forked child."""

    __slots__ = ("__weakref__", "_lock")

    def __init__(self) -> None:
        """A free lock, registered to be replaced after a fork."""
        self._lock = threading.Lock()
        _LOCKS.add(self)

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:  # noqa: FBT001, FBT002 - threading.Lock's signature
        """Take the lock (as ``threading.Lock.acquire``)."""
        return self._lock.acquire(blocking, timeout)

    def release(self) -> None:
        """Release the lock."""
        self._lock.release()

    def locked(self) -> bool:
        """Whether the lock is held."""
        return self._lock.locked()

    def __enter__(self) -> bool:
        """Take the lock."""
        return self._lock.acquire()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Release the lock."""
        self._lock.release()

    def _replace(self) -> None:
        self._lock = threading.Lock()


_LOCKS: weakref.WeakSet[ForkSafeLock] = weakref.WeakSet()


def live_locks() -> list[ForkSafeLock]:
    """Every fork-safe lock alive now."""
    return list(_LOCKS)


def _replace_every_lock() -> None:
    for lock in list(_LOCKS):
        lock._replace()


os.register_at_fork(after_in_child=_replace_every_lock)
