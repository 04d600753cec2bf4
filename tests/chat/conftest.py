"""Chat fixtures: app instances whose Rasa is unreachable, stalled or hangs up on a real socket."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from flask import Flask
from werkzeug.serving import make_server

from tests.handoff.support import closed_port_url, seed


class BrokenRasa:
    """A TCP server on 127.0.0.1 that reads each request, records it, and never answers.

    ``stall``: keeps the connection open until the test ends (Rasa hangs);
    otherwise closes it without a response (Rasa crashed mid-request).
    """

    def __init__(self, stall: bool) -> None:
        self.stall = stall
        self.bodies: list[dict] = []
        self.released = threading.Event()
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        with conn:
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                data += chunk
            head, _, body = data.partition(b"\r\n\r\n")
            length = next(
                int(line.split(b":")[1])
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"content-length:")
            )
            while len(body) < length:
                body += conn.recv(65536)
            self.bodies.append(json.loads(body))
            if self.stall:
                self.released.wait(30)

    def close(self) -> None:
        self.released.set()
        self.sock.close()


@pytest.fixture
def hangup_rasa() -> Iterator[BrokenRasa]:
    rasa = BrokenRasa(stall=False)
    yield rasa
    rasa.close()


@pytest.fixture
def stalled_rasa() -> Iterator[BrokenRasa]:
    rasa = BrokenRasa(stall=True)
    yield rasa
    rasa.close()


@pytest.fixture
def chat_app(make_app, database_url: str) -> Flask:
    """An app on SQLite and on PostgreSQL whose Rasa is down, with the demo departments."""
    app = make_app(DATABASE_URL=database_url, RASA_URL=closed_port_url())
    seed(app)
    return app


@contextmanager
def serving(app: Flask) -> Iterator[str]:
    """Run ``app`` on a real threaded HTTP server on a free 127.0.0.1 port; yields its URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
