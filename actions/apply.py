"""`action_apply_loan_info`: how to apply for a loan, until in-chat pre-applications exist."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.answer import ask_knowledge, dispatch_answer, dispatch_quote
from actions.turn import current_lang, question_text
from knowledge.answer_types import AnswersQuestions
from knowledge.types import Lang
from loans.quotes import QuotesRepayments

# Asked when the farmer pressed a button (a payload carries no question of its own).
HOW_TO_APPLY: dict[Lang, str] = {"zh": "怎么申请贷款", "en": "How do I apply for a loan?"}
UTTER_PREAPPLICATION_COMING = "utter_preapplication_coming"


class ApplyLoanInfo(Action):
    """Explains how to apply (when the knowledge base knows) and that in-chat pre-application is coming."""

    def __init__(self, knowledge: AnswersQuestions, quotes: QuotesRepayments | None = None) -> None:
        self._knowledge = knowledge
        self._quotes = quotes

    def name(self) -> str:
        """The action name used in the domain and rules."""
        return "action_apply_loan_info"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        """Send a confident knowledge-base answer on applying, then where to apply today."""
        lang = current_lang(tracker)
        asked = question_text(tracker)
        if asked is not None and dispatch_quote(dispatcher, self._quotes, asked, lang):
            dispatcher.utter_message(response=UTTER_PREAPPLICATION_COMING)
            return []
        question = asked or HOW_TO_APPLY[lang]
        answer = await ask_knowledge(self._knowledge, question, lang=lang, topic="loan")
        if answer is not None and answer.confident:
            dispatch_answer(dispatcher, answer, buttons=[])
        dispatcher.utter_message(response=UTTER_PREAPPLICATION_COMING)
        return []
