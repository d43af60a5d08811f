"""The process that applies the search index outbox for the web server:
``python -m indexer.outbox_child`` (started by ``indexer.runner.apply_outbox_in_child``).

Rebuilding a feed run's changed documents (20,000 products after a 100,000-row feed) is
seconds of Python work. In a web worker's thread it held the GIL against the event loop and
doubled search p99 for as long as it ran; here it runs in a process of its own at the feed
runs' lower CPU priority (``feed_nice``), which dies with the process that started it. No
memory limit: the documents come from the catalog, not from an uploaded file.

It reads its job from stdin as JSON (the settings, the supervisor's pid, how long to wait for
the index lock) and prints :meth:`indexer.outbox.OutboxReport.as_json`, with its pid and
nice value, as its last line.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

from indexer.run_child import apply_limits


def main() -> int:
    job: dict[str, Any] = json.loads(sys.stdin.read())
    apply_limits(0, int(job["nice"]), int(job["parent_pid"]))
    from catalog.settings import Settings
    from indexer.jobs import factory_for
    from indexer.outbox import apply_outbox

    settings = Settings(**job["settings"])
    # the runs whose products it indexed are ended by the web server once it sees the writes
    report = apply_outbox(
        settings, factory=factory_for(settings), wait=float(job["wait"]), finish_runs=False
    )
    done = {**report.as_json(), "pid": os.getpid(), "nice": os.nice(0)}  # who did it, how
    print(json.dumps(done), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
