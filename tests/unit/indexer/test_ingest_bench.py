"""bench.ingest at a tiny scale: it runs end to end and reports every figure it promises."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from bench import ingest


def test_ingest_bench_reports_stages_memory_and_reupload(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["bench.ingest", "--products", "400", "--rows", "300", "--workdir", str(tmp_path)]
    argv += ["--watches", "40", "--history-rows", "3000"]
    monkeypatch.setattr(sys, "argv", [*argv, "--workers", "1"])
    ingest.main()
    out = capsys.readouterr().out
    assert "separate process" in out
    for stage in ("prepare_s", "matcher_build_s", "match_s", "write_s", "history_s"):
        assert stage in out
    assert "'inserted': 300" in out
    assert "re-upload with 1% changed" in out and "updated=3" in out
    assert "peak memory of the ingest" in out and "[target <= 1536 MB]" in out
    # price history (issue 17): with and without recording, alerts, size
    assert "history: full ingest with" in out and "history: 1% re-upload" in out
    assert "history: full ingest spent" in out and "history: 1% re-upload spent" in out
    assert out.count("[target <= +10%]") == 4
    assert "alert evaluation:" in out and "40 watches" in out and "[target <= 2 s]" in out
    assert "history size (SQLite, 3,000 rows measured)" in out and "at 1% changed a day" in out
