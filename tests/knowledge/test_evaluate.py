from pathlib import Path

from knowledge.answer import AnswerComposer
from knowledge.builder import build_from_corpus
from knowledge.embedding.fake import HashingEmbedder
from knowledge.eval.golden import (
    CALIBRATION_OOS_EN_FILE,
    GoldenQuestion,
    calibration_oos_questions,
    clinc_oos_questions,
)
from knowledge.eval.metrics import contains_fact, first_hit, mrr, percentiles_ms, recall_at
from knowledge.evaluate import evaluate, render_table, summarise
from knowledge.retriever import HybridRetriever
from knowledge.service import KnowledgeService


def test_first_hit_matches_by_section_or_by_document():
    ranked = [("a", "1"), ("b", "2"), ("b", "3")]
    assert first_hit(ranked, [("b", "3")], by_doc=False) == 3
    assert first_hit(ranked, [("b", "3")], by_doc=True) == 2
    assert first_hit(ranked, [("c", "1")], by_doc=True) is None


def test_recall_and_mrr_count_misses_as_zero():
    ranks = [1, 2, None, 6]
    assert recall_at(ranks, 1) == 0.25
    assert recall_at(ranks, 5) == 0.5
    assert abs(mrr(ranks) - (1 + 0.5 + 1 / 6) / 4) < 1e-9


def test_fact_check_ignores_case_spaces_and_thousands_separators():
    assert contains_fact("At most 50000 yuan per household", "50,000")
    assert contains_fact("每户最多5 万元", "5万")
    assert not contains_fact("每户最多3万元", "5万")


def test_percentiles_are_reported_in_milliseconds():
    p50, p95 = percentiles_ms([0.01] * 19 + [0.1])
    assert p50 == 10.0 and p95 > 10.0


def test_clinc_reader_skips_when_the_shared_folder_is_absent(tmp_path: Path):
    assert clinc_oos_questions(tmp_path) is None
    (tmp_path / "en_clinc150_val_finance_smalltalk_oos.csv").write_text(
        "text,intent,domain\nhow do i fly a kite,oos,oos\ntransfer money,transfer,banking\n", encoding="utf-8"
    )
    assert clinc_oos_questions(tmp_path) == ["how do i fly a kite"]


def test_evaluation_reports_every_metric_per_split(corpus: Path, tmp_path: Path):
    embedder = HashingEmbedder(dimension=256)
    build_from_corpus(corpus, tmp_path / "index", embedder)
    golden = [
        GoldenQuestion("q1", "小额信贷能贷多少万元", "zh", "dev", (("loan-zh", "能贷多少"),), "5万元"),
        GoldenQuestion("q2", "先交解冻费是不是诈骗", "zh", "test", (("scam-zh", "先交钱的都是骗子"),), "96110"),
        GoldenQuestion("q3", "明天天气怎么样", "zh", "dev", (), ""),
    ]

    def factory(index_dir: Path) -> KnowledgeService:
        return KnowledgeService(HybridRetriever(index_dir, embedder), AnswerComposer(min_dense=0.0, min_dense_en=0.0))

    evaluation = evaluate(
        factory,
        tmp_path / "index",
        golden,
        eval_dir=None,
        synthetic_chunks=40,
        calibration_oos=["小额信贷能贷多少万元"],
        calibration_oos_en=["How much can I borrow?", "Will it rain tomorrow?"],
    )
    dev = summarise(evaluation, "dev")
    assert dev["questions"] == 1 and dev["oos_questions"] == 1
    assert dev["hybrid_r1"] == 1.0 and dev["key_fact_rate"] == 1.0
    assert dev["oos_abstention_zh"] == 0.0  # a zero floor answers everything
    assert summarise(evaluation, "test")["hybrid_r5"] == 1.0
    assert evaluation.synthetic_chunks == 40 and len(evaluation.synthetic_seconds) == 3
    table = render_table(evaluation)
    assert "| fused Recall@5 (doc+locator) |" in table
    assert "CLINC150 oos: skipped" in table
    # a zero floor answers even this calibration question: nothing abstained
    assert "zh calibration set (`oos_zh_calibration.txt`): 0.000 on 1 questions" in table
    assert "en calibration set (`oos_en_calibration.txt`): 0.000 on 2 questions" in table
    assert render_table(evaluation, "dev").splitlines()[0] == "| metric | dev |"  # a tuning run shows dev alone


def test_calibration_reader_skips_comments_and_blank_lines(tmp_path: Path):
    path = tmp_path / "oos.txt"
    path.write_text("# note\n明天下雨吗\n\n  鸡蛋多少钱一斤  \n", encoding="utf-8")
    assert calibration_oos_questions(path) == ["明天下雨吗", "鸡蛋多少钱一斤"]


def test_the_shipped_calibration_set_holds_chinese_questions():
    questions = calibration_oos_questions()
    assert len(questions) >= 40
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in q) for q in questions)


def test_the_shipped_english_calibration_set_holds_english_questions():
    questions = calibration_oos_questions(CALIBRATION_OOS_EN_FILE)
    assert len(questions) >= 40
    assert not any(any("\u4e00" <= ch <= "\u9fff" for ch in q) for q in questions)
