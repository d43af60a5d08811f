"""Importing an optional third-party module by name, never one of Valbar's own packages.

Valbar's packages import each other with plain ``import`` statements only, so the declared
layer order (README, "Architecture: layers"; the import-linter contracts in pyproject.toml)
sees every dependency. A name read from settings or a plugin registry (a search backend
``"module:callable"``, a semantic model package) goes through :func:`import_external`, which
refuses a name inside :data:`OUR_PACKAGES`: such an import would hide a dependency from the
contracts. ``tests/unit/test_layers.py`` checks that no other module calls
``importlib.import_module`` or ``__import__``.
"""

from __future__ import annotations

import importlib
from types import ModuleType

# the layer order, bottom to top (the same list as [tool.importlinter] in pyproject.toml)
LAYERS: tuple[str, ...] = (
    "catalog",
    "ranking",
    "search",
    "indexer",
    "marketplace",
    "loyalty",
    "api",
    "ui",
    "valbar",
)
OUR_PACKAGES: frozenset[str] = frozenset(LAYERS)


class OwnPackageByName(ValueError):
    """A module of Valbar's own packages was to be imported by name."""


def is_ours(module_name: str) -> bool:
    """True when ``module_name`` (``"a.b.c"``) lies inside one of Valbar's packages."""
    return module_name.strip().partition(".")[0] in OUR_PACKAGES


def import_external(module_name: str) -> ModuleType:
    """``importlib.import_module(module_name)`` for a module outside Valbar's packages;
    :class:`OwnPackageByName` for one inside them (import it with an import statement)."""
    if is_ours(module_name):
        raise OwnPackageByName(
            f"{module_name!r} is a module of Valbar's own packages: import it with an import "
            "statement, so the layer contracts see it (never by name)"
        )
    return importlib.import_module(module_name)
