"""Fault-injection points for the crash tests (``tests/unit/indexer/test_runner.py``).

``VALBAR_FAULT_PAUSE=<point>`` makes the process running a feed stop at that point: it writes
``<point> <pid>`` to the file named by ``VALBAR_FAULT_MARKER`` (so the test knows it got there
and whom to kill) and sleeps until it is killed. ``VALBAR_FAULT_HOG=<point>`` makes it
allocate memory at that point until the allocation fails (the memory limit's ``MemoryError``).
Unset (always, outside those tests) a point costs two dict lookups.

Points: ``before_write`` (matched, nothing written yet), ``before_commit`` (the run's offers
are written but not committed; on SQLite the write lock is held) and ``after_commit``
(committed, the process has not reported back yet).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

PAUSE_ENV = "VALBAR_FAULT_PAUSE"
HOG_ENV = "VALBAR_FAULT_HOG"
MARKER_ENV = "VALBAR_FAULT_MARKER"
HOG_CHUNK = 64 << 20


def reach(point: str) -> None:
    if os.environ.get(HOG_ENV) == point:
        import numpy as np

        held = []
        while True:  # until MemoryError; calloc'd pages stay untouched: no RAM is used
            held.append(np.zeros(HOG_CHUNK, dtype=np.uint8))
    if os.environ.get(PAUSE_ENV) != point:
        return
    marker = os.environ.get(MARKER_ENV)
    if marker:
        Path(marker).write_text(f"{point} {os.getpid()}", encoding="utf-8")
    while True:  # until killed
        time.sleep(0.05)
