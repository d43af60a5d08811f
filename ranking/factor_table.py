"""The factor table: every ranking factor in one row, read by everything that names factors.

A row gives the factor's name (also its key under ``[weights]`` and in explanations), its
default weight, the retailer signal it reads, the reason codes its explanations use, its
labels, and its scoring function. ``FactorWeights`` (the config), the scoring machinery
(``ranking.factors``), the explanation catalogs' completeness test and the UI's bars and
labels all read this table, so a ninth factor is one more row plus its scoring function.

Scopes: a factor with ``offer_field`` reads that attribute of the offer (delivery days,
stock status) besides the retailer and is cached per (retailer, that value); without it,
it depends on the retailer alone and is computed once per retailer. ``among_offers``
marks price: it is normalized among the product's offers (the table supports one such
factor, and it is explained after the others).

Tests may extend the table for a while with :func:`registered`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ranking import factor_scores as fs

if TYPE_CHECKING:
    from ranking.config import RankingConfig
    from ranking.factor_scores import Reading
    from ranking.signals import RetailerQuality

# (config, retailer, the value of the offer field it reads or None) -> its reading
ScoreFunction = Callable[["RankingConfig", "RetailerQuality", Any], "Reading"]


@dataclass(frozen=True, slots=True)
class Factor:
    """One row of the factor table."""

    name: str
    default_weight: float
    description: str
    signal: str | None  # the ``RetailerQuality`` signal it reads (None: the offer only)
    codes: tuple[str, ...]  # the reason codes of its explanations
    labels: tuple[str, str]  # (Swedish, English)
    score: ScoreFunction | None  # None only for the among-offers factor (price)
    offer_field: str | None = None  # the ``OfferInput`` attribute it also reads
    among_offers: bool = False


def _rated(name: str, noun: str, code: str) -> fs.RetailerScore:
    return fs.retailer_signal(name, fs.SignalWords(code, True, noun))


_NO_DATA = ("no_data_rating",)

DEFAULT_FACTORS: tuple[Factor, ...] = (
    Factor(
        "delivery_precision",
        0.24,
        "1: measured on-time share + promised days.",
        "delivery_precision",
        ("on_time_share", "on_time_no_data", "promise_days", "no_promise"),
        ("Leveransprecision", "Delivery precision"),
        fs.delivery_precision,
        offer_field="delivery_days",
    ),
    Factor(
        "availability",
        0.20,
        "2: stock status, trusted by stock accuracy.",
        "stock_accuracy",
        (*fs.STATUS_CODES.values(), "status_unrecognized", "stock_accurate", "stock_no_data"),
        ("Tillgänglighet", "Availability"),
        fs.availability,
        offer_field="stock_status",
    ),
    Factor(
        "reviews",
        0.16,
        "3: colleagues' overall reviews of the retailer, verified purchases weighed more.",
        "reviews",
        ("reviews_rated", "reviews_verified", *_NO_DATA),
        ("Kollegors omdömen", "Colleagues' reviews"),
        fs.reviews,
    ),
    Factor(
        "treatment",
        0.12,
        "4: treatment (bemötande) ratings.",
        "treatment",
        ("treatment_rated", *_NO_DATA),
        ("Bemötande", "Treatment"),
        _rated("treatment", "ratings", "treatment_rated"),
    ),
    Factor(
        "feedback",
        0.10,
        "5: feedback regardless of outcome (återkoppling).",
        "feedback",
        ("feedback_rated", *_NO_DATA),
        ("Återkoppling", "Feedback"),
        _rated("feedback", "ratings", "feedback_rated"),
    ),
    Factor(
        "rma",
        0.08,
        "6: quality of returns (RMA) handling.",
        "rma",
        ("rma_share", "no_data_share"),
        ("Reklamationer (RMA)", "Returns (RMA)"),
        fs.retailer_signal("rma", fs.SignalWords("rma_share", False, "cases")),
    ),
    Factor(
        "competence",
        0.06,
        "7: competence ratings.",
        "competence",
        ("competence_rated", *_NO_DATA),
        ("Kompetens", "Competence"),
        _rated("competence", "ratings", "competence_rated"),
    ),
    Factor(
        "price",
        0.04,
        "8: price relative to the product's other offers.",
        None,
        (
            "price_missing",
            "price_no_rate",
            "price_only",
            "price_same",
            "price_cheapest",
            "price_at_buyable_low",
            "price_above_share",
            "price_above_buyable_share",
            "price_above_amount",
            "vat_included",
            "vat_converted",
            "vat_unknown",
            "price_converted",
        ),
        ("Pris", "Price"),
        None,
        offer_field="price",
        among_offers=True,
    ),
)
"""The eight ranking factors, in the order clinics value them (PRODUCT.md point 4)."""

BAND_FACTOR = "price_band"
BAND_CODE = "price_band_exceeded"
"""The contribution of an offer dearer than the price band (``ranking.config`` 8)."""

PARTIAL_FACTOR = "text_tier"
PARTIAL_CODE = "partial_match"
"""The contribution of a product of the second text tier (not every query word matched)."""

OFFER_CODES: tuple[str, ...] = (BAND_CODE,)
"""Reason codes of the offer-level contributions that are not factors (rules aside)."""

PRODUCT_CODES: tuple[str, ...] = (
    "text_relevance",
    "no_text_score",
    "no_offers",
    "best_offer",
    "rule_boosted",
    "rule_buried",
    "rule_retailer",
    "rule_product",
    PARTIAL_CODE,
)
"""Reason codes of the product-level contributions that are not factors (text, rules...)."""


class FactorTable:
    """An ordered set of factors (see the module docstring)."""

    def __init__(self, factors: Sequence[Factor]) -> None:
        self.factors = tuple(factors)
        self.names = tuple(f.name for f in self.factors)
        if len(set(self.names)) != len(self.names):
            raise ValueError("factor names must be unique")
        among = [f for f in self.factors if f.among_offers]
        if len(among) != 1 or any(f.score is None for f in self.factors if not f.among_offers):
            raise ValueError("one factor is among offers (price); every other has a score")
        self.price = among[0]
        # the offer's factors other than price, in table order (explained first)
        self.head = tuple(f for f in self.factors if not f.among_offers)
        self.by_name = {f.name: f for f in self.factors}

    def __iter__(self) -> Iterator[Factor]:
        return iter(self.factors)

    def __len__(self) -> int:
        return len(self.factors)

    def __contains__(self, name: object) -> bool:
        return name in self.by_name

    def label(self, name: str, lang: str) -> str | None:
        """The factor's label in ``lang`` ("sv" or "en"), or None if it is not in the table."""
        found = self.by_name.get(name)
        if found is None:
            return None
        return found.labels[0] if lang == "sv" else found.labels[1]

    def codes(self) -> tuple[str, ...]:
        """Every reason code of the table's factors and of the product-level contributions."""
        factor_codes = tuple(dict.fromkeys(c for f in self.factors for c in f.codes))
        return factor_codes + OFFER_CODES + PRODUCT_CODES

    def extended(self, *factors: Factor) -> FactorTable:
        """This table with ``factors`` added after the others."""
        return FactorTable((*self.factors, *factors))


DEFAULT_TABLE = FactorTable(DEFAULT_FACTORS)
_active: list[FactorTable] = [DEFAULT_TABLE]


def active_table() -> FactorTable:
    """The table in force: the default one, or one extended by :func:`registered`."""
    return _active[-1]


@contextmanager
def registered(*factors: Factor) -> Iterator[FactorTable]:
    """Add ``factors`` to the table in force while the ``with`` block runs (tests, plugins)."""
    table = active_table().extended(*factors)
    _active.append(table)
    try:
        yield table
    finally:
        _active.remove(table)
