"""Private files and an explicitly named environment for deployments others can reach."""

from __future__ import annotations

import os
import stat

import pytest

from bot.settings import BotSettings
from core.settings import EnvironmentNotNamed, keep_files_private, require_named_environment


def test_files_created_after_keep_files_private_are_the_owners_only(tmp_path) -> None:
    previous = os.umask(0o022)
    try:
        keep_files_private()
        (tmp_path / "nonghui.log").write_text("x")
        (tmp_path / "logs").mkdir()
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / "nonghui.log").stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "logs").stat().st_mode) == 0o700


@pytest.mark.parametrize(
    "changes",
    [{"web_host": "0.0.0.0"}, {"telegram_mode": "webhook"}, {"database_url": "postgresql+psycopg://u@db/n"}],
)
def test_a_deployment_others_can_reach_refuses_to_start_without_nonghui_env(monkeypatch, tmp_path, changes) -> None:
    monkeypatch.delenv("NONGHUI_ENV", raising=False)
    settings = BotSettings(home=tmp_path, **changes)

    assert settings.reachable_from_outside
    with pytest.raises(EnvironmentNotNamed):
        require_named_environment(settings, exposed=settings.reachable_from_outside)
    monkeypatch.setenv("NONGHUI_ENV", "production")
    named = BotSettings(home=tmp_path, **changes)
    require_named_environment(named, exposed=named.reachable_from_outside)


def test_a_local_development_run_needs_no_nonghui_env(monkeypatch, tmp_path) -> None:
    monkeypatch.delenv("NONGHUI_ENV", raising=False)
    settings = BotSettings(home=tmp_path)
    assert not settings.reachable_from_outside
    require_named_environment(settings, exposed=settings.reachable_from_outside)
