"""The backend contract against a REAL OpenSearch cluster (optional).

Runs only when ``OPENSEARCH_URL`` is set (e.g. ``http://127.0.0.1:9200``); skipped with a
reason otherwise, in CI too: the emulator suite (``test_search_opensearch_emulator.py``) is
the required one. Every test uses its own index prefix and deletes what it created.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from opensearchpy import OpenSearch

from search.backends.opensearch_backend import OpenSearchBackend
from search.protocol import SearchBackend
from tests.unit.search.contract import BackendContract, sample_documents

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(
        not os.environ.get("OPENSEARCH_URL"),
        reason="OPENSEARCH_URL is not set (optional real-cluster suite)",
    ),
]


def _cleanup(url: str, prefix: str) -> None:
    client = OpenSearch(hosts=[url], timeout=30)
    try:
        client.indices.delete(index=f"{prefix}-*", ignore_unavailable=True)
        client.indices.delete_index_template(name=f"{prefix}-products", ignore=[404])
    finally:
        client.close()


@pytest.fixture()
def cluster_prefix() -> Iterator[str]:
    prefix = f"valbar-test-{uuid.uuid4().hex[:8]}"
    yield prefix
    _cleanup(os.environ["OPENSEARCH_URL"], prefix)


def make_cluster_backend(prefix: str) -> OpenSearchBackend:
    client = OpenSearch(hosts=[os.environ["OPENSEARCH_URL"]], timeout=30, retry_on_status=())
    return OpenSearchBackend(client, prefix)


class TestOpenSearchClusterContract(BackendContract):
    """The backend contract, run against the cluster at OPENSEARCH_URL."""

    @pytest.fixture(autouse=True)
    def _prefix(self, cluster_prefix: str) -> None:
        self.prefix = cluster_prefix

    def make_backend(self, tmp_path: Path) -> SearchBackend:
        return make_cluster_backend(self.prefix)


def test_cluster_uses_builtin_language_analyzers(cluster_prefix: str) -> None:
    backend = make_cluster_backend(cluster_prefix)
    backend.index_documents(sample_documents())
    index = backend.index
    mapping = backend.client.indices.get_mapping(index=index)[index]["mappings"]
    assert mapping["properties"]["title"]["fields"]["sv"]["analyzer"] == "swedish"
    assert backend.health()["language_analyzers"] == "built-in"
    backend.close()
