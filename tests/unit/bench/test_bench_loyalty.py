"""bench.loyalty at a tiny scale: it builds the data set, measures every figure it promises
against the baseline and leaves the ledger verified, on SQLite and (when reachable) on
PostgreSQL."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from bench import loyalty

FIGURES = (
    "balance read p99",
    "seller's points page p99",
    "sellers board 2026-11 top 50 + own p99",
    "stores board 2026-11 top 50 + own p99",
    "credit 8 delivered lines (cpu",
    "month-end close, ",
)


def _run(
    db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> str:
    argv = ["bench.loyalty", "--db", db, "--scale", "0.0004", "--samples", "5"]
    monkeypatch.setattr(sys, "argv", [*argv, "--workdir", str(tmp_path)])
    loyalty.main()
    return capsys.readouterr().out


def _assert_reported(out: str, db: str) -> None:
    assert f"{db} (scale 0.0004" in out
    assert "baseline SELECT count(*) over the ledger" in out
    for figure in FIGURES:
        line = next((row for row in out.splitlines() if figure in row), None)
        assert line is not None, figure
        assert line.split()[-1] in ("yes", "NO"), line  # a target and its verdict
    assert "2,000 entries" in out  # 5,000,000 x 0.0004
    assert "verify after the load: ok" in out and "verify after the run: ok" in out
    assert "earned points per month equal the ledger's after the run" in out


def test_loyalty_bench_on_sqlite(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    out = _run("sqlite", tmp_path, monkeypatch, capsys)
    _assert_reported(out, "sqlite")
    assert not list(tmp_path.iterdir())  # the database is removed afterwards


def test_loyalty_bench_on_postgresql(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    admin = create_engine(loyalty.PG_URL)
    try:
        with admin.connect() as conn:
            conn.execute(text("select 1"))
    except Exception as exc:  # noqa: BLE001 - any connection failure: not reachable
        pytest.skip(f"PostgreSQL is not reachable: {exc}")
    finally:
        admin.dispose()
    out = _run("postgresql", tmp_path, monkeypatch, capsys)
    _assert_reported(out, "postgresql")
    schema = out.split("PostgreSQL schema ", 1)[1].split()[0]
    admin = create_engine(loyalty.PG_URL)
    with admin.connect() as conn:
        left = conn.execute(
            text("select count(*) from pg_namespace where nspname = :name"), {"name": schema}
        ).scalar_one()
    admin.dispose()
    assert left == 0  # the schema is dropped afterwards
