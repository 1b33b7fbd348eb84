"""Wait for a condition, bounded in time (tests never wait unbounded)."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

#: How often the condition is checked.
POLL_SECONDS = 0.02


def wait_for(condition: Callable[[], object], seconds: float = 5.0) -> bool:
    """Whether ``condition()`` became true within ``seconds`` (checked every 20 ms)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(POLL_SECONDS)
    return bool(condition())
