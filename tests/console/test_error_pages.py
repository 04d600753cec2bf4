"""Error pages people see are Chinese (werkzeug's defaults are English)."""

from __future__ import annotations


def test_page_errors_are_chinese(make_app):
    app = make_app(MAX_CONTENT_LENGTH=1024)
    client = app.test_client()
    missing = client.get("/static/no-such-file.css")
    assert missing.status_code == 404 and "找不到请求的内容" in missing.text
    assert "Not Found" not in missing.text
    too_large = client.post("/auth/login", data={"username": "社" * 2000})
    assert too_large.status_code == 413 and "请求内容过大" in too_large.text
    no_token = client.post("/auth/logout")
    assert no_token.status_code == 400 and "页面已过期" in no_token.text
