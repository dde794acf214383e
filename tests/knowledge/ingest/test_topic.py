from pathlib import Path

from knowledge.ingest.frontmatter import meta_from, split_front_matter
from knowledge.ingest.topic import infer_topic

CORPUS = Path(__file__).resolve().parents[3] / "knowledge" / "corpus"


def test_inferred_topics_agree_with_the_declared_topics_of_the_corpus():
    files = sorted(p for p in CORPUS.glob("*.md") if p.name != "README.md")
    agree = 0
    for path in files:
        raw, body = split_front_matter(path.read_text(encoding="utf-8"))
        agree += infer_topic(str(raw["title"]), body) == raw["topic"]
    assert len(files) >= 30
    assert agree / len(files) >= 0.9


def test_topic_follows_the_dominant_words_in_chinese_and_english():
    assert infer_topic("农业保险理赔", "受灾后要报案，保险公司查勘定损后支付赔款。") == "insurance"
    assert infer_topic("小额信贷", "贷款额度五万元，贷款期限三年，利率按LPR，按时还款。") == "loan"
    assert infer_topic("Loan fee scams", "A scammer asks for a fee before the loan. It is fraud.") == "scam"
    assert infer_topic("天气预报", "明天有小雨，气温十五度。") == "general"


def test_a_warning_about_fake_loans_is_a_scam_document_although_it_mentions_loans_more():
    body = "贷款前收费就是诈骗。贷款放款前不收钱，贷款利息按合同，骗子会说贷款秒批。" * 2
    assert infer_topic("贷款诈骗", body) == "scam"


def test_documents_without_front_matter_get_an_inferred_topic_and_a_detected_language(tmp_path: Path):
    meta = meta_from({}, path=tmp_path / "notice.txt", body="Farm insurance claims: report the loss to the insurer.")
    assert (meta.topic, meta.lang, meta.kind) == ("insurance", "en", "guide")
    declared = meta_from({"topic": "station"}, path=tmp_path / "x.md", body="保险理赔，保险公司，保险费。")
    assert declared.topic == "station"  # front-matter wins
