"""Login lock-out by account with exponential backoff, the real client address behind a
proxy, and the redirect after login (issue 14 items 5 and 11)."""

from __future__ import annotations

import time
from urllib.parse import urljoin, urlsplit

import pytest

from auth.helpers import PASSWORD, csrf_of, login, make_user
from tests.handoff.support import closed_port_url, seed

pytestmark = pytest.mark.fake_embedder  # no ranking asserted: no 471 MB model

WRONG = "not-the-password"


@pytest.fixture
def lock_app(make_app, database_url: str):
    """Both storage modes; a short backoff so a test can wait it out."""
    return make_app(
        DATABASE_URL=database_url, LOGIN_FREE_ATTEMPTS=3, LOGIN_BACKOFF_SECONDS=1.0,
        LOGIN_BACKOFF_MAX_SECONDS=60.0,
    )


def attempt(app, username: str, password: str, address: str = "127.0.0.1"):
    client = app.test_client()
    client.get("/auth/login", environ_base={"REMOTE_ADDR": address})
    return client.post(
        "/auth/login",
        data={"username": username, "password": password, "csrf_token": csrf_of(client)},
        environ_base={"REMOTE_ADDR": address},
    )


def test_lockout_backs_off_exponentially_and_a_right_password_works_afterwards(lock_app):
    make_user(lock_app, "admin1", "admin")
    for n in range(3):  # each from another address: the lock follows the account
        assert attempt(lock_app, "admin1", WRONG, f"203.0.113.{n}").status_code == 401
    locked = attempt(lock_app, "admin1", PASSWORD, "198.51.100.7")
    assert locked.status_code == 429 and "过于频繁" in locked.text
    assert int(locked.headers["Retry-After"]) == 1

    time.sleep(1.1)
    assert attempt(lock_app, "admin1", WRONG).status_code == 401  # 4th failure: 2 s
    second = attempt(lock_app, "admin1", PASSWORD)
    assert second.status_code == 429 and int(second.headers["Retry-After"]) == 2
    time.sleep(1.1)
    assert attempt(lock_app, "admin1", PASSWORD).status_code == 429  # attempts while locked do not count

    time.sleep(1.0)
    assert attempt(lock_app, "admin1", PASSWORD).status_code == 302
    # A success clears the count: the next mistake is a free one again.
    assert attempt(lock_app, "admin1", WRONG).status_code == 401
    assert attempt(lock_app, "admin1", PASSWORD).status_code == 302


def test_the_lock_survives_a_restart(lock_app, make_app, database_url):
    make_user(lock_app, "admin2", "admin")
    for _ in range(3):
        attempt(lock_app, "admin2", WRONG)
    restarted = make_app(DATABASE_URL=database_url, LOGIN_FREE_ATTEMPTS=3, LOGIN_BACKOFF_SECONDS=30.0)
    assert attempt(restarted, "admin2", PASSWORD).status_code == 429


def test_other_accounts_are_not_locked(lock_app):
    make_user(lock_app, "admin3", "admin")
    for _ in range(5):
        attempt(lock_app, "nobody", WRONG)
    assert attempt(lock_app, "admin3", PASSWORD).status_code == 302


def test_behind_a_trusted_proxy_each_client_has_its_own_limits(make_app):
    app = make_app(PROXY_HOPS=1, CHAT_RATE_PER_IP=2, RASA_URL=closed_port_url())
    seed(app)
    client = app.test_client()

    def chat(forwarded_for: str) -> int:
        return client.post(
            "/api/v1/chat", json={"text": "低保"}, headers={"X-Forwarded-For": forwarded_for}
        ).status_code

    assert [chat("198.51.100.1") for _ in range(3)] == [200, 200, 429]
    assert chat("198.51.100.2") == 200  # another citizen behind the same proxy


def test_without_trusted_proxies_a_forged_forwarded_for_changes_nothing(make_app):
    app = make_app(CHAT_RATE_PER_IP=2, RASA_URL=closed_port_url())
    seed(app)
    client = app.test_client()
    statuses = [
        client.post(
            "/api/v1/chat", json={"text": "低保"}, headers={"X-Forwarded-For": f"198.51.100.{n}"}
        ).status_code
        for n in range(3)
    ]
    assert statuses == [200, 200, 429]


def test_login_rate_limit_per_address_uses_the_real_client(make_app):
    app = make_app(PROXY_HOPS=1, LOGIN_RATE_PER_IP=2)
    client = app.test_client()

    def try_login(forwarded_for: str) -> int:
        client.get("/auth/login")
        return client.post(
            "/auth/login",
            data={"username": f"u{time.monotonic_ns()}", "password": WRONG,
                  "csrf_token": csrf_of(client)},
            headers={"X-Forwarded-For": forwarded_for},
        ).status_code

    assert [try_login("198.51.100.1") for _ in range(3)] == [401, 401, 429]
    assert try_login("198.51.100.2") == 401


OFF_SITE = [
    "/\t/evil.example",
    "/\t\t/evil.example/path",
    "/\n/evil.example",
    "/\r\n/evil.example",
    "//evil.example",
    "///evil.example",
    "/\\evil.example",
    "\\/evil.example",
    "/\\/evil.example",
    "https:evil.example",
    "https://evil.example",
    "http:/evil.example",
    "javascript:alert(1)",
    " //evil.example",
    "/\x00/evil.example",
    "evil.example",
]


@pytest.mark.parametrize("target", OFF_SITE)
def test_login_never_redirects_off_site(app, target):
    make_user(app, "zhang", "editor")
    client = app.test_client()
    assert login(client, "zhang").status_code == 302
    for response in (
        client.get("/auth/login", query_string={"next": target}),
        client.post(
            "/auth/login",
            data={"username": "zhang", "password": PASSWORD, "next": target,
                  "csrf_token": csrf_of(client)},
        ),
    ):
        assert response.status_code == 302
        location = response.headers["Location"]
        # What a browser does with the header: drop tabs/newlines, read "\" as "/".
        seen = location.replace("\t", "").replace("\n", "").replace("\r", "").replace("\\", "/")
        assert seen.startswith("/") and not seen.startswith("//"), location
        assert urlsplit(urljoin("http://localhost/auth/login", seen)).netloc == "localhost"


def test_encoded_tab_and_newline_in_next_neither_leave_the_site_nor_fail(app):
    make_user(app, "zhang", "editor")
    client = app.test_client()
    assert login(client, "zhang").status_code == 302
    tab = client.get("/auth/login?next=/%09/evil.example")
    newline = client.get("/auth/login?next=/%0a")
    assert tab.status_code == 302 and "evil.example" not in tab.headers["Location"]
    assert newline.status_code == 302


def test_same_site_next_still_works(app):
    make_user(app, "zhang", "editor")
    client = app.test_client()
    assert login(client, "zhang").status_code == 302
    response = client.get("/auth/login", query_string={"next": "/console/items?q=社保 医保"})
    assert response.headers["Location"].startswith("/console/items?q=")


def test_an_admin_can_lift_a_lock_at_once(lock_app):
    make_user(lock_app, "admin4", "admin")
    for _ in range(3):
        attempt(lock_app, "admin4", WRONG)
    assert attempt(lock_app, "admin4", PASSWORD).status_code == 429
    result = lock_app.test_cli_runner().invoke(args=["users", "unlock", "admin4"])
    assert result.exit_code == 0 and "解除" in result.output
    assert attempt(lock_app, "admin4", PASSWORD).status_code == 302
