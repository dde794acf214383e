"""Keeps the bot answering when Rasa is down: retrieval-only answers, else a polite "try again" reply."""

from __future__ import annotations

import asyncio
import logging

from bot.dialogue import DialogueEngine
from bot.errors import DialogueUnavailable
from bot.messages import BotReply, SourceRef, TurnResult, UserTurn
from bot.texts import both_languages, text
from core.lang import Lang, detect_lang
from knowledge.answer_types import Answer, AnswersQuestions

logger = logging.getLogger(__name__)


class ResilientDialogue:
    """Wraps the primary engine; when it is unavailable, answers from the knowledge base or apologises."""

    def __init__(self, primary: DialogueEngine, knowledge: AnswersQuestions | None) -> None:
        self._primary = primary
        self._knowledge = knowledge

    async def handle(self, turn: UserTurn) -> TurnResult:
        """Return the primary engine's result, or a fallback result; never raises."""
        try:
            return await self._primary.handle(turn)
        except DialogueUnavailable as exc:
            logger.warning("dialogue engine unavailable, using the fallback: %s", exc)
        except Exception:
            logger.exception("dialogue engine failed unexpectedly, using the fallback")
        lang = turn.lang or detect_lang(turn.text)
        answer = await self._knowledge_answer(turn.text, lang) if lang is not None else None
        if answer is not None and lang is not None:
            return _result_from_answer(answer, lang)
        return unavailable_result(lang)

    async def _knowledge_answer(self, question: str, lang: Lang) -> Answer | None:
        """Ask the knowledge base directly; None when there is none, the text is a payload, or it fails."""
        if self._knowledge is None or not question.strip() or question.lstrip().startswith("/"):
            return None
        try:
            answer = await asyncio.to_thread(self._knowledge.answer, question, lang=lang, topic=None)
        except Exception:
            logger.exception("knowledge fallback failed as well")
            return None
        return answer if answer.text.strip() else None


def _result_from_answer(answer: Answer, lang: Lang) -> TurnResult:
    """Turn a retrieval-only answer into a result with the partly-unavailable note and its sources."""
    sources = [SourceRef(title=s.title, locator=s.locator, url=s.url) for s in answer.sources]
    reply = BotReply(text=f"{text('partly_unavailable_note', lang)}\n\n{answer.text}", sources=sources)
    return TurnResult(replies=[reply], intent=None, lang=lang)


def unavailable_result(lang: Lang | None) -> TurnResult:
    """Return the polite "temporarily unavailable" reply, in both languages when the language is unknown."""
    message = text("unavailable", lang) if lang is not None else both_languages("unavailable")
    return TurnResult(replies=[BotReply(text=message)], intent=None, lang=lang or "zh")
