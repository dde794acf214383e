"""The read-back stage: a voice note's transcript is shown to the farmer before anything is done with it.

"我听到的是：「…」" with 对 / 不对，重说 / 打字; only 对 sends the transcript down the normal text path (hand-off gate,
scam shield, Rasa). A confident transcript of a plain question (no number, nothing of the pre-application) is
answered at once with the transcript shown on top. Unclear audio is never guessed at. While a person handles the
conversation, voice turns go straight on to them (audio reference and transcript). The transcript waiting for 对
is kept sealed in the state every bot worker shares (bot/voice/pending.py), so any worker may take the tap.
"""

from __future__ import annotations

import asyncio
import logging
import secrets

from bot.channel import OpenHandoffs
from bot.dialogue import DialogueEngine
from bot.messages import BotReply, Button, TurnResult, UserTurn
from bot.texts import topic_buttons
from bot.voice import texts
from bot.voice.listener import VOICE_KEY
from bot.voice.pending import PendingTranscript, ProcessState, SharedPendingTranscripts
from bot.voice.policy import needs_confirmation, read_back
from core.intents import Intent
from core.lang import Lang, detect_lang
from store.crypto import FieldCipher

_LOG = logging.getLogger(__name__)

CONFIRM_PAYLOAD = "/voice_yes"
AGAIN_PAYLOAD = "/voice_again"
TYPE_PAYLOAD = "/voice_type"
PENDING_SECONDS = 30 * 60.0
_NOT_PASSED_ON = frozenset({VOICE_KEY, "media_type", "media_ref", "from_button"})
_DELETION = frozenset({Intent.DELETE_DATA.payload, Intent.CONFIRM_DELETE_DATA.payload})


class VoiceReadBack:
    """Pipeline stage in front of the hand-off gate: voice turns are read back and confirmed (see module doc)."""

    def __init__(
        self,
        inner: DialogueEngine,
        handoffs: OpenHandoffs | None = None,
        *,
        max_seconds: float = 60.0,
        pending: SharedPendingTranscripts | None = None,
    ) -> None:
        """`pending`: where read-back transcripts wait for 对, shared by every bot worker (the composition root
        passes the database or Redis); None keeps them in this process only (one process, tests)."""
        self._inner = inner
        self._handoffs = handoffs
        self._max_seconds = max_seconds
        self._pending = pending or SharedPendingTranscripts(
            ProcessState(), FieldCipher(secrets.token_bytes(32)), ttl_seconds=PENDING_SECONDS
        )

    async def handle(self, turn: UserTurn) -> TurnResult:
        """Read a voice turn back, act on the read-back buttons, pass every other turn on unchanged."""
        text = turn.text.strip()
        if text in (CONFIRM_PAYLOAD, AGAIN_PAYLOAD, TYPE_PAYLOAD):
            return await self._button(turn, text)
        voice = turn.metadata.get(VOICE_KEY)
        if not isinstance(voice, dict):
            if text in _DELETION:  # the farmer's data goes: an unconfirmed transcript too
                await asyncio.to_thread(self._pending.drop, turn.sender_id)
            return await self._inner.handle(turn)
        await asyncio.to_thread(self._pending.drop, turn.sender_id)  # a new note replaces an unconfirmed one
        if await self._with_person(turn):
            return await self._inner.handle(turn)
        status = voice.get("status")
        lang = turn.lang or detect_lang(text) or "zh"
        if status == "too_long":
            return _say(texts.TOO_LONG.format(seconds=int(self._max_seconds)).get(lang), lang)
        if status == "busy":
            return _say(texts.BUSY.get(lang), lang)
        if status == "unavailable":
            return _say(texts.UNAVAILABLE.get(lang), lang)
        if status != "clear" or not text:
            return _say(texts.UNCLEAR.get(lang), lang, topic_buttons(lang))
        if voice.get("confident") is True and not needs_confirmation(text):
            result = await self._inner.handle(_as_text(turn, text))
            heard = BotReply(text=texts.HEARD.format(text=read_back(text)).get(result.lang))
            return result.model_copy(update={"replies": [heard, *result.replies]})
        seconds = float(str(voice.get("seconds", 0.0)))
        await asyncio.to_thread(self._pending.keep, turn.sender_id, PendingTranscript(text, lang, seconds))
        ask = BotReply(text=texts.HEARD_ASK.format(text=read_back(text)).get(lang), buttons=_read_back_buttons(lang))
        return TurnResult(replies=[ask], lang=lang)

    async def _button(self, turn: UserTurn, payload: str) -> TurnResult:
        pending = await asyncio.to_thread(self._pending.take, turn.sender_id)
        lang = turn.lang or (pending.lang if pending else "zh")
        if payload == AGAIN_PAYLOAD:
            return _say(texts.SAY_AGAIN.get(lang), lang)
        if payload == TYPE_PAYLOAD:
            return _say(texts.TYPE_IT.get(lang), lang)
        if pending is None:
            return _say(texts.EXPIRED.get(lang), lang)
        return await self._inner.handle(_as_text(turn, pending.text, lang=turn.lang))

    async def _with_person(self, turn: UserTurn) -> bool:
        if self._handoffs is None:
            return False
        try:
            found = await asyncio.to_thread(self._handoffs.open_for, turn.channel, turn.external_id)
        except Exception as err:
            _LOG.warning("could not check for an open hand-off: %s", type(err).__name__)
            return False
        return found is not None


def _as_text(turn: UserTurn, text: str, *, lang: Lang | None = None) -> UserTurn:
    """The turn as if the farmer had typed `text`: the confirm button's marks and the media go (so the scam
    shield scores the transcript like typed text); a `from_voice` flag stays."""
    metadata = {k: v for k, v in turn.metadata.items() if k not in _NOT_PASSED_ON}
    metadata["from_voice"] = True
    return turn.model_copy(update={"text": text, "metadata": metadata, "lang": lang if lang else turn.lang})


def _read_back_buttons(lang: Lang) -> list[Button]:
    return [
        Button(title=texts.YES.get(lang), payload=CONFIRM_PAYLOAD),
        Button(title=texts.NO_AGAIN.get(lang), payload=AGAIN_PAYLOAD),
        Button(title=texts.TYPE.get(lang), payload=TYPE_PAYLOAD),
    ]


def _say(message: str, lang: Lang, buttons: list[Button] | None = None) -> TurnResult:
    return TurnResult(replies=[BotReply(text=message, buttons=buttons or [])], lang=lang)
