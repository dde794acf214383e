"""POST /nonghui/answer on the action server: the bot's Rasa-down fallback asks the one loaded knowledge service.

So the bot process loads no embedding model of its own. The route sits behind the action server's secret
(actions/guard.py), like the action webhook.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

from sanic import Request, Sanic
from sanic.response import HTTPResponse, json

from knowledge.answer_types import AnswersQuestions

ANSWER_PATH = "/nonghui/answer"
MAX_QUESTION_CHARS = 2000


def answer_body(answer: Any) -> dict[str, Any]:
    """The JSON form of a knowledge Answer: text, confidence, topic and sources."""
    return {
        "text": answer.text,
        "lang": answer.lang,
        "confident": answer.confident,
        "topic": answer.topic,
        "sources": [{"title": s.title, "locator": s.locator, "url": s.url} for s in answer.sources],
    }


def mount_answer_route(app: Sanic, knowledge: AnswersQuestions, *, is_ready: Callable[[], bool] = lambda: True) -> None:
    """Add POST /nonghui/answer (see `answer_handler`)."""
    app.add_route(answer_handler(knowledge, is_ready), ANSWER_PATH, methods=["POST"], name="nonghui_answer")


def answer_handler(
    knowledge: AnswersQuestions, is_ready: Callable[[], bool]
) -> Callable[[Request], Coroutine[Any, Any, HTTPResponse]]:
    """{"question", "lang", optional "previous": the farmer's previous question} → the answer's JSON; 400 on a
    malformed body; 503 at once while the knowledge service is still loading, so the bot's fallback never waits
    for the load (it apologises instead)."""

    async def answer(request: Request) -> HTTPResponse:
        body = request.json if isinstance(request.json, dict) else {}
        question, lang, previous = body.get("question"), body.get("lang"), body.get("previous")
        if not isinstance(question, str) or len(question) > MAX_QUESTION_CHARS or lang not in ("zh", "en"):
            return json({"error": "expected {question: string, lang: zh|en}"}, status=400)
        if previous is not None and (not isinstance(previous, str) or len(previous) > MAX_QUESTION_CHARS):
            return json({"error": "previous must be a string"}, status=400)
        if not is_ready():
            return json({"error": "the knowledge service is still loading"}, status=503)
        result = await asyncio.to_thread(knowledge.answer, question, lang=lang, topic=None, previous=previous)
        return json(answer_body(result))

    return answer
