"""`action_check_message` and `action_check_lender`: thin actions over the scam detector and lender registry."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any, Protocol

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.answer import UTTER_KNOWLEDGE_ERROR, UTTER_NOT_SURE, ask_knowledge, dispatch_answer
from actions.buttons import HUMAN, FollowUp, follow_up_buttons
from actions.logsafe import redact
from actions.stand_ins import with_stand_ins, without_stand_ins
from actions.turn import current_lang, latest_text, question_text
from core.intents import Intent
from core.lang import Lang
from core.lazy import Lazy
from core.text import bi
from knowledge.answer_types import AnswersQuestions
from knowledge.scam.check import check_reply, extract_checked_message, is_check_request
from knowledge.scam.registry import LenderCheck
from knowledge.scam.types import ScamAssessment

logger = logging.getLogger(__name__)

UTTER_CHECK_ASK = "utter_check_message_ask"
UTTER_CHECK_UNAVAILABLE = "utter_check_unavailable"
SCAM_ADVICE = FollowUp(bi("怎么防骗", "How to avoid scams"), payload=Intent.ASK_SCAM.payload)
# The detector reads at most this much; a 10 kB paste must not slow the action server down.
MAX_CHECK_CHARS = 2000


class ScamServices(Protocol):
    """What the scam actions need: a message assessment and a lender-legitimacy answer."""

    def assess(self, text: str) -> ScamAssessment:
        """Return the scam risk of one message."""
        ...

    def check_lender(self, question: str) -> LenderCheck:
        """Answer "is lender X legitimate?" for the farmer's question."""
        ...


class LazyScamServices:
    """Builds the ScamDetector and LenderRegistry on first use (or `warm_up`); a failed build is retried later."""

    def __init__(
        self,
        detector_factory: Callable[[], Any] | None = None,
        registry_factory: Callable[[], Any] | None = None,
    ) -> None:
        self._detector: Lazy[Any] = Lazy(detector_factory or _default_detector, prepare=lambda d: d.warm_up())
        self._registry: Lazy[Any] = Lazy(registry_factory or _default_registry)

    def _detector_ready(self) -> Any:
        return self._detector.get()

    def _registry_ready(self) -> Any:
        return self._registry.get()

    def warm_up(self) -> None:
        """Build both services now rather than on the first check."""
        self._detector_ready()
        self._registry_ready()

    def assess(self, text: str) -> ScamAssessment:
        """Assess one message with the (lazily built) detector."""
        result: ScamAssessment = self._detector_ready().assess(text)
        return result

    def check_lender(self, question: str) -> LenderCheck:
        """Answer a lender question from the registry, adding any scam signals the question itself shows."""
        assessment = self.assess(question)
        check: LenderCheck = self._registry_ready().answer(question, assessment)
        return check


def _default_detector() -> Any:
    from knowledge.scam.detector import ScamDetector

    return ScamDetector.default()


def _default_registry() -> Any:
    from knowledge.scam.registry import LenderRegistry

    return LenderRegistry.from_yaml()


def verdict_buttons(lang: Lang) -> list[dict[str, str]]:
    """The knowledge answer on scams and a person, under every verdict."""
    return [SCAM_ADVICE.as_button(lang), HUMAN.as_button(lang)]


async def _call(function: Callable[[str], Any], text: str, what: str) -> Any:
    """Run a scam service off the event loop; None (logged without the farmer's text) when it fails."""
    try:
        return await asyncio.to_thread(function, text)
    except Exception as exc:
        logger.error("%s failed: %s: %s", what, type(exc).__name__, redact(str(exc)))
        return None


class CheckMessage(Action):
    """Checks the message the farmer quoted ("帮我看看这条短信：…") and replies with the verdict and advice.

    Text that does not open with such a request (a question that merely quotes a scammer) is answered from the
    knowledge base instead; the bot's scam shield puts its warning in front of that answer.
    """

    def __init__(self, services: ScamServices, knowledge: AnswersQuestions) -> None:
        self._services = services
        self._knowledge = knowledge

    def name(self) -> str:
        """The action name used in the domain and rules."""
        return "action_check_message"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        """Verdict on the quoted message, or ask for the message when none was given."""
        lang = current_lang(tracker)
        text = latest_text(tracker)
        question = question_text(tracker)
        if question is not None and not is_check_request(text):
            await self._answer(dispatcher, question, lang)
            return []
        message = extract_checked_message(text)
        if message is None:
            dispatcher.utter_message(response=UTTER_CHECK_ASK)
            return []
        scored, back = with_stand_ins(message[:MAX_CHECK_CHARS])  # numbers arrive as handles (bot/number_vault.py)
        assessment: ScamAssessment | None = await _call(self._services.assess, scored, "scam check")
        if assessment is None:
            dispatcher.utter_message(response=UTTER_CHECK_UNAVAILABLE)
            return []
        reply = without_stand_ins(check_reply(assessment, lang), back)
        dispatcher.utter_message(text=reply, buttons=verdict_buttons(lang))
        return []

    async def _answer(self, dispatcher: CollectingDispatcher, question: str, lang: Lang) -> None:
        """Answer a scam-related question from the knowledge base, as `action_answer_question` does."""
        answer = await ask_knowledge(self._knowledge, question, lang=lang, topic="scam")
        if answer is None:
            dispatcher.utter_message(response=UTTER_KNOWLEDGE_ERROR)
        elif not answer.confident:
            dispatcher.utter_message(response=UTTER_NOT_SURE)
        else:
            dispatch_answer(dispatcher, answer, follow_up_buttons("scam", lang))


class CheckLender(Action):
    """Answers "XX贷正规吗" from the lender registry; an unknown lender is never called legitimate."""

    def __init__(self, services: ScamServices) -> None:
        self._services = services

    def name(self) -> str:
        """The action name used in the domain and rules."""
        return "action_check_lender"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        """The registry's answer on the named lender, with how to verify it."""
        lang = current_lang(tracker)
        question = latest_text(tracker)[:MAX_CHECK_CHARS]
        if not question or question.startswith("/"):
            dispatcher.utter_message(response="utter_intro_scam")
            return []
        check: LenderCheck | None = await _call(self._services.check_lender, question, "lender check")
        if check is None:
            dispatcher.utter_message(response=UTTER_CHECK_UNAVAILABLE)
            return []
        dispatcher.utter_message(text=check.text(lang), buttons=verdict_buttons(lang))
        return []
