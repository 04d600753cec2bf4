"""HTTP endpoints: WeChat's message push callback and the mini-program log-in."""

from __future__ import annotations

import re
from typing import Any, TypedDict

from flask import Blueprint, Response, current_app, request

from bot.db import get_db
from bot.errors import ApiError, json_body
from bot.ratelimit import allow
from bot.wechat.client import WeChatError
from bot.wechat.crypto import CryptoError, MessageCrypto
from bot.wechat.messages import MalformedMessage, parse_fields, to_inbound
from bot.wechat.replay import is_fresh, nonce_key
from bot.wechat.signature import is_valid
from bot.wechat.subscribe import CHANNEL, ConsentError, SubscriptionNotifier
from bot.wechat.worker import WeChatWorker
from wire.production import is_production

bp = Blueprint("wechat", __name__)

# A pushed text message is at most a few KB; anything far larger is not from WeChat.
MAX_PUSH_BYTES = 64 * 1024
LOGIN_RATE_PER_IP = 30  # per minute


class LoginResponse(TypedDict):
    session_id: str
    max_chars: int  # MAX_QUERY_CHARS: the page's character counter
    subscribe_templates: list[str]  # what wx.requestSubscribeMessage should ask for
    dev_login: bool


# Development log-in: the random id a device keeps in its storage.
DEV_USER = re.compile(r"[A-Za-z0-9_-]{8,64}")


def _worker() -> WeChatWorker:
    return current_app.extensions["wenzheng.wechat"]


def _notifier() -> SubscriptionNotifier:
    return current_app.extensions["wenzheng.wechat.subscribe"]


def _plain(text: str, status: int = 200) -> Response:
    return Response(text, status=status, mimetype="text/plain")


def _check_signature(*extra: str) -> None:
    """403 unless the request is signed with our token (``extra``: the encrypted body)."""
    token = current_app.config["WECHAT_TOKEN"]
    args = request.args
    timestamp, nonce = args.get("timestamp", ""), args.get("nonce", "")
    if not token or not is_valid(args.get("signature"), token, timestamp, nonce):
        raise ApiError(403, "bad_signature", "签名校验失败")
    if extra and not is_valid(args.get("msg_signature"), token, timestamp, nonce, *extra):
        raise ApiError(403, "bad_signature", "消息签名校验失败")


def _check_fresh() -> None:
    """403 for a signed request outside the time window or carrying a nonce seen before."""
    window = current_app.config["WECHAT_TIMESTAMP_WINDOW"]
    timestamp, nonce = request.args.get("timestamp", ""), request.args.get("nonce", "")
    if not is_fresh(timestamp, window):
        raise ApiError(403, "stale_timestamp", "请求时间戳超出允许范围，请检查服务器时间")
    nonces = current_app.extensions["wenzheng.wechat.nonces"]
    if not nonces.first_use(nonce_key(timestamp, nonce), 2 * window):
        raise ApiError(403, "replayed_request", "重复的请求（nonce 已使用）")


@bp.get("/wechat/callback")
def verify() -> Response:
    """WeChat's URL check when the push is configured: echo ``echostr`` if signed by us."""
    _check_signature()
    _check_fresh()
    return _plain(request.args.get("echostr", ""))


@bp.post("/wechat/callback")
def receive() -> Response:
    """Store the pushed message and answer ``success`` at once; the worker replies later."""
    if (request.content_length or 0) > MAX_PUSH_BYTES:
        raise ApiError(413, "too_large", "消息内容过大")
    _check_signature()
    _check_fresh()  # the signature covers timestamp and nonce: both are WeChat's
    body = request.get_data(cache=False)
    try:
        fields = parse_fields(body)
        if "Encrypt" in fields:
            _check_signature(fields["Encrypt"])
            fields = parse_fields(_crypto().decrypt(fields["Encrypt"]))
        elif current_app.config["WECHAT_ENCODING_AES_KEY"]:
            # Safe mode is configured: a plaintext body is not from WeChat.
            raise ApiError(400, "plaintext_refused", "已启用安全模式，不接受明文消息")
        elif request.args.get("encrypt_type") == "aes":
            raise MalformedMessage("safe mode message without Encrypt")
        inbound = to_inbound(fields)
    except CryptoError as exc:
        raise ApiError(403, "bad_ciphertext", "消息解密失败") from exc
    except (MalformedMessage, UnicodeDecodeError) as exc:
        raise ApiError(400, "malformed_message", "消息格式不正确") from exc
    _worker().accept(inbound)
    return _plain("success")


def _crypto() -> MessageCrypto:
    config = current_app.config
    try:
        return MessageCrypto(config["WECHAT_ENCODING_AES_KEY"], config["WECHAT_APPID"])
    except CryptoError as exc:
        current_app.logger.error("WECHAT_ENCODING_AES_KEY is not usable: %s", exc)
        raise ApiError(503, "wechat_not_configured", "服务暂未配置消息加密") from exc


@bp.post("/api/v1/wechat/login")
def login() -> LoginResponse:
    """Exchange a ``wx.login`` code for the citizen's one mini-program conversation.

    ``new_conversation: true`` starts another one (新对话); it becomes the citizen's current one.
    """
    from bot.chat.service import get_or_create_conversation

    if not allow(f"wechat-login:{request.remote_addr}", LOGIN_RATE_PER_IP, 60):
        raise ApiError(429, "rate_limited", "请求过于频繁，请稍后再试")
    body = json_body()
    code = body.get("code")
    if not isinstance(code, str) or not code.strip() or len(code) > 256:
        raise ApiError(400, "invalid_code", "缺少有效的登录凭证 code")
    openid = _dev_openid(body) if current_app.config["WECHAT_DEV_LOGIN"] else _openid(code)
    db = get_db()
    conversation = get_or_create_conversation(
        db,
        channel="miniprogram",
        citizen_ref=openid,
        fresh=body.get("new_conversation") is True,
    )
    db.commit()
    config = current_app.config
    return LoginResponse(
        session_id=conversation.session_id,
        max_chars=config["MAX_QUERY_CHARS"],
        subscribe_templates=_notifier().templates,
        dev_login=bool(config["WECHAT_DEV_LOGIN"]),
    )


def _openid(code: str) -> str:
    config = current_app.config
    if not config["WECHAT_APPID"] or not config["WECHAT_SECRET"]:
        current_app.logger.error(
            "mini-program log-in: WECHAT_APPID/WECHAT_SECRET are not set "
            "(for WeChat DevTools without an AppID set WENZHENG_WECHAT_DEV_LOGIN=1)"
        )
        raise ApiError(
            503,
            "wechat_not_configured",
            "服务器未配置小程序登录（开发环境可设置 WENZHENG_WECHAT_DEV_LOGIN=1）",
        )
    try:
        return _worker().client.code_to_openid(code.strip())
    except WeChatError as exc:
        current_app.logger.warning("wx.login code exchange failed: %s", exc)
        if exc.errcode is None:
            raise ApiError(502, "wechat_unavailable", "微信服务暂时无法访问，请稍后再试") from exc
        raise ApiError(400, "invalid_code", "登录凭证无效或已过期，请重新进入小程序") from exc


def _in_production() -> bool:
    return is_production(current_app.config["DATABASE_URL"], current_app.config["ENV"])


def _dev_openid(body: dict[str, Any]) -> str:
    """Development log-in: the device's own random id stands in for the openid.

    Anyone could claim any id, so it is refused outright in production.
    """
    if _in_production():
        current_app.logger.error("WECHAT_DEV_LOGIN is set in production: log-in refused")
        raise ApiError(
            403,
            "dev_login_refused",
            "开发登录只能在本地开发环境使用，生产环境请关闭 WECHAT_DEV_LOGIN 并配置小程序 AppID",
        )
    dev_user = body.get("dev_user")
    if not isinstance(dev_user, str) or not DEV_USER.fullmatch(dev_user):
        raise ApiError(400, "invalid_dev_user", "开发登录需要 8–64 位字母或数字的 dev_user")
    return f"dev-{dev_user}"


@bp.post("/api/v1/wechat/subscribe")
def subscribe() -> dict[str, dict[str, int]]:
    """Store the citizen's answer to ``wx.requestSubscribeMessage`` (one message per accept)."""
    from bot.chat.service import UnknownSession, get_or_create_conversation

    if not allow(f"wechat-subscribe:{request.remote_addr}", LOGIN_RATE_PER_IP, 60):
        raise ApiError(429, "rate_limited", "请求过于频繁，请稍后再试")
    body = json_body()
    session_id = body.get("session_id")
    if not isinstance(session_id, str) or not session_id:
        raise ApiError(400, "invalid_session_id", "缺少 session_id")
    try:
        conversation = get_or_create_conversation(get_db(), session_id=session_id)
    except UnknownSession:
        raise ApiError(404, "unknown_session", "会话不存在或已失效") from None
    if conversation.channel != CHANNEL or not conversation.citizen_ref:
        raise ApiError(400, "not_miniprogram", "只有小程序会话可以订阅消息")
    try:
        credits = _notifier().record_consent(conversation.citizen_ref, body.get("results"))
    except ConsentError as exc:
        raise ApiError(400, "invalid_results", str(exc)) from exc
    return {"credits": credits}
