import pytest

from knowledge.answer import AnswerComposer, extract
from knowledge.answer_kind import asked_kind, states_kind
from knowledge.types import Chunk, DocumentMeta, Passage


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("俺想养几头牛，脱贫贷款能贷多少", "amount"),
        ("最多能借多少钱", "amount"),
        ("How much can my family borrow?", "amount"),
        ("受灾了多久之内要报案", "duration"),
        ("出险了要在几个钟头之内报", "duration"),
        ("How soon must I report a crop loss?", "duration"),
        ("保费国家出几成", "share"),
        ("小额信贷利率是多少", "share"),
        ("What share of the premium does the state pay?", "share"),
        ("How much of the premium do I pay?", "share"),
        ("被骗了打什么号", "phone"),
        ("What number should I call about a scam?", "phone"),
        ("贷款要抵押吗", None),
        ("Can I use the loan to build a house?", None),
    ],
)
def test_the_kind_of_value_a_question_asks_for_is_recognised(question: str, kind: str | None):
    assert asked_kind(question) == kind


@pytest.mark.parametrize(
    ("text", "kind", "states"),
    [
        ("每户最多5万元。", "amount", True),
        ("At most 50,000 yuan per household.", "amount", True),
        ("要马上报案。", "amount", False),
        ("要在48小时内报案。", "duration", True),
        ("期限最长三年。", "duration", True),
        ("Report within 72 hours.", "duration", True),
        ("利率不超过1年期LPR。", "duration", False),
        ("要马上报案。", "duration", False),
        ("中央财政补贴45%。", "share", True),
        ("利率不超过1年期LPR。", "share", True),
        ("申请成功后通知你。", "share", False),
        ("遇到诈骗请打96110。", "phone", True),
        ("每户最多50000元。", "phone", False),
    ],
)
def test_whether_a_text_states_a_value_of_a_kind(text: str, kind: str, states: bool):
    assert states_kind(text, kind) is states  # type: ignore[arg-type]


def _passage(locator: str, text: str, score: float, lang: str = "zh") -> Passage:
    doc = DocumentMeta(doc_id=locator, title="农业保险理赔", lang=lang, topic="insurance")  # type: ignore[arg-type]
    return Passage(Chunk(0, doc, locator, text), score=score, rank=1, dense_score=0.9)


NOW = _passage("一、马上报案", "庄稼受灾后要马上告诉保险公司。出事后先报案。", score=3.0)
LIMIT = _passage("二、报案时限", "一般要在受灾后48小时内报案，有的保单写24小时。", score=2.8)


def test_a_close_runner_up_stating_the_asked_kind_answers_instead_of_the_best_passage():
    answer = AnswerComposer(kind_margin=0.5).compose("受灾了多久之内要报案", [NOW, LIMIT], "zh")
    assert "48小时" in answer.text
    assert answer.sources[0].locator == "二、报案时限"


def test_the_best_passage_stays_when_the_runner_up_is_too_far_behind():
    far = _passage("二、报案时限", LIMIT.text, score=2.0)
    answer = AnswerComposer(kind_margin=0.5).compose("受灾了多久之内要报案", [NOW, far], "zh")
    assert answer.sources[0].locator == "一、马上报案"


def test_questions_without_a_value_kind_keep_the_retrieval_order():
    answer = AnswerComposer(kind_margin=0.5).compose("受灾了先干啥", [NOW, LIMIT], "zh")
    assert answer.sources[0].locator == "一、马上报案"


def test_a_long_passage_keeps_the_sentence_with_the_asked_value():
    text = "报案是理赔的第一步。" + "报案时要说清楚地块、作物和受灾情况。" * 12 + "最晚不能超过48小时。"
    assert "48小时" not in extract("几个小时内要报案", text, "zh")
    kept = extract("几个小时内要报案", text, "zh", "duration")
    assert kept.startswith("最晚不能超过48小时。报案是理赔的第一步。")
    assert len(kept) <= 200
