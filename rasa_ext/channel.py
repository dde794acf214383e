"""Nonghui's Rasa input channel (loaded by Rasa from nlu/credentials.yml; imports only Rasa and the stdlib).

It replaces Rasa's stock REST channel, which accepts any caller: a turn is handled only when it carries the
shared token (`X-Nonghui-Token`, compared in constant time), and the answer carries the recognised intent and
the conversation's language with the replies, so the bot needs no second request to read the tracker.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from rasa.shared.exceptions import RasaException
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from rasa_ext.wire import (
    TOKEN_ENV,
    TOKEN_HEADER,
    BadTurn,
    form_of,
    parse_turn,
    read_token,
    token_matches,
    turn_answer,
)

logger = logging.getLogger(__name__)


class NonghuiInput(InputChannel):
    """POST /webhooks/nonghui/turn: one farmer turn in, replies plus intent and language out (token required)."""

    @classmethod
    def name(cls) -> str:
        """The channel's name, also its URL prefix under /webhooks/."""
        return "nonghui"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        """Build the channel; the token comes from the environment (or a file it names), never from the YAML."""
        token = read_token()
        if not token:
            raise RasaException(f"the Nonghui input channel needs {TOKEN_ENV} (or {TOKEN_ENV}_FILE) to be set")
        return cls(token)

    def __init__(self, token: str) -> None:
        self._token = token
        self.clock = StageClock()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """The channel's routes: a health check, the turn endpoint and the per-stage time totals."""
        hook = Blueprint("nonghui_webhook", __name__)

        @hook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @hook.route("/turn", methods=["POST"])
        async def turn(request: Request) -> HTTPResponse:
            if not token_matches(request.headers.get(TOKEN_HEADER), self._token):
                return response.json({"error": "unauthorised"}, status=401)
            try:
                sender, text, metadata = parse_turn(request.json)
            except (BadTurn, ValueError) as exc:
                return response.json({"error": str(exc)}, status=400)
            collector = CollectingOutputChannel()
            message = UserMessage(text, collector, sender, input_channel=self.name(), metadata=metadata)
            agent = request.app.ctx.agent
            if agent is None or not agent.is_ready():
                return response.json({"error": "no model loaded"}, status=503)
            intent, lang, form = await handle_turn(agent, message, on_new_message, self.clock)
            return response.json(turn_answer(collector.messages, intent, lang, form))

        @hook.route("/timings", methods=["GET"])
        async def timings(request: Request) -> HTTPResponse:
            if not token_matches(request.headers.get(TOKEN_HEADER), self._token):
                return response.json({"error": "unauthorised"}, status=401)
            return response.json(self.clock.snapshot())

        return hook


class StageClock:
    """Per-stage time (seconds) of the turns this channel handled, for the stage-cost table (bot/stagecost.py)."""

    STAGES = ("tracker_load", "nlu", "core", "action_calls", "tracker_save", "total")

    def __init__(self) -> None:
        self.turns = 0
        self.seconds = dict.fromkeys(self.STAGES, 0.0)

    def add(self, stage: str, seconds: float) -> None:
        """Add `seconds` to `stage`."""
        self.seconds[stage] = self.seconds.get(stage, 0.0) + seconds

    def snapshot(self) -> dict[str, Any]:
        """Turns handled and milliseconds per stage so far."""
        return {"turns": self.turns, "ms": {k: round(v * 1000, 3) for k, v in self.seconds.items()}}


_action_seconds: ContextVar[list[float] | None] = ContextVar("nonghui_action_seconds", default=None)


def _time_action_calls(processor: Any) -> None:
    """Wrap the action endpoint's `request` once so each turn can add up the time spent calling the action server."""
    endpoint = getattr(processor, "action_endpoint", None)
    if endpoint is None or getattr(endpoint, "_nonghui_timed", False):
        return
    inner = endpoint.request

    async def timed_request(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return await inner(*args, **kwargs)
        finally:
            spent = _action_seconds.get()
            if spent is not None:
                spent.append(time.perf_counter() - started)

    endpoint.request = timed_request
    endpoint._nonghui_timed = True


async def handle_turn(
    agent: Any,
    message: UserMessage,
    on_new_message: Callable[[UserMessage], Awaitable[Any]],
    clock: StageClock | None = None,
) -> tuple[object, object, object]:
    """Run the turn as `Agent.handle_message` does (same lock, same steps) and keep the tracker it ends with.

    Returns the latest message's intent, the `lang` slot and the pre-application form's token and asked step;
    adds each step's time to `clock`. Should the processor not have the steps of Rasa 3.6 (another Rasa
    version), the turn goes through `on_new_message` and the tracker is read back once."""
    clock = clock or StageClock()
    processor = agent.processor
    steps = (
        "fetch_tracker_and_update_session",
        "_handle_message_with_tracker",
        "run_action_extract_slots",
        "_run_prediction_loop",
        "run_anonymization_pipeline",
        "save_tracker",
    )
    began = time.perf_counter()
    if not all(hasattr(processor, step) for step in steps):
        await on_new_message(message)
        tracker = await agent.tracker_store.retrieve(message.sender_id)
    else:
        _time_action_calls(processor)
        spent: list[float] = []
        token = _action_seconds.set(spent)
        try:
            async with agent.lock_store.lock(message.sender_id):
                t0 = time.perf_counter()
                tracker = await processor.fetch_tracker_and_update_session(
                    message.sender_id, message.output_channel, message.metadata
                )
                t1 = time.perf_counter()
                await processor._handle_message_with_tracker(message, tracker)
                t2 = time.perf_counter()
                tracker = await processor.run_action_extract_slots(message.output_channel, tracker)
                await processor._run_prediction_loop(message.output_channel, tracker)
                await processor.run_anonymization_pipeline(tracker)
                t3 = time.perf_counter()
                await processor.save_tracker(tracker)
                t4 = time.perf_counter()
        finally:
            _action_seconds.reset(token)
        clock.add("tracker_load", t1 - t0)
        clock.add("nlu", t2 - t1)
        clock.add("action_calls", sum(spent))
        clock.add("core", t3 - t2 - sum(spent))
        clock.add("tracker_save", t4 - t3)
    clock.turns += 1
    clock.add("total", time.perf_counter() - began)
    if tracker is None:
        return None, None, None
    form = form_of(tracker.active_loop_name, tracker.get_slot("form_token"), tracker.get_slot("requested_slot"))
    return tracker.latest_message.intent, tracker.get_slot("lang"), form
