"""The offer -> product cascade: GTIN, brand + MPN, MPN alone, title similarity. Never guess.

1. GS1 identifier equal to any product identifier at any packaging level -> confidence 1.0.
2. Normalized MPN (the offer's MPN field, then model numbers found in its title) equal to a
   product's MPN or catalog number: with brand agreement -> 0.97 (0.93 from the title); alone,
   when unique in the catalog and distinctive -> 0.90 (0.85 from the title).
3. Title similarity over blocked candidates, scored by the trained `PairScorer`: accept above
   its calibrated threshold unless a runner-up is within the margin; between review_low and
   accept, or ambiguous, no link is made and the candidates go to the review queue.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from rapidfuzz import fuzz

from catalog.enums import MatchMethod
from indexer.matching.batch_features import code_conflict, fast_pair_features, text_vectors
from indexer.matching.catalog_index import CatalogIndex, blocking_keys
from indexer.matching.features import FEATURE_NAMES, make_profile
from indexer.matching.keys import brand_key, code_key, model_codes
from indexer.matching.model import PairScorer, default_model
from indexer.matching.text_stats import TextStats
from indexer.records import OfferRecord

CONF_GTIN = 1.0
CONF_BRAND_MPN = 0.97
CONF_BRAND_TITLE_CODE = 0.93
CONF_MPN_ONLY = 0.90
CONF_TITLE_CODE_ONLY = 0.85
MIN_STATS_DOCS = 500  # below this many catalog names, IDF comes from the scorer's own stats
MIN_DISTINCTIVE_CODE = 6  # an MPN alone must be at least this long (and mixed, or 8+ digits)

_BRAND_CONFLICT = FEATURE_NAMES.index("brand_conflict")
_UNIT_CONFLICT = FEATURE_NAMES.index("unit_conflict")
_VARIANT_CONFLICT = FEATURE_NAMES.index("variant_conflict")


@dataclass(frozen=True, slots=True)
class Candidate:
    product_id: int
    score: float
    reason: str


@dataclass(slots=True)
class MatchResult:
    product_id: int | None
    method: MatchMethod | None
    confidence: float
    candidates: list[Candidate] = field(default_factory=list)
    ambiguous: bool = False
    pack_level: str | None = None  # set when a packaging-level GTIN matched
    pack_quantity: int | None = None
    model_version: str | None = None  # the `PairScorer.version` of the matcher that decided

    @property
    def needs_review(self) -> bool:
        return self.product_id is None and bool(self.candidates)


def brands_agree(a: str | None, b: str | None) -> bool:
    """Normalized brand keys equal, one a prefix of the other, or within fuzzy tolerance."""
    if not a or not b:
        return False
    if a == b or a.startswith(b) or b.startswith(a):
        return True
    return fuzz.ratio(a, b) >= 85


def is_distinctive(key: str) -> bool:
    has_digit = any(c.isdigit() for c in key)
    has_alpha = any(c.isalpha() for c in key)
    if has_digit and has_alpha:
        return len(key) >= MIN_DISTINCTIVE_CODE
    return key.isdigit() and len(key) >= 8


class Matcher:
    """Matches offers against a `CatalogIndex`; `k` candidates are scored per title match."""

    def __init__(self, index: CatalogIndex, model: PairScorer | None = None, k: int = 3) -> None:
        self.index = index
        self.model = model if model is not None else default_model()
        self.k = k

    @property
    def stats(self) -> TextStats:
        """IDF statistics: the catalog's own once it is large enough, else the scorer's."""
        if len(self.index.stats) < MIN_STATS_DOCS and self.model.text_stats is not None:
            return self.model.text_stats
        return self.index.stats

    def match_many(self, offers: Iterable[OfferRecord]) -> list[MatchResult]:
        return [self.match(offer) for offer in offers]

    def match(self, offer: OfferRecord) -> MatchResult:
        result = self._match(offer)
        result.model_version = self.model.version or None
        return result

    def _match(self, offer: OfferRecord) -> MatchResult:
        if offer.gtin:
            hit = self.index.by_gtin(offer.gtin)
            if hit is not None:
                return MatchResult(
                    hit.product_id,
                    MatchMethod.GTIN,
                    CONF_GTIN,
                    pack_level=hit.level,
                    pack_quantity=hit.quantity,
                )
        offer_brand = brand_key(offer.brand)
        mpn = code_key(offer.mpn)
        review: list[Candidate] = []
        if mpn:
            result = self._by_code(mpn, offer, offer_brand, from_title=False, review=review)
            if result is not None:
                return result
        for code in model_codes(offer.name):
            if code == mpn:
                continue
            result = self._by_code(code, offer, offer_brand, from_title=True, review=review)
            if result is not None:
                return result
        return self._by_title(offer, mpn, review)

    # ------------------------------------------------------------------ identifier steps

    def _offer_mentions_brand(self, offer: OfferRecord, product_brands: tuple[str, ...]) -> bool:
        squashed = code_key(offer.name) or ""
        return any(b and len(b) >= 2 and b in squashed for b in product_brands)

    def _by_code(
        self,
        code: str,
        offer: OfferRecord,
        offer_brand: str | None,
        *,
        from_title: bool,
        review: list[Candidate],
    ) -> MatchResult | None:
        ids = self.index.by_code(code)
        if not ids:
            return None
        agreeing, conflicting = [], []
        for pid in ids:
            brands = tuple(b for b in self.index.brand_of(pid) if b)
            if offer_brand and brands:
                if any(brands_agree(offer_brand, b) for b in brands):
                    agreeing.append(pid)
                else:
                    conflicting.append(pid)
            elif not offer_brand and brands and self._offer_mentions_brand(offer, brands):
                agreeing.append(pid)
        source = "title model number" if from_title else "MPN"
        if len(agreeing) == 1:
            confidence = CONF_BRAND_TITLE_CODE if from_title else CONF_BRAND_MPN
            return MatchResult(agreeing[0], MatchMethod.BRAND_MPN, confidence)
        if len(agreeing) > 1:
            review.extend(
                Candidate(pid, 0.9, f"{source} {code} + brand, several") for pid in agreeing
            )
            return MatchResult(None, None, 0.0, candidates=list(review), ambiguous=True)
        if len(ids) == 1 and not conflicting and is_distinctive(code):
            confidence = CONF_TITLE_CODE_ONLY if from_title else CONF_MPN_ONLY
            return MatchResult(ids[0], MatchMethod.MPN, confidence)
        reason = "brand differs" if conflicting else "not unique or not distinctive"
        review.extend(Candidate(pid, 0.6, f"{source} {code}, {reason}") for pid in ids[:3])
        return None

    # ------------------------------------------------------------------ title step

    def _by_title(
        self, offer: OfferRecord, mpn: str | None, review: list[Candidate]
    ) -> MatchResult:
        price = float(offer.price) if offer.price is not None else None
        profile = make_profile(offer.name, brand=offer.brand, identifiers=(mpn,), price=price)
        brand = offer.brand or self.index.brand_in_title(offer.name)
        keys = blocking_keys(offer.name, profile.codes, (brand,))
        blocked = self.index.candidates(keys, self.k)
        thresholds = self.model.thresholds
        scored: list[Candidate] = []
        stats = self.stats
        offer_vectors = text_vectors(profile, stats)
        for pid, _ in blocked:
            product, product_vectors = self.index.profile_vectors(pid, stats)
            if code_conflict(profile, product):
                # a different model number on both sides is never the same product: the score
                # is held below review_low whatever the model says, so it is not computed
                reason = "title, model numbers conflict"
                scored.append(Candidate(pid, _below(thresholds.review_low), reason))
                continue
            x = fast_pair_features(profile, offer_vectors, product, product_vectors)
            score = round(self.model.score(x), 4)
            reason = "title"
            if x[_UNIT_CONFLICT] or x[_VARIANT_CONFLICT] or x[_BRAND_CONFLICT]:
                score = min(score, _below(thresholds.accept))
                reason = "title, size/variant/brand conflict"
            scored.append(Candidate(pid, score, reason))
        scored.sort(key=lambda c: c.score, reverse=True)
        if not scored:
            return MatchResult(None, None, 0.0, candidates=_merge(review, []))
        best = scored[0]
        runner_up = scored[1].score if len(scored) > 1 else 0.0
        in_review = _merge(review, [c for c in scored if c.score >= thresholds.review_low])
        if best.score >= thresholds.accept:
            if best.score - runner_up < thresholds.margin:
                return MatchResult(None, None, 0.0, candidates=in_review, ambiguous=True)
            return MatchResult(best.product_id, MatchMethod.TITLE, best.score)
        if best.score >= thresholds.review_low:
            ambiguous = best.score - runner_up < thresholds.margin
            return MatchResult(None, None, 0.0, candidates=in_review, ambiguous=ambiguous)
        return MatchResult(None, None, 0.0, candidates=_merge(review, []))


def _below(threshold: float) -> float:
    """The highest 4-decimal score under `threshold` (scores are rounded to 4 decimals)."""
    return round(threshold - 1e-4, 4)


def _merge(identifier_hits: list[Candidate], title_hits: list[Candidate]) -> list[Candidate]:
    """Review candidates, one per product (the higher score wins), best first."""
    best: dict[int, Candidate] = {}
    for cand in (*identifier_hits, *title_hits):
        kept = best.get(cand.product_id)
        if kept is None or cand.score > kept.score:
            best[cand.product_id] = cand
    return sorted(best.values(), key=lambda c: c.score, reverse=True)
