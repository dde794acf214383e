"""What the supervisor gives each process: command lines without secrets, and only the environment it needs."""

from pathlib import Path
from typing import get_args

import pytest
from pydantic import SecretStr

from bot.settings import BotSettings
from bot.supervisor import ChildSpec, _env, actions_env, plan, rasa_env, scaled_plan
from core.settings import MissingSecret
from store.crypto import DataKeyError, decode_key, derive_action_keys, generate_key

SECRETS = {
    "NONGHUI_DATA_KEY": "data-key",
    "NONGHUI_CAMPAIGN_KEY": "campaign-key",
    "TELEGRAM_BOT_TOKEN": "123:telegram",
    "NONGHUI_RASA_TOKEN": "rasa-token",
}
BOT_SECRETS = {
    "NONGHUI_DATA_KEYS_PREVIOUS": "previous-data-key",
    "NONGHUI_API_KEY": "api-key-value",
    "NONGHUI_WEB_SESSION_KEY": "web-session-key-value",
    "TELEGRAM_WEBHOOK_SECRET": "telegram-webhook-secret",
    "NONGHUI_WECHAT_APP_SECRET": "wechat-app-secret",
    "NONGHUI_WECHAT_TOKEN": "wechat-token-value",
    "NONGHUI_WECHAT_ENCODING_AES_KEY": "wechat-aes-key-value",
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


def test_the_action_server_inherits_no_key_token_or_other_secret_of_the_bot() -> None:
    kept = {name for name in [*SECRETS, *BOT_SECRETS, "NONGHUI_DATABASE_URL", "PATH"] if actions_env(name)}

    assert kept == {"NONGHUI_DATABASE_URL", "PATH"}


def test_every_secret_setting_of_the_bot_but_the_action_servers_own_is_kept_from_it() -> None:
    secret_settings = {
        name
        for name, info in BotSettings.model_fields.items()
        if SecretStr in (info.annotation, *get_args(info.annotation))
    }
    passed = {name for name in secret_settings if actions_env(_variable(name))}

    assert passed == {"action_secret", "draft_key", "lookup_key"}


def _variable(name: str) -> str:
    alias = BotSettings.model_fields[name].validation_alias
    return alias if isinstance(alias, str) else f"NONGHUI_{name.upper()}"


def _actions_environment(spec: ChildSpec, home: Path) -> dict[str, str]:
    return _env(home, spec.env, spec.inherit)


def _with_bot_secrets(monkeypatch: pytest.MonkeyPatch, data_key: str) -> None:
    for name, value in {**SECRETS, **BOT_SECRETS}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("NONGHUI_DATA_KEY", data_key)


def _assert_only_derived_keys(env: dict[str, str], data_key: str) -> None:
    assert not {"NONGHUI_DATA_KEY", "NONGHUI_DATA_KEYS_PREVIOUS"} & set(env)
    secrets_given = [data_key, *[v for k, v in {**SECRETS, **BOT_SECRETS}.items() if k != "NONGHUI_DATA_KEY"]]
    assert not [k for k, v in env.items() if any(secret in v for secret in secrets_given)]
    assert {k: env[k] for k in derive_action_keys(decode_key(data_key)).environment()} == (
        derive_action_keys(decode_key(data_key)).environment()
    )
    assert env["NONGHUI_ACTION_SECRET"] == "action-secret-value"


def test_the_action_server_gets_keys_derived_from_the_data_key_and_never_the_data_key(
    monkeypatch: pytest.MonkeyPatch, home: Path
) -> None:
    data_key = generate_key()
    _with_bot_secrets(monkeypatch, data_key)

    specs = plan(BotSettings(home=home, action_secret="action-secret-value"))

    assert specs is not None
    actions = next(spec for spec in specs if spec.name == "actions")
    _assert_only_derived_keys(_actions_environment(actions, home), data_key)
    bot = next(spec for spec in specs if spec.name == "bot")
    assert _actions_environment(bot, home)["NONGHUI_DATA_KEY"] == data_key  # the bot and its console keep it


def test_every_action_server_replica_gets_only_the_derived_keys(monkeypatch: pytest.MonkeyPatch, home: Path) -> None:
    data_key = generate_key()
    _with_bot_secrets(monkeypatch, data_key)
    settings = BotSettings(
        home=home,
        action_secret="action-secret-value",
        database_url="postgresql+psycopg://nonghui@127.0.0.1/nonghui",
        rasa_tracker_url="postgresql://nonghui@127.0.0.1/rasa",
        redis_url="redis://127.0.0.1:6379/0",
    )

    actions = [spec for spec in scaled_plan(settings, 2) if spec.name.startswith("actions-")]

    assert len(actions) == 2
    for spec in actions:
        _assert_only_derived_keys(_actions_environment(spec, home), data_key)


def test_production_refuses_to_plan_without_the_data_key(home: Path) -> None:
    settings = BotSettings(home=home, env="production", action_secret="action-secret-value", rasa_token="t" * 40)

    with pytest.raises(DataKeyError, match="NONGHUI_DATA_KEY"):
        plan(settings)
    assert not (home / "secrets" / "data.key").exists()


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
