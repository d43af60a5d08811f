"""Settings layering: defaults < configs/valbar.toml < VALBAR_* environment."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from catalog.settings import Settings


def test_toml_file_overrides_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = tmp_path / "valbar.toml"
    cfg.write_text('search_backend = "opensearch"\nmass_withdrawal_ratio = 0.3\n')
    monkeypatch.setenv("VALBAR_CONFIG_FILE", str(cfg))
    s = Settings()
    assert s.search_backend == "opensearch"
    assert s.mass_withdrawal_ratio == 0.3


def test_environment_overrides_toml(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = tmp_path / "valbar.toml"
    cfg.write_text('search_backend = "opensearch"\n')
    monkeypatch.setenv("VALBAR_CONFIG_FILE", str(cfg))
    monkeypatch.setenv("VALBAR_SEARCH_BACKEND", "tantivy")
    assert Settings().search_backend == "tantivy"


def test_default_database_is_sqlite_under_data_dir(tmp_path: Path) -> None:
    s = Settings(data_dir=tmp_path, database_url="")
    assert s.sqlalchemy_url == f"sqlite:///{tmp_path / 'valbar.sqlite3'}"
    assert s.archive_dir == tmp_path / "archive"


@pytest.mark.parametrize("environment", ["development", "test", "production"])
def test_the_old_public_secret_is_refused_in_every_mode(environment: str) -> None:
    with pytest.raises(ValidationError, match="SECRET_KEY is the old public default"):
        Settings(environment=environment, secret_key="dev-insecure-secret-key")  # type: ignore[arg-type]


def test_a_short_secret_is_refused_in_production() -> None:
    with pytest.raises(ValidationError, match="too short for production"):
        Settings(environment="production", secret_key="short")
    assert Settings(environment="production").secret_key == ""  # made in the data dir


def test_proxy_and_ops_networks_are_checked() -> None:
    with pytest.raises(ValidationError, match="not an IP address"):
        Settings(trusted_proxies=["proxy.example"])
    assert Settings(ops_allowed_ips=["10.0.0.0/8", "::1"]).ops_allowed_ips == ["10.0.0.0/8", "::1"]


def test_the_shipped_config_sets_no_secret() -> None:
    assert Settings().secret_key == ""  # a random one is made in the data dir


def test_invalid_values_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VALBAR_SEARCH_BACKEND", "solr")
    with pytest.raises(ValidationError, match="search_backend"):
        Settings()
