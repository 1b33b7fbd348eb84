"""What the process-wide caches and pools share must keep each model's guarantees.

* Races: a thread setting ``api_key`` or ``base_url`` on a live model while
  another derives its transport never stores one key's transport under another
  key's cache entry (a fresh, never-mutated model sends its own key).
* Forks: a child forked while another thread holds one of the package's locks
  does not hang on it.
* Sockets: pools belong to the models using them; a dropped model's connections
  close, ``close_clients()`` closes every one, and ``asyncio.run`` closes the
  async ones of its loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import os
import re
import signal
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Self
from urllib.parse import urlsplit

import pytest
from pydantic import SecretStr

import langchain_baseten
from langchain_baseten import ChatBaseten
from langchain_baseten import testing as fb
from langchain_baseten._forksafe import live_locks
from langchain_baseten._http import pools, settings
from tests.local_models import CHAT_MODEL, KEY, chat_model, embeddings_model
from tests.polling import wait_for

if TYPE_CHECKING:
    from collections.abc import Callable

    from langchain_baseten._routing import Endpoint

# Slow (`make test-slow`, not `make test`): races, forks and many tenants on the shared pools.
pytestmark = pytest.mark.slow


def _settings(server: fb.FakeBaseten, **overrides: Any) -> dict[str, Any]:
    """What :func:`tests.local_models.chat_model` passes, for another class."""
    return {
        "model": CHAT_MODEL,
        "base_url": server.url("/v1"),
        "api_key": KEY,
        "max_retries": 0,
        **overrides,
    }


#: Generous bound for anything that must not hang.
HANG = 30.0
#: Rounds of the lockstep race (each poisoned the cache before the fix).
RACE_ROUNDS = 20


def _keys(prefix: str, count: int) -> list[str]:
    return [f"{prefix}-{n:04d}-0123456789abcdef" for n in range(count)]


class _Lockstep:
    """Makes a setattr land while another thread is inside a derivation, every round.

    The derivation calls the class's endpoint check (a documented hook) after
    reading the fields once; here that hook waits until the racing thread has
    set the field, so the window a free race hits now and then is hit each time.
    """

    def __init__(self) -> None:
        self.inside = threading.Event()
        self.moved = threading.Event()
        self.armed = False

    def pause(self) -> None:
        """In the deriving thread: let the setter in, wait (bounded) until it set the field."""
        if self.armed:
            self.armed = False
            self.inside.set()
            self.moved.wait(HANG)
            self.moved.clear()

    def set_field(self, assign: Callable[[], None]) -> None:
        """In the setting thread: wait (bounded) for the derivation to pause, then assign."""
        assert self.inside.wait(HANG)
        self.inside.clear()
        assign()
        self.moved.set()


class _PausingChat(ChatBaseten):
    """A ChatBaseten whose endpoint check pauses for the race's lockstep when armed."""

    lockstep: ClassVar[_Lockstep] = _Lockstep()

    def _check_endpoint(self, endpoint: Endpoint) -> None:
        self.lockstep.pause()


def _race_rounds(live: ChatBaseten, assignments: list[Callable[[], None]]) -> None:
    """Each round: derive ``live`` for new fields while the next assignment lands mid-way."""
    lockstep = _PausingChat.lockstep = _Lockstep()

    def set_each() -> None:
        for assign in assignments:
            lockstep.set_field(assign)

    setter = threading.Thread(target=set_each)
    setter.start()
    try:
        for _ in assignments:
            lockstep.armed = True
            live.endpoint  # noqa: B018 - derives (a cache miss: these fields are new)
    finally:
        lockstep.armed = False
        lockstep.inside.set()
        lockstep.moved.set()
        setter.join(HANG)
    assert not setter.is_alive()


def test_a_key_set_while_another_thread_derives_never_poisons_the_shared_cache(
    fake_baseten: fb.FakeBaseten,
) -> None:
    keys = _keys("race", RACE_ROUNDS + 1)
    live = _PausingChat(**_settings(fake_baseten, api_key=keys[0]))

    def assign(key: str) -> Callable[[], None]:
        return lambda: setattr(live, "api_key", SecretStr(key))

    # Round n: the derivation reads keys[n], then keys[n + 1] is set.
    live.api_key = SecretStr(keys[1])
    _race_rounds(live, [assign(key) for key in keys[2:]])
    sent = []
    for key in keys:
        _PausingChat(**_settings(fake_baseten, api_key=key)).invoke("hi")
        sent.append(fake_baseten.requests[-1].headers["authorization"])
    assert sent == [f"Bearer {key}" for key in keys]


def test_headers_set_while_another_thread_derives_never_poison_the_shared_cache(
    fake_baseten: fb.FakeBaseten,
) -> None:
    tenants = [{"X-Tenant": f"tenant-{n}"} for n in range(RACE_ROUNDS + 1)]
    live = _PausingChat(**_settings(fake_baseten, default_headers=tenants[0]))

    def assign(headers: dict[str, str]) -> Callable[[], None]:
        return lambda: setattr(live, "default_headers", headers)

    live.default_headers = tenants[1]  # type: ignore[assignment]  # what a caller may do
    _race_rounds(live, [assign(headers) for headers in tenants[2:]])
    sent = []
    for headers in tenants:
        _PausingChat(**_settings(fake_baseten, default_headers=headers)).invoke("hi")
        sent.append(fake_baseten.requests[-1].headers["x-tenant"])
    assert sent == [headers["X-Tenant"] for headers in tenants]


def test_calls_racing_setattr_each_send_one_consistent_key(fake_baseten: fb.FakeBaseten) -> None:
    """A free race (no lockstep): calls on a model whose key another thread keeps changing."""
    keys = _keys("flip", 2)
    live = chat_model(fake_baseten, api_key=keys[0])
    stop = threading.Event()

    def flip() -> None:
        for n in range(2000):
            if stop.is_set():
                return
            live.api_key = SecretStr(keys[n % 2])

    flipper = threading.Thread(target=flip)
    flipper.start()
    try:
        answers = [live.invoke(f"call {n}").text for n in range(20)]
    finally:
        stop.set()
        flipper.join(HANG)
    assert answers == [f"echo: call {n}" for n in range(20)]
    sent = {request.headers["authorization"] for request in fake_baseten.requests}
    assert sent <= {f"Bearer {key}" for key in keys}
    for key in keys:
        chat_model(fake_baseten, api_key=key).invoke("fresh")
        assert fake_baseten.requests[-1].headers["authorization"] == f"Bearer {key}"


# ---------------------------------------------------------------- forks


#: Children forked per test (each would hang before the fix while a lock is held).
FORKS = 4
#: How long a child may take: far more than a call to the local server.
CHILD_SECONDS = 20.0


def _wait_child(pid: int) -> int | None:
    """The child's exit code, or ``None`` after killing a child that overstayed."""
    deadline = time.monotonic() + CHILD_SECONDS
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        time.sleep(0.02)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    return None


def _fork(child: Callable[[], bool]) -> int | None:
    """Fork; the child runs ``child`` and exits 0 when it returned true."""
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        code = 1
        try:
            code = 0 if child() else 2
        finally:
            os._exit(code)
    return _wait_child(pid)


class _Holder:
    """A thread holding the shared cache's lock (as during a cache miss) until released."""

    def __init__(self) -> None:
        self.entered = threading.Event()
        self.release = threading.Event()
        self.thread = threading.Thread(target=self._hold)

    def _hold(self) -> None:
        with settings._SHARED._lock:  # what a thread deriving a new model holds
            self.entered.set()
            self.release.wait(HANG)

    def __enter__(self) -> Self:
        self.thread.start()
        assert self.entered.wait(HANG)
        return self

    def __exit__(self, *_: object) -> None:
        self.release.set()
        self.thread.join(HANG)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="os.fork is POSIX only")
def test_a_child_forked_while_another_thread_holds_the_cache_lock_does_not_hang(
    fake_baseten: fb.FakeBaseten,
) -> None:
    def child() -> bool:
        key = f"child-{os.getpid()}-0123456789abcdef"  # a new key: a cache miss
        answer = chat_model(fake_baseten, api_key=key).invoke("hi").text
        (vector,) = embeddings_model(fake_baseten, api_key=key).embed_documents(["hi"])
        return answer == "echo: hi" and len(vector) == fb.DEFAULT_EMBEDDING_DIMENSIONS

    with _Holder():
        codes = [_fork(child) for _ in range(FORKS)]
    assert codes == [0] * FORKS  # None: the child hung and was killed


@pytest.mark.skipif(not hasattr(os, "fork"), reason="os.fork is POSIX only")
def test_every_lock_of_the_package_is_free_in_a_forked_child() -> None:
    ChatBaseten(model=CHAT_MODEL, api_key=KEY)  # the package's modules and caches exist
    locks = live_locks()
    assert len(locks) >= 5  # the caches', the pools', prices', profiles', embeddings'
    held = threading.Event()
    release = threading.Event()

    def hold_all() -> None:
        for lock in locks:
            lock.acquire()
        held.set()
        release.wait(HANG)
        for lock in locks:
            lock.release()

    holder = threading.Thread(target=hold_all)
    holder.start()
    try:
        assert held.wait(HANG)
        codes = [
            _fork(lambda: all(lock.acquire(timeout=CHILD_SECONDS / 4) for lock in locks))
            for _ in range(FORKS)
        ]
    finally:
        release.set()
        holder.join(HANG)
    assert codes == [0] * FORKS


def test_the_package_takes_no_lock_a_fork_would_leave_held() -> None:
    """Every lock in the package's source is a ForkSafeLock (none made elsewhere)."""
    package = Path(langchain_baseten.__file__).parent
    made = [
        f"{path.name}: {line.strip()}"
        for path in sorted(package.glob("*.py"))
        if path.name != "_forksafe.py"
        for line in path.read_text("utf-8").splitlines()
        if re.search(r"\b(threading\.)?R?Lock\(\)|asyncio\.Lock\(", line)
        and "ForkSafeLock()" not in line
    ]
    assert made == []


# ---------------------------------------------------------------- sockets


#: Tenants (distinct keys) per test: more than the 64 pools the process once kept.
TENANTS = 100
#: Where this process's open file descriptors are listed (Linux).
_FDS = Path("/proc/self/fd")


def _open_client_sockets(server: fb.FakeBaseten) -> int:
    """This process's open sockets connected to ``server`` (the client side only)."""
    port = urlsplit(server.base_url).port
    inodes: set[str] = set()
    for table in (Path("/proc/net/tcp"), Path("/proc/net/tcp6")):
        if table.exists():
            for row in table.read_text("ascii").splitlines()[1:]:
                fields = row.split()
                if int(fields[2].rsplit(":", 1)[1], 16) == port:  # remote end: the server
                    inodes.add(fields[9])
    count = 0
    for fd in _FDS.iterdir():
        with contextlib.suppress(OSError):  # closed since it was listed
            target = str(fd.readlink())
            count += target.startswith("socket:[") and target[8:-1] in inodes
    return count


def _tenant_key(n: int) -> str:
    return f"tenant-{n:03d}-0123456789abcdef"


needs_proc = pytest.mark.skipif(not _FDS.exists(), reason="counts sockets in /proc/self/fd")


@needs_proc
def test_dropped_tenant_models_leave_at_most_a_few_warm_pools_open(
    fake_baseten: fb.FakeBaseten,
) -> None:
    for n in range(TENANTS):
        assert chat_model(fake_baseten, api_key=_tenant_key(n)).invoke("hi").text == "echo: hi"
    gc.collect()
    assert _open_client_sockets(fake_baseten) <= pools.RECENT_POOLS


@needs_proc
def test_a_live_model_keeps_its_connection_among_many_tenants(
    fake_baseten: fb.FakeBaseten,
) -> None:
    mine = chat_model(fake_baseten)
    mine.invoke("first")
    for n in range(TENANTS):
        chat_model(fake_baseten, api_key=_tenant_key(n)).invoke("hi")
    gc.collect()
    accepted = fake_baseten.connections_accepted
    assert mine.invoke("again").text == "echo: again"
    assert fake_baseten.connections_accepted == accepted  # its idle connection was reused


@needs_proc
def test_close_clients_closes_every_socket_even_of_live_models(
    fake_baseten: fb.FakeBaseten,
) -> None:
    tenants = [chat_model(fake_baseten, api_key=_tenant_key(n)) for n in range(TENANTS)]
    for llm in tenants:
        llm.invoke("hi")
    assert _open_client_sockets(fake_baseten) == TENANTS
    langchain_baseten.close_clients()
    assert _open_client_sockets(fake_baseten) == 0
    assert tenants[0].invoke("later").text == "echo: later"  # a later call opens a new pool


@needs_proc
def test_asyncio_run_closes_every_socket_of_its_loop(fake_baseten: fb.FakeBaseten) -> None:
    tenants = [chat_model(fake_baseten, api_key=_tenant_key(n)) for n in range(TENANTS)]

    async def calls() -> list[str]:
        return [(await llm.ainvoke("hi")).text for llm in tenants]

    assert asyncio.run(calls()) == ["echo: hi"] * TENANTS
    assert _open_client_sockets(fake_baseten) == 0  # the models are alive, their loop is not


@needs_proc
async def test_dropped_tenant_models_close_their_async_sockets_on_a_running_loop(
    fake_baseten: fb.FakeBaseten,
) -> None:
    for n in range(TENANTS):
        assert (await chat_model(fake_baseten, api_key=_tenant_key(n)).ainvoke("hi")).text
    gc.collect()
    await asyncio.sleep(0.05)  # the closing of collected pools runs on this loop
    assert await asyncio.to_thread(
        wait_for, lambda: _open_client_sockets(fake_baseten) <= pools.RECENT_POOLS, 5
    )


async def test_a_model_built_per_call_keeps_using_one_warm_connection(
    fake_baseten: fb.FakeBaseten,
) -> None:
    for n in range(4):
        assert chat_model(fake_baseten).invoke(f"sync {n}").text == f"echo: sync {n}"
        gc.collect()  # the model, its transport and client are gone; the pool is recent
    for n in range(4):
        assert (await chat_model(fake_baseten).ainvoke(f"async {n}")).text == f"echo: async {n}"
        gc.collect()
    assert fake_baseten.connections_accepted == 2  # one sync, one async connection
