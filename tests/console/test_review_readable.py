"""What staff read while reviewing: a readable diff, Chinese labels, no dead ends, true dates."""

from __future__ import annotations

import io
import re

from auth.helpers import csrf_of, logged_in

from bot.console.changes import opcodes
from console.test_curation import FAQ_FORM, items_of, post, submitted_faq
from knowledge_base.models import Status

ADDED = "灵活就业人员也可以在居住地参保。"


def published_faq(app):
    """The submitted FAQ approved by 'rev'; returns both clients and its id."""
    editor, reviewer, item = submitted_faq(app)
    post(reviewer, f"/console/items/{item.id}/approve", confirmed="1")
    settle(app)
    return editor, reviewer, item.id


def settle(app) -> None:
    """Wait for the background rebuild a publication started (no thread outlives the test)."""
    app.extensions["wenzheng.retrieval"].rebuild(wait=True)


def test_one_added_sentence_is_one_insertion_not_a_paragraph_replaced():
    before = "第一段说明缴存比例。\n单位和职工的缴存比例均为5%至12%。具体比例由单位确定。\n第三段。"
    after = before.replace("。具体", f"。{ADDED}具体")
    changed = [run for run in opcodes(before, after) if run[0] != "equal"]
    assert changed == [("insert", "", ADDED)]
    # a changed figure is one small replacement, with the unchanged words around it kept
    changed = [run for run in opcodes("比例为5%至12%。", "比例为6%至12%。") if run[0] != "equal"]
    assert changed == [("replace", "5", "6")]


def test_reviewer_sees_the_revision_side_by_side_and_must_confirm(app):
    editor, reviewer, item_id = published_faq(app)
    editor.get(f"/console/items/{item_id}/edit")
    body = FAQ_FORM["body"] + ADDED
    response = post(editor, f"/console/items/{item_id}/edit", **{**FAQ_FORM, "body": body})
    draft_id = int(response.headers["Location"].rsplit("/", 1)[1])
    post(editor, f"/console/items/{draft_id}/submit")

    queue = reviewer.get("/console/review").text
    assert "修订（线上版本继续服务）" in queue and f"<ins>{ADDED}</ins>" in queue
    page = reviewer.get(f"/console/items/{draft_id}").text
    top = page.index('id="change"')
    assert top < page.index("检索片段") and "<del>" not in page[top:page.index("</section>", top)]
    assert re.search(r'name="confirmed" value="1" required> 我已核对以上修改', page)

    unconfirmed = post(reviewer, f"/console/items/{draft_id}/approve")
    assert "请先勾选" in reviewer.get(unconfirmed.headers["Location"]).text
    assert items_of(app)[-1].status == Status.REVIEW
    post(reviewer, f"/console/items/{draft_id}/approve", confirmed="1")
    assert items_of(app)[-1].status == Status.PUBLISHED
    settle(app)


def test_staff_pages_name_actions_fields_and_roles_in_chinese(app):
    editor, reviewer, item_id = published_faq(app)
    editor.get(f"/console/items/{item_id}/edit")
    post(editor, f"/console/items/{item_id}/edit",
         **{**FAQ_FORM, "alt_questions": "公积金交多少\n公积金比例\n公积金缴存比例是多少"})
    audit = reviewer.get("/console/audit").text
    for shown in ("新建", "提交审核", "审核通过", "发布", "相似问法"):
        assert f">{shown}<" in audit, shown
    for raw in (">create<", ">submit<", ">approve<", ">publish<", ">alt_questions<", "['"):
        assert raw not in audit, raw
    page = reviewer.get(f"/console/items/{item_id}").text
    assert "<td>问题</td>" in page and "<td>答案</td>" in page
    assert "<td>question</td>" not in page and "<td>answer</td>" not in page


def test_editor_can_withdraw_and_delete_a_draft_but_never_a_published_item(app):
    editor, reviewer, item_id = published_faq(app)
    assert post(editor, f"/console/items/{item_id}/delete", confirmed="1").status_code == 302
    assert items_of(app)[0].status == Status.PUBLISHED  # published content is never deleted

    editor.get(f"/console/items/{item_id}/edit")
    response = post(editor, f"/console/items/{item_id}/edit", **{**FAQ_FORM, "body": "改错了"})
    draft_id = int(response.headers["Location"].rsplit("/", 1)[1])
    post(editor, f"/console/items/{draft_id}/submit")
    assert "撤回审核" in editor.get(f"/console/items/{draft_id}").text
    post(editor, f"/console/items/{draft_id}/withdraw")
    assert items_of(app)[-1].status == Status.DRAFT
    response = post(editor, f"/console/items/{draft_id}/delete", confirmed="1")
    assert response.headers["Location"].endswith(f"/console/items/{item_id}")
    assert [i.id for i in items_of(app)] == [item_id]
    audit = reviewer.get("/console/audit").text
    assert ">撤回审核<" in audit and ">删除草稿<" in audit and "改错了" in audit


def test_a_rejected_draft_says_so_with_the_reason_in_the_list(app):
    editor, reviewer, item = submitted_faq(app)
    post(reviewer, f"/console/items/{item.id}/reject", comment="缺少政策依据链接")
    listing = editor.get("/console/items").text
    assert "已驳回" in listing and "退回原因：缺少政策依据链接" in listing


def test_upload_reads_the_effective_date_and_a_future_document_is_not_called_live(app):
    editor = logged_in(app, "ed", "editor")
    reviewer = logged_in(app, "rev", "reviewer")
    editor.get("/console/documents/upload")
    text = ("# 某市灵活就业人员参保办法\n\n第一条 为规范灵活就业人员参保，制定本办法。\n\n"
            "第二条 本办法自二〇四七年一月一日起施行。\n")
    response = editor.post("/console/documents/upload", data={
        "file": (io.BytesIO(text.encode()), "参保办法.md"),
        "csrf_token": csrf_of(editor),
    }, content_type="multipart/form-data")
    assert response.status_code == 302
    page = editor.get(response.headers["Location"]).text
    assert "生效日期 2047-01-01 取自正文" in page and "未生效（2047-01-01 起）" in page
    [item] = items_of(app)
    post(editor, f"/console/items/{item.id}/submit")
    reviewer.get("/console/review")
    post(reviewer, f"/console/items/{item.id}/approve", confirmed="1")
    settle(app)
    page = reviewer.get(f"/console/items/{item.id}").text
    assert "未生效（2047-01-01 起），在此之前不会被检索" in page and "已进入线上索引" not in page
    assert "未生效（2047-01-01 起）" in reviewer.get("/console/items").text
    panel = reviewer.get("/console/test", query_string={"q": "灵活就业人员参保办法",
                                                        "over": "drafts"}).text
    assert "未生效（2047-01-01 起）" in panel
