"""A SQL tracker store whose cost does not grow with the conversation (loaded by Rasa from nlu/endpoints.yml).

Rasa's SQLTrackerStore loads, replays (and sends to the action server) every event of the current session, so
turn 100 of a busy conversation costs several times turn 1. This store rolls the session over once it holds more
than `max_session_events` events and the bot is waiting for the farmer outside any form: it appends what Rasa
itself writes when a session expires with `carry_over_slots_to_new_session` (a `session_started` event, the
slots, `action_listen`) followed by a copy of the last turn, so the slots, the language and the "previous
question" a follow-up leans on all carry on, and only the new session is loaded from then on. Older events stay
in the table (erased by the bot's deletion like any other).
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import ActionExecuted, Event, SessionStarted, SlotSet, UserUttered

logger = logging.getLogger(__name__)

DEFAULT_MAX_SESSION_EVENTS = 60


def rollover_events(tracker: Any, now: float) -> list[Any]:
    """The events that start a new session carrying over `tracker`'s slots and its last turn (timestamps ≥ now)."""
    events: list[Any] = [SessionStarted(timestamp=now)]
    for name, slot in tracker.slots.items():
        if slot.value is not None and slot.value != slot.initial_value:
            events.append(SlotSet(name, slot.value, timestamp=now))
    events.append(ActionExecuted("action_listen", timestamp=now))
    last_turn: list[Any] = []
    for event in reversed(list(tracker.events)):
        last_turn.append(event)
        if isinstance(event, UserUttered):
            break
    else:
        last_turn = []
    for offset, event in enumerate(reversed(last_turn), start=1):
        copy = Event.from_parameters(event.as_dict())
        if copy is None:
            continue
        copy.timestamp = now + offset * 1e-6
        events.append(copy)
    return events


def should_roll_over(tracker: Any, max_events: int) -> bool:
    """True when the session is long, no form is active and the bot waits for the farmer."""
    return (
        len(tracker.events) > max_events
        and not tracker.active_loop_name
        and tracker.latest_action_name == "action_listen"
    )


class RollingSQLTrackerStore(SQLTrackerStore):
    """Rasa's SQL tracker store, plus a session roll-over after `max_session_events` events (see the module)."""

    def __init__(self, *args: Any, max_session_events: int = DEFAULT_MAX_SESSION_EVENTS, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.max_session_events = int(max_session_events)

    async def save(self, tracker: Any) -> None:
        """Store the new events; then roll a long session over (same transaction rules as Rasa's store)."""
        await super().save(tracker)
        if self.max_session_events <= 0 or not should_roll_over(tracker, self.max_session_events):
            return
        events = rollover_events(tracker, time.time())
        with self.session_scope() as session:
            for event in events:
                data = event.as_dict()
                intent = data.get("parse_data", {}).get("intent", {}).get("name")
                session.add(
                    self.SQLEvent(
                        sender_id=tracker.sender_id,
                        type_name=event.type_name,
                        timestamp=data.get("timestamp"),
                        intent_name=intent,
                        action_name=data.get("name"),
                        data=json.dumps(data),
                    )
                )
            session.commit()
        logger.debug("rolled a long session over (%d events)", len(tracker.events))
