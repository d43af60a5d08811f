"""One retailer, one place: a product's ranked offers folded into one row per retailer.

A retailer may list a product several times (pack sizes, its own variants, a duplicate
feed row matched to the same product). In a comparison it takes one place only: its best
offer, the one :func:`ranking.scoring.rank_offers` puts first among its offers, with its
other offers kept beside it in ranked order, so nothing is hidden. Pure: ranked offers in,
rows out; every place that shows or counts a comparison (product page, API, retailer
statistics) goes through :func:`per_retailer`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ranking.scoring import RankedOffer


@dataclass(frozen=True, slots=True)
class RetailerRow:
    """A retailer's place in one product's comparison.

    ``rank`` is the 1-based place among retailers; ``best`` the retailer's best offer (its
    score and explanation are the ranking's); ``more`` its other offers, best first.
    """

    rank: int
    best: RankedOffer
    more: tuple[RankedOffer, ...] = ()

    @property
    def retailer_id(self) -> int:
        return self.best.offer.retailer.retailer_id

    @property
    def offers(self) -> tuple[RankedOffer, ...]:
        """Every offer of the retailer, best first."""
        return (self.best, *self.more)


def per_retailer(ranked: Sequence[RankedOffer]) -> list[RetailerRow]:
    """``ranked`` (one product's offers, best first) as one row per retailer, in the order
    of each retailer's best offer."""
    groups: dict[int, list[RankedOffer]] = {}
    for offer in sorted(ranked, key=lambda r: r.rank):
        groups.setdefault(offer.offer.retailer.retailer_id, []).append(offer)
    return [
        RetailerRow(rank=place, best=offers[0], more=tuple(offers[1:]))
        for place, offers in enumerate(groups.values(), start=1)
    ]
