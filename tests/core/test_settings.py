"""The one settings base: every process reads home, database, index, model and keys the same way."""

from __future__ import annotations

from pathlib import Path

import pytest

from actions.settings import ActionSettings
from bot.settings import BotSettings
from core.settings import MissingSecret, NonghuiSettings, secret_or_dev_file, secret_value


def test_every_process_resolves_the_shared_settings_identically(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.setenv("NONGHUI_HOME", str(tmp_path))
    monkeypatch.setenv("NONGHUI_DATA_KEY", "the-data-key")
    for name in ("DATABASE_URL", "INDEX_DIR", "EMBEDDING_MODEL", "ENV"):
        monkeypatch.delenv(f"NONGHUI_{name}", raising=False)

    resolved = [
        (
            s.home,
            s.env,
            s.resolved_database_url,
            s.resolved_index_dir,
            s.resolved_embedding_model,
            secret_value(s.data_key),
        )
        for s in (NonghuiSettings(), BotSettings(), ActionSettings())
    ]

    assert resolved[0] == resolved[1] == resolved[2]
    assert resolved[0][2] == f"sqlite:///{tmp_path / 'nonghui.db'}"
    assert resolved[0][5] == "the-data-key"


def test_keys_are_secrets_not_shown_in_the_settings_repr(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("NONGHUI_CAMPAIGN_KEY", "do-not-print-me")
    assert "do-not-print-me" not in repr(NonghuiSettings())


def test_a_secret_is_required_in_production(tmp_path: Path):
    with pytest.raises(MissingSecret, match="NONGHUI_SOME_KEY"):
        secret_or_dev_file(None, name="some_key", env="production", home=tmp_path, generate=lambda: "x", reason="r")
    assert not (tmp_path / "secrets").exists()


def test_a_development_secret_is_generated_once_and_kept_private(tmp_path: Path):
    values = iter(["first", "second"])
    first = secret_or_dev_file(
        None, name="some_key", env="development", home=tmp_path, generate=lambda: next(values), reason="r"
    )
    again = secret_or_dev_file(
        "", name="some_key", env="development", home=tmp_path, generate=lambda: next(values), reason="r"
    )
    assert first == again == "first"
    assert (tmp_path / "secrets" / "some.key").stat().st_mode & 0o777 == 0o600


def test_a_set_secret_wins_over_the_file(tmp_path: Path):
    assert (
        secret_or_dev_file("given", name="some_key", env="production", home=tmp_path, generate=lambda: "x", reason="r")
        == "given"
    )
