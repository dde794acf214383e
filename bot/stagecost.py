"""Per-stage cost of a farmer's message under load: `python -m bot.stagecost` (needs a running Rasa + actions).

    python -m bot.stagecost --rasa-url http://127.0.0.1:5005 --concurrency 16 --messages 320

How it measures (one command, one table, load average printed with it):
- The bot's side runs in this process exactly as `python -m bot` wires it (web channel, pipeline, SQLite database
  in a temporary directory) and is driven through the web API in-process (httpx ASGI transport) by
  `--concurrency` farmers at once, under pyinstrument. `asyncio.to_thread` runs inline here so the profiler sees
  the work the bot hands to threads (scam model, database writes) on the one thread it samples.
- The Rasa server's side comes from the Nonghui input channel's own clock (rasa_ext/channel.py, GET
  /webhooks/nonghui/timings): tracker-store load, NLU, dialogue core, calls to the action server, tracker-store
  save, summed over exactly the turns of this run.
- Inside the action server: the knowledge answers (query embedding, retrieval, answer composition) are the same
  service run in this process under the same profiler, for the same questions.
A stage's cost is its own time: a pipeline stage's time minus the time of the stages inside it.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import httpx

from bot.bench import VISIT, load_average

# (path fragment, function name) → stage. The first match on a frame wins; nested matches are inner stages.
STAGES: tuple[tuple[str, str, str], ...] = (
    ("bot/web/app.py", "chat", "channel: web API handler (FastAPI, validation, rendering)"),
    ("bot/arrivals.py", "handle", "DB writes: arrival recorder"),
    ("bot/transcript.py", "handle", "DB writes: transcript"),
    ("bot/campaigns/", "handle", "campaign greeter"),
    ("bot/handoff/", "handle", "hand-off gate (DB read)"),
    ("bot/erasure.py", "handle", "erasure check"),
    ("bot/scam_shield.py", "handle", "scam shield"),
    ("bot/conversation.py", "handle", "input hygiene and language"),
    ("bot/fallback.py", "handle", "fallback wrapper"),
    ("bot/rasa_client.py", "handle", "Rasa round trip (waiting, seen from the bot)"),
    ("knowledge/embedding/", "embed_queries", "knowledge: query embedding"),
    ("knowledge/retriever.py", "search", "knowledge: retrieval"),
    ("knowledge/answer.py", "compose", "knowledge: answer composition"),
    ("knowledge/service.py", "answer", "knowledge: other (spelling, follow-ups)"),
)
KNOWLEDGE_QUESTIONS = (
    "脱贫户贷款最多能贷多少钱？",
    "农业保险怎么买？",
    "What is the interest rate for poverty alleviation microcredit?",
    "有人打电话说我中奖了，要先交手续费，是骗子吗？",
)
RASA_STAGES = {
    "tracker_load": "Rasa: tracker store load (+ session start)",
    "nlu": "Rasa: NLU",
    "core": "Rasa: dialogue core (policies, slots, forms)",
    "action_calls": "Rasa: action server calls (HTTP + action)",
    "tracker_save": "Rasa: tracker store save",
}


@dataclass
class StageTable:
    """Milliseconds per message by stage, and how many messages they were measured over."""

    ms: dict[str, float]
    messages: int


def _match(path: str, function: str) -> str | None:
    path = path.replace("\\", "/")
    for fragment, name, stage in STAGES:
        if fragment in path and function == name:
            return stage
    return None


def attribute(root: Any, outside: str = "HTTP/ASGI and event loop (in-process)") -> dict[str, float]:
    """Seconds of own time per stage in a pyinstrument frame tree (a stage's time minus its inner stages')."""
    totals: dict[str, float] = defaultdict(float)

    def inner_stage_time(frame: Any) -> float:
        spent = 0.0
        for child in frame.children:
            if _match(child.file_path or "", child.function or ""):
                spent += child.time
            else:
                spent += inner_stage_time(child)
        return spent

    def walk(frame: Any, current: str) -> None:
        stage = _match(frame.file_path or "", frame.function or "")
        if stage is not None:
            totals[stage] += frame.time - inner_stage_time(frame)
            current = stage
        for child in frame.children:
            walk(child, current)

    def top(frame: Any) -> None:
        if _match(frame.file_path or "", frame.function or ""):
            walk(frame, outside)
            return
        if not frame.children:
            totals[outside] += frame.time
            return
        totals[outside] += frame.time - sum(c.time for c in frame.children)
        for child in frame.children:
            top(child)

    if root is not None:
        top(root)
    return dict(totals)


async def _inline(func: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
    return func(*args, **kwargs)


async def _drive(app: Any, farmers: int, messages: int) -> tuple[int, float]:
    """Send `messages` turns (VISIT, one conversation per visit) from `farmers` concurrent farmers in-process."""
    sent = 0
    lock = asyncio.Lock()
    transport = httpx.ASGITransport(app=app)

    async def farmer(client: httpx.AsyncClient, number: int) -> None:
        nonlocal sent
        while True:
            sender = f"stage-{uuid.uuid4().hex[:10]}-{number}"
            for text in VISIT:
                async with lock:
                    if sent >= messages:
                        return
                    sent += 1
                response = await client.post("/api/chat", json={"sender_id": sender, "text": text})
                response.raise_for_status()

    began = time.perf_counter()
    async with httpx.AsyncClient(transport=transport, base_url="http://stagecost", timeout=120) as client:
        await asyncio.gather(*(farmer(client, n) for n in range(farmers)))
    return sent, time.perf_counter() - began


async def _rasa_clock(http: httpx.AsyncClient, rasa_url: str, token: str) -> dict[str, Any]:
    response = await http.get(f"{rasa_url}/webhooks/nonghui/timings", headers={"X-Nonghui-Token": token})
    response.raise_for_status()
    body: dict[str, Any] = response.json()
    return body


async def measure(rasa_url: str, farmers: int, messages: int, workdir: Path) -> tuple[StageTable, StageTable, str]:
    """Run the load under the profiler; returns the bot+Rasa table, the knowledge table and the profile text."""
    from pyinstrument import Profiler

    from bot.campaigns.wiring import CampaignParts
    from bot.channel import ChannelDeps
    from bot.channels import enabled_channels
    from bot.handoff.wiring import HandoffParts
    from bot.knowledge_client import RemoteKnowledge, action_base_url
    from bot.pipeline import PipelineParts, build_pipeline
    from bot.rasa_client import RasaDialogue
    from bot.settings import BotSettings
    from bot.web.app import create_app
    from knowledge.scam import ScamDetector
    from knowledge.service import build_knowledge_service
    from store.crypto import draft_cipher_from_settings
    from store.db import make_engine, migrate, session_factory
    from store.form_guard import SqlFormGuardStore
    from store.number_drafts import NumberVault
    from store.rasa_tracker import RasaTrackerEraser
    from store.repository import SqlFarmerContacts, SqlSeenUpdates
    from store.transcript import SqlTranscript

    settings = BotSettings(
        database_url=f"sqlite:///{workdir / 'stagecost.db'}", rasa_url=rasa_url, telegram_bot_token=None
    )
    engine = make_engine(settings.resolved_database_url)
    migrate(engine)
    sessions = session_factory(engine)
    handoff = HandoffParts.build(settings, sessions)
    campaigns = CampaignParts.build(settings, sessions)
    contacts = SqlFarmerContacts(sessions)
    numbers = NumberVault(sessions, draft_cipher_from_settings(settings))
    token = settings.resolved_rasa_token()
    knowledge = build_knowledge_service(settings.resolved_index_dir, settings.resolved_embedding_model)
    async with httpx.AsyncClient(timeout=60) as http:
        rasa = RasaDialogue(http, settings.resolved_rasa_urls, token, settings.rasa_timeout_seconds)
        pipeline = build_pipeline(
            PipelineParts(
                rasa=rasa,
                knowledge=RemoteKnowledge(
                    action_base_url(settings.resolved_action_url), settings.resolved_action_secret()
                ),
                scam_detector=ScamDetector.default(),
                eraser=RasaTrackerEraser(make_engine(f"sqlite:///{workdir / 'tracker.db'}")),
                numbers=numbers,
                erasure_requests=numbers,
                handoff_gate=partial(handoff.gate, understand=rasa.understand),
                campaign_greeter=campaigns.greeter,
                transcript=SqlTranscript(sessions),
                contacts=contacts,
                handoffs=handoff.handoffs,
                form_guard=SqlFormGuardStore(sessions),
            )
        )
        pipeline.scam_shield.warm_up()
        knowledge.warm_up()
        deps = ChannelDeps(
            dialogue=pipeline.engine,
            contacts=contacts,
            seen=SqlSeenUpdates(sessions),
            handoffs=handoff.handoffs,
            outbox=handoff.outbox,
        )
        web = [c for c in enabled_channels(settings) if c.name == "web"]
        app = create_app([partial(channel.mount, deps=deps) for channel in web])
        await _drive(app, 2, 10)  # warm-up: models, database, connections
        original = asyncio.to_thread
        asyncio.to_thread = _inline
        try:
            before = await _rasa_clock(http, rasa_url, token)
            profiler = Profiler(async_mode="enabled", interval=0.001)
            profiler.start()
            sent, _wall = await _drive(app, farmers, messages)
            profiler.stop()
            after = await _rasa_clock(http, rasa_url, token)
            knowledge_profiler = Profiler(interval=0.001)
            knowledge_profiler.start()
            rounds = max(1, messages // 20)
            for _ in range(rounds):
                for question in KNOWLEDGE_QUESTIONS:
                    knowledge.answer(question, lang="en" if question.isascii() else "zh")
            knowledge_profiler.stop()
        finally:
            asyncio.to_thread = original
    engine.dispose()
    bot_seconds = attribute(profiler.last_session.root_frame() if profiler.last_session else None)
    rasa_turns = after["turns"] - before["turns"]
    rasa_ms = {k: (after["ms"][k] - before["ms"].get(k, 0.0)) / max(1, rasa_turns) for k in after["ms"]}
    table = {stage: seconds * 1000 / max(1, sent) for stage, seconds in bot_seconds.items()}
    wait = table.get("Rasa round trip (waiting, seen from the bot)", 0.0)
    for key, label in RASA_STAGES.items():
        table[label] = rasa_ms.get(key, 0.0)
    table["Rasa round trip (waiting, seen from the bot)"] = max(0.0, wait - rasa_ms.get("total", 0.0))
    calls = rounds * len(KNOWLEDGE_QUESTIONS)
    k_seconds = attribute(knowledge_profiler.last_session.root_frame() if knowledge_profiler.last_session else None)
    k_table = {stage: s * 1000 / calls for stage, s in k_seconds.items() if stage.startswith("knowledge")}
    return StageTable(table, sent), StageTable(k_table, calls), profiler.output_text(unicode=True, show_all=False)


def render(bot: StageTable, knowledge: StageTable, farmers: int, loads: Iterable[str]) -> str:
    """The per-stage table as Markdown, with the load averages it was measured under."""
    lines = [*loads, "", f"{bot.messages} messages from {farmers} farmers at once (wall-clock ms per message)", ""]
    lines += ["| stage | ms / message |", "|---|---:|"]
    rename = {"Rasa round trip (waiting, seen from the bot)": "HTTP bot↔Rasa and queueing (round trip − Rasa's own)"}
    for stage, ms in sorted(bot.ms.items(), key=lambda kv: -kv[1]):
        lines.append(f"| {rename.get(stage, stage)} | {ms:.1f} |")
    lines.append(f"| **total** | **{sum(bot.ms.values()):.1f}** |")
    lines += ["", f"Inside the action server, per knowledge answer ({knowledge.messages} answers, one at a time):", ""]
    lines += ["| stage | ms / answer |", "|---|---:|"]
    for stage, ms in sorted(knowledge.ms.items(), key=lambda kv: -kv[1]):
        lines.append(f"| {stage} | {ms:.1f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, measure and print the table (and, with --profile, pyinstrument's call tree)."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rasa-url", default=os.environ.get("NONGHUI_RASA_URL", "http://127.0.0.1:5005"))
    parser.add_argument("--concurrency", type=int, default=16, help="farmers at once")
    parser.add_argument("--messages", type=int, default=320, help="messages in the measured run")
    parser.add_argument("--profile", action="store_true", help="also print pyinstrument's call tree")
    args = parser.parse_args(argv)
    loads = [f"before: {load_average()}"]
    with tempfile.TemporaryDirectory(prefix="nonghui-stagecost-") as work:
        bot, knowledge, profile = asyncio.run(measure(args.rasa_url, args.concurrency, args.messages, Path(work)))
    loads.append(f"after:  {load_average()}")
    print(render(bot, knowledge, args.concurrency, loads))
    if args.profile:
        print(profile)
    return 0


if __name__ == "__main__":
    sys.exit(main())
