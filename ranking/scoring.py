"""Scoring: offers of one product by service quality, then products by text + best-offer quality.

Pure functions of (inputs, config); every score comes with its explanation. How each factor is
built, binned and tie-broken is documented in ``ranking.config``.

Product score = ``text`` (relevance_weight * text/max_text) + the best offer's eight factor
contributions (and its ``price_band`` one, if it is above the price band) scaled by
quality_weight + rule boosts/buries - ``no_offers`` penalty. Offer-level rule contributions of
the best offer are not carried into the product (product rules apply there instead), so a
retailer rule never counts twice.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from ranking.config import RankingConfig
from ranking.explain import Contribution, Explanation, quantize
from ranking.factor_table import PARTIAL_CODE, PARTIAL_FACTOR
from ranking.factors import (
    PreparedConfig,
    band_contribution,
    prepare,
    price_contribution,
    price_value,
)
from ranking.price_basis import (
    PriceBasis,
    PriceConversion,
    UncomparedPrice,
    is_buyable,
    price_basis,
)
from ranking.rules import Rule, applicable_rules
from ranking.signals import RetailerQuality

_TEXT_VALUES = tuple({"percent": pct} for pct in range(101))
_TIE_DECIMALS = 9  # totals equal to 1e-9 are ties (then factor order, price, offer id)


@dataclass(frozen=True, slots=True)
class OfferInput:
    """One retailer's offer for a product, as ranking sees it."""

    offer_id: int
    retailer: RetailerQuality
    price: Decimal | None
    vat_included: bool | None
    stock_status: str
    delivery_days: int | None
    # set when ``price`` was converted from another currency (``ranking.price_basis``)
    conversion: PriceConversion | None = None
    # set when the offer states a price in a currency without a rate: not compared
    uncompared: UncomparedPrice | None = None


@dataclass(slots=True)
class RankedOffer:
    """An offer with its score, explanation and 1-based rank among the product's offers."""

    offer: OfferInput
    score: float
    explanation: Explanation
    rank: int


@dataclass(frozen=True, slots=True)
class ProductInput:
    """What product-level ranking and rules need to know about a candidate product."""

    product_id: int
    brand: str | None
    category: str | None
    manufacturer: str | None
    retailer_slugs: tuple[str, ...]
    has_offers: bool


@dataclass(slots=True)
class ProductScore:
    """A product's final score and explanation.

    ``text_score`` is the raw text score passed in; ``quality_score`` the best offer's
    quality (sum of its factor points, 0..1, before blending; 0 without offers).
    ``flags``: "no_offers", "pinned", "hidden", "boosted", "buried".
    """

    product_id: int
    score: float
    text_score: float
    quality_score: float
    explanation: Explanation
    pinned_position: int | None
    hidden: bool
    flags: list[str] = field(default_factory=list)


def _rule_contribution(rule: Rule, retailer: str | None) -> Contribution:
    """A boost or bury: of the offers of ``retailer``, or of the product (``None``)."""
    signed = rule.signed_amount
    values: dict[str, str] = {"rule": rule.id, "comment": rule.comment or ""}
    if retailer is None:
        values["target"] = "rule_product"
    else:
        values.update(target="rule_retailer", retailer=retailer)
    code = "rule_boosted" if signed > 0 else "rule_buried"
    return Contribution(f"rule:{rule.id}", 1.0, rule.amount, quantize(signed), code, values)


def _offer_rules(rules: Sequence[Rule]) -> list[Rule]:
    return [rule for rule in rules if rule.action in ("boost", "bury") and rule.retailer]


def _explain_offer(
    compiled: PreparedConfig,
    offer: OfferInput,
    gross: float | None,
    basis: PriceBasis,
    offer_rules: Sequence[Rule],
) -> tuple[list[Contribution], Explanation]:
    retailer = offer.retailer
    part = compiled.part(retailer)
    head_points, _values, head = compiled.head(retailer, part, compiled.head_key(offer))
    contributions = [*head, price_contribution(compiled, offer, gross, basis)]
    if gross is not None and basis.above_band(gross):
        contributions.append(band_contribution(compiled, gross, head_points, basis))
    for rule in offer_rules:
        if rule.targets_offers_of(retailer.slug):
            contributions.append(_rule_contribution(rule, retailer.slug))
    return contributions, Explanation.of(contributions)


def _price_basis(
    compiled: PreparedConfig, offers: Sequence[OfferInput]
) -> tuple[list[float | None], PriceBasis]:
    """The offers' gross prices (VAT included) and what each is measured against."""
    grosses = [compiled.gross_price(offer) for offer in offers]
    buyable = [is_buyable(offer.stock_status, offer.delivery_days) for offer in offers]
    return grosses, price_basis(grosses, buyable, compiled.config.price)


def rank_offers(
    offers: Sequence[OfferInput], config: RankingConfig, rules: Sequence[Rule] = ()
) -> list[RankedOffer]:
    """Rank the offers of ONE product, best first, each with its explanation.

    Price is normalized among these offers. ``rules`` (already filtered for the query/time,
    e.g. by ``applicable_rules``) may boost or bury the offers of a retailer.
    """
    compiled = prepare(config)
    grosses, basis = _price_basis(compiled, offers)
    offer_rules = _offer_rules(rules)
    keyed = []
    size = compiled.head_size + 1  # the factors (rules and the band follow them)
    for offer, gross in zip(offers, grosses, strict=True):
        contributions, explanation = _explain_offer(compiled, offer, gross, basis, offer_rules)
        key = (
            -round(explanation.total, _TIE_DECIMALS),
            tuple(-c.value for c in contributions[:size]),
            math.inf if gross is None else gross,
            offer.offer_id,
        )
        keyed.append((key, offer, explanation))
    keyed.sort(key=lambda item: item[0])
    return [
        RankedOffer(offer, explanation.total, explanation, rank)
        for rank, (_, offer, explanation) in enumerate(keyed, start=1)
    ]


def best_offer(
    offers: Sequence[OfferInput], config: RankingConfig, rules: Sequence[Rule] = ()
) -> RankedOffer | None:
    """``rank_offers(offers, config, rules)[0]`` (``None`` without offers), computed fast."""
    index = best_offer_index(offers, config, rules)
    return None if index is None else explain_best(offers, index, config, rules)


def explain_best(
    offers: Sequence[OfferInput], index: int, config: RankingConfig, rules: Sequence[Rule] = ()
) -> RankedOffer:
    """The offer at ``index`` explained among ``offers``, as rank 1 (for the index that
    :func:`best_offer_index` gave, this is ``rank_offers(offers, config, rules)[0]``)."""
    compiled = prepare(config)
    grosses, basis = _price_basis(compiled, offers)
    offer = offers[index]
    _contributions, explanation = _explain_offer(
        compiled, offer, grosses[index], basis, _offer_rules(rules)
    )
    return RankedOffer(offer, explanation.total, explanation, 1)


def best_offer_index(
    offers: Sequence[OfferInput], config: RankingConfig, rules: Sequence[Rule] = ()
) -> int | None:
    """Where in ``offers`` the first of ``rank_offers(offers, config, rules)`` is.

    Each offer's total is its cached non-price points (see ``PreparedConfig.head``) plus its
    price points: points are quantized, so the sum is exact and equals the total of
    :func:`rank_offers` bit for bit. Offers are compared by rounded total first; the rest of
    the tie-break key is built only for offers tied with the best so far. Nothing is
    explained (:func:`explain_best` explains the winner).
    """
    if not offers:
        return None
    compiled = prepare(config)
    grosses, basis = _price_basis(compiled, offers)
    offer_rules = _offer_rules(rules)
    price_weight = compiled.price_weight
    flat = basis.flat  # every priced offer scores the neutral 1.0
    flat_points = quantize(price_weight * 1.0)
    part_of, head_of, key_of = compiled.part, compiled.head, compiled.head_key

    def tie_key(index: int) -> tuple[tuple[float, ...], float, int]:
        offer, gross = offers[index], grosses[index]
        _points, values, _parts = head_of(offer.retailer, part_of(offer.retailer), key_of(offer))
        value = price_value(compiled, gross, basis)
        return (*values, -value), math.inf if gross is None else gross, offer.offer_id

    best_index, best_rounded = -1, -math.inf
    for index, offer in enumerate(offers):
        retailer = offer.retailer
        gross = grosses[index]
        head_points, _values, _parts = head_of(retailer, part_of(retailer), key_of(offer))
        if flat and gross is not None:
            price_points = flat_points
        else:
            price_points = quantize(price_weight * price_value(compiled, gross, basis))
        if basis.ceiling is not None and basis.above_band(gross):
            head_points = 0.0  # the band takes the service points back (_explain_offer)
        if offer_rules:
            points = [head_points, price_points]
            for rule in offer_rules:
                if rule.targets_offers_of(retailer.slug):
                    points.append(quantize(rule.signed_amount))
            total = math.fsum(points)
        else:
            total = head_points + price_points  # exact: both are quantized
        rounded = round(total, _TIE_DECIMALS)
        if best_index < 0 or rounded > best_rounded:
            best_index, best_rounded = index, rounded
        elif rounded == best_rounded and tie_key(index) < tie_key(best_index):
            best_index = index
    return best_index


def text_contribution(
    text_score: float, max_text_score: float, config: RankingConfig
) -> Contribution:
    """The text factor of a product's score: its text score relative to the best candidate's."""
    blend = config.text
    if max_text_score > 0 and math.isfinite(max_text_score) and math.isfinite(text_score):
        relative = min(1.0, max(0.0, text_score / max_text_score))
        code, values = "text_relevance", _TEXT_VALUES[round(relative * 100)]
    else:
        relative = 0.0
        code, values = "no_text_score", {}
    weight = blend.relevance_weight
    return Contribution("text", relative, weight, quantize(weight * relative), code, values)


def partial_match_contribution(outscored: int) -> dict[str, Any]:
    """Why a product of the second text tier sits below every product of the first: it
    misses a query word. ``outscored``: products of the first tier whose score is lower
    (the tier, not the score, put them above it). No points: the total is unchanged."""
    values = {"outscored": outscored} if outscored else {}
    return Contribution(PARTIAL_FACTOR, 0.0, 0.0, 0.0, PARTIAL_CODE, values).as_dict()


def no_offer_contribution(config: RankingConfig) -> Contribution:
    """The penalty of a product no retailer offers."""
    penalty = config.text.no_offer_penalty
    return Contribution("no_offers", 1.0, penalty, -quantize(penalty), "no_offers")


def score_product(
    product: ProductInput,
    text_score: float,
    max_text_score: float,
    best_offer: RankedOffer | None,
    config: RankingConfig,
    rules: Sequence[Rule] = (),
) -> ProductScore:
    """Blend text relevance with the best offer's quality; apply ``rules`` targeting it.

    ``max_text_score`` is the best text score of the candidate set (text is normalized by it).
    ``rules`` must already be filtered for the query and time (``applicable_rules``); boost
    and bury add explained points, pin and hide set ``pinned_position`` / ``hidden``.
    """
    contributions = [text_contribution(text_score, max_text_score, config)]
    flags: list[str] = []
    quality = 0.0
    if best_offer is not None:
        parts, quality = prepare(config).product_parts(best_offer)
        contributions.extend(parts)
    else:
        flags.append("no_offers")
        contributions.append(no_offer_contribution(config))
    pinned: int | None = None
    hidden = False
    slugs = product.retailer_slugs
    for rule in rules:
        if not rule.matches_product(product.product_id, product.brand, product.category, slugs):
            continue
        if rule.action == "hide":
            hidden = True
        elif rule.action == "pin":
            if pinned is None:
                pinned = rule.position
        else:
            contributions.append(_rule_contribution(rule, None))
            flag = "boosted" if rule.action == "boost" else "buried"
            if flag not in flags:
                flags.append(flag)
    if pinned is not None:
        flags.append("pinned")
    if hidden:
        flags.append("hidden")
    explanation = Explanation.of(contributions)
    return ProductScore(
        product_id=product.product_id,
        score=explanation.total,
        text_score=text_score,
        quality_score=quality,
        explanation=explanation,
        pinned_position=pinned,
        hidden=hidden,
        flags=flags,
    )


def offer_contributions(
    best_offer: RankedOffer | None, config: RankingConfig
) -> list[Contribution]:
    """What follows the text factor in :func:`score_product`'s explanation when no product
    rule applies: the best offer's scaled factors, or the no-offers penalty."""
    if best_offer is None:
        return [no_offer_contribution(config)]
    return prepare(config).product_parts(best_offer)[0]


def quality_points(best_offer: RankedOffer, config: RankingConfig) -> float:
    """The points a product's best offer adds to the product's score (its scaled factors).

    Exact: the points are quantized, so their sum is too (see :func:`quick_product_score`).
    """
    parts, _quality = prepare(config).product_parts(best_offer)
    return math.fsum([c.points for c in parts])


def quick_product_score(
    text_score: float,
    max_text_score: float,
    offer_points: float | None,
    config: RankingConfig,
) -> float:
    """``score_product(...).score`` of a product that no rule applies to, unexplained.

    ``offer_points`` is :func:`quality_points` of the best offer (``None`` without offers).
    The total is the same exact sum of quantized points as the explanation's, so the two
    are equal bit for bit; explain with :func:`score_product` what is shown.
    """
    blend = config.text
    if max_text_score > 0 and math.isfinite(max_text_score) and math.isfinite(text_score):
        relative = min(1.0, max(0.0, text_score / max_text_score))
    else:
        relative = 0.0
    text_points = quantize(blend.relevance_weight * relative)
    if offer_points is None:
        return math.fsum([text_points, -quantize(blend.no_offer_penalty)])
    return math.fsum([text_points, offer_points])


def product_order_key(score: float, product_id: int) -> tuple[float, int]:
    """Sort key of unpinned products: by score (equal to 1e-9 is a tie), then product id."""
    return -round(score, _TIE_DECIMALS), product_id


def order_products(scores: Sequence[ProductScore]) -> list[ProductScore]:
    """Final order: hidden removed; by score, ties by product id; pins at their positions."""
    visible = [score for score in scores if not score.hidden]
    free = sorted(
        (s for s in visible if s.pinned_position is None),
        key=lambda s: product_order_key(s.score, s.product_id),
    )
    pinned = sorted(
        (s for s in visible if s.pinned_position is not None),
        key=lambda s: (s.pinned_position or 0, s.product_id),
    )
    for score in pinned:
        position = (score.pinned_position or 1) - 1
        free.insert(min(position, len(free)), score)
    return free


def rank_products(
    items: Sequence[tuple[ProductInput, float, RankedOffer | None]],
    query: str,
    config: RankingConfig,
    now: datetime,
) -> list[ProductScore]:
    """Score candidates (product, raw text score, best offer) for ``query`` and order them.

    Applies the config's rules that are active at ``now`` (timezone-aware) for this query;
    pinned products sit at their 1-based positions (or last, if the list is shorter),
    hidden ones are removed, the rest go by score with ties broken by product id.
    """
    rules = applicable_rules(config.rules, query, now)
    max_text = max((text for _, text, _ in items), default=0.0)
    scores = [
        score_product(product, text, max_text, best, config, rules) for product, text, best in items
    ]
    return order_products(scores)
