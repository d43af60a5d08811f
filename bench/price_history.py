"""Price history figures for ``bench/ingest.py`` (issue 17): the alert evaluation after a
feed run, and the measured size of two years of history.

* `alert_evaluation`: ``watches`` price watches (half on the products the run changed, half
  anywhere), each with a target price, some with "back in stock"; times what the feed run's
  ``OfferHistoryRecorded`` subscriber does (``marketplace.price_alerts.on_history``): find the
  run's changed products, evaluate their watches, notify the crossings (in-app and the
  e-mail outbox).
* `history_size`: writes ``rows`` history rows the way ingest does into a scratch SQLite
  database (and, given a URL, a PostgreSQL one) and measures the table and its indexes
  (``dbstat`` / ``pg_total_relation_size``): bytes per row, then two years of daily changes
  of 1M offers at 1% changed per day (the re-upload's rate) and at every offer every day.
"""

from __future__ import annotations

import random
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Column,
    Index,
    MetaData,
    Table,
    create_engine,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.orm import Session, sessionmaker

from catalog.db import transaction
from catalog.events import OfferHistoryRecorded
from catalog.models import Offer, OfferHistory, User
from marketplace import price_alerts
from marketplace.models import Notification, OutgoingEmail, PriceWatch
from marketplace.price_history import current_states

DAYS_2Y = 730
OFFERS = 1_000_000


@dataclass(frozen=True, slots=True)
class AlertFigure:
    watches: int
    changed_products: int
    watched_changed: int
    seconds: float
    alerts: int
    emails: int


def add_watches(
    factory: sessionmaker[Session], run_id: int, watches: int, *, users: int = 1000, seed: int = 5
) -> int:
    """``watches`` watches over ``users`` clinic users: half on the run's changed products,
    the rest on random products; their states as the products stand now (before the run's
    changes are evaluated). Returns how many of them watch a changed product."""
    rng = random.Random(seed)
    with transaction(factory) as s:
        changed = sorted(price_alerts.changed_products(s, run_id))
        every = [int(p) for p in s.scalars(select(Offer.product_id).distinct()) if p is not None]
        s.execute(
            insert(User),
            [
                {
                    "email": f"bench{i}@klinik.se",
                    "name": f"Klinik {i}",
                    "role": "clinic",
                    "password_hash": "x",
                    "active": True,
                }
                for i in range(users)
            ],
        )
        ids = list(s.scalars(select(User.id).where(User.email.like("bench%@klinik.se"))))
        pairs: set[tuple[int, int]] = set()
        on_changed = min(watches // 2, len(changed) * len(ids))
        while len(pairs) < on_changed:
            pairs.add((rng.choice(ids), rng.choice(changed)))
        while len(pairs) < watches:
            pairs.add((rng.choice(ids), rng.choice(every)))
        now = datetime.now(UTC)
        rows: list[dict[str, Any]] = []
        for uid, pid in sorted(pairs):
            rows.append(
                {
                    "user_id": uid,
                    "product_id": pid,
                    # below the run's 1 111,11 kr for some, above for others
                    "target_price": Decimal(rng.randrange(500, 20_000)),
                    "back_in_stock": rng.random() < 0.3,
                    "retailer_id": None,
                    "below": False,
                    "in_stock": False,
                    "listed": False,
                    "created_at": now,
                    "updated_at": now,
                }
            )
        table = PriceWatch.__table__
        assert isinstance(table, Table)
        for i in range(0, len(rows), 5000):
            s.execute(insert(table), rows[i : i + 5000])
    # the stock states as they stand (a product already buyable is not "back in stock");
    # "below" starts unfired: each watch whose target is above its product's new lowest
    # price fires, a burst larger than a feed run makes in practice
    with factory() as s:
        states = current_states(s, {pid for _uid, pid in pairs})
        buyable = [pid for pid, st in states.items() if st.buyable]
        for i in range(0, len(buyable), 900):
            s.execute(
                update(PriceWatch)
                .where(PriceWatch.product_id.in_(buyable[i : i + 900]))
                .values(in_stock=True)
            )
        s.commit()
    changed_set = set(changed)
    return sum(1 for _uid, pid in pairs if pid in changed_set)


def alert_evaluation(
    factory: sessionmaker[Session], retailer_id: int, run_id: int, watches: int
) -> AlertFigure:
    """Add ``watches`` watches, then time the run's alert evaluation."""
    watched_changed = add_watches(factory, run_id, watches)
    with factory() as s:
        changed = len(price_alerts.changed_products(s, run_id))
    event = OfferHistoryRecorded(retailer_id=retailer_id, run_id=run_id, count=0)
    t = time.perf_counter()
    told = price_alerts.on_history(factory, event)
    seconds = time.perf_counter() - t
    with factory() as s:
        emails = len(
            s.scalars(
                select(OutgoingEmail.id).where(OutgoingEmail.template == "notify_price_alert")
            ).all()
        )
        alerts = len(
            s.scalars(select(Notification.id).where(Notification.kind == "price_alert")).all()
        )
    assert alerts == told
    return AlertFigure(watches, changed, watched_changed, seconds, told, emails)


@dataclass(frozen=True, slots=True)
class SizeFigure:
    database: str
    rows: int
    bytes_per_row: float

    def two_years(self, changed_share: float) -> float:
        """GB for two years of daily changes of 1M offers, ``changed_share`` of them a day."""
        return self.bytes_per_row * OFFERS * changed_share * DAYS_2Y / 1e9


def _rows(rows: int, seed: int = 11) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    start = datetime(2025, 1, 1, 3, tzinfo=UTC)
    per_day = max(1, rows // DAYS_2Y)
    out = []
    for i in range(rows):
        out.append(
            {
                "offer_id": rng.randrange(1, OFFERS),
                "feed_run_id": 1 + i // per_day,
                "changed_at": start + timedelta(days=i // per_day, seconds=i % per_day),
                "price": Decimal(rng.randrange(2000, 2_000_000)) / 100,
                "currency": "SEK",
                "stock_status": rng.choice(("in_stock", "limited", "out_of_stock", "backorder")),
                "buyable": rng.random() < 0.8,
                "withdrawn": rng.random() < 0.01,
            }
        )
    return out


def _scratch_table() -> Table:
    """``offer_history`` with its columns and indexes as the model declares them, without
    its key to ``offer`` (the scratch database has no offers)."""
    model = OfferHistory.__table__
    assert isinstance(model, Table)
    meta = MetaData()
    columns = [
        Column(c.name, c.type, primary_key=c.primary_key, nullable=c.nullable)
        for c in model.columns
    ]
    table = Table(model.name, meta, *columns)
    for index in model.indexes:
        Index(index.name, *[table.c[c.name] for c in index.columns])
    return table


def _fill(engine: Any, rows: int) -> None:
    table = _scratch_table()
    table.drop(engine, checkfirst=True)  # in the engine's scratch schema
    table.metadata.create_all(engine)
    batch = 20_000
    for i in range(0, rows, batch):
        with engine.begin() as conn:
            conn.execute(insert(table), _rows(min(batch, rows - i), seed=i))


def sqlite_size(rows: int) -> SizeFigure:
    """Bytes per history row (table and indexes) in SQLite, measured with ``dbstat``."""
    with tempfile.TemporaryDirectory(prefix="valbar-history-") as tmp:
        engine = create_engine(f"sqlite:///{Path(tmp) / 'h.sqlite3'}")
        _fill(engine, rows)
        with engine.connect() as conn:
            total = conn.execute(
                text(
                    "SELECT SUM(pgsize) FROM dbstat WHERE name IN "
                    "('offer_history', 'ix_offer_history_offer_at', 'ix_offer_history_run')"
                )
            ).scalar_one()
        engine.dispose()
    return SizeFigure("SQLite", rows, float(total) / rows)


def postgres_size(url: str, rows: int) -> SizeFigure:
    """Bytes per history row (table, indexes, TOAST) in PostgreSQL, in a scratch schema."""
    engine = create_engine(url)
    schema = "valbar_bench_history"
    with engine.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    scoped = engine.execution_options(schema_translate_map={None: schema})
    _fill(scoped, rows)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f"VACUUM ANALYZE {schema}.offer_history"))  # no transaction block
    with engine.connect() as conn:
        total = conn.execute(
            text(f"SELECT pg_total_relation_size('{schema}.offer_history')")
        ).scalar_one()
    with engine.begin() as conn:
        conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    engine.dispose()
    return SizeFigure("PostgreSQL", rows, float(total) / rows)
