"""CSV downloads escape cells a spreadsheet would run as formulas (CSV injection)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from api.csv_export import csv_text, safe_cell
from catalog.db import transaction
from catalog.models import FeedRun, Retailer
from indexer.jobs import factory_for
from tests.unit.api.test_api_support import ApiEnv, build_env, close_env

DANGEROUS = ['=HYPERLINK("http://x")', "+46 8 123", "-2+3", "@SUM(A1)", "\tTAB", "\rCR"]


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiEnv]:
    built = build_env(Path(tmp_path_factory.mktemp("api_csv")))
    yield built
    close_env(built)


def test_cells_that_start_like_a_formula_are_prefixed() -> None:
    assert [safe_cell(v) for v in DANGEROUS] == ["'" + v for v in DANGEROUS]
    assert [safe_cell(v) for v in ("Nitril", "12,50", "a=b", None, 7)] == [
        "Nitril",
        "12,50",
        "a=b",
        "",
        "7",
    ]
    assert [safe_cell(v) for v in ("-100", "-12,50", -7, "-1.5")] == [
        "-100",
        "-12,50",
        "-7",
        "-1.5",
    ]
    assert [safe_cell(v) for v in ("-1+1", "-100 ", "-1e3", "--1")] == [
        "'-1+1",
        "'-100 ",
        "'-1e3",
        "'--1",
    ]
    rows = list(csv.reader(io.StringIO(csv_text(["=h"], [["=1+1", 2]]))))
    assert rows == [["'=h"], ["'=1+1", "2"]]


def test_feed_row_errors_csv_escapes_every_cell(env: ApiEnv) -> None:
    factory = factory_for(env.settings)
    with transaction(factory) as s:
        retailer = s.scalar(select(Retailer).where(Retailer.slug == "tandab"))
        assert retailer is not None
        run = FeedRun(
            retailer_id=retailer.id,
            file_name="lager.csv",
            sha256="0" * 64,
            status="succeeded",
            row_errors=[
                {"row": 2, "field": f, "value": v, "message": v, "severity": "error"}
                for f, v in zip(("=f", "+f", "-f", "@f", "\tf", "\rf"), DANGEROUS, strict=True)
            ],
        )
        s.add(run)
        s.flush()
        run_id = run.id
    response = env.client.get(
        f"/api/v1/feeds/{run_id}/errors.csv", headers=env.headers("retailer_own")
    )
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.text, newline="")))
    assert rows[0] == ["row", "field", "value", "message", "severity"]
    for row, dangerous in zip(rows[1:], DANGEROUS, strict=True):
        assert row[2] == row[3] == "'" + dangerous
        assert row[1].startswith("'")
    assert len(rows) == 1 + len(DANGEROUS)
