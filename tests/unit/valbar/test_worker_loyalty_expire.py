"""With a broker, loyalty's expiry runs hourly from the Celery beat schedule as the
``valbar.loyalty_expire`` task (the same job ``valbar loyalty expire`` and the in-process
housekeeping run)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from catalog.db import transaction
from catalog.settings import get_settings
from indexer.jobs import celery_app, factory_for
from loyalty import programmes
from loyalty.enums import AccountKind, EntryKind
from loyalty.ledger import ensure_account, transfer
from loyalty.models import Account
from marketplace.dates import utc_now
from valbar.worker_wiring import loyalty_expire


def test_the_task_is_scheduled_hourly_and_expires_once(settings_env: Path) -> None:
    entry = celery_app.conf.beat_schedule["valbar.loyalty_expire"]
    assert entry == {"task": "valbar.loyalty_expire", "schedule": 3600.0}
    factory = factory_for(get_settings())
    with transaction(factory) as s:
        programme = programmes.create_programme(
            s,
            None,
            name="K",
            sponsor_name="S",
            points_per_krona=1,
            point_value_ore=1,
            expiry_months=1,
            now=utc_now(),
        )
        holder = Account(key="p:member:t", programme_id=programme.id, kind="member", balance=0)
        s.add(holder)
        s.flush()
        transfer(
            s,
            programme_id=programme.id,
            source_id=ensure_account(s, programme.id, AccountKind.SPONSOR).id,
            destination_id=holder.id,
            points=7,
            kind=EntryKind.ADJUSTMENT.value,
            reason="test",
            idempotency_key="old",
            now=utc_now() - timedelta(days=70),
        )
    assert loyalty_expire() == {"expired_accounts": 1, "reminders": 0}
    assert loyalty_expire() == {"expired_accounts": 0, "reminders": 0}
