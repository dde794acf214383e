"""`python -m bot`: the bot process's composition root (the enabled channels around one dialogue pipeline)."""

from __future__ import annotations

import asyncio
import logging
import threading
from datetime import timedelta
from functools import partial

import httpx
import uvicorn

from bot.campaigns.wiring import CampaignParts
from bot.channel import ChannelDeps
from bot.channels import enabled_channels, running_channels
from bot.erasure import TrackerSweeper
from bot.fallback import OutagePolicy
from bot.handoff.wiring import HandoffParts
from bot.knowledge_client import RemoteKnowledge, action_base_url
from bot.limits import MemoryRateLimiter
from bot.pipeline import PipelineParts, build_pipeline
from bot.rasa_client import RasaDialogue
from bot.settings import BotSettings
from bot.shared_state import RedisLanguageMemory, open_shared_state, purge_expired_values, redis_client
from bot.shutdown import exit_quietly_on_signals
from bot.staff.wiring import build_console
from bot.voice.pending import SharedPendingTranscripts
from bot.voice.wiring import build_voice_notes
from bot.web.app import create_app
from core.errors import NonghuiError
from core.settings import keep_files_private, require_named_environment
from knowledge.retriever import IndexSpeller
from knowledge.scam import ScamDetector
from store.crypto import cipher_from_settings, draft_cipher_from_settings
from store.db import make_engine, migrate, session_factory
from store.form_guard import SqlFormGuardStore
from store.handoff_audio import SqlHandoffAudio
from store.number_drafts import NumberVault
from store.rasa_tracker import RasaTrackerEraser
from store.repository import SqlFarmerContacts, SqlSeenUpdates
from store.transcript import SqlTranscript

log = logging.getLogger("bot")


async def serve(settings: BotSettings) -> None:
    """Build every collaborator from settings and serve until SIGINT/SIGTERM."""
    engine = make_engine(settings.resolved_database_url)
    await asyncio.to_thread(migrate, engine)
    sessions = session_factory(engine)
    tracker_engine = make_engine(settings.resolved_rasa_tracker_url)
    limiter = MemoryRateLimiter()  # one per process: web chat, hand-off requests and staff logins
    handoff = HandoffParts.build(settings, sessions, limiter=limiter)
    # The staff console is built on its own and handed to the features that add pages to it.
    console = build_console(
        settings,
        sessions,
        handoffs=handoff.handoffs,
        outbox=handoff.outbox,
        stations=handoff.stations,
        notify_outbox=handoff.wake_delivery,
        limiter=limiter,
    )
    campaigns = CampaignParts.build(settings, sessions)
    campaigns.install_console(console)
    # The Rasa-down fallback asks the action server's knowledge service: no embedding model in this process.
    knowledge = RemoteKnowledge(
        action_base_url(settings.resolved_action_url),
        settings.resolved_action_secret(),
        timeout=settings.answer_within_seconds,  # the fallback never waits longer: no thread held past that
    )
    contacts = SqlFarmerContacts(sessions)
    cipher = cipher_from_settings(settings)  # the data key: hand-off recordings, pending transcripts
    # Drafts use their own derived key, the one the action server opens them with (store/crypto.py).
    numbers = NumberVault(
        sessions, draft_cipher_from_settings(settings), ttl=timedelta(hours=settings.number_draft_hours)
    )
    state = open_shared_state(settings, sessions)  # values every bot worker sees (database or Redis)
    tracker_eraser = RasaTrackerEraser(tracker_engine)
    sweeper = TrackerSweeper(tracker_eraser, numbers, max_age=timedelta(days=settings.tracker_max_age_days))
    guard_store = SqlFormGuardStore(sessions)  # offered buttons, form steps, confirmations (bot/form_guard.py)
    token = settings.resolved_rasa_token()
    async with httpx.AsyncClient() as http:
        rasa = RasaDialogue(http, settings.resolved_rasa_urls, token, settings.rasa_timeout_seconds)
        pipeline = build_pipeline(
            PipelineParts(
                rasa=rasa,
                knowledge=knowledge,
                scam_detector=ScamDetector.default(),
                eraser=tracker_eraser,
                numbers=numbers,
                erasure_requests=numbers,
                handoff_gate=partial(handoff.gate, understand=rasa.understand),
                campaign_greeter=campaigns.greeter,
                transcript=SqlTranscript(sessions),
                contacts=contacts,
                handoffs=handoff.handoffs,
                voice_max_seconds=settings.voice_max_seconds,
                voice_pending=SharedPendingTranscripts(state, cipher),
                form_guard=guard_store,
                outage=OutagePolicy(
                    answer_within_seconds=settings.answer_within_seconds,
                    engine_budget_seconds=settings.rasa_turn_budget_seconds,
                ),
                rasa_health=rasa.healthy,
                language_memory=(
                    RedisLanguageMemory(redis_client(settings.redis_url), settings.redis_prefix)
                    if settings.redis_url
                    else None
                ),
            )
        )
        voice = build_voice_notes(settings, IndexSpeller(settings.resolved_index_dir))
        threading.Thread(target=pipeline.scam_shield.warm_up, name="scam-warm-up", daemon=True).start()
        threading.Thread(target=pipeline.fallback.warm_up, name="fallback-warm-up", daemon=True).start()
        deps = ChannelDeps(
            dialogue=pipeline.engine,
            contacts=contacts,
            seen=SqlSeenUpdates(sessions),
            handoffs=handoff.handoffs,
            outbox=handoff.outbox,
            limiter=limiter,
            state=state,
            voice=voice,
            handoff_audio=SqlHandoffAudio(sessions, cipher),  # web recordings kept for staff during a hand-off
        )
        channels = enabled_channels(settings)
        web = create_app(
            [*(partial(channel.mount, deps=deps) for channel in channels), console.install],
            production=settings.env == "production",
            ready=lambda: pipeline.scam_shield.warmed,
        )
        server = uvicorn.Server(
            uvicorn.Config(web, host=settings.web_host, port=settings.web_port, log_level="info", access_log=False)
        )
        async with running_channels(channels, deps, handoff.senders):
            jobs: list[asyncio.Task[None]] = []
            if settings.background_jobs:  # one worker of several runs the jobs
                handoff.start_jobs()
                every = settings.tracker_sweep_minutes * 60
                jobs.append(asyncio.create_task(sweeper.run(every), name="tracker-sweep"))
                jobs.append(asyncio.create_task(purge_expired_values(state, every), name="state-purge"))
            try:
                await server.serve()
            finally:
                for job in jobs:
                    job.cancel()
                await handoff.stop_jobs()
                voice.close()
                engine.dispose()
                tracker_engine.dispose()


def main() -> None:
    """Configure logging and run the bot; a configuration problem ends it with a clear message, not a traceback."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    exit_quietly_on_signals()
    keep_files_private()
    try:
        settings = BotSettings()
        require_named_environment(settings, exposed=settings.reachable_from_outside)
        asyncio.run(serve(settings))
    except NonghuiError as err:
        log.error("cannot start: %s", err)
        raise SystemExit(2) from None


if __name__ == "__main__":
    main()
