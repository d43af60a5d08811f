"""An organisation's details as typed, read strictly (issue 14 item 1): the org number with
its check digit, a VAT number that must be the organisation's own, a postal code of 3+2
digits, lengths; e-mail addresses; a retailer's slug from its name. Pure functions: every
problem is named by its field and a reason code the UI has a sentence for."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace

from catalog.orgnr import OrgNumberError, parse_org_number, parse_vat_number
from catalog.single_line import has_control
from marketplace.errors import InvalidInput

MAX_NAME = 200
MAX_STREET = 200
MAX_CITY = 100
MAX_REASON = 2000
_POSTAL = re.compile(r"(\d{3}) ?(\d{2})")
SLUG_FORMAT = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,78}[a-z0-9])?")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


class OrgInvalid(InvalidInput):
    """Details that cannot be stored: ``fields`` maps each field to why (a reason code the
    UI has a sentence for: ``org_field.<field>.<reason>``)."""

    def __init__(self, fields: dict[str, str]) -> None:
        listed = ", ".join(f"{f}: {r}" for f, r in fields.items())
        super().__init__(f"invalid organisation details ({listed})", code="org_fields")
        self.fields = dict(fields)


@dataclass(frozen=True, slots=True)
class OrgDetails:
    """An organisation's details as typed; :func:`check_details` reads them strictly."""

    name: str
    org_number: str
    vat_number: str = ""
    street: str = ""
    postal_code: str = ""
    city: str = ""


def normalise_email(value: str) -> str:
    return value.strip().lower()


def email_problem(value: str) -> str | None:
    """Why ``value`` is no usable e-mail address (a reason code), or None."""
    email = normalise_email(value)
    if not email:
        return "required"
    if len(email) > 254 or "\x00" in email or not _EMAIL.fullmatch(email):
        return "format"
    return None


def text_problem(value: str, limit: int, *, required: bool) -> str | None:
    """Why a one-line field (a name, a street, a city) cannot be stored: ``format`` for a
    line break or another control character (a name goes into e-mail subjects and the
    CLI's tables), ``required``, ``too_long``; or None."""
    if has_control(value.strip()):
        return "format"
    if not value.strip():
        return "required" if required else None
    return "too_long" if len(value.strip()) > limit else None


def check_details(
    details: OrgDetails, *, require_address: bool
) -> tuple[OrgDetails, dict[str, str]]:
    """The canonical details and the problems found (field -> reason), all at once.

    Reasons: ``required``, ``too_long``, ``format``, ``check_digit`` (the org number's Luhn
    digit), ``vat_format``, ``vat_mismatch`` (a VAT number not the organisation's own)."""
    problems: dict[str, str] = {}
    if (p := text_problem(details.name, MAX_NAME, required=True)) is not None:
        problems["name"] = p
    org_number = ""
    if not details.org_number.strip():
        problems["org_number"] = "required"
    else:
        try:
            org_number = parse_org_number(details.org_number[:40])
        except OrgNumberError as exc:
            problems["org_number"] = exc.code
    vat = ""
    if details.vat_number.strip():
        try:
            vat = parse_vat_number(details.vat_number[:40], org_number or None)
        except OrgNumberError as exc:
            problems["vat_number"] = exc.code
    for field, limit in (("street", MAX_STREET), ("city", MAX_CITY)):
        value = getattr(details, field)
        if (p := text_problem(value, limit, required=require_address)) is not None:
            problems[field] = p
    postal = ""
    if details.postal_code.strip():
        m = _POSTAL.fullmatch(details.postal_code.strip()[:20])
        if m is None:
            problems["postal_code"] = "format"
        else:
            postal = f"{m.group(1)} {m.group(2)}"
    elif require_address:
        problems["postal_code"] = "required"
    canonical = replace(
        details,
        name=details.name.strip(),
        org_number=org_number,
        vat_number=vat,
        street=details.street.strip(),
        postal_code=postal,
        city=details.city.strip(),
    )
    return canonical, problems


def slugify(name: str) -> str:
    """``Tandvårdsdepån AB`` -> ``tandvardsdepan-ab`` (ASCII, hyphens, at most 80)."""
    folded = unicodedata.normalize("NFKD", name.lower())
    ascii_only = "".join(c for c in folded if not unicodedata.combining(c)).replace("ß", "ss")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_only).strip("-")[:70].strip("-")
    return slug or "aterforsaljare"
