"""Every other route of the app as an anonymous visitor: pages, consoles, static, log-in.

Routes are read from the app's URL map, so a new route is walked without editing this file.
Staff routes must send the visitor to the log-in page (or refuse a POST without a CSRF
token); nothing may be stored; errors are Chinese.
"""

from __future__ import annotations

from urllib.parse import quote

import pytest
import requests
from hypothesis import given
from hypothesis import strategies as st
from werkzeug.routing import IntegerConverter

from tests.security.conftest import csrf_of
from tests.security.strategies import hostile_text, long_line, path_segment

# Covered with their own bodies by test_public_api.py and test_wechat.py; streams hold open.
ELSEWHERE = ("/api/", "/internal/", "/wechat/")


def _q(text: str) -> str:
    return quote(text.encode("utf-8", "surrogatepass"), safe="")


@pytest.fixture
def routes(url_rules) -> list[tuple[str, str, dict]]:
    return [(rule, method, converters) for rule, method, converters in url_rules
            if not rule.startswith(ELSEWHERE)]


def _values(converters: dict) -> st.SearchStrategy[dict[str, str]]:
    return st.fixed_dictionaries({
        name: (st.integers(0, 2**70).map(str) | path_segment.map(_q))
        if isinstance(converter, IntegerConverter) else path_segment.map(_q)
        for name, converter in converters.items()
    })


def _path(rule: str, values: dict[str, str]) -> str:
    for name, value in values.items():
        for pattern in (f"<int:{name}>", f"<path:{name}>", f"<{name}>"):
            rule = rule.replace(pattern, value or "x")
    return rule


def test_anonymous_visitor_on_every_route(target, routes):
    assert len(routes) > 30
    visitor = requests.Session()
    token = csrf_of(visitor, target.url + "/auth/login")
    for rule, method, converters in routes:
        if not rule.startswith("/auth/"):  # test_login_form
            _walk(target, visitor, token, rule, method, converters)


def _walk(target, visitor, token: str, rule: str, method: str, converters: dict) -> None:
    # Query values stay short (a URL over waitress's header limit is answered by waitress).
    fields = st.dictionaries(hostile_text, hostile_text | long_line if method == "POST"
                             else hostile_text, max_size=4)

    @given(_values(converters), fields, st.booleans())
    def attempt(values, fields, with_token):
        kind = "path tricks, odd query and form fields" + (
            ", CSRF token" if with_token else ", no CSRF token")
        data = fields | ({"csrf_token": token} if with_token else {})
        before = target.counts()
        kwargs = {"params": _encoded(fields)} if method == "GET" else {"data": _encoded(data)}
        response = target.send(rule, kind, method, _path(rule, values), session=visitor,
                               stream=True, timeout=20, **kwargs)
        response.close()
        if rule.startswith(("/console", "/operator")) and response.status_code < 400:
            assert response.status_code == 302, (rule, response.status_code)
            assert "/auth/login" in response.headers["Location"]
        target.unchanged(before, rule, kind)

    attempt()


def _encoded(fields: dict[str, str]) -> dict[bytes, bytes]:
    return {k.encode("utf-8", "surrogatepass"): v.encode("utf-8", "surrogatepass")
            for k, v in fields.items()}


def test_login_form(target):
    visitor = requests.Session()
    token = csrf_of(visitor, target.url + "/auth/login")

    @given(hostile_text | long_line, hostile_text, path_segment, st.booleans())
    def attempt(username, password, next_url, with_token):
        kind = "odd credentials and next URLs" + ("" if with_token else ", no CSRF token")
        data = {"username": username, "password": password, "next": next_url}
        if with_token:
            data["csrf_token"] = token
        before = target.counts()
        response = target.send("/auth/login", kind, "POST", "/auth/login", session=visitor,
                               data=_encoded(data))
        assert response.status_code in (400, 401, 413, 429), response.status_code
        target.unchanged(before, "/auth/login", kind)
        shown = target.send("/auth/login", "odd next URLs", "GET", "/auth/login",
                            params={"next": next_url.encode("utf-8", "surrogatepass")})
        assert shown.status_code == 200

    attempt()
