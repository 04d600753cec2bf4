"""Key terms mined from a knowledge base, and whether a question and a candidate agree."""

from __future__ import annotations

from dataclasses import replace

from retrieval.config import PipelineConfig
from retrieval.decision import CLARIFY, HANDOFF, decide
from retrieval.fusion import Candidate
from retrieval.index import IndexedChunk
from retrieval.keyterms import AGREE, CONFLICT, NEUTRAL, KeyTerms, kind_of, names_in, subject_of
from retrieval.synonyms import Synonyms

BLANK = IndexedChunk(
    chunk_id=0, source_id="", kind="guide", role="field", title="", locator="", text="", url="",
    version="", department="", question="", answer="", search_text="",
)


def guide(name: str) -> IndexedChunk:
    return replace(BLANK, source_id=f"guide-{name}", title=name, locator="申请材料", text="【申请材料】\n1. 申请表")


def article(title: str, text: str, heading: str = "") -> IndexedChunk:
    context = " ".join(p for p in (title, heading) if p)
    return replace(BLANK, source_id=f"doc-{title}", kind="document", role="article", title=title,
                   locator="第九条", text=text, search_text=f"{context}\n{text}")


def faq(question: str, answer: str) -> IndexedChunk:
    return replace(BLANK, source_id=f"faq-{question}", kind="faq", role="question", title=question,
                   locator="问题", text=question, question=question, answer=answer, search_text=question)


# A small knowledge base of its own: fishing and boating permits, a senior citizens' card.
KB = [
    guide("渔业捕捞许可证核发"),
    guide("补领渔业船舶国籍证书"),
    guide("办理往来台湾通行证探亲签注"),
    guide("办理往来台湾通行证学习签注"),
    guide("老年人优待证办理"),
    article("游艇安全管理规定", "游艇所有人应当为游艇办理船舶登记，取得船舶国籍证书。", heading="第二章 检验、登记"),
    faq("高龄津贴怎么领？", "年满八十周岁的老年人可以申领高龄津贴。"),
]
SYNONYMS = Synonyms({"优待证": ("老年人优待证", "优待证"), "老年人优待证": ("老年人优待证", "优待证")})


def inventory() -> KeyTerms:
    return KeyTerms.mine(KB, terms=[], synonyms=SYNONYMS)


def test_names_are_mined_from_titles_headings_and_faq_questions():
    names = inventory().kinds
    for name in ("捕捞许可证", "船舶国籍证书", "台湾通行证", "探亲签注", "学习签注", "高龄津贴"):
        assert name in names, sorted(names)
    assert names["探亲签注"] == names["学习签注"] == "endorsement"
    assert names["船舶国籍证书"] == names["台湾通行证"] == "document"
    # Verbs of applying are not part of a name; article bodies are not mined.
    assert not any(n.startswith(("补领", "办理")) for n in names)
    assert "游艇所有人" not in names and not any("应当" in n for n in names)


def test_a_run_of_words_stops_at_punctuation_and_function_words():
    assert names_in("我想补领船舶国籍证书，怎么办") == {"船舶国籍证书", "国籍证书"}
    assert kind_of("按照") is None or "按照" not in names_in("按照规定办理")


def test_the_question_keeps_only_its_longest_names():
    terms = inventory()
    assert terms.in_question("台湾通行证探亲签注要多久") == ("台湾通行证", "探亲签注")
    assert terms.in_question("今天天气怎么样") == ()


def test_another_thing_of_the_same_kind_conflicts():
    terms = inventory()
    asked = terms.in_question("探亲签注要带什么")
    assert terms.agreement(asked, subject_of(guide("办理往来台湾通行证学习签注"))) == CONFLICT
    assert terms.agreement(asked, subject_of(guide("办理往来台湾通行证探亲签注"))) == AGREE
    # A card and an allowance are different kinds: neither agrees nor conflicts.
    assert terms.agreement(terms.in_question("优待证丢了"), subject_of(faq("高龄津贴怎么领？", ""))) == NEUTRAL


def test_an_article_is_about_what_its_opening_clause_names():
    terms = KeyTerms.of(["船舶国籍证书", "捕捞许可证", "许可证", "船舶登记"], SYNONYMS)
    about_boats = article("游艇安全管理规定", "船舶国籍证书遗失的，应当申请补发；捕捞许可证另行办理。")
    assert terms.agreement(terms.in_question("捕捞许可证丢了"), subject_of(about_boats)) == CONFLICT
    assert terms.agreement(terms.in_question("船舶国籍证书丢了"), subject_of(about_boats)) == AGREE


def test_a_synonym_of_the_name_asked_agrees():
    terms = inventory()
    assert terms.agreement(("优待证",), subject_of(guide("老年人优待证办理"))) == AGREE


def test_the_inventory_is_built_with_the_index_and_saved_in_its_snapshot(kb_app):
    engine = kb_app.extensions["wenzheng.retrieval"]
    saved = engine.store.load_current().names
    # From the test KB's guide names (护照, 往来港澳通行证, 个人游签注) and its laws.
    assert {"护照", "港澳通行证", "个人游签注", "社会保险"} <= saved.keys()
    assert saved["个人游签注"] == "endorsement"
    assert engine.searcher().keyterms.kinds == saved


def deciding(**changes: float) -> PipelineConfig:
    shipped = PipelineConfig.load()
    return replace(shipped, decision=replace(shipped.decision, **changes))


def choice(title: str, fused: float, agreement: int = NEUTRAL, on_topic: bool = True) -> Candidate:
    return Candidate(guide(title), fused=fused, agreement=agreement, on_topic=on_topic)


def test_clarify_offers_only_choices_about_what_was_asked():
    config = deciding(answer_threshold=0.99, clarify_floor=0.0, choice_floor=0.2)
    candidates = [
        choice("办理往来台湾通行证学习签注", 0.50, agreement=CONFLICT),
        choice("办理往来台湾通行证探亲签注", 0.48, agreement=AGREE),
        choice("老年人优待证办理", 0.47, on_topic=False),
    ]
    decision = decide(candidates, config)
    assert decision.decision == CLARIFY
    assert [c.chunk.title for c in decision.candidates] == ["办理往来台湾通行证探亲签注"]


def test_with_no_relevant_choice_the_decision_is_a_handoff():
    config = deciding(answer_threshold=0.99, clarify_floor=0.0, choice_floor=0.3)
    candidates = [choice("渔业捕捞许可证核发", 0.25), choice("老年人优待证办理", 0.24, on_topic=False)]
    assert decide(candidates, config).decision == HANDOFF
