"""Keeps the bot answering when Rasa or the action server is down: retrieval-only answers, else a polite reply.

Fails fast: each turn has a time budget (the farmer is answered within about 3 s whatever happens); after a
failure the circuit opens and turns go straight to the fallback for a few seconds, then one turn tries the
engine again. An empty reply from the engine (e.g. the action server died mid-turn) is never passed on as
silence. A farmer in the middle of the pre-application is told that their answers are kept.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial

from bot.dialogue import DialogueEngine
from bot.errors import DialogueUnavailable
from bot.messages import BotReply, SourceRef, TurnResult, UserTurn
from bot.texts import both_languages, text
from core.lang import Lang, detect_lang
from knowledge.answer_types import Answer, AnswersQuestions

logger = logging.getLogger(__name__)

InForm = Callable[[str], Awaitable[bool]]
WARM_UP_QUESTION = "贷款需要什么条件"


@dataclass(frozen=True)
class OutagePolicy:
    """Time budgets: the whole answer, the engine's share of it, and how long the circuit stays open."""

    answer_within_seconds: float = 3.0
    engine_budget_seconds: float = 2.5
    open_seconds: float = 5.0
    min_knowledge_seconds: float = 0.3


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
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._primary = primary
        self._knowledge = knowledge
        self._policy = policy or OutagePolicy()
        self._in_form = in_form
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
        """Return the primary engine's result, or a fallback result; never raises, never silent."""
        started = self._clock()
        if self.circuit.is_open:
            logger.info("dialogue engine circuit open: answering from the fallback")
        else:
            result = await self._try_primary(turn)
            if result is not None:
                return result
        remaining = self._policy.answer_within_seconds - (self._clock() - started)
        return await self._fallback(turn, max(remaining, self._policy.min_knowledge_seconds))

    async def _try_primary(self, turn: UserTurn) -> TurnResult | None:
        """The engine's result, or None (circuit updated) when it failed, was too slow or said nothing."""
        try:
            result = await asyncio.wait_for(self._primary.handle(turn), self._policy.engine_budget_seconds)
        except TimeoutError:
            logger.warning("dialogue engine slower than %.1f s, using the fallback", self._policy.engine_budget_seconds)
            self.circuit.failed()
            return None
        except DialogueUnavailable as exc:
            logger.warning("dialogue engine unavailable, using the fallback: %s", exc)
            self.circuit.failed()
            return None
        except Exception:
            logger.exception("dialogue engine failed unexpectedly, using the fallback")
            self.circuit.failed()
            return None
        self.circuit.succeeded()
        if not any(reply.text.strip() or reply.buttons for reply in result.replies):
            # Rasa answered but said nothing: its action server died or failed during the turn.
            logger.warning("dialogue engine answered with no reply, using the fallback")
            return None
        return result

    async def _fallback(self, turn: UserTurn, budget: float) -> TurnResult:
        """A retrieval-only answer or the apology, with the note that a form in progress is kept."""
        lang = turn.lang or detect_lang(turn.text)
        answer = None
        if lang is not None:
            try:
                answer = await asyncio.wait_for(self._knowledge_answer(turn.text, lang), budget)
            except TimeoutError:
                logger.warning("knowledge fallback slower than %.1f s, apologising instead", budget)
        result = _result_from_answer(answer, lang) if answer is not None and lang is not None else None
        result = result or unavailable_result(lang)
        if await self._is_in_form(turn.sender_id):
            note = text("form_kept_note", result.lang) if lang is not None else both_languages("form_kept_note")
            result = result.model_copy(update={"replies": [*result.replies, BotReply(text=note)]})
        return result

    async def _is_in_form(self, sender_id: str) -> bool:
        """True when the farmer has a pre-application open (False when that cannot be told quickly)."""
        if self._in_form is None:
            return False
        try:
            return await asyncio.wait_for(self._in_form(sender_id), 0.5)
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


def _result_from_answer(answer: Answer, lang: Lang) -> TurnResult:
    """Turn a retrieval-only answer into a result with the partly-unavailable note and its sources."""
    sources = [SourceRef(title=s.title, locator=s.locator, url=s.url) for s in answer.sources]
    reply = BotReply(text=f"{text('partly_unavailable_note', lang)}\n\n{answer.text}", sources=sources)
    return TurnResult(replies=[reply], intent=None, lang=lang)


def unavailable_result(lang: Lang | None) -> TurnResult:
    """Return the polite "temporarily unavailable" reply, in both languages when the language is unknown."""
    message = text("unavailable", lang) if lang is not None else both_languages("unavailable")
    return TurnResult(replies=[BotReply(text=message)], intent=None, lang=lang or "zh")
