"""A small TOML writer for plain data (what ``model_dump`` returns): tables, arrays, scalars.

``tomllib`` reads TOML but the standard library cannot write it; configs are simple enough
that this writer covers them: str, bool, int, float (finite), timezone-aware datetimes,
lists of scalars or of lists, nested tables and arrays of tables. ``None`` values are
omitted (TOML has no null), so fields that may be ``None`` must default to ``None``.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


class TomlWriteError(ValueError):
    """A value has no TOML representation (NaN, a naive datetime, an unsupported type)."""


def _key(key: str) -> str:
    return key if _BARE_KEY.match(key) else _string(key)


def _string(text: str) -> str:
    # JSON string escapes are valid TOML basic-string escapes; TOML also forbids a raw DEL.
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007F")


def _scalar(value: Any, path: str) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise TomlWriteError(f"{path}: {value!r} cannot be written to TOML")
        return repr(value)
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, datetime):
        if value.utcoffset() is None:
            raise TomlWriteError(f"{path}: naive datetime {value!r}; use a timezone-aware one")
        return value.isoformat()
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_scalar(item, path) for item in value) + "]"
    raise TomlWriteError(f"{path}: unsupported type {type(value).__name__}")


def _is_table(value: Any) -> bool:
    return isinstance(value, Mapping)


def _is_table_array(value: Any) -> bool:
    return (
        isinstance(value, Sequence)
        and not isinstance(value, str)
        and len(value) > 0
        and all(_is_table(item) for item in value)
    )


def _write_table(data: Mapping[str, Any], prefix: str, lines: list[str]) -> None:
    for key, value in data.items():
        if value is None or _is_table(value) or _is_table_array(value):
            continue
        lines.append(f"{_key(key)} = {_scalar(value, prefix + key)}")
    for key, value in data.items():
        name = f"{prefix}{_key(key)}"
        if _is_table(value):
            only_subtables = bool(value) and all(
                item is None or _is_table(item) or _is_table_array(item) for item in value.values()
            )
            if not only_subtables:  # [a] before [a.b] is optional; leave it out when empty
                lines.append("")
                lines.append(f"[{name}]")
            _write_table(value, name + ".", lines)
        elif _is_table_array(value):
            for item in value:
                lines.append("")
                lines.append(f"[[{name}]]")
                _write_table(item, name + ".", lines)


def dumps(data: Mapping[str, Any]) -> str:
    """Serialize a mapping to a TOML document (keys in the mapping's order)."""
    lines: list[str] = []
    _write_table(data, "", lines)
    return "\n".join(lines).strip() + "\n"
