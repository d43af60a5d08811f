"""Named fault points for the fault-injection tests: ``VALBAR_FAULT_INJECT=<point>``.

``fault_point(name)`` does nothing unless the environment variable names that point; then
the process sends itself SIGKILL: a real ``kill -9`` at that moment (no cleanup, no flush,
no ``finally``), placed deterministically. Points: ``before_commit`` (a feed run's
writes are done, its transaction not yet committed), ``after_commit`` (the run committed,
the index not yet updated), ``during_indexing`` (documents sent to the backend, its commit
not made), ``after_index_commit`` (the backend committed, the outbox rows not yet deleted).
"""

from __future__ import annotations

import os
import signal
import sys
import time

ENV = "VALBAR_FAULT_INJECT"


def fault_point(name: str) -> None:
    """Kill the process here when ``VALBAR_FAULT_INJECT`` names this point; with
    ``pause:<point>:<seconds>`` wait there instead (to stop a service meanwhile)."""
    value = os.environ.get(ENV)
    if not value:
        return
    if value == name:
        sys.stderr.write(f"fault injected at {name}\n")
        sys.stderr.flush()
        os.kill(os.getpid(), signal.SIGKILL)
    elif value.startswith(f"pause:{name}:"):
        time.sleep(float(value.rsplit(":", 1)[1]))
