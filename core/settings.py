"""The one settings base every process and command shares: environment first, then `nonghui.toml`, then defaults.

No other module reads `NONGHUI_*` variables: processes subclass `NonghuiSettings` (bot/settings.py,
actions/settings.py) and pass values on as arguments.
"""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Literal

from pydantic import SecretStr
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict, TomlConfigSettingsSource

from core.errors import NonghuiError

ENV_PREFIX = "NONGHUI_"
DEFAULT_HOME = Path.home() / ".cache" / "nonghui"
CONFIG_FILE = Path(__file__).resolve().parent.parent / "nonghui.toml"
SECRETS_DIR = Path("secrets")
EMBEDDING_MODEL_DIR = Path("models") / "multilingual-e5-small"

log = logging.getLogger(__name__)

Environment = Literal["development", "production"]


class MissingSecret(NonghuiError):
    """A secret that production requires is not set."""


class EnvironmentNotNamed(NonghuiError):
    """A deployment reachable from outside was started without saying whether it is production."""


PRIVATE_UMASK = 0o077


def keep_files_private() -> None:
    """Every file this process creates from now on (databases, logs, keys) is its user's only: 0600, folders 0700.

    Child processes (Rasa and the action server under the supervisor) inherit it."""
    os.umask(PRIVATE_UMASK)


def require_named_environment(settings: NonghuiSettings, *, exposed: bool) -> None:
    """Refuse to serve where others can reach (`exposed`) unless NONGHUI_ENV was set explicitly.

    Without it the default, development, would quietly generate keys and skip production's checks."""
    if exposed and "env" not in settings.model_fields_set:
        raise EnvironmentNotNamed(
            f"{ENV_PREFIX}ENV must be set explicitly (production or development) for a deployment reachable "
            "from other machines"
        )


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and localhost: only this machine can connect."""
    return host == "localhost" or host == "::1" or host.startswith("127.")


class NonghuiSettings(BaseSettings):
    """Home, environment, database, knowledge index, embedding model and keys; secrets only as SecretStr."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore", toml_file=CONFIG_FILE)

    home: Path = DEFAULT_HOME
    env: Environment = "development"
    database_url: str | None = None
    index_dir: Path | None = None
    embedding_model: str | None = None
    # The knowledge index's dense search structure, chosen when the index is built (knowledge/dense_search.py):
    # exact inner product up to this many chunks, the approximate kind above.
    exact_search_limit: int = 50_000
    approximate_index: Literal["hnsw", "ivf"] = "ivf"
    stations_file: Path | None = None
    # The action server: where `python -m actions` listens and where Rasa calls it (nlu/endpoints.yml reads
    # NONGHUI_ACTION_URL, which the supervisor sets from `resolved_action_url`).
    action_host: str = "127.0.0.1"
    action_port: int = 5055
    # NONGHUI_ACTION_SECRET: Rasa sends it with every action call, the action server refuses calls without it.
    action_secret: SecretStr | None = None
    data_key: SecretStr | None = None  # NONGHUI_DATA_KEY: encrypts personal data (store/crypto.py)
    campaign_key: SecretStr | None = None  # NONGHUI_CAMPAIGN_KEY: signs campaign links (bot/campaigns/keys.py)
    # NONGHUI_DATA_KEYS_PREVIOUS: earlier data keys (comma-separated), still opening values sealed before a rotation.
    data_keys_previous: SecretStr | None = None
    # The action server's keys, derived from the data key by the supervisor (store/crypto.py derive_action_keys)
    # and given to the action server instead of it: NONGHUI_SEAL_PUBLIC_KEY (seals stored applications, opens
    # nothing), NONGHUI_DRAFT_KEY (opens short-lived number drafts), NONGHUI_LOOKUP_KEY (look-up hashes).
    seal_public_key: str | None = None
    draft_key: SecretStr | None = None
    lookup_key: SecretStr | None = None
    # How long a personal number typed in the chat stays sealed behind its handle (store/number_drafts.py).
    number_draft_hours: float = 72.0

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Order: constructor arguments, environment, then the TOML config file."""
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls))

    @property
    def resolved_database_url(self) -> str:
        """Database URL, defaulting to a SQLite file under `home`."""
        return self.database_url or f"sqlite:///{self.home / 'nonghui.db'}"

    @property
    def resolved_index_dir(self) -> Path:
        """Knowledge index directory, defaulting to `home/index`."""
        return self.index_dir or self.home / "index"

    @property
    def resolved_embedding_model(self) -> str:
        """Embedding model path or name, defaulting to the converted e5 model under `home`."""
        return self.embedding_model or str(self.home / EMBEDDING_MODEL_DIR)

    @property
    def resolved_action_url(self) -> str:
        """The action server's webhook URL, as Rasa's endpoint configuration needs it."""
        return f"http://{self.action_host}:{self.action_port}/webhook"

    def resolved_action_secret(self) -> str:
        """The secret Rasa sends to the action server: the setting, else (development only) a generated file."""
        return secret_or_dev_file(
            secret_value(self.action_secret),
            name="action_secret",
            env=self.env,
            home=self.home,
            generate=lambda: secrets.token_urlsafe(32),
            reason="the action server accepts calls only from the Rasa server that knows it",
            what="action-server secret",
        )

    @property
    def models_dir(self) -> Path:
        """Where converted and trained models are kept: `home/models`."""
        return self.home / "models"


def secret_value(secret: SecretStr | None) -> str | None:
    """The text of a secret setting, None when unset or blank."""
    if secret is None:
        return None
    text = secret.get_secret_value().strip()
    return text or None


def secret_or_dev_file(
    value: str | None,
    *,
    name: str,
    env: str,
    home: Path,
    generate: Callable[[], str],
    reason: str,
    what: str = "key",
    logger: logging.Logger = log,
) -> str:
    """A secret: `value` when set; in production MissingSecret; in development a file generated once under
    `home/secrets/` (mode 600) and kept, with a warning. `name` is the setting (e.g. "data_key"); `what` and
    `logger` word and place the warning."""
    if value and value.strip():
        return value
    variable = f"{ENV_PREFIX}{name.upper()}"
    if env == "production":
        raise MissingSecret(f"{variable} must be set in production: {reason}")
    path = home / SECRETS_DIR / f"{name.removesuffix('_key')}.key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process created it first: use theirs
        else:
            with os.fdopen(descriptor, "w", encoding="ascii") as handle:
                handle.write(generate())
            logger.warning("generated a development %s in %s; set %s in production", what, path, variable)
            return path.read_text(encoding="ascii")
    logger.warning("using the development %s in %s; set %s in production", what, path, variable)
    return path.read_text(encoding="ascii")
