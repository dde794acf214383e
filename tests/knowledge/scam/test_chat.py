"""Pasted chats: split by speaker, judged on the other side's lines, with the giveaway line quoted."""

import pytest

from knowledge.scam.chat import QUOTE_MAX, ChatLine, quote_line, split_pasted
from knowledge.scam.detector import ScamDetector
from knowledge.scam.rules import RuleSet

CHAT_ZH = """帮我看看这段聊天：
对方：您好，我是电商平台售后，您买的电暖器批次有质量问题，要给您退款
我：好的，怎么退
对方：请把收到的验证码发给我，我帮您操作退款
我：我不会把钱转给你的"""

CHAT_EN = """Them: Hi, this is customer service, your order has a refund waiting
Me: ok what do I do
Them: Please read me the code we just sent you so I can process it"""


class FixedModel:
    """A stand-in learned model: fixed risk for any text, remembering what it was asked to score."""

    def __init__(self, risk: float) -> None:
        self.risk = risk
        self.seen: list[str] = []

    def warm_up(self) -> None:
        pass

    def predict(self, text: str) -> float:
        self.seen.append(text)
        return self.risk


def test_speaker_lines_are_split_and_the_farmers_own_lines_and_framing_set_aside() -> None:
    pasted = split_pasted(CHAT_ZH)
    assert pasted.is_chat
    assert [line.speaker for line in pasted.judged] == ["对方", "对方"]
    assert "我不会把钱转给你的" not in pasted.their_text
    assert "帮我看看" not in pasted.their_text


def test_an_unlabelled_line_continues_the_speaker_above_it() -> None:
    pasted = split_pasted("对方：您好\n这边是理赔中心\n我：嗯\n对方：加一下微信")
    assert [line.text for line in pasted.judged] == ["您好", "这边是理赔中心", "加一下微信"]


def test_a_single_message_is_not_a_chat() -> None:
    pasted = split_pasted("【农商银行】您的贷款已到账，请注意查收。")
    assert not pasted.is_chat
    assert pasted.their_text == "【农商银行】您的贷款已到账，请注意查收。"


@pytest.mark.parametrize("chat", [CHAT_ZH, CHAT_EN])
def test_a_pasted_chat_warns_and_quotes_the_other_sides_line(rules_only: ScamDetector, chat: str) -> None:
    assessment = rules_only.assess(chat)
    assert assessment.should_warn and assessment.chat
    credential = next(signal for signal in assessment.signals if signal.code == "credential_request")
    speaker = "对方" if "对方" in chat else "Them"
    assert credential.evidence.startswith(f"{speaker}：")
    assert credential.evidence in credential.explanation_zh
    assert credential.evidence in credential.explanation_en


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_warning_on_a_chat_says_only_the_other_side_was_judged(rules_only: ScamDetector, lang: str) -> None:
    warning = rules_only.assess(CHAT_ZH).warning(lang)  # type: ignore[arg-type]
    assert ("对方的话" in warning) if lang == "zh" else ("other side" in warning)
    assert "对方：请把收到的验证码发给我" in warning


def test_the_farmers_own_lines_do_not_trigger_a_warning(rules_only: ScamDetector) -> None:
    farmer_line = "你是说让我把存款转到安全账户里去？"
    assert rules_only.assess(farmer_line).should_warn  # the same words from the other side would warn
    chat = f"对方：您好，请问是王大哥吗？\n我：{farmer_line}\n对方：不是不是，您听错了，打扰了"
    assessment = rules_only.assess(chat)
    assert not assessment.should_warn
    assert assessment.signal_codes() == []


def test_the_farmers_own_lines_do_not_dilute_the_model_score(rules: RuleSet) -> None:
    model = FixedModel(0.1)
    detector = ScamDetector(rules, model=model)
    detector.assess("对方：您好，这边是客服\n我：你好，我家在李家村，今年种了十亩玉米，收成还不错\n对方：好的")
    assert model.seen == ["您好,这边是客服\n好的"]


def test_a_chat_warned_by_the_model_alone_quotes_its_most_scam_like_line(rules: RuleSet) -> None:
    detector = ScamDetector(rules, model=FixedModel(0.9))
    chat = (
        "对方：在吗，最近过得怎么样，家里的庄稼都收完了没有\n我：收完了\n对方：那就好，改天我们一起出来坐坐喝点茶聊聊天"
    )
    assessment = detector.assess(chat)
    assert assessment.should_warn
    assert assessment.signal_codes() == ["scam_like_line"]
    assert assessment.signals[0].evidence.startswith("对方：")


def test_a_long_line_is_quoted_around_the_match_within_the_length_limit() -> None:
    line = ChatLine("对方", False, "这是很长的一段开场白" * 6 + "请把验证码发给我" + "后面还有很多话" * 5)
    quote = quote_line(line, line.text.index("验证码"))
    assert "验证码" in quote
    assert len(quote) <= QUOTE_MAX + len("对方：") + 2


def test_quotes_keep_chinese_full_width_punctuation(rules_only: ScamDetector) -> None:
    assessment = rules_only.assess("对方：理赔需要核实，请把收到的验证码发给我！\n我：哦\n对方：快点")

    assert assessment.signals[0].evidence == "对方：理赔需要核实，请把收到的验证码发给我！"


def test_speaker_headers_with_times_as_chat_apps_copy_them_are_understood() -> None:
    pasted = split_pasted("客服小王 10:42\n您好，您的订单有质量问题\n我 10:43\n怎么办\n客服小王 10:44\n请把验证码发我")

    assert pasted.is_chat
    assert [(line.speaker, line.text) for line in pasted.judged] == [
        ("客服小王", "您好，您的订单有质量问题"),
        ("客服小王", "请把验证码发我"),
    ]
