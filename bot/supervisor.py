"""`python -m bot.supervisor`: start the web app, the Rasa server, the action server and
the handoff watch (``flask handoffs watch``: escalates overdue conversations, 督办).

Each runs in its own process group with its log under ``$WENZHENG_HOME/logs``. The
supervisor waits until the servers answer their health checks, prints where to open the
chat, and on Ctrl-C (or SIGTERM, or one of them dying) stops them all. The watch is a
process of its own rather than a thread of the app: the app factory starts nothing, and
a watch pass never competes with citizens for the app's request threads.

The web app calls Rasa and Rasa's actions call the web app back, so the app is served by
a threaded waitress and every one of those HTTP calls has a timeout: no cycle can block.

Rasa and the action server listen on the host of their URL (127.0.0.1 by default), or on
``WENZHENG_RASA_HOST`` / ``WENZHENG_ACTIONS_HOST`` in multi-host deployments. Secrets go to
the processes in their environment, never on a command line (``ps`` shows those). In
production (PostgreSQL or ``WENZHENG_ENV=production``) nothing starts while a secret is a
development default.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from alembic.util import CommandError
from sqlalchemy.exc import SQLAlchemyError

from core.db import make_engine
from core.migrate import ForeignKeyViolation, upgrade
from core.settings import PROJECT_ROOT, InvalidSetting, Settings, persistent_secret_key
from wire.production import InsecureSettings

RASA_BIN = PROJECT_ROOT / ".venv-rasa" / "bin" / "rasa"
RASA_PYTHON = RASA_BIN.parent / "python"
# `rasa run` takes its token only as --auth-token: add it inside the process, from the
# environment, so it never appears in the process list.
RASA_WITH_TOKEN_FROM_ENV = (
    "import os, sys; from rasa.__main__ import main; "
    "sys.argv = ['rasa', *sys.argv[1:], '--auth-token', os.environ['WENZHENG_RASA_TOKEN']]; "
    "main()"
)
STOP_GRACE_SECONDS = 10.0


def stack_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """The settings of the whole stack; the app's secret key resolved as the app will."""
    settings = Settings.from_env(environ)
    return dataclasses.replace(
        settings, secret_key=settings.secret_key or persistent_secret_key(settings.home)
    )


def shared_stores(database_url: str, redis_url: str | None) -> bool:
    """Whether Rasa's tracker and lock stores are shared (PostgreSQL + Redis)."""
    return database_url.startswith("postgresql") and bool(redis_url)


def rasa_tracker_url(database_url: str, redis_url: str | None, home: Path,
                     override: str | None = None) -> str:
    """Where Rasa keeps its trackers: endpoints.yml's SQLite file, or in production the
    app's PostgreSQL database (``WENZHENG_RASA_TRACKER_URL`` to put it elsewhere)."""
    if not shared_stores(database_url, redis_url):
        return f"sqlite:///{home / 'rasa' / 'tracker.db'}"
    return override or database_url


def rasa_endpoints_env(settings: Settings) -> tuple[Path, dict[str, str]]:
    """The endpoints file for the mode, and the variables its ``${...}`` placeholders need."""
    env = {"WENZHENG_ACTIONS_URL": settings.actions_url.rstrip("/"), "WENZHENG_HOME": str(settings.home)}
    if not shared_stores(settings.database_url, settings.redis_url):
        return PROJECT_ROOT / "endpoints.yml", env
    # Rasa 3.6 speaks SQLAlchemy 1.4 with psycopg2: drop the app's "+psycopg" driver.
    tracker = rasa_tracker_url(settings.database_url, settings.redis_url, settings.home,
                               settings.rasa_tracker_url).replace("+psycopg", "", 1)
    redis = urlsplit(settings.redis_url or "")
    env |= {
        "WENZHENG_RASA_TRACKER_URL": tracker,
        "WENZHENG_RASA_REDIS_HOST": redis.hostname or "127.0.0.1",
        "WENZHENG_RASA_REDIS_PORT": str(redis.port or 6379),
        "WENZHENG_RASA_REDIS_DB": redis.path.lstrip("/") or "0",
    }
    return PROJECT_ROOT / "endpoints.production.yml", env


@dataclass(frozen=True)
class ProcessSpec:
    name: str
    command: list[str]
    env: dict[str, str]
    health_url: str | None  # None: healthy while it runs (no server to ask)


def process_specs(settings: Settings) -> list[ProcessSpec]:
    base = {
        **os.environ,
        "WENZHENG_HOME": str(settings.home),
        "WENZHENG_RASA_URL": settings.rasa_url,
        "WENZHENG_RASA_TOKEN": settings.rasa_token,
        "WENZHENG_INTERNAL_TOKEN": settings.internal_token,
        # The action server has no database setting: tell it the mode outright.
        "WENZHENG_ENV": "production" if settings.production else settings.env,
        "RASA_TELEMETRY_ENABLED": "false",
        "RASA_CACHE_DIRECTORY": str(settings.home / "rasa" / "cache"),
        "PYTHONUNBUFFERED": "1",
    }
    endpoints, endpoints_env = rasa_endpoints_env(settings)
    rasa_port = str(urlsplit(settings.rasa_url).port or 5005)
    actions_port = str(urlsplit(settings.actions_url).port or 5055)
    return [
        ProcessSpec(
            name="app",
            command=[
                sys.executable, "-m", "waitress",
                f"--listen={settings.host}:{settings.port}",
                f"--threads={settings.threads}",
                "--call", "bot:create_app",
            ],
            env=base,
            health_url=f"http://{settings.host}:{settings.port}/",
        ),
        ProcessSpec(
            name="rasa",
            command=[
                str(RASA_PYTHON), "-c", RASA_WITH_TOKEN_FROM_ENV, "run", "--enable-api",
                "--interface", settings.rasa_host,
                "--port", rasa_port,
                "--model", str(settings.rasa_model),
                "--endpoints", str(endpoints),
                "--credentials", str(PROJECT_ROOT / "credentials.yml"),
            ],
            env={**base, **endpoints_env, "PYTHONPATH": str(PROJECT_ROOT)},
            health_url=f"{settings.rasa_url.rstrip('/')}/",
        ),
        ProcessSpec(
            name="actions",
            command=[
                str(RASA_BIN), "run", "actions", "--actions", "actions", "--port", actions_port,
            ],
            env={
                **base,
                "WENZHENG_APP_URL": settings.app_url,
                "PYTHONPATH": str(PROJECT_ROOT),
                "SANIC_HOST": settings.actions_host,  # rasa-sdk's bind address (default 0.0.0.0)
            },
            health_url=f"{settings.actions_url.rstrip('/')}/health",
        ),
        ProcessSpec(
            name="watch",
            command=[
                sys.executable, "-m", "flask", "--app", "bot",
                "handoffs", "watch", "--interval", str(settings.watch_interval),
            ],
            env=base,
            health_url=None,
        ),
    ]


def warm_up(app_url: str, timeout: float = 120.0) -> None:
    """One search loads the embedding model, so the first citizen's question is not the
    one that waits for it (and runs into the action server's timeout)."""
    request = urllib.request.Request(
        f"{app_url.rstrip('/')}/api/v1/search",
        data=json.dumps({"query": "社保"}).encode(),
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout):
            pass
    except (OSError, ValueError) as error:
        print(f"预热检索服务失败（不影响启动）：{error}", file=sys.stderr)


def is_healthy(url: str, timeout: float = 2.0) -> bool:
    """Any answer below 500 means the server is up (the app has no page at every path)."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status < 500
    except urllib.error.HTTPError as error:
        return error.code < 500
    except (OSError, ValueError):
        return False


class Supervisor:
    """Starts the processes, waits for them to be healthy, and stops them as a group."""

    def __init__(self, specs: list[ProcessSpec], log_dir: Path) -> None:
        self.specs = specs
        self.log_dir = log_dir
        self.processes: dict[str, subprocess.Popen[bytes]] = {}

    def start(self, specs: list[ProcessSpec] | None = None) -> None:
        """Start ``specs`` (default: all of them)."""
        self.log_dir.mkdir(parents=True, exist_ok=True)
        for spec in self.specs if specs is None else specs:
            with open(self.log_dir / f"{spec.name}.log", "ab") as log:
                self.processes[spec.name] = subprocess.Popen(
                    spec.command,
                    cwd=PROJECT_ROOT,
                    env=spec.env,
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,  # its own process group: stopped as one
                )

    def wait_healthy(self, timeout: float, stop: threading.Event | None = None) -> None:
        """Returns when every process answers; raises if one dies or the time runs out."""
        deadline = time.monotonic() + timeout
        pending = {spec.name: spec.health_url for spec in self.specs if spec.health_url}
        while pending:
            if stop is not None and stop.is_set():
                raise RuntimeError("stopped while starting")
            self.raise_if_exited()
            pending = {name: url for name, url in pending.items() if not is_healthy(url)}
            if pending and time.monotonic() > deadline:
                raise RuntimeError(f"not healthy after {timeout:.0f} s: {', '.join(pending)}")
            if pending:
                time.sleep(0.5)

    def raise_if_exited(self) -> None:
        for name, process in self.processes.items():
            if process.poll() is not None:
                raise RuntimeError(
                    f"{name} exited with code {process.returncode}; see {self.log_dir / name}.log"
                )

    def stop(self) -> None:
        """SIGTERM every process group, then SIGKILL what is still there after the grace time."""
        for process in self.processes.values():
            _signal_group(process, signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for process in self.processes.values():
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                _signal_group(process, signal.SIGKILL)
                process.wait()
        self.processes.clear()


def upgrade_schema(database_url: str) -> None:
    """Bring the database to the newest schema revision once, before any process that
    uses it starts (each would otherwise wait for the first one's upgrade)."""
    engine = make_engine(database_url)
    try:
        upgrade(engine)
    finally:
        engine.dispose()


def _signal_group(process: subprocess.Popen[bytes], signum: int) -> None:
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signum)


def _on_signals(handler: Callable[[], None]) -> None:
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: handler())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="启动问政的网页服务、Rasa 对话服务、动作服务和转人工限时督办。")
    parser.add_argument(
        "--only", nargs="+", choices=["app", "rasa", "actions", "watch"], help="只启动这些服务（测试用）"
    )
    args = parser.parse_args(argv)
    try:
        settings = stack_settings()
        settings.check_secrets("internal_token", "rasa_token", "secret_key")
    except (InvalidSetting, InsecureSettings) as error:
        print(error, file=sys.stderr)
        return 1
    specs = [spec for spec in process_specs(settings) if not args.only or spec.name in args.only]
    if any(spec.name in ("rasa", "actions") for spec in specs) and not RASA_BIN.exists():
        print(f"找不到 {RASA_BIN}，请先运行 make setup。", file=sys.stderr)
        return 1
    (settings.home / "rasa").mkdir(parents=True, exist_ok=True)  # the SQLite tracker store
    try:
        upgrade_schema(settings.database_url)
    except (SQLAlchemyError, CommandError, ForeignKeyViolation) as error:
        print(f"数据库结构升级失败：{error}", file=sys.stderr)
        return 1
    supervisor = Supervisor(specs, settings.home / "logs")
    stop = threading.Event()
    _on_signals(stop.set)
    mode = "生产模式（PostgreSQL + Redis）" if shared_stores(settings.database_url, settings.redis_url) else "嵌入模式（SQLite）"
    print(
        f"正在启动问政：网页服务、Rasa 对话服务、动作服务、限时督办（{mode}），"
        f"日志在 {supervisor.log_dir} ……"
    )
    supervisor.start([spec for spec in specs if spec.health_url])
    try:
        supervisor.wait_healthy(settings.start_timeout, stop)
        # Background duties start once the app has created the database schema.
        supervisor.start([spec for spec in specs if not spec.health_url])
        if any(spec.name == "app" for spec in specs):
            warm_up(settings.app_url)
        print(f"问政已就绪，请在浏览器打开 http://{settings.host}:{settings.port}/（按 Ctrl-C 停止）", flush=True)
        while not stop.wait(1.0):
            supervisor.raise_if_exited()
    except RuntimeError as error:
        print(f"启动或运行失败：{error}", file=sys.stderr)
        return 1
    finally:
        print("正在停止所有服务……", flush=True)
        supervisor.stop()
        print("已停止。", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
