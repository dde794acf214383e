"""The server side of the message push: each push is turned into a dialogue turn once, whatever WeChat's
retries and however many bot workers run, and answered passively when the answer is ready within the budget,
otherwise by customer-service message.

Per push (MsgId, or sender + CreateTime for events) the shared state holds `pending`, then either `ready:<messages>`
(the answer came in time: every attempt of the push answers it passively) or `cs` (an attempt gave up waiting and
replied `success`: the answer goes out as customer-service messages). Both changes are compare-and-swap, so exactly
one of them happens.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import re
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.arrivals import START_PAYLOAD
from bot.channel import OpenHandoffs, SeenUpdates, SharedState
from bot.dialogue import DialogueEngine
from bot.messages import UserTurn
from bot.voice.listener import VOICE_KEY, VoiceNotes
from bot.wechat.api import WeChatApi, WeChatApiError
from bot.wechat.conversation import SCOPE, FarmerMemory
from bot.wechat.delivery import CustomerService
from bot.wechat.rendering import pack, parse_menu_id, render_turn
from bot.wechat.security import PushRejected, PushSecurity
from bot.wechat.texts import WeChatText, wechat_text
from core.channels import sender_id
from core.intents import Intent
from core.lang import Lang
from loans.stations import StationMatcher
from store.outbox import SqlOutbox

log = logging.getLogger(__name__)

CHANNEL = "wechat"
SUCCESS = "success"
REPLY_TTL = 120.0
POLL_SECONDS = 0.05
GREET_TURN = Intent.GREET.payload
_PAYLOAD = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_NUMBER = re.compile(r"^\s*(\d{1,2})\s*[.。、]?\s*$")
_PENDING, _CS, _READY = "pending", "cs", "ready:"


@dataclass(frozen=True)
class PushReply:
    """What the push URL answers: a status code and body; `rest` are messages to send after the reply."""

    status: int
    body: str
    content_type: str = "text/plain; charset=utf-8"
    after: Callable[[], Awaitable[None]] | None = None


@dataclass
class Work:
    """The farmer-visible outcome of one push: messages (first passive when in time) and their language."""

    messages: list[str] = field(default_factory=list)
    lang: Lang = "zh"


def push_key(message: Any) -> tuple[str, int]:
    """(source, id) a push is de-duplicated by: MsgId for messages; sender + CreateTime (+ event) for events."""
    if getattr(message, "id", 0):
        return CHANNEL, int(message.id)
    raw = f"{message.source}|{message.time}|{getattr(message, 'event', '')}".encode()
    return f"{CHANNEL}-event", int.from_bytes(hashlib.sha256(raw).digest()[:8], "big") >> 1


def kind_of(message: Any) -> str:
    """The message type ("text", "voice"…) or the event ("subscribe", "subscribe_scan", "scan", "click",
    "unsubscribe"); other events as "event:<name>"."""
    kind = str(getattr(message, "type", "unknown"))
    if kind != "event":
        return kind
    event = str(getattr(message, "event", "") or "")
    if event in ("subscribe", "subscribe_scan", "scan", "click", "unsubscribe"):
        return event
    return f"event:{event}"


def start_payload(value: str | None) -> str | None:
    """A scene string that can be a campaign payload, or None."""
    return value if value and _PAYLOAD.match(value) else None


class PushHandler:
    """Receives pushes: checks them, de-duplicates, runs the dialogue and chooses passive or customer-service."""

    def __init__(
        self,
        *,
        security: PushSecurity,
        dialogue: DialogueEngine,
        seen: SeenUpdates,
        state: SharedState,
        handoffs: OpenHandoffs,
        outbox: SqlOutbox,
        memory: FarmerMemory,
        customer_service: CustomerService,
        api: WeChatApi | None,
        stations: StationMatcher | None = None,
        passive_seconds: float = 4.0,
        voice: VoiceNotes | None = None,
    ) -> None:
        self._security = security
        self._dialogue = dialogue
        self._seen = seen
        self._state = state
        self._handoffs = handoffs
        self._outbox = outbox
        self._memory = memory
        self._cs = customer_service
        self._api = api
        self._stations = stations
        self._budget = passive_seconds
        self._voice = voice
        self._tasks: set[asyncio.Task[str | None]] = set()
        self._locks: dict[str, asyncio.Lock] = {}
        self._users: dict[str, int] = {}
        self._waiting: set[str] = set()  # pushes whose first attempt still waits here for a passive answer

    # ---- HTTP ------------------------------------------------------------------------------------------------

    def handshake(self, query: Mapping[str, str]) -> PushReply:
        """GET: the URL verification (echo `echostr` when the signature is right)."""
        try:
            return PushReply(200, self._security.handshake(query))
        except PushRejected:
            log.warning("wechat handshake with a bad signature refused")
            return PushReply(403, "forbidden")

    async def receive(self, query: Mapping[str, str], body: bytes) -> PushReply:
        """POST: one push. Forged → 403; unreadable → 400; otherwise a passive reply or `success`."""
        started = time.monotonic()
        try:
            xml = self._security.open_push(query, body)
        except PushRejected as err:
            log.warning("wechat push refused: %s", err)
            return PushReply(403 if "signature" in str(err) else 400, "forbidden")
        from wechatpy import parse_message

        try:
            message = parse_message(xml)
        except Exception as err:  # malformed XML from a correctly signed request: nothing to answer
            log.warning("unreadable wechat push: %s", type(err).__name__)
            return PushReply(200, SUCCESS)
        if message is None or not getattr(message, "source", None):
            return PushReply(200, SUCCESS)
        source, push_id = push_key(message)
        reply_key = f"reply:{source}:{push_id}"
        try:
            first = await asyncio.to_thread(self._seen.mark_seen, source=source, update_id=push_id)
        except Exception as err:
            log.warning("could not check a wechat push for repeats: %s", type(err).__name__)
            first = True  # answering twice is better than not answering
        if first:
            try:
                await asyncio.to_thread(self._state.put, SCOPE, reply_key, _PENDING, ttl=REPLY_TTL)
            except Exception as err:  # the answer can still be passive from this worker alone
                log.warning("could not record a wechat push as pending: %s", type(err).__name__)
            self._waiting.add(reply_key)
            task: asyncio.Task[str | None] = asyncio.create_task(self._work(message, reply_key), name="wechat-push")
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
            remaining = self._budget - (time.monotonic() - started)
            if remaining > 0:
                await asyncio.wait({task}, timeout=remaining)
            self._waiting.discard(reply_key)
            # The task's own outcome saves a round trip to the shared state when it was in time.
            value = task.result() if task.done() and not task.cancelled() else None
            if value is None:
                value = await self._safe_outcome(reply_key, started)
        else:
            value = await self._safe_outcome(reply_key, started)
        if value is None or not value.startswith(_READY):
            return PushReply(200, SUCCESS)
        messages: list[str] = json.loads(value[len(_READY) :])
        if not messages:
            return PushReply(200, SUCCESS)
        xml_reply = self._text_reply(message, messages[0], query)
        rest = messages[1:]
        after = None
        if rest:
            lang = await self._lang_of(message.source) or "zh"

            async def after() -> None:
                """The turn's further messages, once per push (a retried push re-sends only the first)."""
                try:
                    first_time = await asyncio.to_thread(
                        self._state.add, SCOPE, f"rest:{reply_key}", "1", ttl=REPLY_TTL
                    )
                except Exception as err:  # sending twice is better than not at all
                    log.warning("could not check a wechat push's further messages: %s", type(err).__name__)
                    first_time = True
                if first_time:
                    await self._cs.deliver(str(message.source), rest, lang)

        return PushReply(200, xml_reply, "application/xml; charset=utf-8", after)

    async def _safe_outcome(self, reply_key: str, started: float) -> str | None:
        """`_outcome`, or None (reply `success`) when the shared state cannot be read."""
        try:
            return await self._outcome(reply_key, started)
        except Exception as err:
            log.warning("could not read the state of a wechat push: %s", type(err).__name__)
            return None

    async def _outcome(self, reply_key: str, started: float) -> str | None:
        """Wait (polling the shared state) for `ready:`, until the budget; then claim `cs` unless ready."""
        while True:
            value = await asyncio.to_thread(self._state.get, SCOPE, reply_key)
            if value != _PENDING:
                return value
            if time.monotonic() - started >= self._budget:
                break
            await asyncio.sleep(POLL_SECONDS)
        if await asyncio.to_thread(self._state.swap, SCOPE, reply_key, _PENDING, _CS, ttl=REPLY_TTL):
            return _CS
        return await asyncio.to_thread(self._state.get, SCOPE, reply_key)

    def _text_reply(self, message: Any, content: str, query: Mapping[str, str]) -> str:
        from wechatpy.replies import TextReply

        xml = TextReply(message=message, content=content).render()
        return self._security.seal(xml, nonce=query.get("nonce", ""), timestamp=str(int(time.time())))

    async def drain(self, timeout: float = 10.0) -> None:
        """Let answers still being worked out finish (at shutdown)."""
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=timeout)

    # ---- the work behind one push ------------------------------------------------------------------------------

    async def _work(self, message: Any, reply_key: str) -> str | None:
        """Answer the push; returns the `ready:` value when the answer came in time for a passive reply."""
        openid = str(message.source)
        lock = self._locks.setdefault(openid, asyncio.Lock())
        self._users[openid] = self._users.get(openid, 0) + 1
        try:
            async with lock:  # one farmer's pushes are answered in order (on this worker)
                work = await self._answer(message)
        except Exception as err:
            log.error("wechat push failed with %s", type(err).__name__)
            work = Work([wechat_text(WeChatText.APOLOGY, await self._lang_of(openid))])
        finally:
            self._users[openid] -= 1
            if not self._users[openid]:
                del self._users[openid], self._locks[openid]
        ready = _READY + json.dumps(work.messages, ensure_ascii=False)
        try:
            in_time = await asyncio.to_thread(self._state.swap, SCOPE, reply_key, _PENDING, ready, ttl=REPLY_TTL)
        except Exception as err:
            # Without the shared state, this worker's own waiting reply decides: passive if it still waits.
            log.warning("could not store a wechat answer: %s", type(err).__name__)
            in_time = reply_key in self._waiting
        if in_time:
            return ready
        if work.messages:
            await self._cs.deliver(openid, work.messages, work.lang)
        return None

    async def _quietly(self, call: Callable[..., object], *args: object) -> None:
        """Bookkeeping that must not cost the farmer the answer: a failure is logged and passed over."""
        try:
            await asyncio.to_thread(call, *args)
        except Exception as err:
            log.warning("wechat bookkeeping failed: %s", type(err).__name__)

    async def _lang_of(self, openid: str) -> Lang | None:
        try:
            return await asyncio.to_thread(self._memory.lang, openid)
        except Exception:
            return None

    async def _answer(self, message: Any) -> Work:
        openid = str(message.source)
        kind = kind_of(message)
        if kind == "unsubscribe":
            await self._quietly(self._memory.record_unsubscribe, openid)
            log.info("a wechat farmer unfollowed the account")
            return Work()
        if kind.startswith("event:"):
            return Work()  # menu links, periodic location reports, job reports: nothing to answer
        await self._quietly(self._memory.farmer_wrote, openid)
        await self._quietly(self._outbox.release_waiting, CHANNEL, openid)
        if kind in ("subscribe", "subscribe_scan", "scan"):
            return await self._arrival(message, kind)
        if kind == "click":
            return await self._converse(openid, str(message.key or ""), {"from_button": True, "from_menu": True})
        if kind == "text":
            return await self._text(message)
        if kind == "voice":
            return await self._voice_note(openid, str(message.media_id or ""), message)
        if kind == "image":
            if await self._with_person(openid):
                media = {"media_type": "photo", "media_ref": str(message.media_id or "")}
                return await self._converse(openid, "", media)
            return await self._own(openid, WeChatText.MEDIA_NOT_SUPPORTED)
        if kind == "location":
            return await self._location(openid, message)
        if await self._with_person(openid):
            media = {"media_type": kind, "media_ref": str(getattr(message, "media_id", "") or "")}
            return await self._converse(openid, "", media)
        return await self._own(openid, WeChatText.MEDIA_NOT_SUPPORTED)

    async def _arrival(self, message: Any, kind: str) -> Work:
        openid = str(message.source)
        if kind != "scan":
            await self._quietly(self._memory.record_subscribe, openid)
        scene = str(getattr(message, "scene_id", "") or "") if kind != "subscribe" else ""
        payload = start_payload(scene)
        metadata: dict[str, object] = {START_PAYLOAD: payload}
        if scene and payload is None:
            metadata["start_payload_rejected"] = True
        return await self._converse(openid, GREET_TURN, metadata)

    async def _text(self, message: Any) -> Work:
        openid = str(message.source)
        content = str(message.content or "")
        raw = getattr(message, "_data", {}) or {}
        tapped = parse_menu_id(str(raw.get("bizmsgmenuid") or ""))
        offer, number = tapped if tapped is not None else (None, None)
        if number is None:
            found = _NUMBER.match(content)
            number = int(found.group(1)) if found else None
        if number is not None:
            try:
                button = await asyncio.to_thread(self._memory.button, openid, number, offer)
            except Exception as err:
                log.warning("could not read the offered buttons: %s", type(err).__name__)
                button = None
            if button is not None:
                return await self._converse(openid, button.payload, {"from_button": True})
        return await self._converse(openid, content, {})

    async def _voice_note(self, openid: str, media_id: str, message: Any) -> Work:
        """Every WeChat voice note comes here: the AMR is downloaded through the media API and heard offline
        (bot/voice/), then read back or answered like a typed turn; without a speech model (or when the download
        fails) the farmer is asked politely to type or tap a button. While a person handles the conversation,
        the note goes to them as the audio (its media id) plus the transcript, without a read-back."""
        with_person = await self._with_person(openid)
        audio: bytes | None = None
        if self._api is not None and media_id:
            try:
                audio = await self._api.download_media(media_id)
            except WeChatApiError as err:
                log.warning("could not download a wechat voice note: %s", err.code)
        log.info("wechat voice note received (%s bytes)", len(audio) if audio is not None else "no")
        media: dict[str, object] = {"media_type": "voice", "media_ref": media_id} if with_person else {}
        if self._voice is None or not audio:
            if with_person:
                return await self._converse(openid, "", media)
            return await self._own(openid, WeChatText.PLEASE_TYPE)
        heard = await self._voice.listen(audio, lang=await self._lang_of(openid))
        return await self._converse(openid, heard.text, {**media, VOICE_KEY: heard.metadata()})

    async def _location(self, openid: str, message: Any) -> Work:
        lang = await self._lang_of(openid)
        label = str(getattr(message, "label", "") or "")
        station = None
        if self._stations is not None and label:
            station = self._stations.match(label).station
        if station is None:
            return await self._own(openid, WeChatText.NO_STATION_FOUND)
        chosen: Lang = lang or "zh"
        text = f"{wechat_text(WeChatText.STATION_FOR_PLACE, chosen)}\n{station.contact(chosen)}"
        return Work([text], chosen)

    async def _own(self, openid: str, key: WeChatText) -> Work:
        lang = await self._lang_of(openid)
        return Work([wechat_text(key, lang)], lang or "zh")

    async def _with_person(self, openid: str) -> bool:
        try:
            found = await asyncio.to_thread(self._handoffs.open_for, CHANNEL, openid)
        except Exception as err:
            log.warning("could not check for an open hand-off: %s", type(err).__name__)
            return False
        return found is not None

    async def _converse(self, openid: str, text: str, metadata: Mapping[str, object]) -> Work:
        turn = UserTurn(sender_id=sender_id(CHANNEL, openid), text=text, channel=CHANNEL, metadata=dict(metadata))
        result = await self._dialogue.handle(turn)
        offer = self._memory.new_offer_id()
        rendered = render_turn(result.replies, result.lang, offer=offer)
        await self._quietly(self._memory.remember_answer, openid, offer, rendered.buttons, result.lang)
        return Work(pack(rendered.parts), result.lang)
