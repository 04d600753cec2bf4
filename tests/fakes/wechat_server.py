"""A fake WeChat API server on 127.0.0.1 for tests: real HTTP, recorded requests.

It issues access tokens, can expire them (errcode 42001 on the next call, as WeChat
does), can fail the next calls with a given errcode, and exchanges mini-program log-in
codes for openids.
"""

from __future__ import annotations

import itertools
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, str]
    body: bytes
    json: Any = None
    accepted: bool = False  # WeChat answered errcode 0


@dataclass
class FakeWeChat:
    appid: str = "wx-test-app"
    secret: str = "test-secret"
    expires_in: int = 7200
    requests: list[Recorded] = field(default_factory=list)
    # login code -> openid
    codes: dict[str, str] = field(default_factory=dict)
    # errcodes to answer the next send calls with, in order (0: accept that call)
    send_failures: list[int] = field(default_factory=list)
    valid_tokens: set[str] = field(default_factory=set)
    _counter: itertools.count = field(default_factory=lambda: itertools.count(1))
    _lock: threading.Lock = field(default_factory=threading.Lock)
    base_url: str = ""
    _server: ThreadingHTTPServer | None = None

    # -- control ----------------------------------------------------------------------

    def start(self) -> str:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                fake._handle(self, b"")

            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                fake._handle(self, self.rfile.read(length))

            def log_message(self, *_args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}"
        return self.base_url

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def expire_tokens(self) -> None:
        with self._lock:
            self.valid_tokens.clear()

    def calls(self, path: str) -> list[Recorded]:
        with self._lock:
            return [r for r in self.requests if r.path == path]

    def sent(self) -> list[dict[str, Any]]:
        """Bodies of the customer-service messages WeChat accepted."""
        return [r.json for r in self.calls("/cgi-bin/message/custom/send") if r.accepted]

    # -- API --------------------------------------------------------------------------

    def _handle(self, handler: BaseHTTPRequestHandler, body: bytes) -> None:
        url = urlsplit(handler.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        record = Recorded(handler.command, url.path, query, body)
        with self._lock:
            self.requests.append(record)
            routes = {
                "/cgi-bin/token": self._token,
                "/cgi-bin/message/custom/send": self._send,
                "/sns/jscode2session": self._jscode2session,
            }
            route = routes.get(url.path)
            answer = route(record) if route else {"errcode": 404, "errmsg": "no such API"}
        payload = json.dumps(answer).encode()
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(payload)))
        handler.end_headers()
        handler.wfile.write(payload)

    def _token(self, record: Recorded) -> dict[str, Any]:
        q = record.query
        if q.get("grant_type") != "client_credential":
            return {"errcode": 40002, "errmsg": "invalid grant_type"}
        if q.get("appid") != self.appid or q.get("secret") != self.secret:
            return {"errcode": 40125, "errmsg": "invalid appsecret"}
        token = f"TOKEN-{next(self._counter)}"
        self.valid_tokens.add(token)
        return {"access_token": token, "expires_in": self.expires_in}

    def _send(self, record: Recorded) -> dict[str, Any]:
        token = record.query.get("access_token", "")
        if token.startswith("TOKEN-") and token not in self.valid_tokens:
            return {"errcode": 42001, "errmsg": "access_token expired"}
        if token not in self.valid_tokens:
            return {"errcode": 40001, "errmsg": "invalid credential"}
        try:
            record.json = json.loads(record.body.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            return {"errcode": 47001, "errmsg": "data format error"}
        errcode = self.send_failures.pop(0) if self.send_failures else 0
        if errcode:
            return {"errcode": errcode, "errmsg": "injected failure"}
        content = record.json.get("text", {}).get("content", "")
        if len(content.encode()) > 2048:
            return {"errcode": 45002, "errmsg": "content size out of limit"}
        record.accepted = True
        return {"errcode": 0, "errmsg": "ok"}

    def _jscode2session(self, record: Recorded) -> dict[str, Any]:
        q = record.query
        if q.get("appid") != self.appid or q.get("secret") != self.secret:
            return {"errcode": 40125, "errmsg": "invalid appsecret"}
        if q.get("grant_type") != "authorization_code":
            return {"errcode": 40002, "errmsg": "invalid grant_type"}
        openid = self.codes.pop(q.get("js_code", ""), None)  # a code works once
        if openid is None:
            return {"errcode": 40029, "errmsg": "invalid code"}
        return {"openid": openid, "session_key": "fake-session-key"}
