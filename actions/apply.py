"""`action_apply_loan_info`: opens the in-chat pre-application (or resumes a half-finished one)."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.answer import dispatch_quote
from actions.turn import current_lang, question_text
from loans.preapplication import FIELDS
from loans.quotes import QuotesRepayments

UTTER_PREAPPLICATION_INTRO = "utter_preapplication_intro"
UTTER_PREAPPLICATION_RESUME = "utter_preapplication_resume"


class ApplyLoanInfo(Action):
    """Says what the pre-application is (a quote first when the farmer named an amount and a term)."""

    def __init__(self, quotes: QuotesRepayments | None = None) -> None:
        self._quotes = quotes

    def name(self) -> str:
        """The action name used in the domain and rules."""
        return "action_apply_loan_info"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        """Quote when asked ("借3万3年每年还多少，我想申请"), then introduce or resume the form that follows."""
        lang = current_lang(tracker)
        asked = question_text(tracker)
        if asked is not None:
            dispatch_quote(dispatcher, self._quotes, asked, lang)
        started = any(tracker.get_slot(name) is not None for name in FIELDS)
        dispatcher.utter_message(response=UTTER_PREAPPLICATION_RESUME if started else UTTER_PREAPPLICATION_INTRO)
        return []
