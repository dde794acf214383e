from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text

from store.crypto import FieldCipher, decode_key, generate_key
from store.models import NumberDraft
from store.number_drafts import HANDLE, NumberVault, has_handle


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 12, 4, 8, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def vault(sessions, clock) -> NumberVault:  # type: ignore[no-untyped-def]
    return NumberVault(sessions, FieldCipher(decode_key(generate_key())), ttl=timedelta(hours=72), clock=clock)


def test_a_sealed_number_is_stored_encrypted_and_opens_only_in_its_own_conversation(vault, sessions) -> None:
    handle = vault.seal("web:a", "phone", "138 1234 5678", "138****5678")

    assert HANDLE.fullmatch(handle) and not any(ch.isdigit() for ch in handle)
    assert vault.reveal("web:a", f"我的电话 {handle}") == "我的电话 138 1234 5678"
    assert vault.conceal("web:a", f"电话 {handle}") == "电话 138****5678"
    assert vault.reveal("web:b", handle) == handle  # another conversation cannot open it
    with sessions() as session:
        row = session.scalar(select(NumberDraft))
        assert b"1234" not in row.value_enc and "1234" not in row.masked[3:7]


def test_drafts_expire_after_their_time_to_live(vault, clock) -> None:
    handle = vault.seal("tg:1", "id", "440881199001011234", "4408**********1234")
    clock.now += timedelta(hours=73)

    assert vault.reveal("tg:1", handle) == handle
    assert vault.expire() == 1


def test_finishing_a_form_forgets_the_drafts_and_asks_for_the_trackers_erasure(vault) -> None:
    handle = vault.seal("tg:1", "phone", "13812345678", "138****5678")

    vault.finish("tg:1", "submit")

    assert vault.reveal("tg:1", handle) == handle
    assert vault.purge_requested("tg:1") and vault.pending_purges() == ["tg:1"]
    vault.purge_done("tg:1")
    assert not vault.purge_requested("tg:1") and vault.pending_purges() == []


def test_has_handle_finds_only_handles() -> None:
    assert has_handle("x ⟦id:abcdefghjk⟧ y")
    assert not has_handle("440881199001011234")


def test_the_clear_number_is_nowhere_in_the_database_file(tmp_path) -> None:
    from store.db import make_engine, migrate, session_factory

    engine = make_engine(f"sqlite:///{tmp_path / 'n.db'}")
    migrate(engine)
    vault = NumberVault(session_factory(engine), FieldCipher(decode_key(generate_key())))
    vault.seal("web:a", "id", "440881199001011234", "4408**********1234")
    with engine.begin() as conn:
        conn.execute(text("PRAGMA wal_checkpoint(FULL)"))
    engine.dispose()

    assert b"440881199001011234" not in (tmp_path / "n.db").read_bytes()
