"""POST /nonghui/answer (the bot's Rasa-down fallback): answered from the loaded service, refused at once while
the service is still loading so the bot never waits for the load."""

from __future__ import annotations

import json
from types import SimpleNamespace

from actions.answer_api import answer_handler
from knowledge.answer_types import Answer
from tests.bot.fakes import FakeKnowledge

ANSWER = Answer(text="每户最多5万元。", lang="zh", confident=True)


async def test_a_question_is_answered_from_the_loaded_service() -> None:
    knowledge = FakeKnowledge(ANSWER)
    handler = answer_handler(knowledge, lambda: True)

    response = await handler(SimpleNamespace(json={"question": "最多能贷多少", "lang": "zh"}))  # type: ignore[arg-type]

    assert response.status == 200 and json.loads(response.body)["text"] == ANSWER.text
    assert [q for q, _, _ in knowledge.questions] == ["最多能贷多少"]


async def test_while_the_service_loads_the_question_is_refused_at_once_without_asking_it() -> None:
    knowledge = FakeKnowledge(ANSWER)
    handler = answer_handler(knowledge, lambda: False)

    response = await handler(SimpleNamespace(json={"question": "最多能贷多少", "lang": "zh"}))  # type: ignore[arg-type]

    assert response.status == 503 and knowledge.questions == []
