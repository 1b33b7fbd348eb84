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

import threading
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import SecretStr

from langchain_baseten import ChatBaseten
from tests.local_models import KEY, CHAT_MODEL, chat_model

if TYPE_CHECKING:
    from collections.abc import Callable

    from langchain_baseten._routing import Endpoint
    from tests import fake_baseten as fb


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
    setter = threading.Thread(target=lambda: [lockstep.set_field(a) for a in assignments])
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
