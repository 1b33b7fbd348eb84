"""The engine suite: the package against real vLLM servers on this machine's CPU (``make engine-test``)."""
