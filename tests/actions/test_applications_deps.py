"""The action server stores applications it cannot read back: it holds keys derived from the data key, never the
data key itself (issue 13, item 3)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

import actions.__main__ as actions_main
from actions.applications_deps import build_application_services
from actions.settings import ActionSettings
from bot.settings import BotSettings
from loans.stations import load_stations
from store.applications import ApplicationStore, ContactSealedError
from store.crypto import DataKeyError, FieldCipher, decode_key, derive_action_keys, draft_cipher_from_settings
from store.db import make_engine, migrate, session_factory, session_scope
from store.number_drafts import NumberVault
from store.stations import sync_stations
from tests.factories import RESIDENT_ID, sample_form

PHONE = "13812345678"


@pytest.fixture
def data_key() -> str:
    from store.crypto import generate_key

    return generate_key()


def _derived(data_key: str) -> dict[str, str]:
    environment = derive_action_keys(decode_key(data_key)).environment()
    return {name.removeprefix("NONGHUI_").lower(): value for name, value in environment.items()}


def test_the_action_server_seals_applications_only_the_data_key_opens(tmp_path: Path, data_key: str) -> None:
    database = f"sqlite:///{tmp_path / 'nonghui.db'}"
    settings = ActionSettings(home=tmp_path, database_url=database, **_derived(data_key))  # type: ignore[arg-type]

    services = build_application_services(settings)
    sessions = session_factory(make_engine(database))
    with session_scope(sessions) as session:
        sync_stations(session, load_stations())
    reference = services.store.submit_application(sample_form(phone=PHONE)).application.reference

    assert not (tmp_path / "secrets").exists()  # no development data key was read or made
    with pytest.raises(ContactSealedError):
        services.store.reveal_contact(reference)
    console = ApplicationStore(sessions, FieldCipher(decode_key(data_key)))
    assert console.reveal_contact(reference) == (PHONE, RESIDENT_ID)


def test_numbers_the_bot_seals_open_in_the_action_server(tmp_path: Path, data_key: str) -> None:
    database = f"sqlite:///{tmp_path / 'nonghui.db'}"
    migrate(make_engine(database))
    bot_vault = NumberVault(
        session_factory(make_engine(database)),
        draft_cipher_from_settings(BotSettings(home=tmp_path, database_url=database, data_key=data_key)),  # type: ignore[arg-type]
    )
    handle = bot_vault.seal("web:a1", "phone", PHONE, "138****5678")
    settings = ActionSettings(home=tmp_path, database_url=database, **_derived(data_key))  # type: ignore[arg-type]

    numbers = build_application_services(settings).numbers

    assert numbers is not None and numbers.reveal("web:a1", f"我的电话 {handle}") == f"我的电话 {PHONE}"


def test_without_its_derived_keys_the_action_server_builds_nothing_and_reads_no_data_key(
    tmp_path: Path, data_key: str
) -> None:
    settings = ActionSettings(home=tmp_path, database_url=f"sqlite:///{tmp_path / 'nonghui.db'}", data_key=data_key)  # type: ignore[arg-type]

    with pytest.raises(DataKeyError, match="NONGHUI_SEAL_PUBLIC_KEY"):
        build_application_services(settings)
    assert not (tmp_path / "secrets").exists()


def test_production_refuses_to_start_the_action_server_without_its_keys(
    tmp_path: Path, data_key: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    for name in ("NONGHUI_SEAL_PUBLIC_KEY", "NONGHUI_DRAFT_KEY", "NONGHUI_LOOKUP_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NONGHUI_ENV", "production")
    monkeypatch.setenv("NONGHUI_HOME", str(tmp_path))
    monkeypatch.setenv("NONGHUI_ACTION_SECRET", "s" * 40)
    monkeypatch.setenv("NONGHUI_DATA_KEY", data_key)  # even with the data key at hand: it is not the action server's
    monkeypatch.setattr(actions_main, "keep_files_private", lambda: None)

    with caplog.at_level(logging.ERROR), pytest.raises(SystemExit) as stopped:
        actions_main.main()

    assert stopped.value.code == 2
    assert "cannot start" in caplog.text and "NONGHUI_DRAFT_KEY" in caplog.text and "Traceback" not in caplog.text
