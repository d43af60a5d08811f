"""What the marketplace does when its events commit (`catalog.events`).

A retailer's measured signals (delivery precision, stock accuracy, RMA share, reviews) are
recomputed once per commit that changed one of its orders, RMAs or published reviews: in
process without a broker, else as the ``valbar.recompute_signals`` task. Publishers (the
order, RMA and review functions) know nothing of this; ``marketplace.tasks.wire`` subscribes
it at start-up.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from catalog.events import (
    DomainEvent,
    EventBus,
    OrderEvent,
    OrderPlaced,
    ReviewPublished,
    ReviewRemoved,
    RmaEvent,
)

SignalsChanged = Callable[[set[int]], None]


def retailers_with_new_signals(events: Iterable[DomainEvent]) -> set[int]:
    """The retailers whose measured signals the events change. Pure."""
    out: set[int | None] = set()
    for ev in events:
        if isinstance(ev, OrderEvent):
            if not isinstance(ev, OrderPlaced):  # placing an order measures nothing yet
                out.add(ev.retailer_id)
        elif isinstance(ev, RmaEvent | ReviewPublished | ReviewRemoved):
            out.add(ev.retailer_id)
    return {rid for rid in out if rid is not None}


def on_signals_changed(bus: EventBus, react: SignalsChanged) -> None:
    """Call ``react(retailer_ids)`` once per commit whose events change signals."""

    def per_commit(events: list[DomainEvent]) -> None:
        if ids := retailers_with_new_signals(events):
            react(ids)

    bus.subscribe_commit(per_commit)
