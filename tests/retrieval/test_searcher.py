from retrieval.fusion import Candidate
from retrieval.index import IndexedChunk
from retrieval.searcher import Searcher, SearchRun


def candidate(locator: str, fused: float) -> Candidate:
    chunk = IndexedChunk(
        chunk_id=0, source_id="doc-劳动合同法", kind="document", role="article", title="劳动合同法",
        locator=locator, text="", url="", version="", department="", question="", answer="", search_text="",
    )
    return Candidate(chunk, fused=fused)


def test_what_a_follow_up_asks_by_itself_can_outrank_the_earlier_topic(shipped):
    # "试用期最长能约定多久" then "那试用期公司能随便辞退我吗": searched together, the
    # earlier question's article leads; the new turn alone points at 第二十一条.
    in_topic = SearchRun([candidate("第十九条", 0.70), candidate("第二十一条", 0.60)])
    alone = SearchRun([candidate("第二十一条", 0.80), candidate("第十九条", 0.30)])
    blended = Searcher._blend(in_topic, alone, weight=shipped.fusion.follow_up_weight)
    assert [c.chunk.locator for c in blended.candidates] == ["第二十一条", "第十九条"]
    assert 0.6 < blended.candidates[0].fused < 0.8  # still on the fused scale the decision reads


def test_a_follow_up_saying_nothing_new_keeps_the_earlier_topic(shipped):
    in_topic = SearchRun([candidate("第十九条", 0.70), candidate("第二十一条", 0.50)])
    alone = SearchRun([candidate("第二十一条", 0.20), candidate("第十九条", 0.15)])
    assert Searcher._blend(in_topic, alone, weight=shipped.fusion.follow_up_weight).candidates[0].chunk.locator == "第十九条"


def test_the_earlier_answer_steps_aside_only_for_a_close_runner_up(shipped):
    # 第十九条 answered the earlier turn. Just ahead of the runner-up, it gives way to it;
    # far ahead (as the FAQ on 新车上牌 before "当天能办完吗"), the runner-up is a stray
    # match and must not take its place.
    told = ("doc-劳动合同法", "第十九条")
    close = SearchRun([candidate("第十九条", 0.50), candidate("第二十一条", 0.45)])
    Searcher._step_aside(close, told, margin=shipped.fusion.repeat_margin)
    assert [c.chunk.locator for c in close.candidates] == ["第二十一条", "第十九条"]
    far = SearchRun([candidate("第十九条", 0.45), candidate("第二十一条", 0.23)])
    Searcher._step_aside(far, told, margin=shipped.fusion.repeat_margin)
    assert [c.chunk.locator for c in far.candidates] == ["第十九条", "第二十一条"]
