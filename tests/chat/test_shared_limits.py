"""Rate limits shared by app processes through the real Redis (production mode): a citizen
or a password guesser who reaches another process behind the load balancer is still
counted. Two app instances with separate in-process state stand for two processes."""

from __future__ import annotations

import uuid

import pytest
from auth.helpers import csrf_of
from flask import Flask

from tests.handoff.support import closed_port_url, seed

pytestmark = pytest.mark.fake_embedder  # nothing is searched

REDIS_URL = "redis://127.0.0.1:6379/0"


def new_address() -> dict[str, dict[str, str]]:
    """A client address of its own: Redis keeps counts across runs for the window."""
    n = uuid.uuid4().int
    return {"environ_base": {"REMOTE_ADDR": f"10.{n % 250}.{n // 250 % 250}.{n // 62500 % 250 + 1}"}}


def two_processes(make_app, **limits) -> tuple[Flask, Flask]:
    first, second = (
        make_app(REDIS_URL=REDIS_URL, RASA_URL=closed_port_url(), **limits) for _ in range(2)
    )
    seed(first)
    return first, second


def chat(app: Flask, address: dict, session_id: str | None = None):
    body = {"text": "低保怎么申请？", **({"session_id": session_id} if session_id else {})}
    return app.test_client().post("/api/v1/chat", json=body, **address)


def test_the_chat_limit_per_address_is_shared(make_app):
    first, second = two_processes(make_app, CHAT_RATE_PER_IP=3)
    address = new_address()

    statuses = [chat(app, address).status_code for app in (first, second, first, second)]

    assert statuses == [200, 200, 200, 429]
    refused = chat(first, address)
    assert refused.status_code == 429 and refused.get_json()["error"] == "rate_limited"
    assert chat(second, new_address()).status_code == 200  # another citizen is served


def test_the_chat_limit_per_session_is_shared(make_app):
    first, second = two_processes(make_app, CHAT_RATE_PER_SESSION=3)
    address = new_address()
    session_id = chat(first, address).get_json()["session_id"]

    statuses = [chat(app, address, session_id).status_code for app in (second, first, second, first)]

    # The first message opened the session; three more are allowed in the window.
    assert statuses == [200, 200, 200, 429]


def test_the_login_limit_per_address_is_shared(make_app):
    first, second = two_processes(make_app, LOGIN_RATE_PER_IP=2)
    address = new_address()

    def try_login(app: Flask) -> int:
        client = app.test_client()
        client.get("/auth/login", **address)
        return client.post(
            "/auth/login",
            data={"username": "nobody", "password": "wrong-password", "csrf_token": csrf_of(client)},
            **address,
        ).status_code

    assert [try_login(app) for app in (first, second, first)] == [401, 401, 429]
