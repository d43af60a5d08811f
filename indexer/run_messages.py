"""Why a feed run ended without a result: messages as data (``indexer.messages``, ``run.*``).

Their English is what the API and the CLI show; the portal and ``Accept-Language: sv`` render
the same codes from the Swedish catalog. Every ending message says "nothing was changed": a
run commits its offers and its final status in one transaction, so a run that ends here had
not committed.
"""

from __future__ import annotations

import signal

from indexer.messages import Message


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


def memory_limit(limit_bytes: int) -> Message:
    return Message("run.memory_limit", limit=format_bytes(limit_bytes))


def time_limit(limit_seconds: float) -> Message:
    return Message("run.time_limit", limit=format_seconds(limit_seconds))


def cancelled() -> Message:
    return Message("run.cancelled")


def process_died(returncode: int) -> Message:
    """The run's process ended without recording a result (killed, crashed)."""
    if returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            return Message("run.process_died", how="how.signal_number", signal=-returncode)
        return Message("run.process_died", how="how.signal", signal=name)
    return Message("run.process_died", how="how.exit_code", exit_code=returncode)


def lease_expired(attempts: int) -> Message:
    return Message("run.lease_expired", attempts=attempts)


def requeued_after_lease() -> Message:
    return Message("run.requeued_lease")


def requeued_after_restart() -> Message:
    return Message("run.requeued_restart")


def start_failed(error: BaseException) -> Message:
    """The run's process could not be started (``fork`` failed, no memory, ...)."""
    return Message("run.start_failed", error=str(error))


def failed(error: BaseException) -> Message:
    """A run that raised something unexpected: the error's type and its own words."""
    return Message("run.failed", error_type=type(error).__name__, error=str(error))


def empty_feed(file_name: str, rows_read: int) -> Message:
    """A feed with no usable row: nothing in it (``rows_read`` 0), or every row rejected."""
    if rows_read == 0:
        return Message("refusal.empty", file=file_name)
    return Message("refusal.unusable", file=file_name, rows=rows_read)
