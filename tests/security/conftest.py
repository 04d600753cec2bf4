"""The adversarial suite's target: the real app process on a free port, in each storage mode.

``target`` (session scope, once per mode) starts ``python -m bot.supervisor --only app`` on a
fresh ``WENZHENG_HOME`` with the test knowledge base: ``sqlite`` (embedded) and ``postgres``
(a throw-away PostgreSQL database and a Redis database of its own). Every request of the suite
goes through ``Target.send``, which asserts the common properties (no 5xx, a Chinese message
on every error) and counts what was tried; the counts end up in a JSON summary that
``python -m tests.security.report`` renders (docs/security.md).

Run with ``make security`` (it sets ``WENZHENG_SECURITY=1``); plain ``pytest`` skips this
folder so ``make test`` does not run it twice.
"""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests
from hypothesis import HealthCheck, Phase, settings
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import Engine

from bench.stack import APP_PYTHON, PROJECT_ROOT, SupervisedStack, load_kb, stack_env
from tests.fakes.wechat_server import FakeWeChat
from tests.fixtures.stack import TEST_KB

if not os.environ.get("WENZHENG_SECURITY"):
    collect_ignore_glob = ["test_*.py"]

POSTGRES_ADMIN_URL = os.environ.get(
    "WENZHENG_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
SUMMARY = Path(
    os.environ.get("WENZHENG_SECURITY_SUMMARY", PROJECT_ROOT / "var" / "security" / "summary.json")
)
# Generated examples per property and mode: fixed and derandomized, so CI runs the same inputs.
EXAMPLES = int(os.environ.get("WENZHENG_SECURITY_EXAMPLES", "15"))
PASSWORD = "adversarial-suite-42"
STAFF = {  # username: (role, department)
    "sec-editor": ("editor", None),
    "sec-reviewer": ("reviewer", None),
    "sec-admin": ("admin", None),
    "sec-op-shebao": ("operator", "shebao"),
}
WECHAT_TOKEN = "security-suite-token"
WECHAT_AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
CJK = re.compile(r"[\u4e00-\u9fff]")
# Security bookkeeping a refused request is meant to leave: a failed log-in counts against
# its account (bot/auth/lockout.py), a signed WeChat push's nonce is remembered so it
# cannot be replayed (bot/wechat). Not "half-stored" content.
BOOKKEEPING = frozenset({"login_throttles", "wechat_nonces"})

settings.register_profile(
    "security",
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
    # No shrinking: a failure is reported as generated, so a failing run stays as short.
    phases=(Phase.explicit, Phase.generate),
)
settings.load_profile("security")


@dataclass
class Tally:
    """What the suite tried, per mode and route: requests, status classes, 5xx seen."""

    requests: Counter = field(default_factory=Counter)
    statuses: dict[tuple[str, str], Counter] = field(default_factory=lambda: defaultdict(Counter))
    kinds: dict[tuple[str, str], set[str]] = field(default_factory=lambda: defaultdict(set))
    server_errors: list[dict[str, Any]] = field(default_factory=list)
    half_stored: list[dict[str, Any]] = field(default_factory=list)
    checks: Counter = field(default_factory=Counter)
    seconds: dict[str, float] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        routes = [
            {"mode": mode, "route": route, "requests": self.requests[(mode, route)],
             "statuses": dict(sorted(self.statuses[(mode, route)].items())),
             "inputs": sorted(self.kinds[(mode, route)])}
            for mode, route in sorted(self.requests)
        ]
        return {"examples_per_property": EXAMPLES, "routes": routes,
                "server_errors": self.server_errors, "half_stored": self.half_stored,
                "checks": dict(self.checks), "seconds": self.seconds}


TALLY = Tally()


@dataclass
class Target:
    """One running app in one storage mode, and how to talk to it as anyone."""

    mode: str
    url: str
    home: Path
    engine: Engine
    env: dict[str, str]
    internal_token: str
    staff: dict[str, requests.Session] = field(default_factory=dict)

    def send(
        self, route: str, kind: str, method: str, path: str,
        session: requests.Session | None = None, **kwargs: Any,
    ) -> requests.Response:
        """One request; asserts no 5xx and a Chinese message on any error a person may see."""
        kwargs.setdefault("timeout", 60)
        kwargs.setdefault("allow_redirects", False)
        response = (session or requests).request(method, self.url + path, **kwargs)
        key = (self.mode, route)
        TALLY.requests[key] += 1
        TALLY.statuses[key][f"{response.status_code // 100}xx"] += 1
        TALLY.kinds[key].add(kind)
        if response.status_code >= 500:
            TALLY.server_errors.append({"mode": self.mode, "route": route, "kind": kind,
                                        "method": method, "path": path[:200],
                                        "status": response.status_code})
        assert response.status_code < 500, (self.mode, method, path[:200], response.text[:500])
        if response.status_code >= 400:
            assert CJK.search(error_text(response)), (method, path[:200], response.text[:300])
        return response

    def counts(self) -> dict[str, int]:
        """Rows per table and files under uploads/: what a rejected request must not change."""
        with self.engine.connect() as conn:
            tables = [t for t in inspect(conn).get_table_names() if t not in BOOKKEEPING]
            query = " UNION ALL ".join(f"SELECT '{t}', COUNT(*) FROM \"{t}\"" for t in tables)
            rows = dict(conn.execute(text(query)).all())
        uploads = self.home / "uploads"
        rows["files in uploads/"] = sum(1 for p in uploads.rglob("*") if p.is_file())
        return rows

    def settled_counts(self, timeout: float = 10.0) -> dict[str, int]:
        """Counts once background work (the WeChat worker) has stopped changing them."""
        deadline = time.monotonic() + timeout
        previous = self.counts()
        while time.monotonic() < deadline:
            time.sleep(0.2)
            current = self.counts()
            if current == previous:
                return current
            previous = current
        return previous

    def unchanged(self, before: dict[str, int], route: str, kind: str) -> None:
        """Nothing half-stored: a refused request left every table and the uploads alone."""
        after = self.counts()
        TALLY.checks["half-stored checks"] += 1
        changed = {k: (before.get(k), after.get(k)) for k in after if before.get(k) != after[k]}
        if changed:
            TALLY.half_stored.append({"mode": self.mode, "route": route, "kind": kind,
                                      "changed": changed})
        assert not changed, (route, kind, changed)


def error_text(response: requests.Response) -> str:
    if response.headers.get("Content-Type", "").startswith("application/json"):
        try:
            body = response.json()
        except ValueError:
            return ""
        return str(body.get("message", "")) if isinstance(body, dict) else ""
    return response.text


def csrf_of(session: requests.Session, url: str) -> str:
    page = session.get(url, timeout=30).text
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, f"no CSRF token on {url}"
    return match.group(1)


def login(target: Target, username: str) -> requests.Session:
    session = requests.Session()
    token = csrf_of(session, target.url + "/auth/login")
    response = session.post(
        target.url + "/auth/login",
        data={"username": username, "password": PASSWORD, "csrf_token": token},
        allow_redirects=False, timeout=30,
    )
    assert response.status_code == 302, (username, response.status_code, response.text[:300])
    return session


def _flask(env: dict[str, str], *args: str) -> None:
    subprocess.run([str(APP_PYTHON), "-m", "flask", "--app", "bot", *args], cwd=PROJECT_ROOT,
                   env=env, check=True, capture_output=True, timeout=300)


def _postgres_database() -> tuple[str, Engine]:
    name = f"wz_security_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    return POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}", admin


@pytest.fixture(scope="session")
def url_rules(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[str, str, dict]]:
    """``(rule, method, converters)`` of every route of the app's URL map."""
    from bot import create_app

    home = tmp_path_factory.mktemp("url-map")
    app = create_app({"HOME": str(home), "TESTING": True, "SECRET_KEY": "url-map"})
    rules = [(rule.rule, method, dict(rule._converters))
             for rule in app.url_map.iter_rules()
             for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]
    app.extensions["wenzheng.engine"].dispose()
    return rules


@pytest.fixture(scope="session")
def fake_wechat() -> Iterator[FakeWeChat]:
    """WeChat's API, for the send calls of the worker and the mini-program log-in."""
    fake = FakeWeChat(appid="wx-security-suite", secret="security-suite-secret")
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture(scope="session", params=["sqlite", "postgres"])
def target(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
           fake_wechat: FakeWeChat) -> Iterator[Target]:
    mode = request.param
    started = time.monotonic()
    home = tmp_path_factory.mktemp(f"security-{mode}")
    overrides = {
        "WENZHENG_SECRET_KEY": uuid.uuid4().hex,
        # The suite measures robustness, not the rate limits (their own tests cover them).
        "WENZHENG_CHAT_RATE_PER_IP": "1000000",
        "WENZHENG_CHAT_RATE_PER_SESSION": "1000000",
        "WENZHENG_API_RATE_PER_IP": "1000000",
        "WENZHENG_LOGIN_RATE_PER_IP": "1000000",
        "WENZHENG_RASA_TIMEOUT": "2",
        # Passage vectors by content hash, shared with `make setup`: the KB is encoded once.
        "WENZHENG_EMBEDDING_CACHE": str(PROJECT_ROOT / "var" / "cache" / "embeddings"),
        "WENZHENG_WECHAT_APPID": fake_wechat.appid,
        "WENZHENG_WECHAT_SECRET": fake_wechat.secret,
        "WENZHENG_WECHAT_TOKEN": WECHAT_TOKEN,
        "WENZHENG_WECHAT_ENCODING_AES_KEY": WECHAT_AES_KEY,
        "WENZHENG_WECHAT_API_BASE": fake_wechat.base_url,
    }
    admin = None
    if mode == "postgres":
        database_url, admin = _postgres_database()
        overrides |= {"DATABASE_URL": database_url,
                      "REDIS_URL": f"redis://127.0.0.1:6379/{random.randint(8, 15)}"}
    env = stack_env(home, **overrides)
    load_kb(env, TEST_KB)
    _flask(env, "departments", "seed")
    for username, (role, department) in STAFF.items():
        extra = ["--department", department] if department else []
        _flask(env, "users", "create", username, "--role", role, "--password", PASSWORD, *extra)
    supervised = SupervisedStack(env, only=["app"])
    stack = supervised.start()
    engine = create_engine(overrides.get("DATABASE_URL") or f"sqlite:///{home / 'wenzheng.db'}")
    target = Target(mode=mode, url=stack.app_url, home=home, engine=engine, env=env,
                    internal_token=stack.internal_token)
    target.staff = {username: login(target, username) for username in STAFF}
    TALLY.seconds[f"{mode} start"] = round(time.monotonic() - started, 1)
    try:
        yield target
    finally:
        supervised.stop()
        engine.dispose()
        TALLY.seconds[f"{mode} total"] = round(time.monotonic() - started, 1)
        if admin is not None:
            name = overrides["DATABASE_URL"].rsplit("/", 1)[1]
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """After every fixture's teardown: write the JSON summary and print the figures."""
    if not os.environ.get("WENZHENG_SECURITY") or not TALLY.requests:
        return
    from tests.security.report import render

    SUMMARY.parent.mkdir(parents=True, exist_ok=True)
    SUMMARY.write_text(json.dumps(TALLY.summary(), ensure_ascii=False, indent=1))

    terminalreporter.write_line("")
    terminalreporter.write_line(render(TALLY.summary()))
    terminalreporter.write_line(f"summary: {SUMMARY}")
