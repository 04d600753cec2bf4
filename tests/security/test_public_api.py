"""The citizens' JSON API and the internal API with generated bad bodies, paths and cursors."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.security.strategies import hostile_text, json_bodies, path_segment

# route -> a good body (its field names and types)
JSON_ROUTES = {
    "/api/v1/chat": {"text": "社保卡怎么补办？", "session_id": "x" * 32},
    "/api/v1/search": {"query": "公积金租房提取", "top_k": 3, "history": ["社保"]},
    "/api/v1/answer": {"query": "公积金租房提取", "history": ["社保"], "session_id": "s",
                       "pick": {"source_id": "faq-1", "locator": "问题"}},
    "/api/v1/wechat/login": {"code": "a-login-code", "new_conversation": True},
    "/api/v1/wechat/subscribe": {"session_id": "s", "results": {"tmpl-1": "accept"}},
    "/internal/v1/handoffs": {"session_id": "s", "reason": "user_request", "last_query": "社保",
                              "bot_context": {"turns": []}},
    "/internal/v1/feedback": {"session_id": "s", "helpful": True},
}
# A well-formed body legitimately stores rows on these routes; every refusal stores nothing.
STORING = {"/api/v1/chat", "/api/v1/answer", "/api/v1/wechat/login", "/internal/v1/handoffs"}


def test_every_json_route_is_in_this_list(url_rules):
    posted = {rule for rule, method, _ in url_rules
              if rule.startswith(("/api/", "/internal/")) and method == "POST"}
    assert posted == set(JSON_ROUTES), "add the new route and a good body to JSON_ROUTES"


def _headers(target, route: str, content_type: str) -> dict[str, str]:
    headers = {"Content-Type": content_type} if content_type else {}
    if route.startswith("/internal/"):
        headers["Authorization"] = f"Bearer {target.internal_token}"
    return headers


@pytest.mark.parametrize("route", sorted(JSON_ROUTES))
def test_json_routes_refuse_bad_bodies_cleanly(target, route):
    @given(json_bodies(JSON_ROUTES[route]))
    def attempt(example):
        kind, body, content_type = example
        before = target.counts()
        response = target.send(route, kind, "POST", route, data=body,
                               headers=_headers(target, route, content_type))
        if response.status_code >= 400 or route not in STORING:
            target.unchanged(before, route, kind)

    attempt()


@pytest.mark.parametrize("route", ["/internal/v1/handoffs", "/internal/v1/feedback"])
def test_internal_routes_need_the_token(target, route):
    printable = st.characters(min_codepoint=0x21, exclude_categories=("Cs", "Cc", "Zl", "Zp"))
    @given(st.one_of(st.none(), st.text(printable), st.just(target.internal_token + "x")))
    def attempt(token):
        # Header values travel as bytes: non-Latin-1 tokens are sent as their UTF-8.
        headers = {} if token is None else {"Authorization": f"Bearer {token}".encode()}
        before = target.counts()
        response = target.send(route, "wrong or missing token", "POST", route,
                               json=JSON_ROUTES[route], headers=_headers(target, "", "") | headers)
        assert response.status_code == 401
        target.unchanged(before, route, "wrong or missing token")

    attempt()


def test_transcript_and_stream_paths(target):
    @given(path_segment, st.one_of(st.none(), hostile_text), st.sampled_from(["messages", "stream"]))
    def attempt(session_id, after, leaf):
        route = f"/api/v1/chat/<session_id>/{leaf}"
        query = "" if after is None else "?after=" + quote(after.encode("utf-8", "surrogatepass"))
        path = f"/api/v1/chat/{quote(session_id.encode('utf-8', 'surrogatepass'), safe='')}/{leaf}"
        before = target.counts()
        response = target.send(route, "path tricks and bad cursors", "GET", path + query,
                               stream=True, timeout=10)
        response.close()
        assert response.status_code in (400, 404, 429), response.status_code
        target.unchanged(before, route, "path tricks and bad cursors")

    attempt()
