#!/usr/bin/env bash
# The Ray Data example (examples/ray_data/embed_corpus.py) against the local
# Baseten-compatible server, on a local Ray cluster bound to 127.0.0.1, in the
# cached environment .venv-ray/ (built by `make .venv-ray/.synced`). Bounded in time.
set -euo pipefail
cd "$(dirname "$0")/.."
source .ci/local_server.sh
work=$(mktemp -d)
server_pid=""
cleanup() {
    if [[ -n "$server_pid" ]]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

start_local_server "$PWD/.venv-ray/bin/python" "$PWD" "$work/server.out"

echo "ray example: examples/ray_data/embed_corpus.py against $url"
env -u BASETEN_EMBEDDINGS_MODEL RAY_USAGE_STATS_ENABLED=0 \
    BASETEN_API_KEY=ray-example-key BASETEN_BASE_URL="$url/v1" \
    timeout 600 .venv-ray/bin/python examples/ray_data/embed_corpus.py
