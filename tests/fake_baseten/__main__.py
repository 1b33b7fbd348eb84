"""``python -m tests.fake_baseten [--port N]``: serve the local server until Ctrl-C."""

from tests.fake_baseten.server import main

main()
