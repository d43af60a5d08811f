"""Run judged queries through a search function and score them (``valbar eval ranking``).

The search service is measured without and with semantic search in the same run
(:func:`semantic_comparison`), as is :class:`~search.bm25_baseline.Bm25Baseline` (plain
BM25 over the same documents' raw text, built in a temporary directory), so the reported
gains are measured.
"""

from __future__ import annotations

import math
import tempfile
from collections.abc import Callable, Collection, Mapping
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from ranking.evaluation import EvalReport, evaluate
from search.bm25_baseline import Bm25Baseline
from search.documents import build_documents
from search.service import SearchRequest, SearchService

RUN_DEPTH = 50  # recall@50 needs the top 50
METRICS = ("ndcg@10", "mrr", "recall@50")
# issue 16: semantic search is on by default only if it gains this much nDCG@10 overall and
# on the semantic-marked queries (and adds at most 10 ms p50 / 30 ms p99 in bench.search)
QUALITY_GAIN = 0.02
SEMANTIC_QUERIES_GAIN = 0.10

SearchFn = Callable[[str], list[str]]
Judgments = Mapping[str, Mapping[str, int]]


def run_judged_queries(search_fn: SearchFn, judgments: Judgments) -> dict[str, list[str]]:
    """``{query: ranked primary GTINs}``, the top ``RUN_DEPTH`` distinct ones per query."""
    return {q: list(dict.fromkeys(search_fn(q)))[:RUN_DEPTH] for q in judgments}


def service_search_fn(service: SearchService, config_name: str = "default") -> SearchFn:
    """The service's relevance order as a list of primary GTINs (hits without one dropped)."""

    def search(query: str) -> list[str]:
        request = SearchRequest(q=query, size=RUN_DEPTH, config_name=config_name)
        return [hit.gtin for hit in service.search(request).hits if hit.gtin]

    return search


def evaluate_service(
    service: SearchService, judgments: Judgments, config_name: str = "default"
) -> EvalReport:
    """Score the search service (its backend's live index) with one ranking config."""
    return evaluate(
        run_judged_queries(service_search_fn(service, config_name), judgments), judgments
    )


def evaluate_baseline(
    session: Session, judgments: Judgments, directory: Path | None = None
) -> EvalReport:
    """Build plain BM25 over ``build_documents(session)`` and score it.

    The index goes to ``directory`` or to a temporary directory removed afterwards.
    """
    if directory is not None:
        return _evaluate_baseline_in(session, judgments, directory)
    with tempfile.TemporaryDirectory(prefix="valbar-bm25-") as tmp:
        return _evaluate_baseline_in(session, judgments, Path(tmp))


def _evaluate_baseline_in(session: Session, judgments: Judgments, directory: Path) -> EvalReport:
    baseline = Bm25Baseline(directory)
    baseline.index(build_documents(session))
    return evaluate(run_judged_queries(baseline.search, judgments), judgments)


def gain(report: EvalReport, baseline: EvalReport) -> dict[str, float]:
    """Metric by metric, the report minus the baseline."""
    ours, theirs = report.as_dict(), baseline.as_dict()
    return {m: round(float(ours[m]) - float(theirs[m]), 4) for m in METRICS}


def comparison(report: EvalReport, baseline: EvalReport | None) -> dict[str, Any]:
    """``{"ndcg@10", "mrr", "recall@50", "queries", "baseline": {..., "gain": {...}}}``."""
    out: dict[str, Any] = _rounded(report)
    if baseline is not None:
        out["baseline"] = {**_rounded(baseline), "gain": gain(report, baseline)}
    return out


def worst_queries(
    report: EvalReport, baseline: EvalReport | None = None, count: int = 10
) -> list[dict[str, Any]]:
    """The ``count`` queries with the lowest nDCG@10 (ties by query), with the baseline's."""
    ranked = sorted(report.per_query.items(), key=lambda item: (item[1]["ndcg@10"], item[0]))
    out: list[dict[str, Any]] = []
    for query, values in ranked[:count]:
        row: dict[str, Any] = {"query": query, **{m: round(values[m], 4) for m in METRICS}}
        if baseline is not None and query in baseline.per_query:
            row["baseline_ndcg@10"] = round(baseline.per_query[query]["ndcg@10"], 4)
        out.append(row)
    return out


def _rounded(report: EvalReport) -> dict[str, Any]:
    data = report.as_dict()
    return {k: round(v, 4) if isinstance(v, float) else v for k, v in data.items()}


def mean_ndcg(report: EvalReport, queries: Collection[str]) -> float:
    """Mean nDCG@10 of ``report`` over ``queries`` (0.0 for none)."""
    values = [report.per_query[q]["ndcg@10"] for q in queries if q in report.per_query]
    return math.fsum(values) / len(values) if values else 0.0


def semantic_comparison(
    without: EvalReport, with_semantic: EvalReport, semantic_queries: Collection[str]
) -> dict[str, Any]:
    """nDCG@10 without and with semantic search, over all queries and the semantic ones.

    ``meets_quality_rule``: the relevance half of the rule for turning semantic search on
    by default (overall gain >= 0.02 and the semantic queries' gain >= 0.10); the latency
    half is measured by ``python -m bench.search --semantic``.
    """
    rows = {
        name: {
            "ndcg@10": round(report.ndcg10, 4),
            "semantic_ndcg@10": round(mean_ndcg(report, semantic_queries), 4),
        }
        for name, report in (("without", without), ("with", with_semantic))
    }
    gain = {m: round(rows["with"][m] - rows["without"][m], 4) for m in rows["with"]}
    return {
        **rows,
        "gain": gain,
        "semantic_queries": len([q for q in semantic_queries if q in without.per_query]),
        "meets_quality_rule": gain["ndcg@10"] >= QUALITY_GAIN - 1e-9
        and gain["semantic_ndcg@10"] >= SEMANTIC_QUERIES_GAIN - 1e-9,
    }
