"""The channel seam: a tiny in-memory channel, added the way the README says, carries a farmer through the whole
pipeline (campaign arrival, question, button, hand-off reply from staff, status notice)."""

from __future__ import annotations

from datetime import date, timedelta
from functools import partial

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

import bot.channels
import core.channels
from bot.campaigns.keys import decode_campaign_key, generate_campaign_key
from bot.campaigns.payloads import PayloadSigner
from bot.campaigns.topics import greeting
from bot.campaigns.wiring import CampaignParts
from bot.channel import ChannelDeps, Sender
from bot.channels import enabled_channels, running_channels
from bot.handoff.delivery import OutboxDelivery
from bot.handoff.wiring import HandoffParts
from bot.messages import BotReply, IntentInfo, TurnResult, UserTurn
from bot.pipeline import PipelineParts, build_pipeline
from bot.settings import BotSettings
from bot.staff.wiring import build_console
from bot.web.app import create_app
from core.channels import ChannelSpec, sender_id
from core.intents import Intent
from core.text import bi
from knowledge.scam.detector import ScamDetector
from knowledge.scam.rate import LprConfig
from knowledge.scam.rules import RuleSet
from loans.stations import load_stations
from store.campaigns import CampaignSpec, PlacementSpec
from store.crypto import FieldCipher, decode_key, generate_key
from store.db import make_engine, migrate, session_factory, session_scope
from store.models import CampaignArrival, ConversationTurn
from store.number_drafts import NumberVault
from store.outbox import OutboxItem
from store.repository import SqlFarmerContacts, SqlSeenUpdates
from store.staff import SqlStaff
from store.stations import sync_stations
from store.transcript import SqlTranscript
from tests.bot.staff.conftest import PASSWORD, application_form, csrf_of, login

MEMORY = ChannelSpec("memory", "mem", bi("内存", "Memory"))


class MemoryChannel:
    """A channel whose farmers live in a list: `say` is a farmer writing, `inbox` what reached them later."""

    name = MEMORY.name
    enabled = True

    def __init__(self) -> None:
        self.deps: ChannelDeps | None = None
        self.inbox: list[tuple[str, str]] = []

    def campaign_link(self, payload: str) -> str | None:
        return f"memory://start/{payload}"

    def mount(self, app: FastAPI, deps: ChannelDeps) -> None:
        """Nothing to mount."""

    async def start(self, deps: ChannelDeps) -> None:
        self.deps = deps

    async def stop(self) -> None:
        self.deps = None

    def sender(self) -> Sender | None:
        return self

    async def send(self, item: OutboxItem) -> None:
        self.inbox.append((item.external_id, item.text))

    async def say(self, farmer: str, text: str, **metadata: object) -> TurnResult:
        assert self.deps is not None, "the channel was not started"
        turn = UserTurn(sender_id=sender_id(self.name, farmer), text=text, channel=self.name, metadata=metadata)
        return await self.deps.dialogue.handle(turn)


class ScriptedRasa:
    """Stands in for the Rasa server: answers a question, greets, and remembers the turns it was sent."""

    def __init__(self) -> None:
        self.turns: list[UserTurn] = []

    async def handle(self, turn: UserTurn) -> TurnResult:
        self.turns.append(turn)
        if turn.text == Intent.GREET.payload:
            return TurnResult(
                replies=[BotReply(text="您好！")], intent=IntentInfo(name="greet", confidence=1), lang="zh"
            )
        reply = BotReply(text="扶贫小额信贷由财政贴息。")
        return TurnResult(replies=[reply], intent=IntentInfo(name=Intent.ASK_LOAN, confidence=0.9), lang="zh")


class NoEraser:
    def erase(self, sender_id: str) -> int:
        return 0


@pytest.fixture
def memory_row(monkeypatch: pytest.MonkeyPatch) -> ChannelSpec:
    """The one row a new channel adds to the channel table."""
    monkeypatch.setattr(core.channels, "CHANNEL_TABLE", (*core.channels.CHANNEL_TABLE, MEMORY))
    monkeypatch.setitem(core.channels._BY_NAME, MEMORY.name, MEMORY)
    monkeypatch.setitem(core.channels._BY_PREFIX, MEMORY.prefix, MEMORY)
    return MEMORY


@pytest.fixture
def channel(monkeypatch: pytest.MonkeyPatch) -> MemoryChannel:
    """The one entry a new channel adds to the list of channels (bot/channels.py)."""
    memory = MemoryChannel()
    monkeypatch.setattr(bot.channels, "CHANNELS", (*bot.channels.CHANNELS, lambda _settings: memory))
    return memory


@pytest.fixture
def sessions(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'seam.db'}")
    migrate(engine)
    factory = session_factory(engine)
    with session_scope(factory) as session:
        sync_stations(session, load_stations())
    yield factory
    engine.dispose()


async def test_a_new_channel_carries_a_farmer_through_the_whole_pipeline(memory_row, channel, sessions, tmp_path):
    key = generate_campaign_key()
    settings = BotSettings(home=tmp_path, campaign_key=key, handoff_default_station="ZJ-QS")
    handoff = HandoffParts.build(settings, sessions)
    console = build_console(
        settings, sessions, handoffs=handoff.handoffs, outbox=handoff.outbox, stations=handoff.stations
    )
    campaigns = CampaignParts.build(settings, sessions)
    campaigns.install_console(console)
    rasa = ScriptedRasa()
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
        )
    )
    deps = ChannelDeps(
        dialogue=pipeline.engine,
        contacts=contacts,
        seen=SqlSeenUpdates(sessions),
        handoffs=handoff.handoffs,
        outbox=handoff.outbox,
    )
    store = campaigns.store
    today = date.today()
    store.add_campaign(
        CampaignSpec(
            slug="spring-loans",
            name="春耕贷款",
            organiser="县农业农村局",
            topic="loan",
            starts_on=today - timedelta(days=1),
            ends_on=today + timedelta(days=30),
        )
    )
    placement = store.add_placement("spring-loans", PlacementSpec(kind="poster", location="李家村村委会"))
    payload = PayloadSigner(decode_campaign_key(key)).sign(placement.code)
    staff = SqlStaff(sessions)
    staff.create_user(username="qs", password=PASSWORD, display_name="青山小王", station_code="ZJ-QS")
    channels = enabled_channels(settings)  # as the composition root does: the web chat and the new channel
    assert [c.name for c in channels] == ["web", "memory"]
    app = create_app([*(partial(c.mount, deps=deps) for c in channels), console.install])

    async with running_channels(channels, deps, handoff.senders):
        # The campaign link is the channel's own, and the arrival greets by the campaign's topic.
        assert campaigns.links().for_code(placement.code)["links"][-1] == ("memory", f"memory://start/{payload}")
        arrival = await channel.say("f1", Intent.GREET.payload, start_payload=payload)
        assert greeting("loan", "zh") in [reply.text for reply in arrival.replies]

        answer = await channel.say("f1", "扶贫小额信贷利息怎么算？")
        assert answer.replies[0].text == "扶贫小额信贷由财政贴息。"
        assert rasa.turns[-1].sender_id == "mem:f1" and rasa.turns[-1].channel == "memory"

        # A button press: the hand-off gate opens a hand-off for this farmer on this channel.
        await channel.say("f1", Intent.HUMAN_HANDOFF.payload)
        opened = handoff.handoffs.open_for("memory", "f1")
        assert opened is not None

        services_ref = console.services.applications.submit_application(
            application_form("f1", "ZJ-QS", channel="memory")
        ).application.reference
        with TestClient(app, follow_redirects=False) as client:
            login(client, "qs")
            replied = client.post(
                f"/staff/handoffs/{opened.id}/reply",
                data={"text": "您好，我是服务站小王。", "csrf_token": csrf_of(client)},
            )
            changed = client.post(
                f"/staff/applications/{services_ref}/status",
                data={"status": "contacted", "tell_farmer": "1", "csrf_token": csrf_of(client)},
            )
        assert replied.status_code == 303 and changed.status_code == 303
        assert "memory" in handoff.senders
        # One delivery round, as the outbox job runs it, through the senders the channels registered.
        delivered = await OutboxDelivery(handoff.outbox, handoff.senders).deliver_once()

    assert delivered == 2
    texts = [text for farmer, text in channel.inbox if farmer == "f1"]
    assert len(texts) == 2
    assert texts[0].endswith("您好，我是服务站小王。")  # the staff reply, signed with the station
    assert services_ref in texts[1]  # the status notice names the application
    assert channel.deps is None  # stopped on leaving
    with session_scope(sessions) as session:
        arrivals = list(session.scalars(select(CampaignArrival.channel)))
        transcript = set(session.scalars(select(ConversationTurn.channel)))
    assert arrivals == ["memory"] and transcript == {"memory"}
