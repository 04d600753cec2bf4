"""A fake WeChat API server on 127.0.0.1 for tests: real HTTP, recorded requests.

It issues access tokens, can expire them (errcode 42001 on the next call, as WeChat
does), can fail the next calls with a given errcode, exchanges mini-program log-in
codes for openids, and sends subscription messages (订阅消息) only while the citizen has
a consent left (``grant``), like WeChat: 43101 otherwise, 45009 when the daily quota is
used up, 40037 for an unknown template, 47003 for a field value WeChat refuses.
"""

from __future__ import annotations

import itertools
import json
import re
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
    # 订阅消息: the templates of the mini-program, (openid, template) -> consents left,
    # how many sends the daily quota still allows (None: no limit), injected errcodes.
    templates: set[str] = field(default_factory=lambda: {"tmpl-reply"})
    consents: dict[tuple[str, str], int] = field(default_factory=dict)
    subscribe_quota: int | None = None
    subscribe_failures: list[int] = field(default_factory=list)
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

    def grant(self, openid: str, template_id: str, times: int = 1) -> None:
        """The citizen tapped 允许 in wx.requestSubscribeMessage ``times`` times."""
        with self._lock:
            key = (openid, template_id)
            self.consents[key] = self.consents.get(key, 0) + times

    def notices(self) -> list[dict[str, Any]]:
        """Bodies of the subscription messages WeChat accepted."""
        return [r.json for r in self.calls("/cgi-bin/message/subscribe/send") if r.accepted]

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
                "/cgi-bin/message/subscribe/send": self._subscribe_send,
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

    def _authorized_json(self, record: Recorded) -> dict[str, Any] | None:
        """The errcode answer for a bad token or body; None when the call may go on."""
        token = record.query.get("access_token", "")
        if token.startswith("TOKEN-") and token not in self.valid_tokens:
            return {"errcode": 42001, "errmsg": "access_token expired"}
        if token not in self.valid_tokens:
            return {"errcode": 40001, "errmsg": "invalid credential"}
        try:
            record.json = json.loads(record.body.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            return {"errcode": 47001, "errmsg": "data format error"}
        return None

    def _subscribe_send(self, record: Recorded) -> dict[str, Any]:
        refused = self._authorized_json(record)
        if refused:
            return refused
        body = record.json
        key = (body.get("touser", ""), body.get("template_id", ""))
        if key[1] not in self.templates:
            return {"errcode": 40037, "errmsg": "invalid template_id"}
        if body.get("miniprogram_state") not in (None, "developer", "trial", "formal"):
            return {"errcode": 47003, "errmsg": "argument invalid! miniprogram_state"}
        for name, item in (body.get("data") or {}).items():
            value = item.get("value", "") if isinstance(item, dict) else None
            if not isinstance(value, str) or not _valid_field(name, value):
                return {"errcode": 47003, "errmsg": f"argument invalid! data.{name}.value"}
        errcode = self.subscribe_failures.pop(0) if self.subscribe_failures else 0
        if errcode:
            return {"errcode": errcode, "errmsg": "injected failure"}
        if self.subscribe_quota is not None and self.subscribe_quota <= 0:
            return {"errcode": 45009, "errmsg": "reach max api daily quota limit"}
        if self.consents.get(key, 0) <= 0:
            return {"errcode": 43101, "errmsg": "user refuse to accept the msg"}
        self.consents[key] -= 1
        if self.subscribe_quota is not None:
            self.subscribe_quota -= 1
        record.accepted = True
        return {"errcode": 0, "errmsg": "ok"}

    def _send(self, record: Recorded) -> dict[str, Any]:
        refused = self._authorized_json(record)
        if refused:
            return refused
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


# What WeChat accepts in a subscription message field, by the keyword's type.
_FIELD_RULES = {
    "thing": lambda v: 0 < len(v) <= 20,
    "time": lambda v: re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}(:\d{2})?", v) is not None,
    "phrase": lambda v: 0 < len(v) <= 5,
    "character_string": lambda v: 0 < len(v) <= 32,
}


def _valid_field(name: str, value: str) -> bool:
    rule = _FIELD_RULES.get(re.sub(r"\d+$", "", name))
    return rule is not None and rule(value)
