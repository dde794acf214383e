"""The evaluation command: skips cleanly without the shared data and computes its metrics correctly."""

from pathlib import Path

import pytest

from knowledge.scam.detector import ScamDetector
from knowledge.scam.evaluate import main, read_en, read_zh, run


def test_missing_eval_data_prints_skipped_and_exits_zero(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--eval-dir", str(tmp_path / "nowhere")]) == 0
    assert "skipped" in capsys.readouterr().out


def test_metrics_on_a_small_labelled_set(rules_only: ScamDetector) -> None:
    data = [
        ("我是市公安局警官，你涉嫌洗钱，马上把钱转到安全账户，不要告诉家人", "impersonate_police_gov"),
        ("今天天气不错", "impersonate_police_gov"),
        ("本店周年庆，欢迎光临", "normal"),
        ("放款前请先交解冻费，马上转到指定账户", "normal"),
    ]
    result = run(rules_only, "zh", data)
    assert result.recall("impersonate_police_gov") == 0.5
    assert result.false_positive_rate() == 0.5
    assert 0.0 <= result.pr_auc() <= 1.0
    assert len(result.latencies_ms) == 4


def test_readers_parse_the_shared_formats(tmp_path: Path) -> None:
    zh = tmp_path / "zh.csv"
    zh.write_text('content,label\n"你好,世界",normal\n', encoding="utf-8")
    en = tmp_path / "en.tsv"
    en.write_text("label\ttext\nham\tsee you at 6\n", encoding="utf-8")
    assert read_zh(zh) == [("你好,世界", "normal")]
    assert read_en(en) == [("see you at 6", "ham")]


def test_leak_check_finds_training_text_copied_from_evaluation_text() -> None:
    from knowledge.scam.evaluate import training_overlaps

    eval_texts = ["Congratulations, your number was drawn in our grand summer draw, call now", "see you later"]
    training = [
        "Hey! Congratulations,   your number was drawn in our grand summer draw today",
        "Your parcel is waiting at the depot, book a slot online",
    ]
    assert training_overlaps(training, eval_texts) == [training[0]]
    assert training_overlaps(training, eval_texts, width=200) == []


def test_farmer_turns_count_false_warnings_apart_from_turns_about_scams(rules_only: ScamDetector) -> None:
    from knowledge.scam.evaluate import check_farmer_turns

    examples = [
        ("ask_loan", "我想贷款买化肥"),
        ("greet", "你好"),
        ("inform", "我是公安局的，你涉嫌洗钱，马上把钱转到安全账户"),
        ("check_message", "帮我看看：放款前请先交解冻费，马上转到指定账户"),
    ]
    turns = check_farmer_turns(rules_only, examples)

    assert turns.chat_total == 3
    assert turns.chat_warned == ["我是公安局的，你涉嫌洗钱，马上把钱转到安全账户"]
    assert (turns.scam_talk_warned, turns.scam_talk_total) == (1, 1)


def test_nlu_examples_are_read_without_entity_annotations(tmp_path: Path) -> None:
    from knowledge.scam.evaluate import read_nlu_examples

    (tmp_path / "nlu.yml").write_text(
        'version: "3.1"\nnlu:\n- intent: inform\n  examples: |\n'
        '    - 我叫[王大山](name)\n    - 种了[十]{"entity": "n"}亩\n',
        encoding="utf-8",
    )

    assert read_nlu_examples(tmp_path) == [("inform", "我叫王大山"), ("inform", "种了十亩")]
