"""With no answer, the citizen is told whom to ask: the office of the service asked about."""

from __future__ import annotations

from dataclasses import replace

from retrieval.answer import compose
from retrieval.channels import Channels
from retrieval.decision import HANDOFF, Decision
from retrieval.fusion import Candidate
from retrieval.index import IndexedChunk
from retrieval.keyterms import AGREE, NEUTRAL

FIELD = IndexedChunk(
    chunk_id=0, source_id="guide-fishing", kind="guide", role="field", title="渔业捕捞许可证核发",
    locator="", text="", url="https://example.gov.cn/fishing", version="", department="农业农村",
    question="", answer="", search_text="",
)
GUIDE = [
    replace(FIELD, locator="概述", text="【概述】\n事项名称：渔业捕捞许可证核发\n实施部门：某市农业农村局"),
    replace(FIELD, locator="咨询电话", text="【咨询电话】\n020-00000000"),
]


def test_a_handoff_names_the_office_of_the_service_asked_about():
    channels = Channels(GUIDE)
    channel = channels.for_question([Candidate(GUIDE[1], agreement=AGREE)])
    text, citations, choices = compose(Decision(HANDOFF, 0.1, []), channel)
    assert "没有找到" in text and "转人工" in text
    assert "某市农业农村局" in text and "020-00000000" in text and "https://example.gov.cn/fishing" in text
    assert citations == [] and choices == []


def test_a_guide_that_does_not_name_what_was_asked_gives_no_channel():
    channels = Channels(GUIDE)
    assert channels.for_question([Candidate(GUIDE[0], agreement=NEUTRAL)]) is None
    text, _, _ = compose(Decision(HANDOFF, 0.1, []), None)
    assert "12345" in text and "020-00000000" not in text
