"""Staged uploads on disk: files waiting to be archived or previewed, and their clean-up.

The API streams an upload to ``<data_dir>/uploads`` and deletes it once the run has archived
it (`indexer.pipeline.submit_feed` copies it content-addressed); the portal keeps one under
``<data_dir>/ui-uploads/<retailer>/`` between preview and submit. A process killed in between
leaves its file behind: `sweep_stale_uploads` removes those older than a given age (the
housekeeping pass calls it hourly with the setting ``feed_upload_max_age_hours``).
"""

from __future__ import annotations

import time
from pathlib import Path

UPLOAD_DIRS = ("uploads", "ui-uploads")


def sweep_stale_uploads(data_dir: Path, max_age_s: float, now: float | None = None) -> int:
    """Delete staged upload files last modified more than ``max_age_s`` ago; returns how many.

    Only regular files under the upload folders are touched (never the archive).
    """
    cutoff = (time.time() if now is None else now) - max_age_s
    removed = 0
    for name in UPLOAD_DIRS:
        root = data_dir / name
        if not root.is_dir():
            continue
        for path in root.rglob("*"):
            try:
                if path.is_file() and not path.is_symlink() and path.stat().st_mtime < cutoff:
                    path.unlink()
                    removed += 1
            except FileNotFoundError:  # removed meanwhile (a run finished, a submit)
                continue
    return removed
