"""The package's default bounds, in a module that imports nothing.

Read by the model classes' field defaults (importing a model class imports no
HTTP client code) and by the transport that enforces them.
"""

from __future__ import annotations

__all__ = ["DEFAULT_MAX_CONNECTIONS", "DEFAULT_MAX_EVENT_BYTES", "DEFAULT_MAX_RESPONSE_BYTES"]

#: Default cap on a plain (non-stream) answer's decoded size: Baseten's own limit
#: on request bodies. Logprobs for a long answer are the largest legitimate case.
DEFAULT_MAX_RESPONSE_BYTES = 100 * 2**20
#: The largest single event (its ``data`` and any one line) a stream may send.
DEFAULT_MAX_EVENT_BYTES = 16 * 1024 * 1024
#: Connections a pool (one endpoint and key) opens at most; more requests wait for one.
DEFAULT_MAX_CONNECTIONS = 1000
