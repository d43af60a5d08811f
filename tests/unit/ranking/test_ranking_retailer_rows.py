"""One retailer, one place: a product's ranked offers folded per retailer (issue 13 item 4)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from ranking.config import RankingConfig
from ranking.ranker import Ranker
from ranking.retailer_rows import per_retailer
from ranking.scoring import OfferInput, rank_offers
from tests.unit.ranking.test_ranking_scoring import EXCELLENT, POOR, retailer

NOW = datetime(2026, 1, 15, tzinfo=UTC)
MIDDLE = retailer(3, on_time=0.8, stock=0.8, stars=3.8, rma=0.7)


def offer(oid: int, who: object, price: str, stock: str = "in_stock") -> OfferInput:
    return OfferInput(oid, who, Decimal(price), True, stock, 2)  # type: ignore[arg-type]


# EXCELLENT lists the product three times (one out of stock), MIDDLE and POOR once each
OFFERS = [
    offer(1, EXCELLENT, "120.00"),
    offer(2, POOR, "80.00"),
    offer(3, EXCELLENT, "110.00"),
    offer(4, MIDDLE, "100.00"),
    offer(5, EXCELLENT, "90.00", stock="out_of_stock"),
]


def test_a_retailer_takes_one_place_with_its_best_offer_and_the_rest_beside_it() -> None:
    ranked = rank_offers(OFFERS, RankingConfig())
    rows = per_retailer(ranked)
    assert [r.retailer_id for r in rows] == [1, 3, 2]  # one place per retailer
    assert [r.rank for r in rows] == [1, 2, 3]
    excellent = rows[0]
    own = [r for r in ranked if r.offer.retailer.retailer_id == 1]
    assert excellent.best is own[0]  # the one ranking puts first for that retailer
    assert excellent.more == tuple(own[1:])  # the others, in ranked order, none lost
    assert [r.offer.offer_id for r in excellent.offers] == [r.offer.offer_id for r in own]
    assert excellent.more[-1].offer.offer_id == 5  # out of stock: last of its retailer
    assert sorted(o.offer.offer_id for row in rows for o in row.offers) == [1, 2, 3, 4, 5]
    assert rows[1].more == () and rows[2].more == ()


def test_the_ranker_gives_the_comparison_per_retailer() -> None:
    ranker: Ranker[object] = Ranker(RankingConfig(), lambda _p: [])  # type: ignore[type-var]
    rows = ranker.rank_retailers(OFFERS, NOW)
    assert rows == per_retailer(ranker.rank_offers(OFFERS, NOW))
    assert len(rows) == 3 and len(rows[0].more) == 2
    assert per_retailer([]) == []
