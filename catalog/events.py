"""Domain events: facts a layer publishes in its transaction, delivered once it commits.

Whoever makes something happen publishes what happened; whoever needs to react subscribes
(measured signals after an order is delivered, a notification when a feed run fails, loyalty
points when a review is published), and neither imports the other:

    bus = EventBus()
    bus.subscribe(OrderDelivered, lambda e: recompute(e.retailer_id))
    attach(factory, bus)                     # at start-up: sessions of `factory` deliver to bus
    with transaction(factory) as session:
        ...
        publish(session, OrderDelivered(order_id=7, retailer_id=3, clinic_id=1))
    # delivered here, after the commit; nothing is delivered if the transaction rolls back

Events published inside a savepoint that rolls back are dropped with it. Each event is
delivered to every subscriber of its class (and of its base classes) exactly once, in the
order published; a subscriber that raises is logged and counted (`EventBus.failures`), and
the others still get the event. Subscribers run after the commit in the publishing thread
and open their own sessions. A session of a factory without a bus drops its events.

The event classes are plain frozen dataclasses of ids and values (no ORM objects), so a bus
can also hand them to a queue.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any, TypeVar

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction, sessionmaker

log = logging.getLogger(__name__)

BUS_KEY = "valbar.events.bus"
_PENDING = "valbar.events.pending"
_MARKS = "valbar.events.savepoints"
_ATTACH_LOCK = threading.Lock()


@dataclass(frozen=True, slots=True)
class DomainEvent:
    """Base of every event."""


# --- orders, RMAs, reviews (published by marketplace) ----------------------------------


@dataclass(frozen=True, slots=True)
class OrderEvent(DomainEvent):
    order_id: int
    retailer_id: int
    clinic_id: int | None  # None once the clinic's account was erased (GDPR)


@dataclass(frozen=True, slots=True)
class OrderPlaced(OrderEvent):
    pass


@dataclass(frozen=True, slots=True)
class OrderConfirmed(OrderEvent):
    by_user_id: int | None = None  # the retailer's member who confirmed it (loyalty's seller)


@dataclass(frozen=True, slots=True)
class OrderShipped(OrderEvent):
    by_user_id: int | None = None  # the retailer's member who shipped it (loyalty's seller)


@dataclass(frozen=True, slots=True)
class OrderDelivered(OrderEvent):
    pass


@dataclass(frozen=True, slots=True)
class OrderCancelled(OrderEvent):
    pass


@dataclass(frozen=True, slots=True)
class RmaEvent(DomainEvent):
    rma_id: int
    order_id: int
    retailer_id: int


@dataclass(frozen=True, slots=True)
class RmaOpened(RmaEvent):
    pass


@dataclass(frozen=True, slots=True)
class RmaDecided(RmaEvent):
    accepted: bool  # a rejection is final


@dataclass(frozen=True, slots=True)
class RmaResolved(RmaEvent):
    outcome: str


@dataclass(frozen=True, slots=True)
class ReviewEvent(DomainEvent):
    review_id: int
    retailer_id: int | None


@dataclass(frozen=True, slots=True)
class ReviewSubmitted(ReviewEvent):
    pass


@dataclass(frozen=True, slots=True)
class ReviewHeld(ReviewEvent):
    pass


@dataclass(frozen=True, slots=True)
class ReviewPublished(ReviewEvent):
    pass


@dataclass(frozen=True, slots=True)
class ReviewRemoved(ReviewEvent):
    """An admin removed it after an abuse report: no longer shown or counted."""


# --- feeds and offers (published by indexer) -------------------------------------------


@dataclass(frozen=True, slots=True)
class FeedRunEnded(DomainEvent):
    """How a feed run ended; ``message`` in English, with the code and values it is rendered
    from (``indexer.messages``; None for a run without a message or one without a code)."""

    run_id: int
    retailer_id: int
    status: str
    message: str | None
    message_code: str | None = None
    message_values: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class FeedRunFinished(FeedRunEnded):
    pass


@dataclass(frozen=True, slots=True)
class FeedRunFailed(FeedRunEnded):
    pass


@dataclass(frozen=True, slots=True)
class FeedRunRefused(FeedRunEnded):
    """Rejected: an unreadable file, missing columns, no usable rows, a mass withdrawal."""


@dataclass(frozen=True, slots=True)
class FeedRunCancelled(FeedRunEnded):
    pass


@dataclass(frozen=True, slots=True)
class FeedFetchFailed(DomainEvent):
    """A scheduled or requested fetch of a retailer's feed URL failed (issue 19): the
    retailer is told once per streak of failures (``failing_since`` names the streak)."""

    source_id: int
    retailer_id: int
    url: str
    error: str
    failures: int
    failing_since: str
    next_fetch_at: str


@dataclass(frozen=True, slots=True)
class OfferPricesChanged(DomainEvent):
    """A feed run changed the price of ``count`` of the retailer's offers (those offers have
    ``last_feed_run_id == run_id``). One event per run, not per offer: a run may reprice two
    million offers, and an event is held in memory until its transaction commits."""

    retailer_id: int
    run_id: int
    count: int


@dataclass(frozen=True, slots=True)
class OfferHistoryRecorded(DomainEvent):
    """A feed run recorded ``count`` changes of price or stock status (``offer_history`` rows
    with ``feed_run_id == run_id``): first sightings, repricings, stock changes, withdrawals.
    Price alerts evaluate the watched products of exactly these offers (never a full scan)."""

    retailer_id: int
    run_id: int
    count: int


# --- organisations and members (published by marketplace) ------------------------------


@dataclass(frozen=True, slots=True)
class OrganisationEvent(DomainEvent):
    organisation_id: int


@dataclass(frozen=True, slots=True)
class SignupSubmitted(OrganisationEvent):
    """A retailer or clinic signed up and confirmed its e-mail: it waits for an admin."""


@dataclass(frozen=True, slots=True)
class OrganisationApproved(OrganisationEvent):
    pass


@dataclass(frozen=True, slots=True)
class OrganisationRefused(OrganisationEvent):
    """A sign-up an admin refused; the reason is on the organisation (``status_reason``)."""


@dataclass(frozen=True, slots=True)
class OrganisationSuspended(OrganisationEvent):
    pass


@dataclass(frozen=True, slots=True)
class OrganisationReactivated(OrganisationEvent):
    """An admin lifted a suspension: the organisation is active again."""


@dataclass(frozen=True, slots=True)
class MemberInvited(OrganisationEvent):
    invitation_id: int


@dataclass(frozen=True, slots=True)
class MemberJoined(OrganisationEvent):
    user_id: int


@dataclass(frozen=True, slots=True)
class MemberRemoved(OrganisationEvent):
    """Removed from the organisation: their sessions and API keys are revoked."""

    user_id: int


# --- loyalty (published by loyalty; marketplace's notification subscribers tell the user) --


@dataclass(frozen=True, slots=True)
class LoyaltyPointsExpiring(DomainEvent):
    """Points of a loyalty account expire soon: ``user_id`` (the seller, or the member's
    representative) is reminded once per ``ref``."""

    user_id: int
    programme_name: str
    points: int
    expires_by: str  # ISO date: these points have expired by then
    ref: str


@dataclass(frozen=True, slots=True)
class LoyaltyAwarded(DomainEvent):
    """ "Månadens säljare" (``kind`` seller: ``user_id`` the seller, None once erased) or
    "månadens butik" (``kind`` store) of a programme for ``period`` (``2026-12``)."""

    award_id: int
    programme_id: int
    programme_name: str
    period: str
    kind: str
    organisation_id: int
    user_id: int | None
    points_earned: int
    bonus_points: int


E = TypeVar("E", bound=DomainEvent)
Handler = Callable[[Any], None]
CommitHandler = Callable[[list[DomainEvent]], None]


class EventBus:
    """Subscribers by event class; `deliver` calls them (see the module docstring)."""

    def __init__(self) -> None:
        self._handlers: dict[type[DomainEvent], list[Handler]] = defaultdict(list)
        self._per_commit: list[CommitHandler] = []
        self._lock = threading.Lock()
        self.failures = 0
        self.names: set[str] = set()  # what `subscribe_once` registered

    def subscribe_once(self, name: str, register: Callable[[EventBus], None]) -> None:
        """Run ``register(self)`` unless a registration of that ``name`` already ran."""
        with self._lock:
            if name in self.names:
                return
            self.names.add(name)
        register(self)

    def subscribe_commit(self, handler: CommitHandler) -> None:
        """Call ``handler`` once per commit with all of its events (for subscribers that
        act once per transaction: recompute a retailer's signals once for ten orders)."""
        with self._lock:
            self._per_commit.append(handler)

    def subscribe(self, kind: type[E], handler: Callable[[E], None]) -> None:
        """Call ``handler`` with every delivered event of class ``kind`` or a subclass."""
        with self._lock:
            self._handlers[kind].append(handler)

    def commit_handlers(self) -> list[CommitHandler]:
        """The handlers called once per commit (:meth:`subscribe_commit`)."""
        with self._lock:
            return list(self._per_commit)

    def handlers_for(self, kind: type[DomainEvent]) -> list[Handler]:
        with self._lock:
            return [h for cls in kind.__mro__ for h in self._handlers.get(cls, ())]

    def deliver(self, events: list[DomainEvent]) -> None:
        for ev in events:
            for handler in self.handlers_for(type(ev)):
                self._call(handler, ev)
        with self._lock:
            per_commit = list(self._per_commit)
        for commit_handler in per_commit:
            self._call(commit_handler, list(events))

    def _call(self, handler: Callable[[Any], None], arg: object) -> None:
        try:
            handler(arg)
        except Exception:  # one subscriber's failure is not the publisher's
            self.failures += 1
            log.exception("event subscriber %r failed on %r", handler, arg)


def attach(factory: sessionmaker[Session], bus: EventBus) -> sessionmaker[Session]:
    """Sessions ``factory`` makes from now on deliver their committed events to ``bus``."""
    info = dict(factory.kw.get("info") or {})
    info[BUS_KEY] = bus
    factory.configure(info=info)
    return factory


def bus_for(factory: sessionmaker[Session]) -> EventBus:
    """The bus attached to ``factory``; a new one is attached when it has none."""
    with _ATTACH_LOCK:
        bus = (factory.kw.get("info") or {}).get(BUS_KEY)
        if isinstance(bus, EventBus):
            return bus
        bus = EventBus()
        attach(factory, bus)
        return bus


def deliver_committed(factory: sessionmaker[Session], events: list[DomainEvent]) -> None:
    """Deliver ``events`` that were committed elsewhere (by another process: a feed run's
    child) to the bus attached to ``factory``, if it has one."""
    bus = (factory.kw.get("info") or {}).get(BUS_KEY)
    if events and isinstance(bus, EventBus):
        bus.deliver(list(events))


def _event_classes(base: type[DomainEvent] = DomainEvent) -> dict[str, type[DomainEvent]]:
    """Every event class by name. (``dataclass(slots=True)`` replaces the class it decorates:
    the replaced one lingers among the subclasses; the one its module names is the class.)"""
    found: dict[str, type[DomainEvent]] = {}
    for cls in base.__subclasses__():
        module = sys.modules.get(cls.__module__)
        if getattr(module, cls.__qualname__, None) is cls:
            found[cls.__name__] = cls
            found.update(_event_classes(cls))
    return found


def event_to_json(ev: DomainEvent) -> dict[str, Any]:
    """``{"event": "FeedRunFinished", "run_id": 7, ...}``: an event as JSON-able data."""
    return {"event": type(ev).__name__, **{f.name: getattr(ev, f.name) for f in fields(ev)}}


def event_from_json(data: dict[str, Any]) -> DomainEvent:
    """The event :func:`event_to_json` described (``KeyError`` for an unknown class)."""
    values = dict(data)
    cls = _event_classes()[values.pop("event")]
    return cls(**values)


def bus_of(session: Session) -> EventBus | None:
    bus = session.info.get(BUS_KEY)
    return bus if isinstance(bus, EventBus) else None


def publish(session: Session, ev: DomainEvent) -> None:
    """Record ``ev`` in the session's current transaction (see the module docstring)."""
    if not session.in_transaction():
        session.begin()  # so that a rollback before any SQL still drops it
    session.info.setdefault(_PENDING, []).append(ev)


def pending(session: Session) -> list[DomainEvent]:
    """What the session's transaction has published so far (for tests and diagnostics)."""
    return list(session.info.get(_PENDING, ()))


@event.listens_for(Session, "after_transaction_create")
def _savepoint_started(session: Session, transaction: SessionTransaction) -> None:
    if transaction.nested:
        marks: dict[int, int] = session.info.setdefault(_MARKS, {})
        marks[id(transaction)] = len(session.info.get(_PENDING, ()))


@event.listens_for(Session, "after_soft_rollback")
def _rolled_back(session: Session, previous_transaction: SessionTransaction) -> None:
    marks: dict[int, int] = session.info.get(_MARKS, {})
    if previous_transaction.nested:
        mark = marks.pop(id(previous_transaction), None)
        if mark is not None and _PENDING in session.info:
            del session.info[_PENDING][mark:]
        return
    if previous_transaction.parent is None:  # the whole transaction: nothing happened
        session.info.pop(_PENDING, None)
        marks.clear()


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    if session.get_nested_transaction() is not None:
        return  # a savepoint released: its events wait for the outer commit
    events: list[DomainEvent] = session.info.pop(_PENDING, [])
    session.info.pop(_MARKS, None)
    bus = bus_of(session)
    if events and bus is not None:
        bus.deliver(events)
