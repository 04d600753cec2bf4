"""The supervised processes listen only where configured; no secret in the process list
(issue 14 items 3 and 4)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import psutil
import pytest

from bench.stack import LiveStack, SupervisedStack, stack_env

pytestmark = pytest.mark.integration


def listening(port: int) -> set[str]:
    """Addresses with a listening TCP socket on ``port`` (read from /proc/net/tcp[6])."""
    return {
        c.laddr.ip
        for c in psutil.net_connections(kind="inet")
        if c.status == psutil.CONN_LISTEN and c.laddr.port == port
    }


def own_processes(stack_home: Path) -> list[psutil.Process]:
    """Every process started for this stack (its environment names its home)."""
    found = []
    for process in psutil.process_iter(["cmdline", "environ"]):
        if (process.info["environ"] or {}).get("WENZHENG_HOME") == str(stack_home):
            found.append(process)
    return found


def test_every_server_listens_on_loopback_only(live_stack: LiveStack):
    for url in (live_stack.app_url, live_stack.rasa_url, live_stack.actions_url):
        assert listening(urlsplit(url).port) == {"127.0.0.1"}, url


def test_no_token_in_the_process_list(live_stack: LiveStack):
    processes = own_processes(live_stack.home)
    assert len(processes) >= 4  # supervisor, app, Rasa, action server (+ watch)
    for process in processes:
        command = " ".join(process.info["cmdline"] or [])
        assert live_stack.rasa_token not in command and live_stack.internal_token not in command


@pytest.mark.parametrize(
    ("configured", "expected"), [(None, "127.0.0.1"), ("0.0.0.0", "0.0.0.0")]
)
def test_the_action_server_listens_on_loopback_unless_configured(tmp_path: Path, configured, expected):
    extra = {"WENZHENG_ACTIONS_HOST": configured} if configured else {}
    env = stack_env(tmp_path / "home", **extra)
    supervised = SupervisedStack(env, only=["actions"])
    try:
        supervised.start()
        assert listening(urlsplit(env["WENZHENG_ACTIONS_URL"]).port) == {expected}
    finally:
        supervised.stop()
