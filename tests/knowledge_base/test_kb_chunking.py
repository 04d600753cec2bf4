"""Chunks follow the structure of real Chinese legal texts and point back into the body."""

from __future__ import annotations

from knowledge_base.chunking import MAX_CHARS, chunk_document, chunk_faq, chunk_guide
from knowledge_base.formats.documents import read_document


def _law(path):
    data = read_document(path)
    return data, chunk_document(data["title"], data["body"])


def test_social_insurance_law_article_12_has_chapter_locator_context_and_offsets(laws_dir):
    data, chunks = _law(laws_dir / "社会法/社会保险法(2018-12-29).md")
    article = next(c for c in chunks if c["locator"] == "第二章 第十二条")
    assert article["role"] == "article"
    assert article["context"] == "中华人民共和国社会保险法 第二章 基本养老保险"
    assert article["text"].startswith("第十二条 用人单位应当按照国家规定的本单位职工工资总额的比例")
    assert "记入个人账户" in article["text"]
    assert "第十三条" not in article["text"]
    for chunk in chunks:
        assert data["body"][chunk["start"]:chunk["end"]] == chunk["text"]
    assert [c["locator"] for c in chunks if c["role"] == "article"][-1] == "第十二章 第九十八条"


def test_sections_appear_in_locator_and_context(laws_dir):
    _, chunks = _law(laws_dir / "行政法/道路交通安全法(2021-04-29).md")
    article = next(c for c in chunks if c["locator"].endswith("第十二条"))
    assert article["locator"] == "第二章 第一节 第十二条"
    assert article["context"].endswith("第二章 车辆和驾驶人 第一节 机动车、非机动车")


def test_adoption_history_lines_become_the_preamble_chunk(laws_dir):
    _, chunks = _law(laws_dir / "行政法规/中国公民收养子女登记办法(2023-07-20).md")
    assert chunks[0]["locator"] == "题注"
    assert "2023年7月20日" in chunks[0]["text"]
    assert chunks[1]["locator"] == "第一条"


def test_every_demo_law_is_cut_into_articles_with_exact_offsets(laws_dir):
    for path in sorted(laws_dir.rglob("*.md")):
        data, chunks = _law(path)
        assert any(c["role"] == "article" for c in chunks), path.name
        for chunk in chunks:
            assert data["body"][chunk["start"]:chunk["end"]] == chunk["text"], path.name
            assert len(chunk["text"]) <= MAX_CHARS or "\n" not in chunk["text"].strip()


def test_long_article_is_split_into_subchunks_with_the_same_locator():
    sentence = "申请人应当提交身份证明、居住证明和其他有关材料。"
    body = "第一条 " + sentence * 60 + "\n\n第二条 本办法自发布之日起施行。"
    chunks = chunk_document("测试办法", body)
    first = [c for c in chunks if c["locator"] == "第一条"]
    assert len(first) > 1
    assert all(len(c["text"]) <= MAX_CHARS for c in first)
    assert "".join(c["text"] for c in first).replace(" ", "") == body.split("\n\n")[0].replace(" ", "")


def test_reference_to_an_earlier_article_does_not_start_a_new_article():
    body = "第一条 总则。\n第二条 适用范围。\n第二条规定的人员，可以申请补助。\n第三条 施行日期。"
    chunks = chunk_document("测试", body)
    assert [c["locator"] for c in chunks] == ["第一条", "第二条", "第三条"]
    assert "可以申请补助" in chunks[1]["text"]


def test_notice_items_are_located_by_their_numbers():
    body = ("关于做好居住证办理工作的通知\n各区人民政府：现就有关事项通知如下。\n"
            "一、总体要求\n（一）坚持便民原则，各派出所应当当场受理居住证申请，不得推诿。\n"
            "（二）材料齐全的，应当在十五日内办结并通知申请人领取证件。\n"
            "二、工作措施\n各区应当公布受理地点、办理时限和咨询电话，接受群众监督。")
    chunks = chunk_document("关于做好居住证办理工作的通知", body)
    locators = [c["locator"] for c in chunks]
    assert "一、总体要求 （二）" in locators
    assert any(loc.startswith("二、工作措施") for loc in locators)
    for chunk in chunks:
        assert body[chunk["start"]:chunk["end"]] == chunk["text"]


def test_unstructured_text_is_grouped_into_paragraphs():
    body = "\n\n".join(f"第{n}段内容，说明办理流程和注意事项。" * 5 for n in range(1, 8))
    chunks = chunk_document("说明", body)
    assert 1 < len(chunks) < 7
    assert chunks[0]["locator"] == "第1段"


def test_faq_chunks_one_per_question_and_one_answer():
    chunks = chunk_faq("怎么办居住证？", ["居住证在哪办"], "到居住地派出所办理。")
    assert [c["role"] for c in chunks] == ["question", "question", "answer"]
    assert chunks[-1]["text"] == "到居住地派出所办理。"
    assert (chunks[-1]["start"], chunks[-1]["end"]) == (0, len("到居住地派出所办理。"))


def test_guide_chunks_are_the_rendered_sections():
    body = "【概述】\n事项名称：护照\n\n【申请材料】\n1. 居民身份证\n\n【咨询电话】\n020-12345"
    chunks = chunk_guide("办理护照（广州市公安局）", body)
    assert [c["locator"] for c in chunks] == ["概述", "申请材料", "咨询电话"]
    assert all(c["context"] == "办理护照（广州市公安局）" for c in chunks)
    assert all(body[c["start"]:c["end"]] == c["text"] for c in chunks)
