"""Checks on the Rasa domain and training data that keep both languages and the intent contract intact."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
import yaml

from actions.__main__ import build_actions
from actions.answer import INTRO_BY_TOPIC, UTTER_KNOWLEDGE_ERROR, UTTER_NOT_SURE
from actions.apply import UTTER_PREAPPLICATION_INTRO, UTTER_PREAPPLICATION_RESUME
from actions.buttons import FOLLOW_UPS_BY_TOPIC, MAX_PAYLOAD_BYTES
from actions.scam import UTTER_CHECK_ASK, UTTER_CHECK_UNAVAILABLE
from tests.actions.conftest import FakeKnowledge

ROOT = Path(__file__).resolve().parents[2]
NLU = ROOT / "nlu"
REQUIRED_INTENTS = {
    "greet",
    "goodbye",
    "thanks",
    "affirm",
    "deny",
    "ask_loan",
    "ask_insurance",
    "ask_scam",
    "apply_loan",
    "application_status",
    "human_handoff",
    "out_of_scope",
}
TOPIC_INTENTS = [
    "ask_loan",
    "ask_insurance",
    "ask_scam",
    "apply_loan",
    "application_status",
    "human_handoff",
    "out_of_scope",
    "check_message",
    "ask_lender",
]
SMALL_TALK_INTENTS = ["greet", "goodbye", "thanks", "affirm", "deny"]
CJK = re.compile(r"[\u4e00-\u9fff]")
LATIN = re.compile(r"[A-Za-z]")


def load(path: Path) -> dict[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def domain() -> dict[str, Any]:
    return load(NLU / "domain.yml")


def examples_by_intent(folder: Path) -> dict[str, list[str]]:
    examples: dict[str, list[str]] = defaultdict(list)
    for path in sorted(folder.rglob("*.yml")):
        for block in load(path).get("nlu", []) or []:
            if "intent" in block:
                lines = block["examples"].splitlines()
                examples[block["intent"]] += [line[2:].strip() for line in lines if line.startswith("- ")]
    return examples


@pytest.fixture(scope="module")
def training() -> dict[str, list[str]]:
    return examples_by_intent(NLU / "data")


def is_english_variation(variation: dict[str, Any]) -> bool:
    return variation.get("condition") == [{"type": "slot", "name": "lang", "value": "en"}]


def test_domain_declares_every_required_intent(domain: dict[str, Any]):
    assert set(domain["intents"]) >= REQUIRED_INTENTS


def test_training_data_covers_exactly_the_domain_intents(domain: dict[str, Any], training: dict[str, list[str]]):
    assert set(training) == set(domain["intents"])


@pytest.mark.parametrize("intent", TOPIC_INTENTS)
def test_topic_intents_have_forty_examples_in_both_languages(training: dict[str, list[str]], intent: str):
    examples = training[intent]
    chinese = [e for e in examples if CJK.search(e)]
    english = [e for e in examples if not CJK.search(e) and LATIN.search(e)]

    assert len(examples) >= 40
    assert len(chinese) >= 25
    assert len(english) >= 15


@pytest.mark.parametrize("intent", SMALL_TALK_INTENTS)
def test_small_talk_intents_have_fifteen_examples_per_language(training: dict[str, list[str]], intent: str):
    examples = training[intent]

    assert len([e for e in examples if CJK.search(e)]) >= 15
    assert len([e for e in examples if not CJK.search(e)]) >= 15


def test_no_example_is_trained_under_two_intents(training: dict[str, list[str]]):
    owners: dict[str, set[str]] = defaultdict(set)
    for intent, examples in training.items():
        for example in examples:
            owners[example.lower()].add(intent)

    assert {e: i for e, i in owners.items() if len(i) > 1} == {}


def test_held_out_examples_are_not_in_the_training_data(training: dict[str, list[str]]):
    held_out = examples_by_intent(NLU / "test")
    trained = {e.lower() for examples in training.values() for e in examples}

    assert held_out
    assert [e for examples in held_out.values() for e in examples if e.lower() in trained] == []


def test_every_response_has_a_chinese_default_and_an_english_variation(domain: dict[str, Any]):
    for name, variations in domain["responses"].items():
        defaults = [v for v in variations if "condition" not in v]
        english = [v for v in variations if is_english_variation(v)]
        assert len(defaults) == 1 and CJK.search(defaults[0]["text"]), name
        assert len(english) == 1 and not CJK.search(english[0]["text"]), name
        assert len(defaults[0].get("buttons", [])) == len(english[0].get("buttons", [])), name


def test_every_button_payload_fits_in_sixty_four_bytes(domain: dict[str, Any]):
    payloads = [b["payload"] for vs in domain["responses"].values() for v in vs for b in v.get("buttons", [])]
    payloads += [f.payload for follow_ups in FOLLOW_UPS_BY_TOPIC.values() for f in follow_ups]

    assert payloads
    assert [p for p in payloads if len(p.encode("utf-8")) > MAX_PAYLOAD_BYTES] == []


def test_no_domain_response_has_braces_rasa_would_take_for_slot_templates(domain: dict[str, Any]):
    variations = [v for vs in domain["responses"].values() for v in vs]
    texts = [v.get("text", "") for v in variations]
    texts += [b[key] for v in variations for b in v.get("buttons", []) for key in ("title", "payload")]

    assert [t for t in texts if "{" in t or "}" in t] == []


def test_intent_payloads_name_domain_intents(domain: dict[str, Any]):
    payloads = [b["payload"] for vs in domain["responses"].values() for v in vs for b in v.get("buttons", [])]
    payloads += [f.payload for follow_ups in FOLLOW_UPS_BY_TOPIC.values() for f in follow_ups]

    assert {p[1:].split("{")[0] for p in payloads if p.startswith("/")} <= set(domain["intents"])
    entities = [json.loads(p[p.index("{") :]) for p in payloads if p.startswith("/") and "{" in p]
    assert {key for found in entities for key in found} <= set(domain["entities"])


def test_responses_used_by_actions_exist_in_the_domain(domain: dict[str, Any]):
    used = {
        *INTRO_BY_TOPIC.values(),
        UTTER_NOT_SURE,
        UTTER_KNOWLEDGE_ERROR,
        UTTER_PREAPPLICATION_INTRO,
        UTTER_PREAPPLICATION_RESUME,
        UTTER_CHECK_ASK,
        UTTER_CHECK_UNAVAILABLE,
    }

    assert used <= set(domain["responses"])


def test_domain_actions_match_the_registered_actions(domain: dict[str, Any]):
    assert set(domain["actions"]) == {action.name() for action in build_actions(FakeKnowledge())}


def test_lang_slot_is_categorical_custom_and_does_not_steer_the_dialogue(domain: dict[str, Any]):
    slot = domain["slots"]["lang"]

    assert (slot["type"], slot["values"], slot["influence_conversation"]) == (
        "categorical",
        ["zh", "en"],
        False,
    )
    assert slot["mappings"] == [{"type": "custom"}]


def test_every_intent_has_a_rule(domain: dict[str, Any]):
    rules = load(NLU / "data" / "rules.yml")["rules"]
    ruled = {step["intent"] for rule in rules for step in rule["steps"] if "intent" in step}

    assert set(domain["intents"]) | {"nlu_fallback"} <= ruled


def test_conversations_are_kept_in_the_sql_tracker_store_under_nonghui_home():
    text = (NLU / "endpoints.yml").read_text(encoding="utf-8")

    store = load(NLU / "endpoints.yml")["tracker_store"]
    # Rasa's SQL store with a session roll-over (rasa_ext/tracker_store.py), on the same SQLite file.
    assert store["type"] == "rasa_ext.tracker_store.RollingSQLTrackerStore" and store["dialect"] == "sqlite"
    # Unquoted: Rasa expands ${...} only in plain YAML scalars and silently falls back to memory otherwise.
    assert re.search(r"^\s+db: \$\{NONGHUI_HOME\}/rasa-tracker\.db$", text, re.MULTILINE)


def test_the_action_server_url_comes_from_the_environment_like_the_tracker_path():
    text = (NLU / "endpoints.yml").read_text(encoding="utf-8")

    assert load(NLU / "endpoints.yml")["action_endpoint"]["url"] == "${NONGHUI_ACTION_URL}"
    assert re.search(r"^\s+url: \$\{NONGHUI_ACTION_URL\}$", text, re.MULTILINE)
