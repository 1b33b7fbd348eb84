"""``python -m langchain_baseten.testing [--port N]``: serve the local server until Ctrl-C."""

from langchain_baseten.testing._server import main

main()
