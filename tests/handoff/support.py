"""Helpers shared by the handoff, internal-API and operator-console tests."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from flask import Flask
from sqlalchemy.orm import Session

from bot.auth.accounts import create_user
from bot.handoff.departments import seed_demo
from bot.models import Conversation, User

PASSWORD = "operator-pass-123"


def closed_port_url() -> str:
    """A local URL where nothing listens: Rasa is down."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


def seed(app: Flask) -> None:
    with app.app_context():
        db = app.extensions["wenzheng.sessions"]()
        seed_demo(db)
        db.commit()
        db.close()


def add_operator(
    db: Session, username: str, department: str | None = None, role="operator"
) -> User:
    user = create_user(db, username, role, PASSWORD, department, display_name=f"坐席{username}")
    db.commit()
    return user


def add_conversation(db: Session, session_id: str, channel: str = "web") -> Conversation:
    conversation = Conversation(session_id=session_id, channel=channel)
    db.add(conversation)
    db.commit()
    return conversation


class RecordingRasa:
    """A stand-in Rasa HTTP API on 127.0.0.1 that records tracker events it receives."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server naming
                length = int(self.headers.get("Content-Length", 0))
                recorder.requests.append(
                    {"path": self.path, "json": json.loads(self.rfile.read(length) or b"null")}
                )
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *_args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"


@contextmanager
def recording_rasa() -> Iterator[RecordingRasa]:
    rasa = RecordingRasa()
    thread = threading.Thread(target=rasa.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield rasa
    finally:
        rasa.server.shutdown()
        rasa.server.server_close()
