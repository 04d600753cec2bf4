"""Error pages through HTTP: an unexpected failure is a Chinese page, never a trace;
JSON clients still get JSON."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.fake_embedder  # no ranking asserted: no 471 MB model


def test_an_unexpected_error_is_a_chinese_page_in_the_layout(make_app):
    app = make_app(PROPAGATE_EXCEPTIONS=False)

    @app.get("/console/boom")
    def boom():
        raise RuntimeError("secret internals")

    response = app.test_client().get("/console/boom")

    page = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "服务器出错了" in page and "问政 · 工作台" in page
    assert "secret internals" not in page and "Traceback" not in page


def test_a_json_client_gets_json_errors_off_the_api_paths(client):
    response = client.get("/no-such-page", headers={"Accept": "application/json"})
    assert response.status_code == 404 and response.get_json()["message"] == "找不到请求的内容"


def test_a_405_keeps_its_allow_header(client):
    response = client.get("/auth/logout")
    assert response.status_code == 405 and "POST" in response.headers["Allow"]
    assert "不支持的访问方式" in response.get_data(as_text=True)


def test_page_errors_are_chinese(make_app):
    app = make_app(MAX_CONTENT_LENGTH=1024)
    client = app.test_client()
    missing = client.get("/static/no-such-file.css")
    assert missing.status_code == 404 and "Not Found" not in missing.text
    too_large = client.post("/auth/login", data={"username": "社" * 2000})
    assert too_large.status_code == 413 and "Request Entity Too Large" not in too_large.text
    no_token = client.post("/auth/logout")
    assert no_token.status_code == 400 and "页面已过期" in no_token.text
