from knowledge.answer import AnswerComposer, is_placeholder_url
from knowledge.types import Chunk, DocumentMeta, Passage


def _passage(
    text: str,
    *,
    dense: float,
    bm25: float = 0.0,
    lang: str = "zh",
    url: str | None = None,
    start: float | None = None,
    locator: str = "一、能贷多少",
    varies: bool = False,
) -> Passage:
    doc = DocumentMeta(doc_id="d", title="标题", lang=lang, topic="loan", url=url, varies_locally=varies)  # type: ignore[arg-type]
    return Passage(Chunk(0, doc, locator, text, start), score=1.0, rank=1, dense_score=dense, bm25_score=bm25)


def test_chinese_question_below_the_chinese_floor_is_not_answered():
    composer = AnswerComposer(min_dense=0.867, min_dense_en=0.85)
    assert not composer.compose("明天下雨吗", [_passage("每户最多5万元。", dense=0.86)], "zh").confident
    assert composer.compose("能贷多少", [_passage("每户最多5万元。", dense=0.87)], "zh").confident


def test_english_questions_have_their_own_lower_floor():
    composer = AnswerComposer(min_dense=0.867, min_dense_en=0.85)
    passage = _passage("At most 50,000 yuan.", dense=0.855, lang="en")
    assert composer.compose("How much can I borrow?", [passage], "en").confident
    assert not composer.compose("能有多少", [passage], "zh").confident


def test_strong_word_overlap_rescues_a_passage_just_below_the_floor():
    composer = AnswerComposer(min_dense=0.867, lexical_margin=0.01, min_bm25=15.0)
    assert composer.compose("能贷多少", [_passage("每户最多5万元。", dense=0.86, bm25=20.0)], "zh").confident
    assert not composer.compose("能有多少", [_passage("每户最多5万元。", dense=0.86, bm25=10.0)], "zh").confident
    assert not composer.compose("能有多少", [_passage("每户最多5万元。", dense=0.85, bm25=20.0)], "zh").confident


def test_questions_in_our_vocabulary_get_a_slightly_lower_floor():
    composer = AnswerComposer(min_dense=0.867, domain_margin=0.02)
    passage = _passage("每户最多5万元。", dense=0.855)
    assert composer.compose("能贷多少", [passage], "zh").confident
    assert not composer.compose("能有多少", [passage], "zh").confident


def test_video_answer_says_where_to_watch_and_links_to_that_second():
    url = "https://videos.nonghui.cn/v/code"
    passage = _passage("验证码不能告诉任何人。", dense=0.95, url=url, start=133.0, locator="▶ 02:13")
    answer = AnswerComposer().compose("验证码能给别人吗", [passage], "zh")
    assert "视频从02:13开始看。" in answer.text
    assert answer.sources[0].url == "https://videos.nonghui.cn/v/code?t=133"
    english = AnswerComposer().compose("code", [passage], "en")
    assert "Watch the video from 02:13." in english.text


def test_sample_video_links_on_example_hosts_never_reach_the_farmer():
    passage = _passage("验证码不能告诉任何人。", dense=0.95, url="https://example.org/videos/code", start=133.0)
    answer = AnswerComposer().compose("验证码能给别人吗", [passage], "zh")
    assert answer.confident
    assert answer.sources[0].url is None
    assert "example.org" not in answer.text and "开始看" not in answer.text


def test_placeholder_hosts_are_recognised_and_real_ones_are_not():
    assert is_placeholder_url("https://example.org/videos/x")
    assert is_placeholder_url("http://www.example.com/a")
    assert is_placeholder_url("https://videos.test/a")
    assert not is_placeholder_url("https://www.gov.cn/zhengce/x.htm")
    assert not is_placeholder_url("https://notexample.org/x")


def test_answer_flags_local_variation_and_whom_to_ask_in_the_farmers_language():
    passage = _passage("每户原则上最多5万元。", dense=0.95, varies=True)
    zh = AnswerComposer().compose("能贷多少", [passage], "zh")
    assert zh.text.startswith("每户原则上最多5万元。")
    assert "各地规定不同" in zh.text and "村委会" in zh.text
    en = AnswerComposer().compose("how much", [passage], "en")
    assert "Rules differ by county" in en.text and "(From a Chinese-language document:)" in en.text


def test_an_insurance_rule_that_varies_sends_the_farmer_to_the_insurer_not_the_bank():
    doc = DocumentMeta(doc_id="ins", title="理赔", lang="zh", topic="insurance", varies_locally=True)
    passage = Passage(Chunk(0, doc, "报案时限", "一般48小时内报案。"), score=1.0, rank=1, dense_score=0.95)
    zh = AnswerComposer().compose("多久要报案", [passage], "zh")
    assert "保险公司" in zh.text and "放款银行" not in zh.text
    en = AnswerComposer().compose("How soon must I report?", [passage], "en")
    assert "insurer" in en.text and "the bank" not in en.text


def _asked(dense: float, ask: float, lang: str = "en") -> Passage:
    doc = DocumentMeta(doc_id="d", title="t", lang=lang, topic="loan")  # type: ignore[arg-type]
    return Passage(
        Chunk(0, doc, "Who may borrow?", "Only the household itself."), 1.0, 1, dense_score=dense, ask_score=ask
    )


def test_a_question_nearly_identical_to_a_listed_way_of_asking_is_answered_below_the_text_floor():
    composer = AnswerComposer(min_dense=0.87, min_dense_en=0.85, min_ask=0.95, min_ask_en=0.91)
    assert composer.compose("Can my cousin borrow in my name?", [_asked(0.82, 0.92)], "en").confident
    assert not composer.compose("Will it rain?", [_asked(0.82, 0.89)], "en").confident
    assert not composer.compose("明天下雨吗", [_asked(0.86, 0.93, lang="zh")], "zh").confident
    assert not composer.compose("No asks listed", [_asked(0.82, -1.0)], "en").confident


def _ranked(text: str, *, dense: float, score: float, runner_up: float, lang: str = "en") -> list[Passage]:
    doc = DocumentMeta(doc_id="d", title="t", lang=lang, topic="loan")  # type: ignore[arg-type]
    best = Passage(Chunk(0, doc, "How much?", text), score=score, rank=1, dense_score=dense)
    second = Passage(Chunk(1, doc, "Other", "Other text."), score=runner_up, rank=2, dense_score=dense - 0.01)
    return [best, second]


def test_a_clear_winner_in_our_vocabulary_is_answered_a_little_below_the_floor():
    composer = AnswerComposer(min_dense=0.87, min_dense_en=0.85)
    clear = _ranked("It may only be used for production.", dense=0.82, score=3.5, runner_up=2.8)
    close = _ranked("It may only be used for production.", dense=0.82, score=3.5, runner_up=3.4)
    assert composer.compose("can I borrow for my son's college fees", clear, "en").confident
    assert not composer.compose("can I borrow for my son's college fees", close, "en").confident
    assert not composer.compose("what is the weather tomorrow", clear, "en").confident


def test_a_modest_lead_in_our_vocabulary_is_enough_below_the_floor():
    composer = AnswerComposer(min_dense=0.87, min_dense_en=0.85)
    modest = _ranked("It may only be used for production.", dense=0.82, score=2.2, runner_up=1.95)
    assert composer.compose("can I borrow for my son's college fees", modest, "en").confident
    assert not composer.compose("how long is the flight to Beijing", modest, "en").confident


def test_questions_about_other_programmes_are_declined_whatever_the_score():
    composer = AnswerComposer()
    passages = [_passage("保费由政府补贴一部分。", dense=0.95)]
    assert not composer.compose("新农合一年交多少钱", passages, "zh").confident
    assert composer.compose("农业保险保费谁出", passages, "zh").confident


def test_the_value_asked_for_opens_the_answer_in_both_languages():
    text_en = (
        "Policy farm insurance is run by insurers under state rules and covers many crops and animals. "
        "The government pays most of the premium. Farmers usually pay about 20% of it themselves. "
        "Ask the village insurance helper how to enrol before the planting season starts in spring. "
        "Keep the policy papers safe and check the insured amount and the crops listed on them carefully."
    )
    answer = AnswerComposer().compose(
        "What share of the premium do farmers pay?", [_passage(text_en, dense=0.95, lang="en")], "en"
    )
    assert answer.text.startswith("Farmers usually pay about 20%")


def _two_sections(gap: float) -> list[Passage]:
    doc = DocumentMeta(doc_id="d", title="小额信贷", lang="zh", topic="loan")  # type: ignore[arg-type]
    first = Passage(Chunk(0, doc, "一、能贷多少", "每户最多5万元。"), score=3.0, rank=1, dense_score=0.95)
    second = Passage(Chunk(1, doc, "二、贷多久", "最长3年。到期要还清。"), score=3.0 - gap, rank=2, dense_score=0.94)
    return [first, second]


def test_a_close_runner_up_section_adds_its_most_relevant_sentence_and_source():
    answer = AnswerComposer(also_margin=0.5).compose("能贷多少", _two_sections(0.2), "zh")
    assert "每户最多5万元。" in answer.text
    assert "另见「二、贷多久」：最长3年。" in answer.text
    assert [s.locator for s in answer.sources] == ["一、能贷多少", "二、贷多久"]


def test_a_distant_runner_up_adds_nothing():
    answer = AnswerComposer(also_margin=0.5).compose("能贷多少", _two_sections(1.0), "zh")
    assert "另见" not in answer.text and len(answer.sources) == 1


def test_by_default_a_runner_up_within_one_fused_unit_adds_its_line():
    assert "另见「二、贷多久」" in AnswerComposer().compose("能贷多少", _two_sections(0.9), "zh").text
    assert "另见" not in AnswerComposer().compose("能贷多少", _two_sections(1.2), "zh").text


def test_a_see_also_line_never_stops_at_a_sentence_that_only_announces_what_follows():
    doc = DocumentMeta(doc_id="d", title="Repaying", lang="en", topic="loan")  # type: ignore[arg-type]
    first = Passage(Chunk(0, doc, "Misuse", "Misuse breaks the contract."), score=3.0, rank=1, dense_score=0.95)
    late = "Three things. The interest subsidy stops and you pay the interest yourself. Your record suffers."
    second = Passage(Chunk(1, doc, "Repaying late", late), score=2.9, rank=2, dense_score=0.94)
    answer = AnswerComposer(also_margin=0.5).compose("what if I repay late?", [first, second], "en")
    assert 'See also "Repaying late": Three things. The interest subsidy stops' in answer.text
