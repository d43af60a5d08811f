"""Offline evaluation against judged queries: nDCG@10, MRR and recall@50.

Judgments are a TSV file ``query<TAB>gtin<TAB>grade[<TAB>tags]`` with grades 0 (irrelevant)
to 3 (perfect) and optional comma-separated tags naming the kind of query (``semantic``: a
description or paraphrase that needs semantic search); a row may leave the tags out, and a
query's tags are those of all its rows. Blank lines and ``#`` comments are ignored, and a
first row ``query gtin grade`` (or ``query gtin grade tags``) is taken as a header.
Metrics are averaged over the judged queries; a judged query missing from the runs counts
as an empty result list (all zeros).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ranking.errors import JudgmentFormatError

MAX_GRADE = 3
_HEADER = ("query", "gtin", "grade")
_TAG = re.compile(r"[a-z][a-z0-9_-]*")
SEMANTIC_TAG = "semantic"


@dataclass(frozen=True)
class JudgedSet:
    """The judgments and each query's tags (queries without tags are left out)."""

    judgments: dict[str, dict[str, int]]
    tags: dict[str, frozenset[str]]

    def tagged(self, tag: str) -> dict[str, dict[str, int]]:
        """The judgments of the queries carrying ``tag``."""
        return {q: j for q, j in self.judgments.items() if tag in self.tags.get(q, ())}


def load_judgments(path: Path) -> dict[str, dict[str, int]]:
    """``{query: {gtin: grade}}``; ``JudgmentFormatError`` names file, line and field."""
    return load_judged_set(path).judgments


def load_judged_set(path: Path) -> JudgedSet:
    """The judgments with their query tags; ``JudgmentFormatError`` names file, line, field."""
    judgments: dict[str, dict[str, int]] = {}
    tags: dict[str, set[str]] = {}
    text = Path(path).read_text(encoding="utf-8-sig")
    seen_row = False
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        fields = [part.strip() for part in raw.rstrip("\r\n").split("\t")]
        header = tuple(f.casefold() for f in fields)
        if not seen_row and header in (_HEADER, (*_HEADER, "tags")):
            seen_row = True
            continue
        seen_row = True
        if len(fields) not in (3, 4):
            raise JudgmentFormatError(
                path, number, "row", f"expected 3 or 4 tab-separated fields, got {len(fields)}"
            )
        query, gtin, grade_text = fields[:3]
        row_tags = (
            {t.strip() for t in fields[3].split(",") if t.strip()} if len(fields) > 3 else set()
        )
        for tag in row_tags:
            if not _TAG.fullmatch(tag):
                raise JudgmentFormatError(
                    path, number, "tags", f"{tag!r} is not a tag (lower-case letters, digits, -)"
                )
        if not query:
            raise JudgmentFormatError(path, number, "query", "empty")
        if not gtin:
            raise JudgmentFormatError(path, number, "gtin", "empty")
        try:
            grade = int(grade_text)
        except ValueError:
            raise JudgmentFormatError(
                path, number, "grade", f"{grade_text!r} is not an integer 0-{MAX_GRADE}"
            ) from None
        if not 0 <= grade <= MAX_GRADE:
            raise JudgmentFormatError(path, number, "grade", f"{grade} is outside 0-{MAX_GRADE}")
        judged = judgments.setdefault(query, {})
        if gtin in judged and judged[gtin] != grade:
            raise JudgmentFormatError(
                path, number, "grade", f"{query!r}/{gtin} judged {judged[gtin]} earlier"
            )
        judged[gtin] = grade
        tags.setdefault(query, set()).update(row_tags)
    return JudgedSet(judgments, {q: frozenset(t) for q, t in tags.items() if t})


def _unique(ranked: Sequence[str]) -> list[str]:
    """Ranked ids with repeats dropped (a repeated result earns nothing the second time)."""
    seen: set[str] = set()
    out = []
    for item in ranked:
        if item not in seen:
            seen.add(item)
            out.append(item)
    return out


def _gain(grade: int) -> float:
    return float(2**grade - 1)


def ndcg_at_k(ranked_gtins: Sequence[str], judged: Mapping[str, int], k: int = 10) -> float:
    """Normalized DCG with gains ``2^g - 1`` and discount ``log2(rank + 1)``.

    The ideal ranking is built from all judged items; unjudged results count as grade 0.
    0.0 when nothing judged is relevant.
    """
    dcg = math.fsum(
        _gain(judged.get(gtin, 0)) / math.log2(rank + 1)
        for rank, gtin in enumerate(_unique(ranked_gtins)[:k], start=1)
    )
    ideal_grades = sorted(judged.values(), reverse=True)[:k]
    idcg = math.fsum(_gain(g) / math.log2(rank + 1) for rank, g in enumerate(ideal_grades, 1))
    return dcg / idcg if idcg > 0 else 0.0


def mrr(ranked: Sequence[str], judged: Mapping[str, int], threshold: int = 1) -> float:
    """Reciprocal rank of the first result with grade >= ``threshold`` (0.0 if none)."""
    for rank, gtin in enumerate(_unique(ranked), start=1):
        if judged.get(gtin, 0) >= threshold:
            return 1.0 / rank
    return 0.0


def recall_at_k(
    ranked: Sequence[str], judged: Mapping[str, int], k: int = 50, threshold: int = 1
) -> float:
    """Share of the relevant (grade >= ``threshold``) items found in the top ``k``.

    0.0 when the query has no relevant judged item.
    """
    relevant = {gtin for gtin, grade in judged.items() if grade >= threshold}
    if not relevant:
        return 0.0
    found = relevant.intersection(_unique(ranked)[:k])
    return len(found) / len(relevant)


@dataclass
class EvalReport:
    """Mean metrics over the judged queries, with the per-query values."""

    ndcg10: float
    mrr: float
    recall50: float
    queries: int
    per_query: dict[str, dict[str, float]] = field(default_factory=dict)
    # queries judged by hard negatives only (nothing in the catalog is what they ask for:
    # "munskydd" in a catalog without masks): how many of those the top 10 shows. They have
    # no nDCG (no ideal ranking) and stay out of the means.
    negative_only: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, float | int]:
        out: dict[str, float | int] = {
            "ndcg@10": self.ndcg10,
            "mrr": self.mrr,
            "recall@50": self.recall50,
            "queries": self.queries,
        }
        if self.negative_only:
            out["negative_only_queries"] = len(self.negative_only)
            out["hard_negatives@10"] = sum(self.negative_only.values())
        return out


def evaluate(
    runs: Mapping[str, Sequence[str]], judgments: Mapping[str, Mapping[str, int]]
) -> EvalReport:
    """Score ``runs`` (query -> ranked gtins) against ``judgments`` (query -> gtin -> grade)."""
    per_query: dict[str, dict[str, float]] = {}
    negative_only: dict[str, int] = {}
    for query, judged in judgments.items():
        ranked = runs.get(query, ())
        if judged and not any(grade > 0 for grade in judged.values()):
            top = _unique(ranked)[:10]
            negative_only[query] = sum(1 for gtin in top if gtin in judged)
            continue
        per_query[query] = {
            "ndcg@10": ndcg_at_k(ranked, judged, 10),
            "mrr": mrr(ranked, judged),
            "recall@50": recall_at_k(ranked, judged, 50),
        }
    count = len(per_query)

    def mean(metric: str) -> float:
        return math.fsum(values[metric] for values in per_query.values()) / count if count else 0.0

    return EvalReport(
        ndcg10=mean("ndcg@10"),
        mrr=mean("mrr"),
        recall50=mean("recall@50"),
        queries=count,
        per_query=per_query,
        negative_only=negative_only,
    )
