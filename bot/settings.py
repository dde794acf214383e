"""The bot process's settings: the shared base (core/settings.py) plus web, Rasa, Telegram, hand-off and campaigns."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr

from core.settings import NonghuiSettings, is_loopback, secret_or_dev_file, secret_value


class BotSettings(NonghuiSettings):
    """Settings of `python -m bot` and its commands. Secrets (tokens, keys) come only from the environment."""

    web_host: str = "127.0.0.1"
    web_port: int = 8000
    # NONGHUI_API_KEY: trusted integrations (evaluation tools, partner services) send it as
    # `Authorization: Bearer …` and may then name any `sender_id`; unset = no integration may.
    api_key: SecretStr | None = None
    # NONGHUI_WEB_SESSION_KEY: signs the web chat's chat-id cookies (development: generated under home/secrets).
    web_session_key: SecretStr | None = None
    web_cookie_secure: bool | None = None
    # Abuse limits (bot/limits.py): browser chat turns per minute, hand-off requests per conversation and per
    # browser IP per hour, staff log-in attempts per minute and concurrent password hashes.
    chat_turns_per_ip_minute: int = 60
    chat_turns_per_conversation_minute: int = 20
    handoff_requests_per_hour: int = 5
    handoff_requests_per_ip_hour: int = 20
    staff_logins_per_ip_minute: int = 30
    staff_concurrent_password_hashes: int = 2

    rasa_url: str = "http://127.0.0.1:5005"
    # More Rasa servers (scale-out): each conversation goes to one of them by a stable hash of its sender id,
    # to the next one while it is down. Empty: `rasa_url` alone.
    rasa_urls: list[str] = Field(default_factory=list)
    # NONGHUI_RASA_TOKEN: Rasa's API token and the secret of its Nonghui input channel (required in production).
    rasa_token: SecretStr | None = None
    rasa_timeout_seconds: float = 10.0
    # Outages fail fast (bot/fallback.py): a farmer is answered within `answer_within_seconds`; Rasa gets
    # `rasa_turn_budget_seconds` of it, after which the retrieval-only fallback answers.
    answer_within_seconds: float = 3.0
    rasa_turn_budget_seconds: float = 2.5
    # Rasa's SQL tracker store (nlu/endpoints.yml): erased for a farmer who asks to delete their data.
    rasa_tracker_url: str | None = None
    # Every conversation's tracker events older than this are erased (bot/erasure.py), checked this often.
    tracker_max_age_days: float = 30.0
    tracker_sweep_minutes: float = 60.0

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
    # Failed log-ins of one name from one IP before the back-off starts, and its longest wait (no hard lock).
    staff_max_failed_logins: int = 5
    staff_lockout_minutes: float = 15.0
    staff_cookie_secure: bool | None = None

    # WeChat Official Account (bot/wechat/): on when an app id and a token are set. Secrets only from the
    # environment: NONGHUI_WECHAT_APP_SECRET, NONGHUI_WECHAT_TOKEN, NONGHUI_WECHAT_ENCODING_AES_KEY.
    wechat_app_id: str | None = None
    wechat_app_secret: SecretStr | None = None
    wechat_token: SecretStr | None = None
    wechat_encoding_aes_key: SecretStr | None = None
    wechat_mode: Literal["plain", "safe"] = "safe"
    wechat_api_base_url: str = "https://api.weixin.qq.com"
    wechat_path: str = "/wechat"
    # How long a push waits for the answer before replying `success` and sending it as a customer-service
    # message instead (WeChat gives up after 5 s).
    wechat_passive_seconds: float = 4.0
    # Customer-service messages a farmer may receive after their last message (WeChat's quota), and how long
    # after their last message the window stays open.
    wechat_cs_quota: int = 20
    wechat_window_hours: float = 48.0
    wechat_menu_file: Path | None = None
    # Where values shared by all bot workers live (WeChat's access token, reply state): the database by
    # default, or Redis (e.g. redis://127.0.0.1:6379/0).
    channel_state_url: str | None = None

    # Voice notes (bot/voice/): any faster-whisper (CTranslate2) model directory; default the Whisper base that
    # setup assembles. Recognition runs in `voice_workers` threads (at most one per core) of `voice_cpu_threads`
    # each; `voice_queue_limit` notes may wait beyond them before a farmer is asked to try again later.
    voice_model_path: Path | None = None
    voice_compute_type: str = "int8"
    voice_workers: int = Field(default=1, ge=1)
    voice_cpu_threads: int = Field(default=2, ge=1)
    voice_queue_limit: int = Field(default=8, ge=0)
    voice_beam_size: int = Field(default=5, ge=1)
    voice_max_seconds: float = Field(default=60.0, gt=0)

    # Publicity campaigns: the key signing deep-link payloads, and where the links point.
    telegram_bot_username: str | None = None
    public_web_url: str | None = None

    @property
    def reachable_from_outside(self) -> bool:
        """True when other machines can reach this bot (web port, webhook) or it shares a database server."""
        return (
            not is_loopback(self.web_host)
            or self.telegram_mode == "webhook"
            or not self.resolved_database_url.startswith("sqlite")
        )

    @property
    def secure_cookies_web(self) -> bool:
        """Whether the web chat's cookie is marked Secure (default: in production)."""
        return self.web_cookie_secure if self.web_cookie_secure is not None else self.env == "production"

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
    def resolved_voice_model_path(self) -> Path:
        """The speech model directory, defaulting to the Whisper base setup assembles under `home`."""
        return self.voice_model_path or self.home / "models" / "whisper-base"

    @property
    def resolved_public_web_url(self) -> str:
        """Address of the web chat printed in campaign links, defaulting to the local web server."""
        return self.public_web_url or f"http://{self.web_host}:{self.web_port}/"
