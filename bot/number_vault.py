"""Personal numbers never reach Rasa: each ID, mobile or bank-card number becomes an opaque handle first.

The clear number is sealed (encrypted, short-lived, keyed by the conversation) in the project's own database
(store/number_drafts.py); the form's actions open it there. Handles in the bot's replies are shown to the farmer
in masked form (138****5678). A shared Telegram contact's phone goes the same way.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Protocol

from bot.dialogue import DialogueEngine
from bot.messages import TurnResult, UserTurn
from bot.privacy import NumberSpan, find_personal_numbers, mask_personal_data
from loans.validation import mask_id, mask_phone
from store.number_drafts import HANDLE, has_handle

log = logging.getLogger(__name__)

CONTACT_PHONE = "contact_phone"


class SealsNumbers(Protocol):
    """Where the clear numbers go (store.number_drafts.NumberVault in production)."""

    def seal(self, conversation: str, kind: str, value: str, masked: str) -> str:
        """Store `value` for `conversation` and return the handle that stands for it."""
        ...

    def conceal(self, conversation: str, text: str) -> str:
        """`text` with the conversation's handles shown masked."""
        ...


def masked_form(span: NumberSpan) -> str:
    """How a farmer sees a number of theirs again: 138****5678, 4408**********1234, 6222********0123."""
    if span.kind == "phone":
        return mask_phone(span.digits)
    if span.kind == "num":
        return "*" * min(len(span.digits), 8)
    return mask_id(span.digits.upper())


class NumberHandles:
    """A DialogueEngine decorator: numbers in the text (and a shared contact) become handles before the inner
    engine sees them; handles in its replies come back masked."""

    def __init__(self, inner: DialogueEngine, vault: SealsNumbers) -> None:
        self._inner = inner
        self._vault = vault

    async def handle(self, turn: UserTurn) -> TurnResult:
        """Seal the turn's numbers, pass the turn on with handles, and mask any handle in the replies."""
        spans = find_personal_numbers(turn.text)
        contact = turn.metadata.get(CONTACT_PHONE)
        if spans or contact:
            turn = await asyncio.to_thread(self._sealed, turn, spans, contact)
        result = await self._inner.handle(turn)
        if any(has_handle(reply.text) for reply in result.replies):
            result = await asyncio.to_thread(self._masked_replies, turn.sender_id, result)
        return result

    def _sealed(self, turn: UserTurn, spans: list[NumberSpan], contact: object) -> UserTurn:
        """The turn with handles in place of numbers; masks (no handles) when the vault cannot store them."""
        try:
            text = self._replace(turn.sender_id, turn.text, spans)
            metadata = dict(turn.metadata)
            if contact:
                found = find_personal_numbers(str(contact))
                digits = found[0].digits if found else str(contact)
                metadata[CONTACT_PHONE] = self._vault.seal(turn.sender_id, "phone", str(contact), mask_phone(digits))
        except Exception as exc:  # the database may be down: the number still never leaves the bot
            log.error("could not seal personal numbers (%s); sending them masked", type(exc).__name__)
            text = mask_personal_data(turn.text)
            metadata = {key: value for key, value in turn.metadata.items() if key != CONTACT_PHONE}
        return turn.model_copy(update={"text": text, "metadata": metadata})

    def _replace(self, conversation: str, text: str, spans: list[NumberSpan]) -> str:
        parts: list[str] = []
        cursor = 0
        for span in spans:
            parts.append(text[cursor : span.start])
            parts.append(self._vault.seal(conversation, span.kind, text[span.start : span.end], masked_form(span)))
            cursor = span.end
        parts.append(text[cursor:])
        return "".join(parts)

    def _masked_replies(self, conversation: str, result: TurnResult) -> TurnResult:
        """Handles shown masked; one that no longer opens (expired, or the database is down) as stars."""
        replies = []
        for reply in result.replies:
            try:
                shown = self._vault.conceal(conversation, reply.text)
            except Exception as exc:
                log.error("could not mask handles in a reply: %s", type(exc).__name__)
                shown = reply.text
            replies.append(reply.model_copy(update={"text": HANDLE.sub("****", shown)}))
        return result.model_copy(update={"replies": replies})
