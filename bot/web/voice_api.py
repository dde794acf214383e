"""`POST /api/voice`: a recording from the chat page's microphone button (or any client), heard offline and then
read back or answered like a typed turn (documented in bot/web/API.md). During a hand-off the recording itself is
kept for the staff (sealed, store/handoff_audio.py) and reaches them with its transcript."""

from __future__ import annotations

import asyncio
import logging
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from bot.channel import KeepsHandoffAudio, OpenHandoffs
from bot.dialogue import DialogueEngine
from bot.messages import UserTurn
from bot.voice.listener import VOICE_KEY, Heard, VoiceNotes
from bot.web.app import client_ip, error_response, resolve_chat_caller
from bot.web.identity import WebIdentity
from bot.web.schemas import MAX_VOICE_BYTES, SENDER_ID_PATTERN, ChatResponse, ErrorBody
from core.channels import sender_id
from core.lang import Lang

CHANNEL = "web"
DEFAULT_AUDIO_TYPE = "audio/webm"
_LOG = logging.getLogger(__name__)


class HeardInfo(BaseModel):
    """What the bot heard in the recording."""

    status: Literal["clear", "unclear", "too_long", "busy", "unavailable"]
    text: str = Field(description="The corrected transcript ('' unless status is `clear`).")


class VoiceResponse(ChatResponse):
    """The replies to a voice turn, and what was heard."""

    heard: HeardInfo


def voice_router(
    dialogue: DialogueEngine,
    voice: VoiceNotes | None,
    identity: WebIdentity,
    *,
    handoffs: OpenHandoffs | None = None,
    audio: KeepsHandoffAudio | None = None,
) -> APIRouter:
    """The router of `POST /api/voice` over the dialogue pipeline and the voice-note service; callers are known
    as in `/api/chat` (a browser by its signed chat cookie, an integration by the API key and `sender_id`).
    With `handoffs` and `audio`, a recording sent while a person handles the conversation is kept for them."""
    router = APIRouter()

    @router.post(
        "/api/voice",
        response_model=VoiceResponse,
        responses={413: {"model": ErrorBody}, 500: {"model": ErrorBody}},
    )
    async def hear(
        request: Request,
        sender: Annotated[
            str | None, Query(alias="sender_id", min_length=1, max_length=128, pattern=SENDER_ID_PATTERN)
        ] = None,
        lang: Annotated[Lang | None, Query()] = None,
    ) -> VoiceResponse | JSONResponse:
        """Hear one recording (body: the audio bytes, e.g. `audio/webm`) and answer it like a farmer turn."""
        caller = resolve_chat_caller(identity, request, sender)
        if isinstance(caller, JSONResponse):
            return caller
        recording = await request.body()
        if len(recording) > MAX_VOICE_BYTES:
            return error_response(413, "audio_too_large", "audio_too_large")
        heard = await voice.listen(recording, lang=lang) if voice is not None else Heard("unavailable")
        metadata: dict[str, object] = {VOICE_KEY: heard.metadata(), "media_type": "voice"}
        ref = await _kept_for_staff(caller.chat_id, recording, request.headers.get("content-type"))
        if ref is not None:
            metadata["media_ref"] = ref
        turn = UserTurn(
            sender_id=sender_id(CHANNEL, caller.chat_id),
            text=heard.text,
            channel=CHANNEL,
            lang=lang,
            metadata=metadata,
            client_ip=None if caller.trusted else client_ip(request),
        )
        result = await dialogue.handle(turn)
        answer = VoiceResponse(
            replies=result.replies,
            intent=result.intent,
            lang=result.lang,
            scam=result.scam,
            heard=HeardInfo(status=heard.status, text=heard.text),
        )
        if caller.new_cookie is None:
            return answer
        response = JSONResponse(answer.model_dump(mode="json"))
        identity.set_cookie(response, caller.new_cookie)
        return response

    async def _kept_for_staff(chat_id: str, recording: bytes, content_type: str | None) -> str | None:
        """The recording's media reference when a person handles the conversation (kept for them), else None."""
        if handoffs is None or audio is None or not recording:
            return None
        try:
            view = await asyncio.to_thread(handoffs.open_for, CHANNEL, chat_id)
            if view is None:
                return None
            kind = (content_type or DEFAULT_AUDIO_TYPE).split(";")[0].strip().lower()
            kind = kind if kind.startswith("audio/") else DEFAULT_AUDIO_TYPE
            return await asyncio.to_thread(audio.keep, int(view.id), recording, kind)
        except Exception as err:  # the transcript still reaches the staff
            _LOG.error("could not keep a web recording for the staff: %s", type(err).__name__)
            return None

    return router
