"""Bot workers with the WeChat channel, served on real loopback ports, around the real pipeline (scripted Rasa).

Every worker is a whole bot web app (pipeline, hand-off gate, campaign greeter, staff console, WeChat push URL)
built the way bot/__main__.py builds it; workers of one stack share one database, as bot workers do.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import uvicorn
from sqlalchemy.orm import Session, sessionmaker

from bot.campaigns.keys import generate_campaign_key
from bot.campaigns.wiring import CampaignParts
from bot.channel import ChannelDeps
from bot.channels import running_channels
from bot.handoff.wiring import HandoffParts
from bot.messages import BotReply, Button, IntentInfo, SourceRef, TurnResult, UserTurn
from bot.pipeline import PipelineParts, build_pipeline
from bot.settings import BotSettings
from bot.staff.wiring import build_console
from bot.voice.listener import VoiceNotes
from bot.web.app import create_app
from bot.wechat.channel import WeChatChannel
from core.intents import Intent
from knowledge.scam.detector import ScamDetector
from knowledge.scam.rate import LprConfig
from knowledge.scam.rules import RuleSet
from loans.stations import load_stations
from store.channel_state import SqlChannelState
from store.crypto import FieldCipher, decode_key, generate_key
from store.db import make_engine, migrate, session_factory, session_scope
from store.number_drafts import NumberVault
from store.repository import SqlFarmerContacts, SqlSeenUpdates
from store.stations import sync_stations
from store.transcript import SqlTranscript
from tests.fakes.wechat_platform import FakeWeChat

LOAN_ANSWER = "扶贫小额信贷由财政贴息，不需要抵押担保。"
SLOW_WORD = "慢慢想"
LONG_WORD = "详细说说"
LONG_PARAGRAPH = "脱贫户和边缘易致贫户可以申请扶贫小额信贷，额度一般在五万元以下，期限三年以内。" * 12


class ScriptedRasa:
    """Stands in for the Rasa server: greets with buttons, answers questions, is slow on request."""

    def __init__(self, slow_seconds: float = 0.0, think_seconds: float = 0.0) -> None:
        self.turns: list[UserTurn] = []
        self.slow_seconds = slow_seconds
        self.think_seconds = think_seconds

    async def handle(self, turn: UserTurn) -> TurnResult:
        self.turns.append(turn)
        lang = "en" if turn.text.isascii() and not turn.text.startswith("/") else "zh"
        if self.think_seconds:
            await asyncio.sleep(self.think_seconds)
        if SLOW_WORD in turn.text:
            await asyncio.sleep(self.slow_seconds)
        if LONG_WORD in turn.text:
            text = "\n\n".join(f"第{n}段：{LONG_PARAGRAPH}" for n in (1, 2, 3))
            return TurnResult(
                replies=[BotReply(text=text)], intent=IntentInfo(name="ask_loan", confidence=0.9), lang="zh"
            )
        if turn.text == Intent.GREET.payload:
            buttons = [
                Button(title="我要申请贷款", payload=Intent.APPLY_LOAN.payload),
                Button(title="核实可疑短信", payload=Intent.CHECK_MESSAGE.payload),
            ]
            reply = BotReply(text="您好！我是农惠，可以回答贷款、保险和防骗的问题。", buttons=buttons)
            return TurnResult(replies=[reply], intent=IntentInfo(name="greet", confidence=1.0), lang="zh")
        if turn.text == Intent.APPLY_LOAN.payload:
            reply = BotReply(text="好的，我们开始预申请。请问您怎么称呼？")
            return TurnResult(replies=[reply], intent=IntentInfo(name=Intent.APPLY_LOAN, confidence=1.0), lang="zh")
        if turn.text == Intent.CHECK_MESSAGE.payload:
            reply = BotReply(text="请把您收到的可疑短信原文发给我，我帮您看看。")
            return TurnResult(replies=[reply], intent=IntentInfo(name=Intent.CHECK_MESSAGE, confidence=1.0), lang="zh")
        if lang == "en":
            reply = BotReply(text="Poverty-alleviation microcredit needs no collateral.")
            return TurnResult(replies=[reply], intent=IntentInfo(name=Intent.ASK_LOAN, confidence=0.9), lang="en")
        reply = BotReply(text=LOAN_ANSWER, sources=[SourceRef(title="小额信贷指南", locator="第二节")])
        return TurnResult(replies=[reply], intent=IntentInfo(name=Intent.ASK_LOAN, confidence=0.9), lang="zh")


class NoEraser:
    def erase(self, sender_id: str) -> int:
        return 0


def free_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


def shared_database(tmp_path: Path) -> sessionmaker[Session]:
    """The database the workers share (migrated, stations loaded)."""
    engine = make_engine(f"sqlite:///{tmp_path / 'wechat.db'}")
    migrate(engine)
    factory = session_factory(engine)
    with session_scope(factory) as session:
        sync_stations(session, load_stations())
    return factory


@dataclass
class Worker:
    """One running bot worker: its push URL, pieces tests look into, and its server."""

    url: str
    base: str
    rasa: ScriptedRasa
    handoff: HandoffParts
    campaigns: CampaignParts
    console: Any
    settings: BotSettings
    tasks: list[asyncio.Task[Any]] = field(default_factory=list)


def worker_settings(tmp_path: Path, wechat: FakeWeChat, campaign_key: str, **overrides: Any) -> BotSettings:
    """Settings of a worker pointed at the fake platform."""
    values: dict[str, Any] = {
        "home": tmp_path,
        "database_url": f"sqlite:///{tmp_path / 'wechat.db'}",
        "campaign_key": campaign_key,
        "handoff_default_station": "ZJ-QS",
        "outbox_poll_seconds": 0.1,
        "wechat_passive_seconds": 4.0,
        "TELEGRAM_BOT_TOKEN": None,
        **wechat.bot_settings(),
    }
    values.update(overrides)
    return BotSettings(**values)


@asynccontextmanager
async def running_worker(
    sessions: sessionmaker[Session], settings: BotSettings, rasa: ScriptedRasa, voice: VoiceNotes | None = None
) -> AsyncIterator[Worker]:
    """Build a worker like the composition root does and serve it on a free loopback port."""
    handoff = HandoffParts.build(settings, sessions)
    console = build_console(
        settings,
        sessions,
        handoffs=handoff.handoffs,
        outbox=handoff.outbox,
        stations=handoff.stations,
        notify_outbox=handoff.wake_delivery,
    )
    campaigns = CampaignParts.build(settings, sessions)
    campaigns.install_console(console)
    contacts = SqlFarmerContacts(sessions)
    vault = NumberVault(sessions, FieldCipher(decode_key(generate_key())))
    pipeline = build_pipeline(
        PipelineParts(
            rasa=rasa,
            knowledge=None,
            scam_detector=ScamDetector(RuleSet.from_yaml(), model=None, lpr=LprConfig.from_yaml()),
            eraser=NoEraser(),
            numbers=vault,
            erasure_requests=vault,
            handoff_gate=handoff.gate,
            campaign_greeter=campaigns.greeter,
            transcript=SqlTranscript(sessions),
            contacts=contacts,
            handoffs=handoff.handoffs,
        )
    )
    deps = ChannelDeps(
        dialogue=pipeline.engine,
        contacts=contacts,
        seen=SqlSeenUpdates(sessions),
        handoffs=handoff.handoffs,
        outbox=handoff.outbox,
        state=SqlChannelState(sessions),
        voice=voice,
    )
    channels = [WeChatChannel(settings)]
    app = create_app([*(partial(c.mount, deps=deps) for c in channels), console.install])
    sock = free_socket()
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off", access_log=False))
    async with running_channels(channels, deps, handoff.senders):
        handoff.start_jobs()
        serving = asyncio.create_task(server.serve(sockets=[sock]))
        while not server.started:
            await asyncio.sleep(0.01)
        base = f"http://127.0.0.1:{port}"
        try:
            yield Worker(f"{base}{settings.wechat_path}", base, rasa, handoff, campaigns, console, settings)
        finally:
            server.should_exit = True
            await serving
            await handoff.stop_jobs()


def new_campaign_key() -> str:
    """A campaign signing key for one stack."""
    return generate_campaign_key()
