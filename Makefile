# Every target bootstraps what it needs from nothing: a pinned uv in .tools/,
# then the locked environment in .venv/ (uv.lock). Only python3 (>= 3.11) is assumed.
SHELL := /bin/bash
PYTHON ?= python3
UV_VERSION := 0.13.9
UV := .tools/bin/uv
RUN := $(UV) run --locked --no-python-downloads
export UV_PYTHON_DOWNLOADS := never

.DEFAULT_GOAL := help
.PHONY: help demo test test-slow test-all test-highest test-lowest test-resolutions integration_test record record-local examples lint format type bench check wheel-check ray-example clean

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/python -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

.venv/.synced: $(UV) uv.lock pyproject.toml
	$(UV) sync --locked --no-python-downloads --all-groups --extra examples
	touch $@

## help: list every target with a line on what it does (what bare `make` prints)
help:
	@echo "Targets (each bootstraps what it needs; only python3 is assumed):"
	@awk '/^## [a-z][a-z_, -]*: / { sub(/^## /, ""); name = substr($$0, 1, index($$0, ": ") - 1); \
		printf "  %-26s %s\n", name, substr($$0, length(name) + 3); next } \
		/^## / { sub(/^## /, ""); printf "  %-26s %s\n", "", $$0 }' $(MAKEFILE_LIST)

## demo: the quickstart example, replaying recorded HTTP unless BASETEN_API_KEY is set
demo: .venv/.synced
	$(RUN) python examples/quickstart.py

## test: the fast offline suite (unit, local-server end to end, cassette replay, standard
## suites): everything but the tests marked `slow`, which test-slow runs
test: .venv/.synced
	$(RUN) pytest tests/unit_tests -m "not slow" $(PYTEST_ARGS)

## test-slow: the offline tests `make test` leaves out, marked `slow`: faults and fuzzing,
## deadlines and retries, load, forks and races, echoed secrets, fresh-interpreter and
## example runs (a third of the tests, two thirds of the time); CI runs both
test-slow: .venv/.synced
	$(RUN) pytest tests/unit_tests -m slow $(PYTEST_ARGS)

## test-all: test and test-slow in one pytest run (every offline test)
test-all: .venv/.synced
	$(RUN) pytest tests/unit_tests $(PYTEST_ARGS)

## test-highest, test-lowest: the whole unit suite (fast and slow) at the newest / the lowest
## direct versions that pyproject.toml's ranges allow, each in its own environment built from
## nothing (.venv-highest/, .venv-lowest/; .ci/resolve.py says how).
test-highest test-lowest: test-%: $(UV)
	$(PYTHON) .ci/resolve.py $*
	.venv-$*/bin/python -m pytest tests/unit_tests $(PYTEST_ARGS)

## test-resolutions: test-highest and test-lowest, as CI runs them
test-resolutions: test-highest test-lowest

## engine-test: the package against real vLLM servers on this machine's CPU (its own environment and tiny models, built once and cached in ~/.cache/langchain-baseten-engine)
.PHONY: engine-test
engine-test: .venv/.synced
	engine_python="$$(bash tests/engine_tests/env.sh)" && \
		LANGCHAIN_BASETEN_ENGINE_PYTHON="$$engine_python" $(RUN) pytest tests/engine_tests \
		-o asyncio_default_test_loop_scope=session $(PYTEST_ARGS)

## integration_test: live against Baseten (needs BASETEN_API_KEY; skipped without)
integration_test: .venv/.synced
	$(RUN) pytest tests/integration_tests -o addopts="--strict-markers --strict-config" $(PYTEST_ARGS)

EXAMPLES := $(filter-out examples/_replay.py,$(wildcard examples/*.py))

## record: re-record every cassette from live Baseten (needs BASETEN_API_KEY)
record: .venv/.synced
	@test -n "$$BASETEN_API_KEY" || { echo "record needs BASETEN_API_KEY" >&2; exit 2; }
	$(RUN) pytest tests/unit_tests -m vcr --record-mode=rewrite $(PYTEST_ARGS)
	for example in $(EXAMPLES); do BASETEN_RECORD=1 $(RUN) python $$example || exit 1; done

## record-local: re-record every cassette from the local Baseten-compatible test server
record-local: .venv/.synced
	BASETEN_RECORD=local $(RUN) pytest tests/unit_tests -m vcr --record-mode=rewrite $(PYTEST_ARGS)
	for example in $(EXAMPLES); do env -u BASETEN_API_KEY BASETEN_RECORD=local $(RUN) python $$example || exit 1; done

## examples: run every example (replaying recorded HTTP without BASETEN_API_KEY)
examples: .venv/.synced
	for example in $(EXAMPLES); do $(RUN) python $$example || exit 1; done

## lint: ruff check (select = ALL) and ruff format --check
lint: .venv/.synced
	$(RUN) ruff check .
	$(RUN) ruff format --check .

## format: ruff format, then ruff check --fix
format: .venv/.synced
	$(RUN) ruff format .
	$(RUN) ruff check --fix .

## type: mypy --strict over the package, tests, bench and examples
type: .venv/.synced
	$(RUN) mypy

## wheel-check: build the wheel, pip-install it into a clean venv, run an example against the local server
wheel-check:
	bash .ci/wheel_check.sh

## ray-example: the Ray Data corpus pipeline (examples/ray_data/embed_corpus.py) on a local Ray cluster
## against the local server, in its own cached environment .venv-ray/ (Ray is not a dependency:
## the package's locked dependencies, ray[data] and this checkout, editable)
RAY_VERSION := 2.60.0
.venv-ray/.synced: $(UV) uv.lock pyproject.toml
	$(UV) venv --allow-existing --no-python-downloads --python $(PYTHON) .venv-ray
	$(UV) export --locked --no-dev --no-hashes --no-emit-project --quiet -o .venv-ray/requirements.txt
	$(UV) pip install --python .venv-ray/bin/python -r .venv-ray/requirements.txt "ray[data]==$(RAY_VERSION)" -e .
	touch $@

ray-example: .venv-ray/.synced
	bash .ci/ray_example.sh

## bench: the client-overhead and embeddings benchmarks (bench/README.md; BENCH_ARGS=--quick for a short run)
bench: .venv/.synced
	$(RUN) python bench/run.py $(BENCH_ARGS)
	$(RUN) python bench/embeddings.py $(BENCH_ARGS)

## check: lint, type and test (the fast suite)
check: lint type test

## clean: remove every environment and cache the targets built
clean:
	rm -rf .venv .venv-ray .venv-highest .venv-lowest .tools .mypy_cache .ruff_cache .pytest_cache
