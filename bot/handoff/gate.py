"""`HandoffGate`: a DialogueEngine decorator that hands a conversation to station staff and keeps the bot quiet."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import math
import re
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from bot.deadline import seconds_left
from bot.dialogue import DialogueEngine
from bot.handoff import texts
from bot.handoff.hours import OfficeHours
from bot.limits import Decision, MemoryRateLimiter, RateLimiter, Rule
from bot.messages import BotReply, IntentInfo, TurnResult, UserTurn
from bot.privacy import mask_personal_data
from core.channels import staff_alert_channel
from core.clock import utcnow
from core.intents import Intent
from core.lang import Lang
from core.text import Bilingual, bi
from loans.stations import StationMatcher
from store.handoffs import HandoffView, NoticeBuilder, StationInfo
from store.outbox import NewMessage, OutboxButton

log = logging.getLogger(__name__)

HANDOFF_INTENT = Intent.HUMAN_HANDOFF
# Reading the intent of a message sent while a hand-off waits may take half of what is left of the turn.
UNDERSTAND_SECONDS = 3.0
MIN_UNDERSTAND_SECONDS = 0.2
# Intents of a question the bot can answer while a hand-off waits for the station to open.
QUESTION_INTENTS = frozenset(
    {Intent.ASK_LOAN, Intent.ASK_INSURANCE, Intent.ASK_SCAM, Intent.ASK_LENDER, Intent.CHECK_MESSAGE}
)
SHARE_CONTACT_TURN = Intent.SHARE_CONTACT.payload
# `/delete` (and the data-deletion buttons) reach the dialogue even while a person handles the conversation.
DELETION_PAYLOADS = frozenset({Intent.DELETE_DATA.payload, Intent.CONFIRM_DELETE_DATA.payload})
_ASKS_FOR_PERSON = re.compile(
    r"(我要找人|找个人|找人工|转人工|人工客服|人工服务|找真人|真人客服|找工作人员|"
    r"\b(talk|speak|chat)\s+(to|with)\s+(a|an|some)?\s*(real\s+)?(person|human|agent|someone|staff)\b|"
    r"\breal person\b|\bhuman agent\b)",
    re.IGNORECASE,
)


class HandoffStore(Protocol):
    """The store operations the gate needs (store.handoffs.SqlHandoffs)."""

    def open_for(self, channel: str, external_id: str) -> HandoffView | None:
        """The conversation's open hand-off."""
        ...

    def station(self, code: str) -> StationInfo | None:
        """An active station by code."""
        ...

    def station_of_latest_application(self, channel: str, external_id: str) -> StationInfo | None:
        """The station of the farmer's newest pre-application."""
        ...

    def open(
        self,
        *,
        channel: str,
        external_id: str,
        lang: str,
        reason: str,
        station_code: str | None,
        alerts: Callable[[HandoffView], list[NewMessage]] | None = None,
    ) -> tuple[HandoffView, bool]:
        """Open a hand-off or return the open one."""
        ...

    def record_farmer_message(
        self, handoff_id: int, *, text: str, media_type: str | None = None, media_ref: str | None = None
    ) -> None:
        """Keep a farmer message for staff."""
        ...

    def route_to_station(self, handoff_id: int, station_code: str, *, note: str) -> bool:
        """Move a default-queue hand-off to a station."""
        ...

    def close(
        self, handoff_id: int, *, actor: str, reason: str, notice: NoticeBuilder | None = None
    ) -> HandoffView | None:
        """Close an open hand-off."""
        ...

    def rate(self, channel: str, external_id: str, rating: int) -> bool:
        """Store a rating on the latest closed hand-off."""
        ...


@dataclass(frozen=True)
class HandoffOptions:
    """Configuration of the gate: default queue, its hours, staff group chats per station code, console URL."""

    default_station_code: str | None = None
    default_hours: Bilingual = field(default_factory=lambda: bi("工作日 9:00–17:00", "Mon–Fri 9:00–17:00"))
    staff_groups: dict[str, str] = field(default_factory=dict)
    console_url: str | None = None
    # New hand-off requests per conversation (each one alerts the staff): at most this many per hour.
    requests_per_hour: int = 5
    # ... and from one network address (browsers; several farmers may share one, so more than per conversation).
    requests_per_ip_hour: int = 20


def asks_for_person(text: str) -> bool:
    """Whether the farmer's words or button ask for a person."""
    return text.startswith(texts.REQUEST_PAYLOAD) or bool(_ASKS_FOR_PERSON.search(text[:300]))


def rating_request(view: HandoffView, *, idle: bool) -> NewMessage | None:
    """The outbox message that tells the farmer the bot is back and asks for 1–5 (None for staff groups)."""
    return NewMessage(
        channel=view.channel,
        external_id=view.external_id,
        kind="rating_request",
        text=texts.closed_text(view.lang, idle=idle),
        lang=view.lang,
        buttons=[OutboxButton(title=t, payload=p) for t, p in texts.rating_buttons(view.lang)],
        handoff_id=view.id,
        dedupe_key=f"handoff-closed:{view.id}",
    )


def staff_message(view: HandoffView, text: str) -> NewMessage:
    """The outbox message carrying a staff reply to the farmer."""
    return NewMessage(
        channel=view.channel,
        external_id=view.external_id,
        kind="staff_reply",
        text=texts.staff_reply_text(text, view.station, view.lang),
        lang=view.lang,
        handoff_id=view.id,
    )


class HandoffGate:
    """Opens hand-offs when asked, stores the farmer's messages for staff while one is open, takes ratings."""

    def __init__(
        self,
        inner: DialogueEngine,
        store: HandoffStore,
        *,
        matcher: StationMatcher | None = None,
        options: HandoffOptions | None = None,
        clock: Callable[[], datetime] = utcnow,
        on_open: Callable[[HandoffView], None] | None = None,
        understand: Callable[[UserTurn], Awaitable[IntentInfo | None]] | None = None,
        limiter: RateLimiter | None = None,
    ) -> None:
        self._inner = inner
        self._limiter = limiter or MemoryRateLimiter()
        self._address_secret = secrets.token_bytes(32)  # per process: address keys mean nothing elsewhere
        self._understand = understand
        self._store = store
        self._matcher = matcher
        self._options = options or HandoffOptions()
        self._clock = clock
        self._on_open = on_open

    async def handle(self, turn: UserTurn) -> TurnResult:
        """Route the turn: rating, message for staff (hand-off open), new hand-off, or the bot's own answer."""
        channel, external_id = turn.channel, turn.external_id
        text = turn.text.strip()
        rating = texts.parse_rating(text)
        if rating is not None:
            return await self._rate(channel, external_id, rating, turn.lang)
        current = await asyncio.to_thread(self._store.open_for, channel, external_id)
        if current is not None:
            return await self._relay(turn, current, text)
        if text.startswith(texts.REQUEST_PAYLOAD) and turn.lang is not None:
            return await self._open(turn, channel, external_id, turn.lang, text, intent=None)
        result = await self._inner.handle(turn)
        named = result.intent is not None and result.intent.name == HANDOFF_INTENT
        if named or asks_for_person(text):
            return await self._open(turn, channel, external_id, result.lang, text, intent=result)
        return result

    async def _rate(self, channel: str, external_id: str, rating: int, lang: Lang | None) -> TurnResult:
        current = await asyncio.to_thread(self._store.open_for, channel, external_id)
        lang = lang or (("en" if current.lang == "en" else "zh") if current else "zh")
        stored = await asyncio.to_thread(self._store.rate, channel, external_id, rating)
        message = texts.RATED if stored else texts.NOTHING_TO_RATE
        return TurnResult(replies=[BotReply(text=message.get(lang))], lang=lang)

    async def _relay(self, turn: UserTurn, current: HandoffView, text: str) -> TurnResult:
        lang: Lang = "en" if current.lang == "en" else "zh"
        channel, external_id = current.channel, current.external_id
        if text == texts.CANCEL_PAYLOAD:
            staff_answered = current.first_staff_reply_at is not None
            await asyncio.to_thread(
                self._store.close,
                current.id,
                actor="farmer",
                reason="farmer",
                notice=(lambda view: rating_request(view, idle=False)) if staff_answered else None,
            )
            return TurnResult(replies=[BotReply(text=texts.CANCELLED.get(lang))], lang=lang)
        if text.startswith(texts.REQUEST_PAYLOAD):
            return TurnResult(replies=[BotReply(text=texts.ALREADY_OPEN.get(lang))], lang=lang)
        if text in DELETION_PAYLOADS:  # `/delete` and its confirmation run the deletion, hand-off or not
            return await self._inner.handle(turn.model_copy(update={"lang": turn.lang or lang}))
        media_type, media_ref, shown = _media(turn, text)
        if not shown and not media_type:
            return TurnResult(replies=[], lang=lang)
        await asyncio.to_thread(
            self._store.record_farmer_message, current.id, text=shown, media_type=media_type, media_ref=media_ref
        )
        replies: list[BotReply] = []
        if current.station is None and shown and not shown.startswith("/"):
            station = await self._named_station(shown)
            if station is not None:
                note = f"farmer named a place → {station.code}"
                moved = await asyncio.to_thread(self._store.route_to_station, current.id, station.code, note=note)
                if moved:
                    replies.append(texts.routed_reply(station, lang))
        _log_relay(current.id, channel, external_id, media_type)
        closed = self._waiting_while_closed(current)
        if not media_type and shown and not shown.startswith("/") and closed:
            replies.extend(await self._answer_while_waiting(turn, lang))
        if not replies and _queued(current):
            # Nobody has taken the request yet: each message is acknowledged, so the farmer is never left with
            # "typing…" and nothing ("有人吗" at night). Once a person handles it, the bot stays quiet.
            replies.append(BotReply(text=(texts.QUEUED_ACK_CLOSED if closed else texts.QUEUED_ACK).get(lang)))
        return TurnResult(replies=replies, lang=lang)

    def _waiting_while_closed(self, current: HandoffView) -> bool:
        """True when no one has answered yet and the station (or the default queue) is outside office hours."""
        if not _queued(current):
            return False
        hours = current.station.hours if current.station else self._options.default_hours
        parsed = OfficeHours.parse(hours.en)
        return parsed is not None and not parsed.is_open(self._clock())

    async def _answer_while_waiting(self, turn: UserTurn, lang: Lang) -> list[BotReply]:
        """The bot's answer to a question asked while the hand-off waits, with a note that a person follows up."""
        if self._understand is None:
            return []
        try:
            # Only the intent is wanted: personal numbers stay out of Rasa here too (they are not needed for it).
            # Half of what is left of the turn's budget: the answer itself needs the rest (Rasa may be down).
            intent = await asyncio.wait_for(
                self._understand(turn.model_copy(update={"text": mask_personal_data(turn.text)})),
                max(seconds_left(UNDERSTAND_SECONDS) / 2, MIN_UNDERSTAND_SECONDS),
            )
        except Exception as exc:  # understanding is a courtesy here: the message already reached the staff
            log.warning("could not read the intent of a message during a hand-off: %s", type(exc).__name__)
            return []
        if intent is None or intent.name not in QUESTION_INTENTS:
            return []
        result = await self._inner.handle(turn.model_copy(update={"lang": turn.lang or lang}))
        if not result.replies:
            return []
        return [*result.replies, BotReply(text=texts.ANSWERED_WHILE_WAITING.get(result.lang))]

    async def _open(
        self,
        turn: UserTurn,
        channel: str,
        external_id: str,
        lang: Lang,
        text: str,
        *,
        intent: TurnResult | None,
    ) -> TurnResult:
        refusal = self._refusal(turn, channel, external_id)
        if refusal is not None:
            text_for, decision = refusal
            minutes = max(1, math.ceil(decision.retry_after / 60))
            reply = BotReply(text=text_for.get(lang).format(minutes=minutes))
            return TurnResult(replies=[reply], intent=intent.intent if intent else None, lang=lang)
        station = await asyncio.to_thread(self._store.station_of_latest_application, channel, external_id)
        if station is None and text and not text.startswith("/"):
            station = await self._named_station(text)
        code = station.code if station else self._options.default_station_code
        reason = _reason(text)
        view, _created = await asyncio.to_thread(
            lambda: self._store.open(
                channel=channel,
                external_id=external_id,
                lang=lang,
                reason=reason,
                station_code=code,
                alerts=self._alerts,
            )
        )
        if text and not text.startswith("/"):
            await asyncio.to_thread(self._store.record_farmer_message, view.id, text=text)
        if self._on_open is not None:
            self._on_open(view)
        reply = texts.opened_reply(view, self._options.default_hours, self._clock())
        return TurnResult(
            replies=[reply],
            intent=intent.intent if intent else None,
            lang=lang,
            scam=intent.scam if intent else None,
        )

    def _refusal(self, turn: UserTurn, channel: str, external_id: str) -> tuple[Bilingual, Decision] | None:
        """Count a new hand-off request per conversation, then per client address (when the channel knows it);
        the farmer's text and the refusal when one limit is reached, else None."""
        per_conversation = Rule(limit=self._options.requests_per_hour, window_seconds=3600)
        decision = self._limiter.hit(f"handoff:{channel}:{external_id}", per_conversation)
        if not decision.allowed:
            return texts.TOO_MANY_REQUESTS, decision
        if turn.client_ip is None:
            return None
        per_ip = Rule(limit=self._options.requests_per_ip_hour, window_seconds=3600)
        decision = self._limiter.hit(f"handoff-ip:{self._address_key(turn.client_ip)}", per_ip)
        return None if decision.allowed else (texts.TOO_MANY_FROM_HERE, decision)

    def _address_key(self, address: str) -> str:
        """A keyed hash of a client address: the limiter never holds the address itself."""
        return hmac.new(self._address_secret, address.encode("utf-8"), hashlib.sha256).hexdigest()[:32]

    def _alerts(self, view: HandoffView) -> list[NewMessage]:
        key = view.station.code if view.station else "default"
        chat = self._options.staff_groups.get(key)
        channel = staff_alert_channel()
        if not chat or channel is None:
            return []
        return [
            NewMessage(
                channel=channel,
                external_id=chat,
                kind="staff_alert",
                text=texts.staff_alert(view, self._options.console_url),
                lang="zh",
                handoff_id=view.id,
                dedupe_key=f"handoff-alert:{view.id}",
            )
        ]

    async def _named_station(self, text: str) -> StationInfo | None:
        if self._matcher is None:
            return None
        match = self._matcher.match(text)
        if match.kind not in ("village", "township") or match.station is None:
            return None
        return await asyncio.to_thread(self._store.station, match.station.code)


def _reason(text: str) -> str:
    """Why the hand-off was opened: the payload's `reason` when a button says, else "request"."""
    match = re.search(r'"reason"\s*:\s*"([a-z_]{1,32})"', text)
    return match.group(1) if match else "request"


def _media(turn: UserTurn, text: str) -> tuple[str | None, str | None, str]:
    """(media type, media reference, text to show staff) of a farmer message during a hand-off."""
    if text == SHARE_CONTACT_TURN and "contact_phone" in turn.metadata:
        return "contact", None, f"📇 {turn.metadata.get('contact_phone')}"
    media_type = turn.metadata.get("media_type")
    media_ref = turn.metadata.get("media_ref")
    if isinstance(media_type, str):
        return media_type[:16], str(media_ref)[:256] if media_ref else None, text
    return None, None, text


def _log_relay(handoff_id: int, channel: str, external_id: str, media_type: str | None) -> None:
    """Log that a message was kept for staff, without its content or the farmer's id."""
    del channel, external_id
    log.info("hand-off %s: farmer message kept for staff%s", handoff_id, f" ({media_type})" if media_type else "")


def _queued(current: HandoffView) -> bool:
    """True while no staff member has taken or answered the hand-off."""
    return current.first_staff_reply_at is None and current.assigned_staff_id is None
