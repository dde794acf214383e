"""The rolling tracker store keeps a long conversation's session short, carrying slots and the last turn over."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HOME = Path(os.environ.get("NONGHUI_HOME", Path.home() / ".cache" / "nonghui"))
RASA_PYTHON = HOME / "rasa310" / "bin" / "python"

pytestmark = pytest.mark.slow

SCRIPT = """
import asyncio, json, os, sys
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, ActiveLoop, BotUttered, SessionStarted, SlotSet, UserUttered
from rasa_ext.tracker_store import RollingSQLTrackerStore

store = RollingSQLTrackerStore(
    domain=Domain.load("nlu/domain.yml"), dialect="sqlite", db=sys.argv[1], max_session_events=20
)

async def turn(sender, text, extra=()):
    tracker = await store.retrieve(sender)
    tracker.update(UserUttered(text, {"name": "ask_loan", "confidence": 0.9}))
    for event in extra:
        tracker.update(event)
    tracker.update(ActionExecuted("action_answer_question"))
    tracker.update(BotUttered("answer to " + text))
    tracker.update(ActionExecuted("action_listen"))
    await store.save(tracker)
    back = await store.retrieve(sender)
    return {"events": len(back.events), "lang": back.get_slot("lang"), "last": back.latest_message.text,
            "loop": back.active_loop_name, "user_texts": [e.text for e in back.events if isinstance(e, UserUttered)]}

async def main():
    out = {}
    for sender, form in (("web:long", False), ("web:form", True)):
        tracker = await store.get_or_create_tracker(sender)
        for event in (ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen"),
                      SlotSet("lang", "en")):
            tracker.update(event)
        await store.save(tracker)
        extra = (ActiveLoop("preapplication_form"),) if form else ()
        out[sender] = [await turn(sender, f"question {i}", extra if i == 0 else ()) for i in range(12)]
    print(json.dumps(out))

asyncio.run(main())
"""


def test_long_sessions_roll_over_with_slots_and_the_last_turn_but_never_inside_a_form(tmp_path: Path) -> None:
    if not RASA_PYTHON.is_file():
        pytest.skip("the Rasa venv is not built (scripts/setup.sh)")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "RASA_TELEMETRY_ENABLED": "false"}
    done = subprocess.run(
        [str(RASA_PYTHON), "-c", SCRIPT, str(tmp_path / "tracker.db")],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=True,
    )  # fmt: skip
    turns = json.loads(done.stdout.strip().splitlines()[-1])

    long_chat = turns["web:long"]
    assert max(t["events"] for t in long_chat) <= 20 + 4
    assert [t["events"] for t in long_chat][4] < [t["events"] for t in long_chat][3]  # rolled over
    assert all(t["lang"] == "en" for t in long_chat)
    assert all(t["last"] == f"question {i}" for i, t in enumerate(long_chat))
    assert long_chat[4]["user_texts"] == ["question 4"]  # the new session starts with a copy of the last turn
    assert long_chat[5]["user_texts"] == ["question 4", "question 5"]  # so the previous question is still there

    form = turns["web:form"]
    assert all(t["loop"] == "preapplication_form" for t in form)
    assert form[-1]["events"] > 20  # never rolled over while the form is active
