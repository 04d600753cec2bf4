"""The real Wenzheng processes on free ports: the harness of the integration tests
(tests/fixtures/stack.py) and of the dialogue benchmark (bench/dialogue.py).

``SupervisedStack`` runs ``python -m bot.supervisor`` (web app + Rasa server + action
server, or some of them) on the ``WENZHENG_HOME`` of ``stack_env``; ``load_kb`` imports,
publishes and indexes a knowledge base there with the real kb commands. Usable from either
virtualenv: this module needs only the standard library and requests, and runs the app side
with ``.venv/bin/python``.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

PROJECT_ROOT = Path(__file__).resolve().parents[1]
APP_PYTHON = PROJECT_ROOT / ".venv" / "bin" / "python"
EMBEDDING_MODEL = Path(
    os.environ.get(
        "WENZHENG_TEST_MODEL_DIR", PROJECT_ROOT / "var" / "models" / "multilingual-e5-small"
    )
)
RASA_MODELS = Path(os.environ.get("WENZHENG_HOME", PROJECT_ROOT / "var")) / "rasa" / "models"
START_TIMEOUT = float(os.environ.get("WENZHENG_TEST_START_TIMEOUT", "240"))
RASA_TOKEN = "test-rasa-token-0123"  # production mode wants 16+ characters
INTERNAL_TOKEN = "test-internal-token"


@dataclass
class LiveStack:
    """URLs and secrets of running processes, and a helper to chat through Rasa."""

    app_url: str
    rasa_url: str
    actions_url: str
    rasa_token: str
    internal_token: str
    home: Path
    env: dict[str, str] = field(repr=False, default_factory=dict)

    def say(self, sender: str, text: str, timeout: float = 30.0) -> list[dict[str, Any]]:
        """One citizen turn through Rasa's REST channel; the bot's messages of that turn."""
        response = requests.post(
            f"{self.rasa_url}/webhooks/rest/webhook",
            json={"sender": sender, "message": text},
            timeout=timeout,
        )
        response.raise_for_status()
        return response.json()

    def tracker(self, sender: str) -> dict[str, Any]:
        response = requests.get(
            f"{self.rasa_url}/conversations/{sender}/tracker",
            params={"token": self.rasa_token},
            timeout=10,
        )
        response.raise_for_status()
        return response.json()

    def log(self, name: str) -> str:
        path = self.home / "logs" / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _run(command: list[str], env: dict[str, str], timeout: float = 600) -> None:
    result = subprocess.run(
        command, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{result.stdout}\n{result.stderr}")


def stack_env(home: Path, **overrides: str) -> dict[str, str]:
    """Environment of a fresh installation on ``home`` with free ports (embedded mode)."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "WENZHENG_DATABASE_URL", "WENZHENG_REDIS_URL"}
    }
    env |= {
        "WENZHENG_HOME": str(home),
        "WENZHENG_PORT": str(free_port()),
        "WENZHENG_RASA_URL": f"http://127.0.0.1:{free_port()}",
        "WENZHENG_ACTIONS_URL": f"http://127.0.0.1:{free_port()}",
        "WENZHENG_RASA_TOKEN": RASA_TOKEN,
        "WENZHENG_INTERNAL_TOKEN": INTERNAL_TOKEN,
        "WENZHENG_EMBEDDING_MODEL": str(EMBEDDING_MODEL),
        "WENZHENG_RASA_MODEL": str(RASA_MODELS),
        "RASA_TELEMETRY_ENABLED": "false",
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
    }
    return env | overrides


def load_kb(env: dict[str, str], kb: Path) -> None:
    """Import and publish the knowledge base in ``kb`` with the real kb commands, index it."""
    flask = [str(APP_PYTHON), "-m", "flask", "--app", "bot", "kb"]
    _run([*flask, "import", str(kb), "--publish"], env)
    _run([*flask, "reindex"], env)


def ensure_rasa_model() -> None:
    """Train the Rasa model if its inputs changed (a no-op after `make setup`)."""
    _run(["make", "-s", "rasa-model"], {**os.environ, "WENZHENG_HOME": str(RASA_MODELS.parents[1])}, 900)


class SupervisedStack:
    """``python -m bot.supervisor`` as a child process, stopped like Ctrl-C would."""

    def __init__(self, env: dict[str, str], only: list[str] | None = None) -> None:
        self.env = env
        self.only = only
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> LiveStack:
        home = Path(self.env["WENZHENG_HOME"])
        home.mkdir(parents=True, exist_ok=True)
        command = [str(APP_PYTHON), "-m", "bot.supervisor"]
        if self.only:
            command += ["--only", *self.only]
        log_path = home / "supervisor.log"
        log_start = log_path.stat().st_size if log_path.exists() else 0  # a restart appends
        with open(log_path, "ab") as log:
            self.process = subprocess.Popen(
                command, cwd=PROJECT_ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        stack = LiveStack(
            app_url=f"http://127.0.0.1:{self.env['WENZHENG_PORT']}",
            rasa_url=self.env["WENZHENG_RASA_URL"],
            actions_url=self.env["WENZHENG_ACTIONS_URL"],
            rasa_token=self.env["WENZHENG_RASA_TOKEN"],
            internal_token=self.env["WENZHENG_INTERNAL_TOKEN"],
            home=home,
            env=self.env,
        )
        self._wait_ready(log_path, log_start)
        return stack

    def _wait_ready(self, log: Path, log_start: int) -> None:
        """The supervisor prints its ready line only once every process is healthy."""
        assert self.process is not None
        deadline = time.monotonic() + START_TIMEOUT
        while "已就绪" not in log.read_bytes()[log_start:].decode(errors="replace"):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                logs = "\n".join(
                    f"--- {p.name}\n{p.read_text(errors='replace')[-3000:]}"
                    for p in [log, *sorted((log.parent / "logs").glob("*.log"))]
                )
                raise RuntimeError(f"the stack did not start:\n{logs}")
            time.sleep(0.5)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGINT)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
