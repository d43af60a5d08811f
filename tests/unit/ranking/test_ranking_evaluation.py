"""Offline metrics against hand-computed values, and the judgments file format."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from ranking.errors import JudgmentFormatError
from ranking.evaluation import (
    evaluate,
    load_judged_set,
    load_judgments,
    mrr,
    ndcg_at_k,
    recall_at_k,
)

JUDGED = {"a": 3, "b": 2, "c": 0, "d": 1}


def test_ndcg_hand_computed() -> None:
    # ranked: c(0) a(3) x(unjudged) b(2)
    dcg = 0 / math.log2(2) + 7 / math.log2(3) + 0 / math.log2(4) + 3 / math.log2(5)
    ideal = 7 / math.log2(2) + 3 / math.log2(3) + 1 / math.log2(4)  # a, b, d (c gains 0)
    assert ndcg_at_k(["c", "a", "x", "b"], JUDGED, k=10) == pytest.approx(dcg / ideal)


def test_ndcg_perfect_and_cut_at_k() -> None:
    assert ndcg_at_k(["a", "b", "d", "c"], JUDGED) == pytest.approx(1.0)
    # at k=1 only the first result counts: b (gain 3) vs ideal a (gain 7)
    assert ndcg_at_k(["b", "a"], JUDGED, k=1) == pytest.approx(3 / 7)
    assert ndcg_at_k(["a"], {"a": 0}) == 0.0


def test_duplicates_earn_once() -> None:
    assert ndcg_at_k(["a", "a", "b"], JUDGED) == ndcg_at_k(["a", "b"], JUDGED)


def test_mrr_hand_computed() -> None:
    assert mrr(["c", "x", "d", "a"], JUDGED) == pytest.approx(1 / 3)
    assert mrr(["c", "x", "d", "a"], JUDGED, threshold=3) == pytest.approx(1 / 4)
    assert mrr(["c", "x"], JUDGED) == 0.0


def test_recall_hand_computed() -> None:
    assert recall_at_k(["a", "x", "c"], JUDGED) == pytest.approx(1 / 3)  # a of {a, b, d}
    assert recall_at_k(["x", "a", "b"], JUDGED, k=2) == pytest.approx(1 / 3)
    assert recall_at_k(["a"], {"a": 0}) == 0.0


def test_evaluate_averages_over_judged_queries() -> None:
    judgments = {"q1": {"a": 3}, "q2": {"b": 1, "c": 2}}
    runs = {"q1": ["a"], "q2": ["x", "c"], "unjudged": ["z"]}
    report = evaluate(runs, judgments)
    q2_ndcg = (3 / math.log2(3)) / (3 + 1 / math.log2(3))
    assert report.queries == 2
    assert report.ndcg10 == pytest.approx((1.0 + q2_ndcg) / 2)
    assert report.mrr == pytest.approx((1.0 + 0.5) / 2)
    assert report.recall50 == pytest.approx((1.0 + 0.5) / 2)
    assert set(report.as_dict()) == {"ndcg@10", "mrr", "recall@50", "queries"}
    assert report.per_query["q1"]["mrr"] == 1.0


def test_missing_run_scores_zero() -> None:
    report = evaluate({}, {"q": {"a": 2}})
    assert report.as_dict() == {"ndcg@10": 0.0, "mrr": 0.0, "recall@50": 0.0, "queries": 1}


def test_load_judgments(tmp_path: Path) -> None:
    path = tmp_path / "judgments.tsv"
    path.write_text(
        "query\tgtin\tgrade\n# comment\n\nkomposit\t07312345678903\t3\n"
        "komposit\t04012345678901\t0\nhandskar nitril\t05712345678900\t2\n",
        encoding="utf-8",
    )
    assert load_judgments(path) == {
        "komposit": {"07312345678903": 3, "04012345678901": 0},
        "handskar nitril": {"05712345678900": 2},
    }


@pytest.mark.parametrize(
    ("row", "field", "reason"),
    [
        ("komposit\t0731\t4", "grade", "outside"),
        ("komposit\t0731\thigh", "grade", "not an integer"),
        ("komposit\t0731", "row", "expected 3 or 4"),
        ("komposit\t0731\t1\tsemantic\textra", "row", "got 5"),
        ("komposit\t0731\t1\tSemantic!", "tags", "not a tag"),
        ("\t0731\t1", "query", "empty"),
        ("komposit\t\t1", "gtin", "empty"),
    ],
)
def test_bad_rows_name_file_line_and_field(
    tmp_path: Path, row: str, field: str, reason: str
) -> None:
    path = tmp_path / "bad.tsv"
    path.write_text(f"# judged by the team\nkomposit\t0999\t1\n{row}\n", encoding="utf-8")
    with pytest.raises(JudgmentFormatError) as info:
        load_judgments(path)
    assert info.value.line == 3
    assert info.value.field == field
    assert reason in str(info.value)
    assert str(path) in str(info.value)


def test_tags_column_is_optional_and_marks_queries(tmp_path: Path) -> None:
    path = tmp_path / "judgments.tsv"
    path.write_text(
        "query\tgtin\tgrade\ttags\n"
        "komposit\t07312345678903\t3\n"  # a three-field row: no tags
        "något att fästa en tandställning med\t05712345678900\t3\tsemantic\n"
        "något att fästa en tandställning med\t05712345678901\t1\tsemantic, paraphrase\n"
        "torka ur rotkanalen\t05712345678902\t3\t\n",  # an empty tags field
        encoding="utf-8",
    )
    judged = load_judged_set(path)
    assert judged.judgments == load_judgments(path)
    assert set(judged.judgments) == {
        "komposit",
        "något att fästa en tandställning med",
        "torka ur rotkanalen",
    }
    assert judged.tags == {
        "något att fästa en tandställning med": frozenset({"semantic", "paraphrase"})
    }
    assert judged.tagged("semantic") == {
        "något att fästa en tandställning med": {"05712345678900": 3, "05712345678901": 1}
    }
    assert judged.tagged("other") == {}


def test_a_file_without_tags_still_parses_as_before(tmp_path: Path) -> None:
    path = tmp_path / "old.tsv"
    path.write_text("query\tgtin\tgrade\nkomposit\t0731\t3\n", encoding="utf-8")
    judged = load_judged_set(path)
    assert judged.judgments == {"komposit": {"0731": 3}} and judged.tags == {}


def test_a_query_judged_by_hard_negatives_only_counts_what_it_shows_not_a_mean() -> None:
    """ "munskydd" where the catalog has no mask: nothing is right, a rubber dam is wrong."""
    judgments = {"q": {"a": 3}, "munskydd": {"dam": 0, "dam2": 0}}
    report = evaluate({"q": ["a"], "munskydd": ["x", "dam", "dam"]}, judgments)
    assert report.queries == 1 and report.ndcg10 == 1.0
    assert report.negative_only == {"munskydd": 1}
    assert report.as_dict()["hard_negatives@10"] == 1
    assert report.as_dict()["negative_only_queries"] == 1
    clean = evaluate({"q": ["a"], "munskydd": []}, judgments)
    assert clean.negative_only == {"munskydd": 0} and clean.ndcg10 == 1.0
