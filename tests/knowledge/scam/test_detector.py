"""Risk combination, level thresholds, bad input, the API shape and the farmer-facing advice."""

import pytest

from knowledge.scam.detector import ScamDetector
from knowledge.scam.model import ScamModelError
from knowledge.scam.rules import RuleSet
from knowledge.scam.types import LEVEL_THRESHOLDS, ScamAssessment, ScamSignal, level_for


class FixedModel:
    """A stand-in learned model returning a fixed risk."""

    def __init__(self, risk: float) -> None:
        self.risk = risk
        self.warmed = False

    def warm_up(self) -> None:
        self.warmed = True

    def predict(self, text: str) -> float:
        return self.risk


class BrokenModel:
    def warm_up(self) -> None:
        raise ScamModelError("no training data")

    def predict(self, text: str) -> float:
        raise ScamModelError("no training data")


@pytest.mark.parametrize(
    ("risk", "level"),
    [
        (0.0, "none"),
        (0.249, "none"),
        (0.25, "low"),
        (0.499, "low"),
        (0.5, "medium"),
        (0.799, "medium"),
        (0.8, "high"),
        (1.0, "high"),
    ],
)
def test_level_thresholds(risk: float, level: str) -> None:
    assert level_for(risk) == level


def test_medium_is_the_warning_operating_point() -> None:
    assert LEVEL_THRESHOLDS["medium"] == 0.5
    assert ScamAssessment(risk=0.5, level="medium").should_warn
    assert not ScamAssessment(risk=0.3, level="low").should_warn


def test_weak_signal_alone_stays_below_warning(rules_only: ScamDetector) -> None:
    assessment = rules_only.assess("请尽快回复，谢谢。")
    assert assessment.signal_codes() == ["urgency"]
    assert assessment.level == "none"


def test_several_signals_combine_to_high(rules_only: ScamDetector) -> None:
    text = "我是市公安局的警官，你涉嫌洗钱案件，马上把钱转到安全账户，不要告诉家人。"
    assessment = rules_only.assess(text)
    assert {"impersonate_authority", "safe_account", "secrecy", "urgency"} <= set(assessment.signal_codes())
    assert assessment.level == "high"


LONG_MESSAGE = "您好，这边有个好消息要通知您，请您回复本条短信办理相关的手续，谢谢您的支持。"


def test_model_risk_combines_with_rules(rules: RuleSet) -> None:
    quiet = ScamDetector(rules, model=FixedModel(0.0))
    worried = ScamDetector(rules, model=FixedModel(0.7))
    text = LONG_MESSAGE
    assert quiet.assess(text).level == "none"
    assessment = worried.assess(text)
    assert assessment.level == "medium"
    assert assessment.model_risk == pytest.approx(0.7)
    assert assessment.signals == []


@pytest.mark.parametrize("text", ["你好", "我想申请贷款", "我的贷款申请还在审核吗", "transfer me to an agent please"])
def test_a_confident_model_alone_does_not_warn_on_a_short_chat_turn(rules: RuleSet, text: str) -> None:
    assessment = ScamDetector(rules, model=FixedModel(0.95)).assess(text)

    assert assessment.signals == []
    assert assessment.level == "low"
    assert not assessment.should_warn


def test_a_confident_model_alone_warns_on_a_message_long_enough_to_be_received(rules: RuleSet) -> None:
    english = "Congratulations you have been selected for an exclusive reward reply YES now to claim it today"
    assert ScamDetector(rules, model=FixedModel(0.95)).assess(LONG_MESSAGE).should_warn
    assert ScamDetector(rules, model=FixedModel(0.95)).assess(english).should_warn


@pytest.mark.parametrize(
    "text",
    [
        "Call FREEPHONE 0800 542 0578 now!",
        "Quiz time: txt ANSWER to 85023, 150p/msg",
        "New deals at www.cheap-mobiles.example today",
        "您好，您的补贴已到，点击 https://a.example 领取",
    ],
)
def test_a_short_text_with_a_senders_mark_counts_as_a_received_message(rules: RuleSet, text: str) -> None:
    assert ScamDetector(rules, model=FixedModel(0.95)).assess(text).should_warn


@pytest.mark.parametrize("text", ["13812345678", "my phone is 13812345678", "0800 542 0578", "我的电话13812345678"])
def test_a_number_typed_into_the_form_is_not_a_received_message(rules: RuleSet, text: str) -> None:
    assert not ScamDetector(rules, model=FixedModel(0.95)).assess(text).should_warn


def test_model_score_just_above_the_operating_point_alone_does_not_warn(rules: RuleSet) -> None:
    assessment = ScamDetector(rules, model=FixedModel(0.6)).assess("您好，这边有个好消息要通知您。")

    assert assessment.level == "low"
    assert assessment.risk < 0.5


def test_weak_hints_do_not_tip_a_middling_model_score_into_a_warning(rules: RuleSet) -> None:
    text = "限时优惠，马上点击 www.shop-example.com 领取"
    assessment = ScamDetector(rules, model=FixedModel(0.45)).assess(text)

    assert set(assessment.signal_codes()) <= {"urgency", "unofficial_link"}
    assert assessment.signal_codes()
    assert assessment.level == "low"


def test_a_corroborating_rule_signal_lets_the_model_score_count(rules: RuleSet) -> None:
    text = "这是客服，请把收到的验证码告诉我。"
    with_model = ScamDetector(rules, model=FixedModel(0.5)).assess(text)

    assert "credential_request" in with_model.signal_codes()
    assert with_model.level == "high"


def test_warm_up_loads_the_model() -> None:
    model = FixedModel(0.1)
    ScamDetector(RuleSet.from_yaml(), model=model).warm_up()
    assert model.warmed


def test_broken_model_falls_back_to_rules(rules: RuleSet) -> None:
    detector = ScamDetector(rules, model=BrokenModel())
    detector.warm_up()
    assessment = detector.assess("请把钱转到安全账户")
    assert assessment.model_risk is None
    assert assessment.signal_codes() == ["safe_account"]


@pytest.mark.parametrize("text", ["", "   ", "\n", "😀🙏👍", "[sticker]", "📷"])
def test_empty_or_emoji_input_is_no_risk(rules_only: ScamDetector, text: str) -> None:
    assert rules_only.assess(text).level == "none"


def test_ten_kilobyte_text_is_assessed_without_error(rules_only: ScamDetector) -> None:
    text = "正常的聊天内容。" * 1400 + "请把钱转到安全账户"
    assessment = rules_only.assess(text)
    assert assessment.level in ("none", "low", "medium", "high")


def test_to_api_shape_with_codes(rules_only: ScamDetector) -> None:
    api = rules_only.assess("放款前需要先交2000元解冻费").to_api()
    assert set(api) == {"risk", "level", "signals"}
    assert isinstance(api["risk"], float) and 0.0 <= api["risk"] <= 1.0
    assert api["level"] in ("none", "low", "medium", "high")
    assert api["signals"] == ["advance_fee"]


def test_to_api_with_language_gives_explanations(rules_only: ScamDetector) -> None:
    assessment = rules_only.assess("放款前需要先交2000元解冻费")
    assert assessment.to_api("zh")["signals"] == [assessment.signals[0].explanation_zh]
    assert assessment.to_api("en")["signals"] == [assessment.signals[0].explanation_en]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_advice_tells_to_stop_not_pay_and_call_96110_or_110(lang: str) -> None:
    advice = ScamAssessment(risk=0.9, level="high").advice(lang)  # type: ignore[arg-type]
    assert "96110" in advice and "110" in advice
    if lang == "zh":
        assert "不要转账" in advice and "验证码" in advice and "证据" in advice
    else:
        assert "Do not transfer" in advice and "codes" in advice and "evidence" in advice


def test_warning_lists_level_signals_and_advice_in_the_farmer_language() -> None:
    signal = ScamSignal("advance_fee", "先交钱是骗局", "Paying first is a scam", "解冻费")
    assessment = ScamAssessment(risk=0.85, level="high", signals=[signal])
    zh, en = assessment.warning("zh"), assessment.warning("en")
    assert "高" in zh and "先交钱是骗局" in zh and "96110" in zh
    assert "high" in en and "Paying first is a scam" in en and "96110" in en
    assert "先交钱是骗局" not in en


def test_a_marketing_opt_out_line_stops_the_model_alone_from_warning(rules: RuleSet) -> None:
    text = "【某某超市】周末粮油大促，大米五斤装19.9元，鸡蛋每斤4.5元，数量有限先到先得，欢迎光临选购。"
    detector = ScamDetector(rules, model=FixedModel(0.95))

    assert detector.assess(text).should_warn
    assert not detector.assess(text + "退订回T").should_warn


def test_an_opt_out_line_does_not_excuse_a_rule_signal(rules_only: ScamDetector) -> None:
    text = "【惠农快贷】您的贷款已审批，放款前需要先交2000元解冻费。退订回T"

    assert rules_only.assess(text).should_warn


@pytest.mark.parametrize(
    "text",
    [
        "要是有短信说你的ETC要停用让你点链接的，别点，直接给我打电话。",
        "如果有人让你把钱转到安全账户，那就是骗子。",
    ],
)
def test_a_hypothetical_report_of_a_scam_is_not_a_demand(rules_only: ScamDetector, text: str) -> None:
    assert not rules_only.assess(text).should_warn


def test_a_shop_price_stated_as_only_need_to_pay_is_not_an_advance_fee(rules_only: ScamDetector) -> None:
    text = "视频会员包月，只需支付15元，质量保证，不满意可赔付。"

    assert "advance_fee" not in rules_only.assess(text).signal_codes()
