"""The WeChat server API: access_token cache, customer-service send, mini-program log-in."""

from __future__ import annotations

import json
import threading
import time
from typing import Any, Protocol, cast

import requests

from bot.redaction import redact

# Refresh this many seconds before WeChat says the token expires.
TOKEN_MARGIN_SECONDS = 300
# errcodes meaning "this access_token is invalid or expired": refresh and retry once.
_TOKEN_ERRORS = {40001, 40014, 42001}


class WeChatError(RuntimeError):
    """WeChat answered with an errcode, or could not be reached."""

    def __init__(self, message: str, errcode: int | None = None) -> None:
        super().__init__(message)
        self.errcode = errcode


class TokenStore(Protocol):
    def get(self) -> str | None: ...

    def put(self, token: str, ttl_seconds: int) -> None: ...

    def discard(self, token: str) -> None: ...


class LocalTokenStore:
    """The token for this process only."""

    def __init__(self) -> None:
        self._token: str | None = None
        self._expires = 0.0

    def get(self) -> str | None:
        return self._token if time.monotonic() < self._expires else None

    def put(self, token: str, ttl_seconds: int) -> None:
        self._token, self._expires = token, time.monotonic() + ttl_seconds

    def discard(self, token: str) -> None:
        if self._token == token:
            self._token = None


class RedisTokenStore:
    """One token shared by every app process: each fetch invalidates the previous token."""

    def __init__(self, url: str, appid: str) -> None:
        import redis

        self.client = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
        self.name = f"wenzheng:wechat:token:{appid}"

    def get(self) -> str | None:
        # a sync client: redis-py types its commands for sync and async clients alike
        value = cast("bytes | None", self.client.get(self.name))
        return value.decode() if value else None

    def put(self, token: str, ttl_seconds: int) -> None:
        self.client.set(self.name, token, ex=max(ttl_seconds, 1))

    def discard(self, token: str) -> None:
        if self.get() == token:
            self.client.delete(self.name)


class WeChatClient:
    def __init__(
        self,
        api_base: str,
        appid: str,
        secret: str,
        timeout: float,
        token_store: TokenStore | None = None,
    ) -> None:
        self.api_base = api_base.rstrip("/")
        self.appid = appid
        self.secret = secret
        self.timeout = timeout
        self.tokens = token_store or LocalTokenStore()
        self._lock = threading.Lock()
        self.http = requests.Session()

    def _call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        try:
            response = self.http.request(
                method, f"{self.api_base}{path}", timeout=self.timeout, **kwargs
            )
            data = response.json()
        except (requests.RequestException, ValueError) as exc:
            raise WeChatError(redact(f"WeChat API {path} unreachable: {exc}")) from exc
        if not isinstance(data, dict):
            raise WeChatError(f"WeChat API {path} answered {data!r}")
        if data.get("errcode"):
            raise WeChatError(
                f"WeChat API {path}: {data.get('errcode')} {data.get('errmsg', '')}",
                errcode=int(data["errcode"]),
            )
        return data

    def access_token(self) -> str:
        """The cached token, fetched once (under a lock) when missing or near expiry."""
        token = self.tokens.get()
        if token:
            return token
        with self._lock:
            token = self.tokens.get()
            if token:
                return token
            data = self._call(
                "GET",
                "/cgi-bin/token",
                params={
                    "grant_type": "client_credential",
                    "appid": self.appid,
                    "secret": self.secret,
                },
            )
            token = str(data.get("access_token") or "")
            if not token:
                raise WeChatError("WeChat API /cgi-bin/token returned no access_token")
            expires_in = int(data.get("expires_in") or 7200)
            # Short-lived tokens (tests, odd answers) are kept for half their life.
            self.tokens.put(token, max(expires_in - TOKEN_MARGIN_SECONDS, expires_in // 2, 1))
            return token

    def _with_token(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        token = self.access_token()
        try:
            return self._call(method, path, params={"access_token": token}, **kwargs)
        except WeChatError as exc:
            if exc.errcode not in _TOKEN_ERRORS:
                raise
            self.tokens.discard(token)
            return self._call(method, path, params={"access_token": self.access_token()}, **kwargs)

    def _post_json(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        return self._with_token(
            "POST",
            path,
            # WeChat wants raw UTF-8, not \\u escapes, or it counts six bytes per character.
            data=json.dumps(body, ensure_ascii=False).encode(),
            headers={"Content-Type": "application/json; charset=utf-8"},
        )

    def send_text(self, openid: str, content: str) -> None:
        """One customer-service text message (callers keep it within WeChat's size limit)."""
        body = {"touser": openid, "msgtype": "text", "text": {"content": content}}
        self._post_json("/cgi-bin/message/custom/send", body)

    def send_subscribe(
        self, openid: str, template_id: str, data: dict[str, dict[str, str]], page: str, state: str
    ) -> None:
        """One subscription message (订阅消息); it uses up one consent of the citizen."""
        body = {
            "touser": openid,
            "template_id": template_id,
            "page": page,
            "data": data,
            "miniprogram_state": state,
            "lang": "zh_CN",
        }
        self._post_json("/cgi-bin/message/subscribe/send", body)

    def code_to_openid(self, code: str) -> str:
        """Exchange a ``wx.login`` code for the citizen's openid."""
        data = self._call(
            "GET",
            "/sns/jscode2session",
            params={
                "appid": self.appid,
                "secret": self.secret,
                "js_code": code,
                "grant_type": "authorization_code",
            },
        )
        openid = str(data.get("openid") or "")
        if not openid:
            raise WeChatError("WeChat API /sns/jscode2session returned no openid")
        return openid
