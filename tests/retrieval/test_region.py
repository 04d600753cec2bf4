from retrieval.region import applies, place_of, places_in

GUANGDONG, GUANGZHOU, SHANGHAI = ("广东",), ("广东", "广州"), ("上海",)


def test_places_are_read_from_regions_titles_and_questions():
    assert place_of("全国") == frozenset()
    assert place_of("广东省广州市") == {GUANGZHOU}
    assert place_of("上海市医疗保障条例") == {SHANGHAI}
    assert place_of("注册会计师注册(（香港澳门特别行政区居民）)") == {("香港",), ("澳门",)}
    assert places_in("我在佛山领失业金，回内蒙古老家能转吗") == {("广东", "佛山"), ("内蒙古",)}


HOME = frozenset({GUANGDONG})


def test_a_rule_applies_where_it_was_made_and_within():
    assert applies(frozenset(), frozenset({SHANGHAI}), HOME)  # a national rule
    assert applies(frozenset({GUANGDONG}), frozenset({GUANGZHOU}), HOME)  # a province's rule in its city
    assert applies(frozenset({GUANGZHOU}), frozenset({GUANGDONG}), HOME)
    assert not applies(frozenset({SHANGHAI}), frozenset({GUANGZHOU}), HOME)


def test_a_rule_made_for_two_places_applies_in_each_whatever_the_hash_seed():
    hk_macao = place_of("注册会计师注册(（香港澳门特别行政区居民）)需要什么材料？")
    assert applies(hk_macao, frozenset({("香港",)}), HOME)
    assert applies(hk_macao, frozenset({("澳门",)}), HOME)
    assert not applies(hk_macao, frozenset({GUANGZHOU}), HOME)


def test_a_question_naming_no_place_is_about_the_home_region():
    assert applies(frozenset({GUANGZHOU}), frozenset(), HOME)
    assert not applies(frozenset({SHANGHAI}), frozenset(), HOME)
    assert applies(frozenset({SHANGHAI}), frozenset(), frozenset())  # no home region set
