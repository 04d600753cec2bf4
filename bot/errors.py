"""Errors: JSON for the APIs (a clear Chinese message and the right status, never a trace),
Chinese pages in the site's layout for people (bot.error_pages)."""

from __future__ import annotations

from typing import Any

from flask import Flask, jsonify, make_response, request
from werkzeug.exceptions import HTTPException

from bot.error_pages import render_error_page
from bot.handoff.errors import Conflict, Forbidden, HandoffError, Invalid, NotFound


class ApiError(Exception):
    """Raise from a view to answer ``{"error": code, "message": message}`` with ``status``."""

    def __init__(self, status: int, code: str, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.extra = extra


# The one place the handoff domain's refusals become HTTP.
HANDOFF_STATUS: dict[type[HandoffError], int] = {
    Invalid: 400,
    Forbidden: 403,
    NotFound: 404,
    Conflict: 409,
}


def from_handoff_error(exc: HandoffError) -> ApiError:
    return ApiError(HANDOFF_STATUS[type(exc)], exc.code, exc.message)


_HTTP_MESSAGES = {
    400: "请求格式不正确",
    401: "需要登录或有效的凭证",
    403: "没有权限执行此操作",
    404: "找不到请求的内容",
    405: "不支持该请求方法",
    413: "请求内容过大",
    415: "不支持的内容类型，请使用 application/json",
    429: "请求过于频繁，请稍后再试",
    500: "服务器内部错误，请稍后再试",
}


def _wants_json() -> bool:
    return (
        request.path.startswith(("/api/", "/internal/", "/wechat/"))
        or request.accept_mimetypes.best == "application/json"
    )


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def _api_error(exc: ApiError):
        response = jsonify({"error": exc.code, "message": exc.message, **exc.extra})
        if "retry_after" in exc.extra:  # seconds; also in the body for clients that read JSON
            response.headers["Retry-After"] = str(int(exc.extra["retry_after"]))
        return response, exc.status

    @app.errorhandler(HandoffError)
    def _handoff_error(exc: HandoffError):
        return _api_error(from_handoff_error(exc))

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        status = exc.code or 500
        if status < 400:
            return exc
        if not _wants_json():
            description = exc.description
            if status == 413:  # an upload over MAX_CONTENT_LENGTH
                limit = (app.config["MAX_CONTENT_LENGTH"] or 0) // 2**20
                description = f"上传的内容过大（最大 {limit} MB），未保存；请压缩或拆分后再上传。"
            page = make_response(render_error_page(status, description))
            for name, value in exc.get_headers():  # e.g. Allow of a 405
                if name.lower() != "content-type":
                    page.headers[name] = value
            return page
        message = _HTTP_MESSAGES.get(status, exc.description or "请求失败")
        return jsonify({"error": exc.name.lower().replace(" ", "_"), "message": message}), status

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        app.logger.exception("unhandled error on %s", request.path)
        if _wants_json():
            return jsonify({"error": "internal_error", "message": _HTTP_MESSAGES[500]}), 500
        return render_error_page(500)


def json_body() -> dict[str, Any]:
    """The request's JSON object, or a 415/400 ApiError explaining what is wrong."""
    if not request.is_json:
        raise ApiError(415, "unsupported_media_type", _HTTP_MESSAGES[415])
    data = request.get_json(silent=True)
    if data is None:
        raise ApiError(400, "malformed_json", "请求体不是合法的 JSON")
    if not isinstance(data, dict):
        raise ApiError(400, "malformed_json", "请求体必须是 JSON 对象")
    return data
