"""Shared connection pools: one per endpoint and key, fork-safe, closed with their loop.

Clients are shared so that building a model costs nothing, but sharing is
bounded by what is safe:

* **Per endpoint and key.** Each (scheme, host, port, API key,
  ``max_connections``) gets its own ``httpx2`` pool with its own connection
  limit, so a tenant (key) or endpoint that fills its pool with slow streams
  makes only its own requests wait, never another key's or host's. All pools
  share one SSL context (building one is costly: bench/README.md, "Figures behind
  the code").
* **Per process.** ``os.register_at_fork`` gives a forked child fresh, empty
  caches: a child never sends a request on a keep-alive connection its parent
  opened (both would read each other's answers from the one socket). The
  parent's objects are kept, unused and unclosed, in the child: closing them
  there could send a TLS close_notify on the parent's live connection.
* **Held by the models using them.** A model's transport holds its client,
  the client its pool; the caches here hold pools and clients weakly, plus
  the :data:`RECENT_POOLS` most recently used pools (per process, per loop)
  for models yet to come. A pool nothing holds any more is collected and
  its connections closed (sync: at once; async: by a task on its loop, if it
  still runs), so short-lived tenant models do not pile up sockets.
* **Per event loop** for async pools (an async connection cannot outlive its
  loop). A loop's pools are closed while that loop shuts down
  (``asyncio.run``, ``asyncio.Runner`` and pytest-asyncio call
  ``loop.shutdown_asyncgens()``, which closes a small async generator each
  loop entry keeps for this purpose): every live pool of the loop, also those
  models still hold. A loop closed without that step leaves its pools to
  :func:`close_clients` or the garbage collector.

:func:`close_clients` / :func:`aclose_clients` close every live pool, also
those of live models (a later request builds new pools); call them at
shutdown or between tests.
"""

from __future__ import annotations

import asyncio
import os
import weakref
from contextlib import suppress
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import httpx2

from langchain_baseten._forksafe import ForkSafeLock
from langchain_baseten._http.shared_maps import LruCache, WeakCache

if TYPE_CHECKING:
    import ssl
    from collections.abc import AsyncGenerator, Callable, Hashable

    import openai

__all__ = [
    "LoopShare",
    "PoolKey",
    "ProcessShare",
    "aclose_clients",
    "close_clients",
    "current_loop_share",
    "current_share",
    "shared_async_client",
    "shared_sync_client",
]

#: Pools kept open, per process and per loop, after the last model using them is gone
#: (the most recently used ones): a model built per request finds its connections.
RECENT_POOLS = 8
#: Idle keep-alive connections a pool keeps at most.
MAX_KEEPALIVE = 100


@dataclass(frozen=True, slots=True)
class PoolKey:
    """What gives a request its own pool: the endpoint's origin, the key, the limit."""

    origin: str
    api_key: str = field(repr=False)
    max_connections: int

    @classmethod
    def for_url(cls, base_url: str, api_key: str, max_connections: int) -> PoolKey:
        """The pool key for requests to ``base_url`` (its scheme, host and port)."""
        url = httpx2.URL(base_url)
        return cls(f"{url.scheme}://{url.host}:{url.port}", api_key, max_connections)

    @property
    def limits(self) -> httpx2.Limits:
        """The pool's limits: ``max_connections`` in use, up to 100 of them kept idle."""
        return httpx2.Limits(
            max_connections=self.max_connections,
            max_keepalive_connections=min(self.max_connections, MAX_KEEPALIVE),
        )


def _new_sync_pool(key: PoolKey, ssl_context: ssl.SSLContext) -> httpx2.Client:
    """A sync pool whose connections are closed once nothing uses it any more.

    A pool evicted from the cache may still serve instances holding its client;
    ``weakref.finalize`` closes its transport (its sockets) when the last of
    them is gone, instead of leaving them to the garbage collector.
    """
    from langchain_baseten._http import pool_reuse, sockets  # noqa: PLC0415 - import httpcore2, see below

    transport = httpx2.HTTPTransport(verify=ssl_context, limits=key.limits)
    sockets.install(transport)  # the attempt's deadline bounds every read
    pool_reuse.install(transport)  # no reuse of a connection with bytes after its answer
    pool = httpx2.Client(
        transport=transport, verify=ssl_context, limits=key.limits, follow_redirects=False
    )
    weakref.finalize(pool, transport.close).atexit = False
    return pool


def _new_async_pool(
    key: PoolKey, ssl_context: ssl.SSLContext, loop: weakref.ref[asyncio.AbstractEventLoop]
) -> httpx2.AsyncClient:
    """An async pool whose connections close on ``loop`` once nothing uses it any more.

    Its reads end at the attempt's deadline and its idle probes are cheap (``_http.sockets``).
    """
    from langchain_baseten._http import pool_reuse, sockets  # noqa: PLC0415 - import httpcore2, as async pools do

    transport = httpx2.AsyncHTTPTransport(verify=ssl_context, limits=key.limits)
    sockets.install(transport)
    pool_reuse.install(transport)
    pool = httpx2.AsyncClient(
        transport=transport, verify=ssl_context, limits=key.limits, follow_redirects=False
    )
    weakref.finalize(pool, _aclose_on_loop, loop, transport).atexit = False
    return pool


#: Closings of collected async pools under way (the loop keeps only weak references).
_closing: set[asyncio.Task[None]] = set()


def _aclose_on_loop(
    loop_ref: weakref.ref[asyncio.AbstractEventLoop], transport: httpx2.AsyncHTTPTransport
) -> None:
    """Close a collected async pool's connections on its loop, if that loop still runs.

    Called by the garbage collector (in any thread). A loop already closed took
    its pools' connections with it (see :class:`LoopShare`).
    """
    loop = loop_ref()
    if loop is None or loop.is_closed():
        return

    def start() -> None:
        task = loop.create_task(transport.aclose())
        _closing.add(task)
        task.add_done_callback(_closing.discard)

    with suppress(RuntimeError):  # the loop closed meanwhile
        loop.call_soon_threadsafe(start)


class LoopShare:
    """The async pools and clients of one event loop, closed when the loop shuts down."""

    def __init__(self, loop: asyncio.AbstractEventLoop, share: ProcessShare) -> None:
        """Start the generator the loop closes at shutdown (see the module docstring)."""
        self.loop_ref = weakref.ref(loop)
        self._share = share
        # Every live pool (held by clients) and the few most recently used ones.
        self.pools: WeakCache[PoolKey, httpx2.AsyncClient] = WeakCache()
        self.recent_pools: LruCache[PoolKey, httpx2.AsyncClient] = LruCache(RECENT_POOLS)
        self.clients: WeakCache[Hashable, openai.AsyncOpenAI] = WeakCache()
        self._loop_gone = False
        self._closer = self._close_at_loop_shutdown()
        # Run it to its first ``yield`` now (no await happens before it): from then
        # on the running loop tracks it and closes it in shutdown_asyncgens().
        with suppress(StopIteration):
            self._closer.__anext__().send(None)

    def pool(self, key: PoolKey) -> httpx2.AsyncClient:
        """This loop's pool for ``key``."""
        ssl_context = self._share.ssl_context
        return self.recent_pools.get_or_create(
            key,
            lambda: self.pools.get_or_create(
                key, lambda: _new_async_pool(key, ssl_context(), self.loop_ref)
            ),
        )

    def is_stale(self) -> bool:
        """Whether the loop is gone or closed (its connections are unusable)."""
        loop = self.loop_ref()
        return loop is None or loop.is_closed()

    async def aclose(self) -> None:
        """Close every live pool of this loop (on this loop), those models still hold too."""
        self.clients.take_all()
        self.recent_pools.take_all()
        for pool in self.pools.take_all():
            await pool.aclose()

    def forget(self) -> None:
        """Drop a stale loop's pools: its loop cannot run their ``aclose`` any more.

        The generator is closed here (synchronously: it skips the await) so that
        garbage collection does not ask the closed loop to finalise it.
        """
        self.clients.take_all()
        self.recent_pools.take_all()
        self.pools.take_all()
        self.stop_closer()

    def stop_closer(self) -> None:
        """Close the generator without awaiting anything (its loop cannot run it)."""
        self._loop_gone = True
        with suppress(StopIteration, StopAsyncIteration, RuntimeError):
            self._closer.aclose().send(None)

    async def _close_at_loop_shutdown(self) -> AsyncGenerator[None]:
        try:
            yield
        finally:
            if not self._loop_gone:
                await self.aclose()
            self._share.drop_loop(self)


class ProcessShare:
    """Every pool and client this process shares; a forked child gets a new one."""

    def __init__(self) -> None:
        """Empty: pools and clients are built on first use."""
        self.pid = os.getpid()
        self._lock = ForkSafeLock()
        self._ssl_context: ssl.SSLContext | None = None
        # Every live pool (held by clients) and the few most recently used ones.
        self.sync_pools: WeakCache[PoolKey, httpx2.Client] = WeakCache()
        self.recent_sync_pools: LruCache[PoolKey, httpx2.Client] = LruCache(RECENT_POOLS)
        self.sync_clients: WeakCache[Hashable, openai.OpenAI] = WeakCache()
        self.loops: dict[int, LoopShare] = {}

    def ssl_context(self) -> ssl.SSLContext:
        """The one SSL context every pool of this process uses (built on first use)."""
        if self._ssl_context is None:
            with self._lock:
                if self._ssl_context is None:
                    self._ssl_context = httpx2.create_ssl_context()
        return self._ssl_context

    def sync_pool(self, key: PoolKey) -> httpx2.Client:
        """The process-wide pool for ``key``."""
        return self.recent_sync_pools.get_or_create(
            key,
            lambda: self.sync_pools.get_or_create(
                key, lambda: _new_sync_pool(key, self.ssl_context())
            ),
        )

    def loop_share(self) -> LoopShare:
        """The running loop's pools and clients (created on first use)."""
        loop = asyncio.get_running_loop()
        entry = self.loops.get(id(loop))
        if entry is not None and entry.loop_ref() is loop:
            return entry
        with self._lock:
            for stale in [e for e in self.loops.values() if e.is_stale()]:
                self.drop_loop(stale)
                stale.forget()
            entry = LoopShare(loop, self)
            self.loops[id(loop)] = entry
            return entry

    def drop_loop(self, entry: LoopShare) -> None:
        """Forget a loop's entry (if it is still the registered one)."""
        for key, registered in list(self.loops.items()):
            if registered is entry:
                del self.loops[key]

    def close_sync(self) -> None:
        """Close every live sync pool; forget async pools of closed loops."""
        self.sync_clients.take_all()
        self.recent_sync_pools.take_all()
        for pool in self.sync_pools.take_all():
            pool.close()
        for entry in list(self.loops.values()):
            if entry.is_stale():
                self.drop_loop(entry)
                entry.forget()


_share = ProcessShare()
#: A forked child's copies of its parent's objects: never used and never closed.
_inherited: list[ProcessShare] = []


def _forget_parent_clients() -> None:
    """After ``fork()``, in the child: start from empty caches (see the module docstring)."""
    global _share  # noqa: PLW0603 - replaced wholesale so no parent object is reachable
    _inherited.append(_share)
    for entry in list(_share.loops.values()):
        # The parent's loops do not run here: a generator left open would ask one of
        # them to finalise it when the child exits. Its pools stay untouched.
        entry.stop_closer()
    _share = ProcessShare()


os.register_at_fork(after_in_child=_forget_parent_clients)


def current_share() -> ProcessShare:
    """The pools of this process now (a new object after a fork or :func:`close_clients`)."""
    return _share


def shared_sync_client(
    key: Hashable, pool_key: PoolKey, build: Callable[[httpx2.Client], openai.OpenAI]
) -> openai.OpenAI:
    """The process-wide client for ``key``, built by ``build`` on its endpoint's pool."""
    share = _share
    return share.sync_clients.get_or_create(key, lambda: build(share.sync_pool(pool_key)))


def current_loop_share() -> LoopShare:
    """The running loop's pools and clients (a new object after :func:`aclose_clients`).

    A caller may keep a client it got from :func:`shared_async_client` for as long
    as this returns the same object: the client's pool is open until then.
    """
    return _share.loop_share()


def shared_async_client(
    key: Hashable,
    pool_key: PoolKey,
    build: Callable[[httpx2.AsyncClient], openai.AsyncOpenAI],
    entry: LoopShare | None = None,
) -> openai.AsyncOpenAI:
    """The running loop's client for ``key``, built by ``build`` on its endpoint's pool.

    ``entry``: the running loop's :func:`current_loop_share`, if the caller has it.
    """
    share = _share.loop_share() if entry is None else entry
    return share.clients.get_or_create(key, lambda: build(share.pool(pool_key)))


def close_clients() -> None:
    """Close the connection pools this package shares (sync ones; see :func:`aclose_clients`).

    Call it at shutdown, or between tests, when no request is in flight: a
    request still running on a closed pool fails. Later requests build new
    pools. Async pools belong to their event loop and are closed when it shuts
    down (``asyncio.run`` does this) or by :func:`aclose_clients`; this function
    only forgets those of loops that are already closed.

    Example:
        .. code-block:: python

            import atexit

            import langchain_baseten

            atexit.register(langchain_baseten.close_clients)
    """
    global _share
    old, _share = _share, ProcessShare()
    old.close_sync()
    _share.loops = {k: e for k, e in old.loops.items() if not e.is_stale()}
    for entry in _share.loops.values():
        entry._share = _share  # noqa: SLF001 - the entry now belongs to the new share


async def aclose_clients() -> None:
    """Close the running event loop's connection pools and the sync ones.

    Example:
        .. code-block:: python

            async def main() -> None:
                try:
                    await llm.ainvoke("hi")
                finally:
                    await langchain_baseten.aclose_clients()
    """
    entry = _share.loops.get(id(asyncio.get_running_loop()))
    if entry is not None:
        _share.drop_loop(entry)
        await entry.aclose()
    close_clients()
