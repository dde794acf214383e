"""Buttons that cannot be misread and confirmations that are never lost: the form guard in front of the dialogue.

- Typed text is never a Rasa command: a turn starting with "/" goes to Rasa as an intent only when it is the
  payload of a button the bot offered to that conversation (remembered in the database, as several bot workers
  may serve one farmer), or a channel's own opening turn; anything else is passed on as plain text.
- A form button names its step and form instance (loans/form_buttons.py); a tap on one of another step or an older
  form is answered "这个按钮已过期" without reaching Rasa, and a button of a form already stored gets its reference.
- A confirmation is recorded before it goes to Rasa; until the farmer has seen its reference, any message of theirs
  (within a few hours) first gets "已提交，编号 …" when it is stored, or completes the submission when it is not.
- A web message sent again with the same `message_id` gets the answer it got the first time.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol, TypeVar

from bot.dialogue import DialogueEngine
from bot.messages import BotReply, FormState, TurnResult, UserTurn
from bot.privacy import mask_personal_data
from bot.texts import text
from core.clock import utcnow
from core.intents import Intent
from core.lang import Lang, detect_lang
from loans.form_buttons import BoundButton, confirm_payload, form_tag, read_bound
from store.form_guard import FormStep, OpenReceipt, StoredReference

logger = logging.getLogger(__name__)
T = TypeVar("T")

CLIENT_MESSAGE_ID = "client_message_id"
# Turns a channel sends on its own (never typed): the page or /start opening a conversation, /delete, a contact.
_OPENING_PAYLOADS = frozenset({Intent.GREET.payload})
_COMMAND_PAYLOADS = {Intent.DELETE_DATA.payload: "from_command", Intent.SHARE_CONTACT.payload: "contact_phone"}
# What a typed "/" becomes: the full-width solidus reads the same to a farmer and is never a Rasa command.
_TEXT_SLASH = "／"
_CONFIRM_WORDS = frozenset({"确认提交", "确认", "提交", "确定", "发送", "send", "submit", "confirm"})


class FormGuardStore(Protocol):
    """What the guard remembers per conversation (store.form_guard.SqlFormGuardStore in production)."""

    def erase(self, sender_id: str) -> int:
        """Forget everything kept of the conversation (a data deletion)."""
        ...

    def record_offers(self, sender_id: str, payloads: list[str]) -> None:
        """Remember the payloads offered now."""
        ...

    def was_offered(self, sender_id: str, payload: str, *, since: datetime) -> bool:
        """True when the payload was offered since then."""
        ...

    def step(self, sender_id: str) -> FormStep | None:
        """The form step last seen."""
        ...

    def save_step(self, sender_id: str, form_token: str | None, step: str | None, prompt_json: str | None) -> None:
        """Store the form step after a turn."""
        ...

    def add_receipt(self, sender_id: str, form_token: str, confirm_payload: str) -> None:
        """Record a confirmation passed on."""
        ...

    def open_receipts(self, sender_id: str, *, within: timedelta) -> list[OpenReceipt]:
        """Confirmations whose reference was not delivered."""
        ...

    def mark_delivered(self, form_tokens: list[str]) -> None:
        """Close delivered confirmations."""
        ...

    def stored_reference(self, form_token: str) -> StoredReference | None:
        """The stored application of a form, or None."""
        ...

    def claim_message(self, sender_id: str, message_key: str) -> bool:
        """True the first time a client message id is seen."""
        ...

    def save_message_result(self, sender_id: str, message_key: str, result_json: str) -> None:
        """Keep the answer to a client message."""
        ...

    def message_result(self, sender_id: str, message_key: str) -> str | None:
        """The answer given to a client message."""
        ...


@dataclass(frozen=True)
class GuardPolicy:
    """How long offered buttons stay valid and how long a confirmation waits for its reference to be seen."""

    offers_valid: timedelta = timedelta(days=30)
    receipts_open: timedelta = timedelta(hours=6)


class FormGuard:
    """A DialogueEngine decorator: offered-button check, stale form buttons, confirmations seen through crashes."""

    def __init__(self, inner: DialogueEngine, store: FormGuardStore, policy: GuardPolicy | None = None) -> None:
        self._inner = inner
        self._store = store
        self._policy = policy or GuardPolicy()

    async def handle(self, turn: UserTurn) -> TurnResult:
        """Answer `turn` through the inner engine unless it is stale, repeated or answered by a stored reference."""
        key = turn.metadata.get(CLIENT_MESSAGE_ID)
        claimed = isinstance(key, str) and key and await self._db(self._store.claim_message, turn.sender_id, key)
        if isinstance(key, str) and key and claimed is False:
            return await self._repeated_message(turn, key)
        result = await self._guarded(turn)
        if isinstance(key, str) and key:
            # Kept to answer a re-send; numbers masked, erased with the farmer's data.
            kept = _masked(result).model_dump_json()
            await self._db(self._store.save_message_result, turn.sender_id, key, kept)
        return result

    async def _guarded(self, turn: UserTurn) -> TurnResult:
        lang = _lang(turn)
        button = await self._as_button(turn)
        if not button and turn.text.startswith("/"):
            turn = turn.model_copy(update={"text": _TEXT_SLASH + turn.text[1:]})
        bound = read_bound(turn.text) if button else None
        if bound is not None and bound.form_token:
            stored = await self._db(self._store.stored_reference, bound.form_token)
            if stored is not None:
                await self._db(self._store.mark_delivered, [bound.form_token])
                return _result(_already_submitted(stored, lang), lang)
        step = await self._db(self._store.step, turn.sender_id)
        if bound is not None and _stale(bound, step):
            return _result(text("button_expired", lang), lang)
        confirming = _confirm_token(turn, bound, step)
        if confirming is not None:
            await self._db(self._store.add_receipt, turn.sender_id, confirming, confirm_payload(confirming))
        earlier = await self._earlier_confirmations(turn, confirming, lang)
        if earlier is not None and earlier.done and (confirming is not None or _is_confirm_text(turn.text)):
            return earlier.result
        result = await self._inner.handle(turn)
        if confirming is not None:
            result = await self._with_reference(result, confirming, lang)
        if earlier is not None:
            result = _prepend(earlier.result.replies, result)
        await self._remember(turn.sender_id, result)
        return result

    async def _as_button(self, turn: UserTurn) -> bool:
        """True when the "/" turn is a button the bot offered to this conversation or a channel's own turn."""
        payload = turn.text
        if not payload.startswith("/"):
            return False
        if payload in _OPENING_PAYLOADS:
            return True
        marker = _COMMAND_PAYLOADS.get(payload)
        if marker is not None and turn.metadata.get(marker):
            return True
        since = utcnow() - self._policy.offers_valid
        offered = await self._db(self._store.was_offered, turn.sender_id, payload, since=since, default=False)
        if not offered:
            logger.info("a typed command that was never offered is passed on as text")
        return bool(offered)

    async def _earlier_confirmations(self, turn: UserTurn, confirming: str | None, lang: Lang) -> _Earlier | None:
        """Replies about confirmations made before a crash: the stored reference, or the submission completed."""
        receipts: list[OpenReceipt] = (
            await self._db(self._store.open_receipts, turn.sender_id, within=self._policy.receipts_open) or []
        )
        replies: list[BotReply] = []
        delivered: list[str] = []
        done = False
        for receipt in receipts:
            if receipt.form_token == confirming:
                continue  # the farmer is confirming that very form now
            stored = await self._db(self._store.stored_reference, receipt.form_token)
            if stored is None:
                # Confirmed but not stored (the action server or Rasa died at that moment): send it again; the form
                # is still open at its summary, and the form token keeps it from being stored twice.
                logger.info("completing a confirmed pre-application that was not stored")
                again = await self._inner.handle(turn.model_copy(update={"text": receipt.confirm_payload}))
                again = await self._with_reference(again, receipt.form_token, lang)
                stored = await self._db(self._store.stored_reference, receipt.form_token)
                if stored is None:
                    if again.form is not None:  # the dialogue answered: that form is no longer at its summary
                        delivered.append(receipt.form_token)
                    continue
                replies.extend(again.replies)
                await self._remember(turn.sender_id, again)
            else:
                replies.append(BotReply(text=_already_submitted(stored, lang)))
            delivered.append(receipt.form_token)
            done = True
        if delivered:
            await self._db(self._store.mark_delivered, delivered)
        return _Earlier(result=TurnResult(replies=replies, lang=lang), done=done) if done else None

    async def _with_reference(self, result: TurnResult, form_token: str, lang: Lang) -> TurnResult:
        """After a confirmation: the reference when it is stored (Rasa may have answered something else, e.g. on a
        double tap); the receipt is closed once the reference is in the answer."""
        stored = await self._db(self._store.stored_reference, form_token)
        if stored is None:
            return result
        if not any(stored.reference in reply.text for reply in result.replies):
            result = result.model_copy(
                update={"replies": [BotReply(text=_already_submitted(stored, lang))], "form": FormState()}
            )
        await self._db(self._store.mark_delivered, [form_token])
        return result

    async def _remember(self, sender_id: str, result: TurnResult) -> None:
        """Record the buttons offered and the form step reached."""
        payloads = [b.payload for reply in result.replies for b in reply.buttons if b.payload.startswith("/")]
        if payloads:
            await self._db(self._store.record_offers, sender_id, payloads)
        if result.form is not None:
            await self._db(self._store.save_step, sender_id, result.form.token, result.form.step, None)

    async def _repeated_message(self, turn: UserTurn, key: str) -> TurnResult:
        """The answer given to a message sent again with the same id (or "working on it" while it is answered)."""
        stored = await self._db(self._store.message_result, turn.sender_id, key)
        if isinstance(stored, str):
            try:
                return TurnResult.model_validate_json(stored)
            except ValueError:
                logger.warning("an answer kept for a repeated message could not be read")
        lang = _lang(turn)
        return _result(text("message_in_progress", lang), lang)

    async def _db(self, call: Callable[..., T], *args: Any, default: T | None = None, **kwargs: Any) -> T | None:
        """Run a store call in a thread; on a database failure log it and go on with `default` (answering matters
        more than guarding)."""
        try:
            return await asyncio.to_thread(call, *args, **kwargs)
        except Exception as exc:
            logger.warning("form guard store failed: %s", type(exc).__name__)
            return default


@dataclass(frozen=True)
class _Earlier:
    result: TurnResult
    done: bool


def _stale(bound: BoundButton, step: FormStep | None) -> bool:
    """A bound button of another step or another form than the one the conversation is at."""
    if step is None or step.step is None:
        return True  # no form is open: a form button cannot answer anything
    if bound.form_token and step.form_token and form_tag(bound.form_token) != form_tag(step.form_token):
        return True
    return bound.step is not None and bound.step != step.step


def _confirm_token(turn: UserTurn, bound: BoundButton | None, step: FormStep | None) -> str | None:
    """The form token when the turn confirms the summary (its button, or a typed "确认提交" at the summary)."""
    if bound is not None:
        return bound.form_token if bound.is_confirm else None
    if step is not None and step.step == "confirmed" and step.form_token and _is_confirm_text(turn.text):
        return step.form_token
    return None


def _is_confirm_text(said: str) -> bool:
    """A typed confirmation ("确认提交", "send")."""
    return said.strip().strip("。.!！").lower() in _CONFIRM_WORDS


def _already_submitted(stored: StoredReference, lang: Lang) -> str:
    return text(
        "already_submitted",
        lang,
        reference=stored.reference,
        station_zh=stored.station_zh,
        station_en=stored.station_en,
        phone=stored.station_phone,
    )


def _lang(turn: UserTurn) -> Lang:
    return turn.lang or detect_lang(turn.text) or "zh"


def _result(message: str, lang: Lang) -> TurnResult:
    return TurnResult(replies=[BotReply(text=message)], lang=lang)


def _prepend(replies: list[BotReply], result: TurnResult) -> TurnResult:
    return result.model_copy(update={"replies": [*replies, *result.replies]})


def _masked(result: TurnResult) -> TurnResult:
    """The result with personal numbers masked in its texts (masking the JSON itself would mangle its numbers)."""
    replies = [reply.model_copy(update={"text": mask_personal_data(reply.text)}) for reply in result.replies]
    return result.model_copy(update={"replies": replies})
