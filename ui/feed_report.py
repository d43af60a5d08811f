"""A feed run as the portal shows it: every count it recorded, and its refusal in the reader's
language.

The indexer writes its refusal messages in English for the CLI and the API (they name CLI
flags); the portal recognises them here and says the same in Swedish or English, pointing to
the portal's own controls instead. A message it does not recognise is shown as written.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ui.i18n import translate

CHANGE_COUNTS = ("inserted", "updated", "reactivated", "unchanged", "withdrawn", "kept")
"""What the run did with the stored offers, in the order the summary shows them."""

MATCH_PREFIX = "matched_"
MATCH_ORDER = ("gtin", "brand_mpn", "mpn", "title", "manual")

_MASS_WITHDRAWAL = re.compile(
    r"^this feed would withdraw (?P<n>\d+) of (?P<total>\d+) active offers "
    r"\(more than (?P<limit>\d+%)\)"
)
_EMPTY = re.compile(r"^(?P<file>.*): the feed contains no rows; nothing was changed$")
_UNUSABLE = re.compile(
    r"^(?P<file>.*): none of the (?P<n>\d+) rows could be used; nothing was changed$"
)


def run_message(message: str | None, lang: str) -> str | None:
    """The run's message in ``lang`` when it is a known refusal; otherwise as written."""
    if not message:
        return None
    if found := _MASS_WITHDRAWAL.match(message):
        limit = found["limit"].replace("%", "\u00a0%") if lang == "sv" else found["limit"]
        return translate(
            lang, "refusal.mass_withdrawal", n=found["n"], total=found["total"], limit=limit
        )
    if found := _EMPTY.match(message):
        return translate(lang, "refusal.empty", file=found["file"])
    if found := _UNUSABLE.match(message):
        return translate(lang, "refusal.unusable", file=found["file"], n=found["n"])
    if (ended := run_end_label(message, lang)) is not None:
        return ended
    return file_message_label(message, lang)


# How a run ended without a result (``indexer/run_messages.py``) -> Swedish.
_RUN_ENDS_SV: tuple[tuple[str, str], ...] = (
    (
        r"the file needed more memory than the limit of (?P<limit>.+); nothing was changed",
        "filen krävde mer minne än gränsen {limit}; inget ändrades",
    ),
    (
        r"the run took longer than the limit of (?P<limit>.+); nothing was changed",
        "körningen tog längre tid än gränsen {limit}; inget ändrades",
    ),
    (r"cancelled on request; nothing was changed", "avbruten på begäran; inget ändrades"),
    (
        r"the process running the feed ended unexpectedly \((?P<how>.+)\); nothing was changed",
        "processen som körde flödet avslutades oväntat ({how}); inget ändrades",
    ),
    (
        r"the process running the feed stopped responding \(attempt (?P<n>\d+)\); nothing was "
        r"changed",
        "processen som körde flödet slutade svara (försök {n}); inget ändrades",
    ),
    (
        r"queued again: the process running the feed stopped responding",
        "i kö igen: processen som körde flödet slutade svara",
    ),
    (
        r"queued again: the server was restarted during the run",
        "i kö igen: servern startades om under körningen",
    ),
)
_RUN_ENDS_SV_COMPILED = tuple((re.compile(p), r) for p, r in _RUN_ENDS_SV)


def run_end_label(message: str, lang: str) -> str | None:
    """Why a run ended without a result, in ``lang``; None when ``message`` is not one."""
    for pattern, template in _RUN_ENDS_SV_COMPILED:
        found = pattern.fullmatch(message)
        if found is None:
            continue
        if lang != "sv":
            return message
        parts = found.groupdict()
        if "how" in parts:
            how = parts["how"].replace("killed by signal ", "stoppad av signal ")
            how = how.replace("killed by ", "stoppad av signalen ")
            parts["how"] = how.replace("exit code ", "slutkod ")
        return template.format(**parts)
    return None


def change_counts(counts: Mapping[str, Any]) -> list[tuple[str, int]]:
    """``(message key, n)`` for each change count the run recorded (none if it changed none)."""
    return [(f"count.{k}", int(counts[k])) for k in CHANGE_COUNTS if counts.get(k) is not None]


def match_counts(counts: Mapping[str, Any]) -> list[tuple[str, int]]:
    """``(message key, n)``: offers linked per method, then the unlinked and the queued."""
    methods = {
        k.removeprefix(MATCH_PREFIX): int(v)
        for k, v in counts.items()
        if k.startswith(MATCH_PREFIX)
    }
    ordered = sorted(methods, key=lambda m: (MATCH_ORDER.index(m) if m in MATCH_ORDER else 99, m))
    out = [(f"match.{m}", methods[m]) for m in ordered if methods[m]]
    out += [(f"match.{k}", int(counts[k])) for k in ("unmatched", "review") if counts.get(k)]
    return out


MORE_ERROR_GROUPS = 5
"""How many (field, reason) groups of unlisted errors the summary line names."""


def _number(n: int, lang: str) -> str:
    return f"{n:,}".replace(",", "\u00a0" if lang == "sv" else ",")


def more_errors(counts: Mapping[str, Any], lang: str) -> str | None:
    """The line under a run's listed row errors when it had more than it keeps in full:
    "och 18 233 fler fel som inte listas: pris saknas 12 000, …" (None when it kept all)."""
    n = int(counts.get("errors_truncated") or 0)
    if n <= 0:
        return None
    groups = [g for g in counts.get("error_groups") or [] if isinstance(g, Mapping)]
    parts = [
        f"{message_label(str(g.get('reason', '')), lang)} {_number(int(g.get('count', 0)), lang)}"
        for g in groups[:MORE_ERROR_GROUPS]
    ]
    rest = sum(int(g.get("count", 0)) for g in groups[MORE_ERROR_GROUPS:])
    if rest:
        parts.append(translate(lang, "portal.more_errors_other", n=_number(rest, lang)))
    return translate(lang, "portal.more_errors", n=_number(n, lang), groups=", ".join(parts))


def field_label(field: str, lang: str) -> str:
    """A row error's field in the reader's words (``price`` -> ``Pris``); unknown as given."""
    key = f"field.{field}"
    label = translate(lang, key)
    return field if label == key else label


def severity_label(severity: str, lang: str) -> str:
    key = f"severity.{severity}"
    label = translate(lang, key)
    return severity if label == key else label


# Row-error messages of the indexer (English, for the CLI and the API) -> Swedish. Each pattern
# matches one whole message; quoted values from the file are kept as written.
_DELIMITERS_SV = {
    "comma": "komma",
    "semicolon": "semikolon",
    "tab": "tabb",
    "vertical bar": "lodstreck",
}
_ROW_MESSAGES_SV: tuple[tuple[str, str], ...] = (
    (r"SKU is empty", "artikelnummer saknas"),
    (r"the feed template's example row; delete it", "mallens exempelrad; ta bort den"),
    (r"name is empty", "benämning saknas"),
    (r"price is empty", "pris saknas"),
    (r"price is 0", "priset är 0"),
    (r"stock is empty", "lagerstatus saknas"),
    (r"GTIN is empty", "GTIN saknas"),
    (r"not a price: (?P<v>.+)", "inte ett pris: {v}"),
    (r"no amount in (?P<v>.+)", "inget belopp i {v}"),
    (r"not a single amount: (?P<v>.+)", "inte ett enda belopp: {v}"),
    (r"negative price (?P<v>.+)", "negativt pris {v}"),
    (r"amount out of range: (?P<v>.+)", "orimligt belopp: {v}"),
    (r"inconsistent separators in (?P<v>.+)", "blandade skiljetecken i {v}"),
    (r"misplaced apostrophe in (?P<v>.+)", "felplacerad apostrof i {v}"),
    (r"two currencies in (?P<v>.+): (?P<a>\w+) and (?P<b>\w+)", "två valutor i {v}: {a} och {b}"),
    (r"unknown currency", "okänd valuta"),
    (r"delivery time not understood", "leveranstiden gick inte att tolka"),
    (r"stock status not understood", "lagerstatusen gick inte att tolka"),
    (r"stock quantity not understood", "lagersaldot gick inte att tolka"),
    (r"URL is not absolute http\(s\); ignored", "inte en fullständig http(s)-adress; ignoreras"),
    (r"VAT cell is neither a flag nor a rate", "momscellen är varken ja/nej eller en momssats"),
    (
        r"GTIN (?P<v>.+) was mangled by Excel \(scientific notation\): digits are lost; "
        r"export the column as text",
        "GTIN {v} har förstörts av Excel (grundpotensform): siffror har gått förlorade; "
        "exportera kolumnen som text",
    ),
    (r"GTIN (?P<v>.+) is a decimal number, not a code", "GTIN {v} är ett decimaltal, inte en kod"),
    (
        r"GTIN (?P<v>.+) contains non-digits: (?P<c>.+)",
        "GTIN {v} innehåller tecken som inte är siffror: {c}",
    ),
    (
        r"GTIN (?P<v>.+) has (?P<n>\d+) digits; expected 8, 12, 13 or 14",
        "GTIN {v} har {n} siffror; 8, 12, 13 eller 14 väntades",
    ),
    (
        r"GTIN (?P<v>.+) has check digit (?P<a>\d), expected (?P<b>\d)",
        "GTIN {v} har kontrollsiffran {a}, {b} väntades",
    ),
    (r"GTIN (?P<v>.+) is all zeros \(a placeholder\)", "GTIN {v} är bara nollor (platshållare)"),
    (
        r"duplicate SKU (?P<v>.+): row (?P<a>\d+) ignored, row (?P<b>\d+) wins \(last one wins\)",
        "artikelnumret {v} finns flera gånger: rad {a} ignoreras, rad {b} gäller (sista raden "
        "gäller)",
    ),
    (
        r"duplicate SKU: row (?P<a>\d+) has it too but was rejected; this row is used",
        "artikelnumret finns även på rad {a}, som avvisades; den här raden används",
    ),
    (
        r"row has (?P<n>\d+) cells where the header has (?P<m>\d+): an unquoted (?P<d>[a-z ]+) "
        r"inside a value shifts the columns",
        "raden har {n} celler men rubrikraden {m}: {d} utan citattecken i ett värde förskjuter "
        "kolumnerna",
    ),
    (
        r"bytes that are not valid UTF-8 were replaced by \ufffd \(the rest of the file is "
        r"UTF-8\); check the row and save the file as UTF-8",
        "byte som inte är giltig UTF-8 ersattes med \ufffd (resten av filen är UTF-8); "
        "kontrollera raden och spara filen som UTF-8",
    ),
    (
        r"bytes that are not valid UTF-8 were replaced by \ufffd in field (?P<f>.+) \(the rest "
        r"of the file is UTF-8\); check the record and save the file as UTF-8",
        "byte som inte är giltig UTF-8 ersattes med \ufffd i fältet {f} (resten av filen är "
        "UTF-8); kontrollera posten och spara filen som UTF-8",
    ),
    (
        r"record (?P<n>\d+) of (?P<file>.+?): unreadable JSON in field (?P<f>.+) at line "
        r"(?P<l>\d+), column (?P<c>\d+) \((?P<why>.+)\); the record is skipped",
        "post {n} i {file}: oläsbar JSON i fältet {f} på rad {l}, kolumn {c} ({why}); posten "
        "hoppas över",
    ),
    (
        r"record (?P<n>\d+) of (?P<file>.+?): unreadable JSON in a member at line (?P<l>\d+), "
        r"column (?P<c>\d+) \((?P<why>.+)\); the record is skipped",
        "post {n} i {file}: oläsbar JSON på rad {l}, kolumn {c} ({why}); posten hoppas över",
    ),
    (
        r"record (?P<n>\d+) of (?P<file>.+?): the JSON (?:element|line) is not an object "
        r"\((?P<v>.*)\); the record is skipped",
        "post {n} i {file}: JSON-posten är inget objekt ({v}); posten hoppas över",
    ),
    (
        r"(?P<file>.+?): row (?P<r>\d+): SKU (?P<v>.+) is not among the retailer's offers; "
        r"a file without a name and price column only updates existing offers",
        "{file}, rad {r}: artikelnumret {v} finns inte bland handlarens erbjudanden; en fil "
        "utan kolumn för benämning och pris uppdaterar bara befintliga erbjudanden",
    ),
    (
        r"(?P<file>.+?): row (?P<r>\d+): SKU (?P<v>.+) is not among the retailer's offers; "
        r"a file without a name column only updates existing offers",
        "{file}, rad {r}: artikelnumret {v} finns inte bland handlarens erbjudanden; en fil "
        "utan kolumn för benämning uppdaterar bara befintliga erbjudanden",
    ),
    (
        r"(?P<file>.+?): row (?P<r>\d+): SKU (?P<v>.+) is not among the retailer's offers; "
        r"a file without a price column only updates existing offers",
        "{file}, rad {r}: artikelnumret {v} finns inte bland handlarens erbjudanden; en fil "
        "utan kolumn för pris uppdaterar bara befintliga erbjudanden",
    ),
    (
        r"formula without a saved value \((?P<v>.+)\): open and save the file in Excel",
        "formel utan sparat värde ({v}): öppna och spara filen i Excel",
    ),
)
_ROW_MESSAGES_SV_COMPILED = tuple((re.compile(p), r) for p, r in _ROW_MESSAGES_SV)


def message_label(message: str, lang: str) -> str:
    """A row error's message in the reader's language; one not recognised is shown as written."""
    if lang != "sv":
        return message
    for pattern, template in _ROW_MESSAGES_SV_COMPILED:
        found = pattern.fullmatch(message)
        if found is not None:
            parts = found.groupdict()
            if "d" in parts:
                parts["d"] = _DELIMITERS_SV.get(parts["d"], parts["d"])
            return template.format(**parts)
    return message


# Why a whole file could not be read (the reader's FeedFormatError: "<file>[, row N]: <why>").
_WHERE = re.compile(r"^(?P<file>.+?)(?:, row (?P<row>\d+))?: (?P<why>.+)$", re.DOTALL)
_FILE_MESSAGES_SV: tuple[tuple[str, str], ...] = (
    (r"empty file \(0 bytes\)", "filen är tom (0 byte)"),
    (
        r"file is (?P<n>[\d,]+) bytes, over the limit of (?P<m>[\d,]+) bytes",
        "filen är {n} byte, över gränsen på {m} byte",
    ),
    (
        r"not a supported feed format \((?P<what>[^)]*)\); upload CSV, Excel \(\.xlsx\), JSON "
        r"or a Google Merchant / WooCommerce XML feed",
        "formatet stöds inte ({what}); ladda upp CSV, Excel (.xlsx), JSON eller ett XML-flöde "
        "från Google Merchant eller WooCommerce",
    ),
    (
        r"not a supported feed format: legacy Excel \.xls; save it as \.xlsx or CSV",
        "formatet stöds inte: äldre Excel (.xls); spara filen som .xlsx eller CSV",
    ),
    (
        r"legacy Excel file too large \((?P<n>[\d,]+) bytes; at most (?P<m>[\d,]+)\): save it "
        r"as \.xlsx or CSV",
        "den äldre Excel-filen är för stor ({n} byte; högst {m}): spara den som .xlsx eller CSV",
    ),
    (
        r"spreadsheet sheet spans (?P<n>[\d,]+) cells \(at most (?P<m>[\d,]+)\), counting "
        r"repeated rows and columns; refused",
        "kalkylbladet omfattar {n} celler (högst {m}), upprepade rader och kolumner medräknade; "
        "filen avvisas",
    ),
    (r"not a supported feed format: (?P<why>.+)", "formatet stöds inte: {why}"),
    (r"no header row found", "ingen rubrikrad hittades"),
    (r"workbook has no data in any sheet", "arbetsboken har inga data i något blad"),
    (
        r"the file ends in the middle of a row: the last row has (?P<n>\d+) of the header's "
        r"(?P<m>\d+) cells and no line break after it; was the file cut off\?",
        "filen slutar mitt i en rad: sista raden har {n} av rubrikradens {m} celler och ingen "
        "radbrytning efter sig; har filen klippts av?",
    ),
    (
        r"the file ends in the middle of a JSON line \((?P<why>.+)\) with no line break after "
        r"it; was the file cut off\?",
        "filen slutar mitt i en JSON-rad ({why}) utan radbrytning efter sig; har filen klippts av?",
    ),
    (
        r"cannot decode bytes as (?P<enc>\S+) \((?P<why>.+)\); save the file as UTF-8 and upload "
        r"it again",
        "kan inte läsa byten som {enc} ({why}); spara filen som UTF-8 och ladda upp den igen",
    ),
    (
        r"XML declares entities \(<!ENTITY>\); refused for safety",
        "XML-filen deklarerar entiteter (<!ENTITY>); avvisas av säkerhetsskäl",
    ),
    (r"malformed XML: (?P<why>.+)", "felaktig XML: {why}"),
    (
        r"archive member (?P<member>'[^']*') unpacks to (?P<n>[\d,]+) bytes from (?P<m>[\d,]+) "
        r"\((?P<r>[\d,]+):1\), over the limit of (?P<limit>[\d.]+):1; refused as a possible zip "
        r"bomb",
        "arkivdelen {member} packas upp till {n} byte från {m} ({r}:1), över gränsen {limit}:1; "
        "avvisas som en möjlig zip-bomb",
    ),
    (
        r"archive unpacks to more than (?P<n>[\d,]+) bytes \(member (?P<member>'[^']*') reaches "
        r"(?P<m>[\d,]+)\); refused as a possible zip bomb",
        "arkivet packas upp till mer än {n} byte (arkivdelen {member} når {m}); avvisas som en "
        "möjlig zip-bomb",
    ),
    (r"malformed JSON line: (?P<why>.+)", "felaktig JSON-rad: {why}"),
    (
        r"the document is nested too deeply to read \(values inside values about 1,000 levels "
        r"deep\); refused",
        "dokumentet är för djupt nästlat för att läsas (värden i värden omkring 1\u00a0000 nivåer "
        "djupt); avvisas",
    ),
    (
        r"malformed JSON at line (?P<l>\d+), column (?P<c>\d+): (?P<why>.+)",
        "felaktig JSON på rad {l}, kolumn {c}: {why}",
    ),
    (
        r"the file changed while it was being read \((?P<detail>.+)\); nothing was changed",
        "filen ändrades medan den lästes ({detail}); inget ändrades. Ladda upp den igen.",
    ),
)
_FILE_MESSAGES_SV_COMPILED = tuple((re.compile(p, re.DOTALL), r) for p, r in _FILE_MESSAGES_SV)
_WHAT_SV = {
    "binary data": "binärdata",
    "an XML document that is not a product feed": "ett XML-dokument som inte är ett produktflöde",
}


def file_message_label(message: str, lang: str) -> str:
    """Why a file could not be read, in ``lang``; a message not recognised is shown as written.

    Technical details quoted from a parser (an XML or JSON error) stay as the parser wrote them.
    """
    if lang != "sv":
        return message
    where = _WHERE.match(message)
    if where is None:
        return message
    for pattern, template in _FILE_MESSAGES_SV_COMPILED:
        found = pattern.fullmatch(where["why"])
        if found is None:
            continue
        parts = found.groupdict()
        if "what" in parts:
            parts["what"] = _WHAT_SV.get(parts["what"], parts["what"])
        for key in ("n", "m", "r"):
            if key in parts:
                parts[key] = parts[key].replace(",", "\u00a0")
        place = where["file"] + (f", rad {where['row']}" if where["row"] else "")
        return f"{place}: {template.format(**parts)}"
    return message
