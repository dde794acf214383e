"""The handles the bot put in place of personal numbers: opened for the form's checks, sealed again for slots.

Rasa (and so every slot and event it stores) only ever holds handles such as `⟦phone:kqzmtwbrhe⟧` or masked
forms; the clear number stays in the number vault (store/number_drafts.py) of the project's own database.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, Protocol

from rasa_sdk import Tracker

from loans.validation import mask_id, mask_phone

logger = logging.getLogger(__name__)

# Slots holding a personal number, and the handle kind each is sealed as.
NUMBER_SLOTS: dict[str, str] = {"phone": "phone", "resident_id": "id"}


class OpensNumbers(Protocol):
    """The number vault as the actions use it (store.number_drafts.NumberVault)."""

    def reveal(self, conversation: str, text: str) -> str:
        """`text` with the conversation's handles replaced by the clear numbers."""
        ...

    def seal(self, conversation: str, kind: str, value: str, masked: str) -> str:
        """Store a number for the conversation and return its handle."""
        ...

    def finish(self, conversation: str, reason: str) -> None:
        """Forget the conversation's numbers and ask for its tracker events to be erased."""
        ...


def reveal(vault: OpensNumbers | None, conversation: str, text: str) -> str:
    """`text` with its handles opened (as it is when there is no vault or the vault cannot be read)."""
    if vault is None or "⟦" not in text:
        return text
    try:
        return vault.reveal(conversation, text)
    except Exception as exc:
        logger.error("could not open a sealed number: %s", type(exc).__name__)
        return text


def revealed_slots(vault: OpensNumbers | None, conversation: str, slots: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of the slots with the personal-number slots opened, for the summary and the stored form."""
    opened = dict(slots)
    for name in NUMBER_SLOTS:
        if isinstance(opened.get(name), str):
            opened[name] = reveal(vault, conversation, opened[name])
    return opened


def lapsed_numbers(vault: OpensNumbers | None, tracker: Tracker) -> list[str]:
    """The number slots whose handle no longer opens (the draft expired): the form asks for them again."""
    if vault is None:
        return []
    lapsed = []
    for name in NUMBER_SLOTS:
        value = tracker.get_slot(name)
        if isinstance(value, str) and value.startswith("⟦") and reveal(vault, tracker.sender_id, value) == value:
            lapsed.append(name)
    return lapsed


def sealed_updates(vault: OpensNumbers | None, conversation: str, updates: Mapping[str, Any]) -> dict[str, Any]:
    """Slot updates with accepted personal numbers replaced by fresh handles (kept clear only without a vault)."""
    sealed = dict(updates)
    if vault is None:
        return sealed
    for name, kind in NUMBER_SLOTS.items():
        value = sealed.get(name)
        if isinstance(value, str) and value:
            masked = mask_phone(value) if kind == "phone" else mask_id(value)
            sealed[name] = vault.seal(conversation, kind, value, masked)
    return sealed


def finish(vault: OpensNumbers | None, conversation: str, reason: str) -> None:
    """The form was sent or cancelled, or the data deleted: the numbers go and the conversation is erased."""
    if vault is None:
        return
    try:
        vault.finish(conversation, reason)
    except Exception as exc:
        logger.error("could not forget a conversation's sealed numbers: %s", type(exc).__name__)
