"""The gap queue on real Chinese questions, clustered with the real embedding model."""

from __future__ import annotations

from datetime import timedelta

from auth.helpers import csrf_of, logged_in
from sqlalchemy import select

from bot.console.gaps import dismissed_questions, find_gaps, gap_logs
from bot.models import GapDismissal, QueryLog
from core.db import session_scope, utcnow
from core.text import search_key
from knowledge_base import workflow
from knowledge_base.models import Item, Kind, Status
from knowledge_base.records import ItemData

WITHDRAW = ["怎么提取住房公积金", "公积金提取需要什么材料", "住房公积金怎么取出来", "公积金怎么提现"]
PERMIT = ["居住证怎么办理", "办理居住证需要哪些材料", "外地人怎么办居住证", "居住证在哪里办"]
REMOTE_CARE = ["医保异地就医怎么备案", "异地就医备案流程是什么", "在外地看病怎么办医保备案"]
NEWBORN = ["新生儿怎么上户口"]


def _log(db, query: str, days_ago: float = 0, **fields) -> None:
    values = {"decision": "handoff", "confidence": 0.2, "handed_off": True, **fields}
    db.add(QueryLog(query=query, created_at=utcnow() - timedelta(days=days_ago), **values))


def _seed(app) -> None:
    with session_scope(app.extensions["wenzheng.sessions"]) as db:
        for question in WITHDRAW:
            _log(db, question)
        _log(db, WITHDRAW[0], days_ago=1)  # asked twice
        for question in PERMIT:
            _log(db, question, decision="clarify", handed_off=False, confidence=0.4)
        for question in REMOTE_CARE:
            _log(db, question, decision="answer", confidence=0.9, handed_off=False, helpful=False)
        _log(db, NEWBORN[0], decision="answer", confidence=0.3, handed_off=False)
        # Not gaps: confidently answered and not marked unhelpful, or too old.
        _log(db, "社保卡丢了怎么补办", decision="answer", confidence=0.9, handed_off=False)
        _log(db, "养老保险缴费年限怎么算", days_ago=90)


def test_similar_questions_form_one_gap_each_largest_first(app):
    _seed(app)
    service = app.extensions["wenzheng.retrieval"]
    with session_scope(app.extensions["wenzheng.sessions"]) as db:
        gaps = find_gaps(gap_logs(db, utcnow() - timedelta(days=30)), service.embed_queries)
    assert [sorted(gap["questions"]) for gap in gaps] == [
        sorted(WITHDRAW), sorted(PERMIT), sorted(REMOTE_CARE), NEWBORN
    ]
    assert [gap["count"] for gap in gaps] == [5, 4, 3, 1]
    assert gaps[0]["questions"][0] == WITHDRAW[0]  # the most asked phrasing leads
    assert gaps[2]["reasons"] == {"没帮助": 3}


def test_gap_page_lists_clusters_and_prefills_a_new_faq(app):
    _seed(app)
    editor = logged_in(app, "ed", "editor")
    page = editor.get("/console/gaps").text
    assert page.index("怎么提取住房公积金") < page.index("居住证")
    assert "5 次" in page
    assert "社保卡丢了" not in page and "养老保险缴费年限" not in page
    form = editor.get("/console/faq/new", query_string={"question": PERMIT[0],
                                                        "alt": PERMIT[1:]}).text
    assert f'value="{PERMIT[0]}"' in form and PERMIT[2] in form


def test_attaching_a_gap_to_an_existing_faq_makes_a_draft_for_review(app):
    sessions = app.extensions["wenzheng.sessions"]
    with session_scope(sessions) as db:
        item = workflow.save_draft(db, ItemData(
            external_id="faq-permit", kind=Kind.FAQ, title="如何办理居住证",
            question="如何办理居住证", alt_questions=[], body="到居住地派出所申领。"), "ed")
        workflow.submit(db, item, "ed")
        workflow.approve(db, item, "rev")
    editor = logged_in(app, "ed2", "editor")
    editor.get("/console/gaps")
    response = editor.post("/console/gaps/attach", data={
        "external_id": "faq-permit", "questions": PERMIT, "csrf_token": csrf_of(editor)})
    assert response.status_code == 302
    with session_scope(sessions) as db:
        revisions = db.scalars(select(Item).where(Item.external_id == "faq-permit")
                               .order_by(Item.version)).all()
        assert [r.status for r in revisions] == [Status.PUBLISHED, Status.DRAFT]
        assert revisions[1].alt_questions == PERMIT
        assert revisions[0].alt_questions == []  # citizens see no change before review


UNRELATED = ["驾照到期了怎么换证", "身份证过期了怎么办"]
FOLLOW_UP = "灵活就业人员怎么交社保？那医保呢？可以在网上办吗？断缴了怎么补？"


def test_unrelated_or_run_together_questions_are_not_one_gap():
    class Log:  # the fields find_gaps reads
        def __init__(self, query: str) -> None:
            self.query, self.created_at = query, utcnow()
            self.handed_off, self.helpful, self.decision = True, None, "handoff"

    def embed(texts):  # the worst case: the embedding calls every pair the same need
        import numpy as np
        return np.ones((len(texts), 4), dtype=np.float32) / 2.0

    gaps = find_gaps([Log(q) for q in [*UNRELATED, FOLLOW_UP, *WITHDRAW]], embed)
    assert sorted(sorted(gap["questions"]) for gap in gaps) == sorted(
        [sorted(WITHDRAW), [UNRELATED[0]], [UNRELATED[1]]])  # no run-together follow-up


def test_new_faq_from_a_gap_has_close_alternates_and_a_department_and_can_be_dismissed(app):
    _seed(app)
    editor = logged_in(app, "ed", "editor")
    page = editor.get("/console/gaps").text
    link = page.split('href="/console/faq/new?', 1)[1].split('"', 1)[0]
    form = editor.get("/console/faq/new?" + link.replace("&amp;", "&")).text
    assert f'value="{WITHDRAW[0]}"' in form
    assert '<option value="gongjijin" selected>公积金</option>' in form

    response = editor.post("/console/faq/new", data={
        "question": WITHDRAW[0], "body": "登录公积金网上服务大厅申请提取。",
        "csrf_token": csrf_of(editor)})
    assert response.status_code == 302
    page = editor.get("/console/gaps").text
    assert f"已有草稿：{WITHDRAW[0]}" in page

    response = editor.post("/console/gaps/dismiss", data={
        "questions": PERMIT, "reason": "居住证由公安窗口答复，不进知识库",
        "csrf_token": csrf_of(editor)})
    assert response.status_code == 302
    page = editor.get("/console/gaps").text
    assert "已忽略" in page and "居住证由公安窗口答复" in page
    assert all(f"<li>{q}</li>" not in page for q in PERMIT)  # remembered: not listed again


def test_dismissing_is_stored_in_both_databases_even_with_a_nul_character(make_app, database_url):
    app = make_app(DATABASE_URL=database_url)
    editor = logged_in(app, "ed", "editor")
    editor.get("/console/transfer")
    response = editor.post("/console/gaps/dismiss", data={
        "questions": UNRELATED, "reason": "不属于本平台\x00业务", "csrf_token": csrf_of(editor)})
    assert response.status_code == 302
    with session_scope(app.extensions["wenzheng.sessions"]) as db:
        [row] = db.scalars(select(GapDismissal)).all()
        assert row.reason == "不属于本平台业务" and row.questions == UNRELATED and row.actor == "ed"
        assert dismissed_questions(db) == {search_key(q) for q in UNRELATED}
