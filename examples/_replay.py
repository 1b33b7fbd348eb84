"""Run an example live with BASETEN_API_KEY, or replay its recorded HTTP without one.

* ``BASETEN_API_KEY`` set: the example calls Baseten for real.
* no key: the example replays ``cassettes/examples/<name>.yaml`` and says so; a
  request that was not recorded fails instead of reaching the network.
* ``BASETEN_RECORD=1`` with a key: re-records the cassette from live Baseten.
* ``BASETEN_RECORD=local``: records from the local Baseten-compatible test
  server (``tests/fake_baseten.py``); this is how the shipped cassettes were made.
"""

from __future__ import annotations

import os
import sys
from contextlib import AbstractContextManager, ExitStack, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

import vcr  # noqa: E402

from tests.recording import CASSETTE_DIR, register_matchers, vcr_config  # noqa: E402

if TYPE_CHECKING:
    from collections.abc import Iterator

# A placeholder so the model can be constructed during replay; never sent anywhere.
REPLAY_KEY = "replay-placeholder-key"


def _cassette(name: str, record_mode: str) -> AbstractContextManager[object]:
    config = vcr_config()
    repeats = config.pop("allow_playback_repeats")
    recorder = vcr.VCR(
        record_mode=record_mode, cassette_library_dir=str(CASSETTE_DIR / "examples"), **config
    )
    register_matchers(recorder)
    return recorder.use_cassette(name, allow_playback_repeats=repeats)  # type: ignore[no-any-return]


@contextmanager
def live_or_replay(name: str) -> Iterator[None]:
    """Run the body live (with a key) or against the recorded cassette ``name``."""
    record = os.environ.get("BASETEN_RECORD", "")
    with ExitStack() as stack:
        if record == "local":
            from tests.fake_baseten import fake_baseten_server
            from tests.recording import redirect_baseten_to

            server = stack.enter_context(fake_baseten_server())
            stack.enter_context(_cassette(name, "all"))
            stack.enter_context(redirect_baseten_to(server.base_url))
            os.environ.setdefault("BASETEN_API_KEY", REPLAY_KEY)
            print(f"[recording {name} from the local Baseten-compatible test server]")
        elif os.environ.get("BASETEN_API_KEY") and record:
            stack.enter_context(_cassette(name, "all"))
            print(f"[recording {name} from live Baseten]")
        elif os.environ.get("BASETEN_API_KEY"):
            print("[live: calling Baseten with BASETEN_API_KEY]")
        else:
            stack.enter_context(_cassette(name, "none"))
            os.environ["BASETEN_API_KEY"] = REPLAY_KEY
            print(
                f"[no BASETEN_API_KEY: replaying recorded HTTP from "
                f"cassettes/examples/{name}.yaml, "
                "recorded from the local Baseten-compatible test server; set BASETEN_API_KEY "
                "to call Baseten for real]"
            )
        yield
