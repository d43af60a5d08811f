"""Swedish organisation numbers and VAT numbers, read strictly with a reason for every refusal.

An organisationsnummer is ten digits, ``NNNNNN-NNNN``; the last is a Luhn check digit over the
first nine (the same as a personnummer's, which a sole trader's business uses). Accepted forms:
``556677-8899``, ``5566778899``, ``16556677-8899`` (the century prefix ``16`` Skatteverket
writes for organisations, or ``19``/``20`` for a sole trader's personnummer). Spaces are
ignored. The canonical form stored and shown is ``NNNNNN-NNNN``.

A Swedish VAT number (momsregistreringsnummer) is ``SE`` + the ten digits + ``01``; when both
are given, the VAT number must be the organisation's own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_SPACES = re.compile(r"[\s\u00a0]+")
_ORGNR = re.compile(r"(?:(16|19|20)(?=\d{6}-?\d{4}$))?(\d{6})-?(\d{4})")
_VAT = re.compile(r"SE(\d{10})01")


@dataclass(frozen=True, slots=True)
class OrgNumberError(ValueError):
    """Why a typed value is not a Swedish organisation (or VAT) number; ``code`` names it
    for the message catalogs: ``format``, ``check_digit``, ``vat_format``, ``vat_mismatch``."""

    code: str
    value: str

    def __str__(self) -> str:
        return f"{self.code}: {self.value!r}"


def luhn_ok(digits: str) -> bool:
    """True when the last digit is the Luhn check digit of the ones before it."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch)
        if i % 2 == 1:
            n *= 2
            if n > 9:
                n -= 9
        total += n
    return total % 10 == 0


def parse_org_number(value: str) -> str:
    """The canonical ``NNNNNN-NNNN`` form of a typed organisation number, or OrgNumberError."""
    typed = _SPACES.sub("", value or "")
    m = _ORGNR.fullmatch(typed)
    if m is None:
        raise OrgNumberError("format", value)
    digits = m.group(2) + m.group(3)
    if not luhn_ok(digits):
        raise OrgNumberError("check_digit", value)
    return f"{m.group(2)}-{m.group(3)}"


def parse_vat_number(value: str, org_number: str | None = None) -> str:
    """The canonical ``SE##########01`` form; with ``org_number`` (canonical) it must match."""
    typed = _SPACES.sub("", value or "").upper()
    m = _VAT.fullmatch(typed)
    if m is None or not luhn_ok(m.group(1)):
        raise OrgNumberError("vat_format", value)
    if org_number is not None and m.group(1) != org_number.replace("-", ""):
        raise OrgNumberError("vat_mismatch", value)
    return typed
