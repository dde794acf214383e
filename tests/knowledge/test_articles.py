import pytest

from knowledge.articles import ArticleNumber, article_tokens, chinese_number, parse_article


@pytest.mark.parametrize(
    ("text", "value"),
    [("一", 1), ("十", 10), ("十七", 17), ("二十", 20), ("二十七", 27), ("一百零三", 103), ("两千", 2000), ("12", 12)],
)
def test_chinese_numerals_are_read(text: str, value: int):
    assert chinese_number(text) == value


def test_article_numbers_with_inserted_articles_are_read_and_ordered():
    assert parse_article("依照第十二条之一的规定") == ArticleNumber(12, 1)
    assert parse_article("第十二条") < parse_article("第十二条之一") < parse_article("第十三条")  # type: ignore[operator]
    assert parse_article("没有条文") is None
    assert ArticleNumber(12, 1).english() == "12-1"


def test_article_tokens_match_exactly_across_chinese_and_english_forms():
    assert article_tokens("第二十二条和第十二条之一") == ["§22", "§12-1"]
    assert article_tokens("What does Article 22 say?") == ["§22"]
    assert article_tokens("第二十二条") != article_tokens("第十二条")
