"""The ranking entry point: the same order and explanations as scoring every candidate."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from ranking.config import RankingConfig
from ranking.ranker import Ranker, Tier, product_input
from ranking.rules import Rule
from ranking.scoring import OfferInput, best_offer, rank_products
from ranking.signals import RetailerQuality, rating_signal, share_signal

NOW = datetime(2026, 3, 2, 12, tzinfo=UTC)


@dataclass(frozen=True)
class Product:
    product_id: int
    brand: str | None
    category: str | None = None
    manufacturer: str | None = None
    offers: tuple[OfferInput, ...] = field(default=())

    @property
    def retailer_slugs(self) -> tuple[str, ...]:
        return tuple(o.retailer.slug for o in self.offers)

    @property
    def offers_count(self) -> int:
        return len(self.offers)


def retailers(rng: random.Random) -> list[RetailerQuality]:
    out = []
    for rid in range(1, 7):
        share = share_signal(rng.uniform(0.5, 1.0), rng.randint(0, 200))
        rating = rating_signal(rng.uniform(2.0, 5.0), rng.randint(0, 50))
        out.append(
            RetailerQuality(
                rid, f"r{rid}", f"R{rid}", share, share, *([rating] * 3), share, rating, "t"
            )
        )
    return out


def catalog(seed: int, count: int = 60) -> tuple[list[tuple[int, float]], dict[int, Product]]:
    rng = random.Random(seed)
    sellers = retailers(rng)
    products = {}
    for pid in range(1, count + 1):
        offers = tuple(
            OfferInput(
                pid * 10 + i,
                rng.choice(sellers),
                Decimal(f"{rng.uniform(50, 150):.2f}"),
                rng.choice([True, False, None]),
                rng.choice(["in_stock", "limited", "backorder"]),
                rng.choice([1, 2, 5, None]),
            )
            for i in range(rng.randint(0, 4))
        )
        products[pid] = Product(pid, rng.choice(["Kerr", "GC", None]), offers=offers)
    hits = sorted(((pid, rng.uniform(1.0, 9.0)) for pid in products), key=lambda h: -h[1])
    return hits, products


def expected(hits: list[tuple[int, float]], products: dict[int, Product], cfg: RankingConfig):  # type: ignore[no-untyped-def]
    items = [
        (product_input(products[pid]), text, best_offer(list(products[pid].offers), cfg, cfg.rules))
        for pid, text in hits
    ]
    return rank_products(items, "q", cfg, NOW)


RULE_SETS = [
    [],
    [Rule(id="kerr", action="boost", brand="Kerr", amount=0.3)],
    [
        Rule(id="gc", action="hide", brand="GC"),
        Rule(id="down", action="bury", product_id=3, amount=1),
    ],
    [Rule(id="pin", action="pin", product_id=40, position=2)],
]


@pytest.mark.parametrize("rules", RULE_SETS)
@pytest.mark.parametrize(("start", "size"), [(0, 5), (0, 20), (20, 10), (0, 60)])
def test_rank_gives_the_order_and_explanations_of_ranking_everything(
    rules: list[Rule], start: int, size: int
) -> None:
    hits, products = catalog(7)
    cfg = RankingConfig(rules=rules)
    full = expected(hits, products, cfg)
    ranker = Ranker(cfg, lambda p: list(p.offers))
    for _ in range(2):  # cold, then from the caches
        ranking = ranker.rank(
            Tier(hits, products), start + size, query="q", now=NOW, page=slice(start, start + size)
        )
        want = full[start : start + size]
        assert [r.product.product_id for r in ranking.page] == [s.product_id for s in want]
        for got, score in zip(ranking.page, want, strict=True):
            assert got.score == score.score
            assert got.explanation == score.explanation.as_dict()
            assert got.flags == score.flags
        assert ranking.hidden <= len(hits) - len(full) and not ranking.partial


def test_a_second_tier_fills_the_page_after_the_first() -> None:
    hits, products = catalog(11)
    first, second = hits[:4], hits[2:12]  # overlapping: the first tier's products stay first
    ranker = Ranker(RankingConfig(), lambda p: list(p.offers))
    asked: list[int] = []

    def fill(wanted: int) -> Tier[Product]:
        asked.append(wanted)
        return Tier(second, products)

    ranking = ranker.rank(
        Tier(first, products), 10, query="q", now=NOW, page=slice(0, 10), fill=fill, first={9}
    )
    assert asked == [6] and ranking.partial
    ids = [r.product.product_id for r in ranking.page]
    first_ids = {pid for pid, _ in first}
    assert set(ids[:4]) == first_ids and len(ids) == 10
    assert all("partial_match" in r.flags for r in ranking.page[4:])
    assert not any("partial_match" in r.flags for r in ranking.page[:4])


def test_a_partial_match_says_the_text_tier_put_it_below_the_full_matches() -> None:
    hits, products = catalog(11)
    first, second = hits[:4], hits[4:12]
    ranker = Ranker(RankingConfig(), lambda p: list(p.offers))
    ranking = ranker.rank(
        Tier(first, products),
        12,
        query="q",
        now=NOW,
        page=slice(0, 12),
        fill=lambda _wanted: Tier(second, products),
    )
    full_scores = [r.score for r in ranking.page[:4]]
    outscoring = 0
    for item in ranking.page:
        parts = item.explanation["contributions"]
        tier = [c for c in parts if c["code"] == "partial_match"]
        if "partial_match" not in item.flags:
            assert tier == []
            continue
        assert len(tier) == 1 and tier[0]["points"] == 0.0
        below = sum(1 for score in full_scores if score < item.score)
        assert tier[0]["values"] == ({"outscored": below} if below else {})
        assert item.explanation["total"] == sum(c["points"] for c in parts)
        outscoring += below > 0
    assert outscoring  # the fixture has a partial match the tier kept below a lower score


def test_identifier_matches_come_first_and_order_can_be_kept() -> None:
    hits, products = catalog(5, count=10)
    ranker = Ranker(RankingConfig(), lambda p: list(p.offers))
    last = hits[-1][0]
    ranking = ranker.rank(
        Tier(hits, products), 10, query="q", now=NOW, page=slice(0, 3), first={last}
    )
    assert ranking.page[0].product.product_id == last
    assert ranking.page[0].flags[-1] == "identifier_match"
    kept = ranker.rank_in_order(Tier(hits, products), query="q", now=NOW)
    assert [r.product.product_id for r in kept] == [pid for pid, _ in hits]
    assert all(r.explanation["total"] == r.score for r in kept)
