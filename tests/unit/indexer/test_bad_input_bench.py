"""bench.bad_input and bench.ingest --file-mb at a tiny scale: they run and report each case."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from bench import bad_input, ingest


def test_bad_input_bench_reports_each_case(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["bench.bad_input", "--workdir", str(tmp_path), "--bomb-mb", "8"]
    argv += ["--invalid-mb", "0.05", "--only", "ss_bomb,invalid"]
    monkeypatch.setattr(sys, "argv", argv)
    bad_input.main()
    out = capsys.readouterr().out
    assert "archive member 'xl/sharedStrings.xml' unpacks to 8,388," in out
    assert "1000 errors listed + " in out and "rejected: rows=" in out
    assert "crashed" not in out
    assert not list(tmp_path.glob("*.csv")) and not list(tmp_path.glob("*.xlsx"))


def test_ingest_bench_file_size_mode(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["bench.ingest", "--products", "300", "--file-mb", "0.05", "--workers", "1"]
    monkeypatch.setattr(sys, "argv", [*argv, "--workdir", str(tmp_path)])
    ingest.main()
    out = capsys.readouterr().out
    assert "feed: 0 MB, " in out and "the feed memory limit of 1,024 MB" in out
    assert "re-upload" not in out
