import threading

import pytest
from fastapi.testclient import TestClient

from bot.messages import BotReply, IntentInfo, SourceRef, TurnResult, UserTurn
from bot.scam_shield import ScamShield, is_scorable
from bot.web import create_web_app
from knowledge.scam.detector import ScamDetector
from knowledge.scam.rate import LprConfig
from knowledge.scam.rules import RuleSet
from knowledge.scam.types import ScamAssessment
from tests.bot.fakes import API_HEADERS, RecordingEngine, trusted_identity

SCAM_ZH = "【快贷】您好，您的5万元贷款已审批，但银行卡号填写错误导致资金冻结，请先交2000元解冻费，解冻后马上放款。"
SCAM_EN = "Your loan is approved. Pay a processing fee of 300 to release your funds today, send it to our agent."
BANK_REMINDER = (
    "【信用社】您好，您的惠农贷款本月应还利息186.20元，还款日为本月21日，系统将自动从尾号0932账户扣款，请保证余额充足。"
)
CLEAN_EN = "Hi, the tractor is fixed, you can pick it up tomorrow morning."


@pytest.fixture(scope="module")
def detector() -> ScamDetector:
    """The shipped rules without the learned model, so verdicts are deterministic."""
    return ScamDetector(RuleSet.from_yaml(), model=None, lpr=LprConfig.from_yaml())


def turn(text: str, **metadata: object) -> UserTurn:
    return UserTurn(sender_id="web:f1", text=text, channel="web", metadata=dict(metadata))


class CountingDetector:
    """Delegates to a real detector and counts the calls."""

    def __init__(self, inner: ScamDetector) -> None:
        self.inner = inner
        self.calls = 0
        self.warmed = 0

    def warm_up(self) -> None:
        self.warmed += 1

    def assess(self, text: str) -> ScamAssessment:
        self.calls += 1
        return self.inner.assess(text)


class BrokenDetector:
    def warm_up(self) -> None:
        raise RuntimeError("model file unreadable")

    def assess(self, text: str) -> ScamAssessment:
        raise RuntimeError("model file unreadable")


class BlockedDetector:
    """Never answers until released, like a model still loading."""

    def __init__(self) -> None:
        self.release = threading.Event()

    def warm_up(self) -> None:
        pass

    def assess(self, text: str) -> ScamAssessment:
        self.release.wait(30)
        return ScamAssessment(risk=0.0, level="none")


class CheckIntentEngine(RecordingEngine):
    """Recognises every turn as `check_message` and answers with the dialogue's own (sourced) reply."""

    async def handle(self, turn: UserTurn) -> TurnResult:
        self.turns.append(turn)
        return TurnResult(
            replies=[BotReply(text="dialogue verdict", sources=[SourceRef(title="贷款诈骗", locator="一")])],
            intent=IntentInfo(name="check_message", confidence=0.97),
            lang="zh",
        )


async def test_scam_text_gets_the_warning_first_then_the_normal_answer(detector: ScamDetector) -> None:
    engine = RecordingEngine(reply="贷款答案")
    shield = ScamShield(engine, detector)

    result = await shield.handle(turn(f"这个贷款能办吗？{SCAM_ZH}"))

    assert [reply.text for reply in result.replies][1:] == ["贷款答案"]
    warning = result.replies[0]
    assert warning.text.startswith("⚠️ 诈骗风险：高")
    assert "解冻" in warning.text and "96110" in warning.text and "110" in warning.text
    assert "不要转账" in warning.text and "验证码" in warning.text and "截图" in warning.text
    assert [button.payload for button in warning.buttons] == ["/ask_scam", "/human_handoff"]
    assert engine.turns[0].text.endswith(SCAM_ZH)
    assert result.scam is not None
    assert result.scam.level == "high"
    assert {"advance_fee", "loan_frozen"} <= set(result.scam.signals)


async def test_warning_follows_the_reply_language_of_the_conversation(detector: ScamDetector) -> None:
    shield = ScamShield(RecordingEngine(reply="Here is how loans work.", lang="en"), detector)

    result = await shield.handle(turn(SCAM_EN))

    assert result.replies[0].text.startswith("⚠️ Scam risk:")
    assert "96110" in result.replies[0].text
    assert [button.title for button in result.replies[0].buttons] == ["How to avoid scams", "Talk to a person"]
    assert result.replies[1].text == "Here is how loans work."


async def test_pasted_bank_repayment_reminder_gets_no_warning(detector: ScamDetector) -> None:
    shield = ScamShield(RecordingEngine(reply="好的"), detector)

    result = await shield.handle(turn(BANK_REMINDER))

    assert [reply.text for reply in result.replies] == ["好的"]
    assert result.scam is not None
    assert result.scam.level in ("none", "low")


@pytest.mark.parametrize("text", ["/ask_scam", "  ", ""])
async def test_button_payloads_and_empty_text_are_not_scored(detector: ScamDetector, text: str) -> None:
    counting = CountingDetector(detector)
    shield = ScamShield(RecordingEngine(reply="menu"), counting)

    result = await shield.handle(turn(text))

    assert counting.calls == 0
    assert result.scam is None
    assert [reply.text for reply in result.replies] == ["menu"]


async def test_a_telegram_button_tap_is_not_scored_even_without_a_slash() -> None:
    tapped = UserTurn(
        sender_id="tg:1", text="贷款要先交保证金是不是骗子", channel="telegram", metadata={"from_button": True}
    )

    assert not is_scorable(tapped)


async def test_forwarded_scam_gets_only_the_warning_and_skips_the_dialogue(detector: ScamDetector) -> None:
    engine = RecordingEngine()
    shield = ScamShield(engine, detector)

    result = await shield.handle(turn(SCAM_ZH, forwarded=True))

    assert engine.turns == []
    [reply] = result.replies
    assert reply.text.startswith("⚠️ 诈骗风险：高")
    assert result.lang == "zh"
    assert result.scam is not None and result.scam.level == "high"


async def test_forwarded_clean_message_gets_no_signals_but_stay_careful(detector: ScamDetector) -> None:
    engine = RecordingEngine()
    shield = ScamShield(engine, detector)

    result = await shield.handle(turn(CLEAN_EN, forwarded=True))

    assert engine.turns == []
    [reply] = result.replies
    assert reply.text.startswith("✅ I found no known scam warning signs")
    assert "never share" in reply.text
    assert [button.payload for button in reply.buttons] == ["/ask_scam", "/human_handoff"]
    assert result.scam is not None and result.scam.level == "none"


async def test_forwarded_reply_uses_the_farmers_remembered_language(detector: ScamDetector) -> None:
    shield = ScamShield(RecordingEngine(reply="你好", lang="zh"), detector)
    await shield.handle(turn("你好"))

    result = await shield.handle(turn(SCAM_EN, forwarded=True))

    assert result.lang == "zh"
    assert result.replies[0].text.startswith("⚠️ 诈骗风险")


async def test_check_intent_is_not_warned_twice(detector: ScamDetector) -> None:
    shield = ScamShield(CheckIntentEngine(), detector)

    result = await shield.handle(turn(f"帮我看看这条短信是不是骗子：{SCAM_ZH}"))

    assert [reply.text for reply in result.replies] == ["dialogue verdict"]
    assert result.scam is not None and result.scam.level == "high"


async def test_check_intent_on_a_plain_question_still_gets_the_shield_warning(detector: ScamDetector) -> None:
    shield = ScamShield(CheckIntentEngine(), detector)

    result = await shield.handle(turn(f"这个贷款能办吗，{SCAM_ZH}"))

    assert result.replies[0].text.startswith("⚠️ 诈骗风险：高")
    assert result.replies[1].text == "dialogue verdict"


async def test_message_pasted_after_a_bare_check_request_gets_the_verdict(detector: ScamDetector) -> None:
    engine = CheckIntentEngine()
    shield = ScamShield(engine, detector)
    await shield.handle(turn("帮我看看这条短信"))

    result = await shield.handle(turn(SCAM_ZH))
    after = await shield.handle(turn(SCAM_ZH))

    assert len(engine.turns) == 2
    [verdict] = result.replies
    assert verdict.text.startswith("⚠️ 诈骗风险：高")
    assert result.intent is None
    assert after.replies[-1].text == "dialogue verdict"


async def test_detector_failure_never_stops_the_turn() -> None:
    shield = ScamShield(RecordingEngine(reply="答案"), BrokenDetector())
    shield.warm_up()

    result = await shield.handle(turn(SCAM_ZH))
    forwarded = await shield.handle(turn(SCAM_ZH, forwarded=True))

    assert [reply.text for reply in result.replies] == ["答案"]
    assert result.scam is None
    assert "96110" in forwarded.replies[0].text
    assert forwarded.scam is None


async def test_a_detector_that_does_not_answer_in_time_is_skipped() -> None:
    blocked = BlockedDetector()
    shield = ScamShield(RecordingEngine(reply="答案"), blocked, timeout_seconds=0.05)
    try:
        result = await shield.handle(turn(SCAM_ZH))
    finally:
        blocked.release.set()

    assert [reply.text for reply in result.replies] == ["答案"]
    assert result.scam is None


def test_warm_up_loads_the_detector(detector: ScamDetector) -> None:
    counting = CountingDetector(detector)

    shield = ScamShield(RecordingEngine(), counting)
    assert shield.warmed is False

    shield.warm_up()

    assert counting.warmed == 1 and shield.warmed is True


def test_web_api_puts_the_warning_first_and_reports_the_scam_field(detector: ScamDetector) -> None:
    client = TestClient(
        create_web_app(ScamShield(RecordingEngine(reply="贷款答案"), detector), identity=trusted_identity()),
        headers=API_HEADERS,
    )

    body = client.post("/api/chat", json={"sender_id": "s1", "text": SCAM_ZH}).json()

    assert body["replies"][0]["text"].startswith("⚠️ 诈骗风险")
    assert body["replies"][1]["text"] == "贷款答案"
    assert set(body["scam"]) == {"risk", "level", "signals"}
    assert body["scam"]["level"] == "high"
    assert 0.8 <= body["scam"]["risk"] <= 1.0
    assert "advance_fee" in body["scam"]["signals"]


def test_web_api_scam_field_is_null_for_a_button_payload(detector: ScamDetector) -> None:
    client = TestClient(
        create_web_app(ScamShield(RecordingEngine(), detector), identity=trusted_identity()), headers=API_HEADERS
    )

    body = client.post("/api/chat", json={"sender_id": "s1", "text": "/ask_scam"}).json()

    assert body["scam"] is None


async def test_a_pasted_scam_the_documents_do_not_cover_gets_the_warning_without_an_i_dont_know(
    detector: ScamDetector,
) -> None:
    engine = RecordingEngine(reply="我的资料里没有可靠的答案。", intent="nlu_fallback")

    result = await ScamShield(engine, detector).handle(turn(SCAM_ZH))

    assert len(result.replies) == 1
    assert result.replies[0].text.startswith("⚠️ 诈骗风险")
    assert engine.turns, "the dialogue still sees the turn"


async def test_a_sourced_answer_or_another_intent_still_follows_the_warning(detector: ScamDetector) -> None:
    sourced = RecordingEngine(reply="unused", intent="ask_loan")

    async def handle_with_source(turn_: UserTurn) -> TurnResult:
        reply = BotReply(text="放款前不收费。", sources=[SourceRef(title="贷款诈骗", locator="一")])
        return TurnResult(replies=[reply], intent=IntentInfo(name="ask_loan", confidence=0.9), lang="zh")

    sourced.handle = handle_with_source  # type: ignore[method-assign]
    result = await ScamShield(sourced, detector).handle(turn(SCAM_ZH))
    assert [r.text for r in result.replies][1:] == ["放款前不收费。"]

    greeting = RecordingEngine(reply="你好！", intent="greet")
    result = await ScamShield(greeting, detector).handle(turn(SCAM_ZH))
    assert [r.text for r in result.replies][1:] == ["你好！"]


async def test_a_pasted_scam_read_as_check_message_without_a_request_gets_the_warning_alone(
    detector: ScamDetector,
) -> None:
    engine = RecordingEngine(reply="这个问题我的资料里没有靠得住的答案。", intent="check_message")

    result = await ScamShield(engine, detector).handle(turn(SCAM_ZH))

    assert [r.text[:7] for r in result.replies] == ["⚠️ 诈骗风险"]


PASTED_CHAT = """帮我看看这段聊天记录：
对方：您好，我是游戏交易平台客服，您卖的游戏账号买家已付款
我：那我怎么收钱
对方：您填写的银行卡信息错误，资金已冻结，需要先交2000元保证金解冻
我：我没钱交保证金"""


@pytest.mark.parametrize(("lang", "marker"), [("zh", "对方的话"), ("en", "other side")])
async def test_a_forwarded_chat_gets_a_verdict_quoting_the_other_sides_line(
    detector: ScamDetector, lang: str, marker: str
) -> None:
    shield = ScamShield(RecordingEngine(reply="unused", lang=lang), detector)

    result = await shield.handle(turn(PASTED_CHAT, forwarded=True).model_copy(update={"lang": lang}))

    text = result.replies[0].text
    assert text.startswith("⚠️")
    assert marker in text
    assert "对方：您填写的银行卡信息错误" in text
    assert "我没钱交保证金" not in text


async def test_a_chat_where_only_the_farmer_mentions_a_safe_account_gets_no_warning(detector: ScamDetector) -> None:
    shield = ScamShield(RecordingEngine(reply="好的"), detector)
    chat = "对方：王叔，明天村里开会说医保缴费的事\n我：是不是又有人让把钱转到安全账户的骗子？\n对方：不是，是正经开会"

    result = await shield.handle(turn(chat))

    assert [reply.text for reply in result.replies] == ["好的"]
    assert result.scam is not None and result.scam.level in ("none", "low")
