"""Signed webhooks: an organisation's manager or representative registers URLs that
receive the events it chooses as signed JSON POSTs.

An endpoint's URL is ``https://`` (``http://`` only to a loopback host, and only when the
``webhook_allow_loopback`` setting allows it: tests and local development); every address
its host resolves to must be public (no private, loopback, link-local or reserved range,
nor an IPv6 address embedding one: ``marketplace.public_address``),
checked when it is registered and again before each delivery, which connects to the
address that was checked (``marketplace.webhook_delivery``). The signing secret is shown
once, when the endpoint is made. Events are queued as deliveries in the transaction of the
subscriber that sees them (once per event and endpoint) and sent after its commit.
"""

from __future__ import annotations

import ipaddress
import secrets
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from catalog.enums import OrgRole
from catalog.events import (
    DomainEvent,
    EventBus,
    FeedRunFailed,
    FeedRunFinished,
    FeedRunRefused,
    OrderCancelled,
    OrderConfirmed,
    OrderDelivered,
    OrderEvent,
    OrderPlaced,
    OrderShipped,
    ReviewHeld,
    ReviewPublished,
    RmaDecided,
    RmaOpened,
    RmaResolved,
    event_to_json,
)
from catalog.models import Organisation, User
from marketplace.access import logged_in
from marketplace.dates import as_utc, utc_now
from marketplace.dispatch import mark_pending
from marketplace.errors import InvalidInput, NotAllowed, NotFound
from marketplace.models import Order, WebhookDelivery, WebhookEndpoint
from marketplace.public_address import is_public

EVENT_KINDS: dict[type[DomainEvent], str] = {
    OrderPlaced: "order.placed",
    OrderConfirmed: "order.confirmed",
    OrderShipped: "order.shipped",
    OrderDelivered: "order.delivered",
    OrderCancelled: "order.cancelled",
    RmaOpened: "rma.opened",
    RmaDecided: "rma.decided",
    RmaResolved: "rma.resolved",
    ReviewHeld: "review.held",
    ReviewPublished: "review.published",
    FeedRunFinished: "feed_run.finished",
    FeedRunFailed: "feed_run.failed",
    FeedRunRefused: "feed_run.refused",
}
KINDS = tuple(EVENT_KINDS.values())
PING = "ping"
MAX_ENDPOINTS = 10
MAX_URL = 500
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


def _fail(field: str, message: str, code: str) -> InvalidInput:
    return InvalidInput(f"{field}: {message}", code=code, field=field)


def resolve(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to (the URL check and the delivery use the same)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise _fail("url", f"the host {host!r} does not resolve", "webhook_unresolved") from exc
    return sorted({str(info[4][0]) for info in infos})


@dataclass(frozen=True, slots=True)
class Target:
    """A checked URL: where to connect (``address``) and what to ask for."""

    scheme: str
    host: str
    port: int
    path: str
    address: str


def check_url(
    url: str, *, allow_loopback: bool, resolver: Callable[[str, int], list[str]] = resolve
) -> Target:
    """The URL's target when it may receive webhooks, else :class:`InvalidInput` naming
    ``url`` (see the module docstring)."""
    url = url.strip()
    if not url or len(url) > MAX_URL:
        raise _fail("url", f"give an https:// URL of at most {MAX_URL} characters", "webhook_url")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise _fail("url", "not a valid URL", "webhook_url") from exc
    host = (parts.hostname or "").lower()
    if parts.username or parts.password:
        raise _fail("url", "must not contain a user name or password", "webhook_url")
    loopback = host in LOOPBACK_HOSTS
    if not host or parts.scheme not in ("https", "http"):
        raise _fail("url", "must start with https://", "webhook_https")
    if parts.scheme == "http" and not (loopback and allow_loopback):
        raise _fail("url", "must start with https://", "webhook_https")
    port = port or (443 if parts.scheme == "https" else 80)
    addresses = resolver(host, port)
    if not addresses:
        raise _fail("url", f"the host {host!r} does not resolve", "webhook_unresolved")
    for address in addresses:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
        if ip.is_loopback and loopback and allow_loopback:
            continue
        if not is_public(ip):
            raise _fail(
                "url", f"{host} resolves to a private or reserved address", "webhook_private"
            )
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return Target(parts.scheme, host, port, path, addresses[0])


def manager_organisation(user: User | None) -> int:
    """The organisation whose webhooks ``user`` manages (its representative or manager)."""
    me = logged_in(user)
    if (
        me.organisation_id is None
        or me.role not in ("retailer", "clinic")  # a sponsor has no order, RMA or feed events
        or me.org_role not in (OrgRole.REPRESENTATIVE.value, OrgRole.MANAGER.value)
    ):
        raise NotAllowed("only a retailer's representative or a clinic's manager manages webhooks")
    return me.organisation_id


def _kinds(kinds: Iterable[str]) -> list[str]:
    chosen = sorted(set(kinds))
    if not chosen:
        raise _fail("kinds", "choose at least one event kind", "webhook_kinds")
    unknown = [k for k in chosen if k not in KINDS]
    if unknown:
        raise _fail("kinds", f"unknown event kind {unknown[0]!r}", "webhook_kinds")
    return chosen


def create_endpoint(
    session: Session,
    user: User | None,
    *,
    url: str,
    kinds: Iterable[str],
    allow_loopback: bool,
    now: datetime,
    resolver: Callable[[str, int], list[str]] = resolve,
) -> tuple[WebhookEndpoint, str]:
    """A new endpoint and its secret (shown once); the caller commits."""
    org_id = manager_organisation(user)
    assert user is not None
    chosen = _kinds(kinds)
    check_url(url, allow_loopback=allow_loopback, resolver=resolver)
    count = session.scalar(
        select(func.count())
        .select_from(WebhookEndpoint)
        .where(WebhookEndpoint.organisation_id == org_id)
    )
    if (count or 0) >= MAX_ENDPOINTS:
        raise _fail("url", f"at most {MAX_ENDPOINTS} endpoints per organisation", "webhook_cap")
    secret = "whsec_" + secrets.token_urlsafe(32)
    endpoint = WebhookEndpoint(
        organisation_id=org_id,
        url=url.strip(),
        kinds=chosen,
        secret=secret,
        active=True,
        created_by=user.id,
        created_at=as_utc(now),
    )
    try:
        with session.begin_nested():
            session.add(endpoint)
    except IntegrityError as exc:  # the same URL twice (or twice at once)
        raise _fail("url", "this URL is already registered", "webhook_duplicate") from exc
    return endpoint, secret


def endpoints_of(session: Session, user: User | None) -> list[WebhookEndpoint]:
    org_id = manager_organisation(user)
    return list(
        session.scalars(
            select(WebhookEndpoint)
            .where(WebhookEndpoint.organisation_id == org_id)
            .order_by(WebhookEndpoint.id)
        )
    )


def endpoint_of(session: Session, user: User | None, endpoint_id: int) -> WebhookEndpoint:
    """The endpoint when it is the user's organisation's (404 otherwise: another's is not
    even confirmed to exist)."""
    org_id = manager_organisation(user)
    endpoint = session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None or endpoint.organisation_id != org_id:
        raise NotFound(f"no webhook endpoint {endpoint_id}")
    return endpoint


def delete_endpoint(session: Session, user: User | None, endpoint_id: int) -> None:
    """Remove the endpoint and its delivery log; the caller commits."""
    session.delete(endpoint_of(session, user, endpoint_id))
    session.flush()


def deliveries_of(
    session: Session, user: User | None, endpoint_id: int, *, limit: int, offset: int
) -> tuple[list[WebhookDelivery], int]:
    """The endpoint's deliveries, newest first, and how many there are."""
    endpoint = endpoint_of(session, user, endpoint_id)
    where = WebhookDelivery.endpoint_id == endpoint.id
    total = session.scalar(select(func.count()).select_from(WebhookDelivery).where(where)) or 0
    rows = session.scalars(
        select(WebhookDelivery)
        .where(where)
        .order_by(WebhookDelivery.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return list(rows), int(total)


def _delivery(
    endpoint: WebhookEndpoint, kind: str, key: str, data: dict[str, Any], now: datetime
) -> WebhookDelivery:
    return WebhookDelivery(
        endpoint_id=endpoint.id,
        kind=kind,
        dedupe_key=key,
        payload={"type": kind, "created_at": as_utc(now).isoformat(), "data": data},
        status="queued",
        attempts=0,
        next_attempt_at=as_utc(now),
        created_at=as_utc(now),
    )


def send_test(
    session: Session, user: User | None, endpoint_id: int, *, now: datetime
) -> WebhookDelivery:
    """Queue a ``ping`` delivery to the endpoint (sent after the commit)."""
    endpoint = endpoint_of(session, user, endpoint_id)
    key = f"ping:{secrets.token_hex(8)}"
    data = {"endpoint_id": endpoint.id, "message": "Valbar test event"}
    delivery = _delivery(endpoint, PING, key, data, now)
    session.add(delivery)
    session.flush()
    mark_pending(session)
    return delivery


def _organisations_for(session: Session, event: DomainEvent) -> set[int]:
    """The organisations an event concerns: the retailer's, and for an order the clinic's."""
    found: set[int] = set()
    retailer_id = getattr(event, "retailer_id", None)
    if retailer_id is not None:
        org = session.scalar(select(Organisation.id).where(Organisation.retailer_id == retailer_id))
        if org is not None:
            found.add(int(org))
    if isinstance(event, OrderEvent):
        order = session.get(Order, event.order_id)
        buyer = session.get(User, order.clinic_user_id) if order and order.clinic_user_id else None
        if buyer is not None and buyer.organisation_id is not None:
            found.add(buyer.organisation_id)
    return found


def _event_key(event: DomainEvent) -> str:
    data = event_to_json(event)
    ident = next((f"{k}={v}" for k, v in data.items() if k.endswith("_id")), "")
    return f"{data['event']}:{ident}"


def fan_out(session: Session, event: DomainEvent, *, now: datetime) -> int:
    """Queue a delivery of ``event`` to each active endpoint that chose its kind; commits.
    Returns how many were queued (an event delivered twice queues nothing new)."""
    kind = EVENT_KINDS.get(type(event))
    orgs = _organisations_for(session, event) if kind is not None else set()
    if not orgs:
        return 0
    key = _event_key(event)
    # who of the retailer's members took a step is the retailer's own business
    data = {k: v for k, v in event_to_json(event).items() if k not in ("event", "by_user_id")}
    queued = 0
    for endpoint in session.scalars(
        select(WebhookEndpoint).where(
            WebhookEndpoint.organisation_id.in_(orgs), WebhookEndpoint.active.is_(True)
        )
    ):
        if kind not in endpoint.kinds:
            continue
        exists = session.scalar(
            select(WebhookDelivery.id).where(
                WebhookDelivery.endpoint_id == endpoint.id, WebhookDelivery.dedupe_key == key
            )
        )
        if exists is not None:
            continue
        try:
            with session.begin_nested():
                session.add(_delivery(endpoint, str(kind), key, data, now))
            queued += 1
        except IntegrityError:  # delivered twice at once: one row
            continue
    if queued:
        mark_pending(session)
    session.commit()
    return queued


def subscribe(bus: EventBus, factory: sessionmaker[Session]) -> None:
    """Queue webhook deliveries for the events of :data:`EVENT_KINDS` (once per bus)."""

    def handle(event: DomainEvent) -> None:
        with factory() as session:
            fan_out(session, event, now=utc_now())

    def register(b: EventBus) -> None:
        for cls in EVENT_KINDS:
            b.subscribe(cls, handle)

    bus.subscribe_once("marketplace.webhooks", register)
