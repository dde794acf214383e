"""Follow-up buttons the actions attach to answers, labelled in the farmer's language."""

from __future__ import annotations

from dataclasses import dataclass

from core.intents import Intent
from core.lang import Lang

MAX_PAYLOAD_BYTES = 64
MAX_FOLLOW_UPS = 3


@dataclass(frozen=True)
class FollowUp:
    """One button: a label per language and the payload Rasa receives when it is pressed."""

    zh: str
    en: str
    payload: str

    def as_button(self, lang: Lang) -> dict[str, str]:
        """The button as rasa-sdk's `utter_message(buttons=...)` expects it."""
        return {"title": self.zh if lang == "zh" else self.en, "payload": self.payload}


APPLY = FollowUp(zh="我想申请贷款", en="I want to apply", payload=Intent.APPLY_LOAN.payload)
ASK_LOAN = FollowUp(zh="问贷款", en="Ask about loans", payload=Intent.ASK_LOAN.payload)
ASK_INSURANCE = FollowUp(zh="问农业保险", en="Ask about insurance", payload=Intent.ASK_INSURANCE.payload)
ASK_SCAM = FollowUp(zh="防骗", en="Scams", payload=Intent.ASK_SCAM.payload)
HUMAN = FollowUp(zh="找工作人员", en="Talk to a person", payload=Intent.HUMAN_HANDOFF.payload)
MENU = FollowUp(zh="返回菜单", en="Back to menu", payload=Intent.GREET.payload)

FOLLOW_UPS_BY_TOPIC: dict[str | None, tuple[FollowUp, ...]] = {
    "loan": (APPLY, HUMAN),
    "insurance": (ASK_LOAN, HUMAN),
    "scam": (ASK_INSURANCE, HUMAN),
    None: (MENU, HUMAN),
}


def follow_up_buttons(topic: str | None, lang: Lang) -> list[dict[str, str]]:
    """At most three follow-up buttons for an answer on `topic`."""
    follow_ups = FOLLOW_UPS_BY_TOPIC.get(topic, FOLLOW_UPS_BY_TOPIC[None])
    return [follow_up.as_button(lang) for follow_up in follow_ups[:MAX_FOLLOW_UPS]]
