"""Outages fail fast: an open circuit skips the engine, a stalled or silent engine never means silence."""

from __future__ import annotations

import asyncio

from bot.fallback import OutagePolicy, ResilientDialogue
from bot.messages import TurnResult, UserTurn
from bot.texts import text
from tests.bot.fakes import DownEngine, FakeKnowledge, RecordingEngine
from tests.bot.test_fallback import LOAN_ANSWER

QUICK = OutagePolicy(answer_within_seconds=0.5, engine_budget_seconds=0.05, open_seconds=60.0)


def turn(said: str, sender: str = "web:1", lang: str | None = None) -> UserTurn:
    return UserTurn(sender_id=sender, text=said, channel="web", lang=lang)  # type: ignore[arg-type]


class StalledEngine:
    """Like a paused Rasa: accepts the turn and never answers."""

    def __init__(self) -> None:
        self.calls = 0

    async def handle(self, turn: UserTurn) -> TurnResult:
        self.calls += 1
        await asyncio.sleep(3600)
        raise AssertionError("unreachable")


class SilentEngine:
    """Like Rasa whose action server died mid-turn: HTTP 200 with no replies."""

    async def handle(self, turn: UserTurn) -> TurnResult:
        return TurnResult(replies=[], lang="zh")


async def test_a_stalled_engine_is_given_up_on_and_the_knowledge_base_answers() -> None:
    engine = ResilientDialogue(StalledEngine(), FakeKnowledge(LOAN_ANSWER), policy=QUICK)

    result = await engine.handle(turn("脱贫户能贷多少钱？"))

    assert LOAN_ANSWER.text in result.replies[0].text
    assert engine.circuit.is_open


async def test_while_the_circuit_is_open_the_engine_is_not_called_at_all() -> None:
    down = DownEngine()
    engine = ResilientDialogue(down, FakeKnowledge(LOAN_ANSWER), policy=QUICK)

    await engine.handle(turn("贷款"))
    await engine.handle(turn("保险"))
    await engine.handle(turn("防骗"))

    assert down.calls == 1


async def test_after_the_open_time_one_turn_tries_the_engine_again_and_closes_the_circuit() -> None:
    now = [0.0]
    primary = RecordingEngine(reply="来自Rasa")
    engine = ResilientDialogue(primary, FakeKnowledge(LOAN_ANSWER), policy=QUICK, clock=lambda: now[0])
    engine.circuit.failed()

    skipped = await engine.handle(turn("贷款"))
    now[0] += QUICK.open_seconds + 1
    answered = await engine.handle(turn("贷款"))

    assert LOAN_ANSWER.text in skipped.replies[0].text and primary.turns[0].text == "贷款"
    assert [r.text for r in answered.replies] == ["来自Rasa"] and not engine.circuit.is_open


async def test_an_empty_reply_from_the_engine_is_never_passed_on_as_silence() -> None:
    engine = ResilientDialogue(SilentEngine(), None, policy=QUICK)

    result = await engine.handle(turn("我同意"))

    assert result.replies and result.replies[0].text == text("unavailable", "zh")


async def test_a_farmer_in_the_form_is_told_the_form_is_kept() -> None:
    async def in_form(sender_id: str) -> bool:
        return sender_id == "web:filling"

    engine = ResilientDialogue(DownEngine(), None, policy=QUICK, in_form=in_form)

    filling = await engine.handle(turn("13812345678", sender="web:filling", lang="zh"))
    asking = await engine.handle(turn("贷款利息多少", sender="web:asking"))

    assert filling.replies[-1].text == text("form_kept_note", "zh")
    assert all(r.text != text("form_kept_note", "zh") for r in asking.replies)


async def test_a_slow_knowledge_base_does_not_hold_the_answer_beyond_the_budget() -> None:
    class SlowKnowledge(FakeKnowledge):
        def answer(self, question: str, **kwargs: object):  # type: ignore[no-untyped-def, override]
            import time

            time.sleep(1.0)
            return LOAN_ANSWER

    engine = ResilientDialogue(DownEngine(), SlowKnowledge(), policy=QUICK)

    result = await engine.handle(turn("贷款利息多少"))

    assert result.replies[0].text == text("unavailable", "zh")


def test_warm_up_asks_the_knowledge_base_once() -> None:
    knowledge = FakeKnowledge(LOAN_ANSWER)

    ResilientDialogue(DownEngine(), knowledge).warm_up()

    assert len(knowledge.questions) == 1


async def test_while_a_slow_search_still_runs_other_farmers_get_the_apology_at_once() -> None:
    import threading

    release = threading.Event()
    asked: list[str] = []

    class BlockedKnowledge(FakeKnowledge):
        def answer(self, question: str, **kwargs: object):  # type: ignore[no-untyped-def, override]
            asked.append(question)
            release.wait(5)
            return LOAN_ANSWER

    engine = ResilientDialogue(DownEngine(), BlockedKnowledge(), policy=QUICK)
    first = await engine.handle(turn("贷款利息多少", lang="zh"))
    second = await engine.handle(turn("保险怎么买", lang="zh"))
    release.set()

    assert first.replies[0].text == text("unavailable", "zh") == second.replies[0].text
    assert asked == ["贷款利息多少"]  # no second search piled up behind the stuck one
