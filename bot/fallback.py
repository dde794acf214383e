"""Keeps the bot answering when Rasa or the action server is down: retrieval-only answers, else a polite reply.

Fails fast: each turn has a time budget (the farmer is answered within about 3 s whatever happens: the engine
gets its share of what is left of the turn's deadline once it has failed lately, bot/deadline.py, and the
fallback the rest); after a
failure the circuit opens and turns go straight to the fallback, while a probe asks the engine's health every
`probe_seconds` and closes the circuit as soon as it answers (after `open_seconds` a turn tries the engine
anyway). An empty reply from the engine (e.g. the action server died mid-turn) is never passed on as silence.
A farmer in the middle of the pre-application is told that their answers are kept; that check runs alongside
the fallback search, within the same budget.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from typing import TypeVar

from bot.deadline import turn_deadline
from bot.dialogue import DialogueEngine
from bot.errors import DialogueUnavailable
from bot.messages import BotReply, SourceRef, TurnResult, UserTurn
from bot.texts import both_languages, text
from core.lang import Lang, detect_lang
from knowledge.answer_types import Answer, AnswersQuestions

logger = logging.getLogger(__name__)

InForm = Callable[[str], Awaitable[bool]]
HealthProbe = Callable[[], Awaitable[bool]]
T = TypeVar("T")
WARM_UP_QUESTION = "贷款需要什么条件"


@dataclass(frozen=True)
class OutagePolicy:
    """Time budgets: the whole answer, the engine's share of it, how long the circuit stays open at most, how
    often an open circuit probes the engine's health, and how long scam scoring may hold a turn."""

    answer_within_seconds: float = 3.0
    engine_budget_seconds: float = 2.5
    open_seconds: float = 5.0
    min_knowledge_seconds: float = 0.3
    probe_seconds: float = 0.5
    scam_seconds: float = 1.0

    @property
    def fallback_reserve_seconds(self) -> float:
        """What the engine must leave of the turn's budget for the fallback."""
        return max(self.answer_within_seconds - self.engine_budget_seconds, 0.0)


class CircuitBreaker:
    """Health of the engine as seen from its answers: closed (use it), open (skip it) until `open_seconds` pass."""

    def __init__(self, open_seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._open_seconds = open_seconds
        self._clock = clock
        self._open_until = 0.0
        self.failures = 0

    @property
    def is_open(self) -> bool:
        """True while turns should not wait for the engine."""
        return self._clock() < self._open_until

    def failed(self) -> None:
        """The engine failed or was too slow: skip it for a while."""
        self.failures += 1
        self._open_until = self._clock() + self._open_seconds

    def close(self) -> None:
        """The engine looks healthy again (its health probe answered): use it, counting it failed until it answers."""
        self._open_until = 0.0

    def succeeded(self) -> None:
        """The engine answered: use it again."""
        self.failures = 0
        self._open_until = 0.0


class ResilientDialogue:
    """Wraps the primary engine; when it is unavailable, slow or silent, answers from the knowledge base or
    apologises, within the policy's time budget."""

    def __init__(
        self,
        primary: DialogueEngine,
        knowledge: AnswersQuestions | None,
        *,
        policy: OutagePolicy | None = None,
        in_form: InForm | None = None,
        probe: HealthProbe | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._primary = primary
        self._knowledge = knowledge
        self._policy = policy or OutagePolicy()
        self._in_form = in_form
        self._probe = probe
        self._probing: asyncio.Task[None] | None = None
        self._clock = clock
        self.circuit = CircuitBreaker(self._policy.open_seconds, clock)
        # Searches run on their own thread: one that outlives its budget never holds up the threads the other
        # stages use (database, transcript), and while one runs, other farmers get the apology at once.
        self._searcher = ThreadPoolExecutor(max_workers=1, thread_name_prefix="fallback-search")
        self._searching = False

    def warm_up(self) -> None:
        """Load the knowledge index and embedding model now, so the first fallback answer is not slow."""
        if self._knowledge is None:
            return
        try:
            self._knowledge.answer(WARM_UP_QUESTION, lang="zh", topic=None)
        except Exception:
            logger.exception("warming up the knowledge fallback failed")

    async def handle(self, turn: UserTurn) -> TurnResult:
        """Return the primary engine's result, or a fallback result; never raises, never silent, and ready by the
        turn's deadline (or `min_knowledge_seconds` after it when earlier stages used it all)."""
        started = self._clock()
        deadline = turn_deadline() or started + self._policy.answer_within_seconds
        engine_budget = self._policy.engine_budget_seconds
        if self.circuit.failures:
            # The engine failed lately (an outage, or its end): the turn's deadline rules, so waits cannot add up.
            # A healthy engine keeps its whole share even when a busy bot used some of the turn's budget before.
            engine_budget = min(engine_budget, deadline - started - self._policy.fallback_reserve_seconds)
        if self.circuit.is_open:
            logger.info("dialogue engine circuit open: answering from the fallback")
        elif engine_budget <= 0:
            logger.warning("no time left for the dialogue engine in this turn: answering from the fallback")
        else:
            result = await self._try_primary(turn, engine_budget)
            if result is not None:
                return result
        remaining = deadline - self._clock()
        return await self._fallback(turn, max(remaining, self._policy.min_knowledge_seconds))

    async def _try_primary(self, turn: UserTurn, budget: float) -> TurnResult | None:
        """The engine's result, or None (circuit updated) when it failed, was too slow or said nothing."""
        try:
            result = await asyncio.wait_for(self._primary.handle(turn), budget)
        except TimeoutError:
            logger.warning("dialogue engine slower than %.1f s, using the fallback", budget)
            self._failed()
            return None
        except DialogueUnavailable as exc:
            logger.warning("dialogue engine unavailable, using the fallback: %s", exc)
            self._failed()
            return None
        except Exception:
            logger.exception("dialogue engine failed unexpectedly, using the fallback")
            self._failed()
            return None
        self.circuit.succeeded()
        if not any(reply.text.strip() or reply.buttons for reply in result.replies):
            # Rasa answered but said nothing: its action server died or failed during the turn.
            logger.warning("dialogue engine answered with no reply, using the fallback")
            return None
        return result

    def _failed(self) -> None:
        """Open the circuit and start probing the engine's health (once) so it closes as soon as it is back."""
        self.circuit.failed()
        if self._probe is not None and (self._probing is None or self._probing.done()):
            self._probing = asyncio.get_running_loop().create_task(self._probe_until_healthy(), name="engine-probe")

    async def _probe_until_healthy(self) -> None:
        """Ask the engine's health every `probe_seconds` while the circuit is open; close it when it answers."""
        assert self._probe is not None
        while self.circuit.is_open:
            await asyncio.sleep(self._policy.probe_seconds)
            try:
                healthy = await asyncio.wait_for(self._probe(), max(self._policy.probe_seconds, 1.0))
            except Exception:
                healthy = False
            if healthy:
                logger.info("dialogue engine healthy again: circuit closed")
                self.circuit.close()
                return

    async def _fallback(self, turn: UserTurn, budget: float) -> TurnResult:
        """A retrieval-only answer or the apology, with the note that a form in progress is kept; the search and
        the form check run side by side and neither may take longer than `budget`."""
        lang = turn.lang or detect_lang(turn.text)
        searching = self._knowledge_answer(turn.text, lang) if lang is not None else _nothing()
        answer, in_form = await asyncio.gather(
            _within(searching, budget, "knowledge fallback"),
            _within(self._is_in_form(turn.sender_id), budget, "form check"),
        )
        result = _result_from_answer(answer, lang) if answer is not None and lang is not None else None
        result = result or unavailable_result(lang)
        if in_form:
            note = text("form_kept_note", result.lang) if lang is not None else both_languages("form_kept_note")
            result = result.model_copy(update={"replies": [*result.replies, BotReply(text=note)]})
        return result

    async def _is_in_form(self, sender_id: str) -> bool:
        """True when the farmer has a pre-application open (False when that cannot be told)."""
        if self._in_form is None:
            return False
        try:
            return await self._in_form(sender_id)
        except Exception:
            return False

    async def _knowledge_answer(self, question: str, lang: Lang) -> Answer | None:
        """Ask the knowledge base directly; None when there is none, the text is a payload, or it fails."""
        if self._knowledge is None or not question.strip() or question.lstrip().startswith(("/", "／")):
            return None
        if self._searching:
            logger.warning("knowledge fallback busy with an earlier search, apologising instead")
            return None
        self._searching = True
        search = partial(self._knowledge.answer, question, lang=lang, topic=None)
        future = asyncio.get_running_loop().run_in_executor(self._searcher, search)
        future.add_done_callback(self._search_done)
        try:
            answer = await asyncio.shield(future)
        except Exception:
            logger.exception("knowledge fallback failed as well")
            return None
        return answer if answer.text.strip() else None

    def _search_done(self, _future: object) -> None:
        self._searching = False


async def _nothing() -> None:
    return None


async def _within(work: Awaitable[T], budget: float, what: str) -> T | None:
    """`work`'s result, or None when it takes longer than `budget` seconds (it is then cancelled)."""
    try:
        return await asyncio.wait_for(work, budget)
    except TimeoutError:
        logger.warning("%s slower than %.1f s, answering without it", what, budget)
        return None


def _result_from_answer(answer: Answer, lang: Lang) -> TurnResult:
    """Turn a retrieval-only answer into a result with the partly-unavailable note and its sources."""
    sources = [SourceRef(title=s.title, locator=s.locator, url=s.url) for s in answer.sources]
    reply = BotReply(text=f"{text('partly_unavailable_note', lang)}\n\n{answer.text}", sources=sources)
    return TurnResult(replies=[reply], intent=None, lang=lang)


def unavailable_result(lang: Lang | None) -> TurnResult:
    """Return the polite "temporarily unavailable" reply, in both languages when the language is unknown."""
    message = text("unavailable", lang) if lang is not None else both_languages("unavailable")
    return TurnResult(replies=[BotReply(text=message)], intent=None, lang=lang or "zh")
