"""The expiry of ``idempotency_record`` rows (the model is ``catalog.models.IdempotencyRecord``).

The records are written by the API's ``Idempotency-Key`` handling (``api.idempotency``); they
are deleted here, below the API, so the hourly housekeeping pass (``api.housekeeping``) and the
Celery beat task (``marketplace.tasks.expire_idempotency_keys``) share one function without the
marketplace importing the API.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.orm import Session

from catalog.db import rows_matched
from catalog.models import IdempotencyRecord
from marketplace.dates import as_utc


def expire_records(session: Session, now: datetime, ttl: timedelta) -> int:
    """Delete records older than ``ttl`` (run by the housekeeping pass); returns how many."""
    result = session.execute(
        delete(IdempotencyRecord).where(IdempotencyRecord.created_at < as_utc(now) - ttl)
    )
    return rows_matched(result)
