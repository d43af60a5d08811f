"""Ranking by measured service quality: pure functions of (signals, config) that explain
themselves, per-query merchandising rules, config versions and offline evaluation.

The entry point is ``ranking.ranker.Ranker`` (candidates -> ranked products with offers and
explanations); the factors are one table (``ranking.factor_table``); explanations are data
(reason code + values) worded by ``ranking.messages`` in Swedish or English.

``ranking`` imports ``catalog`` only; ``versions`` is the one module doing I/O (it takes a
SQLAlchemy ``Session``). See ``ranking.config`` for how each factor is computed.
"""

from ranking.config import (
    FACTORS,
    Binning,
    DeliveryCurve,
    FactorWeights,
    Prior,
    RankingConfig,
    TextBlend,
    config_from_toml,
    config_to_toml,
    load_config,
    load_named,
)
from ranking.errors import (
    InvalidConfig,
    JudgmentFormatError,
    NaiveDatetime,
    RankingError,
    UnknownConfig,
    VersionConflict,
)
from ranking.explain import Contribution, Explanation
from ranking.factor_table import DEFAULT_TABLE, Factor, FactorTable
from ranking.ranker import RankedProduct, Ranker, Ranking, Tier
from ranking.rules import Rule, applicable_rules
from ranking.scoring import (
    OfferInput,
    ProductInput,
    ProductScore,
    RankedOffer,
    rank_offers,
    rank_products,
    score_product,
)
from ranking.signals import RetailerQuality, Signal, shrink

__all__ = [
    "DEFAULT_TABLE",
    "FACTORS",
    "Binning",
    "Contribution",
    "DeliveryCurve",
    "Explanation",
    "Factor",
    "FactorTable",
    "FactorWeights",
    "InvalidConfig",
    "JudgmentFormatError",
    "NaiveDatetime",
    "OfferInput",
    "Prior",
    "ProductInput",
    "ProductScore",
    "RankedOffer",
    "RankedProduct",
    "Ranker",
    "Ranking",
    "RankingConfig",
    "RankingError",
    "RetailerQuality",
    "Rule",
    "Signal",
    "TextBlend",
    "Tier",
    "UnknownConfig",
    "VersionConflict",
    "applicable_rules",
    "config_from_toml",
    "config_to_toml",
    "load_config",
    "load_named",
    "rank_offers",
    "rank_products",
    "score_product",
    "shrink",
]
