"""Synonyms without a deploy on the OpenSearch backend, against the osmem-server emulator:
the console flow over HTTP (add a synonym, preview, publish) makes a search that found
nothing find the product, with no reindex; and a second server process over the same
database and cluster applies the publication within ``config_check_seconds``, no restart.

The rules expand the query in Python before it is translated to the OpenSearch DSL (see
``search.backends.opensearch_backend``), so the index and its settings are never touched.
In CI (CI=true) an emulator that cannot start fails the run; locally it skips.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from osmem_server import OsmemServer

from tests.integration.test_search_opensearch_emulator import emulator, emulator_url
from tests.unit.api.test_api_support import ApiEnv, build_env, close_env, restart_env

pytestmark = pytest.mark.integration
__all__ = ["emulator", "emulator_url"]
CHECK_SECONDS = 0.2


@pytest.fixture()
def env(tmp_path: Path, emulator_url: str, emulator: OsmemServer) -> Iterator[ApiEnv]:
    built = build_env(
        tmp_path,
        search_backend="opensearch",
        opensearch_url=emulator_url,
        opensearch_index_prefix="syn",
        config_check_seconds=CHECK_SECONDS,
    )
    yield built
    close_env(built)


def _search(env: ApiEnv, q: str) -> list[int]:
    r = env.client.get("/api/v1/search", params={"q": q})
    assert r.status_code == 200, r.text
    return [h["product_id"] for h in r.json()["data"]]


def test_a_published_synonym_finds_the_product_on_opensearch_without_reindex(
    env: ApiEnv,
) -> None:
    m = env.headers("merchandiser")
    glove = env.products["glove"]
    other = restart_env(env)  # another server process, its search service already built
    try:
        assert _search(env, "vante") == [] and _search(other, "vante") == []
        backend = env.app.state.search.get().backend
        index = backend.index  # the concrete index the alias names
        r = env.client.post(
            "/api/v1/synonyms/drafts", json={"rules": "vante => nitrilhandske"}, headers=m
        )
        assert r.status_code == 201, r.text
        version = r.json()["version"]["version"]
        preview = env.client.post(
            "/api/v1/synonyms/preview", json={"queries": ["vante"]}, headers=m
        ).json()
        typed = next(q for q in preview["queries"] if q["query"] == "vante")
        assert typed["before"]["total"] == 0 and typed["now_found"]
        assert typed["after"]["top"][0]["product_id"] == glove
        r = env.client.post("/api/v1/synonyms/publish", json={"version": version}, headers=m)
        assert r.status_code == 200, r.text
        assert _search(env, "vante")[0] == glove
        time.sleep(CHECK_SECONDS * 2)
        assert _search(other, "vante")[0] == glove  # no restart
        assert backend.index == index  # the same index: nothing was rebuilt
    finally:
        close_env(other)
