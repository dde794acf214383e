import pytest

from knowledge.scam.check import check_reply, extract_checked_message, is_check_request
from knowledge.scam.detector import ScamDetector


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("帮我看看这条短信是不是骗子：您的贷款已审批，请先交2000元保证金", "您的贷款已审批，请先交2000元保证金"),
        ("is this message a scam: your loan is approved, pay a fee", "your loan is approved, pay a fee"),
        ("check this sms\nhi mum i lost my phone, send money", "hi mum i lost my phone, send money"),
        ("帮我看看“您的账户已冻结请联系客服处理”是不是真的", "您的账户已冻结请联系客服处理"),
    ],
)
def test_the_quoted_message_is_found_after_the_request(text: str, message: str) -> None:
    assert extract_checked_message(text) == message


@pytest.mark.parametrize("text", ["帮我看看这条短信", "check this message for me", "the meeting is at: 10"])
def test_a_request_without_a_message_gives_none(text: str) -> None:
    assert extract_checked_message(text) is None


def test_a_long_text_without_separator_is_checked_as_a_whole() -> None:
    text = "帮我看看这个您好您的贷款已经审批通过需要先交三千元保证金才能放款请尽快处理"

    assert extract_checked_message(text) == text


def test_reply_on_a_scam_is_the_full_warning(rules_only: ScamDetector) -> None:
    assessment = rules_only.assess("我是公安局的，你涉嫌洗钱，马上把钱转到安全账户。")

    assert check_reply(assessment, "zh") == assessment.warning("zh")


@pytest.mark.parametrize(
    ("lang", "head"), [("zh", "✅ 这条消息里没有发现已知的诈骗信号"), ("en", "✅ I found no known")]
)
def test_reply_on_a_clean_message_says_none_found_but_stay_careful(
    rules_only: ScamDetector, lang: str, head: str
) -> None:
    reply = check_reply(rules_only.assess("明天上午村委会开会。"), lang)  # type: ignore[arg-type]

    assert reply.startswith(head)
    assert "96110" in reply


def test_reply_on_weak_hints_lists_them_without_calling_it_a_scam(rules_only: ScamDetector) -> None:
    assessment = rules_only.assess("限时优惠，马上点击 www.shop-example.com 查看")

    reply = check_reply(assessment, "zh")

    assert not assessment.should_warn
    assert "值得留意" in reply
    assert "⚠️" not in reply


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("帮我看看这条短信", True),
        ("帮我看看“您的账户已冻结请联系客服”是不是真的", True),
        ("is this message a scam: your loan is approved", True),
        ("小额信贷最多能贷多少钱？有人说放款前要先交2000元解冻费", False),
        ("【惠民快贷】您的5万元贷款已审批，因银行卡号填写错误资金被冻结", False),
    ],
)
def test_only_an_opening_request_counts_as_a_check_request(text: str, expected: bool) -> None:
    assert is_check_request(text) is expected


def test_a_pasted_chat_is_checked_whole_not_cut_at_its_speaker_colons() -> None:
    chat = "对方：这条短信是真的，您看看\n我：哦\n对方：请先交保证金"

    assert extract_checked_message(chat) == chat


@pytest.mark.parametrize(("lang", "words"), [("zh", "对方说的话"), ("en", "the other side")])
def test_reply_on_a_clean_chat_says_only_the_other_side_was_judged(
    rules_only: ScamDetector, lang: str, words: str
) -> None:
    assessment = rules_only.assess("对方：明天几点去地里？\n我：早上七点\n对方：好，我开拖拉机来接你")

    assert assessment.chat and not assessment.should_warn
    assert words in check_reply(assessment, lang)  # type: ignore[arg-type]
