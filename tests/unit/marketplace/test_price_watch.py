"""Price watches: once per crossing, re-armed above the target, only the run's changed
products, one watch per user and product (`marketplace.price_watch`)."""

from __future__ import annotations

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select, update

from catalog.events import OfferHistoryRecorded, deliver_committed
from catalog.models import Offer, OfferHistory
from catalog.settings import Settings
from marketplace import price_alerts, price_watch
from marketplace.errors import InvalidInput, NotAllowed, NotFound
from marketplace.models import Notification, OutgoingEmail, PriceWatch
from marketplace.tasks import wire
from tests.unit.marketplace.mp_support import NOW, Market

_RUNS = iter(range(1, 100_000))  # run ids (the history's run has no foreign key)


def _feed_run(market: Market, retailer: str, changes: dict[str, dict[str, object]]) -> int:
    """What a feed run does to the offers named in ``changes``: writes them and records
    their history (as `indexer.store` does), then delivers ``OfferHistoryRecorded``."""
    run_id = next(_RUNS)
    with market.factory() as s:
        for name, values in changes.items():
            oid = market.offers[name]
            s.execute(update(Offer).where(Offer.id == oid).values(**values))
            o = s.get(Offer, oid)
            assert o is not None
            s.refresh(o)
            s.add(
                OfferHistory(
                    offer_id=oid,
                    feed_run_id=run_id,
                    changed_at=NOW + timedelta(minutes=run_id),
                    price=o.price,
                    currency=o.currency,
                    stock_status=o.stock_status,
                    buyable=o.stock_status in ("in_stock", "limited"),
                    withdrawn=o.withdrawn_at is not None,
                )
            )
        s.commit()
    event = OfferHistoryRecorded(
        retailer_id=market.retailers[retailer], run_id=run_id, count=len(changes)
    )
    deliver_committed(market.factory, [event])
    return run_id


def _watch(market: Market, user: str = "clinic", **opts: object) -> int:
    args: dict[str, object] = {"target_price": None, "back_in_stock": False, "retailer_slug": None}
    args.update(opts)
    with market.factory() as s:
        w = price_watch.watch(s, market.user(s, user), market.products["glove"], now=NOW, **args)  # type: ignore[arg-type]
        s.commit()
        return w.id


def _alerts(market: Market, user: str = "clinic") -> list[str]:
    with market.factory() as s:
        rows = s.scalars(
            select(Notification)
            .where(Notification.user_id == market.users[user], Notification.kind == "price_alert")
            .order_by(Notification.id)
        )
        return [n.values["reason"] for n in rows]


def _wire(market: Market) -> None:
    wire(Settings(environment="test", broker_url="", smtp_host=""), market.factory)


def test_a_price_below_the_target_fires_once_per_crossing(market: Market) -> None:
    _wire(market)
    _watch(market, target_price=Decimal("70.00"))  # lowest now 79 (nord)
    _feed_run(market, "nord", {"glove_nord": {"price": Decimal("69.00")}})
    assert _alerts(market) == ["below"]
    _feed_run(market, "nord", {"glove_nord": {"price": Decimal("65.00")}})  # still below
    assert _alerts(market) == ["below"]
    _feed_run(market, "nord", {"glove_nord": {"price": Decimal("75.00")}})  # above: re-armed
    assert _alerts(market) == ["below"]
    _feed_run(market, "nord", {"glove_nord": {"price": Decimal("60.00")}})  # a new crossing
    assert _alerts(market) == ["below", "below"]
    with market.factory() as s:
        mails = s.scalars(select(OutgoingEmail.template)).all()
    assert mails == ["notify_price_alert", "notify_price_alert"]


def test_the_same_run_delivered_twice_tells_once(market: Market) -> None:
    _wire(market)
    _watch(market, target_price=Decimal("70.00"))
    run = _feed_run(market, "nord", {"glove_nord": {"price": Decimal("69.00")}})
    event = OfferHistoryRecorded(retailer_id=market.retailers["nord"], run_id=run, count=1)
    deliver_committed(market.factory, [event])
    assert _alerts(market) == ["below"]


def test_back_in_stock_and_a_preferred_retailer(market: Market) -> None:
    _wire(market)
    _feed_run(
        market,
        "nord",
        {"glove_nord": {"stock_status": "out_of_stock"}},
    )
    _feed_run(market, "tand", {"glove_tand": {"stock_status": "out_of_stock", "withdrawn_at": NOW}})
    _watch(market, back_in_stock=True, retailer_slug="tandab")
    assert _alerts(market) == []
    _feed_run(market, "nord", {"glove_nord": {"stock_status": "in_stock"}})
    assert _alerts(market) == ["in_stock"]
    _feed_run(market, "tand", {"glove_tand": {"withdrawn_at": None, "stock_status": "in_stock"}})
    assert _alerts(market) == ["in_stock", "listed"]


def test_other_runs_and_other_products_evaluate_nothing(market: Market) -> None:
    _wire(market)
    _watch(market, target_price=Decimal("500.00"))  # glove: already below, no alert now
    _feed_run(market, "tand", {"comp_tand": {"price": Decimal("1.00")}})  # another product
    assert _alerts(market) == []
    with market.factory() as s:
        assert price_alerts.changed_products(s, 999) == set()


def test_watching_is_for_clinic_users_and_validated(market: Market) -> None:
    with market.factory() as s:
        with pytest.raises(NotAllowed):
            price_watch.watch(
                s, market.user(s, "tand_staff"), market.products["glove"],
                target_price=Decimal("1"), back_in_stock=False, retailer_slug=None, now=NOW,
            )  # fmt: skip
        with pytest.raises(NotFound):
            price_watch.watch(
                s, market.user(s, "clinic"), 99999,
                target_price=Decimal("1"), back_in_stock=False, retailer_slug=None, now=NOW,
            )  # fmt: skip
        with pytest.raises(NotFound):
            price_watch.watch(
                s, market.user(s, "clinic"), market.products["glove"],
                target_price=None, back_in_stock=False, retailer_slug="ingen", now=NOW,
            )  # fmt: skip
        with pytest.raises(InvalidInput):
            price_watch.watch(
                s, market.user(s, "clinic"), market.products["glove"],
                target_price=None, back_in_stock=False, retailer_slug=None, now=NOW,
            )  # fmt: skip
    assert price_watch.parse_target("1 234,50") == Decimal("1234.50")
    assert price_watch.parse_target("") is None
    for bad in ("abc", "0", "-5", "1e30", "NaN"):
        with pytest.raises(InvalidInput):
            price_watch.parse_target(bad)


def test_watching_again_changes_the_one_watch_and_unwatch(market: Market) -> None:
    first = _watch(market, target_price=Decimal("70.00"))
    second = _watch(market, back_in_stock=True)
    assert first == second
    with market.factory() as s:
        (view,) = price_watch.watches_of(s, market.user(s, "clinic")).items
        assert view.watch.target_price is None and view.watch.back_in_stock
        assert view.lowest == Decimal("79.00")
        assert price_watch.unwatch(s, market.user(s, "clinic"), market.products["glove"])
        assert not price_watch.unwatch(s, market.user(s, "clinic"), market.products["glove"])
        s.commit()
        assert price_watch.watches_of(s, market.user(s, "clinic")).count == 0


def test_two_identical_watch_requests_at_once_make_one_watch(market: Market) -> None:
    barrier = threading.Barrier(2)
    errors: list[Exception] = []

    def go() -> None:
        try:
            barrier.wait()
            _watch(market, target_price=Decimal("70.00"))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=go) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with market.factory() as s:
        assert s.scalar(select(func.count()).select_from(PriceWatch)) == 1


def test_a_user_keeps_a_bounded_number_of_watches(
    market: Market, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(price_watch, "MAX_WATCHES", 1)
    _watch(market, back_in_stock=True)
    _watch(market, target_price=Decimal("5"))  # the same product: its watch changes
    with market.factory() as s, pytest.raises(InvalidInput) as refused:
        price_watch.watch(
            s, market.user(s, "clinic"), market.products["composite"],
            target_price=None, back_in_stock=True, retailer_slug=None, now=NOW,
        )  # fmt: skip
    assert refused.value.code == "watch_limit"
