"""Points from the marketplace's events: paid on delivery to the seller who handled the
order, never twice for a replayed event, clawed back (never deleted) on a refund RMA."""

from __future__ import annotations

from sqlalchemy import func, select

from catalog.db import transaction
from catalog.events import EventBus, OrderDelivered, attach
from loyalty import subscribers
from loyalty.enums import EntryKind
from loyalty.ledger import verify
from loyalty.models import Entry
from marketplace import cart, orders, rma
from tests.unit.loyalty.loyalty_support import TODAY, seed_loyalty
from tests.unit.marketplace.mp_support import NOW, Market


def _wired(market: Market) -> EventBus:
    bus = EventBus()
    attach(market.factory, bus)
    subscribers.wire(market.factory, clock=lambda: NOW)
    return bus


def _delivered_order(market: Market, *, handler: str = "tand_staff") -> tuple[int, list[int]]:
    """Clinic buys 2 gloves (99 kr) and 1 composite (450 kr) at tandab, delivered."""
    with market.factory() as s:
        clinic = market.user(s, "clinic")
        cart.add_item(s, clinic, market.offers["glove_tand"], 2, now=NOW)
        cart.add_item(s, clinic, market.offers["comp_tand"], 1, now=NOW)
        (order,) = orders.checkout(s, clinic, now=NOW)
        s.commit()
        staff = market.user(s, handler)
        orders.confirm(s, staff, order.id, TODAY, now=NOW)
        s.commit()
        orders.ship(s, staff, order.id, now=NOW)
        s.commit()
        orders.deliver(s, market.user(s, "clinic"), order.id, now=NOW)
        s.commit()
        return order.id, [line.id for line in order.lines]


def test_a_delivered_order_pays_the_seller_who_handled_it(market: Market) -> None:
    loyal = seed_loyalty(market)  # 2 points per krona
    bus = _wired(market)
    _delivered_order(market)
    assert bus.failures == 0
    with transaction(market.factory) as s:
        assert loyal.balance(s, loyal.seller_key(s)) == 2 * (2 * 99 + 450)
        assert loyal.balance(s, loyal.member_key) == 0
        assert loyal.balance(s, loyal.sponsor_key) == -1296
        kinds = set(s.scalars(select(Entry.kind)))
        assert kinds == {EntryKind.SALE.value}
        assert verify(s).ok


def test_a_replayed_delivery_pays_nothing_more(market: Market) -> None:
    loyal = seed_loyalty(market)
    bus = _wired(market)
    order_id, _lines = _delivered_order(market)
    event = OrderDelivered(order_id=order_id, retailer_id=market.retailers["tand"], clinic_id=None)
    bus.deliver([event])
    bus.deliver([event])
    with transaction(market.factory) as s:
        assert s.scalar(select(func.count()).select_from(Entry)) == 2  # one per line
        assert loyal.balance(s, loyal.seller_key(s)) == 1296
        assert verify(s).ok


def test_an_order_handled_by_a_non_participant_pays_the_member(market: Market) -> None:
    loyal = seed_loyalty(market)
    _wired(market)
    with transaction(market.factory) as s:
        # the representative never accepted participant terms: not a participant
        from catalog.models import User

        rep = s.get(User, loyal.rep_id)
        assert rep is not None
        market.users["rep"] = rep.id
    _delivered_order(market, handler="rep")
    with transaction(market.factory) as s:
        assert loyal.balance(s, loyal.member_key) == 1296
        assert loyal.balance(s, loyal.seller_key(s)) == 0


def test_a_refund_rma_claws_back_that_line_once(market: Market) -> None:
    loyal = seed_loyalty(market)
    bus = _wired(market)
    order_id, (glove_line, _comp_line) = _delivered_order(market)
    with market.factory() as s:
        case = rma.request_rma(s, market.user(s, "clinic"), glove_line, "Trasig", now=NOW)
        s.commit()
        rma.decide(s, market.user(s, "tand_staff"), case.id, accept=True, now=NOW)
        s.commit()
        rma.resolve(s, market.user(s, "tand_staff"), case.id, "refund", now=NOW)
        s.commit()
    assert bus.failures == 0
    with transaction(market.factory) as s:
        assert loyal.balance(s, loyal.seller_key(s)) == 1296 - 2 * 2 * 99
        clawbacks = s.scalars(select(Entry).where(Entry.kind == EntryKind.CLAWBACK.value)).all()
        assert [(c.order_line_id, c.points) for c in clawbacks] == [(glove_line, 396)]
        sale = s.scalar(
            select(Entry).where(
                Entry.kind == EntryKind.SALE.value, Entry.order_line_id == glove_line
            )
        )
        assert sale is not None and clawbacks[0].reverses_entry_id == sale.id  # kept, reversed
        assert verify(s).ok
    # the same refund once more (a replayed event) claws back nothing more
    from loyalty.earning import reverse_lines

    with transaction(market.factory) as s:
        outcome = reverse_lines(s, order_id, [glove_line], "replay", now=NOW)
        assert (outcome.credited, outcome.replayed) == (0, 1)


def test_a_replacement_rma_keeps_the_points(market: Market) -> None:
    loyal = seed_loyalty(market)
    _wired(market)
    _order_id, (glove_line, _comp) = _delivered_order(market)
    with market.factory() as s:
        case = rma.request_rma(s, market.user(s, "clinic"), glove_line, "Fel storlek", now=NOW)
        s.commit()
        rma.decide(s, market.user(s, "tand_staff"), case.id, accept=True, now=NOW)
        rma.resolve(s, market.user(s, "tand_staff"), case.id, "replacement", now=NOW)
        s.commit()
    with transaction(market.factory) as s:
        assert loyal.balance(s, loyal.seller_key(s)) == 1296


def test_a_retailer_outside_every_programme_earns_nothing(market: Market) -> None:
    _wired(market)  # no programme, no membership
    _delivered_order(market)
    with transaction(market.factory) as s:
        assert s.scalar(select(func.count()).select_from(Entry)) == 0
