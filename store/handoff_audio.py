"""Voice recordings kept for staff during a hand-off, for channels whose platform keeps no file (the web chat).

Telegram and WeChat keep a voice note on their side and the hand-off message holds its file id; a web recording
exists only in the request, so it is sealed here (AES-GCM with the data key, bound to its hand-off and reference)
and the hand-off message holds `audio:<reference>`. A recording lives as long as its hand-off's messages and goes
with them: a farmer's data deletion erases it (store/applications.py `erase_conversation`), like a photo's file id.
"""

from __future__ import annotations

import base64
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from store.crypto import FieldCipher
from store.db import session_scope
from store.models import HandoffAudio

REF_PREFIX = "audio:"
_FIELD = "handoff-audio"


def is_kept_audio(media_ref: str | None) -> bool:
    """Whether a hand-off message's media reference names a recording kept here."""
    return bool(media_ref) and str(media_ref).startswith(REF_PREFIX)


class SqlHandoffAudio:
    """Keep and open the recordings of hand-offs."""

    def __init__(self, sessions: sessionmaker[Session], cipher: FieldCipher) -> None:
        self._sessions = sessions
        self._cipher = cipher

    def keep(self, handoff_id: int, audio: bytes, content_type: str) -> str:
        """Seal `audio` for the hand-off; return the media reference its message carries (`audio:…`)."""
        ref = REF_PREFIX + secrets.token_urlsafe(18)
        sealed = self._cipher.encrypt(
            base64.b64encode(audio).decode("ascii"), field=_FIELD, context=f"{handoff_id}/{ref}"
        )
        with session_scope(self._sessions) as session:
            session.add(HandoffAudio(ref=ref, handoff_id=handoff_id, content_type=content_type[:64], audio_enc=sealed))
        return ref

    def open(self, handoff_id: int, ref: str) -> tuple[bytes, str] | None:
        """The recording and its content type, or None when it is not this hand-off's (or was erased)."""
        with session_scope(self._sessions) as session:
            row = session.scalar(
                select(HandoffAudio).where(HandoffAudio.ref == ref, HandoffAudio.handoff_id == handoff_id)
            )
            if row is None:
                return None
            sealed, content_type = row.audio_enc, row.content_type
        plain = self._cipher.decrypt(sealed, field=_FIELD, context=f"{handoff_id}/{ref}")
        return base64.b64decode(plain), content_type
