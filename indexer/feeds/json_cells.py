"""JSON values as feed cells, and what can be salvaged from a record that does not parse.

Nested objects are flattened to dotted keys (``offers.price``); lists of scalars are joined
with ``", "``; lists of objects get an index (``images.0.src``). Integers are kept exactly as
written in the file; other numbers become exact plain decimals
(`indexer.normalize.price.number_text`: ``1.234e3`` -> ``"1234"``, ``12.345`` ->
``"12.3450"``) so price parsing never reads a JSON number with Swedish thousands rules.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal

from indexer.errors import FeedFormatError
from indexer.feeds.limits import REPLACEMENT
from indexer.messages import Message
from indexer.normalize.price import number_text

WHITESPACE = " \t\r\n"


def json_number(text: str) -> str:
    """Text of a JSON number with a fraction or exponent (see the module docstring)."""
    return number_text(Decimal(text))


def json_decoder() -> json.JSONDecoder:
    """A decoder that keeps integers as written and reads other numbers as exact text."""
    return json.JSONDecoder(parse_float=json_number, parse_int=str)


def scalar_text(value: object) -> str:
    """A JSON scalar as cell text (``null`` -> ``""``, booleans in JSON spelling)."""
    if value is None:
        return ""
    if value is True:
        return "true"
    if value is False:
        return "false"
    return str(value)


def flatten(obj: dict[str, object], prefix: str = "") -> dict[str, str]:
    """Flatten nested dicts/lists into ``{"a.b": "text"}``."""
    out: dict[str, str] = {}
    for key, value in obj.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(flatten(value, name + "."))
        elif isinstance(value, list):
            if all(not isinstance(v, dict | list) for v in value):
                out[name] = ", ".join(scalar_text(v) for v in value)
            else:
                for i, item in enumerate(value):
                    if isinstance(item, dict):
                        out.update(flatten(item, f"{name}.{i}."))
                    else:
                        out[f"{name}.{i}"] = scalar_text(item)
        else:
            out[name] = scalar_text(value)
    return out


def invalid_utf8(values: dict[str, str]) -> Message | None:
    """The warning for a record whose cells hold U+FFFD (bytes that were not UTF-8), naming
    the fields; ``None`` when none does."""
    fields = [k for k, v in values.items() if REPLACEMENT in v or REPLACEMENT in k]
    if not fields:
        return None
    names = ", ".join(repr(f) for f in fields[:5])
    return Message("row.invalid_utf8_fields", fields=names)


def bad_record(
    record: int, file: str, field: str | None, line: int, column: int, why: str
) -> Message:
    """A row error's message for a record that cannot be parsed."""
    return Message(
        "row.json_unreadable_member" if field is None else "row.json_unreadable_field",
        record=record,
        file=file,
        json_field=field,
        line=line,
        column=column,
        error=why,
    )


def where_in(text: str, pos: int, line: int = 1, column: int = 1) -> tuple[int, int]:
    """(line, column), 1-based, of ``text[pos]`` when ``text`` starts at (line, column)."""
    newlines = text.count("\n", 0, pos)
    if newlines == 0:
        return line, column + pos
    return line + newlines, pos - text.rfind("\n", 0, pos)


def _skip_ws(text: str, i: int) -> int:
    while i < len(text) and text[i] in WHITESPACE:
        i += 1
    return i


def _member_end(text: str, i: int) -> int:
    """From ``i`` inside an object's member, the index just after the ``,`` ending it, or of
    the ``}`` closing the object (``len(text)`` if neither): brackets and strings counted."""
    depth, in_str, esc = 0, False, False
    while i < len(text):
        c = text[i]
        if in_str:
            if esc:
                esc = False
            elif c == "\\":
                esc = True
            elif c in '"\n':
                in_str = False  # a raw line break: the string was never closed
        elif c == '"':
            in_str = True
        elif c in "{[":
            depth += 1
        elif c in "}]":
            if depth == 0:
                return i
            depth -= 1
        elif c == "," and depth == 0:
            return i + 1
        i += 1
    return len(text)


def salvage(text: str) -> tuple[dict[str, str], str | None, int, str]:
    """The members of a broken JSON object that parse, and the first bad one: (cells, its
    field or None, its offset in ``text``, why)."""
    decoder = json_decoder()
    values: dict[str, str] = {}
    bad: tuple[str | None, int, str] | None = None
    i = _skip_ws(text, 0)
    if text[i : i + 1] != "{":
        return values, None, i, "the record is not an object"
    i += 1
    last: str | None = None  # the member before, which a stray comma may have cut (12,5)
    while True:
        i = _skip_ws(text, i)
        if i >= len(text) or text[i] == "}":
            break
        field: str | None = None
        try:
            if text[i] != '"':
                raise json.JSONDecodeError(
                    "Expecting property name enclosed in double quotes", text, i
                )
            key, i = decoder.raw_decode(text, i)
            field = last = key
            i = _skip_ws(text, i)
            if text[i : i + 1] != ":":
                raise json.JSONDecodeError("Expecting ':' delimiter", text, i)
            value, i = decoder.raw_decode(text, _skip_ws(text, i + 1))
            i = _skip_ws(text, i)
            if text[i : i + 1] not in (",", "}"):
                raise json.JSONDecodeError("Expecting ',' delimiter", text, i)
        except json.JSONDecodeError as exc:
            if field is None and last is not None:
                field = last  # "price": 12,5 -> the 5 is what is left of the price
            if bad is None:
                bad = (field, exc.pos, exc.msg)
            if field is not None:
                for name in [k for k in values if k == field or k.startswith(field + ".")]:
                    del values[name]
            i = _member_end(text, exc.pos)
            last = None
            continue
        values.update(flatten({field: value}))
        if text[i] == ",":
            i += 1
    if bad is None:  # every member parsed: what broke is after the object
        return values, None, i, "Expecting ',' delimiter"
    return values, bad[0], bad[1], bad[2]


@dataclass(slots=True)
class BrokenRecord:
    """An element of a JSON array that does not parse: what was salvaged and why."""

    values: dict[str, str]
    problem: Message


class MalformedJson(FeedFormatError):
    """A JSON document that cannot be read on, with the line and column of the error."""
