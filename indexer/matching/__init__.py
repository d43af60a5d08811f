"""Offer -> product matching: identifier keys, pairwise features, scorer, blocking, cascade."""

from indexer.matching.catalog_index import CatalogEntry, CatalogIndex, GtinHit, PackagedGtin
from indexer.matching.matcher import Candidate, Matcher, MatchResult
from indexer.matching.model import PairScorer, Thresholds, default_model

__all__ = [
    "Candidate",
    "CatalogEntry",
    "CatalogIndex",
    "GtinHit",
    "MatchResult",
    "Matcher",
    "PackagedGtin",
    "PairScorer",
    "Thresholds",
    "default_model",
]
