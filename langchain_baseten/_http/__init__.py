"""The HTTP layer, one module per job (the way httpx splits its transports).

* :mod:`.connection`: the connection fields every model class shares, and their checks.
* :mod:`.settings`: endpoint, key and transport derived from those fields.
* :mod:`.shared_maps`: the weak and LRU maps models share endpoints, transports and pools through.
* :mod:`.pools`: connection pools per endpoint and key, per process and per event loop.
* :mod:`.pool_reuse`: a connection holding bytes after its answer is closed, not reused.
* :mod:`.sockets`: the pools' network backends (the attempt's deadline, the idle probe).
* :mod:`.bodies`: answer bodies read under a byte cap.
* :mod:`.limits`: what bounds one request, and the retry policy (imports nothing else).
* :mod:`.sdk_client`: the openai client subclasses; the only module that imports openai lazily
  at client construction.
* :mod:`.transport`: the shared clients and the low-level requests that use them.
* :mod:`.httpx_classic`: a user's classic httpx client seen as httpx2.

Importing this package imports none of them.
"""
