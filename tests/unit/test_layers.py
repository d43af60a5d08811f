"""The declared layer order holds (README, "Architecture: layers").

Bottom to top: catalog < ranking < search < indexer < marketplace < api < ui < valbar. A
package imports only packages below it, with plain import statements (also inside functions),
so import-linter's contracts in pyproject.toml see every dependency. These tests run the
contracts, prove that a bad import breaks them with a readable message, and fail on a module
of ours imported by name (``importlib.import_module`` / ``__import__``), which the contracts
could not see.
"""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from catalog.external import LAYERS, OwnPackageByName, import_external, is_ours

ROOT = Path(__file__).resolve().parents[2]
# the one module allowed to call importlib.import_module: it refuses our own packages
GATEWAY = ROOT / "catalog" / "external.py"
SKIP_DIRS = {".venv", "var", "build", "__pycache__", ".git", "node_modules"}


def _lint_imports() -> str:
    found = Path(sys.executable).with_name("lint-imports")
    command = str(found) if found.exists() else shutil.which("lint-imports")
    if command is None:
        pytest.fail("lint-imports is missing: pip install -e '.[dev]' (import-linter)")
    return command


def _run_contracts(root: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run(
        [_lint_imports(), "--no-cache"],  # reads root/pyproject.toml
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_import_contracts_hold() -> None:
    result = _run_contracts(ROOT)
    assert result.returncode == 0, (
        "an import crosses the declared layer order (README, 'Architecture: layers'):\n"
        + result.stdout
        + result.stderr
    )
    assert "0 broken" in result.stdout


def test_the_contracts_name_the_layers_of_catalog_external() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    assert set(config["root_packages"]) == set(LAYERS)
    layers = next(c for c in config["contracts"] if c["type"] == "layers")
    # independent siblings share a layer ("marketplace | loyalty"), listed in LAYERS in order
    groups = [[name.strip() for name in entry.split("|")] for entry in layers["layers"]]
    assert [name for group in reversed(groups) for name in group] == list(LAYERS)


def _copy_packages(to: Path) -> None:
    def non_python(folder: str, names: list[str]) -> set[str]:
        return {
            n
            for n in names
            if n in SKIP_DIRS or (not n.endswith(".py") and not (Path(folder) / n).is_dir())
        }

    for package in LAYERS:
        shutil.copytree(ROOT / package, to / package, ignore=non_python)
    shutil.copy(ROOT / "pyproject.toml", to / "pyproject.toml")


def test_an_upward_import_breaks_the_layers_contract(tmp_path: Path) -> None:
    _copy_packages(tmp_path)
    assert _run_contracts(tmp_path).returncode == 0  # the copy itself is clean
    (tmp_path / "catalog" / "upward.py").write_text('"""A bad import."""\n\nimport ui  # noqa\n')
    (tmp_path / "marketplace" / "upward.py").write_text(
        '"""A bad import, hidden in a function."""\n\n\n'
        "def expire() -> None:\n"
        "    from api.idempotency import HEADER  # noqa\n"
    )
    result = _run_contracts(tmp_path)
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "Layers, top to bottom" in output and "BROKEN" in output, output
    assert "catalog.upward -> ui" in output, output
    assert "marketplace.upward -> api.idempotency" in output, output
    assert "catalog is not allowed to import ui" in output, output


def _python_files() -> list[Path]:
    found: list[Path] = []
    for path in ROOT.rglob("*.py"):
        relative = path.relative_to(ROOT)
        if not SKIP_DIRS.intersection(relative.parts):
            found.append(path)
    return found


def _dynamic_imports(tree: ast.AST) -> list[tuple[int, ast.Call]]:
    calls: list[tuple[int, ast.Call]] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
        if name in ("import_module", "__import__"):
            calls.append((node.lineno, node))
    return calls


def hidden_imports(files: list[Path]) -> list[str]:
    """``path:line: reason`` for each import by name of one of our packages, or by a name
    that is not a literal outside ``catalog/external.py`` (which refuses ours at run time)."""
    problems: list[str] = []
    for path in files:
        source = path.read_text(encoding="utf-8")
        if "import_module" not in source and "__import__" not in source:
            continue
        for line, call in _dynamic_imports(ast.parse(source, filename=str(path))):
            where = f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}:{line}"
            argument = call.args[0] if call.args else None
            if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
                if is_ours(argument.value):
                    problems.append(
                        f"{where}: imports our module {argument.value!r} by name: "
                        "use an import statement"
                    )
            elif path.resolve() != GATEWAY:
                problems.append(
                    f"{where}: imports a computed name ({ast.unparse(call)}): "
                    "use catalog.external.import_external, which refuses our packages"
                )
    return problems


def test_no_module_of_ours_is_imported_by_name() -> None:
    files = _python_files()
    assert len(files) > 200 and GATEWAY in files
    problems = hidden_imports(files)
    assert not problems, "hidden imports the layer contracts cannot see:\n" + "\n".join(problems)


def test_the_scan_finds_hidden_imports(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text(
        "import importlib\n"
        "from importlib import import_module\n"
        "def f(name: str) -> None:\n"
        "    importlib.import_module('ui.routes')\n"
        "    import_module('api')\n"
        "    __import__('valbar.app')\n"
        "    importlib.import_module(name)\n"
        "    importlib.import_module('sentence_transformers')\n"  # third party: allowed
    )
    problems = hidden_imports([bad])
    assert [p.split(":")[1] for p in problems] == ["4", "5", "6", "7"], problems
    assert "'ui.routes'" in problems[0] and "computed name" in problems[3]


def test_import_external_refuses_our_packages() -> None:
    for name in ("ui", "ui.routes", "catalog.models", "valbar"):
        with pytest.raises(OwnPackageByName, match="import statement"):
            import_external(name)
    assert import_external("json").__name__ == "json"
    assert not is_ours("uicolors") and is_ours("search.registry")
