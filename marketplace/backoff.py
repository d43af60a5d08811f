"""Retry timing shared by the e-mail sender and the webhook deliveries."""

from __future__ import annotations

from datetime import datetime, timedelta

MAX_DELAY_SECONDS = 6 * 3600.0
CLAIM_LEASE_SECONDS = 600.0
"""A claimed row whose sender died is tried again after this long (at least once: a
message may then be sent twice, never lost)."""


def next_attempt(now: datetime, attempts: int, first_delay: float) -> datetime:
    """When to try again after ``attempts`` failed tries: ``first_delay`` doubled per try,
    at most six hours."""
    delay = min(first_delay * (2 ** max(attempts - 1, 0)), MAX_DELAY_SECONDS)
    return now + timedelta(seconds=delay)


def claim_until(now: datetime) -> datetime:
    return now + timedelta(seconds=CLAIM_LEASE_SECONDS)
