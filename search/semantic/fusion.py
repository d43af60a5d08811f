"""Reciprocal rank fusion of text and semantic candidates (identifier matches stay first)."""

from __future__ import annotations

from collections.abc import Collection, Sequence


def rrf_fuse(
    text_hits: Sequence[tuple[int, float]],
    semantic_hits: Sequence[tuple[int, float]],
    k: int = 60,
    weights: tuple[float, float] = (1.0, 1.0),
) -> list[tuple[int, float]]:
    """Reciprocal rank fusion: ``score(p) = sum_i weight_i / (k + rank_i(p))``, best first.

    Both lists are best first (ranks from 1; their scores are not used; a repeated id counts
    at its first rank). Ties: the better single rank first, then the lower product id.
    """
    if k <= 0:
        raise ValueError("k must be positive")
    fused: dict[int, float] = {}
    best_rank: dict[int, int] = {}
    for weight, hits in zip(weights, (text_hits, semantic_hits), strict=True):
        seen: set[int] = set()
        for rank, (pid, _score) in enumerate(hits, start=1):
            if pid in seen:
                continue
            seen.add(pid)
            fused[pid] = fused.get(pid, 0.0) + weight / (k + rank)
            best_rank[pid] = min(best_rank.get(pid, rank), rank)
    return sorted(fused.items(), key=lambda item: (-item[1], best_rank[item[0]], item[0]))


def hybrid_candidates(
    text_hits: Sequence[tuple[int, float]],
    semantic_hits: Sequence[tuple[int, float]],
    *,
    identifier_matches: Collection[int] = frozenset(),
    allowed_ids: Collection[int] | None = None,
    limit: int | None = None,
    rrf_k: int = 60,
    weights: tuple[float, float] = (1.0, 1.0),
    min_cosine: float = 0.0,
) -> list[tuple[int, float]]:
    """Text candidates (the backend's top N, already filtered) fused with semantic ones.

    Semantic neighbours outside ``allowed_ids`` (the ids a filtered match-all backend query
    returned; ``None`` = no filters) or below ``min_cosine`` are dropped. The fused order
    replaces the text order; identifier matches come first, given the top fused score so the
    list stays best first (the service's early cut-off relies on non-increasing scores).
    """
    semantic = [
        (pid, cosine)
        for pid, cosine in semantic_hits
        if cosine >= min_cosine and (allowed_ids is None or pid in allowed_ids)
    ]
    fused = rrf_fuse(text_hits, semantic, rrf_k, weights)
    if identifier_matches and fused:
        top = fused[0][1]
        exact = [(pid, top) for pid, _score in fused if pid in identifier_matches]
        fused = exact + [(pid, s) for pid, s in fused if pid not in identifier_matches]
    return fused if limit is None else fused[:limit]
