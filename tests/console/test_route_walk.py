"""Every route of the app, as every role and as an anonymous visitor.

Guarded views declare the roles they allow (``allowed_roles``, set by the decorators of
``bot.auth``). Each staff route must be guarded; anonymous visitors are sent to the login
page (or get 401 from JSON endpoints); a wrong role gets 403; an allowed role gets past
the guard and never a server error, even with the empty or nonsensical input of the walk.
Every state-changing route refuses a request without the CSRF token (or, under /internal,
without the bearer token) and stores nothing; an operator of one department can neither
see nor change another department's handoffs.
"""

from __future__ import annotations

import pytest
from auth.helpers import csrf_of, login, make_user
from sqlalchemy import func, inspect, select, text
from werkzeug.routing import IntegerConverter

from bot.desk import desk
from bot.models import Conversation, Handoff, Message, Role
from core.db import session_scope
from knowledge_base.models import Item, Kind, Status

pytestmark = pytest.mark.fake_embedder  # no ranking asserted: no 471 MB model

STAFF_PREFIXES = ("/console", "/operator")
STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}


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


def _counts(app) -> dict[str, int]:
    """Rows per table: what a refused request must leave as it was."""
    engine = app.extensions["wenzheng.engine"]
    with engine.connect() as conn:
        return {
            table: conn.execute(text(f'SELECT COUNT(*) FROM "{table}"')).scalar_one()
            for table in inspect(conn).get_table_names()
        }


def _state_changing_routes(app):
    return [(m, url, roles) for m, url, roles in _guarded_routes(app) if m in STATE_CHANGING]


def _one_of_everything(app) -> dict[str, int]:
    """A FAQ draft and a waiting handoff, so the walk's ids point at real objects."""
    with app.app_context(), session_scope(app.extensions["wenzheng.sessions"]) as db:
        item = Item(external_id="faq-walk", kind=Kind.FAQ, title="社保卡怎么补办", body="带身份证。",
                    question="社保卡怎么补办", status=Status.DRAFT)
        conversation = Conversation(session_id="walk-session", channel="web")
        db.add_all([item, conversation])
        db.flush()
        handoff, _ = desk().open_handoff(db, conversation, "user_request", last_query="养老金")
        return {"item_id": item.id, "handoff_id": handoff.id}


def _real_url(app, method: str, url: str, ids: dict[str, int]) -> str:
    for rule in app.url_map.iter_rules():
        if _url(app, rule) == url and method in rule.methods:
            values = {name: ids.get(name, 999999) for name in rule._converters}
            if all(isinstance(c, IntegerConverter) for c in rule._converters.values()):
                return app.url_map.bind("localhost").build(rule.endpoint, values)
    return url


def test_no_csrf_token_no_state_change(walk_app):
    """Every POST of the consoles and auth, as an admin (who passes every role check)."""
    ids = _one_of_everything(walk_app)
    client = walk_app.test_client()
    assert login(client, f"walk-{Role.ADMIN}").status_code == 302
    routes = _state_changing_routes(walk_app)
    assert len(routes) >= 20
    routes += [("POST", "/auth/logout", None), ("POST", "/auth/login", None)]
    for method, url, _roles in routes:
        url = _real_url(walk_app, method, url, ids)
        before = _counts(walk_app)
        for data in ({}, {"csrf_token": "forged-token"}):
            response = client.open(url, method=method, data=data)
            assert response.status_code == 400, (method, url, response.status_code)
            assert "页面已过期" in response.text, (method, url)
        assert _counts(walk_app) == before, (method, url)
    assert client.get("/console/items").status_code == 200  # the logout was refused too


def test_wrong_role_changes_nothing(walk_app):
    ids = _one_of_everything(walk_app)
    for role in Role:
        client = walk_app.test_client()
        assert login(client, f"walk-{role}").status_code == 302
        for method, url, roles in _state_changing_routes(walk_app):
            if role in roles:
                continue
            url = _real_url(walk_app, method, url, ids)
            before = _counts(walk_app)
            response = _request(client, method, url)
            assert response.status_code == 403, (role, method, url, response.status_code)
            assert _counts(walk_app) == before, (role, method, url)


def test_internal_routes_need_their_token(walk_app):
    client = walk_app.test_client()
    routes = [
        (method, rule.rule)
        for rule in walk_app.url_map.iter_rules()
        if rule.rule.startswith("/internal/")
        for method in rule.methods & STATE_CHANGING
    ]
    assert routes
    before = _counts(walk_app)
    for method, url in routes:
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "wrong"}):
            response = client.open(url, method=method, json={"session_id": "s"}, headers=headers)
            assert response.status_code == 401, (method, url, headers)
    assert _counts(walk_app) == before


OPERATOR_ACTIONS = {
    "claim": {},
    "reply": {"text": "您好"},
    "note": {"text": "备注"},
    "transfer": {"department": "minzheng"},
    "resolve": {},
}


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_operator_of_another_department_can_neither_see_nor_act(make_app, database_url):
    from handoff.support import seed

    app = make_app(DATABASE_URL=database_url)
    seed(app)
    make_user(app, "op-yibao", Role.OPERATOR, department="yibao")
    make_user(app, "op-shebao", Role.OPERATOR, department="shebao")
    ids = _one_of_everything(app)  # 养老金: routed to 社保 (shebao)
    handoff_id = ids["handoff_id"]
    outsider, owner = app.test_client(), app.test_client()
    login(outsider, "op-yibao")
    login(owner, "op-shebao")

    def state():
        with session_scope(app.extensions["wenzheng.sessions"]) as db:
            handoff = db.get(Handoff, handoff_id)
            lines = db.scalar(select(func.count()).select_from(Message))
            return handoff.department, handoff.state, handoff.claimed_by, lines

    assert state()[0] == "shebao"
    for leaf in ("", "/transcript"):
        page = outsider.get(f"/operator/handoffs/{handoff_id}{leaf}")
        assert page.status_code == 403
    before = state()
    for action, form in OPERATOR_ACTIONS.items():
        response = outsider.post(f"/operator/handoffs/{handoff_id}/{action}",
                                 data={"csrf_token": csrf_of(outsider), **form})
        assert response.status_code == 403, (action, response.status_code)
        assert state() == before, action
    # Its own department's operator still does all of it.
    for action in ("claim", "reply", "note", "resolve"):
        response = owner.post(f"/operator/handoffs/{handoff_id}/{action}",
                              data={"csrf_token": csrf_of(owner), **OPERATOR_ACTIONS[action]})
        assert response.status_code == 302, action
    assert state()[1:3] == ("resolved", "op-shebao")
