"""The shape of a message catalog: one per language, pure data (see ``ranking.messages``).

A template is plain text with fields:

- ``{name}`` the value as written (numbers with the language's decimal mark);
- ``{name:pct}`` a 0..1 share as a whole percentage (``0.92`` -> ``92%``; Swedish ``92 %``
  with a no-break space, as the website writes shares);
- ``{name:stars}`` a 1..5 rating with one decimal (``4.6/5``; Swedish ``4,6/5``);
- ``{name:money}`` an amount with two decimals (``1234.50``; Swedish ``1 234,50``, grouped
  with no-break spaces as the website writes prices); when the reader passes the currency
  the amounts are in (``render(..., currency="SEK")``: ranking itself does not know it), with
  the currency as the language writes it (``SEK 1234.50``, ``1 234,50 kr``);
- ``{name:amount}`` an amount written as ``money`` but never with the reader's currency (an
  amount in another currency, named next to it: ``CZK 599.00``, ``599,00 CZK``);
- ``{name:dec}`` a decimal number given as text, written exactly with the language's
  decimal mark (an exchange rate: ``0.4483``; Swedish ``0,4483``);
- ``{name:repr}`` a quoted name (``'campaign'``);
- ``{name:n}`` a whole number grouped in thousands (``12,000``; Swedish ``12 000`` with a
  no-break space: the catalog's ``group``);
- ``{name#noun}`` a count with the noun in singular or plural (``1 order``, ``148 ordrar``);
- ``{@name}`` the message whose code is the value of ``name``, rendered with the same values;
- ``[...]`` an optional part, written only if every field in it has a value (not ``None``
  or ``""``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Catalog:
    """Every explanation sentence of one language, keyed by reason code."""

    lang: str
    decimal: str  # the decimal mark: "." or ","
    messages: Mapping[str, str]
    nouns: Mapping[str, tuple[str, str]]  # noun -> (singular, plural)
    fallback: str  # for a code without a message: "{code}" and "{values}" are filled in
    percent: str = "%"  # written after a percentage: "%" or "\u00a0%"
    thousands: str = ""  # groups the thousands of an amount ("" for none)
    # an amount with its currency: "{amount}" and "{currency}" (its symbol, if any) filled in
    money: str = "{currency}\u00a0{amount}"
    currency_symbols: Mapping[str, str] = field(default_factory=dict)  # "SEK" -> "kr"
    group: str = ","  # groups the thousands of a ``{name:n}`` count
