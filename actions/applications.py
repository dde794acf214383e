"""The farmer's own applications: "我的申请怎么样了" and "删除我的信息"."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import TypeVar

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.answer import QuestionAnswerer
from actions.applications_deps import ApplicationServices
from actions.identity import farmer_identity
from actions.numbers import finish
from actions.preapplication import reset_events
from actions.turn import current_lang, question_text
from core.text import bi
from store.applications import DELETION_DONE

logger = logging.getLogger(__name__)
T = TypeVar("T")

MAX_LISTED = 5
UTTER_NO_APPLICATION = "utter_application_status"
UTTER_STORE_DOWN = "utter_applications_unavailable"
STATUS_HEADER = bi("您的预申请：", "Your pre-applications:")
NOTHING_STORED = bi(
    "我们这里没有保存您的个人信息，不需要删除。聊天里填了一半的内容也已清空。",
    "We hold no personal data of yours, so there is nothing to delete. Any half-filled answers are cleared too.",
)


class ApplicationStatusAction(Action):
    """Lists the farmer's applications with their status in the farmer's language and their station.

    A farmer with no application whose message the knowledge base answers confidently asked a question that only
    sounded like a status query ("why was my claim rejected"): the answer comes first."""

    def __init__(self, services: ApplicationServices, answerer: QuestionAnswerer | None = None) -> None:
        self._services = services
        self._answerer = answerer

    def name(self) -> str:
        """Run for the `application_status` intent."""
        return "action_application_status"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        """Newest first, at most five; a polite reply when there are none or the store is down."""
        lang = current_lang(tracker)
        apps = await _for_farmer(self._services.store.applications_for_farmer, tracker, dispatcher, "status lookup")
        if apps is None:
            return []
        if not apps:
            if not await self._answered(dispatcher, tracker):
                dispatcher.utter_message(response=UTTER_NO_APPLICATION)
            return []
        lines = [STATUS_HEADER.get(lang), *(app.summary(lang) for app in apps[:MAX_LISTED])]
        dispatcher.utter_message(text="\n".join(lines))
        return []

    async def _answered(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> bool:
        """Answer from the knowledge base when it is confident about the typed message; True when it did."""
        if self._answerer is None or question_text(tracker) is None:
            return False
        answer = await self._answerer.lookup(tracker, None)
        if answer is None or not answer.confident:
            return False
        self._answerer.send(dispatcher, tracker, answer, None)
        return True


class DeleteFarmerData(Action):
    """After the farmer confirmed: erase their personal data and the form's answers."""

    def __init__(self, services: ApplicationServices) -> None:
        self._services = services

    def name(self) -> str:
        """Run by the `confirm_delete_data` button."""
        return "action_delete_farmer_data"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        """Delete, confirm in the farmer's language, and clear every form slot."""
        lang = current_lang(tracker)
        report = await _for_farmer(self._services.store.delete_farmer_data, tracker, dispatcher, "data deletion")
        if report is None:
            return []
        dispatcher.utter_message(text=(DELETION_DONE if report.farmer_found else NOTHING_STORED).get(lang))
        await asyncio.to_thread(finish, self._services.numbers, tracker.sender_id, "delete")
        return reset_events()


async def _for_farmer(
    call: Callable[..., T], tracker: Tracker, dispatcher: CollectingDispatcher, what: str
) -> T | None:
    """Run a store call for this conversation's farmer; None (with a polite reply) when the store fails."""
    try:
        channel, external_id = farmer_identity(tracker)
        return await asyncio.to_thread(call, channel=channel, external_id=external_id)
    except Exception as exc:
        logger.error("farmer %s failed: %s", what, type(exc).__name__)
        dispatcher.utter_message(response=UTTER_STORE_DOWN)
        return None
