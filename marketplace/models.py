"""Marketplace tables on the catalog's declarative base (created by migrations 0003-0004).

The catalog package never imports this module; migrations ``0003_marketplace`` and
``0004_demand_occurrences`` are written by hand and
``tests/unit/marketplace/test_mp_models_migration.py`` keeps them and the models equal.
Reviews and orders keep working after their user is deleted (GDPR): the user columns are
nullable and the order keeps the clinic's name for the retailer's books.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from catalog.models import Base, utcnow
from marketplace.enums import OrderStatus, ReviewState, RmaStatus

_TS = DateTime(timezone=True)


class Review(Base):
    """A clinic user's 1..5 review of a retailer, a product or a retailer's service."""

    __tablename__ = "review"
    __table_args__ = (
        # order_key is order_id or 0, so reviews without an order are unique too
        UniqueConstraint(
            "author_id", "order_key", "target_type", "target_id", name="uq_review_author_target"
        ),
        Index("ix_review_target", "target_type", "target_id", "status"),
        Index("ix_review_held_due", "status", "response_due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("app_user.id", ondelete="SET NULL"), index=True
    )
    target_type: Mapped[str] = mapped_column(String(10))
    target_id: Mapped[int] = mapped_column(Integer)
    retailer_id: Mapped[int | None] = mapped_column(ForeignKey("retailer.id"), index=True)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("customer_order.id"))
    order_key: Mapped[int] = mapped_column(Integer, default=0)  # order_id or 0 (uniqueness)
    rating: Mapped[int] = mapped_column(SmallInteger)
    delivery_precision: Mapped[int | None] = mapped_column(SmallInteger)
    availability: Mapped[int | None] = mapped_column(SmallInteger)
    treatment: Mapped[int | None] = mapped_column(SmallInteger)
    feedback: Mapped[int | None] = mapped_column(SmallInteger)
    rma: Mapped[int | None] = mapped_column(SmallInteger)
    competence: Mapped[int | None] = mapped_column(SmallInteger)
    price: Mapped[int | None] = mapped_column(SmallInteger)
    text: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(10), default=ReviewState.PUBLISHED.value)
    verified_purchase: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(_TS, default=utcnow)
    retailer_notified_at: Mapped[datetime | None] = mapped_column(_TS)
    response_due_at: Mapped[datetime | None] = mapped_column(_TS)
    published_at: Mapped[datetime | None] = mapped_column(_TS)
    response: Mapped[str | None] = mapped_column(Text)
    responded_at: Mapped[datetime | None] = mapped_column(_TS)
    responder_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    # an admin's decision on a held review without a retailer concerned (publish or remove),
    # or on the review through an abuse report (remove): who, when and why
    moderator_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    moderated_at: Mapped[datetime | None] = mapped_column(_TS)
    moderation_reason: Mapped[str | None] = mapped_column(Text)

    reports: Mapped[list[ReviewReport]] = relationship(
        back_populates="review", cascade="all, delete-orphan"
    )


class ReviewReport(Base):
    """An abuse report on a review; an admin resolves it by dismissing the report or removing
    the review, with a reason (the audit trail: who, when, outcome, why)."""

    __tablename__ = "review_report"
    __table_args__ = (
        # one open or closed report per reporter and review (a second one is a duplicate)
        UniqueConstraint("review_id", "reporter_id", name="uq_review_report_reporter"),
        Index("ix_review_report_open", "resolved_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("review.id", ondelete="CASCADE"), index=True)
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(_TS, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(_TS)
    outcome: Mapped[str | None] = mapped_column(String(10))  # ReportOutcome
    resolver_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    resolution_reason: Mapped[str | None] = mapped_column(Text)

    review: Mapped[Review] = relationship(back_populates="reports")


class Notification(Base):
    """A message to one user, shown on their "Mina uppgifter" page: ``kind`` names the
    message (worded by the UI in Swedish and English), ``values`` fill it in. ``ref`` makes
    it once per thing (``review:12``): a subscriber that runs twice adds it once."""

    __tablename__ = "notification"
    __table_args__ = (
        UniqueConstraint("user_id", "kind", "ref", name="uq_notification_user_kind_ref"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    ref: Mapped[str] = mapped_column(String(64))
    values: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(_TS, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(_TS)


class PriceWatch(Base):
    """A clinic user watches a product (``marketplace.price_watch``): told when the lowest
    buyable price falls below ``target_price``, when the product is back in stock (a buyable
    offer again) and when ``retailer_id`` lists it. ``below`` / ``in_stock`` / ``listed`` are
    the states last evaluated: an alert fires when one turns true, and re-arms when it turns
    false again (one alert per crossing). One watch per user and product."""

    __tablename__ = "price_watch"
    __table_args__ = (
        UniqueConstraint("user_id", "product_id", name="uq_price_watch_user_product"),
        Index("ix_price_watch_product", "product_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"))
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id", ondelete="CASCADE"))
    target_price: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    back_in_stock: Mapped[bool] = mapped_column(Boolean, default=False)
    retailer_id: Mapped[int | None] = mapped_column(ForeignKey("retailer.id", ondelete="SET NULL"))
    below: Mapped[bool] = mapped_column(Boolean, default=False)
    in_stock: Mapped[bool] = mapped_column(Boolean, default=False)
    listed: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(_TS, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(_TS, default=utcnow)


class Cart(Base):
    """One open cart per user, with items from any number of retailers."""

    __tablename__ = "cart"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), unique=True)
    created_at: Mapped[datetime] = mapped_column(_TS, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(_TS, default=utcnow)
    # the last checkout that emptied this cart: a repeated submit is answered with its orders
    last_checkout_ref: Mapped[str | None] = mapped_column(String(32))
    last_checkout_at: Mapped[datetime | None] = mapped_column(_TS)

    items: Mapped[list[CartItem]] = relationship(
        back_populates="cart", cascade="all, delete-orphan", order_by="CartItem.id"
    )


class CartItem(Base):
    """An offer in a cart with the price and stock status the clinic saw when adding it."""

    __tablename__ = "cart_item"
    __table_args__ = (UniqueConstraint("cart_id", "offer_id", name="uq_cart_item_offer"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cart_id: Mapped[int] = mapped_column(ForeignKey("cart.id", ondelete="CASCADE"), index=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("offer.id"))
    quantity: Mapped[int] = mapped_column(Integer)
    price_at_add: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    stock_status_at_add: Mapped[str] = mapped_column(String(20))
    added_at: Mapped[datetime] = mapped_column(_TS, default=utcnow)

    cart: Mapped[Cart] = relationship(back_populates="items")


class Order(Base):
    """One retailer's part of a checkout. The retailer invoices and delivers."""

    __tablename__ = "customer_order"
    __table_args__ = (
        Index("ix_customer_order_retailer_status", "retailer_id", "status"),
        Index("ix_customer_order_status_shipped", "status", "shipped_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    checkout_ref: Mapped[str] = mapped_column(String(32), index=True)  # shared by the split
    retailer_id: Mapped[int] = mapped_column(ForeignKey("retailer.id"))
    clinic_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("app_user.id", ondelete="SET NULL"), index=True
    )
    # the clinic organisation the buyer placed it for: its managers see it too
    clinic_organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="SET NULL"), index=True
    )
    buyer_name: Mapped[str] = mapped_column(String(200))
    clinic_name: Mapped[str] = mapped_column(String(200))  # kept for the retailer's books
    status: Mapped[str] = mapped_column(String(12), default=OrderStatus.PLACED.value)
    currency: Mapped[str] = mapped_column(String(3), default="SEK")
    total: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    placed_at: Mapped[datetime] = mapped_column(_TS, default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(_TS)
    promised_delivery_date: Mapped[date | None] = mapped_column(Date)
    shipped_at: Mapped[datetime | None] = mapped_column(_TS)
    delivered_at: Mapped[datetime | None] = mapped_column(_TS)
    delivered_by: Mapped[str | None] = mapped_column(String(10))  # clinic | auto
    delivered_on_time: Mapped[bool | None] = mapped_column(Boolean)
    cancelled_at: Mapped[datetime | None] = mapped_column(_TS)
    cancel_reason: Mapped[str | None] = mapped_column(String(20))
    cancel_note: Mapped[str | None] = mapped_column(Text)
    cancelled_by: Mapped[str | None] = mapped_column(String(10))  # clinic | retailer
    # what the clinic's invoice needs (marketplace.checkout_details), the same for every
    # retailer order of a checkout but the note, which is this retailer's
    po_number: Mapped[str | None] = mapped_column(String(50))
    delivery_address: Mapped[str | None] = mapped_column(Text)
    invoice_address: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    # fixed at checkout (marketplace.order_totals): None on orders placed before they were
    vat_rate: Mapped[Decimal | None] = mapped_column(Numeric(5, 4))
    # excl. VAT; None: the retailer stated no fee
    delivery_cost: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))

    lines: Mapped[list[OrderLine]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="OrderLine.id"
    )


class OrderLine(Base):
    """An offer as bought: the price at checkout and the stock status shown at checkout."""

    __tablename__ = "order_line"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(
        ForeignKey("customer_order.id", ondelete="CASCADE"), index=True
    )
    offer_id: Mapped[int] = mapped_column(ForeignKey("offer.id"), index=True)
    product_id: Mapped[int | None] = mapped_column(ForeignKey("product.id"))
    sku: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(Text)
    unit_price: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    quantity: Mapped[int] = mapped_column(Integer)
    stock_status_at_checkout: Mapped[str] = mapped_column(String(20))
    backordered: Mapped[bool] = mapped_column(Boolean, default=False)
    vat_included: Mapped[bool | None] = mapped_column(Boolean)  # the offer's, at checkout

    order: Mapped[Order] = relationship(back_populates="lines")


class Rma(Base):
    """A complaint or return of one order line, handled by the retailer."""

    __tablename__ = "rma"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_line_id: Mapped[int] = mapped_column(ForeignKey("order_line.id"), index=True)
    retailer_id: Mapped[int] = mapped_column(ForeignKey("retailer.id"), index=True)
    requested_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default=RmaStatus.REQUESTED.value)
    requested_at: Mapped[datetime] = mapped_column(_TS, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(_TS)
    resolved_at: Mapped[datetime | None] = mapped_column(_TS)
    outcome: Mapped[str | None] = mapped_column(String(12))
    note: Mapped[str | None] = mapped_column(Text)


class Campaign(Base):
    """A retailer's campaign: shown only in the campaigns section, never in search."""

    __tablename__ = "campaign"
    __table_args__ = (Index("ix_campaign_validity", "valid_from", "valid_to"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    retailer_id: Mapped[int] = mapped_column(ForeignKey("retailer.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    product_ids: Mapped[list[Any]] = mapped_column(default=list)
    valid_from: Mapped[datetime] = mapped_column(_TS)
    valid_to: Mapped[datetime] = mapped_column(_TS)
    created_at: Mapped[datetime] = mapped_column(_TS, default=utcnow)


class DemandEvent(Base):
    """Append-only demand log (no user column: demand statistics hold no personal data).

    ``retailers`` is ``[[retailer_id, rank], ...]`` as shown to the clinic. One row stands
    for ``occurrences`` identical events recorded within one flush window (at ``created_at``,
    the first of them): statistics sum ``occurrences``, never count rows.
    """

    __tablename__ = "demand_event"
    __table_args__ = (
        Index("ix_demand_event_kind_at", "kind", "created_at"),
        Index("ix_demand_event_product_at", "product_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    product_id: Mapped[int | None] = mapped_column(Integer)
    query: Mapped[str | None] = mapped_column(String(300))
    retailers: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[datetime] = mapped_column(_TS, default=utcnow)
    occurrences: Mapped[int] = mapped_column(Integer, default=1, server_default=text("1"))


class SearchQueryStat(Base):
    """Searches per normalised query text and day (``marketplace.search_report``): how often
    it was searched, how often it found nothing, how many of those searches led to a click
    on a result, and when it was last searched. Aggregates only: no user, session or IP."""

    __tablename__ = "search_query_stat"
    __table_args__ = (
        UniqueConstraint("query", "day", name="uq_search_query_stat_query_day"),
        Index("ix_search_query_stat_day", "day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    query: Mapped[str] = mapped_column(String(300))
    day: Mapped[date] = mapped_column(Date)
    searches: Mapped[int] = mapped_column(Integer, default=0)
    zero_results: Mapped[int] = mapped_column(Integer, default=0)
    clicked: Mapped[int] = mapped_column(Integer, default=0)
    last_seen: Mapped[datetime] = mapped_column(_TS, default=utcnow)


class OutgoingEmail(Base):
    """The e-mail outbox: a message is queued in the transaction that causes it (a sign-up,
    an invitation, a shipped order) and sent after the commit by the mail sender, retried
    with backoff; so no request waits on SMTP and no message is lost with a rolled-back
    transaction or sent for one. ``template`` names a template in ``marketplace/mail/
    templates`` (``<template>.<lang>.txt``: a ``Subject:`` line, a blank line, the body),
    ``context`` fills it in. ``dedupe_key`` makes a message once per thing
    (``order_shipped:12:user:3``): a subscriber delivered twice queues it once."""

    __tablename__ = "outgoing_email"
    __table_args__ = (
        UniqueConstraint("dedupe_key", name="uq_outgoing_email_dedupe_key"),
        Index("ix_outgoing_email_status_next", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    to_address: Mapped[str] = mapped_column(String(254))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    template: Mapped[str] = mapped_column(String(60))
    lang: Mapped[str] = mapped_column(String(2))
    context: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    dedupe_key: Mapped[str | None] = mapped_column(String(160))
    status: Mapped[str] = mapped_column(String(10), default="queued")  # queued | sent | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[datetime] = mapped_column(_TS, default=utcnow)
    created_at: Mapped[datetime] = mapped_column(_TS, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(_TS)


class NotificationPreference(Base):
    """A user's choices: the language of their e-mail and, per notification kind, whether
    it is also sent by e-mail (in-app always). One row per user, made on the first save;
    a kind missing from ``email`` takes its default (``marketplace.preferences``)."""

    __tablename__ = "notification_preference"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("app_user.id", ondelete="CASCADE"), primary_key=True
    )
    lang: Mapped[str] = mapped_column(String(2), default="sv")
    email: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # kind -> bool
    updated_at: Mapped[datetime] = mapped_column(_TS, default=utcnow)


class WebhookEndpoint(Base):
    """An organisation's URL that receives signed POSTs of the event kinds it chose.
    ``secret`` signs them (HMAC-SHA256); it is shown once, when the endpoint is made."""

    __tablename__ = "webhook_endpoint"
    __table_args__ = (
        UniqueConstraint("organisation_id", "url", name="uq_webhook_endpoint_org_url"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    url: Mapped[str] = mapped_column(String(500))
    kinds: Mapped[list[str]] = mapped_column(JSON, default=list)
    secret: Mapped[str] = mapped_column(String(100))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(_TS, default=utcnow)


class WebhookDelivery(Base):
    """One event sent (or to be sent) to one endpoint, retried with backoff: the delivery
    log. ``dedupe_key`` makes it once per event and endpoint; ``response_excerpt`` keeps at
    most a few hundred bytes of the answer."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (
        UniqueConstraint("endpoint_id", "dedupe_key", name="uq_webhook_delivery_endpoint_key"),
        Index("ix_webhook_delivery_status_next", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    endpoint_id: Mapped[int] = mapped_column(
        ForeignKey("webhook_endpoint.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(40))
    dedupe_key: Mapped[str] = mapped_column(String(160))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(10), default="queued")  # queued | sent | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    response_code: Mapped[int | None] = mapped_column(Integer)
    response_excerpt: Mapped[str | None] = mapped_column(String(300))
    last_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[datetime] = mapped_column(_TS, default=utcnow)
    created_at: Mapped[datetime] = mapped_column(_TS, default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(_TS)


class Invitation(Base):
    """A member's invitation to an organisation with an org role (issue 14 item 3).

    The link carries a random token of which only the sha256 is stored; it works once and
    until ``expires_at``. ``open_email`` is the address while the invitation is open (NULL
    once accepted or revoked): unique per organisation, so two invitations of one address
    sent at once make one."""

    __tablename__ = "invitation"
    __table_args__ = (
        UniqueConstraint("token_hash", name="uq_invitation_token_hash"),
        UniqueConstraint("organisation_id", "open_email", name="uq_invitation_open_email"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    email: Mapped[str] = mapped_column(String(254))
    open_email: Mapped[str | None] = mapped_column(String(254))
    org_role: Mapped[str] = mapped_column(String(20))  # OrgRole
    token_hash: Mapped[str] = mapped_column(String(64))
    invited_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    lang: Mapped[str] = mapped_column(String(2), default="sv")
    created_at: Mapped[datetime] = mapped_column(_TS, default=utcnow)
    # when its link was last sent: a re-invitation of the address sends it again (a new
    # link) unless it was sent within ``invitations.RESEND_AFTER`` (a double submit)
    sent_at: Mapped[datetime | None] = mapped_column(_TS)
    expires_at: Mapped[datetime] = mapped_column(_TS)
    accepted_at: Mapped[datetime | None] = mapped_column(_TS)
    accepted_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("app_user.id", ondelete="SET NULL")
    )
    revoked_at: Mapped[datetime | None] = mapped_column(_TS)


class FeedSource(Base):
    """A retailer's feed URL fetched on a schedule (issue 19): ``marketplace.feed_sources``.

    ``auth_secret`` is sealed (``marketplace.feed_secrets``); ``etag`` / ``last_modified``
    are the last 200's, sent back so an unchanged feed is one 304. ``next_fetch_at`` is when
    the scheduler fetches it next (moved later by failures: ``failures`` in a row since
    ``failing_since``); ``fetch_requested_at`` is a pending "fetch now" (one at a time) and
    ``claimed_until`` the lease of the process fetching it."""

    __tablename__ = "feed_source"
    __table_args__ = (UniqueConstraint("retailer_id", "url", name="uq_feed_source_retailer_url"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    retailer_id: Mapped[int] = mapped_column(
        ForeignKey("retailer.id", ondelete="CASCADE"), index=True
    )
    url: Mapped[str] = mapped_column(String(1000))
    schedule: Mapped[str] = mapped_column(String(100))
    mode: Mapped[str] = mapped_column(String(10), default="full")  # full | delta
    auth_kind: Mapped[str] = mapped_column(String(10), default="none")  # none | basic | bearer
    auth_username: Mapped[str] = mapped_column(String(200), default="")
    auth_secret: Mapped[str | None] = mapped_column(Text)
    etag: Mapped[str | None] = mapped_column(String(300))
    last_modified: Mapped[str | None] = mapped_column(String(100))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    next_fetch_at: Mapped[datetime] = mapped_column(_TS, index=True)
    fetch_requested_at: Mapped[datetime | None] = mapped_column(_TS)
    claimed_until: Mapped[datetime | None] = mapped_column(_TS)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    failing_since: Mapped[datetime | None] = mapped_column(_TS)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(_TS, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(_TS, default=utcnow)


class FeedFetch(Base):
    """One fetch of a feed source: ``ok`` (a run was made: ``feed_run_id``),
    ``not_modified`` (304, no run) or ``failed`` (``error`` says why)."""

    __tablename__ = "feed_fetch"
    __table_args__ = (Index("ix_feed_fetch_source_started", "source_id", "started_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("feed_source.id", ondelete="CASCADE"))
    trigger: Mapped[str] = mapped_column(String(10))  # schedule | manual
    status: Mapped[str] = mapped_column(String(20))  # ok | not_modified | failed
    http_status: Mapped[int | None] = mapped_column(Integer)
    size_bytes: Mapped[int] = mapped_column(Integer, default=0)
    duration_ms: Mapped[int] = mapped_column(Integer, default=0)
    feed_run_id: Mapped[int | None] = mapped_column(ForeignKey("feed_run.id", ondelete="SET NULL"))
    error: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[datetime] = mapped_column(_TS)
    finished_at: Mapped[datetime] = mapped_column(_TS)
