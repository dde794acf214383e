"""`POST /api/voice`: a recording from the chat page's microphone button (or any client), heard offline and then
read back or answered like a typed turn (documented in bot/web/API.md)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from bot.dialogue import DialogueEngine
from bot.messages import UserTurn
from bot.voice.listener import VOICE_KEY, Heard, VoiceNotes
from bot.web.app import client_ip, error_response, resolve_chat_caller
from bot.web.identity import WebIdentity
from bot.web.schemas import MAX_VOICE_BYTES, SENDER_ID_PATTERN, ChatResponse, ErrorBody
from core.channels import sender_id
from core.lang import Lang

CHANNEL = "web"


class HeardInfo(BaseModel):
    """What the bot heard in the recording."""

    status: Literal["clear", "unclear", "too_long", "busy", "unavailable"]
    text: str = Field(description="The corrected transcript ('' unless status is `clear`).")


class VoiceResponse(ChatResponse):
    """The replies to a voice turn, and what was heard."""

    heard: HeardInfo


def voice_router(dialogue: DialogueEngine, voice: VoiceNotes | None, identity: WebIdentity) -> APIRouter:
    """The router of `POST /api/voice` over the dialogue pipeline and the voice-note service; callers are known
    as in `/api/chat` (a browser by its signed chat cookie, an integration by the API key and `sender_id`)."""
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
        audio = await request.body()
        if len(audio) > MAX_VOICE_BYTES:
            return error_response(413, "audio_too_large", "audio_too_large")
        heard = await voice.listen(audio, lang=lang) if voice is not None else Heard("unavailable")
        turn = UserTurn(
            sender_id=sender_id(CHANNEL, caller.chat_id),
            text=heard.text,
            channel=CHANNEL,
            lang=lang,
            metadata={VOICE_KEY: heard.metadata(), "media_type": "voice"},
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

    return router
