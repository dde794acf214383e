"""The lender-legitimacy check against the (SAMPLE) registry."""

from pathlib import Path

import pytest

from knowledge.scam.detector import ScamDetector
from knowledge.scam.registry import LenderRegistry, LenderRegistryError, extract_lender_name


@pytest.fixture(scope="module")
def registry() -> LenderRegistry:
    return LenderRegistry.from_yaml()


def test_shipped_registry_is_marked_sample(registry: LenderRegistry) -> None:
    assert registry.sample
    assert "示例" in registry.lookup("邮储银行").text("zh")
    assert "SAMPLE" in registry.lookup("邮储银行").text("en")


@pytest.mark.parametrize(
    "name", ["中国邮政储蓄银行", "邮储银行", "PSBC", "农行", "示例县信用社", "丰收小额贷款有限公司"]
)
def test_known_licensed_names_and_aliases_are_found(registry: LenderRegistry, name: str) -> None:
    check = registry.lookup(name)
    assert check.status == "licensed" and check.in_registry
    assert check.institution is not None


@pytest.mark.parametrize("name", ["闪电贷", "QuickCash Loans", "好运来金融", ""])
def test_unknown_lender_is_never_called_legitimate(registry: LenderRegistry, name: str) -> None:
    check = registry.lookup(name)
    assert check.status == "unknown"
    assert not check.in_registry and check.institution is None
    assert "查不到" in check.explanation_zh and "绝不能说明它正规" in check.explanation_zh
    assert "not in the registry" in check.explanation_en
    assert "12378" in check.how_to_verify_zh and "12378" in check.how_to_verify_en


def test_lookalike_of_a_licensed_name_is_flagged_not_trusted(registry: LenderRegistry) -> None:
    check = registry.lookup("邮储银行极速贷款中心")
    assert check.status == "similar_name" and not check.in_registry
    assert "冒用" in check.explanation_zh


@pytest.mark.parametrize(
    ("question", "name"),
    [
        ("XX贷正规吗", "XX贷"),
        ("请问闪电贷是不是正规的？", "闪电贷"),
        ("惠农e贷靠谱吗", "惠农e贷"),
        ("Is QuickCash legit?", "QuickCash"),
    ],
)
def test_lender_name_is_extracted_from_question(question: str, name: str) -> None:
    assert extract_lender_name(question) == name


def test_answer_attaches_scam_signals_from_the_message(registry: LenderRegistry, rules_only: ScamDetector) -> None:
    question = "闪电贷正规吗？他们说放款前要先交解冻费"
    check = registry.answer(question, rules_only.assess(question))
    assert check.status == "unknown"
    assert "advance_fee" in [signal.code for signal in check.signals]
    assert "解冻费" in check.text("zh")


def test_missing_registry_file_raises_project_error(tmp_path: Path) -> None:
    with pytest.raises(LenderRegistryError):
        LenderRegistry.from_yaml(tmp_path / "absent.yaml")
