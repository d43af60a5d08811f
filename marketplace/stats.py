"""Retailer statistics (PRODUCT.md point 7): demand right now, and the comparisons a
retailer is part of — its rank and the factor that cost it the top place.

Demand is counted from ``DemandEvent`` over a period, weighted by how close each event is to
a purchase (:data:`DEMAND_WEIGHTS`). Comparisons rank the current offers of each product the
retailer offers with the same ranking function search uses, one place per retailer (its best
offer: ``ranking.retailer_rows``); the factor that lost it the top place is the one where the
leader's explained points exceed the retailer's the most.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from catalog.listing import listed_seller
from catalog.models import Offer, Product, Retailer, RetailerSignals
from marketplace.dates import as_utc
from marketplace.enums import DemandKind
from marketplace.models import DemandEvent
from ranking.config import FACTORS, RankingConfig
from ranking.explain import Explanation
from ranking.retailer_rows import per_retailer
from ranking.scoring import OfferInput, rank_offers
from ranking.signals import RetailerQuality
from search.prices import NO_RATES, RateTable, comparable_price, conversion, uncompared

DEMAND_WEIGHTS: dict[str, int] = {
    DemandKind.SEARCH.value: 1,
    DemandKind.VIEW.value: 2,
    DemandKind.CART_ADD.value: 4,
    DemandKind.ORDER.value: 8,
}
UNGROUPED = "(utan produktgrupp)"
# Events, not rows: a row stands for ``occurrences`` identical events (marketplace.demand).
_EVENTS = func.sum(DemandEvent.occurrences)


@dataclass(slots=True)
class Demand:
    """Demand for one product or product group: event counts per kind and a weighted score."""

    key: int | str
    name: str
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def score(self) -> int:
        return sum(DEMAND_WEIGHTS.get(kind, 0) * n for kind, n in self.counts.items())


def _period(since: datetime, until: datetime) -> tuple[datetime, datetime]:
    return as_utc(since), as_utc(until)


def demanded_products(
    session: Session, since: datetime, until: datetime, *, limit: int = 20
) -> list[Demand]:
    """The most demanded products in ``[since, until)``, highest score first."""
    start, end = _period(since, until)
    rows = session.execute(
        select(DemandEvent.product_id, Product.name, DemandEvent.kind, _EVENTS)
        .join(Product, Product.id == DemandEvent.product_id)
        .where(DemandEvent.created_at >= start, DemandEvent.created_at < end)
        .group_by(DemandEvent.product_id, Product.name, DemandEvent.kind)
    ).all()
    found: dict[int, Demand] = {}
    for pid, name, kind, n in rows:
        if pid is None:  # pragma: no cover - excluded by the join
            continue
        found.setdefault(int(pid), Demand(int(pid), str(name))).counts[str(kind)] = int(n)
    return sorted(found.values(), key=lambda d: (-d.score, d.key))[:limit]


def demanded_groups(
    session: Session, since: datetime, until: datetime, *, limit: int = 20
) -> list[Demand]:
    """The most demanded product groups (categories) in ``[since, until)``."""
    start, end = _period(since, until)
    rows = session.execute(
        select(Product.category, DemandEvent.kind, _EVENTS)
        .join(Product, Product.id == DemandEvent.product_id)
        .where(DemandEvent.created_at >= start, DemandEvent.created_at < end)
        .group_by(Product.category, DemandEvent.kind)
    ).all()
    found: dict[str, Demand] = {}
    for category, kind, n in rows:
        name = category or UNGROUPED
        found.setdefault(name, Demand(name, name)).counts[str(kind)] = int(n)
    return sorted(found.values(), key=lambda d: (-d.score, str(d.key)))[:limit]


def losing_factor(mine: Explanation, top: Explanation) -> tuple[str, float] | None:
    """Pure: the ranking factor where ``top`` out-scores ``mine`` the most, with the gap."""
    own, best = mine.by_factor(), top.by_factor()
    gaps = [(best[f].points - own[f].points, f) for f in FACTORS if f in own and f in best]
    positive = [(gap, f) for gap, f in gaps if gap > 0]
    if not positive:
        return None
    gap, factor = max(positive, key=lambda item: (item[0], -FACTORS.index(item[1])))
    return factor, gap


@dataclass(slots=True)
class Comparison:
    """One product comparison the retailer appears in."""

    product_id: int
    product_name: str
    offers: int  # the places in the comparison: one per retailer
    rank: int  # the retailer's place (its best offer's), 1 = top
    leader: str | None  # the top retailer's name when it is not this retailer
    lost_on: str | None  # the factor that cost the top place
    gap: float  # the points the leader gains on that factor
    shown: int  # times shown to clinics in the period (searches and product views)
    top_shown: int  # of those, shown in first place


def _qualities(session: Session, retailer_ids: set[int]) -> dict[int, RetailerQuality]:
    rows = session.execute(
        select(Retailer, RetailerSignals)
        .outerjoin(RetailerSignals, RetailerSignals.retailer_id == Retailer.id)
        .where(Retailer.id.in_(retailer_ids))
    ).all()
    return {r.id: RetailerQuality.from_row(s, r) for r, s in rows}


def comparisons(
    session: Session,
    retailer_id: int,
    config: RankingConfig,
    since: datetime,
    until: datetime,
    *,
    limit: int = 50,
    rates: RateTable = NO_RATES,
) -> list[Comparison]:
    """The retailer's comparisons (products with at least one rival offer), most demanded
    first, each with its current rank and the factor that cost it the top place.

    Rivals are the offers clinics see: an unlisted retailer's (``catalog.listing``) are left
    out. Prices compare as in search (``search.prices``): an offer in another currency by its SEK
    equivalent when ``rates`` (the configured rate table) has the currency, else unpriced.
    """
    start, end = _period(since, until)
    own = (
        select(Offer.product_id)
        .where(
            Offer.retailer_id == retailer_id,
            Offer.withdrawn_at.is_(None),
            Offer.product_id.is_not(None),
        )
        .distinct()
    )
    rival = (
        select(Offer.product_id)
        .where(
            Offer.retailer_id != retailer_id,
            Offer.withdrawn_at.is_(None),
            Offer.product_id.in_(own),
            listed_seller(Offer.retailer_id),  # a rival clinics see (catalog.listing)
        )
        .distinct()
        .subquery()
    )
    demand = (
        select(DemandEvent.product_id, _EVENTS.label("n"))
        .where(DemandEvent.created_at >= start, DemandEvent.created_at < end)
        .group_by(DemandEvent.product_id)
        .subquery()
    )
    chosen = [
        int(pid)
        for pid, _n in session.execute(
            select(rival.c.product_id, func.coalesce(demand.c.n, 0))
            .outerjoin(demand, demand.c.product_id == rival.c.product_id)
            .order_by(func.coalesce(demand.c.n, 0).desc(), rival.c.product_id)
            .limit(limit)
        )
    ]
    if not chosen:
        return []
    offers = session.scalars(
        select(Offer)
        .where(
            Offer.product_id.in_(chosen),
            Offer.withdrawn_at.is_(None),
            or_(Offer.retailer_id == retailer_id, listed_seller(Offer.retailer_id)),
        )
        .order_by(Offer.id)
    ).all()
    qualities = _qualities(session, {o.retailer_id for o in offers})
    names = {
        int(pid): str(name)
        for pid, name in session.execute(
            select(Product.id, Product.name).where(Product.id.in_(chosen))
        )
    }
    shown, top = _shown_counts(session, retailer_id, chosen, start, end)
    by_product: dict[int, list[Offer]] = {}
    for offer in offers:
        by_product.setdefault(int(offer.product_id or 0), []).append(offer)
    result = []
    for pid in chosen:
        ranked = rank_offers(
            [
                OfferInput(
                    offer_id=o.id,
                    retailer=qualities[o.retailer_id],
                    price=comparable_price(o.price, o.currency, rates),
                    vat_included=o.vat_included,
                    stock_status=o.stock_status,
                    delivery_days=o.delivery_days,
                    conversion=conversion(o.price, o.currency, rates),
                    uncompared=uncompared(o.price, o.currency, rates),
                )
                for o in by_product.get(pid, [])
            ],
            config,
        )
        places = per_retailer(ranked)  # a retailer takes one place, with its best offer
        own_place = next(p for p in places if p.retailer_id == retailer_id)
        mine, leader = own_place.best, places[0].best
        lost = None if mine is leader else losing_factor(mine.explanation, leader.explanation)
        result.append(
            Comparison(
                product_id=pid,
                product_name=names.get(pid, ""),
                offers=len(places),
                rank=own_place.rank,
                leader=None if mine is leader else leader.offer.retailer.name,
                lost_on=None if lost is None else lost[0],
                gap=0.0 if lost is None else lost[1],
                shown=shown[pid],
                top_shown=top[pid],
            )
        )
    return result


def _shown_counts(
    session: Session, retailer_id: int, product_ids: list[int], start: datetime, end: datetime
) -> tuple[Counter[int], Counter[int]]:
    shown: Counter[int] = Counter()
    top: Counter[int] = Counter()
    rows = session.execute(
        select(DemandEvent.product_id, DemandEvent.retailers, DemandEvent.occurrences).where(
            DemandEvent.product_id.in_(product_ids),
            DemandEvent.kind.in_([DemandKind.SEARCH.value, DemandKind.VIEW.value]),
            DemandEvent.created_at >= start,
            DemandEvent.created_at < end,
        )
    )
    for pid, retailers, occurrences in rows:
        for rid, rank in retailers or []:
            if rid == retailer_id:
                shown[int(pid)] += int(occurrences)
                top[int(pid)] += int(occurrences) if rank == 1 else 0
    return shown, top
