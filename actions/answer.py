"""Answering actions: questions of every intent from the knowledge base, answer first whatever the form state.

`action_answer_question` answers the question intents, `out_of_scope` and `nlu_fallback` (the knowledge base
decides: it abstains on what it does not cover, and only then does the bot say it cannot help);
`action_answer_or_explain` handles form commands and form answers sent when no form is open.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.buttons import follow_up_buttons
from actions.logsafe import redact
from actions.questions import looks_like_question, previous_question
from actions.turn import current_lang, intent_confidence, latest_intent, question_text
from core.intents import KNOWLEDGE_TOPICS, TOPIC_BY_INTENT, Intent
from core.lang import Lang
from knowledge.answer_types import Answer, AnswersQuestions, SourceInfo
from loans.quotes import QuotesRepayments

logger = logging.getLogger(__name__)

INTRO_BY_TOPIC: dict[str | None, str] = {row.topic: row.intro_response for row in KNOWLEDGE_TOPICS} | {
    None: "utter_default"
}
UTTER_NOT_SURE = "utter_not_sure"
UTTER_KNOWLEDGE_ERROR = "utter_knowledge_error"
UTTER_OUT_OF_SCOPE = "utter_out_of_scope"
UTTER_NO_FORM = "utter_no_form_in_progress"
# The knowledge base abstains: what the farmer hears depends on what NLU made of the message.
ABSTAIN_RESPONSE_BY_INTENT: dict[str, str] = {Intent.OUT_OF_SCOPE: UTTER_OUT_OF_SCOPE}
# NLU this sure that a message is out of scope is not second-guessed by the knowledge base (which would otherwise
# answer some pension or medical-insurance questions from a passage that only shares their words); below it, a
# misspelt in-scope question NLU took for out of scope is answered.
OUT_OF_SCOPE_CERTAIN = 0.99
# A loan question the knowledge base cannot answer still offers the pre-application.
ABSTAIN_RESPONSE_BY_TOPIC: dict[str | None, str] = {"loan": "utter_not_sure_loan"}
# Of the form intents (inform, correct_field, cancel_form, share_contact) sent with no form open, those whose
# statements, not only questions, are worth a look in the knowledge base.
STATEMENT_INTENTS = frozenset({Intent.INFORM, Intent.CORRECT_FIELD})


def sources_message(sources: list[SourceInfo]) -> dict[str, Any] | None:
    """The custom JSON carrying an answer's sources, or None when there are none."""
    if not sources:
        return None
    return {"sources": [{"title": s.title, "locator": s.locator, "url": s.url} for s in sources]}


async def ask_knowledge(
    knowledge: AnswersQuestions, question: str, *, lang: Lang, topic: str | None, previous: str | None = None
) -> Answer | None:
    """Ask the knowledge service off the event loop; None (logged without the question) when it fails."""
    try:
        return await asyncio.to_thread(
            knowledge.answer, question, lang=lang, topic=topic, region=None, previous=previous
        )
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


@dataclass(frozen=True)
class QuestionAnswerer:
    """Answers the latest message as a question: repayment calculator, else the knowledge base with the previous
    question of the session as context."""

    knowledge: AnswersQuestions
    quotes: QuotesRepayments | None = None

    async def lookup(self, tracker: Tracker, topic: str | None) -> Answer | None:
        """The knowledge base's answer to the latest message (None when the service failed)."""
        question = question_text(tracker) or ""
        previous = previous_question(tracker.events)
        if previous is not None:
            logger.info("question answered with the previous question as context (topic=%s)", topic)
        return await ask_knowledge(self.knowledge, question, lang=current_lang(tracker), topic=topic, previous=previous)

    def quote(self, dispatcher: CollectingDispatcher, tracker: Tracker, topic: str | None) -> bool:
        """Send a repayment quote when the latest message asks for one; True when one was sent."""
        question = question_text(tracker)
        if question is None or topic not in ("loan", None):
            return False
        return dispatch_quote(dispatcher, self.quotes, question, current_lang(tracker))

    async def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker, topic: str | None) -> None:
        """Quote when the message asks for repayments, else send the knowledge base's answer (or why there is none)."""
        if not self.quote(dispatcher, tracker, topic):
            self.send(dispatcher, tracker, await self.lookup(tracker, topic), topic)

    def send(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        answer: Answer | None,
        topic: str | None,
        *,
        abstain_response: str | None = None,
    ) -> None:
        """Send the answer with buttons for the topic it answered, or the right reply when there is none."""
        if answer is None:
            dispatcher.utter_message(response=UTTER_KNOWLEDGE_ERROR)
        elif not answer.confident:
            dispatcher.utter_message(response=abstain_response or ABSTAIN_RESPONSE_BY_TOPIC.get(topic, UTTER_NOT_SURE))
        else:
            dispatch_answer(dispatcher, answer, follow_up_buttons(answer.topic or topic, current_lang(tracker)))


class AnswerQuestion(Action):
    """Answers from the knowledge base; says honestly when it is not sure, out of scope, or the service is down."""

    def __init__(self, knowledge: AnswersQuestions, quotes: QuotesRepayments | None = None) -> None:
        self._answerer = QuestionAnswerer(knowledge, quotes)

    def name(self) -> str:
        """The action name used in the domain and rules."""
        return "action_answer_question"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        """Answer the latest message, or introduce the topic when the message was only a button press."""
        intent = latest_intent(tracker) or ""
        topic = TOPIC_BY_INTENT.get(intent)
        if question_text(tracker) is None:
            dispatcher.utter_message(response=INTRO_BY_TOPIC[topic])
            return []
        if intent == Intent.OUT_OF_SCOPE and intent_confidence(tracker) >= OUT_OF_SCOPE_CERTAIN:
            dispatcher.utter_message(response=UTTER_OUT_OF_SCOPE)
            return []
        if self._answerer.quote(dispatcher, tracker, topic):
            return []
        answer = await self._answerer.lookup(tracker, topic)
        abstain = ABSTAIN_RESPONSE_BY_INTENT.get(intent)
        self._answerer.send(dispatcher, tracker, answer, topic, abstain_response=abstain)
        return []


class AnswerOrExplain(Action):
    """A form command or answer with no form open: a question is answered; only the rest hears "no form"."""

    def __init__(self, knowledge: AnswersQuestions, quotes: QuotesRepayments | None = None) -> None:
        self._answerer = QuestionAnswerer(knowledge, quotes)

    def name(self) -> str:
        """The action name used in the domain and rules."""
        return "action_answer_or_explain"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        """Answer a question-shaped message; try the knowledge base on statements; else say no form is open."""
        question = question_text(tracker)
        if question is None:
            dispatcher.utter_message(response=UTTER_NO_FORM)
            return []
        if looks_like_question(question):
            await self._answerer.answer(dispatcher, tracker, None)
            return []
        if latest_intent(tracker) in STATEMENT_INTENTS:
            answer = await self._answerer.lookup(tracker, None)
            if answer is not None and answer.confident:
                self._answerer.send(dispatcher, tracker, answer, None)
                return []
        dispatcher.utter_message(response=UTTER_NO_FORM)
        return []
