#!/usr/bin/env bash
# Builds the engine suite's vLLM environment once per hash of requirements.txt and
# prints its python. Cached under ${LANGCHAIN_BASETEN_ENGINE_CACHE:-~/.cache/langchain-baseten-engine},
# so later runs on the same machine (CI included) reuse it; a half-built one is rebuilt.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
requirements="$here/requirements.txt"
root="${LANGCHAIN_BASETEN_ENGINE_CACHE:-$HOME/.cache/langchain-baseten-engine}"
env="$root/venv-$(sha256sum "$requirements" | cut -c1-16)"
mkdir -p "$root"
exec 9>"$root/.lock"
flock 9
if [ ! -f "$env/.complete" ]; then
    echo "building the vLLM environment in $env (a few minutes, once)" >&2
    rm -rf "$env"
    python3 -m venv "$env"
    pip=("$env/bin/python" -m pip --disable-pip-version-check --quiet)
    # torch alone first: pip then takes the CPU wheel kept on this machine's disk
    # rather than a CUDA build of several GB (see CONTRIBUTING, "Engine suite").
    "${pip[@]}" install "$(grep -E '^torch==' "$requirements")" >&2
    "${pip[@]}" install -r "$requirements" >&2
    # PyPI's torchvision, torchaudio and torchcodec are CUDA builds that fail to
    # import beside CPU torch and take transformers and vLLM down; text models need none.
    "${pip[@]}" uninstall --yes torchvision torchaudio torchcodec >&2
    "$env/bin/python" -c "import vllm, transformers, tokenizers" >&2
    touch "$env/.complete"
fi
echo "$env/bin/python"
