"""The evaluation runner: judged queries through the real engine and the plain BM25 baseline."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from ranking.config import load_named
from ranking.evaluation import EvalReport
from search.backends.tantivy_backend import TantivyBackend
from search.bm25_baseline import Bm25Baseline, default_tokens
from search.documents import build_documents
from search.eval_runner import (
    comparison,
    evaluate_baseline,
    evaluate_service,
    mean_ndcg,
    run_judged_queries,
    semantic_comparison,
    service_search_fn,
    worst_queries,
)
from search.service import SearchService
from tests.factories import add_product, migrated_factory

GLOVES = "07350000000014"
BUR = "07350000000021"
MIRROR = "07350000000038"
BUR_2 = "07350000000045"


@pytest.fixture()
def factory(tmp_path: Path) -> sessionmaker[Session]:
    factory = migrated_factory(f"sqlite:///{tmp_path / 'eval.sqlite3'}")
    add_product(factory, key="g", name="Nitrile examination gloves, blue, size M", gtin=GLOVES)
    add_product(factory, key="b", name="Diamond bur FG round 012", gtin=BUR, brand="Komet")
    add_product(factory, key="m", name="Mouth mirror no. 5 front surface", gtin=MIRROR)
    add_product(factory, key="b2", name="Diamond bur FG flame", gtin=BUR_2, brand="Meisinger")
    return factory


@pytest.fixture()
def service(factory: sessionmaker[Session], tmp_path: Path) -> SearchService:
    backend = TantivyBackend(tmp_path / "index", heap_size=15_000_000, writer_threads=1)
    with factory() as session:
        backend.reindex(build_documents(session))
    return SearchService(backend, factory, load_named)


def test_run_judged_queries_keeps_distinct_top_50_per_judged_query() -> None:
    results = {"a": ["x", "y", "x", *[str(i) for i in range(100)]], "b": []}
    runs = run_judged_queries(lambda q: results[q], {"a": {"x": 3}, "b": {"y": 1}})
    assert list(runs) == ["a", "b"]
    assert runs["a"][:3] == ["x", "y", "0"]
    assert len(runs["a"]) == 50
    assert runs["b"] == []


def test_service_runs_rank_judged_gtins(service: SearchService) -> None:
    search = service_search_fn(service)
    assert set(search("diamond bur")[:2]) == {BUR, BUR_2}
    judgments = {"diamond bur": {BUR: 3, BUR_2: 2, MIRROR: 0}, "munspegel": {MIRROR: 3}}
    report = evaluate_service(service, judgments)
    assert report.queries == 2
    assert report.per_query["diamond bur"]["recall@50"] == 1.0
    assert report.per_query["munspegel"]["mrr"] == 1.0


def test_swedish_query_finds_english_product_only_through_the_engine(
    service: SearchService, factory: sessionmaker[Session]
) -> None:
    assert service_search_fn(service)("handskar")[:1] == [GLOVES]
    baseline = Bm25Baseline()
    with factory() as session:
        assert baseline.index(build_documents(session)) == 4
    assert baseline.search("handskar") == []  # no synonyms, no compound splitting
    assert baseline.search("gloves") == [GLOVES]
    assert baseline.search("nitrilhandskar") == []


def test_baseline_is_plain_or_of_raw_terms(factory: sessionmaker[Session]) -> None:
    baseline = Bm25Baseline()
    with factory() as session:
        baseline.index(build_documents(session))
    assert set(baseline.search("bur mirror")) == {BUR, BUR_2, MIRROR}  # OR, not AND
    assert baseline.search("burs") == []  # no stemming
    assert baseline.search(GLOVES) == []  # no identifier handling
    assert baseline.search("") == []
    assert default_tokens("Hu-Friedy Ø3,3 mm") == ["hu", "friedy", "ø3", "3", "mm"]


def test_comparison_measures_both_systems_in_one_run(
    service: SearchService, factory: sessionmaker[Session], tmp_path: Path
) -> None:
    judgments = {"handskar": {GLOVES: 3, MIRROR: 0}, "diamond bur": {BUR: 3, BUR_2: 3}}
    ours = evaluate_service(service, judgments)
    with factory() as session:
        base = evaluate_baseline(session, judgments, directory=tmp_path / "bm25")
    assert (tmp_path / "bm25" / "meta.json").exists()
    assert ours.per_query["handskar"]["ndcg@10"] == 1.0
    assert base.per_query["handskar"]["ndcg@10"] == 0.0
    result = comparison(ours, base)
    assert set(result) == {"ndcg@10", "mrr", "recall@50", "queries", "baseline"}
    assert result["baseline"]["gain"]["ndcg@10"] == pytest.approx(
        ours.ndcg10 - base.ndcg10, abs=1e-4
    )
    assert result["baseline"]["gain"]["ndcg@10"] > 0
    assert worst_queries(base, ours, 1)[0]["query"] == "handskar"


def test_comparison_without_baseline_has_only_the_metrics() -> None:
    report = EvalReport(ndcg10=0.5, mrr=1.0, recall50=0.25, queries=3)
    assert comparison(report, None) == {"ndcg@10": 0.5, "mrr": 1.0, "recall@50": 0.25, "queries": 3}


def _report(per_query: dict[str, float]) -> EvalReport:
    values = {q: {"ndcg@10": v, "mrr": v, "recall@50": v} for q, v in per_query.items()}
    mean = sum(per_query.values()) / len(per_query)
    return EvalReport(mean, mean, mean, len(per_query), values)


def test_semantic_comparison_applies_the_quality_rule() -> None:
    without = _report({"a": 0.9, "b": 0.9, "para": 0.2, "desc": 0.4})
    with_semantic = _report({"a": 0.9, "b": 0.88, "para": 0.4, "desc": 0.5})
    assert mean_ndcg(with_semantic, ["para", "desc", "unknown"]) == pytest.approx(0.45)
    assert mean_ndcg(with_semantic, []) == 0.0
    result = semantic_comparison(without, with_semantic, ["para", "desc"])
    assert result["without"] == {"ndcg@10": 0.6, "semantic_ndcg@10": 0.3}
    assert result["with"] == {"ndcg@10": 0.67, "semantic_ndcg@10": 0.45}
    assert result["gain"] == {"ndcg@10": 0.07, "semantic_ndcg@10": 0.15}
    assert result["semantic_queries"] == 2 and result["meets_quality_rule"] is True
    small = semantic_comparison(
        without, _report({"a": 0.9, "b": 0.9, "para": 0.28, "desc": 0.4}), ["para", "desc"]
    )
    assert small["gain"] == {"ndcg@10": 0.02, "semantic_ndcg@10": 0.04}
    assert small["meets_quality_rule"] is False  # the semantic queries gain < 0.10
