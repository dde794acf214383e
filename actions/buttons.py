"""Follow-up buttons the actions attach to answers, labelled in the farmer's language."""

from __future__ import annotations

from dataclasses import dataclass

from core.intents import Intent
from core.lang import Lang
from core.text import Bilingual, bi

MAX_PAYLOAD_BYTES = 64
MAX_FOLLOW_UPS = 3


@dataclass(frozen=True)
class FollowUp:
    """One button: its bilingual label and the payload Rasa receives when it is pressed."""

    label: Bilingual
    payload: str

    def as_button(self, lang: Lang) -> dict[str, str]:
        """The button as rasa-sdk's `utter_message(buttons=...)` expects it."""
        return {"title": self.label.get(lang), "payload": self.payload}


APPLY = FollowUp(bi("我想申请贷款", "I want to apply"), payload=Intent.APPLY_LOAN.payload)
ASK_LOAN = FollowUp(bi("问贷款", "Ask about loans"), payload=Intent.ASK_LOAN.payload)
ASK_INSURANCE = FollowUp(bi("问农业保险", "Ask about insurance"), payload=Intent.ASK_INSURANCE.payload)
ASK_SCAM = FollowUp(bi("防骗", "Scams"), payload=Intent.ASK_SCAM.payload)
HUMAN = FollowUp(bi("找工作人员", "Talk to a person"), payload=Intent.HUMAN_HANDOFF.payload)
MENU = FollowUp(bi("返回菜单", "Back to menu"), payload=Intent.GREET.payload)

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
