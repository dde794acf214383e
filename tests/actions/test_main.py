from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from actions.__main__ import build_executor
from tests.actions.conftest import FakeKnowledge


def action_call(action: str, text: str, intent: str, lang: str) -> dict[str, Any]:
    """The JSON Rasa posts to the action server's /webhook."""
    latest = {"text": text, "intent": {"name": intent, "confidence": 0.9}, "entities": [], "metadata": {}}
    return {
        "next_action": action,
        "sender_id": "t1",
        "version": "3.6.21",
        "domain": {"slots": {"lang": {"type": "categorical", "mappings": [{"type": "custom"}]}}},
        "tracker": {
            "sender_id": "t1",
            "slots": {"lang": lang},
            "latest_message": latest,
            "events": [{"event": "user", "text": text, "parse_data": latest}],
            "paused": False,
            "followup_action": None,
            "active_loop": {},
            "latest_action_name": "action_listen",
        },
    }


def test_executor_registers_every_domain_action():
    names = {item.name for item in build_executor(FakeKnowledge()).list_actions()}

    domain = yaml.safe_load((Path(__file__).resolve().parents[2] / "nlu" / "domain.yml").read_text(encoding="utf-8"))
    assert names == set(domain["actions"])
    assert {"validate_preapplication_form", "action_submit_preapplication", "action_ask_confirmed"} <= names


async def test_executor_runs_the_answer_action_from_a_webhook_payload():
    knowledge = FakeKnowledge()

    result = await build_executor(knowledge).run(
        action_call("action_answer_question", "贷款能贷多少", "ask_loan", "zh")
    )

    assert result is not None
    assert [r["text"] for r in result.responses] == [knowledge.answer_text]
    assert knowledge.questions[0].topic == "loan"


async def test_executor_sets_lang_from_an_english_message():
    result = await build_executor(FakeKnowledge()).run(
        action_call("action_validate_slot_mappings", "is this a scam", "ask_scam", "zh")
    )

    assert result is not None
    assert [(e["name"], e["value"]) for e in result.events] == [("lang", "en")]
