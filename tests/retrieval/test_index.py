from retrieval.index import article_views

ARTICLE_6 = (
    "第六条 收养人应当向收养登记机关提交收养申请书和下列证件、证明材料：\n"
    "（一）收养人的居民户口簿和居民身份证；\n"
    "（二）由收养人所在单位或者村民委员会、居民委员会出具的本人婚姻状况和抚养教育被收养人的能力等情况的证明；\n"
    "（三）县级以上医疗机构出具的未患有在医学上认为不应当收养子女的疾病的身体健康检查证明。"
)


def test_a_long_article_is_also_indexed_by_its_opening_sentence_and_paragraphs():
    views = article_views(ARTICLE_6)
    assert views[0] == "第六条 收养人应当向收养登记机关提交收养申请书和下列证件、证明材料："
    assert "（一）收养人的居民户口簿和居民身份证；" in views
    assert len(views) == len(set(views)) == 4  # the opening line is the first paragraph


def test_a_short_article_is_indexed_whole_only():
    assert article_views("第十五条 禁止用人单位招用未满十六周岁的未成年人。") == []
