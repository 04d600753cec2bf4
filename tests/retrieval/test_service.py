"""The answer engine over a real index (real embedding model, SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import threading
from pathlib import Path

from retrieval.answer import check_markers

GUIDES = Path(__file__).parent / "kb" / "guides.jsonl"


def guide_record(task_code: str) -> dict:
    for line in GUIDES.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        if record["TASK_CODE"] == task_code:
            return record
    raise KeyError(task_code)


def test_a_law_question_finds_the_right_article_and_cites_it(kb_app):
    engine = kb_app.extensions["wenzheng.retrieval"]
    question = "公司不给交社保，滞纳金怎么算"
    top = engine.search(question)["results"][0]
    assert (top["source_id"], top["locator"].split(" ")[-1]) == ("doc-社会保险法", "第八十六条")
    result = engine.answer(question, pick={"source_id": top["source_id"], "locator": top["locator"]})
    assert result["decision"] == "answer"
    cited = result["citations"][0]
    assert "第八十六条" in cited["locator"] and cited["url"].startswith("https://")
    assert "滞纳金" in result["answer"] and result["answer"].endswith("[1]")
    check_markers(result["answer"], result["citations"])


def test_only_the_version_in_force_is_searched(kb_app):
    results = kb_app.extensions["wenzheng.retrieval"].search("收养登记需要提交哪些材料", top_k=10)["results"]
    adoption = [r for r in results if r["source_id"] == "doc-中国公民收养子女登记办法"]
    assert adoption, results
    assert {r["version"] for r in adoption} == {"2023-07-20"}


def test_a_materials_question_is_answered_from_the_guide_field(kb_app):
    engine = kb_app.extensions["wenzheng.retrieval"]
    top = engine.search("在广州办护照要带什么材料")["results"][0]
    assert (top["source_id"], top["locator"]) == ("guide-11440100007483172Q3440106042001", "申请材料")
    assert top["url"] == guide_record("11440100007483172Q3440106042001")["URL"]


def test_a_follow_up_stays_in_the_topic_of_the_earlier_turn(kb_app):
    engine = kb_app.extensions["wenzheng.retrieval"]
    alone = engine.answer("那要带什么材料？")
    followed = engine.search("那要带什么材料？", history=["我想在广州办个港澳个人游签注"])
    assert alone["decision"] != "answer"
    top = followed["results"][0]
    assert (top["source_id"], top["locator"]) == ("guide-11440100007483172Q3440106043008", "申请材料")


def test_out_of_scope_questions_get_no_confident_answer(kb_app):
    engine = kb_app.extensions["wenzheng.retrieval"]
    for question in ("今天广州天气怎么样", "给我讲个笑话", "茅台股票明天会涨吗"):
        result = engine.answer(question)
        assert result["decision"] != "answer", (question, result)
        assert result["citations"] == []


def test_a_picked_candidate_is_answered_directly(kb_app):
    result = kb_app.extensions["wenzheng.retrieval"].answer(
        "公积金", pick={"source_id": "faq-hf-002", "locator": ""}
    )
    assert result["decision"] == "answer"
    assert result["citations"][0]["source_id"] == "faq-hf-002"


def test_a_restarted_app_serves_the_last_good_index_without_rebuilding(kb_app, make_app):
    generation = kb_app.extensions["wenzheng.retrieval"].status()["generation"]
    restarted = make_app(DATABASE_URL=kb_app.config["DATABASE_URL"])
    engine = restarted.extensions["wenzheng.retrieval"]
    assert engine.status()["generation"] == generation
    assert engine.answer("职工养老保险谁来交")["citations"][0]["source_id"] in {"faq-si-001", "doc-社会保险法"}


def test_rebuilds_swap_atomically_under_concurrent_queries(kb_app):
    engine = kb_app.extensions["wenzheng.retrieval"]
    before = engine.status()["generation"]
    errors: list[BaseException] = []
    seen: list[int] = []
    stop = threading.Event()

    def ask() -> None:
        while not stop.is_set():
            try:
                result = engine.search("职工养老保险谁来交", top_k=3)
                assert result["results"], "a reader saw an empty index"
                seen.append(engine.status()["generation"])
            except BaseException as exc:  # noqa: BLE001 - collected for the assertion below
                errors.append(exc)

    readers = [threading.Thread(target=ask) for _ in range(4)]
    for reader in readers:
        reader.start()
    for _ in range(3):
        engine.rebuild(wait=True)
    stop.set()
    for reader in readers:
        reader.join()
    assert not errors, errors[:3]
    assert engine.status()["generation"] == before + 3
    assert min(seen) >= before and max(seen) == before + 3


def test_another_places_rule_is_not_the_answer_to_a_general_question(kb_app):
    engine = kb_app.extensions["wenzheng.retrieval"]
    assert engine.search("什么样的家庭可以吃低保")["results"][0]["source_id"] == "faq-ma-001"
    assert engine.search("上海什么样的家庭可以吃低保")["results"][0]["source_id"] == "faq-ma-014"


def test_a_guide_field_asked_again_is_answered_again(kb_app):
    engine = kb_app.extensions["wenzheng.retrieval"]
    top = engine.search("地址在哪", history=["在广州办护照去哪里办"])["results"][0]
    assert (top["source_id"], top["locator"]) == ("guide-11440100007483172Q3440106042001", "办理地点")


def test_a_pinyin_typo_of_a_policy_term_is_searched_as_the_term(kb_app):
    # 公基金 is 公积金 typed by sound: the engine searches exactly what was meant.
    engine = kb_app.extensions["wenzheng.retrieval"]
    typed, meant = engine.search("公基金里的钱归谁"), engine.search("公积金里的钱归谁")
    assert typed["results"][0]["source_id"] == "faq-hf-002"
    assert typed["results"] == meant["results"]
    assert typed["confidence"] == meant["confidence"]
