"""Every dependency declared in pyproject.toml is used: imported, loaded by name, or run.

A dependency counts as used when one of its modules is imported by our code or tests, when
its module or distribution name is a string our code loads by name (``import_external``,
``find_spec``, ``importlib.resources``), when one of its commands is run from the Makefile or
CI, or when it is one of the few used only through another package (``INDIRECT``, each with
the text in the repository that shows the use).
"""

from __future__ import annotations

import ast
import re
import tomllib
from collections.abc import Iterable, Iterator, Mapping
from functools import cache
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[2]
SKIP_DIRS = {".venv", "var", "build", "__pycache__", ".git", "node_modules"}

# used only through another package: distribution -> text that shows the use
INDIRECT = {
    "psycopg": "postgresql+psycopg",  # SQLAlchemy's PostgreSQL driver, named in the URL
    "python-multipart": "UploadFile",  # FastAPI parses form posts and uploads with it
    "pytest-timeout": "pytest.mark.timeout",  # a pytest plugin, used through its marker
    "pytest-xdist": "--dist loadfile",  # a pytest plugin, used by make test's options
    "httpx2": "TestClient",  # starlette's TestClient (1.6+) sends its requests with it
}


def _python_files() -> Iterator[Path]:
    """Our code and tests, but not this file (its names would count as uses)."""
    here = Path(__file__).resolve()
    for path in ROOT.rglob("*.py"):
        if not SKIP_DIRS.intersection(path.relative_to(ROOT).parts) and path != here:
            yield path


def _imports_and_strings(paths: Iterable[Path]) -> tuple[set[str], set[str]]:
    """Top-level modules imported anywhere, and every string constant."""
    modules: set[str] = set()
    strings: set[str] = set()
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                modules.update(alias.name.partition(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                modules.add(node.module.partition(".")[0])
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                strings.add(node.value)
    return modules, strings


def _declared() -> list[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    groups = [project["dependencies"], *project["optional-dependencies"].values()]
    return sorted({Requirement(spec).name for group in groups for spec in group})


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


@cache
def _installed() -> Mapping[str, set[str]]:
    """Installed top-level modules -> the distributions providing them (canonical names)."""
    return {
        module: {_canonical(n) for n in names}
        for module, names in metadata.packages_distributions().items()
    }


def _modules_of(distribution: str) -> set[str]:
    """The top-level modules a distribution provides (its name as a module when it is not
    installed, as the optional extras need not be)."""
    provided = {module for module, names in _installed().items() if distribution in names}
    return provided or {distribution.replace("-", "_")}


def _commands_of(distribution: str) -> set[str]:
    """Its console scripts and the programs it installs (ruff is a binary, not a script)."""
    try:
        found = metadata.distribution(distribution)
    except metadata.PackageNotFoundError:
        return set()
    scripts = {point.name for point in found.entry_points if point.group == "console_scripts"}
    programs = {f.name for f in found.files or () if f.parent.name in ("bin", "Scripts")}
    return scripts | programs


def unused(
    declared: Iterable[str], modules: set[str], strings: set[str], run_text: str, text: str
) -> list[str]:
    """The declared distributions nothing uses (see the module docstring)."""
    found = []
    for distribution in map(_canonical, declared):
        names = _modules_of(distribution)
        by_command = any(
            re.search(rf"(?<![\w-]){re.escape(c)}(?![\w-])", run_text)
            for c in _commands_of(distribution)
        )
        if (
            names & modules
            or (names | {distribution}) & strings
            or by_command
            or (distribution in INDIRECT and INDIRECT[distribution] in text + run_text)
        ):
            continue
        found.append(distribution)
    return found


@cache
def _repository() -> tuple[set[str], set[str], str, str]:
    paths = list(_python_files())
    modules, strings = _imports_and_strings(paths)
    run_text = "\n".join(
        p.read_text(encoding="utf-8") for p in (ROOT / "Makefile", *(ROOT / ".ci").glob("*"))
    )
    text = "\n".join(p.read_text(encoding="utf-8") for p in paths)
    return modules, strings, run_text, text + (ROOT / "configs" / "valbar.toml").read_text()


def test_every_declared_dependency_is_used() -> None:
    modules, strings, run_text, text = _repository()
    assert unused(_declared(), modules, strings, run_text, text) == []


def test_an_unused_dependency_is_found() -> None:
    modules, strings, run_text, text = _repository()
    declared = ["sqlalchemy", "left-pad-for-python", "ruff"]
    assert unused(declared, modules, strings, run_text, text) == ["left-pad-for-python"]


def test_a_dependency_used_only_indirectly_needs_its_evidence() -> None:
    modules, strings, run_text, _text = _repository()
    assert unused(["psycopg"], modules, strings, run_text, "") == ["psycopg"]
