"""Fault-injection points for the crash tests (``tests/.../test_run_faults.py``).

``VALBAR_FAULT_PAUSE=<point>`` makes the process running a feed stop at that point: it writes
``<point> <pid>`` to the file named by ``VALBAR_FAULT_MARKER`` (so the test knows it got there
and whom to kill) and sleeps until it is killed. Unset (always, outside those tests) this
costs one dict lookup.

Points: ``before_commit`` (the run's offers are written but not committed) and
``after_commit`` (committed, the process has not reported back yet).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

PAUSE_ENV = "VALBAR_FAULT_PAUSE"
MARKER_ENV = "VALBAR_FAULT_MARKER"


def pause(point: str) -> None:
    if os.environ.get(PAUSE_ENV) != point:
        return
    marker = os.environ.get(MARKER_ENV)
    if marker:
        Path(marker).write_text(f"{point} {os.getpid()}", encoding="utf-8")
    while True:  # until killed
        time.sleep(0.05)
