"""`action_apply_loan_info`: opens the in-chat pre-application (or resumes a half-finished one).

Only a request starts the form: a question about applying or borrowing ("在这里能申请贷款吗",
"想借10万盖猪圈，能贷那么多吗") is answered, with the form offered as a button. The `preapplication_wanted` slot
tells the rules which it was.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.answer import QuestionAnswerer, dispatch_quote
from actions.questions import asks_to_apply, looks_like_question
from actions.turn import current_lang, question_text
from loans.preapplication import FIELDS
from loans.quotes import QuotesRepayments

UTTER_PREAPPLICATION_INTRO = "utter_preapplication_intro"
UTTER_PREAPPLICATION_RESUME = "utter_preapplication_resume"
WANTED_SLOT = "preapplication_wanted"


class ApplyLoanInfo(Action):
    """Says what the pre-application is (a quote first when the farmer named an amount and a term)."""

    def __init__(self, quotes: QuotesRepayments | None = None, answerer: QuestionAnswerer | None = None) -> None:
        self._quotes = quotes
        self._answerer = answerer

    def name(self) -> str:
        """The action name used in the domain and rules."""
        return "action_apply_loan_info"

    @staticmethod
    def _is_question_not_request(tracker: Tracker, text: str) -> bool:
        """A question about applying or borrowing with no form open, rather than a request to start one."""
        return not tracker.active_loop_name and looks_like_question(text) and not asks_to_apply(text)

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        """Answer a question about applying; else quote when asked, then introduce or resume the form."""
        lang = current_lang(tracker)
        asked = question_text(tracker)
        if self._answerer is not None and asked is not None and self._is_question_not_request(tracker, asked):
            await self._answerer.answer(dispatcher, tracker, "loan")
            return [SlotSet(WANTED_SLOT, False)]
        if asked is not None:
            dispatch_quote(dispatcher, self._quotes, asked, lang)
        started = any(tracker.get_slot(name) is not None for name in FIELDS)
        dispatcher.utter_message(response=UTTER_PREAPPLICATION_RESUME if started else UTTER_PREAPPLICATION_INTRO)
        return [SlotSet(WANTED_SLOT, True)]
