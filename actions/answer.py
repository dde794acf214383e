"""`action_answer_question`: answers loan, insurance, scam and fallback questions from the knowledge base."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.buttons import follow_up_buttons
from actions.logsafe import redact
from actions.turn import current_lang, latest_intent, question_text
from core.intents import KNOWLEDGE_TOPICS, TOPIC_BY_INTENT
from core.lang import Lang
from knowledge.answer_types import Answer, AnswersQuestions, SourceInfo
from loans.quotes import QuotesRepayments

logger = logging.getLogger(__name__)

INTRO_BY_TOPIC: dict[str | None, str] = {row.topic: row.intro_response for row in KNOWLEDGE_TOPICS} | {
    None: "utter_default"
}
UTTER_NOT_SURE = "utter_not_sure"
UTTER_KNOWLEDGE_ERROR = "utter_knowledge_error"


def sources_message(sources: list[SourceInfo]) -> dict[str, Any] | None:
    """The custom JSON carrying an answer's sources, or None when there are none."""
    if not sources:
        return None
    return {"sources": [{"title": s.title, "locator": s.locator, "url": s.url} for s in sources]}


async def ask_knowledge(knowledge: AnswersQuestions, question: str, *, lang: Lang, topic: str | None) -> Answer | None:
    """Ask the knowledge service off the event loop; None (logged without the question) when it fails."""
    try:
        return await asyncio.to_thread(knowledge.answer, question, lang=lang, topic=topic, region=None)
    except Exception as exc:
        logger.error(
            "Knowledge service failed (topic=%s, lang=%s): %s: %s",
            topic,
            lang,
            type(exc).__name__,
            redact(str(exc)),
        )
        return None


def dispatch_quote(
    dispatcher: CollectingDispatcher, quotes: QuotesRepayments | None, question: str, lang: Lang
) -> bool:
    """Send a repayment quote when the question names an amount and a term; True when one was sent."""
    if quotes is None:
        return False
    try:
        text = quotes.quote_for(question, lang)
    except Exception as exc:  # the calculator must never cost the farmer an answer
        logger.error("Repayment quote failed: %s", type(exc).__name__)
        return False
    if text is None:
        return False
    dispatcher.utter_message(text=text, buttons=follow_up_buttons("loan", lang))
    return True


def dispatch_answer(dispatcher: CollectingDispatcher, answer: Answer, buttons: list[dict[str, str]]) -> None:
    """Send the answer text, its buttons and its sources in one message, so channels keep them together."""
    dispatcher.utter_message(text=answer.text, buttons=buttons, json_message=sources_message(answer.sources))


class AnswerQuestion(Action):
    """Answers from the knowledge base; says honestly when it is not sure or the knowledge base is down."""

    def __init__(self, knowledge: AnswersQuestions, quotes: QuotesRepayments | None = None) -> None:
        self._knowledge = knowledge
        self._quotes = quotes

    def name(self) -> str:
        """The action name used in the domain and rules."""
        return "action_answer_question"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        """Answer the latest message, or introduce the topic when the message was only a button press."""
        lang = current_lang(tracker)
        topic = TOPIC_BY_INTENT.get(latest_intent(tracker) or "")
        question = question_text(tracker)
        if question is None:
            dispatcher.utter_message(response=INTRO_BY_TOPIC[topic])
            return []
        if topic in ("loan", None) and dispatch_quote(dispatcher, self._quotes, question, lang):
            return []
        answer = await ask_knowledge(self._knowledge, question, lang=lang, topic=topic)
        if answer is None:
            dispatcher.utter_message(response=UTTER_KNOWLEDGE_ERROR)
        elif not answer.confident:
            dispatcher.utter_message(response=UTTER_NOT_SURE)
        else:
            dispatch_answer(dispatcher, answer, follow_up_buttons(topic, lang))
        return []
