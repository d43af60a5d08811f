"""Why a feed run ended without a result, in English for the API and the CLI.

The portal says the same in Swedish (``ui/feed_report.py`` recognises these sentences). Every
message ends "nothing was changed": a run commits its offers and its final status in one
transaction, so a run that ends here had not committed.
"""

from __future__ import annotations

import signal

NOTHING_CHANGED = "nothing was changed"


def format_bytes(n: int) -> str:
    """``1073741824`` -> ``1 GB``; ``536870912`` -> ``512 MB`` (binary units, as limits are)."""
    if n >= 1 << 30 and n % (1 << 28) == 0:
        value = n / (1 << 30)
        return f"{value:g} GB"
    return f"{round(n / (1 << 20))} MB"


def format_seconds(seconds: float) -> str:
    """``1800`` -> ``30 min``; ``45`` -> ``45 s``; ``5400`` -> ``90 min``."""
    if seconds >= 60 and seconds % 60 == 0:
        return f"{int(seconds // 60)} min"
    return f"{seconds:g} s"


def memory_limit(limit_bytes: int) -> str:
    return f"the file needed more memory than the limit of {format_bytes(limit_bytes)}; " + (
        NOTHING_CHANGED
    )


def time_limit(limit_seconds: float) -> str:
    return f"the run took longer than the limit of {format_seconds(limit_seconds)}; " + (
        NOTHING_CHANGED
    )


def cancelled() -> str:
    return f"cancelled on request; {NOTHING_CHANGED}"


def process_died(returncode: int) -> str:
    """The run's process ended without recording a result (killed, crashed)."""
    if returncode < 0:
        try:
            how = f"killed by {signal.Signals(-returncode).name}"
        except ValueError:
            how = f"killed by signal {-returncode}"
    else:
        how = f"exit code {returncode}"
    return f"the process running the feed ended unexpectedly ({how}); {NOTHING_CHANGED}"


def lease_expired(attempts: int) -> str:
    return (
        f"the process running the feed stopped responding (attempt {attempts}); {NOTHING_CHANGED}"
    )


def requeued_after_lease() -> str:
    return "queued again: the process running the feed stopped responding"


def requeued_after_restart() -> str:
    return "queued again: the server was restarted during the run"
