"""Search backends by name. Backends are imported lazily, so optional clients stay optional."""

from __future__ import annotations

import importlib
from collections.abc import Callable

from catalog.settings import Settings
from search.errors import UnknownBackend
from search.protocol import SearchBackend

BackendFactory = Callable[[Settings], SearchBackend]

# name -> "module:callable"; the callable takes the Settings and returns a backend.
_BACKENDS: dict[str, str] = {
    "tantivy": "search.tantivy_backend:TantivyBackend.from_settings",
    "opensearch": "search.opensearch_backend:OpenSearchBackend.from_settings",
}


def register_backend(name: str, target: str) -> None:
    """Register (or replace) a backend as ``"package.module:Class.factory"``."""
    if ":" not in target:
        raise ValueError(f"backend target must be 'module:callable', got {target!r}")
    _BACKENDS[name] = target


def available_backends() -> list[str]:
    return sorted(_BACKENDS)


def _resolve(name: str) -> BackendFactory:
    try:
        target = _BACKENDS[name]
    except KeyError as exc:
        known = ", ".join(available_backends())
        raise UnknownBackend(f"unknown search backend {name!r} (known: {known})") from exc
    module_name, _, attribute = target.partition(":")
    try:
        obj: object = importlib.import_module(module_name)
    except ImportError as exc:
        raise UnknownBackend(f"search backend {name!r} is not installed: {exc}") from exc
    for part in attribute.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError as exc:
            raise UnknownBackend(f"search backend {name!r}: {target} not found") from exc
    if not callable(obj):
        raise UnknownBackend(f"search backend {name!r}: {target} is not callable")
    factory: BackendFactory = obj
    return factory


def get_backend(settings: Settings, name: str | None = None) -> SearchBackend:
    """The backend named by ``settings.search_backend`` (or ``name``), opened."""
    return _resolve(name or settings.search_backend)(settings)
