"""bench.http's CPU-per-request accounting: the server's whole process tree, medians."""

from __future__ import annotations

import math
import subprocess
import sys
import time

import pytest

from bench.http import WrkRun, _median_runs, _tree_cpu_seconds

BURN = "import time\nend = time.process_time() + 0.4\nwhile time.process_time() < end: pass\n"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc (Linux)")
def test_tree_cpu_counts_a_live_childs_cpu() -> None:
    """A supervisor's workers are its children: their CPU is the server's CPU."""
    parent = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import subprocess, sys, time\n"
            f"subprocess.Popen([sys.executable, '-c', {BURN!r} + 'time.sleep(30)'])\n"
            "time.sleep(30)\n",
        ]
    )
    try:
        before = _tree_cpu_seconds(parent.pid)
        time.sleep(1.5)  # the grandchild burns 0.4 s of CPU, then sleeps
        grown = _tree_cpu_seconds(parent.pid) - before
        assert grown >= 0.3, grown
    finally:
        subprocess.run(["pkill", "-P", str(parent.pid)], check=False)
        parent.kill()
        parent.wait()


def test_median_runs_takes_each_figures_median_and_sums_errors(
    capsys: pytest.CaptureFixture[str],
) -> None:
    runs = [
        WrkRun(900.0, 20.0, 60.0, 0, 1.6, 0.07),
        WrkRun(1000.0, 30.0, 50.0, 2, 1.9, 0.05),
        WrkRun(800.0, 25.0, 70.0, 1, 1.7, 0.06),
    ]
    median = _median_runs("search", runs)
    assert median == WrkRun(900.0, 25.0, 60.0, 3, 1.7, 0.06)
    out = capsys.readouterr().out
    assert "cpu/req server  1.70 ms  wrk  0.06 ms" in out
    assert out.count("run ") == 3


def test_a_run_without_proc_says_nan_not_zero() -> None:
    run = WrkRun(1.0, 1.0, 1.0, 0, math.nan, 0.1)
    assert math.isnan(_median_runs("x", [run]).server_cpu_ms)
