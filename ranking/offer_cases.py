"""Judged offer orders: one product's offers and the order clinics expect them in.

Where ``ranking.evaluation`` judges products for a query, these cases judge the order of
one product's offers (``ranking.scoring.rank_offers``): service before price, but price in
proportion. A TOML file holds retailer profiles and cases::

    [retailers.steady]            # every signal measured over ``count`` cases
    on_time = 0.95                # on-time share (0..1)
    stock_accuracy = 0.95         # share (0..1)
    stars = 4.4                   # reviews, treatment, feedback, competence (1..5)
    rma = 0.9                     # share (0..1)
    count = 200

    [[case]]
    id = "dear-outlier"
    why = "13x the price of an equal-delivery rival: better reviews must not win"
    expect = ["cheap", "dear"]    # offer labels, best first
    offers = [
      { label = "cheap", retailer = "steady", price = 100.0, stock = "in_stock", days = 2 },
      { label = "dear", retailer = "polished", price = 1300.0, stock = "in_stock", days = 2 },
    ]

An offer's ``vat_included`` defaults to true. ``check_cases`` ranks every case with a config
and gives the cases whose order differs (``valbar eval ranking`` and the tests report them).
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from ranking.config import RankingConfig
from ranking.errors import InvalidOfferCases
from ranking.scoring import OfferInput, rank_offers
from ranking.signals import RetailerQuality, rating_signal, share_signal

_PROFILE_KEYS = {"on_time", "stock_accuracy", "stars", "rma", "count"}
_OFFER_KEYS = {"label", "retailer", "price", "stock", "days", "vat_included"}


@dataclass(frozen=True, slots=True)
class OfferCase:
    """One judged offer order."""

    id: str
    why: str
    offers: tuple[tuple[str, OfferInput], ...]  # (label, offer)
    expect: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class CaseResult:
    """A case ranked: the order ranking gave and whether it is the expected one."""

    case: OfferCase
    got: tuple[str, ...]

    @property
    def holds(self) -> bool:
        return self.got == self.case.expect


def _number(where: str, raw: Mapping[str, Any], key: str, low: float, high: float) -> float:
    value = raw.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidOfferCases(f"{where}.{key}: expected a number, got {value!r}")
    if not low <= float(value) <= high:
        raise InvalidOfferCases(f"{where}.{key}: {value} is outside {low:g}..{high:g}")
    return float(value)


def _profile(slug: str, rid: int, raw: Any) -> RetailerQuality:
    where = f"retailers.{slug}"
    if not isinstance(raw, Mapping):
        raise InvalidOfferCases(f"{where}: expected a table")
    unknown = sorted(set(raw) - _PROFILE_KEYS)
    if unknown:
        raise InvalidOfferCases(f"{where}: unknown key(s) {unknown}")
    count = int(_number(where, raw, "count", 0, 1_000_000))
    share = {k: _number(where, raw, k, 0, 1) for k in ("on_time", "stock_accuracy", "rma")}
    rating = rating_signal(_number(where, raw, "stars", 1, 5), count)
    return RetailerQuality(
        retailer_id=rid,
        slug=slug,
        name=slug,
        delivery_precision=share_signal(share["on_time"], count),
        stock_accuracy=share_signal(share["stock_accuracy"], count),
        reviews=rating,
        treatment=rating,
        feedback=rating,
        rma=share_signal(share["rma"], count),
        competence=rating,
        source="judged case",
    )


def _offer(where: str, oid: int, raw: Any, profiles: Mapping[str, RetailerQuality]) -> OfferInput:
    if not isinstance(raw, Mapping):
        raise InvalidOfferCases(f"{where}: expected a table")
    unknown = sorted(set(raw) - _OFFER_KEYS)
    if unknown:
        raise InvalidOfferCases(f"{where}: unknown key(s) {unknown}")
    slug = raw.get("retailer")
    if slug not in profiles:
        raise InvalidOfferCases(f"{where}.retailer: unknown retailer {slug!r}")
    price = None if "price" not in raw else _number(where, raw, "price", 0, 1e9)
    days = raw.get("days")
    if days is not None and (isinstance(days, bool) or not isinstance(days, int) or days < 0):
        raise InvalidOfferCases(f"{where}.days: expected a whole number >= 0, got {days!r}")
    vat = raw.get("vat_included", True)
    if not isinstance(vat, bool):
        raise InvalidOfferCases(f"{where}.vat_included: expected true or false, got {vat!r}")
    return OfferInput(
        offer_id=oid,
        retailer=profiles[str(slug)],
        price=None if price is None else Decimal(str(price)),
        vat_included=vat,
        stock_status=str(raw.get("stock", "in_stock")),
        delivery_days=days,
    )


def _case(index: int, raw: Any, profiles: Mapping[str, RetailerQuality]) -> OfferCase:
    where = f"case[{index}]"
    if not isinstance(raw, Mapping):
        raise InvalidOfferCases(f"{where}: expected a table")
    case_id = raw.get("id")
    if not isinstance(case_id, str) or not case_id:
        raise InvalidOfferCases(f"{where}.id: expected a name")
    where = f"case {case_id!r}"
    offers_raw = raw.get("offers")
    if not isinstance(offers_raw, list) or len(offers_raw) < 2:
        raise InvalidOfferCases(f"{where}.offers: expected at least two offers")
    offers: list[tuple[str, OfferInput]] = []
    for number, item in enumerate(offers_raw, start=1):
        label = item.get("label") if isinstance(item, Mapping) else None
        if not isinstance(label, str) or not label:
            raise InvalidOfferCases(f"{where}.offers[{number}].label: expected a name")
        offers.append((label, _offer(f"{where}.offers[{number}]", number, item, profiles)))
    labels = [label for label, _offer in offers]
    if len(set(labels)) != len(labels):
        raise InvalidOfferCases(f"{where}.offers: labels must be unique")
    expect = raw.get("expect")
    if not isinstance(expect, list) or sorted(map(str, expect)) != sorted(labels):
        raise InvalidOfferCases(f"{where}.expect: must list every offer label once, best first")
    return OfferCase(case_id, str(raw.get("why", "")), tuple(offers), tuple(map(str, expect)))


def parse_cases(text: str) -> list[OfferCase]:
    """The cases of a TOML document; ``InvalidOfferCases`` names the bad field."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InvalidOfferCases(f"(toml): {exc}") from exc
    retailers = data.get("retailers", {})
    if not isinstance(retailers, Mapping):
        raise InvalidOfferCases("retailers: expected a table of retailer profiles")
    profiles = {
        slug: _profile(slug, rid, raw)
        for rid, (slug, raw) in enumerate(sorted(retailers.items()), start=1)
    }
    cases = [_case(i, raw, profiles) for i, raw in enumerate(data.get("case", []), start=1)]
    ids = [case.id for case in cases]
    if len(set(ids)) != len(ids):
        raise InvalidOfferCases("case: ids must be unique")
    return cases


def load_cases(path: Path) -> list[OfferCase]:
    """The cases of a TOML file (see the module docstring)."""
    try:
        return parse_cases(path.read_text(encoding="utf-8"))
    except InvalidOfferCases as exc:
        raise InvalidOfferCases(f"{path.name}: {exc}") from exc


def check_cases(cases: Sequence[OfferCase], config: RankingConfig) -> list[CaseResult]:
    """Every case ranked with ``config`` (no rules), in file order."""
    results = []
    for case in cases:
        label_of = {offer.offer_id: label for label, offer in case.offers}
        ranked = rank_offers([offer for _label, offer in case.offers], config)
        results.append(CaseResult(case, tuple(label_of[r.offer.offer_id] for r in ranked)))
    return results
