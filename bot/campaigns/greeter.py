"""Counts campaign arrivals and greets farmers who came through a live campaign with words fitting its topic."""

from __future__ import annotations

import asyncio
import logging
from typing import Protocol

from bot.campaigns.payloads import PayloadSigner
from bot.campaigns.topics import first_buttons, greeting
from bot.dialogue import DialogueEngine
from bot.messages import BotReply, TurnResult, UserTurn
from core.intents import Intent
from store.campaigns import ArrivalResult

GREET_TURN = Intent.GREET.payload
# Set by the Telegram channel when `/start` carried something that is not a valid deep-link payload.
REJECTED_FLAG = "start_payload_rejected"

log = logging.getLogger(__name__)


class RecordsArrivals(Protocol):
    """Where campaign arrivals are counted (store.campaigns.CampaignStore in production)."""

    def record_arrival(self, *, channel: str, external_id: str, placement_code: str | None) -> ArrivalResult:
        """Count one arrival; `placement_code` None means the payload did not verify."""
        ...


class CampaignGreeter:
    """A DialogueEngine decorator for turns carrying a deep-link payload (Telegram `/start`, web `?start=`).

    The payload is verified and the arrival counted (campaign, not started, expired or unknown); a greeting turn
    from a running campaign gets the campaign's greeting and first buttons in the farmer's language; one from a
    campaign not started yet or ended gets the usual greeting. Counting never fails a turn.
    """

    def __init__(self, inner: DialogueEngine, signer: PayloadSigner, arrivals: RecordsArrivals) -> None:
        self._inner = inner
        self._signer = signer
        self._arrivals = arrivals

    async def handle(self, turn: UserTurn) -> TurnResult:
        """Count the arrival when the turn carries a payload, answer the turn, and greet by campaign topic."""
        arrival = await self._count(turn)
        result = await self._inner.handle(turn)
        if arrival is None or arrival.outcome != "campaign" or arrival.topic is None:
            return result
        if turn.text.strip() != GREET_TURN:
            return result
        reply = BotReply(text=greeting(arrival.topic, result.lang), buttons=first_buttons(arrival.topic, result.lang))
        return result.model_copy(update={"replies": [reply]})

    async def _count(self, turn: UserTurn) -> ArrivalResult | None:
        payload = turn.metadata.get("start_payload")
        if not payload and not turn.metadata.get(REJECTED_FLAG):
            return None  # an ordinary turn, or /start without a payload
        check = self._signer.check(payload)
        try:
            result = await asyncio.to_thread(
                self._arrivals.record_arrival,
                channel=turn.channel,
                external_id=turn.external_id,
                placement_code=check.code,
            )
        except Exception as err:
            # The greeting matters more to the farmer than the campaign statistics.
            log.warning("could not count a campaign arrival: %s", type(err).__name__)
            return None
        if result.outcome != "campaign":
            log.info("arrival with a %s campaign payload on %s", result.outcome, turn.channel)
        return result
