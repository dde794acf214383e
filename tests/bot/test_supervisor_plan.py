"""What the supervisor gives each process: command lines without secrets, and only the environment it needs."""

from pathlib import Path

import pytest

from bot.settings import BotSettings
from bot.supervisor import _env, actions_env, plan, rasa_env
from core.settings import MissingSecret

SECRETS = {
    "NONGHUI_DATA_KEY": "data-key",
    "NONGHUI_CAMPAIGN_KEY": "campaign-key",
    "TELEGRAM_BOT_TOKEN": "123:telegram",
    "NONGHUI_RASA_TOKEN": "rasa-token",
}


@pytest.fixture
def home(tmp_path: Path) -> Path:
    (tmp_path / "rasa-models").mkdir()
    (tmp_path / "rasa-models" / "current").write_text(str(tmp_path / "model.tar.gz"))
    return tmp_path


def test_rasa_gets_no_keys_and_no_channel_token(monkeypatch: pytest.MonkeyPatch, home: Path) -> None:
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("LC_ALL", "C.UTF-8")

    env = _env(home, {"NONGHUI_RASA_TOKEN": "rasa-token"}, rasa_env)

    assert "NONGHUI_DATA_KEY" not in env and "NONGHUI_CAMPAIGN_KEY" not in env and "TELEGRAM_BOT_TOKEN" not in env
    assert env["NONGHUI_RASA_TOKEN"] == "rasa-token" and env["LC_ALL"] == "C.UTF-8" and "PATH" in env


def test_the_action_server_keeps_the_data_key_but_not_channel_tokens(monkeypatch: pytest.MonkeyPatch) -> None:
    kept = {name for name in [*SECRETS, "NONGHUI_DATABASE_URL", "PATH"] if actions_env(name)}

    assert kept == {"NONGHUI_DATA_KEY", "NONGHUI_DATABASE_URL", "PATH"}


def test_no_secret_is_on_any_command_line(home: Path) -> None:
    settings = BotSettings(home=home, rasa_token="rasa-token-value", action_secret="action-secret-value")

    specs = plan(settings)

    assert specs is not None
    for spec in specs:
        assert not any("rasa-token-value" in a or "action-secret-value" in a for a in spec.args), spec.name
    rasa = next(spec for spec in specs if spec.name == "rasa")
    assert rasa.args[1:4] == ["-m", "rasa_ext.serve", "run"] and "--auth-token" not in rasa.args
    assert rasa.env["NONGHUI_RASA_TOKEN"] == "rasa-token-value"
    assert rasa.env["NONGHUI_ACTION_SECRET"] == "action-secret-value"


def test_production_refuses_to_plan_without_the_rasa_token(home: Path) -> None:
    settings = BotSettings(home=home, env="production", action_secret="action-secret-value")

    with pytest.raises(MissingSecret, match="NONGHUI_RASA_TOKEN"):
        plan(settings)


def test_development_generates_the_secrets_once_and_shares_them(home: Path) -> None:
    first, second = BotSettings(home=home), BotSettings(home=home)

    assert first.resolved_rasa_token() == second.resolved_rasa_token()
    assert first.resolved_action_secret() == second.resolved_action_secret()
    assert len(first.resolved_rasa_token()) >= 32
    assert (home / "secrets" / "rasa_token.key").stat().st_mode & 0o777 == 0o600
