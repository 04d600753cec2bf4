"""Every route of the app, as every role and as an anonymous visitor.

Guarded views declare the roles they allow (``allowed_roles``, set by the decorators of
``bot.auth``). Each staff route must be guarded; anonymous visitors are sent to the login
page (or get 401 from JSON endpoints); a wrong role gets 403; an allowed role gets past
the guard and never a server error, even with the empty or nonsensical input of the walk.
"""

from __future__ import annotations

import pytest
from auth.helpers import csrf_of, login, make_user
from werkzeug.routing import IntegerConverter

from bot.models import Role

STAFF_PREFIXES = ("/console", "/operator")


def _url(app, rule) -> str:
    """The rule's URL with ids that exist nowhere (numbers for int parts)."""
    values = {
        name: 999999 if isinstance(converter, IntegerConverter) else "no-such-thing"
        for name, converter in rule._converters.items()
    }
    return app.url_map.bind("localhost").build(rule.endpoint, values)


def _guarded_routes(app):
    routes = []
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        roles = getattr(view, "allowed_roles", None)
        if rule.rule.startswith(STAFF_PREFIXES):
            assert roles is not None, f"{rule.rule} is a staff route without a role check"
        if roles is None:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            routes.append((method, _url(app, rule), roles))
    return routes


def _request(client, method: str, url: str):
    if method == "GET":
        return client.get(url)
    return client.open(url, method=method, data={"csrf_token": csrf_of(client)})


@pytest.fixture
def walk_app(app):
    for role in Role:
        make_user(app, f"walk-{role}", role)
    return app


def test_anonymous_visitors_are_sent_to_log_in(walk_app):
    client = walk_app.test_client()
    client.get("/auth/login")  # a session with a CSRF token, so POSTs reach the guard
    routes = _guarded_routes(walk_app)
    assert len(routes) > 20
    for method, url, _roles in routes:
        response = _request(client, method, url)
        if url.startswith("/api/"):
            assert response.status_code == 401, (method, url)
        else:
            assert response.status_code == 302, (method, url, response.status_code)
            assert "/auth/login" in response.headers["Location"], (method, url)


@pytest.mark.parametrize("role", list(Role))
def test_each_role_gets_exactly_the_routes_it_may_use(walk_app, role):
    client = walk_app.test_client()
    assert login(client, f"walk-{role}").status_code == 302
    for method, url, roles in _guarded_routes(walk_app):
        response = _request(client, method, url)
        if role in roles:
            assert response.status_code not in (401, 403), (role, method, url)
            assert response.status_code < 500, (role, method, url, response.text[:300])
            assert "/auth/login" not in response.headers.get("Location", ""), (role, method, url)
        else:
            assert response.status_code == 403, (role, method, url, response.status_code)


def test_operators_see_no_console_links_and_editors_no_admin_links(walk_app):
    operator = walk_app.test_client()
    login(operator, f"walk-{Role.OPERATOR}")
    editor = walk_app.test_client()
    login(editor, f"walk-{Role.EDITOR}")
    page = editor.get("/console/items").text
    assert 'href="/console/items"' in page and 'href="/console/test"' in page
    assert 'href="/console/users"' not in page and 'href="/console/review"' not in page
    assert operator.get("/console/items").status_code == 403
