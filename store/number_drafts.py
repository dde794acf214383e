"""Personal numbers behind opaque handles: what Rasa sees instead of a farmer's ID, phone or card number.

The bot replaces each number in a farmer's text with a handle such as `⟦phone:kqzmtwbrhe⟧` and seals the typed
value here, encrypted (field = the kind, context = conversation and handle), keyed by the conversation. The form's
actions open the handles of their own conversation to validate, summarise (masked) and submit. Drafts are
short-lived: they are forgotten when the form is sent, cancelled or the data deleted, and expire after `ttl`.
The same table-side service keeps the conversations whose Rasa tracker events are due for erasure.
"""

from __future__ import annotations

import re
import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from core.clock import Clock, utcnow
from core.errors import NonghuiError
from store.crypto import DataKeyError, FieldCipher
from store.db import as_utc, session_scope
from store.models import NumberDraft, TrackerPurge

HANDLE_KINDS = ("id", "phone", "card", "num")
HANDLE = re.compile(r"⟦(id|phone|card|num):([a-z]{10})⟧")
_ALPHABET = "abcdefghjkmnpqrstuvwxyz"  # letters only: a handle never contains a run of digits
DEFAULT_TTL = timedelta(hours=72)
_MAX_CONVERSATION = 160


class DraftError(NonghuiError):
    """A number could not be sealed or opened."""


def new_handle(kind: str) -> str:
    """A fresh opaque handle for a number of `kind` (48 random bits; nothing of the number in it)."""
    if kind not in HANDLE_KINDS:
        raise DraftError(f"unknown number kind {kind!r}")
    return f"⟦{kind}:{''.join(secrets.choice(_ALPHABET) for _ in range(10))}⟧"


def has_handle(text: str) -> bool:
    """True when `text` holds at least one handle."""
    return bool(HANDLE.search(text or ""))


class NumberVault:
    """Seals numbers behind handles per conversation, opens them again, forgets and expires them."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        cipher: FieldCipher,
        *,
        ttl: timedelta = DEFAULT_TTL,
        clock: Clock = utcnow,
    ) -> None:
        self._sessions = sessions
        self._cipher = cipher
        self._ttl = ttl
        self._clock = clock

    def seal(self, conversation: str, kind: str, value: str, masked: str) -> str:
        """Store `value` encrypted for `conversation`; return the new handle that stands for it."""
        handle = new_handle(kind)
        sealed = self._cipher.encrypt(value, field=f"draft-{kind}", context=_context(conversation, handle))
        with session_scope(self._sessions) as session:
            session.add(
                NumberDraft(
                    conversation=conversation[:_MAX_CONVERSATION],
                    handle=handle,
                    kind=kind,
                    value_enc=sealed,
                    masked=masked[:40],
                    created_at=self._clock(),
                )
            )
        return handle

    def reveal(self, conversation: str, text: str) -> str:
        """`text` with this conversation's live handles replaced by the clear numbers (others left as they are)."""
        return self._replace(conversation, text, clear=True)

    def conceal(self, conversation: str, text: str) -> str:
        """`text` with this conversation's live handles replaced by masked forms (138****5678), for farmers' eyes."""
        return self._replace(conversation, text, clear=False)

    def _replace(self, conversation: str, text: str, *, clear: bool) -> str:
        handles = {match.group(0) for match in HANDLE.finditer(text or "")}
        if not handles:
            return text
        oldest = self._clock() - self._ttl
        with session_scope(self._sessions) as session:
            rows = session.scalars(
                select(NumberDraft).where(
                    NumberDraft.conversation == conversation[:_MAX_CONVERSATION], NumberDraft.handle.in_(handles)
                )
            ).all()
            found = {row.handle: row for row in rows if as_utc(row.created_at) >= oldest}
            values = {handle: (self._open(conversation, row) if clear else row.masked) for handle, row in found.items()}
        return HANDLE.sub(lambda m: values.get(m.group(0), m.group(0)), text)

    def _open(self, conversation: str, row: NumberDraft) -> str:
        try:
            return self._cipher.decrypt(
                row.value_enc, field=f"draft-{row.kind}", context=_context(conversation, row.handle)
            )
        except DataKeyError as exc:
            raise DraftError("a sealed number does not open with this key") from exc

    def forget(self, conversation: str) -> int:
        """Delete every draft of `conversation`; return how many went."""
        with session_scope(self._sessions) as session:
            result = session.execute(
                delete(NumberDraft).where(NumberDraft.conversation == conversation[:_MAX_CONVERSATION])
            )
            return int(getattr(result, "rowcount", 0) or 0)

    def expire(self) -> int:
        """Delete drafts older than the time to live; return how many went."""
        oldest = self._clock() - self._ttl
        with session_scope(self._sessions) as session:
            result = session.execute(delete(NumberDraft).where(NumberDraft.created_at < oldest))
            return int(getattr(result, "rowcount", 0) or 0)

    def finish(self, conversation: str, reason: str) -> None:
        """A form was sent or cancelled, or the data deleted: forget the drafts and ask for the tracker's erasure."""
        self.forget(conversation)
        self.request_purge(conversation, reason)

    def request_purge(self, conversation: str, reason: str) -> None:
        """Note that `conversation`'s tracker events are to be erased (once; a newer request replaces the reason)."""
        key = conversation[:_MAX_CONVERSATION]
        with session_scope(self._sessions) as session:
            row = session.scalar(select(TrackerPurge).where(TrackerPurge.conversation == key))
            if row is None:
                session.add(TrackerPurge(conversation=key, reason=reason[:16], requested_at=self._clock()))
            else:
                row.reason, row.requested_at = reason[:16], self._clock()

    def purge_requested(self, conversation: str) -> bool:
        """True when `conversation` waits for its tracker events to be erased."""
        with session_scope(self._sessions) as session:
            key = conversation[:_MAX_CONVERSATION]
            return session.scalar(select(TrackerPurge.id).where(TrackerPurge.conversation == key)) is not None

    def pending_purges(self, requested_before: datetime | None = None, limit: int = 500) -> list[str]:
        """Conversations still waiting for their erasure (e.g. the tracker store was down), oldest first."""
        with session_scope(self._sessions) as session:
            query = select(TrackerPurge.conversation).order_by(TrackerPurge.requested_at).limit(limit)
            if requested_before is not None:
                query = query.where(TrackerPurge.requested_at < requested_before)
            return list(session.scalars(query))

    def purge_done(self, conversation: str) -> None:
        """The erasure of `conversation` happened: drop its request."""
        with session_scope(self._sessions) as session:
            session.execute(delete(TrackerPurge).where(TrackerPurge.conversation == conversation[:_MAX_CONVERSATION]))


def _context(conversation: str, handle: str) -> str:
    return f"{conversation}\x00{handle}"
