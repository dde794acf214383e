"""The bot process's settings: the shared base (core/settings.py) plus web, Rasa, Telegram, hand-off and campaigns."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr

from core.settings import NonghuiSettings, secret_or_dev_file, secret_value


class BotSettings(NonghuiSettings):
    """Settings of `python -m bot` and its commands. Secrets (tokens, keys) come only from the environment."""

    web_host: str = "127.0.0.1"
    web_port: int = 8000

    rasa_url: str = "http://127.0.0.1:5005"
    # More Rasa servers (scale-out): each conversation goes to one of them by a stable hash of its sender id,
    # to the next one while it is down. Empty: `rasa_url` alone.
    rasa_urls: list[str] = Field(default_factory=list)
    # NONGHUI_RASA_TOKEN: Rasa's API token and the secret of its Nonghui input channel (required in production).
    rasa_token: SecretStr | None = None
    rasa_timeout_seconds: float = 10.0
    # Rasa's SQL tracker store (nlu/endpoints.yml): erased for a farmer who asks to delete their data.
    rasa_tracker_url: str | None = None

    # Scale-out: Redis shared by the bot workers (language memory; `<redis_prefix>…` keys). None: one worker.
    redis_url: str | None = None
    redis_prefix: str = "nonghui:"
    # Outbox delivery and the hand-off idle closer: exactly one bot worker runs them (the launcher sets this).
    background_jobs: bool = True

    # Video catalogues `kb build` (and so setup) indexes with the corpus; an operator lists the ones with real
    # URLs here so a rebuild keeps them. Empty by default: knowledge/videos/catalogue.yaml is SAMPLE content.
    video_catalogues: list[Path] = Field(default_factory=list)

    telegram_bot_token: SecretStr | None = Field(default=None, validation_alias="TELEGRAM_BOT_TOKEN")
    telegram_api_base_url: str = Field(default="https://api.telegram.org/bot", validation_alias="TELEGRAM_API_BASE_URL")
    telegram_mode: Literal["polling", "webhook"] = "polling"
    telegram_webhook_url: str | None = None
    telegram_webhook_secret: SecretStr | None = Field(default=None, validation_alias="TELEGRAM_WEBHOOK_SECRET")
    telegram_webhook_listen: str = "127.0.0.1"
    telegram_webhook_port: int = 8443
    telegram_poll_interval: float = 0.0

    # Human hand-off and the staff console (bot/handoff, bot/staff).
    handoff_default_station: str | None = None
    handoff_default_hours_zh: str = "工作日 9:00–17:00"
    handoff_default_hours_en: str = "Mon–Fri 9:00–17:00"
    handoff_idle_minutes: float = 30.0
    handoff_staff_groups: dict[str, str] = Field(default_factory=dict)
    outbox_poll_seconds: float = 1.0
    staff_session_hours: float = 12.0
    staff_max_failed_logins: int = 5
    staff_lockout_minutes: float = 15.0
    staff_cookie_secure: bool | None = None

    # Publicity campaigns: the key signing deep-link payloads, and where the links point.
    telegram_bot_username: str | None = None
    public_web_url: str | None = None

    @property
    def resolved_rasa_urls(self) -> list[str]:
        """Every Rasa server the bot talks to (`rasa_urls`, else `rasa_url`)."""
        return [url.rstrip("/") for url in self.rasa_urls] or [self.rasa_url.rstrip("/")]

    def resolved_rasa_token(self) -> str:
        """Rasa's token: the setting, else (development only) a file generated once under `home/secrets/`."""
        return secret_or_dev_file(
            secret_value(self.rasa_token),
            name="rasa_token",
            env=self.env,
            home=self.home,
            generate=lambda: secrets.token_urlsafe(32),
            reason="Rasa's HTTP API and its input channel accept only callers that know it",
            what="Rasa token",
        )

    @property
    def resolved_rasa_tracker_url(self) -> str:
        """Rasa's tracker-store database, defaulting to the SQLite file nlu/endpoints.yml names under `home`."""
        return self.rasa_tracker_url or f"sqlite:///{self.home / 'rasa-tracker.db'}"

    @property
    def resolved_public_web_url(self) -> str:
        """Address of the web chat printed in campaign links, defaulting to the local web server."""
        return self.public_web_url or f"http://{self.web_host}:{self.web_port}/"
