"""The handoff domain's refusals: raised without HTTP, answered by the web layer with one
status per kind and the domain's Chinese message; the domain itself imports no Flask."""

from __future__ import annotations

import subprocess
import sys

import pytest

from bot.config import PROJECT_ROOT
from bot.desk import desk
from bot.errors import HANDOFF_STATUS
from bot.handoff.errors import Conflict, Forbidden, HandoffError, Invalid, NotFound
from handoff.support import add_conversation, add_operator

DOMAIN_MODULES = ("bot.handoff.service", "bot.handoff.watch", "bot.handoff.rasa", "core.outbox")


@pytest.fixture
def refusals(handoff_app, db) -> dict[type[HandoffError], HandoffError]:
    """One refusal of each kind, as real desk calls raise them."""
    alice, bob = add_operator(db, "alice"), add_operator(db, "bob")
    handoff, _ = desk().open_handoff(db, add_conversation(db, "s-refused"), "user_request")
    desk().claim(db, handoff.id, alice)
    attempts = {
        NotFound: lambda: desk().claim(db, handoff.id + 1000, bob),
        Invalid: lambda: desk().reply(db, handoff.id, alice, "   "),
        Forbidden: lambda: desk().reply(db, handoff.id, bob, "我来回答"),
        Conflict: lambda: desk().claim(db, handoff.id, bob),
    }
    raised = {}
    for kind, attempt in attempts.items():
        with pytest.raises(kind) as refusal:
            attempt()
        db.rollback()
        raised[kind] = refusal.value
    return raised


@pytest.mark.parametrize(
    ("kind", "status", "code", "message"),
    [
        (NotFound, 404, "handoff_not_found", "找不到该转人工记录"),
        (Invalid, 400, "empty_text", "内容不能为空"),
        (Forbidden, 403, "claimed_by_other", "该会话由 alice 处理中"),
        (Conflict, 409, "already_claimed", "该会话已由 alice 接手"),
    ],
)
def test_each_domain_refusal_is_answered_with_its_status_and_chinese_message(
    handoff_app, refusals, kind, status, code, message
):
    refusal = refusals[kind]
    assert not hasattr(refusal, "status")  # the domain knows no HTTP

    def refuse():
        raise refusal

    handoff_app.add_url_rule("/api/v1/refused", "refused", refuse)
    response = handoff_app.test_client().get("/api/v1/refused")

    assert response.status_code == status
    assert response.get_json() == {"error": code, "message": message}


def test_every_kind_of_refusal_has_a_status():
    assert set(HANDOFF_STATUS) == set(HandoffError.__subclasses__())


def test_the_domain_imports_no_flask():
    probe = (
        "import sys\n"
        + "".join(f"import {module}\n" for module in DOMAIN_MODULES)
        + "print(sorted({m.split('.')[0] for m in sys.modules} & {'flask', 'werkzeug'}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
