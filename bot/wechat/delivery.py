"""Sends messages as WeChat customer-service messages within the farmer's quota and 48-hour window; what cannot
go now is combined, or held in the outbox until the farmer writes next (never dropped)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from bot.channel import WaitForFarmer
from bot.messages import BotReply, Button
from bot.wechat.api import QuotaExceeded, WeChatApi, WeChatApiError, WindowClosed
from bot.wechat.conversation import FarmerMemory
from bot.wechat.rendering import PART_SEPARATOR, WECHAT_TEXT_LIMIT, pack, render_turn
from core.lang import Lang
from store.outbox import NewMessage, OutboxButton, OutboxItem, SqlOutbox

log = logging.getLogger(__name__)

CHANNEL = "wechat"


def fit_to_quota(messages: Sequence[str], left: int) -> tuple[list[str], list[str]]:
    """(what to send now, what must wait): combined to as few messages as fit, at most `left` sent now."""
    packed = pack(messages)
    if left <= 0:
        return [], packed
    return packed[:left], packed[left:]


class CustomerService:
    """Delivers a farmer's messages through the customer-service API, respecting quota and window."""

    def __init__(self, api: WeChatApi | None, memory: FarmerMemory, outbox: SqlOutbox, *, quota: int) -> None:
        self._api = api
        self._memory = memory
        self._outbox = outbox
        self._quota = quota

    async def deliver(self, openid: str, messages: Sequence[str], lang: Lang, *, kind: str = "reply") -> int:
        """Send what the quota and window allow; hold the rest in the outbox for the farmer's next message.
        Returns how many messages were sent now."""
        if not messages:
            return 0
        left = await asyncio.to_thread(self._memory.quota_left, openid, self._quota)
        now, later = fit_to_quota(messages, left)
        sent = 0
        for index, text in enumerate(now):
            try:
                await self._send_one(openid, text)
            except (QuotaExceeded, WindowClosed):
                later = [*now[index:], *later]
                break
            except WeChatApiError as err:
                log.warning("wechat customer-service message failed (%s); queued for retry", err.code)
                await self._queue(openid, now[index:] + later, lang, kind, hold=False)
                return sent
            sent += 1
        if later:
            await self._queue(openid, later, lang, kind, hold=True)
        return sent

    async def _send_one(self, openid: str, text: str) -> None:
        if self._api is None:
            raise WeChatApiError(-1, "custom send (no app secret configured)")
        if not await asyncio.to_thread(self._memory.take_quota, openid, self._quota):
            raise QuotaExceeded(45047, "custom send (local quota)")
        await self._api.send_text(openid, text)

    async def _queue(self, openid: str, texts: Sequence[str], lang: Lang, kind: str, *, hold: bool) -> None:
        text = PART_SEPARATOR.join(texts)
        message = NewMessage(channel=CHANNEL, external_id=openid, kind=kind, text=text, lang=lang)
        message_id = await asyncio.to_thread(self._outbox.enqueue, message)
        if hold:
            await asyncio.to_thread(self._outbox.mark_waiting, message_id)
        log.info("wechat: %d message(s) held for the farmer's next message", len(texts))


class WeChatSender:
    """The outbox sender of the channel: staff replies, status notices and deletion confirmations."""

    def __init__(self, api: WeChatApi | None, memory: FarmerMemory, *, quota: int) -> None:
        self._api = api
        self._memory = memory
        self._quota = quota

    async def send(self, item: OutboxItem) -> None:
        """Send `item` (rendered like every reply, buttons numbered); WaitForFarmer when quota or window are out."""
        if self._api is None:
            raise WeChatApiError(-1, "custom send (no app secret configured)")
        lang: Lang = "en" if item.lang == "en" else "zh"
        reply = BotReply(text=item.text, buttons=[Button(title=b.title, payload=b.payload) for b in item.buttons])
        offer = self._memory.new_offer_id()
        rendered = render_turn([reply], lang, offer=offer)
        messages = pack(rendered.parts, WECHAT_TEXT_LIMIT)
        openid = item.external_id
        left = await asyncio.to_thread(self._memory.quota_left, openid, self._quota)
        if left < len(messages):
            raise WaitForFarmer("no customer-service quota left until the farmer writes")
        for text in messages:
            if not await asyncio.to_thread(self._memory.take_quota, openid, self._quota):
                raise WaitForFarmer("no customer-service quota left until the farmer writes")
            try:
                await self._api.send_text(openid, text)
            except (QuotaExceeded, WindowClosed) as err:
                raise WaitForFarmer(str(err)) from err
        if rendered.buttons:
            await asyncio.to_thread(self._memory.remember_answer, openid, offer, rendered.buttons, lang)


def outbox_buttons(buttons: Sequence[Button]) -> list[OutboxButton]:
    """Buttons as the outbox stores them."""
    return [OutboxButton(title=b.title, payload=b.payload) for b in buttons]
