from knowledge.normalize import normalize_query


def test_common_farmer_typos_are_fixed():
    assert normalize_query("代款要抵压吗") == "贷款要抵押吗"
    assert normalize_query("小额信代 能带款多少") == "小额信贷 能贷款多少"
    assert normalize_query("这是不是骗紫") == "这是不是骗子"


def test_full_width_characters_and_spaces_are_folded():
    assert normalize_query("  借３万　  三年 ") == "借3万 三年"


def test_correct_text_is_left_alone():
    assert normalize_query("贷款保险诈骗") == "贷款保险诈骗"
