"""Single-line text: names (an organisation's, a person's, a campaign's) end up in e-mail
subjects, log lines and the CLI's tables, where a line break or another control character
would start a new header or a new row. Input with one is refused (:func:`has_control`);
what is shown is made one line whatever was stored (:func:`one_line`)."""

from __future__ import annotations

import re
import unicodedata

# line and paragraph separators that are not category Cc but break lines all the same
_BREAKS = frozenset("\u2028\u2029")
_SPACES = re.compile(r"\s+")


def _control(c: str) -> bool:
    return c in _BREAKS or unicodedata.category(c) == "Cc"


def has_control(text: str) -> bool:
    """Whether ``text`` holds a control character (CR, LF, tab, NUL, DEL, …) or a line or
    paragraph separator."""
    return any(_control(c) for c in text)


def one_line(text: str) -> str:
    """``text`` with every control character and line separator turned into a space and
    runs of spaces collapsed (``"A\\r\\nBcc: x"`` -> ``"A Bcc: x"``)."""
    if not has_control(text) and "  " not in text:
        return text
    spaced = "".join(" " if _control(c) else c for c in text)
    return _SPACES.sub(" ", spaced).strip()


def flat(text: str) -> str:
    """``text`` with every control character and line separator turned into a space, the
    rest (a table row's padding) kept: one line of a CLI table whatever a cell holds."""
    if not has_control(text):
        return text
    return "".join(" " if _control(c) else c for c in text)
