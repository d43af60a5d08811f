"""Backends by name: tantivy built in, OpenSearch resolved lazily, unknown names refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from catalog.external import OwnPackageByName
from catalog.settings import Settings
from search import registry
from search.backends.tantivy_backend import TantivyBackend
from search.errors import UnknownBackend
from search.protocol import SearchBackend
from search.registry import available_backends, get_backend, register_backend


def test_tantivy_by_name_lives_under_index_dir(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, search_backend="tantivy")
    backend = get_backend(settings)
    assert isinstance(backend, TantivyBackend)
    assert isinstance(backend, SearchBackend)
    assert backend.root == tmp_path / "index" / "tantivy"
    assert backend.count() == 0
    backend.close()


def test_opensearch_is_registered_lazily() -> None:
    assert available_backends() == ["opensearch", "tantivy"]


def test_unknown_backend(tmp_path: Path) -> None:
    with pytest.raises(UnknownBackend, match="elastic"):
        get_backend(Settings(data_dir=tmp_path), name="elastic")


def test_backend_whose_module_is_missing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(registry, "_BACKENDS", dict(registry._BACKENDS))
    register_backend("ghost", "valbar_ghost_plugin.backend:Ghost.from_settings")
    with pytest.raises(UnknownBackend, match="not installed"):
        get_backend(Settings(data_dir=tmp_path), name="ghost")


def test_register_needs_module_and_callable() -> None:
    with pytest.raises(ValueError, match="module:callable"):
        register_backend("bad", "valbar_plugin.backend")


def test_own_modules_are_never_registered_by_name(monkeypatch: pytest.MonkeyPatch) -> None:
    """A module of ours loaded by name would hide a dependency from the layer contracts."""
    monkeypatch.setattr(registry, "_BACKENDS", dict(registry._BACKENDS))
    with pytest.raises(OwnPackageByName, match="own packages"):
        register_backend("sneaky", "ui.routes:router")
    assert "sneaky" not in available_backends()


def test_a_factory_registers_as_it_is(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(registry, "_BACKENDS", dict(registry._BACKENDS))
    register_backend("plain", TantivyBackend.from_settings)
    backend = get_backend(Settings(data_dir=tmp_path), name="plain")
    assert isinstance(backend, TantivyBackend)
    backend.close()
