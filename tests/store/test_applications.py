import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
from pydantic import ValidationError
from sqlalchemy import select, text

from loans.consent import CURRENT_CONSENT_VERSION, consent_hash
from loans.stations import load_stations
from loans.status import ApplicationStatus as S
from store.applications import (
    ApplicationStore,
    ContactSealedError,
    StatusTransitionError,
    UnknownApplicationError,
    UnknownStationError,
)
from store.crypto import FieldCipher, decode_key, derive_action_keys, generate_key
from store.db import session_scope
from store.handoffs import SqlHandoffs
from store.models import (
    ConsentRecord,
    ConversationTurn,
    Farmer,
    Handoff,
    HandoffMessage,
    OutboxMessage,
    PreApplication,
    StationTicket,
    StatusChange,
)
from store.outbox import NewMessage, SqlOutbox
from store.stations import sync_stations
from store.transcript import SqlTranscript, TurnRecord
from tests.clock import Clock
from tests.factories import RESIDENT_ID, sample_form

PHONE = "13812345678"


@pytest.fixture
def store(sessions):
    with session_scope(sessions) as session:
        sync_stations(session, load_stations())
    return ApplicationStore(
        sessions, FieldCipher(decode_key(generate_key())), clock=Clock(datetime(2026, 11, 23, 2, 0, tzinfo=UTC))
    )


def form(**changes):
    return sample_form(**changes)


def test_submit_writes_application_ticket_status_and_consent_together(store, sessions):
    result = store.submit_application(form())
    app = result.application
    assert result.created and app.reference == "ZJ-2026-000001" and app.status is S.RECEIVED
    assert app.phone_masked == "138****5678" and app.resident_id_masked == "4408**********1236"
    assert [h.to_status for h in app.history] == [S.RECEIVED] and app.history[0].actor == "farmer"
    with session_scope(sessions) as session:
        row = session.scalar(select(PreApplication))
        assert row is not None and row.age_at_submission == 52 and row.farmer_id is not None
        ticket = session.scalar(select(StationTicket))
        assert ticket is not None and ticket.state == "open" and "138****5678" in ticket.summary
        assert PHONE not in ticket.summary
        consent = session.scalar(select(ConsentRecord))
        assert consent is not None and consent.wording_version == CURRENT_CONSENT_VERSION
        assert consent.text_hash == consent_hash(CURRENT_CONSENT_VERSION, "zh")
    assert "ZJ-2026-000001" in result.message("zh") and "bank decides" in result.message("en")


def test_resident_id_and_phone_are_not_stored_in_clear(store, sessions):
    store.submit_application(form())
    with session_scope(sessions) as session:
        raw = session.execute(text("SELECT * FROM pre_applications")).one()
    dumped = repr(tuple(raw)).encode() + b"".join(v for v in raw if isinstance(v, bytes | memoryview))
    assert RESIDENT_ID.encode() not in dumped and PHONE.encode() not in dumped
    assert store.reveal_contact("ZJ-2026-000001") == (PHONE, RESIDENT_ID)


def test_application_is_found_by_resident_id_through_its_keyed_hash(store):
    store.submit_application(form())
    assert [a.reference for a in store.find_by_resident_id(RESIDENT_ID)] == ["ZJ-2026-000001"]
    assert store.find_by_resident_id("11010519491231002X") == []


@pytest.fixture
def data_key() -> bytes:
    return decode_key(generate_key())


@pytest.fixture
def sealing_store(sessions, data_key):
    """The store as the action server has it: the public key and the lookup key only."""
    with session_scope(sessions) as session:
        sync_stations(session, load_stations())
    return ApplicationStore(sessions, derive_action_keys(data_key).sealer())


def test_an_application_stored_by_the_action_server_opens_only_in_the_console(sealing_store, sessions, data_key):
    reference = sealing_store.submit_application(form()).application.reference

    with session_scope(sessions) as session:
        row = session.scalar(select(PreApplication))
        assert row is not None and row.phone_enc[:1] == b"\x03" and row.resident_id_enc[:1] == b"\x03"
    with pytest.raises(ContactSealedError):
        sealing_store.reveal_contact(reference)
    console = ApplicationStore(sessions, FieldCipher(data_key))
    assert console.reveal_contact(reference) == (PHONE, RESIDENT_ID)
    rotated = ApplicationStore(sessions, FieldCipher(decode_key(generate_key()), previous=(data_key,)))
    assert rotated.reveal_contact(reference) == (PHONE, RESIDENT_ID)
    assert [a.reference for a in console.find_by_resident_id(RESIDENT_ID)] == [reference]
    assert [a.reference for a in sealing_store.find_by_resident_id(RESIDENT_ID)] == [reference]


def test_applications_stored_in_the_earlier_format_still_open_and_are_found(sealing_store, sessions, data_key):
    reference = sealing_store.submit_application(form()).application.reference
    earlier = FieldCipher(data_key)
    with session_scope(sessions) as session:  # as an application stored before public-key sealing
        row = session.scalar(select(PreApplication))
        assert row is not None
        row.phone_enc = earlier.encrypt(PHONE, field="phone", context=reference)
        row.resident_id_enc = earlier.encrypt(RESIDENT_ID, field="resident_id", context=reference)

    assert ApplicationStore(sessions, earlier).reveal_contact(reference) == (PHONE, RESIDENT_ID)
    assert [a.reference for a in sealing_store.find_by_resident_id(RESIDENT_ID)] == [reference]


def test_double_tap_returns_the_existing_application(store, sessions):
    first = store.submit_application(form())
    second = store.submit_application(form())
    assert first.created and not second.created
    assert second.application.reference == first.application.reference
    with session_scope(sessions) as session:
        assert len(session.scalars(select(PreApplication)).all()) == 1
        assert len(session.scalars(select(StationTicket)).all()) == 1
        assert len(session.scalars(select(ConsentRecord)).all()) == 1


def test_two_threads_confirming_the_same_form_store_exactly_one_application(store, sessions):
    barrier = threading.Barrier(4)

    def confirm(_):
        barrier.wait()
        return store.submit_application(form())

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(confirm, range(4)))
    assert sum(r.created for r in results) == 1
    assert len({r.application.reference for r in results}) == 1
    with session_scope(sessions) as session:
        assert len(session.scalars(select(PreApplication)).all()) == 1
        assert len(session.scalars(select(StatusChange)).all()) == 1
        assert len(session.scalars(select(Farmer)).all()) == 1


def test_concurrent_different_forms_get_distinct_consecutive_references(store):
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(
            pool.map(
                lambda i: store.submit_application(form(form_token=f"web-form-{i:04d}", external_id=f"w{i}")), range(6)
            )
        )
    assert sorted(r.application.reference for r in results) == [f"ZJ-2026-{n:06d}" for n in range(1, 7)]


def test_reference_sequence_is_per_county_and_restarts_each_year(store):
    assert store.submit_application(form()).application.reference == "ZJ-2026-000001"
    hd = store.submit_application(form(form_token="tok-hd-00001", station_code="HD-DM"))
    assert hd.application.reference == "HD-2026-000001"
    store._clock = Clock(datetime(2026, 12, 31, 17, 0, tzinfo=UTC))  # 1 January 2027, 01:00 in China
    assert store.submit_application(form(form_token="tok-2027-0001")).application.reference == "ZJ-2027-000001"


def test_unknown_station_is_refused_and_nothing_is_written(store, sessions):
    with pytest.raises(UnknownStationError):
        store.submit_application(form(station_code="XX-NONE"))
    with session_scope(sessions) as session:
        assert session.scalars(select(PreApplication)).all() == []
        assert session.scalars(select(Farmer)).all() == []


def test_status_moves_along_the_workflow_with_history(store):
    ref = store.submit_application(form()).application.reference
    store.change_status(ref, S.CONTACTED, actor="station:ZJ-QS:li", note="打过电话")
    store.change_status(ref, S.DOCUMENTS_CHECKED, actor="station:ZJ-QS:li")
    store.change_status(ref, S.SENT_TO_BANK, actor="station:ZJ-QS:li")
    view = store.change_status(ref, S.APPROVED, actor="bank:rcc", note="approved 30000")
    assert [h.to_status for h in view.history] == [
        S.RECEIVED,
        S.CONTACTED,
        S.DOCUMENTS_CHECKED,
        S.SENT_TO_BANK,
        S.APPROVED,
    ]
    assert view.history[1].note == "打过电话" and view.history[1].from_status is S.RECEIVED
    assert "银行已批准" in view.summary("zh") and "approved by the bank" in view.summary("en")


def test_final_status_closes_the_ticket_and_cannot_change_again(store, sessions):
    ref = store.submit_application(form()).application.reference
    store.change_status(ref, S.WITHDRAWN, actor="farmer")
    with session_scope(sessions) as session:
        ticket = session.scalar(select(StationTicket))
        assert ticket is not None and ticket.state == "closed" and ticket.closed_at is not None
    with pytest.raises(StatusTransitionError):
        store.change_status(ref, S.CONTACTED, actor="station")


def test_skipping_steps_is_refused(store):
    ref = store.submit_application(form()).application.reference
    with pytest.raises(StatusTransitionError):
        store.change_status(ref, S.APPROVED, actor="station")
    with pytest.raises(UnknownApplicationError):
        store.change_status("ZJ-2026-999999", S.CONTACTED, actor="station")


def test_farmer_sees_own_applications_newest_first(store):
    store.submit_application(form())
    store.submit_application(form(form_token="telegram-100-form-0002", amount_yuan=20000))
    store.submit_application(form(form_token="other-farmer-0001", external_id="200"))
    mine = store.applications_for_farmer(channel="telegram", external_id="100")
    assert [a.reference for a in mine] == ["ZJ-2026-000002", "ZJ-2026-000001"]
    assert store.applications_for_farmer(channel="telegram", external_id="nobody") == []
    assert "ZJ-2026-000002" in mine[0].summary("zh") and "20,000" in mine[0].summary("en")


def test_deleting_farmer_data_erases_personal_fields_but_keeps_counts(store, sessions):
    ref = store.submit_application(form()).application.reference
    store.change_status(ref, S.CONTACTED, actor="station", note="王大姐说下周来")
    other = store.submit_application(form(form_token="other-farmer-0001", external_id="200")).application.reference
    report = store.delete_farmer_data(channel="telegram", external_id="100")
    assert report.farmer_found and report.applications_anonymised == 1
    assert store.applications_for_farmer(channel="telegram", external_id="100") == []
    assert [a.reference for a in store.find_by_resident_id(RESIDENT_ID)] == [other]  # the other farmer's stays
    assert store.reveal_contact(ref) is None
    assert store.count_by_status() == {"contacted": 1, "received": 1}
    with session_scope(sessions) as session:
        row = session.scalar(select(PreApplication).where(PreApplication.reference == ref))
        assert row is not None and row.anonymised_at is not None
        assert (row.applicant_name, row.phone_enc, row.resident_id_enc, row.resident_id_hash, row.purpose_note) == (
            None,
            None,
            None,
            None,
            None,
        )
        assert all(
            c.note is None for c in session.scalars(select(StatusChange).where(StatusChange.application_id == row.id))
        )
        ticket = session.scalar(select(StationTicket).where(StationTicket.application_id == row.id))
        assert ticket is not None and "王大姐" not in ticket.summary
        assert session.scalar(select(Farmer).where(Farmer.external_id == "100")) is None
    assert store.delete_farmer_data(channel="telegram", external_id="100").farmer_found is False


def test_form_rejects_bad_personal_data_without_echoing_it():
    with pytest.raises(ValidationError) as error:
        form(resident_id="440882197403151235")
    assert "440882197403151235" not in str(error.value)
    with pytest.raises(ValidationError) as error:
        form(phone="12345")
    assert "12345" not in str(error.value)
    assert RESIDENT_ID not in repr(form()) and "13812345678" not in repr(form())


def test_form_rejects_unknown_consent_version_and_odd_tokens():
    with pytest.raises(ValidationError):
        form(consent_version="1999-v0")
    with pytest.raises(ValidationError):
        form(form_token="short")


def test_submission_logs_carry_no_personal_data(store, caplog):
    with caplog.at_level(logging.DEBUG):
        ref = store.submit_application(form()).application.reference
        store.submit_application(form())
        store.change_status(ref, S.CONTACTED, actor="station")
        store.delete_farmer_data(channel="telegram", external_id="100")
    assert ref in caplog.text
    for secret in (RESIDENT_ID, PHONE, "138 1234 5678", "王大姐"):
        assert secret not in caplog.text


def test_deleting_farmer_data_erases_their_conversation_hand_off_texts_and_queued_messages(store, sessions):
    store.submit_application(form())
    transcript = SqlTranscript(sessions)
    transcript.record_turns([TurnRecord("telegram", "100", "in", "我叫王大姐，住李家村")])
    transcript.record_turns([TurnRecord("telegram", "200", "in", "别人的话")])
    handoffs = SqlHandoffs(sessions)
    view, _ = handoffs.open(channel="telegram", external_id="100", lang="zh", reason="asked", station_code="ZJ-QS")
    handoffs.record_farmer_message(view.id, text="我家在李家村三组")
    SqlOutbox(sessions).enqueue(
        NewMessage(channel="telegram", external_id="100", kind="staff_reply", text="王大姐您好", lang="zh")
    )
    report = store.delete_farmer_data(channel="telegram", external_id="100")
    assert report.messages_erased == 3
    with session_scope(sessions) as session:
        assert [t.text for t in session.scalars(select(ConversationTurn))] == ["别人的话"]
        assert all("李家村" not in m.text for m in session.scalars(select(HandoffMessage)))
        assert session.scalar(select(OutboxMessage).where(OutboxMessage.external_id == "100")) is None
        handoff = session.get(Handoff, view.id)
        assert handoff is not None and handoff.external_id != "100" and handoff.state == "closed"


def test_deleting_data_of_a_farmer_without_a_record_still_erases_the_transcript(store, sessions):
    SqlTranscript(sessions).record_turns([TurnRecord("web", "w-9", "in", "我电话<phone>")])
    report = store.delete_farmer_data(channel="web", external_id="w-9")
    assert not report.farmer_found and report.messages_erased == 1
    with session_scope(sessions) as session:
        assert session.scalar(select(ConversationTurn)) is None
