"""An in-process bot with the hand-off gate and the staff console, served on loopback for browser tests.

Real pieces: SQLite store with migrations, the station registry, python-telegram-bot polling the fake Bot API
server, uvicorn serving the web app (chat API, `/api/messages`, the console), the outbox delivery loop. The
dialogue behind the gate is scripted (the browser tests are about the hand-off, not about Rasa).
"""

from __future__ import annotations

import asyncio
import re
import socket
from dataclasses import dataclass, field
from pathlib import Path

import uvicorn
from fastapi import FastAPI

from bot.arrivals import ArrivalRecorder
from bot.handoff.wiring import HandoffParts
from bot.messages import BotReply, IntentInfo, SourceRef, TurnResult, UserTurn
from bot.settings import BotSettings
from bot.staff.console import StaffConsole
from bot.staff.wiring import build_console
from bot.telegram import build_telegram_application, start_polling, stop
from bot.telegram.sender import TelegramSender
from bot.transcript import TranscriptRecorder
from bot.web.app import create_web_app
from bot.web.messages_api import messages_router
from loans.stations import load_stations
from store.db import make_engine, migrate, session_factory, session_scope
from store.repository import SqlFarmerContacts
from store.stations import sync_stations
from store.transcript import SqlTranscript
from tests.bot.fakes import trusted_identity
from tests.factories import sample_form
from tests.fakes.telegram_api import FakeTelegramServer
from tests.fakes.telegram_ports import InMemorySeenUpdates

PASSWORD = "a long staff password"
_CJK = re.compile(r"[\u4e00-\u9fff]")


class ScriptedDialogue:
    """Stands in for Rasa: recognises a request for a person, greets, and answers questions with a source."""

    def __init__(self) -> None:
        self.turns: list[UserTurn] = []

    async def handle(self, turn: UserTurn) -> TurnResult:
        """A fixed answer per kind of turn, in the farmer's language."""
        self.turns.append(turn)
        lang = turn.lang or ("zh" if _CJK.search(turn.text) or turn.text.startswith("/greet") else "en")
        if "找人" in turn.text or "person" in turn.text.lower():
            return TurnResult(
                replies=[BotReply(text="(rasa)")], intent=IntentInfo(name="human_handoff", confidence=0.97), lang=lang
            )
        if turn.text.startswith("/greet"):
            return TurnResult(
                replies=[BotReply(text="您好，我是农惠助手。")],
                intent=IntentInfo(name="greet", confidence=1.0),
                lang=lang,
            )
        answer = (
            "脱贫人口小额信贷一般 5 万元以内，期限 3 年以内。" if lang == "zh" else "Microcredit is up to 50,000 yuan."
        )
        return TurnResult(
            replies=[BotReply(text=answer, sources=[SourceRef(title="小额信贷政策问答", locator="第2节")])],
            intent=IntentInfo(name="ask_loan", confidence=0.91),
            lang=lang,
        )


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class StaffStack:
    """The running in-process bot: `url` of the web app, the fake Telegram server, the stores."""

    home: Path
    telegram: FakeTelegramServer = field(default_factory=FakeTelegramServer)
    url: str = ""
    parts: HandoffParts | None = None
    console: StaffConsole | None = None
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)

    async def start(self) -> StaffStack:
        """Start everything; returns once the web server accepts connections."""
        self.telegram.start()
        port = free_port()
        settings = BotSettings(
            home=self.home,
            env="development",
            database_url=f"sqlite:///{self.home / 'nonghui.db'}",
            outbox_poll_seconds=0.5,
            web_port=port,
        )
        self._engine = make_engine(settings.resolved_database_url)
        await asyncio.to_thread(migrate, self._engine)
        sessions = session_factory(self._engine)
        with session_scope(sessions) as session:
            sync_stations(session, load_stations())
        parts = HandoffParts.build(settings, sessions)
        self.parts = parts
        self.console = build_console(
            settings,
            sessions,
            handoffs=parts.handoffs,
            outbox=parts.outbox,
            stations=parts.stations,
            notify_outbox=parts.wake_delivery,
        )
        staff = self.console.services.staff
        staff.create_user(username="qs", password=PASSWORD, display_name="青山小王", station_code="ZJ-QS")
        staff.create_user(username="hx", password=PASSWORD, display_name="河西小张", station_code="ZJ-HX")
        staff.create_user(username="desk", password=PASSWORD, display_name="热线小陈")
        staff.create_user(username="admin", password=PASSWORD, display_name="管理员", role="admin")
        self.dialogue = ScriptedDialogue()
        contacts = SqlFarmerContacts(sessions)
        conversation = TranscriptRecorder(parts.gate(self.dialogue), SqlTranscript(sessions))
        self.bot = build_telegram_application(
            token=self.telegram.token,
            api_base_url=self.telegram.base_url,
            dialogue=conversation,
            seen=InMemorySeenUpdates(),
            contacts=contacts,
            handoffs=parts.handoffs,
        )
        await start_polling(self.bot)
        parts.senders["telegram"] = TelegramSender(self.bot.bot)
        parts.start_jobs()
        console = self.console

        identity = trusted_identity()

        def staff_routes(app: FastAPI) -> None:
            app.include_router(messages_router(parts.outbox, identity))
            console.install(app)

        web = create_web_app(ArrivalRecorder(conversation, contacts), extensions=[staff_routes], identity=identity)
        self._server = uvicorn.Server(
            uvicorn.Config(web, host="127.0.0.1", port=port, log_level="warning", lifespan="off", access_log=False)
        )
        self._tasks.append(asyncio.create_task(self._server.serve()))
        while not self._server.started:
            await asyncio.sleep(0.02)
        self.url = f"http://127.0.0.1:{port}"
        return self

    def submit_application(self, external_id: str, station_code: str, lang: str = "zh") -> str:
        """A pre-application of the Telegram farmer `external_id`; returns its reference."""
        assert self.console is not None
        form = sample_form(
            form_token=f"tg-{external_id}-form", external_id=external_id, lang=lang, station_code=station_code
        )
        return self.console.services.applications.submit_application(form).application.reference

    async def stop(self) -> None:
        """Stop the web server, the jobs, the Telegram client and the fake server."""
        self._server.should_exit = True
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self.parts is not None:
            await self.parts.stop_jobs()
        await stop(self.bot)
        self.telegram.stop()
        self._engine.dispose()
