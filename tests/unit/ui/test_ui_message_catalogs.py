"""The UI's message catalogs (ui/i18n.py and ui/messages_*.py) are merged into one table:
a key declared twice would silently take the last module's wording."""

from __future__ import annotations

import ast
from pathlib import Path

import ui

UI = Path(ui.__file__).parent


def _declared_keys(path: Path) -> list[str]:
    """The string keys of every dict literal at the top level of a catalog module."""
    keys: list[str] = []
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        value = node.value if isinstance(node, ast.Assign | ast.AnnAssign) else None
        if isinstance(value, ast.Dict):
            keys += [k.value for k in value.keys if isinstance(k, ast.Constant)]
    return keys


def test_no_message_key_is_declared_twice() -> None:
    where: dict[str, list[str]] = {}
    for path in [UI / "i18n.py", *sorted(UI.glob("messages_*.py"))]:
        for key in _declared_keys(path):
            where.setdefault(key, []).append(path.name)
    twice = {key: files for key, files in where.items() if len(files) > 1}
    assert twice == {}
