from retrieval.region import NATIONAL, applies, place_of, places_in

GUANGDONG, GUANGZHOU, SHANGHAI = ("广东",), ("广东", "广州"), ("上海",)


def test_places_are_read_from_regions_titles_and_questions():
    assert place_of("全国") == NATIONAL
    assert place_of("广东省广州市") == GUANGZHOU
    assert place_of("上海市医疗保障条例") == SHANGHAI
    assert places_in("我在佛山领失业金，回内蒙古老家能转吗") == {("广东", "佛山"), ("内蒙古",)}


def test_a_rule_applies_where_it_was_made_and_within():
    assert applies(NATIONAL, frozenset({SHANGHAI}), GUANGDONG)
    assert applies(GUANGDONG, frozenset({GUANGZHOU}), GUANGDONG)  # a province's rule in its city
    assert applies(GUANGZHOU, frozenset({GUANGDONG}), GUANGDONG)
    assert not applies(SHANGHAI, frozenset({GUANGZHOU}), GUANGDONG)


def test_a_question_naming_no_place_is_about_the_home_region():
    assert applies(GUANGZHOU, frozenset(), GUANGDONG)
    assert not applies(SHANGHAI, frozenset(), GUANGDONG)
