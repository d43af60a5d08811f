"""The portal never translates the indexer's English with regular expressions: feed-run
messages are rendered from their codes (``indexer.messages``), so a rewording of the English
cannot silently leave the Swedish portal behind."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from indexer.messages import CATALOGS

UI = Path(__file__).resolve().parents[3] / "ui"
_REGEX_CALLS = {"compile", "match", "fullmatch", "search", "sub", "subn", "findall", "split"}
_FIELD = re.compile(r"\{[^}]*\}|\[|\]")


def _patterns(tree: ast.AST) -> list[str]:
    """Every literal pattern handed to the ``re`` module."""
    found = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == "re"
            and node.func.attr in _REGEX_CALLS
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            found.append(node.args[0].value)
    return found


def _english_phrases() -> set[str]:
    """Runs of three words or more of every English feed-run sentence."""
    phrases = set()
    for template in CATALOGS["en"].messages.values():
        for part in _FIELD.split(template):
            words = re.findall(r"[a-z]+", part.lower())
            phrases.update(" ".join(words[i : i + 3]) for i in range(len(words) - 2))
    return phrases


def test_no_regular_expression_in_ui_matches_an_indexer_message() -> None:
    phrases = _english_phrases()
    assert len(phrases) > 100
    offending = []
    for path in sorted(UI.rglob("*.py")):
        for pattern in _patterns(ast.parse(path.read_text(encoding="utf-8"))):
            words = " ".join(re.findall(r"[a-z]+", pattern.replace("\\", "").lower()))
            offending += [f"{path.name}: {p}" for p in phrases if p in words]
    assert offending == []


def test_the_feed_report_does_not_use_regular_expressions() -> None:
    tree = ast.parse((UI / "feed_report.py").read_text(encoding="utf-8"))
    imported = {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    }
    assert "re" not in imported and not _patterns(tree)
