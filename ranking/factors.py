"""Factor contributions: the factor table's scoring functions, binned, weighted and cached.

A config is prepared once per factor table (``prepare``): normalized weights plus caches of
everything that depends only on (config, retailer) — the retailer-only factors and the
offer factors per (retailer, offer field) — and of the product-level copies of those
contributions. Configs are frozen, so caching per config object is safe. See
``ranking.config`` for the definition of each factor and ``ranking.factor_table`` for the
table.
"""

from __future__ import annotations

import math
import weakref
from collections.abc import Callable, Hashable
from operator import attrgetter, is_
from typing import TYPE_CHECKING, Any

from ranking.config import RankingConfig
from ranking.explain import Contribution, quantize
from ranking.factor_scores import Reading, band_reading, price_reading
from ranking.factor_table import BAND_CODE, BAND_FACTOR, Factor, FactorTable, active_table
from ranking.price_basis import PriceBasis, price_factor
from ranking.signals import RetailerQuality

if TYPE_CHECKING:
    from ranking.scoring import OfferInput, RankedOffer

_CACHE_LIMIT = 50_000
HeadKey = tuple[Hashable, ...]


def bin_value(value: float, step: float) -> float:
    """Clamp to 0..1 and round to the nearest multiple of ``step`` (halves round up)."""
    value = min(1.0, max(0.0, value))
    if step <= 0:
        return value
    return min(1.0, round(math.floor(value / step + 0.5) * step, 10))


def _head_key(fields: tuple[str, ...]) -> Callable[[OfferInput], HeadKey]:
    """The offer's values of ``fields`` as a tuple (``attrgetter`` runs in C)."""
    if len(fields) >= 2:
        return attrgetter(*fields)
    if len(fields) == 1:
        one = attrgetter(fields[0])
        return lambda offer: (one(offer),)
    return lambda offer: ()


class _RetailerPart:
    """Per (config, retailer): the factors that do not depend on the offer, computed once."""

    __slots__ = ("fixed", "heads", "offer_factors")

    def __init__(self, compiled: PreparedConfig, retailer: RetailerQuality) -> None:
        self.fixed = {
            factor.name: compiled.remember(compiled.contribution(factor, retailer, None), retailer)
            for factor in compiled.retailer_factors
        }
        # per offer factor: its contribution by the offer field's value
        self.offer_factors: tuple[dict[Any, Contribution], ...] = tuple(
            {} for _ in compiled.offer_factors
        )
        # head key (the offer fields) -> the points of the head factors (all but price),
        # their negated values (the tie-break key) and the contributions: see
        # PreparedConfig.head
        self.heads: dict[HeadKey, tuple[float, tuple[float, ...], tuple[Contribution, ...]]] = {}


class PreparedConfig:
    """A config prepared for fast scoring (normalized weights, caches per retailer)."""

    def __init__(self, config: RankingConfig, table: FactorTable | None = None) -> None:
        self.config = config
        self.table = table = table or active_table()
        self.weights = dict(zip(table.names, config.weights.normalized(table), strict=True))
        self.step = config.binning.step
        self.vat_factor = 1.0 + config.vat_rate
        self.quality_weight = config.text.quality_weight
        self.head_size = len(table.head)
        self.offer_factors = tuple(f for f in table.head if f.offer_field is not None)
        self.retailer_factors = tuple(f for f in table.head if f.offer_field is None)
        self.head_key = _head_key(tuple(str(f.offer_field) for f in self.offer_factors))
        self.price_weight = self.weights[table.price.name]
        # what a product takes over from its best offer: the factors, and the price band's
        # taking back of the service points (an offer's rules stay with the offer)
        self.product_factors = frozenset((*table.names, BAND_FACTOR))
        # Caches: parts by retailer value and by object identity (the entry keeps the object
        # alive, so its id cannot be reused while cached); scaled product-level copies of the
        # cached offer contributions, by identity of the original.
        self.retailers: dict[RetailerQuality, _RetailerPart] = {}
        self.retailers_by_id: dict[int, tuple[RetailerQuality, _RetailerPart]] = {}
        self.scaled: dict[int, tuple[Contribution, Contribution]] = {}
        # An offer's head contributions (every factor but price, each cached) -> their
        # product copies and point sum.
        self.scaled_heads: dict[
            tuple[int, int], tuple[tuple[Contribution, ...], tuple[Contribution, ...], float]
        ] = {}

    def contribution(self, factor: Factor, retailer: RetailerQuality, key: object) -> Contribution:
        """``factor`` of ``retailer`` (and the offer field's value ``key``), binned, weighted."""
        assert factor.score is not None
        reading: Reading = factor.score(self.config, retailer, key)
        value = bin_value(reading.value, self.step)
        weight = self.weights[factor.name]
        return Contribution(
            factor.name,
            value,
            weight,
            quantize(weight * value),
            reading.code,
            reading.values,
            reading.count,
        )

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

        Offer-level rule contributions are left out (product rules apply to products); a
        price band contribution is kept, so the product counts what the offer counts.
        The retailer-level copies are cached, so this is mostly dictionary lookups.
        """
        offer_parts = best.explanation.contributions
        size = self.head_size
        names = self.product_factors
        head = offer_parts[:size]
        if len(head) == size:
            hit = self.scaled_heads.get((id(head[0]), id(head[1])))
            if hit is not None and all(map(is_, hit[0], head)):
                tail = [c for c in offer_parts[size:] if c.factor in names]
                scaled = self.scaled
                parts = list(hit[1])
                for contribution in tail:
                    cached = scaled.get(id(contribution))
                    if cached is not None and cached[0] is contribution:
                        parts.append(cached[1])
                    else:
                        parts.append(self.product_copy(contribution, best.offer.retailer))
                return parts, math.fsum([hit[2], *[c.points for c in tail]])
        factors = [c for c in offer_parts if c.factor in names]
        retailer = best.offer.retailer
        parts = []
        for contribution in factors:
            cached = self.scaled.get(id(contribution))
            if cached is not None and cached[0] is contribution:
                parts.append(cached[1])
            else:
                parts.append(self.product_copy(contribution, retailer))
        if len(factors) >= size >= 2 and all(id(c) in self.scaled for c in factors[:size]):
            if len(self.scaled_heads) > _CACHE_LIMIT:
                self.scaled_heads.clear()
            head_tuple = tuple(factors[:size])
            self.scaled_heads[(id(head_tuple[0]), id(head_tuple[1]))] = (
                head_tuple,
                tuple(parts[:size]),
                math.fsum(c.points for c in head_tuple),
            )
        return parts, math.fsum(c.points for c in factors)

    def remember(self, contribution: Contribution, retailer: RetailerQuality) -> Contribution:
        """Register a cached offer contribution with its product-level (scaled) copy."""
        self.scaled[id(contribution)] = (contribution, self.product_copy(contribution, retailer))
        return contribution

    def product_copy(self, contribution: Contribution, retailer: RetailerQuality) -> Contribution:
        """The contribution scaled by quality_weight, explained as the best offer's (seller)."""
        return Contribution(
            contribution.factor,
            contribution.value,
            contribution.weight * self.quality_weight,
            quantize(contribution.points * self.quality_weight),
            "best_offer",
            {**contribution.values, "seller": retailer.name, "offer_code": contribution.code},
            contribution.count,
        )

    def head(
        self, retailer: RetailerQuality, part: _RetailerPart, key: HeadKey
    ) -> tuple[float, tuple[float, ...], tuple[Contribution, ...]]:
        """An offer's factors other than price: their points, negated values and
        contributions, cached per (retailer, offer fields ``key``).

        Points are quantized to multiples of 2**-40, so their sum is exact: adding the price
        points to it gives the same total as summing all the contributions.
        """
        found = part.heads.get(key)
        if found is None:
            offer_values = dict(zip((f.name for f in self.offer_factors), key, strict=True))
            head = []
            for factor in self.table.head:
                if factor.offer_field is None:
                    head.append(part.fixed[factor.name])
                else:
                    head.append(self._offer_factor(retailer, part, factor, offer_values))
            contributions = tuple(head)
            found = (
                math.fsum(c.points for c in contributions),
                tuple(-c.value for c in contributions),
                contributions,
            )
            part.heads[key] = found
        return found

    def _offer_factor(
        self,
        retailer: RetailerQuality,
        part: _RetailerPart,
        factor: Factor,
        offer_values: dict[str, Any],
    ) -> Contribution:
        cache = part.offer_factors[self.offer_factors.index(factor)]
        value = offer_values[factor.name]
        found = cache.get(value)
        if found is None:
            found = self.remember(self.contribution(factor, retailer, value), retailer)
            cache[value] = found
        return found

    def gross_price(self, offer: OfferInput) -> float | None:
        if offer.price is None or offer.price < 0:
            return None
        price = float(offer.price)
        return price * self.vat_factor if offer.vat_included is False else price


_PREPARED: dict[int, tuple[weakref.ref[RankingConfig], PreparedConfig]] = {}


def prepare(config: RankingConfig, table: FactorTable | None = None) -> PreparedConfig:
    """The prepared form of ``config`` for ``table`` (default: the table in force); configs
    are frozen, so it is cached per object (and remade when the table changes)."""
    table = table or active_table()
    entry = _PREPARED.get(id(config))
    if entry is not None and entry[0]() is config and entry[1].table is table:
        return entry[1]
    compiled = PreparedConfig(config, table)
    if len(_PREPARED) > 64:
        _PREPARED.clear()
    _PREPARED[id(config)] = (weakref.ref(config), compiled)
    return compiled


def price_value(compiled: PreparedConfig, gross: float | None, basis: PriceBasis) -> float:
    """The binned price factor value (what :func:`price_contribution` explains)."""
    if gross is None:
        return bin_value(compiled.config.price.missing, compiled.step)
    if basis.flat:
        return 1.0
    return bin_value(price_factor(compiled.config.price, gross, basis), compiled.step)


def price_contribution(
    compiled: PreparedConfig, offer: OfferInput, gross: float | None, basis: PriceBasis
) -> Contribution:
    """The price factor of ``offer`` among the product's offers (``gross`` incl. VAT)."""
    weight = compiled.price_weight
    value = price_value(compiled, gross, basis)
    code, values = price_reading(
        compiled.config, offer.vat_included, gross, basis, offer.conversion, offer.uncompared
    )
    return Contribution(
        compiled.table.price.name,
        value,
        weight,
        quantize(weight * value),
        code,
        values,
        basis.priced,
    )


def band_contribution(
    compiled: PreparedConfig, gross: float, head_points: float, basis: PriceBasis
) -> Contribution:
    """An offer above the price band: its service points (``head_points``, the factors
    other than price) taken back, so only its price (and rules) count."""
    values = band_reading(compiled.config, gross, basis)
    return Contribution(BAND_FACTOR, 1.0, head_points, -head_points, BAND_CODE, values)
