"""Named fault points for the crash tests; unset (always, outside them) a point costs a few
dict lookups.

- ``VALBAR_FAULT_INJECT=<point>``: the process sends itself SIGKILL there, a real ``kill -9``
  at that moment (no cleanup, no flush, no ``finally``), placed deterministically
  (``tests/integration/test_fault_injection.py``). In a run's child process its supervisor
  (``VALBAR_RUN_SUPERVISOR_PID``, set by ``indexer.runner``) is killed first: the crash of the
  ingesting process, as ``kill -9`` of ``valbar ingest`` or of the server would be.
  ``pause:<point>:<seconds>`` waits there instead (to stop a service meanwhile).
- ``VALBAR_FAULT_PAUSE=<point>``: the process stops there; it writes ``<point> <pid>`` to the
  file named by ``VALBAR_FAULT_MARKER`` (so the test knows it got there and whom to kill) and
  sleeps until it is killed (``tests/unit/indexer/test_runner.py``).
- ``VALBAR_FAULT_HOG=<point>``: the process allocates memory there until the allocation fails
  (the memory limit's ``MemoryError``).

Points: ``before_write`` (matched, nothing written yet), ``before_commit`` (a feed run's
offers are written, its transaction not yet committed; on SQLite the write lock is held),
``after_commit`` (the run committed, the index not yet updated), ``during_indexing``
(documents sent to the backend, its commit not made), ``after_index_commit`` (the backend
committed, the outbox rows not yet deleted).
"""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

ENV = "VALBAR_FAULT_INJECT"
PAUSE_ENV = "VALBAR_FAULT_PAUSE"
HOG_ENV = "VALBAR_FAULT_HOG"
MARKER_ENV = "VALBAR_FAULT_MARKER"
SUPERVISOR_ENV = "VALBAR_RUN_SUPERVISOR_PID"
HOG_CHUNK = 64 << 20


def fault_point(name: str) -> None:
    """Kill, pause or exhaust memory here when the environment names this point."""
    value = os.environ.get(ENV)
    if value:
        if value == name:
            sys.stderr.write(f"fault injected at {name}\n")
            sys.stderr.flush()
            supervisor = os.environ.get(SUPERVISOR_ENV)
            if supervisor and supervisor.isdigit() and int(supervisor) != os.getpid():
                os.kill(int(supervisor), signal.SIGKILL)
            os.kill(os.getpid(), signal.SIGKILL)
        elif value.startswith(f"pause:{name}:"):
            time.sleep(float(value.rsplit(":", 1)[1]))
    if os.environ.get(HOG_ENV) == name:
        import numpy as np

        held = []
        while True:  # until MemoryError; calloc'd pages stay untouched: no RAM is used
            held.append(np.zeros(HOG_CHUNK, dtype=np.uint8))
    if os.environ.get(PAUSE_ENV) != name:
        return
    marker = os.environ.get(MARKER_ENV)
    if marker:
        Path(marker).write_text(f"{name} {os.getpid()}", encoding="utf-8")
    while True:  # until killed
        time.sleep(0.05)
