"""Feed-run messages as data: a code and its values, rendered in Swedish or English.

Every message a feed run records is a :class:`Message`: why a run ended without a result
(``run.*``), why a feed was refused as a whole (``refusal.*``), why a file could not be read
(``file.*``, ``columns.*``) and what is wrong with a row (``row.*``, ``price.*``, ``gtin.*``).
The words live in one typed catalog per language (``indexer.messages.en``,
``indexer.messages.sv``), written in the template language of ``ranking.messages``
(``{name}``, ``{name:n}``, ``{name:repr}``, ``{@name}``, ``[optional]``) and filled in by
:func:`render`. A rewording changes one catalog entry and every reader at once: the CLI and
the API's English, the API's ``Accept-Language`` text and the portal.

A :class:`Message` *is* its English text (a ``str``), so every caller that prints, stores or
compares the text keeps working; its ``code`` and ``values`` travel with it and are stored
next to the text (``FeedRun.message_code`` / ``message_values``, a row error's ``code`` /
``values``). A message stored before codes existed is shown as stored
(:func:`render_stored`).

A file-level message (``file.*``) names the file and, when known, the row in front of its
sentence: the catalog's ``where.file`` / ``where.row`` (``"lager.csv, row 3: "``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from indexer.messages import en, sv
from ranking.messages import negotiate, render_with
from ranking.messages.catalog import Catalog

CATALOGS: dict[str, Catalog] = {"en": en.CATALOG, "sv": sv.CATALOG}
API_CHANNEL = "api"
"""The channel whose sentences name the API's fields (``api.<code>``), not the CLI's flags."""
LANGUAGES: tuple[str, ...] = tuple(CATALOGS)
DEFAULT_LANGUAGE = "en"
FILE_PREFIX = "file."

Value = str | int | float


def codes(lang: str = DEFAULT_LANGUAGE) -> frozenset[str]:
    """Every code that has a message in ``lang``."""
    return frozenset(CATALOGS[lang].messages)


_FIELD = re.compile(r"\{(@?)(\w+)(?:([:#])(\w+))?\}")


def _format_string(lang: str, code: str) -> str | None:
    """``code``'s template as a ``str.format`` string when it has only ``{name}`` and
    ``{name:repr}`` fields (no optional part, no nested message, no number format): a row
    error is written once per bad row, and this writes it in a fraction of the time."""
    template = CATALOGS[lang].messages.get(code)
    if template is None or "[" in template or "]" in template:
        return None
    fields = _FIELD.findall(template)
    if any(nested or (spec and spec != "repr") for nested, _n, _sep, spec in fields):
        return None
    return _FIELD.sub(lambda m: "{" + m.group(2) + ("!r" if m.group(4) else "") + "}", template)


_FORMATS: dict[tuple[str, str], str | None] = {}  # (lang, code) -> _format_string


def _fill(lang: str, code: str, values: Mapping[str, Any]) -> str:
    key = (lang, code)
    try:
        fast = _FORMATS[key]
    except KeyError:
        fast = _format_string(lang, code)
        if code in CATALOGS[lang].messages:  # the cache stays as small as the catalogs
            _FORMATS[key] = fast
    if fast is not None:
        for value in values.values():
            kind = type(value)
            if kind is not str and kind is not int:
                break  # a float, a bool: the engine formats it
        else:
            try:
                return fast.format_map(values)
            except KeyError:
                pass  # a value missing: the engine writes the fallback
    return render_with(CATALOGS[lang], code, values)


def render(
    code: str,
    values: Mapping[str, Any],
    lang: str = DEFAULT_LANGUAGE,
    *,
    channel: str | None = None,
) -> str:
    """The sentence for ``code`` filled with ``values`` in ``lang`` (unknown: English). A
    ``channel`` (``"api"``) uses its own wording of the code (``api.<code>``: the API's
    field names instead of the CLI's flags) when it has one."""
    if lang not in CATALOGS:
        lang = DEFAULT_LANGUAGE
    catalog = CATALOGS[lang]
    if channel is not None and f"{channel}.{code}" in catalog.messages:
        code = f"{channel}.{code}"
    text = _fill(lang, code, values)
    if code.startswith(FILE_PREFIX) and values.get("file"):
        where = "where.row" if values.get("row") is not None else "where.file"
        text = render_with(catalog, where, values) + text
    return text


def render_stored(
    text: str | None,
    code: str | None,
    values: Mapping[str, Any] | None,
    lang: str,
    *,
    channel: str | None = None,
) -> str | None:
    """A stored message in ``lang`` (as ``channel`` words it, see :func:`render`): rendered
    from its code when it has one, else (stored before messages had codes, or not written
    by the indexer) the text as stored."""
    if code and code in CATALOGS[DEFAULT_LANGUAGE].messages:
        return render(code, values or {}, lang, channel=channel)
    return text


class Message(str):
    """A feed-run message: its English text, with the ``code`` and ``values`` it is rendered
    from (``Message("row.price_empty")``, ``Message("file.no_header", file="a.csv")``).
    Values that are None are left out (an optional part of the sentence)."""

    code: str
    values: dict[str, Value]

    def __new__(cls, code: str, /, **values: Value | None) -> Message:
        kept: dict[str, Value] = {}
        for name, value in values.items():
            if value is not None:
                kept[name] = value
        self = super().__new__(cls, render(code, kept))
        self.code = code
        self.values = kept
        return self

    def __reduce__(self) -> tuple[Any, ...]:  # pickled across processes (run children)
        return (_message, (self.code, self.values))

    def text(self, lang: str = DEFAULT_LANGUAGE, *, channel: str | None = None) -> str:
        """The sentence in ``lang`` ("sv" or "en"), as ``channel`` words it (:func:`render`)."""
        return render(self.code, self.values, lang, channel=channel)

    def with_values(self, **values: Value | None) -> Message:
        """The same message with more (or other) values."""
        return Message(self.code, **{**self.values, **values})

    def as_data(self) -> dict[str, Any]:
        """``{"code": ..., "values": {...}}``: what is stored next to the text."""
        return {"code": self.code, "values": dict(self.values)}


def _message(code: str, values: dict[str, Value]) -> Message:
    return Message(code, **values)


def stored(message: str | None) -> dict[str, Any]:
    """The ``FeedRun`` columns of a run's message: ``message`` (English), ``message_code``
    and ``message_values`` (None for plain text and for no message)."""
    return {
        "message": None if message is None else str(message),
        "message_code": code_of(message),
        "message_values": values_of(message),
    }


def code_of(message: str | None) -> str | None:
    """The code of ``message`` (None for plain text)."""
    return message.code if isinstance(message, Message) else None


def values_of(message: str | None) -> dict[str, Value] | None:
    """The values of ``message`` (None for plain text)."""
    return dict(message.values) if isinstance(message, Message) else None


__all__ = [
    "CATALOGS",
    "DEFAULT_LANGUAGE",
    "LANGUAGES",
    "Message",
    "code_of",
    "codes",
    "negotiate",
    "render",
    "render_stored",
    "stored",
    "values_of",
]
