"""The OpenSearch backend against the osmem-server EMULATOR (an in-memory OpenSearch API).

The same contract as every backend (``tests/unit/search/contract.py``), plus what only the
OpenSearch backend does: the index template, the alias swap of ``reindex``. This runs
against the emulator, not a real cluster (see ``test_search_opensearch_cluster.py``):
where the emulator differs from OpenSearch the backend's documented fallback is in use
(the built-in ``swedish`` analyzer name is refused in mappings by the emulator).

In CI (CI=true) an emulator that cannot start fails the run; locally it skips.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from opensearchpy import OpenSearch
from osmem_server import OsmemError, OsmemServer

from catalog.settings import Settings
from search.backends.opensearch_backend import OpenSearchBackend
from search.documents import ProductDocument
from search.errors import BackendUnavailable
from search.protocol import BackendQuery, SearchBackend
from search.registry import get_backend
from tests.conftest import IN_CI
from tests.unit.search.contract import BackendContract, sample_documents

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def emulator() -> Iterator[OsmemServer]:
    """One emulator process for the module; each test takes its own clone."""
    try:
        server = OsmemServer.start(japanese=False)
    except (OsmemError, OSError) as exc:
        msg = f"the OpenSearch emulator (osmem-server) cannot start: {exc}"
        if IN_CI:
            pytest.fail(f"{msg} (CI=true: integration services are required)")
        pytest.skip(msg)
    yield server
    server.close()
    if server.process.stdout is not None:  # OsmemServer.close leaves its stdout pipe open
        server.process.stdout.close()


@pytest.fixture()
def emulator_url(emulator: OsmemServer) -> Iterator[str]:
    with emulator.clone() as clone:
        yield clone.url


def make_emulator_backend(url: str, prefix: str = "test") -> OpenSearchBackend:
    client = OpenSearch(hosts=[url], timeout=30, retry_on_status=())
    return OpenSearchBackend(client, prefix)


class TestOpenSearchEmulatorContract(BackendContract):
    """The backend contract, run against the osmem-server emulator."""

    @pytest.fixture(autouse=True)
    def _emulator(self, emulator_url: str) -> None:
        self.url = emulator_url

    def make_backend(self, tmp_path: Path) -> SearchBackend:
        return make_emulator_backend(self.url)


@pytest.fixture()
def backend(emulator_url: str) -> Iterator[OpenSearchBackend]:
    backend = make_emulator_backend(emulator_url)
    backend.index_documents(sample_documents())
    yield backend
    backend.close()


def test_emulator_index_is_built_from_the_template(backend: OpenSearchBackend) -> None:
    client = backend.client
    template = client.indices.get_index_template(name="test-products")["index_templates"][0]
    assert template["index_template"]["index_patterns"] == ["test-products-*"]
    index = backend.index
    assert index.startswith("test-products-") and index != backend.alias
    mapping = client.indices.get_mapping(index=index)[index]["mappings"]
    props = mapping["properties"]
    assert mapping["dynamic"] == "strict"
    assert props["name_sv"]["analyzer"] == "valbar_tokens"
    assert props["brand"]["type"] == "keyword"
    assert props["min_price"]["type"] == "double"
    assert props["payload"]["enabled"] is False
    assert set(props["title"]["fields"]) == {"sv", "en"}
    analysis = client.indices.get_settings(index=index)[index]["settings"]["index"]["analysis"]
    assert analysis["analyzer"]["valbar_tokens"]["tokenizer"] == "whitespace"
    # the emulator refuses the built-in "swedish" analyzer in mappings: rebuilt fallback
    assert backend.health()["language_analyzers"] == "rebuilt"
    assert props["title"]["fields"]["sv"]["analyzer"] == "valbar_swedish"
    tokens = client.indices.analyze(
        index=index, body={"analyzer": "valbar_swedish", "text": "Handskarna"}
    )["tokens"]
    assert [t["token"] for t in tokens] == ["handsk"]


def test_emulator_reindex_swaps_alias_and_drops_old_index(backend: OpenSearchBackend) -> None:
    client = backend.client
    old = backend.index
    assert backend.reindex(sample_documents()[:2]) == 2
    new = backend.index
    assert new != old
    assert list(client.indices.get_alias(name=backend.alias)) == [new]
    assert not client.indices.exists(index=old)
    assert client.get(index=backend.meta_index, id=new)["found"]
    assert backend.count() == 2


def test_emulator_searches_answer_from_old_index_until_swap(backend: OpenSearchBackend) -> None:
    answered: list[tuple[str, int]] = []

    def docs() -> Iterator[ProductDocument]:
        for doc in sample_documents()[:2]:
            found = backend.search(BackendQuery(query=backend.analyze_query("tandblekning")))
            answered.append((backend.index, found.total))
            yield doc

    old = backend.index
    backend.reindex(docs())
    assert answered == [(old, 1), (old, 1)]  # product 4 is only in the old index
    assert backend.search(BackendQuery(query=backend.analyze_query("tandblekning"))).total == 0


def test_emulator_failed_reindex_keeps_the_old_index(backend: OpenSearchBackend) -> None:
    old = backend.index

    def broken() -> Iterator[ProductDocument]:
        yield sample_documents()[0]
        raise RuntimeError("catalog read failed")

    with pytest.raises(RuntimeError, match="catalog read failed"):
        backend.reindex(broken())
    assert backend.index == old
    names = backend.client.indices.get(index="test-products-*")
    assert list(names) == [old]  # the half-built index was removed
    assert backend.count() == 5


def test_emulator_second_instance_follows_the_alias(
    backend: OpenSearchBackend, emulator_url: str
) -> None:
    reader = make_emulator_backend(emulator_url)
    assert reader.count() == 5
    backend.reindex(sample_documents()[:1])
    reader._alias_checked = float("-inf")  # skip the once-a-second throttle
    assert reader.index == backend.index
    assert reader.count() == 1
    reader.close()


def test_emulator_reindex_learns_catalog_words(emulator_url: str) -> None:
    backend = make_emulator_backend(emulator_url)
    doc = ProductDocument(product_id=9, name="Zirkoniablock Katana", category="Zirkonia")
    backend.index_documents([doc])
    assert backend.analyzer.decompounder.split("katanablock") == ()
    backend.reindex([doc])  # the new index knows "katana" from the catalog
    assert backend.analyzer.decompounder.split("katanablock") == ("katana", "block")
    fresh = make_emulator_backend(emulator_url)  # the vocabulary is kept with the index
    assert fresh.analyzer.decompounder.split("katanablock") == ("katana", "block")
    fresh.close()
    backend.close()


def test_emulator_identifier_matches_under_price_sort(backend: OpenSearchBackend) -> None:
    query = backend.analyze_query("4910-a2 nitrilhandskar")
    result = backend.search(BackendQuery(query=query, sort="price_asc", operator="or"))
    assert result.identifier_matches == frozenset({2})
    assert [pid for pid, _key in result.hits] == [1, 2]  # by price, not by the exact match
    assert [key for _pid, key in result.hits] == [99.0, 700.0]  # the sort key, as tantivy


def test_emulator_suggest_completes_last_word_in_context(backend: OpenSearchBackend) -> None:
    # whole labels starting with the prefix first, then the last word completed
    # whole labels are shown as written; a completed last word in its normalized form
    assert backend.suggest("filtek su", 5) == [
        "Filtek Supreme XTE universal composite A2",
        "filtek supreme",
    ]
    assert backend.suggest("3m fil", 5) == ["3 m filtek"]  # "3m" tokenizes as "3 m"
    assert backend.suggest("abe", 5) == ["Abena", "abena"]  # the brand, then the name word
    assert backend.suggest("abena ", 5) == ["Abena"]  # trailing space: no word completion


def test_emulator_registry_opens_backend_from_settings(emulator_url: str, tmp_path: Path) -> None:
    settings = Settings(
        data_dir=tmp_path,
        search_backend="opensearch",
        opensearch_url=emulator_url,
        opensearch_index_prefix="reg",
    )
    backend = get_backend(settings)
    assert isinstance(backend, OpenSearchBackend)
    assert backend.alias == "reg-products"
    assert backend.count() == 0
    backend.close()
    with pytest.raises(BackendUnavailable, match="closed"):
        backend.count()
