#!/usr/bin/env bash
# Wheel check: build the wheel, install it with plain pip into a clean virtual
# environment (dependencies from PyPI), and run an example from outside the
# checkout against the local Baseten-compatible server. Every step is bounded.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
PYTHON=${PYTHON:-python3}
source "$repo/.ci/local_server.sh"
work=$(mktemp -d)
server_pid=""
cleanup() {
    if [[ -n "$server_pid" ]]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

"$PYTHON" -m venv "$work/venv"
echo "wheel check: building the wheel as the README says (pip wheel --no-deps)"
timeout 300 "$work/venv/bin/python" -m pip wheel --quiet --disable-pip-version-check --no-deps \
    -w "$work/dist" "$repo" >"$work/build.log" 2>&1 || { cat "$work/build.log"; exit 1; }
wheel=$(ls "$work"/dist/langchain_baseten-*.whl)

echo "wheel check: installing $(basename "$wheel") with pip into the clean venv"
timeout 600 "$work/venv/bin/python" -m pip install --quiet --disable-pip-version-check "$wheel" \
    >"$work/pip.log" 2>&1 || { cat "$work/pip.log"; exit 1; }
timeout 60 "$work/venv/bin/python" -m pip check --disable-pip-version-check

mkdir "$work/examples"
cp examples/_replay.py examples/quickstart.py "$work/examples/"
cd "$work"
timeout 60 venv/bin/python - "$work/venv" <<'PY'
import importlib.metadata, sys
import langchain_baseten
assert langchain_baseten.__file__.startswith(sys.argv[1]), langchain_baseten.__file__
assert langchain_baseten.__version__ == importlib.metadata.version("langchain-baseten")
from pathlib import Path
installed = Path(langchain_baseten.__file__).parent
for name in ("py.typed", "data/prices.json", "data/model_profiles.json", "testing/__main__.py"):
    assert (installed / name).is_file(), f"{name} is missing from the wheel"
from langchain_baseten import ChatBaseten
assert ChatBaseten(model="baseten/moonshotai/Kimi-K2.5", api_key="k").profile, "no profile data"
for name in ("vcr", "langchain", "tests"):
    try:
        __import__(name)
    except ImportError:
        continue
    raise SystemExit(f"{name} is importable after a plain install: the check would not be clean")
assert "langchain_baseten.testing" not in sys.modules, "import langchain_baseten loaded the server"
import langchain_baseten.testing
assert langchain_baseten.testing.__file__.startswith(sys.argv[1]), langchain_baseten.testing.__file__
print(f"wheel check: langchain_baseten {langchain_baseten.__version__} from {langchain_baseten.__file__}")
PY

echo "wheel check: starting the local server from the installed wheel (python -m langchain_baseten.testing)"
start_local_server "$work/venv/bin/python" "$work" "$work/server.out"

echo "wheel check: examples/quickstart.py against $url (BASETEN_ORIGIN: routing and profile kept)"
BASETEN_API_KEY=wheel-check-key BASETEN_ORIGIN="$url" \
    timeout 120 env -u BASETEN_RECORD venv/bin/python examples/quickstart.py | tee "$work/quickstart.out"
grep -q "^answer: echo: In one sentence, what is Baseten?" "$work/quickstart.out" \
    || { echo "wheel check: the example's answer is missing"; exit 1; }
echo "wheel check: adding the examples extra, replaying every example from the checkout"
timeout 600 "$work/venv/bin/python" -m pip install --quiet --disable-pip-version-check "$wheel[examples]" \
    >"$work/pip-examples.log" 2>&1 || { cat "$work/pip-examples.log"; exit 1; }
for example in "$repo"/examples/[!_]*.py; do
    env -u BASETEN_API_KEY -u BASETEN_BASE_URL -u BASETEN_ORIGIN -u BASETEN_RECORD timeout 120 venv/bin/python - \
        "$example" "$work/venv" >"$work/replay.out" <<'PY'
import runpy, sys
from pathlib import Path
example, venv = sys.argv[1], sys.argv[2]
sys.path.insert(0, str(Path(example).parent))
sys.argv = [example]
runpy.run_path(example, run_name="__main__")
import langchain_baseten
assert langchain_baseten.__file__.startswith(venv), f"replay used {langchain_baseten.__file__}"
PY
    grep -q "^\[replayed from local echo server\] " "$work/replay.out" \
        || { cat "$work/replay.out"; echo "wheel check: $example printed no replayed answer"; exit 1; }
    echo "wheel check: $(basename "$example") replayed with the wheel and its examples extra"
done
echo "wheel check: ok"
