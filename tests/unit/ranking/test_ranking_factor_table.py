"""The factor table: a ninth factor is one row and its scoring function, and nothing else."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ranking.config import FACTORS, RankingConfig, config_from_toml
from ranking.errors import InvalidConfig
from ranking.explain import quantize
from ranking.factor_scores import Reading
from ranking.factor_table import DEFAULT_TABLE, Factor, active_table, registered
from ranking.scoring import OfferInput, rank_offers
from ranking.signals import RetailerQuality, share_signal
from ui.explain_view import bars


def eco_score(config: RankingConfig, retailer: RetailerQuality, _key: object) -> Reading:
    """A dummy ninth factor: an eco label, here read from the retailer's slug."""
    score = 0.75 if retailer.slug == "green" else 0.0
    return Reading(score, "eco_label", {"score": score, "label": retailer.slug}, None)


ECO = Factor(
    "eco",
    0.5,
    "9: eco label (test).",
    None,
    ("eco_label",),
    ("Miljömärkning", "Eco label"),
    eco_score,
)


def retailer(rid: int, slug: str) -> RetailerQuality:
    same = share_signal(0.9, 300)
    return RetailerQuality(rid, slug, slug.title(), *([same] * 7), source="test")


OFFERS = [
    OfferInput(1, retailer(1, "grey"), Decimal("90.00"), True, "in_stock", 1),
    OfferInput(2, retailer(2, "green"), Decimal("100.00"), True, "in_stock", 1),
]


def test_the_table_drives_factors_weights_and_labels() -> None:
    assert DEFAULT_TABLE.names == FACTORS and len(FACTORS) == 8
    assert RankingConfig().weights.as_tuple() == tuple(f.default_weight for f in DEFAULT_TABLE)
    assert DEFAULT_TABLE.label("rma", "sv") == "Reklamationer (RMA)"


def test_a_registered_ninth_factor_is_weighted_scored_explained_and_shown() -> None:
    without = rank_offers(OFFERS, RankingConfig())
    assert [r.offer.offer_id for r in without] == [1, 2]  # cheaper, otherwise equal
    with pytest.raises(InvalidConfig, match="unknown factor 'eco'"):
        config_from_toml("[weights]\neco = 2.0\n")
    with registered(ECO) as table:
        assert active_table() is table and table.names[-1] == "eco"
        config = config_from_toml("[weights]\neco = 2.0\n")  # the table's name is accepted
        assert config.weights.of("eco") == 2.0
        ranked = rank_offers(OFFERS, config)
        # weighted and scored: the eco label now outweighs the lower price
        assert [r.offer.offer_id for r in ranked] == [2, 1]
        eco = ranked[0].explanation.by_factor()["eco"]
        assert eco.weight == pytest.approx(2.0 / sum(config.weights.as_tuple()))
        assert (eco.value, eco.points) == (0.75, quantize(eco.weight * 0.75))
        # explained as data, and rendered in both languages (no catalog entry: the fallback)
        assert (eco.code, eco.values) == ("eco_label", {"score": 0.75, "label": "green"})
        assert eco.text("en") == "eco label (score 0.75, label green)"
        assert eco.text("sv") == "eco label (score 0,75, label green)"
        total = ranked[0].explanation.total
        assert total == sum(c.points for c in ranked[0].explanation.contributions)
        # shown as a UI bar with its label from the table, in both languages
        (bar,) = [b for b in bars(ranked[0].explanation, "sv") if b.factor == "eco"]
        assert bar.label == "Miljömärkning" and bar.detail == eco.text("sv")
        assert bar.track_pct == 100.0 and bar.fill_pct == 75.0  # the heaviest factor
        (english,) = [b for b in bars(ranked[0].explanation, "en") if b.factor == "eco"]
        assert english.label == "Eco label"
        # a default config weighs it with the table's default weight
        default = rank_offers(OFFERS, RankingConfig())[0].explanation.by_factor()["eco"]
        assert default.weight == pytest.approx(0.5 / (1.0 + 0.5))
    assert active_table() is DEFAULT_TABLE  # unregistered again
    assert "eco" not in rank_offers(OFFERS, RankingConfig())[0].explanation.by_factor()
