"""The domain events of feed runs (`catalog.events`): how a run ended, and repriced offers.

Published in the transaction that records the run's end, so a subscriber (a notification to
the retailer, an alert to an admin) hears of a run once, and only of an end that committed.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.enums import FeedRunStatus
from catalog.events import (
    FeedRunCancelled,
    FeedRunEnded,
    FeedRunFailed,
    FeedRunFinished,
    FeedRunRefused,
    OfferHistoryRecorded,
    OfferPricesChanged,
    publish,
)
from catalog.models import FeedRun

_BY_STATUS: dict[str, type[FeedRunEnded]] = {
    FeedRunStatus.SUCCEEDED.value: FeedRunFinished,
    FeedRunStatus.FAILED.value: FeedRunFailed,
    FeedRunStatus.REJECTED.value: FeedRunRefused,
    FeedRunStatus.CANCELLED.value: FeedRunCancelled,
}


def publish_run_end(session: Session, run_id: int) -> None:
    """Publish how run ``run_id`` ended, as the session sees it now (nothing if it has not)."""
    session.flush()
    row = session.execute(
        select(
            FeedRun.retailer_id,
            FeedRun.status,
            FeedRun.message,
            FeedRun.message_code,
            FeedRun.message_values,
        ).where(FeedRun.id == run_id)
    ).one_or_none()
    if row is None or (kind := _BY_STATUS.get(row.status)) is None:
        return
    publish(session, kind(run_id=run_id, retailer_id=row.retailer_id, status=row.status,
                          message=row.message, message_code=row.message_code,
                          message_values=row.message_values))  # fmt: skip


def publish_repriced(session: Session, retailer_id: int, run_id: int, count: int) -> None:
    if count:
        publish(session, OfferPricesChanged(retailer_id=retailer_id, run_id=run_id, count=count))


def publish_history(session: Session, retailer_id: int, run_id: int, count: int) -> None:
    """The run recorded ``count`` changes of price or stock (``OfferHistoryRecorded``)."""
    if count:
        publish(session, OfferHistoryRecorded(retailer_id=retailer_id, run_id=run_id, count=count))
