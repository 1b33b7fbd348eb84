"""Thread-safe maps for what the package shares: an LRU with a size bound, a weak map.

:class:`WeakCache` holds what models share only while a model uses it: the
endpoints and transports of instances with equal connection fields
(:mod:`langchain_baseten._http.settings`), the clients and connection pools
(:mod:`langchain_baseten._http.pools`), so a dropped model's pool closes.
:class:`LruCache` keeps the few most recently used pools open for models yet
to come.
Pure lookups of immutable results use ``functools.cache``/``lru_cache`` instead
(the per-call endpoint of a ``model=`` override, the shipped data files); a
model's derived endpoint and transport live in its own one-entry
``settings.DerivedCache``.
"""

from __future__ import annotations

import weakref
from collections import OrderedDict
from typing import TYPE_CHECKING, Generic, TypeVar

from langchain_baseten._forksafe import ForkSafeLock

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["LruCache", "WeakCache"]

K = TypeVar("K")
V = TypeVar("V")


class LruCache(Generic[K, V]):
    """A thread-safe map keeping the ``size`` most recently used items."""

    def __init__(self, size: int) -> None:
        """Keep at most ``size`` items."""
        self._size = size
        self._items: OrderedDict[K, V] = OrderedDict()
        self._lock = ForkSafeLock()

    def get_or_create(self, key: K, factory: Callable[[], V]) -> V:
        """The value for ``key``, made by ``factory`` on a miss (the oldest item goes).

        Args:
            key: The key.
            factory: Makes the value on a miss (called under the lock, once per miss).

        Returns:
            The cached or new value.
        """
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
            value = factory()
            self._items[key] = value
            if len(self._items) > self._size:
                self._items.popitem(last=False)
            return value

    def take_all(self) -> list[V]:
        """Remove and return every value.

        Returns:
            The values, oldest first.
        """
        with self._lock:
            values = list(self._items.values())
            self._items.clear()
            return values


class WeakCache(Generic[K, V]):
    """A thread-safe map whose values stay only while something else references them."""

    def __init__(self) -> None:
        """Start empty."""
        self._items: weakref.WeakValueDictionary[K, V] = weakref.WeakValueDictionary()
        self._lock = ForkSafeLock()

    def get_or_create(self, key: K, factory: Callable[[], V]) -> V:
        """The live value for ``key``, made by ``factory`` when there is none.

        Args:
            key: The key.
            factory: Makes the value (called under the lock, once per miss).

        Returns:
            The live or new value (the caller's reference keeps it alive).
        """
        with self._lock:
            value: V | None = self._items.get(key)
            if value is None:
                value = factory()
                self._items[key] = value
            return value

    def take_all(self) -> list[V]:
        """Remove and return every live value.

        Returns:
            The values.
        """
        with self._lock:
            values = list(self._items.values())
            self._items.clear()
            return values
