from knowledge.ingest.statute import (
    CONTINUED,
    Line,
    article_number,
    looks_like_statute,
    statute_sections,
    title_line,
)
from tests.knowledge.ingest.statute_texts import EXPECTED_LOCATORS, TITLE, paragraphs


def _sections(texts: list[str]) -> list[tuple[str, str]]:
    return list(statute_sections([Line(t) for t in texts], title=TITLE))


def test_each_article_is_one_chunk_located_by_chapter_section_and_article():
    sections = _sections(paragraphs())
    assert [loc for loc, _ in sections if loc] == EXPECTED_LOCATORS
    for locator, text in sections:
        if locator:
            assert text.startswith(locator.rsplit(" · ", 1)[-1] + " ")  # the text starts with the article number


def test_references_to_clauses_and_items_stay_inside_their_article():
    article_three = dict(_sections(paragraphs()))["第二章 理赔 · 第一节 报案 · 第三条"]
    assert "依照本条例第十二条第二款的规定" in article_three
    assert "第十二条第二款规定的情形" in article_three  # a line starting with a reference does not start an article
    assert "前款规定的报案" in article_three
    article_four = dict(_sections(paragraphs()))["第二章 理赔 · 第二节 赔付 · 第四条"]
    assert "（二）依照第三项的规定公示结果；" in article_four
    assert "第四条之一" not in article_four


def test_an_article_number_inside_a_line_does_not_start_an_article():
    assert article_number("第十七条　保险人应当") == (17, 0)
    assert article_number("**第十七条** 保险人应当") == (17, 0)
    assert article_number("第十二条之一 查勘结果应当公示") == (12, 1)
    assert article_number("依照第十七条的规定") is None
    for reference in ("第十二条第二款规定的", "第十二条、第十三条", "第十二条规定的期限", "第十二条的规定"):
        assert article_number(reference) is None


def test_the_preamble_is_kept_without_a_chapter_and_the_title_and_contents_are_dropped():
    texts = [TITLE, "目　　录", "第一章　总　则", "第二章　理赔", "（2030年1月1日公布）", *paragraphs()[2:]]
    sections = _sections(texts)
    assert sections[0] == ("", "（2030年1月1日公布）")  # not placed under the table of contents' last chapter
    assert [loc for loc, _ in sections[1:]] == EXPECTED_LOCATORS


def test_a_long_article_is_split_into_parts_that_keep_its_locator_and_number():
    long_article = "第九条　" + "保险机构应当按照约定及时查勘定损并支付赔款。" * 40
    sections = _sections(["第一章　总则", "第八条　短条文。", long_article, "第十条　另一条。"])
    parts = [(loc, text) for loc, text in sections if loc == "第一章 总则 · 第九条"]
    assert len(parts) > 1
    assert parts[0][1].startswith("第九条 保险机构")
    assert all(text.startswith(f"第九条{CONTINUED} ") for _, text in parts[1:])
    assert all(len(text) <= 430 for _, text in parts)


def test_a_new_chapter_drops_the_previous_section():
    sections = _sections(["第一章 总则", "第一节 定义", "第一条 甲。", "第二章 附则", "第二条 乙。", "第三条 丙。"])
    assert [loc for loc, _ in sections] == [
        "第一章 总则 · 第一节 定义 · 第一条",
        "第二章 附则 · 第二条",
        "第二章 附则 · 第三条",
    ]


def test_printed_lines_are_rejoined_and_located_by_the_page_the_article_starts_on():
    lines = [Line("第一条 保险机构应当", page=1), Line("及时赔付。", page=1), Line("第二条 农户", page=1)]
    lines += [Line("应当如实申报。", page=2), Line("第三条 施行。", page=2)]
    sections = list(statute_sections(lines, wrapped=True))
    assert sections == [
        ("第一条 · p.1", "第一条 保险机构应当及时赔付。"),
        ("第二条 · p.1", "第二条 农户应当如实申报。"),
        ("第三条 · p.2", "第三条 施行。"),
    ]


def test_a_document_is_a_statute_when_enough_paragraphs_start_with_rising_article_numbers():
    assert looks_like_statute(paragraphs())
    guide = [
        "小额信贷怎么申请",
        "第一步，先找村委会。",
        "按《农业保险条例》第十二条，要及时查勘。",
        "第三条 提到一次。",
    ]
    assert not looks_like_statute(guide)
    assert not looks_like_statute(["第一条 甲。", "第二条 乙。"])  # two are not enough
    assert not looks_like_statute(["第十二条 甲。", "第三条 乙。", "第二十条 丙。", "第五条 丁。"])  # not in order


def test_the_title_line_is_the_first_short_line_that_is_not_an_article_or_chapter():
    assert title_line(["", TITLE, "第一条 为了……"]) == TITLE
    assert title_line(["第一条 为了……"]) is None
    assert title_line(["第一章 总则"]) is None
