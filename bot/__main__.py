"""`python -m bot`: the bot process's composition root (web chat + JSON API, and Telegram when configured)."""

from __future__ import annotations

import asyncio
import logging
import threading

import httpx
import uvicorn

from bot.arrivals import ArrivalRecorder
from bot.campaigns.wiring import CampaignParts
from bot.conversation import Conversation
from bot.erasure import ConversationErasure
from bot.fallback import ResilientDialogue
from bot.handoff.delivery import TelegramSender
from bot.handoff.wiring import HandoffParts
from bot.rasa_client import RasaDialogue
from bot.scam_shield import ScamShield
from bot.settings import BotSettings
from bot.shutdown import exit_quietly_on_signals
from bot.transcript import TranscriptRecorder
from bot.web.app import create_web_app
from knowledge.errors import NonghuiError
from knowledge.scam import ScamDetector
from knowledge.service import build_knowledge_service
from store.db import make_engine, migrate, session_factory
from store.rasa_tracker import RasaTrackerEraser
from store.repository import SqlFarmerContacts, SqlSeenUpdates
from store.transcript import SqlTranscript

log = logging.getLogger("bot")


async def serve(settings: BotSettings) -> None:
    """Build every collaborator from settings and serve until SIGINT/SIGTERM."""
    engine = make_engine(settings.resolved_database_url)
    await asyncio.to_thread(migrate, engine)
    sessions = session_factory(engine)
    contacts = SqlFarmerContacts(sessions)
    handoff = HandoffParts.build(settings, sessions)
    campaigns = CampaignParts.build(settings, sessions)
    campaigns.install_console(handoff.console)
    seen = SqlSeenUpdates(sessions)
    tracker_engine = make_engine(settings.resolved_rasa_tracker_url)
    knowledge = build_knowledge_service(settings.resolved_index_dir, settings.resolved_embedding_model)
    token = settings.rasa_token.get_secret_value() if settings.rasa_token else None
    async with httpx.AsyncClient() as http:
        rasa = RasaDialogue(http, settings.rasa_url, token, settings.rasa_timeout_seconds)
        shield = ScamShield(Conversation(ResilientDialogue(rasa, knowledge)), ScamDetector.default())
        threading.Thread(target=shield.warm_up, name="scam-warm-up", daemon=True).start()
        erasure = ConversationErasure(shield, RasaTrackerEraser(tracker_engine))
        conversation = TranscriptRecorder(
            campaigns.greeter(handoff.gate(erasure, understand=rasa.understand)), SqlTranscript(sessions)
        )
        web = create_web_app(ArrivalRecorder(conversation, contacts), extensions=[handoff.install])
        server = uvicorn.Server(
            uvicorn.Config(web, host=settings.web_host, port=settings.web_port, log_level="info", access_log=False)
        )
        telegram = None
        if settings.telegram_bot_token:
            from bot.telegram.runner import TelegramRunner

            telegram = TelegramRunner.from_settings(
                settings, dialogue=conversation, seen=seen, contacts=contacts, handoffs=handoff.handoffs
            )
            await telegram.start()
            handoff.senders["telegram"] = TelegramSender(telegram.application.bot)
        handoff.start_jobs()
        try:
            await server.serve()
        finally:
            await handoff.stop_jobs()
            if telegram is not None:
                await telegram.stop()
            engine.dispose()
            tracker_engine.dispose()


def main() -> None:
    """Configure logging and run the bot; a configuration problem ends it with a clear message, not a traceback."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    exit_quietly_on_signals()
    try:
        asyncio.run(serve(BotSettings()))
    except NonghuiError as err:
        log.error("cannot start: %s", err)
        raise SystemExit(2) from None


if __name__ == "__main__":
    main()
