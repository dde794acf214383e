from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import select

from store.db import session_scope
from store.models import Farmer
from store.repository import SqlFarmerContacts, SqlSeenUpdates


def test_update_is_reported_new_only_the_first_time(sessions):
    seen = SqlSeenUpdates(sessions)
    assert seen.mark_seen(source="telegram", update_id=42) is True
    assert seen.mark_seen(source="telegram", update_id=42) is False
    assert seen.mark_seen(source="telegram-webhook", update_id=42) is True


def test_concurrent_redelivery_of_one_update_is_new_exactly_once(sessions):
    seen = SqlSeenUpdates(sessions)
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda _: seen.mark_seen(source="telegram", update_id=7), range(8)))
    assert results.count(True) == 1


def test_start_payloads_are_kept_first_and_last_touch(sessions):
    contacts = SqlFarmerContacts(sessions)
    contacts.record_start(channel="telegram", external_id="100", payload="poster_a", lang="zh")
    contacts.record_start(channel="telegram", external_id="100", payload=None, lang=None)
    contacts.record_start(channel="telegram", external_id="100", payload="video_b", lang="en")
    assert contacts.start_payloads(channel="telegram", external_id="100") == ["poster_a", None, "video_b"]
    with session_scope(sessions) as session:
        farmer = session.scalar(select(Farmer).where(Farmer.external_id == "100"))
        assert farmer is not None
        assert (farmer.first_start_payload, farmer.last_start_payload, farmer.lang) == ("poster_a", "video_b", "en")


def test_overlong_payload_is_cut_to_telegram_limit(sessions):
    contacts = SqlFarmerContacts(sessions)
    contacts.record_start(channel="web", external_id="w1", payload="x" * 300, lang=None)
    assert contacts.start_payloads(channel="web", external_id="w1") == ["x" * 64]
