"""Search backends by name. Backends are imported lazily, so optional clients stay optional.

The built-in backends are functions that import their module when called (a plain import
statement, which the layer contracts see); a plug-in registers ``"module:callable"`` of a
package outside Valbar's own, loaded by name through ``catalog.external.import_external``.
"""

from __future__ import annotations

from collections.abc import Callable

from catalog.external import OwnPackageByName, import_external, is_ours
from catalog.settings import Settings
from search.errors import UnknownBackend
from search.protocol import SearchBackend

BackendFactory = Callable[[Settings], SearchBackend]


def _tantivy(settings: Settings) -> SearchBackend:
    from search.backends.tantivy_backend import TantivyBackend

    return TantivyBackend.from_settings(settings)


def _opensearch(settings: Settings) -> SearchBackend:
    from search.backends.opensearch_backend import OpenSearchBackend  # needs the opensearch extra

    return OpenSearchBackend.from_settings(settings)


# name -> a factory, or a plug-in's "module:callable"; either takes the Settings and returns
# a backend.
_BACKENDS: dict[str, BackendFactory | str] = {
    "tantivy": _tantivy,
    "opensearch": _opensearch,
}


def register_backend(name: str, target: str | BackendFactory) -> None:
    """Register (or replace) a backend: a factory, or a plug-in package's
    ``"package.module:Class.factory"`` (not a module of Valbar's own packages)."""
    if isinstance(target, str):
        if ":" not in target:
            raise ValueError(f"backend target must be 'module:callable', got {target!r}")
        if is_ours(target.partition(":")[0]):
            raise OwnPackageByName(
                f"backend target {target!r} is in Valbar's own packages: register a factory "
                "that imports it with an import statement"
            )
    _BACKENDS[name] = target


def available_backends() -> list[str]:
    return sorted(_BACKENDS)


def _resolve(name: str) -> BackendFactory:
    try:
        target = _BACKENDS[name]
    except KeyError as exc:
        known = ", ".join(available_backends())
        raise UnknownBackend(f"unknown search backend {name!r} (known: {known})") from exc
    if not isinstance(target, str):
        return target
    module_name, _, attribute = target.partition(":")
    try:
        obj: object = import_external(module_name)
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
