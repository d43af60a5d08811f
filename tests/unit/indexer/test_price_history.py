"""Price and stock history at ingest (`indexer.price_history`): one row per change, in the
run's transaction; nothing for an unchanged re-upload; retention prune keeps each offer's
state at the cutoff."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from catalog.models import Offer, OfferHistory
from catalog.settings import Settings
from indexer import price_history
from indexer.pipeline import FeedOptions, run_feed, submit_feed
from tests.factories import SWEDISH_HEADER, add_retailer, migrated_factory, write_csv

Env = tuple[Settings, sessionmaker[Session]]


@pytest.fixture()
def env(tmp_path: Path) -> Env:
    settings = Settings(data_dir=tmp_path / "var", database_url="", environment="test")
    factory = migrated_factory(settings.sqlalchemy_url)
    add_retailer(factory)
    return settings, factory


def _feed(path: Path, rows: dict[str, tuple[str, str]]) -> Path:
    """SKU -> (price, stock) as a Swedish CSV."""
    out = [SWEDISH_HEADER]
    for sku, (price, stock) in rows.items():
        out.append([sku, f"Nitrilhandske {sku}", price, stock, "", "Acme"])
    return write_csv(path, out)


def _run(env: Env, path: Path, **opts: object) -> int:
    settings, factory = env
    run_id = submit_feed(factory, settings, path, "tandab", FeedOptions(**opts))  # type: ignore[arg-type]
    run_feed(factory, settings, run_id)
    return run_id


def _history(env: Env) -> list[tuple[str, int | None, Decimal | None, str, bool, bool]]:
    with env[1]() as s:
        rows = s.execute(
            select(Offer.sku, OfferHistory)
            .join(Offer, Offer.id == OfferHistory.offer_id)
            .order_by(OfferHistory.id)
        ).all()
        return [
            (sku, h.feed_run_id, h.price, h.stock_status, h.buyable, h.withdrawn) for sku, h in rows
        ]


def test_one_row_per_change_not_per_run(env: Env, tmp_path: Path) -> None:
    first = _run(
        env, _feed(tmp_path / "a.csv", {"A": ("100,00", "I lager"), "B": ("50", "I lager")})
    )
    assert _history(env) == [  # first sightings
        ("A", first, Decimal("100.00"), "in_stock", True, False),
        ("B", first, Decimal("50.00"), "in_stock", True, False),
    ]
    _run(env, _feed(tmp_path / "b.csv", {"A": ("100,00", "I lager"), "B": ("50", "I lager")}))
    assert len(_history(env)) == 2  # an unchanged re-upload writes no rows
    third = _run(env, _feed(tmp_path / "c.csv", {"A": ("90,00", "I lager"), "B": ("50", "Slut")}))
    assert _history(env)[2:] == [
        ("A", third, Decimal("90.00"), "in_stock", True, False),
        ("B", third, Decimal("50.00"), "out_of_stock", False, False),
    ]
    fourth = _run(env, _feed(tmp_path / "d.csv", {"A": ("90,00", "I lager")}))
    assert _history(env)[4:] == [("B", fourth, Decimal("50.00"), "out_of_stock", False, True)]
    fifth = _run(
        env, _feed(tmp_path / "e.csv", {"A": ("90,00", "I lager"), "B": ("45", "I lager")})
    )
    assert _history(env)[5:] == [("B", fifth, Decimal("45.00"), "in_stock", True, False)]


def test_a_change_of_other_fields_records_nothing(env: Env, tmp_path: Path) -> None:
    _run(env, _feed(tmp_path / "a.csv", {"A": ("100,00", "I lager")}))
    path = write_csv(
        tmp_path / "b.csv",
        [SWEDISH_HEADER, ["A", "Nitrilhandske A nytt namn", "100,00", "I lager", "", "Acme"]],
    )
    _run(env, path)
    assert len(_history(env)) == 1


def test_recording_can_be_switched_off_for_the_bench(env: Env, tmp_path: Path) -> None:
    settings, factory = env
    off = settings.model_copy(update={"price_history_enabled": False})
    run_id = submit_feed(
        factory, off, _feed(tmp_path / "a.csv", {"A": ("1", "I lager")}), "tandab", FeedOptions()
    )
    run_feed(factory, off, run_id)
    assert _history(env) == []


def test_differs_is_about_price_currency_stock_and_buyability() -> None:
    from catalog.enums import StockStatus
    from indexer.records import OfferRecord

    rec = OfferRecord(
        row=2, sku="A", name="x", price=Decimal("10"), currency="SEK",
        stock_status=StockStatus.BACKORDER, delivery_days=5,
    )  # fmt: skip
    assert not price_history.differs(Decimal("10"), "SEK", "backorder", 3, rec)
    assert price_history.differs(Decimal("10"), "SEK", "backorder", None, rec)  # now buyable
    assert price_history.differs(Decimal("11"), "SEK", "backorder", 5, rec)
    assert price_history.differs(Decimal("10"), "EUR", "backorder", 5, rec)
    assert price_history.differs(Decimal("10"), "SEK", "in_stock", 5, rec)


def test_prune_keeps_each_offer_s_state_at_the_cutoff(env: Env, tmp_path: Path) -> None:
    _settings, factory = env
    _run(env, _feed(tmp_path / "a.csv", {"A": ("100", "I lager"), "B": ("50", "I lager")}))
    now = datetime(2029, 1, 1, tzinfo=UTC)
    old = now - timedelta(days=800)
    with factory() as s:
        a, b = s.scalars(select(Offer.id).order_by(Offer.sku)).all()
        s.query(OfferHistory).delete()
        for oid, days, price in [(a, 800, 1), (a, 790, 2), (a, 10, 3), (b, 795, 4)]:
            s.add(OfferHistory(
                offer_id=oid, feed_run_id=None, changed_at=now - timedelta(days=days),
                price=Decimal(price), currency="SEK", stock_status="in_stock", buyable=True,
                withdrawn=False,
            ))  # fmt: skip
        s.commit()
        assert old < now
        deleted = price_history.prune(s, now, 760, batch=1)
        assert deleted == 1  # A's oldest: superseded before the cutoff
        left = s.execute(
            select(OfferHistory.offer_id, OfferHistory.price).order_by(OfferHistory.id)
        )
        assert [(o, p) for o, p in left] == [(a, Decimal(2)), (a, Decimal(3)), (b, Decimal(4))]
        assert price_history.prune(s, now, 760) == 0  # idempotent


def test_retention_is_at_least_two_years() -> None:
    assert Settings(environment="test").price_history_retention_days >= 730
    with pytest.raises(ValidationError):
        Settings(environment="test", price_history_retention_days=365)
