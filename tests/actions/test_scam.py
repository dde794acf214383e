from __future__ import annotations

import re
from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.scam import CheckLender, CheckMessage, LazyScamServices
from knowledge.scam.detector import ScamDetector
from knowledge.scam.rate import LprConfig
from knowledge.scam.registry import LenderRegistry
from knowledge.scam.rules import RuleSet
from tests.actions.conftest import FakeKnowledge, make_tracker

SCAM_SMS = "您的贷款已审批，因银行卡号填写错误资金被冻结，请先交2000元解冻费，解冻后马上放款。"
PERSON = {"title": "找工作人员", "payload": "/human_handoff"}


def rules_only() -> ScamDetector:
    return ScamDetector(RuleSet.from_yaml(), model=None, lpr=LprConfig.from_yaml())


class Broken:
    def warm_up(self) -> None:
        raise OSError("rules file missing")


@pytest.fixture
def services() -> LazyScamServices:
    return LazyScamServices(rules_only, LenderRegistry.from_yaml)


async def run(action: Any, text: str, intent: str, lang: str = "zh") -> list[dict[str, Any]]:
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, make_tracker(text, intent=intent, lang=lang), {})
    assert events == []
    return dispatcher.messages


async def test_check_message_warns_about_the_quoted_scam_with_level_signals_and_advice(services: LazyScamServices):
    text = f"帮我看看这条短信是不是骗子：{SCAM_SMS}"

    [message] = await run(CheckMessage(services, FakeKnowledge()), text, "check_message")

    assert message["text"].startswith("⚠️ 诈骗风险：高")
    assert "解冻" in message["text"]
    assert "96110" in message["text"] and "110" in message["text"]
    assert message["buttons"] == [{"title": "怎么防骗", "payload": "/ask_scam"}, PERSON]


async def test_check_message_in_english_says_no_known_signals_for_a_clean_message(services: LazyScamServices):
    text = "is this message a scam: Your parcel was delivered today and left with your neighbour at number 12."

    [message] = await run(CheckMessage(services, FakeKnowledge()), text, "check_message", lang="en")

    assert message["text"].startswith("✅ I found no known scam warning signs")
    assert "before a loan" in message["text"] and "codes" in message["text"]


async def test_check_message_without_the_message_asks_for_it(services: LazyScamServices):
    [message] = await run(CheckMessage(services, FakeKnowledge()), "帮我看看这条短信", "check_message")

    assert message["response"] == "utter_check_message_ask"


async def test_a_question_that_only_quotes_a_scammer_is_answered_from_the_knowledge_base(
    services: LazyScamServices,
):
    knowledge = FakeKnowledge(answer_text="正规贷款放款前不收任何费用。")
    question = "贷款放款前要先交2000元解冻费，这正常吗，银行卡号填错了被冻结"

    [message] = await run(CheckMessage(services, knowledge), question, "check_message")

    assert message["text"] == "正规贷款放款前不收任何费用。"
    assert [(q.text, q.topic) for q in knowledge.questions] == [(question, "scam")]


async def test_check_message_apologises_when_the_detector_cannot_load():
    services = LazyScamServices(Broken, LenderRegistry.from_yaml)

    [message] = await run(CheckMessage(services, FakeKnowledge()), f"帮我看看：{SCAM_SMS}", "check_message")

    assert message["response"] == "utter_check_unavailable"


async def test_check_lender_confirms_a_registered_bank_with_a_warning_about_impostors(services: LazyScamServices):
    [message] = await run(CheckLender(services), "邮储银行正规吗", "ask_lender")

    assert "在本地持牌机构名录中" in message["text"]
    assert "冒名" in message["text"]
    assert "示例数据" in message["text"]


async def test_check_lender_never_calls_an_unknown_lender_legitimate(services: LazyScamServices):
    [message] = await run(CheckLender(services), "is QuickCashNow legit", "ask_lender", lang="en")

    assert "not in the registry" in message["text"]
    assert "does not show it is legitimate" in message["text"]
    assert "How to check" in message["text"]
    assert message["buttons"][1] == {"title": "Talk to a person", "payload": "/human_handoff"}


async def test_check_lender_adds_the_scam_signals_of_the_question(services: LazyScamServices):
    [message] = await run(CheckLender(services), "闪电贷正规吗？他们说放款前要先交2000元保证金", "ask_lender")

    assert "查不到" in message["text"]
    assert "可疑情况" in message["text"]


async def test_services_build_lazily_and_once():
    built: list[str] = []

    def factory() -> ScamDetector:
        built.append("detector")
        return rules_only()

    lazy = LazyScamServices(factory, LenderRegistry.from_yaml)
    assert built == []

    lazy.assess("你好")
    lazy.assess("你好")

    assert built == ["detector"]


async def test_a_quoted_message_whose_numbers_arrive_as_handles_is_judged_by_their_shape():
    from knowledge.scam.types import ScamAssessment, ScamSignal

    class Recording:
        def __init__(self) -> None:
            self.assessed: list[str] = []

        def warm_up(self) -> None:
            pass

        def assess(self, text: str) -> ScamAssessment:
            self.assessed.append(text)
            quote = text[-19:]  # the verdict quotes the line that gave it away
            signal = ScamSignal(
                code="account", explanation_zh=f"转账到（“{quote}”）", explanation_en="", evidence=quote
            )
            return ScamAssessment(risk=0.9, level="high", signals=[signal])

    scam = Recording()
    text = "帮我看看这条短信：您的贷款已审批，先交3000元保证金，存入⟦card:kqzmtwbrhe⟧"

    [message] = await run(CheckMessage(scam, FakeKnowledge()), text, "check_message")  # type: ignore[arg-type]

    assert "⟦" not in scam.assessed[0] and re.search(r"\d{19}", scam.assessed[0])  # a card-shaped number
    assert "⟦card:kqzmtwbrhe⟧" in message["text"] and not re.search(r"\d{12}", message["text"])
