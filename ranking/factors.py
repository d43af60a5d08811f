"""Factor contributions: how each of the eight factors is computed for an offer.

A config is prepared once (``prepare``): normalized weights plus caches of everything that
depends only on (config, retailer) — the shrunk signals and their contributions — and of the
product-level copies of those contributions. Configs are frozen, so caching per config object
is safe. See ``ranking.config`` for the definition of each factor.
"""

from __future__ import annotations

import math
import weakref
from operator import is_
from typing import TYPE_CHECKING

from catalog.enums import StockStatus
from ranking.config import FACTORS, RankingConfig
from ranking.explain import Contribution, quantize
from ranking.signals import RetailerQuality, Signal, shrink, stars

if TYPE_CHECKING:
    from ranking.scoring import OfferInput, RankedOffer

FACTOR_SET = frozenset(FACTORS)
_STATUS_LABELS = {
    StockStatus.IN_STOCK.value: "in stock",
    StockStatus.LIMITED.value: "limited stock",
    StockStatus.BACKORDER.value: "on backorder",
    StockStatus.OUT_OF_STOCK.value: "out of stock",
    StockStatus.UNKNOWN.value: "stock status unknown",
}
# (factor, signal, is 1..5 rating, phrase, unit) for the five retailer-only factors
_RETAILER_FACTORS = (
    ("reviews", "reviews", True, "rated", "reviews"),
    ("treatment", "treatment", True, "treatment (bemötande) rated", "ratings"),
    ("feedback", "feedback", True, "feedback (återkoppling) rated", "ratings"),
    ("rma", "rma", False, "returns handled well", "cases"),
    ("competence", "competence", True, "competence rated", "ratings"),
)
_CACHE_LIMIT = 50_000


def bin_value(value: float, step: float) -> float:
    """Clamp to 0..1 and round to the nearest multiple of ``step`` (halves round up)."""
    value = min(1.0, max(0.0, value))
    if step <= 0:
        return value
    return min(1.0, round(math.floor(value / step + 0.5) * step, 10))


def _share(value: float) -> str:
    return f"{value:.0%}"


def _signal_detail(signal: Signal, mean: float, strength: float, rating: bool, text: str) -> str:
    """``"<phrase> 4.6/5 over 212 reviews"`` or ``"no data yet: prior 3.8/5"``."""
    show = (lambda v: f"{stars(v):.1f}/5") if rating else _share
    phrase, unit = text.rsplit("|", 1)
    if signal.value is None or signal.count <= 0:
        return f"no data yet: prior {show(mean)}"
    noun = unit if signal.count != 1 else unit.rstrip("s")
    detail = f"{phrase} {show(signal.value)} over {signal.count} {noun}"
    if signal.count < strength:
        detail += f" (few data: weighted toward prior {show(mean)})"
    return detail


class _RetailerPart:
    """Per (config, retailer): the factors that do not depend on the offer, computed once."""

    __slots__ = (
        "accuracy",
        "accuracy_detail",
        "availability",
        "delivery",
        "fixed",
        "heads",
        "precision",
    )

    def __init__(self, compiled: PreparedConfig, retailer: RetailerQuality) -> None:
        cfg = compiled.config
        dp_prior = cfg.priors["delivery_precision"]
        self.precision = shrink(retailer.delivery_precision, dp_prior)
        self.delivery: dict[int | None, Contribution] = {}
        self.availability: dict[str, Contribution] = {}
        acc_prior = cfg.priors["stock_accuracy"]
        self.accuracy = shrink(retailer.stock_accuracy, acc_prior)
        self.accuracy_detail = _signal_detail(
            retailer.stock_accuracy,
            acc_prior.mean,
            acc_prior.strength,
            False,
            "stock data accurate|checks",
        )
        fixed = []
        for factor, signal_name, rating, phrase, unit in _RETAILER_FACTORS:
            prior = cfg.priors[signal_name]
            signal = retailer.signal(signal_name)
            value = bin_value(shrink(signal, prior), compiled.step)
            weight = compiled.weights[factor]
            detail = _signal_detail(signal, prior.mean, prior.strength, rating, f"{phrase}|{unit}")
            contribution = Contribution(
                factor, value, weight, quantize(weight * value), detail, signal.count
            )
            fixed.append(compiled.remember(contribution, retailer))
        self.fixed = tuple(fixed)
        # (delivery days, stock status) -> the points of the seven offer factors other than
        # price, and their negated values (the tie-break key): see PreparedConfig.head
        self.heads: dict[tuple[int | None, str], tuple[float, tuple[float, ...]]] = {}


class PreparedConfig:
    """A config prepared for fast scoring (normalized weights, caches per retailer)."""

    def __init__(self, config: RankingConfig) -> None:
        self.config = config
        self.weights = dict(zip(FACTORS, config.weights.normalized(), strict=True))
        self.step = config.binning.step
        self.vat_factor = 1.0 + config.vat_rate
        self.quality_weight = config.text.quality_weight
        self.unknown_availability = config.availability[StockStatus.UNKNOWN.value]
        # Caches: parts by retailer value and by object identity (the entry keeps the object
        # alive, so its id cannot be reused while cached); scaled product-level copies of the
        # cached offer contributions, by identity of the original.
        self.retailers: dict[RetailerQuality, _RetailerPart] = {}
        self.retailers_by_id: dict[int, tuple[RetailerQuality, _RetailerPart]] = {}
        self.scaled: dict[int, tuple[Contribution, Contribution]] = {}
        # The seven offer-independent-or-cached head contributions of an offer (delivery,
        # availability, five retailer factors) -> their product copies and point sum.
        self.scaled_heads: dict[
            tuple[int, int], tuple[tuple[Contribution, ...], tuple[Contribution, ...], float]
        ] = {}

    def part(self, retailer: RetailerQuality) -> _RetailerPart:
        entry = self.retailers_by_id.get(id(retailer))
        if entry is not None and entry[0] is retailer:
            return entry[1]
        part = self.retailers.get(retailer)
        if part is None:
            if len(self.retailers) > _CACHE_LIMIT:
                self.retailers.clear()
                self.scaled.clear()
            part = self.retailers[retailer] = _RetailerPart(self, retailer)
        if len(self.retailers_by_id) > _CACHE_LIMIT:
            self.retailers_by_id.clear()
        self.retailers_by_id[id(retailer)] = (retailer, part)
        return part

    def product_parts(self, best: RankedOffer) -> tuple[list[Contribution], float]:
        """The best offer's factor contributions scaled for the product, and its quality.

        Offer-level rule contributions are left out (product rules apply to products).
        The retailer-level copies are cached, so this is mostly dictionary lookups.
        """
        offer_parts = best.explanation.contributions
        head = offer_parts[:7]
        if len(head) == 7:
            hit = self.scaled_heads.get((id(head[0]), id(head[1])))
            if hit is not None and all(map(is_, hit[0], head)):
                tail = [c for c in offer_parts[7:] if c.factor in FACTOR_SET]
                scaled = self.scaled
                parts = list(hit[1])
                for contribution in tail:
                    cached = scaled.get(id(contribution))
                    if cached is not None and cached[0] is contribution:
                        parts.append(cached[1])
                    else:
                        parts.append(self.product_copy(contribution, best.offer.retailer))
                return parts, math.fsum([hit[2], *[c.points for c in tail]])
        factors = [c for c in offer_parts if c.factor in FACTOR_SET]
        retailer = best.offer.retailer
        parts = []
        for contribution in factors:
            cached = self.scaled.get(id(contribution))
            if cached is not None and cached[0] is contribution:
                parts.append(cached[1])
            else:
                parts.append(self.product_copy(contribution, retailer))
        if len(factors) >= 7 and all(id(c) in self.scaled for c in factors[:7]):
            if len(self.scaled_heads) > _CACHE_LIMIT:
                self.scaled_heads.clear()
            head_tuple = tuple(factors[:7])
            self.scaled_heads[(id(head_tuple[0]), id(head_tuple[1]))] = (
                head_tuple,
                tuple(parts[:7]),
                math.fsum(c.points for c in head_tuple),
            )
        return parts, math.fsum(c.points for c in factors)

    def remember(self, contribution: Contribution, retailer: RetailerQuality) -> Contribution:
        """Register a cached offer contribution with its product-level (scaled) copy."""
        self.scaled[id(contribution)] = (contribution, self.product_copy(contribution, retailer))
        return contribution

    def product_copy(self, contribution: Contribution, retailer: RetailerQuality) -> Contribution:
        """The contribution scaled by quality_weight, its detail naming the best offer's seller."""
        return Contribution(
            contribution.factor,
            contribution.value,
            contribution.weight * self.quality_weight,
            quantize(contribution.points * self.quality_weight),
            f"best offer ({retailer.name}): {contribution.detail}",
            contribution.count,
        )

    def head(
        self, retailer: RetailerQuality, part: _RetailerPart, days: int | None, status: str
    ) -> tuple[float, tuple[float, ...]]:
        """Points of an offer's seven non-price factors and their negated values, cached.

        Points are quantized to multiples of 2**-40, so their sum is exact: adding the price
        points to it gives the same total as summing all eight contributions.
        """
        key = (days, status)
        found = part.heads.get(key)
        if found is None:
            head = (
                self.delivery(retailer, part, days),
                self.availability(retailer, part, status),
                *part.fixed,
            )
            found = (math.fsum(c.points for c in head), tuple(-c.value for c in head))
            part.heads[key] = found
        return found

    def delivery(
        self, retailer: RetailerQuality, part: _RetailerPart, days: int | None
    ) -> Contribution:
        found = part.delivery.get(days)
        if found is not None:
            return found
        curve = self.config.delivery
        prior = self.config.priors["delivery_precision"]
        promise = curve.score(days)
        share = curve.promise_share
        value = bin_value((1 - share) * part.precision + share * promise, self.step)
        signal = retailer.delivery_precision
        detail = _signal_detail(signal, prior.mean, prior.strength, False, "on time|orders")
        if days is None:
            detail += "; no delivery time given"
        else:
            detail += f"; promises {days} day{'s' if days != 1 else ''}"
        weight = self.weights["delivery_precision"]
        found = Contribution(
            "delivery_precision", value, weight, quantize(weight * value), detail, signal.count
        )
        part.delivery[days] = self.remember(found, retailer)
        return found

    def availability(
        self, retailer: RetailerQuality, part: _RetailerPart, status: str
    ) -> Contribution:
        found = part.availability.get(status)
        if found is not None:
            return found
        scores = self.config.availability
        if status in scores:
            stated, label = scores[status], _STATUS_LABELS[status]
        else:
            stated, label = self.unknown_availability, f"unrecognized status {status!r}"
        acc = part.accuracy
        value = bin_value(acc * stated + (1 - acc) * self.unknown_availability, self.step)
        weight = self.weights["availability"]
        detail = f"{label}; {part.accuracy_detail}"
        found = Contribution(
            "availability",
            value,
            weight,
            quantize(weight * value),
            detail,
            retailer.stock_accuracy.count,
        )
        part.availability[status] = self.remember(found, retailer)
        return found

    def gross_price(self, offer: OfferInput) -> float | None:
        if offer.price is None or offer.price < 0:
            return None
        price = float(offer.price)
        return price * self.vat_factor if offer.vat_included is False else price


_PREPARED: dict[int, tuple[weakref.ref[RankingConfig], PreparedConfig]] = {}


def prepare(config: RankingConfig) -> PreparedConfig:
    """The prepared form of ``config`` (configs are frozen, so it is cached per object)."""
    entry = _PREPARED.get(id(config))
    if entry is not None and entry[0]() is config:
        return entry[1]
    compiled = PreparedConfig(config)
    if len(_PREPARED) > 64:
        _PREPARED.clear()
    _PREPARED[id(config)] = (weakref.ref(config), compiled)
    return compiled


def price_value(
    compiled: PreparedConfig, gross: float | None, low: float, high: float, priced: int
) -> float:
    """The binned price factor value (what :func:`price_contribution` explains)."""
    if gross is None:
        return bin_value(compiled.config.price.missing, compiled.step)
    if priced <= 1 or high <= low:
        return 1.0
    spread = max(high - low, compiled.config.price.min_spread * low)
    return bin_value(1.0 - (gross - low) / spread, compiled.step)


def price_contribution(
    compiled: PreparedConfig,
    offer: OfferInput,
    gross: float | None,
    low: float,
    high: float,
    priced: int,
) -> Contribution:
    """The price factor of ``offer`` among the product's offers (``gross`` incl. VAT)."""
    weight = compiled.weights["price"]
    value = price_value(compiled, gross, low, high, priced)
    if gross is None:
        return Contribution(
            "price", value, weight, quantize(weight * value), "no price given", priced
        )
    if offer.vat_included is False:
        shown = f"{gross:.2f} incl. VAT, converted at {compiled.config.vat_rate:.0%}"
    elif offer.vat_included is None:
        shown = f"{gross:.2f}, VAT status unknown: taken as incl. VAT"
    else:
        shown = f"{gross:.2f} incl. VAT"
    if priced <= 1:
        detail = f"only priced offer ({shown}): neutral"
    elif high <= low:
        detail = f"same price as all {priced} offers ({shown})"
    elif gross <= low:
        detail = f"cheapest of {priced} offers ({shown})"
    elif low > 0:
        detail = f"{gross / low - 1:.0%} above the cheapest of {priced} offers ({shown})"
    else:
        detail = f"{gross - low:.2f} above the cheapest of {priced} offers ({shown})"
    return Contribution("price", value, weight, quantize(weight * value), detail, priced)
