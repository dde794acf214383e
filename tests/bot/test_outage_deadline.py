"""A farmer's turn during an outage is answered by its deadline however slow the fallback is: the stages share the
turn's budget (bot/deadline.py), the fallback search and the form check run side by side and are cut off, an open
circuit is closed by the health probe as soon as the engine is back, and scam scoring never waits for a model that
is still loading. Fake clocks and stalled fakes, no timing assertions."""

from __future__ import annotations

import asyncio
import threading

from bot.deadline import TurnDeadline, seconds_left, turn_deadline
from bot.fallback import OutagePolicy, ResilientDialogue
from bot.messages import BotReply, TurnResult, UserTurn
from bot.scam_shield import ScamShield
from bot.texts import text
from knowledge.answer_types import Answer
from knowledge.scam.types import ScamAssessment
from tests.bot.fakes import DownEngine, FakeKnowledge, RecordingEngine
from tests.bot.test_fallback import LOAN_ANSWER

QUICK = OutagePolicy(answer_within_seconds=0.5, engine_budget_seconds=0.05, open_seconds=60.0, probe_seconds=0.0)


def turn(said: str, sender: str = "web:1", lang: str | None = "zh") -> UserTurn:
    return UserTurn(sender_id=sender, text=said, channel="web", lang=lang)  # type: ignore[arg-type]


class SlowStage:
    """An outer stage that uses `seconds` of the turn's budget (on the fake clock) before passing the turn on."""

    def __init__(self, inner: object, now: list[float], seconds: float) -> None:
        self.inner, self.now, self.seconds = inner, now, seconds

    async def handle(self, turn: UserTurn) -> TurnResult:
        self.now[0] += self.seconds
        return await self.inner.handle(turn)  # type: ignore[attr-defined]


class StalledKnowledge(FakeKnowledge):
    """A knowledge base that never answers (like the action server while it loads), until released."""

    def __init__(self) -> None:
        super().__init__(LOAN_ANSWER)
        self.release = threading.Event()

    def answer(self, question: str, *, lang, topic=None, region=None, previous=None) -> Answer:  # type: ignore[no-untyped-def]
        self.questions.append((question, lang, topic))
        self.release.wait(30)
        return LOAN_ANSWER


class FlakyEngine:
    """Unavailable until `up` is set, then answers."""

    def __init__(self) -> None:
        self.up = False
        self.calls = 0

    async def handle(self, turn: UserTurn) -> TurnResult:
        self.calls += 1
        if not self.up:
            await DownEngine().handle(turn)
        return TurnResult(replies=[BotReply(text="来自Rasa")], lang="zh")


async def test_the_deadline_is_set_once_per_turn_and_shared_by_a_turn_inside_it() -> None:
    now = [100.0]
    seen: list[float | None] = []

    class Probe:
        async def handle(self, turn: UserTurn) -> TurnResult:
            seen.append(turn_deadline())
            now[0] += 1.0
            inner = TurnDeadline(RecordingEngine(), 3.0, clock=lambda: now[0])  # nested: keeps the outer deadline
            await inner.handle(turn)
            seen.append(turn_deadline())
            return TurnResult(replies=[BotReply(text="好")], lang="zh")

    await TurnDeadline(Probe(), 3.0, clock=lambda: now[0]).handle(turn("您好"))

    assert seen == [103.0, 103.0] and turn_deadline() is None
    assert seconds_left(7.0) == 7.0  # outside a turn: the caller's default


async def test_after_a_failure_earlier_stages_that_used_the_budget_mean_the_engine_is_skipped() -> None:
    now = [0.0]
    primary = RecordingEngine(reply="来自Rasa")
    fallback = ResilientDialogue(primary, FakeKnowledge(LOAN_ANSWER), policy=OutagePolicy(), clock=lambda: now[0])
    fallback.circuit.failed()
    now[0] += OutagePolicy().open_seconds + 1  # half-open: the engine failed lately
    pipeline = TurnDeadline(SlowStage(fallback, now, 2.8), 3.0, clock=lambda: now[0])

    result = await pipeline.handle(turn("脱贫户能贷多少钱？"))

    assert primary.turns == []  # only 0.2 s left: less than the fallback's reserve of 0.5 s
    assert LOAN_ANSWER.text in result.replies[0].text


async def test_a_healthy_engine_keeps_its_share_when_a_busy_bot_used_part_of_the_budget() -> None:
    now = [0.0]
    primary = RecordingEngine(reply="来自Rasa")
    fallback = ResilientDialogue(primary, FakeKnowledge(LOAN_ANSWER), policy=OutagePolicy(), clock=lambda: now[0])
    pipeline = TurnDeadline(SlowStage(fallback, now, 2.8), 3.0, clock=lambda: now[0])

    result = await pipeline.handle(turn("脱贫户能贷多少钱？"))

    assert [t.text for t in primary.turns] == ["脱贫户能贷多少钱？"]
    assert [r.text for r in result.replies] == ["来自Rasa"]


async def test_a_stalled_fallback_search_is_cut_off_and_the_farmer_gets_the_apology() -> None:
    knowledge = StalledKnowledge()
    engine = ResilientDialogue(DownEngine(), knowledge, policy=QUICK)
    try:
        result = await engine.handle(turn("脱贫户能贷多少钱？"))
    finally:
        knowledge.release.set()

    assert knowledge.questions  # the search was tried ...
    assert [r.text for r in result.replies] == [text("unavailable", "zh")]  # ... and abandoned at the deadline


async def test_a_stalled_form_check_does_not_hold_the_answer_back() -> None:
    hang = asyncio.Event()

    async def in_form(_sender: str) -> bool:
        await hang.wait()
        return True

    engine = ResilientDialogue(DownEngine(), FakeKnowledge(LOAN_ANSWER), policy=QUICK, in_form=in_form)

    result = await engine.handle(turn("脱贫户能贷多少钱？"))

    assert LOAN_ANSWER.text in result.replies[0].text
    assert text("form_kept_note", "zh") not in [r.text for r in result.replies]


async def test_while_another_farmer_waits_on_a_slow_search_the_next_one_gets_the_apology_at_once() -> None:
    knowledge = StalledKnowledge()
    engine = ResilientDialogue(DownEngine(), knowledge, policy=QUICK)
    try:
        first, second = await asyncio.gather(
            engine.handle(turn("脱贫户能贷多少钱？", sender="web:a")), engine.handle(turn("保险怎么买", sender="web:b"))
        )
    finally:
        knowledge.release.set()

    assert len(knowledge.questions) == 1  # one search thread: the second farmer is not queued behind it
    assert first.replies[0].text == second.replies[0].text == text("unavailable", "zh")


async def test_the_health_probe_closes_the_circuit_as_soon_as_the_engine_is_back() -> None:
    primary = FlakyEngine()
    answers = iter([False, False, True])
    asked: list[bool] = []

    async def probe() -> bool:
        healthy = next(answers)
        asked.append(healthy)
        if healthy:
            primary.up = True
        return healthy

    engine = ResilientDialogue(primary, FakeKnowledge(LOAN_ANSWER), policy=QUICK, probe=probe)

    await engine.handle(turn("贷款"))
    assert engine.circuit.is_open  # open for up to 60 s ...
    await engine._probing  # type: ignore[misc]  # (the probe task the failure started)
    answered = await engine.handle(turn("贷款"))

    assert asked == [False, False, True] and not engine.circuit.is_open  # ... closed by the third probe
    assert [r.text for r in answered.replies] == ["来自Rasa"] and primary.calls == 2


async def test_a_failing_probe_leaves_the_circuit_to_its_open_time() -> None:
    now = [0.0]
    probes = [0]

    async def probe() -> bool:
        probes[0] += 1
        if probes[0] >= 3:
            now[0] += QUICK.open_seconds  # time passes while the engine stays down
        raise ConnectionError("still down")

    engine = ResilientDialogue(DownEngine(), None, policy=QUICK, probe=probe, clock=lambda: now[0])

    await engine.handle(turn("贷款"))
    await engine._probing  # type: ignore[misc]

    assert probes[0] == 3 and not engine.circuit.is_open  # half-open after the open time, as without a probe


class LoadingDetector:
    """A scam detector whose model load takes until `loaded` is set; records what it scored."""

    def __init__(self) -> None:
        self.loaded = threading.Event()
        self.loading = threading.Event()
        self.scored: list[str] = []

    def warm_up(self) -> None:
        self.loading.set()
        self.loaded.wait(30)

    def assess(self, text: str) -> ScamAssessment:
        self.scored.append(text)
        return ScamAssessment(risk=0.0, level="none", signals=[])


async def test_scam_scoring_does_not_wait_for_a_model_that_is_still_loading() -> None:
    detector = LoadingDetector()
    shield = ScamShield(RecordingEngine(), detector)
    warming = threading.Thread(target=shield.warm_up)
    warming.start()
    detector.loading.wait(10)
    try:
        during = await shield.handle(turn("我想贷款五万块"))
    finally:
        detector.loaded.set()
        warming.join()
    after = await shield.handle(turn("我想贷款五万块"))

    assert during.replies and during.scam is None and detector.scored == ["我想贷款五万块"]
    assert after.scam is not None
