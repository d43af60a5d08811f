"""OpenSearch for a real cluster: credentials, TLS and shards/replicas come from settings
(before, ``from_settings`` passed only the URL: no auth, no CA, one shard, no replica)."""

from __future__ import annotations

import base64
from typing import Any

import certifi
import pytest

from catalog.settings import Settings
from search.backends import opensearch_backend
from search.backends.opensearch_backend import OpenSearchBackend, client_from_settings


def _connection(settings: Settings) -> Any:
    return client_from_settings(settings).transport.get_connection()


def test_plain_http_without_credentials() -> None:
    connection = _connection(Settings(opensearch_url="http://127.0.0.1:9200"))
    assert connection.host == "http://127.0.0.1:9200" and connection.use_ssl is False
    assert "authorization" not in connection.headers


def test_credentials_and_tls_with_a_ca_bundle() -> None:
    settings = Settings(
        opensearch_url="https://search.internal:9200",
        opensearch_username="valbar",
        opensearch_password="s3cret-pass",
        opensearch_ca_certs=certifi.where(),
    )
    connection = _connection(settings)
    assert connection.host == "https://search.internal:9200" and connection.use_ssl is True
    expected = base64.b64encode(b"valbar:s3cret-pass").decode()
    assert connection.headers["authorization"] == f"Basic {expected}"
    assert connection.pool.ca_certs == certifi.where()
    assert connection.pool.cert_reqs == "CERT_REQUIRED"


def test_certificate_check_can_be_turned_off_for_a_self_signed_test_cluster() -> None:
    connection = _connection(
        Settings(opensearch_url="https://127.0.0.1:9200", opensearch_verify_certs=False)
    )
    assert connection.pool.cert_reqs == "CERT_NONE"


def test_shards_and_replicas_reach_the_backend(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, Any] = {}

    def fake_init(self: OpenSearchBackend, client: Any, prefix: str, **kwargs: Any) -> None:
        seen.update(prefix=prefix, **kwargs)

    monkeypatch.setattr(opensearch_backend.OpenSearchBackend, "__init__", fake_init)
    OpenSearchBackend.from_settings(
        Settings(opensearch_shards=3, opensearch_replicas=1, opensearch_index_prefix="prod")
    )
    assert seen == {"prefix": "prod", "shards": 3, "replicas": 1}


def test_bad_shard_settings_are_refused() -> None:
    with pytest.raises(ValueError, match="opensearch_shards"):
        Settings(opensearch_shards=0)
    with pytest.raises(ValueError, match="opensearch_replicas"):
        Settings(opensearch_replicas=-1)
