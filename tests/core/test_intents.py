"""The intent and topic table (core/intents.py) against the Rasa domain, rules and training data in nlu/."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
import yaml

from core.intents import KNOWLEDGE_TOPICS, TOPIC_BY_INTENT, Intent, is_payload
from core.lang import detect_lang

NLU = Path(__file__).resolve().parents[2] / "nlu"
MIN_EXAMPLES_PER_LANGUAGE = 40


def load(path: Path) -> dict[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


@pytest.fixture(scope="module")
def domain() -> dict[str, Any]:
    return load(NLU / "domain.yml")


@pytest.fixture(scope="module")
def data_files() -> list[dict[str, Any]]:
    return [load(path) for path in sorted((NLU / "data").rglob("*.yml"))]


def test_the_table_lists_exactly_the_domain_intents(domain: dict[str, Any]) -> None:
    declared = {name if isinstance(name, str) else next(iter(name)) for name in domain["intents"]}
    assert declared == {intent.value for intent in Intent}


def test_every_intent_in_the_training_data_and_rules_is_in_the_table(data_files: list[dict[str, Any]]) -> None:
    known = {intent.value for intent in Intent} | {"nlu_fallback"}
    used: set[str] = set()
    for data in data_files:
        used |= {block["intent"] for block in data.get("nlu", []) or [] if "intent" in block}
        for rule in data.get("rules", []) or []:
            used |= {step["intent"] for step in rule.get("steps", []) if "intent" in step}
    assert used - known == set()


@pytest.mark.parametrize("row", KNOWLEDGE_TOPICS, ids=lambda row: row.topic)
def test_every_knowledge_topic_has_its_intro_response(row: Any, domain: dict[str, Any]) -> None:
    assert row.intro_response in domain["responses"]


@pytest.mark.parametrize("row", KNOWLEDGE_TOPICS, ids=lambda row: row.topic)
def test_every_knowledge_topic_has_a_rule_answering_it(row: Any, data_files: list[dict[str, Any]]) -> None:
    answered = [
        rule
        for data in data_files
        for rule in data.get("rules", []) or []
        if {"intent": row.intent.value} in rule.get("steps", [])
        and {"action": "action_answer_question"} in rule.get("steps", [])
    ]
    assert answered, f"no rule sends {row.intent.value} to action_answer_question"


@pytest.mark.parametrize("row", KNOWLEDGE_TOPICS, ids=lambda row: row.topic)
def test_every_knowledge_topic_has_enough_examples_in_each_language(row: Any, data_files: list[dict[str, Any]]) -> None:
    by_lang: dict[str | None, int] = defaultdict(int)
    for data in data_files:
        for block in data.get("nlu", []) or []:
            if block.get("intent") == row.intent.value:
                for line in block["examples"].splitlines():
                    if line.startswith("- "):
                        by_lang[detect_lang(line[2:])] += 1
    assert by_lang["zh"] >= MIN_EXAMPLES_PER_LANGUAGE
    assert by_lang["en"] >= MIN_EXAMPLES_PER_LANGUAGE


def test_topics_by_intent_come_from_the_knowledge_topic_rows() -> None:
    assert TOPIC_BY_INTENT == {"ask_loan": "loan", "ask_insurance": "insurance", "ask_scam": "scam"}


def test_payloads_are_slash_intent_and_compact_json_with_entities() -> None:
    assert Intent.HUMAN_HANDOFF.payload == "/human_handoff"
    assert Intent.INFORM.with_entities(choice="是") == '/inform{"choice":"是"}'
    assert is_payload("/greet") and is_payload('/correct_field{"form_field":"phone"}')
    assert not is_payload("/nonsense") and not is_payload("greet")


def test_question_topics_cover_every_knowledge_topic_intent():
    from core.intents import QUESTION_TOPIC_BY_INTENT, QUESTION_TOPICS

    assert set(QUESTION_TOPIC_BY_INTENT.values()) <= set(QUESTION_TOPICS)
    assert all(QUESTION_TOPIC_BY_INTENT[row.intent.value] == row.topic for row in KNOWLEDGE_TOPICS)
