"""What the form guard (bot/form_guard.py) remembers per conversation, in the shared database.

Several bot workers may serve one farmer, so none of this lives in process memory: the button payloads the bot
offered, the pre-application step it last saw, confirmations passed on to Rasa, and answered client message ids.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from core.clock import utcnow
from store.db import session_scope
from store.models import ClientMessage, FormReceipt, OfferedButton, PreApplication
from store.models import FormView as FormViewRow
from store.models import Station as StationRow


def payload_hash(payload: str) -> str:
    """The stable key of a payload (sha-256 hex)."""
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class FormStep:
    """The form instance and step a conversation is at; `prompt_json` is the question last asked (or None)."""

    form_token: str | None
    step: str | None
    prompt_json: str | None = None
    last_text_hash: str | None = None
    last_text_step: str | None = None
    last_text_at: datetime | None = None


@dataclass(frozen=True)
class OpenReceipt:
    """A confirmation passed on to Rasa whose reference has not yet reached the farmer."""

    form_token: str
    confirm_payload: str
    confirmed_at: datetime


@dataclass(frozen=True)
class StoredReference:
    """The reference of a stored pre-application and whom the farmer can call."""

    reference: str
    station_zh: str
    station_en: str
    station_phone: str


class SqlFormGuardStore:
    """The form guard's memory in the project's database."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def record_offers(self, sender_id: str, payloads: Iterable[str]) -> None:
        """Remember that these payloads were offered to the conversation now."""
        wanted = {payload_hash(p): p for p in payloads}
        if not wanted:
            return
        now = utcnow()
        for _attempt in range(3):
            try:
                with session_scope(self._sessions) as session:
                    known = set(
                        session.scalars(
                            select(OfferedButton.payload_hash).where(
                                OfferedButton.sender_id == sender_id, OfferedButton.payload_hash.in_(wanted)
                            )
                        )
                    )
                    if known:
                        session.execute(
                            update(OfferedButton)
                            .where(OfferedButton.sender_id == sender_id, OfferedButton.payload_hash.in_(known))
                            .values(offered_at=now)
                        )
                    session.add_all(
                        OfferedButton(sender_id=sender_id, payload_hash=key, payload=p, offered_at=now)
                        for key, p in wanted.items()
                        if key not in known
                    )
                return
            except IntegrityError:
                continue  # another worker offered the same payload at the same moment: update it instead

    def was_offered(self, sender_id: str, payload: str, *, since: datetime) -> bool:
        """True when `payload` was offered to the conversation at or after `since`."""
        with session_scope(self._sessions) as session:
            found = session.scalar(
                select(OfferedButton.id).where(
                    OfferedButton.sender_id == sender_id,
                    OfferedButton.payload_hash == payload_hash(payload),
                    OfferedButton.offered_at >= since,
                )
            )
        return found is not None

    def step(self, sender_id: str) -> FormStep | None:
        """The step last seen for the conversation, or None."""
        with session_scope(self._sessions) as session:
            row = session.get(FormViewRow, sender_id)
            if row is None:
                return None
            return FormStep(
                form_token=row.form_token,
                step=row.step,
                prompt_json=row.prompt_json,
                last_text_hash=row.last_text_hash,
                last_text_step=row.last_text_step,
                last_text_at=row.last_text_at,
            )

    def save_step(self, sender_id: str, form_token: str | None, step: str | None, prompt_json: str | None) -> None:
        """Store the form instance and step after a turn (None, None when no form is open)."""
        self._upsert(sender_id, form_token=form_token, step=step, prompt_json=prompt_json)

    def note_text(self, sender_id: str, text_hash: str, step: str | None) -> None:
        """Remember the farmer's last typed text and the step it was sent at."""
        self._upsert(sender_id, last_text_hash=text_hash, last_text_step=step, last_text_at=utcnow())

    def _upsert(self, sender_id: str, **values: object) -> None:
        for _attempt in range(3):
            try:
                with session_scope(self._sessions) as session:
                    row = session.get(FormViewRow, sender_id)
                    if row is None:
                        row = FormViewRow(sender_id=sender_id)
                        session.add(row)
                    for key, value in values.items():
                        setattr(row, key, value)
                    row.updated_at = utcnow()
                return
            except IntegrityError:
                continue

    def add_receipt(self, sender_id: str, form_token: str, confirm_payload: str) -> None:
        """Record that the farmer confirmed form `form_token` (kept open until its reference is delivered)."""
        try:
            with session_scope(self._sessions) as session:
                if session.get(FormReceipt, form_token) is None:
                    session.add(
                        FormReceipt(
                            form_token=form_token,
                            sender_id=sender_id,
                            confirm_payload=confirm_payload,
                            confirmed_at=utcnow(),
                        )
                    )
        except IntegrityError:
            pass  # recorded by a concurrent tap

    def open_receipts(self, sender_id: str, *, within: timedelta) -> list[OpenReceipt]:
        """Confirmations of the conversation from the last `within` whose reference was not delivered."""
        since = utcnow() - within
        with session_scope(self._sessions) as session:
            rows = session.scalars(
                select(FormReceipt).where(
                    FormReceipt.sender_id == sender_id,
                    FormReceipt.delivered_at.is_(None),
                    FormReceipt.confirmed_at >= since,
                )
            )
            return [OpenReceipt(r.form_token, r.confirm_payload, r.confirmed_at) for r in rows]

    def mark_delivered(self, form_tokens: Sequence[str]) -> None:
        """Close the receipts whose reference reached the farmer."""
        if not form_tokens:
            return
        with session_scope(self._sessions) as session:
            session.execute(
                update(FormReceipt).where(FormReceipt.form_token.in_(form_tokens)).values(delivered_at=utcnow())
            )

    def stored_reference(self, form_token: str) -> StoredReference | None:
        """The stored application of form `form_token`, or None when it was not stored."""
        with session_scope(self._sessions) as session:
            row = session.execute(
                select(PreApplication.reference, StationRow.name_zh, StationRow.name_en, StationRow.phone)
                .join(StationRow, StationRow.id == PreApplication.station_id)
                .where(PreApplication.form_token == form_token)
            ).first()
        return StoredReference(*row) if row is not None else None

    def claim_message(self, sender_id: str, message_key: str) -> bool:
        """Record a client message id; True the first time, False for a re-send."""
        try:
            with session_scope(self._sessions) as session:
                session.add(ClientMessage(sender_id=sender_id, message_key=message_key[:128], at=utcnow()))
        except IntegrityError:
            return False
        return True

    def save_message_result(self, sender_id: str, message_key: str, result_json: str) -> None:
        """Keep the answer given to a client message, to give it again when the message is re-sent."""
        with session_scope(self._sessions) as session:
            session.execute(
                update(ClientMessage)
                .where(ClientMessage.sender_id == sender_id, ClientMessage.message_key == message_key[:128])
                .values(result_json=result_json)
            )

    def message_result(self, sender_id: str, message_key: str) -> str | None:
        """The answer given to a client message, or None while it is still being answered."""
        with session_scope(self._sessions) as session:
            row = session.get(ClientMessage, (sender_id, message_key[:128]))
            return row.result_json if row is not None else None

    def erase(self, sender_id: str) -> int:
        """Erase everything kept for a conversation (the farmer's data deletion); how many rows went."""
        erased = 0
        with session_scope(self._sessions) as session:
            for table in (OfferedButton, FormViewRow, FormReceipt, ClientMessage):
                result = session.execute(delete(table).where(table.sender_id == sender_id))
                erased += int(getattr(result, "rowcount", 0) or 0)
        return erased
