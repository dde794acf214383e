"""The action server's one settings class: environment first, then `nonghui.toml`, then defaults."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

DEFAULT_HOME = Path.home() / ".cache" / "nonghui"
CONFIG_FILE = Path(__file__).resolve().parent.parent / "nonghui.toml"


class ActionSettings(BaseSettings):
    """Settings of `python -m actions`; same home, index and model defaults as the bot."""

    model_config = SettingsConfigDict(env_prefix="NONGHUI_", extra="ignore", toml_file=CONFIG_FILE)

    home: Path = DEFAULT_HOME
    index_dir: Path | None = None
    embedding_model: str | None = None
    host: str = "127.0.0.1"
    port: int = 5055
    env: Literal["development", "production"] = "development"
    database_url: str | None = None
    stations_file: Path | None = None

    @model_validator(mode="after")
    def _fill_paths_from_home(self) -> ActionSettings:
        """Default the index to `home/index` and the model to the converted e5 model under `home`."""
        if self.index_dir is None:
            self.index_dir = self.home / "index"
        if self.embedding_model is None:
            self.embedding_model = str(self.home / "models" / "multilingual-e5-small")
        return self

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
        """Database URL, defaulting to the same SQLite file under `home` as the bot."""
        return self.database_url or f"sqlite:///{self.home / 'nonghui.db'}"

    @property
    def resolved_stations_file(self) -> Path:
        """Station registry file, defaulting to the sample registry shipped in loans/data."""
        from loans.stations import SAMPLE_STATIONS

        return self.stations_file or SAMPLE_STATIONS

    @property
    def resolved_index_dir(self) -> Path:
        """Knowledge index directory (never None after validation)."""
        assert self.index_dir is not None
        return self.index_dir

    @property
    def resolved_embedding_model(self) -> str:
        """Embedding model path or name (never None after validation)."""
        assert self.embedding_model is not None
        return self.embedding_model
