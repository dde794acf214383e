"""The one table of Rasa intents and knowledge topics; tests/core/test_intents.py holds nlu/ to it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum
from typing import Final, Literal


class Intent(StrEnum):
    """Every intent of the Rasa domain (nlu/domain.yml), and nothing else."""

    GREET = "greet"
    GOODBYE = "goodbye"
    THANKS = "thanks"
    AFFIRM = "affirm"
    DENY = "deny"
    ASK_LOAN = "ask_loan"
    ASK_INSURANCE = "ask_insurance"
    ASK_SCAM = "ask_scam"
    APPLY_LOAN = "apply_loan"
    APPLICATION_STATUS = "application_status"
    HUMAN_HANDOFF = "human_handoff"
    OUT_OF_SCOPE = "out_of_scope"
    SWITCH_LANGUAGE = "switch_language"
    CHECK_MESSAGE = "check_message"
    ASK_LENDER = "ask_lender"
    INFORM = "inform"
    CANCEL_FORM = "cancel_form"
    CORRECT_FIELD = "correct_field"
    DELETE_DATA = "delete_data"
    CONFIRM_DELETE_DATA = "confirm_delete_data"
    SHARE_CONTACT = "share_contact"
    SUBMIT_PREAPPLICATION = "submit_preapplication"

    @property
    def payload(self) -> str:
        """The button payload that triggers this intent directly: `/ask_loan`."""
        return f"/{self.value}"

    def with_entities(self, **entities: str) -> str:
        """The payload with entities, compact JSON as Rasa parses it: `/inform{"choice":"yes"}`."""
        return f"/{self.value}{json.dumps(entities, ensure_ascii=False, separators=(',', ':'))}"


# The intent Rasa's FallbackClassifier predicts below its threshold; not in the domain's intent list.
NLU_FALLBACK: Final = "nlu_fallback"

Topic = Literal["loan", "insurance", "scam", "station", "general"]
TOPICS: Final[tuple[Topic, ...]] = ("loan", "insurance", "scam", "station", "general")
# Campaign posters and greetings are written for these topics (store/campaigns.py, bot/campaigns/topics.py).
CampaignTopic = Literal["loan", "insurance", "scam", "general"]
CAMPAIGN_TOPICS: Final[tuple[CampaignTopic, ...]] = ("loan", "insurance", "scam", "general")


@dataclass(frozen=True)
class KnowledgeTopic:
    """A topic farmers ask the knowledge base about: its intent and the response that introduces it."""

    topic: Topic
    intent: Intent
    intro_response: str


KNOWLEDGE_TOPICS: Final[tuple[KnowledgeTopic, ...]] = (
    KnowledgeTopic("loan", Intent.ASK_LOAN, "utter_intro_loan"),
    KnowledgeTopic("insurance", Intent.ASK_INSURANCE, "utter_intro_insurance"),
    KnowledgeTopic("scam", Intent.ASK_SCAM, "utter_intro_scam"),
)
TOPIC_BY_INTENT: Final[dict[str, Topic]] = {row.intent.value: row.topic for row in KNOWLEDGE_TOPICS}

# What the transcript files a farmer's turn under, and the campaign report counts questions by: the knowledge
# topics, "apply" for the pre-application, "other" for any other intent.
QuestionTopic = Literal["loan", "insurance", "scam", "apply", "other"]
QUESTION_TOPICS: Final[tuple[QuestionTopic, ...]] = ("loan", "insurance", "scam", "apply", "other")
QUESTION_TOPIC_BY_INTENT: Final[dict[str, QuestionTopic]] = {
    Intent.ASK_LOAN.value: "loan",
    Intent.ASK_INSURANCE.value: "insurance",
    Intent.ASK_SCAM.value: "scam",
    Intent.CHECK_MESSAGE.value: "scam",
    Intent.ASK_LENDER.value: "scam",
    Intent.APPLY_LOAN.value: "apply",
    Intent.APPLICATION_STATUS.value: "apply",
}


def is_payload(text: str) -> bool:
    """True when `text` is a Rasa intent payload (`/greet`, `/inform{...}`) rather than words."""
    name = text.removeprefix("/").split("{", 1)[0]
    return text.startswith("/") and name in Intent.__members__.values()


# Intents whose turns are questions to the knowledge base: the transcript marks them answered or not, and only
# they feed the campaign report's question lists (form answers, commands and small talk never do).
QUESTION_INTENTS: Final[frozenset[str]] = frozenset(
    {Intent.ASK_LOAN, Intent.ASK_INSURANCE, Intent.ASK_SCAM, NLU_FALLBACK, Intent.OUT_OF_SCOPE, Intent.ASK_LENDER}
)
