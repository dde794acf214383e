"""The form guard: only offered buttons are commands, stale form buttons change nothing, confirmations are seen
through crashes, re-sent client messages get their first answer (with the real store on SQLite)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.form_guard import CLIENT_MESSAGE_ID, FormGuard
from bot.messages import BotReply, Button, FormState, TurnResult, UserTurn
from bot.texts import text
from loans.form_buttons import confirm_payload
from loans.stations import load_stations
from store.applications import ApplicationStore
from store.crypto import FieldCipher, decode_key, generate_key
from store.db import make_engine, migrate, session_factory, session_scope
from store.form_guard import SqlFormGuardStore
from store.stations import sync_stations
from tests.factories import sample_form

SENDER = "web:guarded"
TOKEN = "pa-0a1b2c3d4e5f"
CONSENT_YES = '/inform{"choice":"yes","step":10,"form":"0a1b2c3d4e5f"}'
OTHER_LOANS_NO = '/inform{"choice":"no","step":9,"form":"0a1b2c3d4e5f"}'


class ScriptedEngine:
    """Answers each turn with the next scripted result (or a plain reply) and records what it was sent."""

    def __init__(self, *results: TurnResult, on_turn: object = None) -> None:
        self.results = list(results)
        self.turns: list[UserTurn] = []
        self.on_turn = on_turn

    async def handle(self, turn: UserTurn) -> TurnResult:
        self.turns.append(turn)
        if callable(self.on_turn):
            self.on_turn(turn)
        if self.results:
            return self.results.pop(0)
        return TurnResult(replies=[BotReply(text="好的")], lang="zh", form=FormState())


@pytest.fixture
def stores(tmp_path: Path) -> tuple[SqlFormGuardStore, ApplicationStore]:
    engine = make_engine(f"sqlite:///{tmp_path / 'guard.db'}")
    migrate(engine)
    sessions = session_factory(engine)
    with session_scope(sessions) as session:
        sync_stations(session, load_stations())
    return SqlFormGuardStore(sessions), ApplicationStore(sessions, FieldCipher(decode_key(generate_key())))


def turn(said: str, **metadata: object) -> UserTurn:
    return UserTurn(sender_id=SENDER, text=said, channel="web", lang="zh", metadata=dict(metadata))


def asked(step: str, *payloads: str) -> TurnResult:
    """Rasa's answer asking `step` of form TOKEN with these buttons."""
    buttons = [Button(title=p, payload=p) for p in payloads]
    return TurnResult(
        replies=[BotReply(text=f"问题 {step}", buttons=buttons)], lang="zh", form=FormState(token=TOKEN, step=step)
    )


async def test_a_typed_command_that_was_never_offered_reaches_rasa_as_text(stores) -> None:
    guard_store, _ = stores
    engine = ScriptedEngine()
    guard = FormGuard(engine, guard_store)

    for typed in ["/restart", "/confirm_delete_data", '/inform{"amount": 999999}']:
        await guard.handle(turn(typed))

    assert [t.text for t in engine.turns] == ["／restart", "／confirm_delete_data", '／inform{"amount": 999999}']


async def test_an_offered_button_reaches_rasa_as_its_payload_even_from_another_worker(stores) -> None:
    guard_store, _ = stores
    FormGuard(ScriptedEngine(asked("other_loans", OTHER_LOANS_NO)), guard_store)
    first = FormGuard(ScriptedEngine(asked("other_loans", OTHER_LOANS_NO)), guard_store)
    await first.handle(turn("我要申请贷款"))
    engine = ScriptedEngine(asked("consent", CONSENT_YES))
    second_worker = FormGuard(engine, guard_store)

    await second_worker.handle(turn(OTHER_LOANS_NO))

    assert engine.turns[0].text == OTHER_LOANS_NO


async def test_a_button_of_an_earlier_step_is_expired_and_never_reaches_rasa(stores) -> None:
    guard_store, _ = stores
    engine = ScriptedEngine(asked("other_loans", OTHER_LOANS_NO), asked("consent", CONSENT_YES))
    guard = FormGuard(engine, guard_store)
    await guard.handle(turn("我要申请贷款"))
    await guard.handle(turn(OTHER_LOANS_NO))

    stale = await guard.handle(turn(OTHER_LOANS_NO))  # a double tap, or the old button scrolled back to

    assert stale.replies[0].text == text("button_expired", "zh")
    assert len(engine.turns) == 2


async def test_a_button_of_a_stored_form_answers_with_its_reference_and_stores_nothing(stores) -> None:
    guard_store, applications = stores
    stored = applications.submit_application(sample_form(form_token=TOKEN, channel="web", external_id="guarded"))
    engine = ScriptedEngine()
    guard = FormGuard(engine, guard_store)
    guard_store.record_offers(SENDER, [confirm_payload(TOKEN)])

    again = await guard.handle(turn(confirm_payload(TOKEN)))  # re-tap after a restart: the form closed, stored

    assert stored.application.reference in again.replies[0].text and "已提交" in again.replies[0].text
    assert engine.turns == []


async def test_after_a_crash_any_message_first_hears_the_reference_of_the_stored_confirmation(stores) -> None:
    guard_store, applications = stores
    guard_store.add_receipt(SENDER, TOKEN, confirm_payload(TOKEN))  # confirmed; then the bot died
    reference = applications.submit_application(
        sample_form(form_token=TOKEN, channel="web", external_id="guarded")
    ).application.reference
    guard = FormGuard(ScriptedEngine(), guard_store)

    first = await guard.handle(turn("有人吗"))
    second = await guard.handle(turn("有人吗"))

    assert reference in first.replies[0].text and first.replies[-1].text == "好的"
    assert all(reference not in r.text for r in second.replies)


async def test_a_confirmation_that_was_not_stored_is_completed_by_the_next_message(stores) -> None:
    guard_store, applications = stores
    guard_store.add_receipt(SENDER, TOKEN, confirm_payload(TOKEN))  # confirmed; the action server died

    def store_it(t: UserTurn) -> None:
        if t.text == confirm_payload(TOKEN):
            applications.submit_application(sample_form(form_token=TOKEN, channel="web", external_id="guarded"))

    engine = ScriptedEngine(on_turn=store_it)
    guard = FormGuard(engine, guard_store)

    result = await guard.handle(turn("确认提交"))

    assert [t.text for t in engine.turns] == [confirm_payload(TOKEN)]
    reference = guard_store.stored_reference(TOKEN)
    assert reference is not None and any(reference.reference in r.text for r in result.replies)


async def test_a_double_tap_on_send_gets_the_reference_and_never_a_second_application(stores) -> None:
    guard_store, applications = stores
    engine = ScriptedEngine(asked("confirmed", confirm_payload(TOKEN)))
    guard = FormGuard(engine, guard_store)
    await guard.handle(turn("我要申请贷款"))

    def store_it(t: UserTurn) -> None:
        applications.submit_application(sample_form(form_token=TOKEN, channel="web", external_id="guarded"))

    engine.on_turn = store_it
    first = await guard.handle(turn(confirm_payload(TOKEN)))
    second = await guard.handle(turn(confirm_payload(TOKEN)))

    assert len(applications.applications_for_farmer(channel="web", external_id="guarded")) == 1
    assert "已提交" in first.replies[0].text and "已提交" in second.replies[0].text
    assert len(engine.turns) == 2  # "我要申请贷款" and the first tap; the second never reached Rasa


async def test_a_web_message_sent_again_with_its_id_gets_the_first_answer_and_is_not_applied_twice(stores) -> None:
    guard_store, _ = stores
    engine = ScriptedEngine(asked("consent", CONSENT_YES))
    guard = FormGuard(engine, guard_store)

    first = await guard.handle(turn("没有", **{CLIENT_MESSAGE_ID: "m-17"}))
    again = await guard.handle(turn("没有", **{CLIENT_MESSAGE_ID: "m-17"}))

    assert len(engine.turns) == 1
    assert again.replies == first.replies


async def test_a_data_deletion_erases_what_the_guard_kept_for_the_conversation(stores) -> None:
    guard_store, _ = stores
    guard = FormGuard(ScriptedEngine(asked("consent", CONSENT_YES)), guard_store)
    await guard.handle(turn("没有", **{CLIENT_MESSAGE_ID: "m-18"}))
    guard_store.add_receipt(SENDER, TOKEN, confirm_payload(TOKEN))

    erased = guard_store.erase(SENDER)

    assert erased >= 4
    assert guard_store.step(SENDER) is None and guard_store.message_result(SENDER, "m-18") is None
    assert not guard_store.was_offered(SENDER, CONSENT_YES, since=datetime(2000, 1, 1, tzinfo=UTC))
