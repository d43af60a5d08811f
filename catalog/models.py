"""SQLAlchemy 2 models. Portable across SQLite and PostgreSQL (JSON, Numeric, no arrays)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from catalog.enums import FeedRunStatus, ReviewStatus, StockStatus


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, list[Any]: JSON}


class Manufacturer(Base):
    __tablename__ = "manufacturer"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    name_key: Mapped[str] = mapped_column(String(300), unique=True)  # normalized for lookups
    duns: Mapped[str | None] = mapped_column(String(20))

    products: Mapped[list[Product]] = relationship(back_populates="manufacturer")


class Product(Base):
    __tablename__ = "product"
    __table_args__ = (UniqueConstraint("source", "source_key", name="uq_product_source"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(20))
    source_key: Mapped[str] = mapped_column(String(200))
    manufacturer_id: Mapped[int | None] = mapped_column(ForeignKey("manufacturer.id"), index=True)
    primary_gtin: Mapped[str | None] = mapped_column(String(14), index=True)
    brand: Mapped[str | None] = mapped_column(String(300), index=True)
    mpn: Mapped[str | None] = mapped_column(String(200))
    catalog_number: Mapped[str | None] = mapped_column(String(200))
    mpn_key: Mapped[str | None] = mapped_column(String(200), index=True)  # normalized MPN
    catalog_key: Mapped[str | None] = mapped_column(String(200), index=True)
    name: Mapped[str] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    category: Mapped[str | None] = mapped_column(String(500), index=True)
    category_code: Mapped[str | None] = mapped_column(String(50))
    specs: Mapped[list[Any]] = mapped_column(default=list)  # [{name, value, unit}]
    image_urls: Mapped[list[Any]] = mapped_column(default=list)
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)
    content_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    manufacturer: Mapped[Manufacturer | None] = relationship(back_populates="products")
    identifiers: Mapped[list[ProductIdentifier]] = relationship(
        back_populates="product", cascade="all, delete-orphan"
    )


class ProductIdentifier(Base):
    __tablename__ = "product_identifier"
    __table_args__ = (UniqueConstraint("scheme", "value", name="uq_identifier"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(
        ForeignKey("product.id", ondelete="CASCADE"), index=True
    )
    scheme: Mapped[str] = mapped_column(String(10))
    value: Mapped[str] = mapped_column(String(40), index=True)
    level: Mapped[str] = mapped_column(String(30))
    pkg_quantity: Mapped[int | None] = mapped_column(Integer)
    contains: Mapped[str | None] = mapped_column(String(40))

    product: Mapped[Product] = relationship(back_populates="identifiers")


class Retailer(Base):
    __tablename__ = "retailer"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    presentation: Mapped[str | None] = mapped_column(Text)
    video_url: Mapped[str | None] = mapped_column(String(500))
    website: Mapped[str | None] = mapped_column(String(500))
    column_mapping: Mapped[dict[str, Any]] = mapped_column(default=dict)  # remembered mapping
    # the presentation page the retailer edits in the portal (catalog.retailer_profile)
    logo_file: Mapped[str | None] = mapped_column(String(80))  # <sha256>.<ext> in logo dir
    contact_email: Mapped[str | None] = mapped_column(String(254))
    contact_phone: Mapped[str | None] = mapped_column(String(40))
    free_shipping_from: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))  # SEK excl. VAT
    delivery_fee: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))  # SEK excl. VAT
    delivery_days: Mapped[int | None] = mapped_column(Integer)  # usual working days
    return_terms: Mapped[str | None] = mapped_column(Text)
    profile_updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    offers: Mapped[list[Offer]] = relationship(back_populates="retailer")
    signals: Mapped[RetailerSignals | None] = relationship(back_populates="retailer")


class Offer(Base):
    __tablename__ = "offer"
    __table_args__ = (
        UniqueConstraint("retailer_id", "sku", name="uq_offer_retailer_sku"),
        Index("ix_offer_product_active", "product_id", "withdrawn_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    retailer_id: Mapped[int] = mapped_column(ForeignKey("retailer.id"), index=True)
    sku: Mapped[str] = mapped_column(String(200))
    product_id: Mapped[int | None] = mapped_column(ForeignKey("product.id"))
    raw_name: Mapped[str] = mapped_column(Text)
    price: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    currency: Mapped[str] = mapped_column(String(3), default="SEK")
    vat_included: Mapped[bool | None] = mapped_column(Boolean)
    stock_status: Mapped[str] = mapped_column(String(20), default=StockStatus.UNKNOWN.value)
    stock_quantity: Mapped[int | None] = mapped_column(Integer)
    delivery_days: Mapped[int | None] = mapped_column(Integer)
    gtin: Mapped[str | None] = mapped_column(String(14), index=True)
    mpn: Mapped[str | None] = mapped_column(String(200))
    brand: Mapped[str | None] = mapped_column(String(300))
    url: Mapped[str | None] = mapped_column(String(1000))
    retailer_metadata: Mapped[dict[str, Any]] = mapped_column(default=dict)
    match_method: Mapped[str | None] = mapped_column(String(20))
    match_confidence: Mapped[float | None] = mapped_column(Float)
    # the matching model (`PairScorer.version`) whose matcher linked the offer; None by hand
    match_model_version: Mapped[str | None] = mapped_column(String(40))
    content_hash: Mapped[str] = mapped_column(String(64))
    match_key: Mapped[str | None] = mapped_column(String(32))  # hash of name + identifiers
    first_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_feed_run_id: Mapped[int | None] = mapped_column(ForeignKey("feed_run.id"))

    retailer: Mapped[Retailer] = relationship(back_populates="offers")
    product: Mapped[Product | None] = relationship()


class OfferHistory(Base):
    """One change of an offer's price or stock status, appended at ingest in the feed run's
    transaction (``indexer.price_history``): the offer's first sighting, then a row only when
    its price, currency, stock status or buyability changes, or it is withdrawn or listed
    again. Never updated; rows older than ``price_history_retention_days`` are pruned,
    except the last one before the cutoff of each offer (its state at the window's start)."""

    __tablename__ = "offer_history"
    __table_args__ = (
        Index("ix_offer_history_offer_at", "offer_id", "changed_at"),
        Index("ix_offer_history_run", "feed_run_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("offer.id", ondelete="CASCADE"))
    feed_run_id: Mapped[int | None] = mapped_column(Integer)  # no key: runs outlive nothing
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    price: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    currency: Mapped[str] = mapped_column(String(3))
    stock_status: Mapped[str] = mapped_column(String(20))
    buyable: Mapped[bool] = mapped_column(Boolean)  # ``ranking.price_basis.is_buyable``
    withdrawn: Mapped[bool] = mapped_column(Boolean, default=False)


class MatchCandidate(Base):
    """The review queue: offers whose product could not be decided automatically."""

    __tablename__ = "match_candidate"
    __table_args__ = (
        UniqueConstraint("offer_id", "product_id", name="uq_match_candidate"),
        Index("ix_match_candidate_status", "status", "offer_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("offer.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id", ondelete="CASCADE"))
    method: Mapped[str] = mapped_column(String(20))
    score: Mapped[float] = mapped_column(Float)
    reason: Mapped[str | None] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(12), default=ReviewStatus.PENDING.value)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class MatchDecision(Base):
    """An admin's decision on an offer and a product, kept as a labelled pair the matcher's
    training and evaluation read (``match`` or ``non_match``), with both records as they were
    when it was decided: a later feed or catalog change never rewrites a label's evidence.

    ``action`` is what the admin did (accept, reject, new_product, pick, bulk_accept);
    ``implied`` marks the other candidates an accept or a pick turned down (non-matches the
    admin did not click one by one)."""

    __tablename__ = "match_decision"
    __table_args__ = (Index("ix_match_decision_decided_at", "decided_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    offer_id: Mapped[int | None] = mapped_column(
        ForeignKey("offer.id", ondelete="SET NULL"), index=True
    )
    product_id: Mapped[int | None] = mapped_column(ForeignKey("product.id", ondelete="SET NULL"))
    candidate_id: Mapped[int | None] = mapped_column(
        ForeignKey("match_candidate.id", ondelete="SET NULL")
    )
    label: Mapped[str] = mapped_column(String(10))  # match | non_match
    action: Mapped[str] = mapped_column(String(20))
    implied: Mapped[bool] = mapped_column(Boolean, default=False)
    score: Mapped[float | None] = mapped_column(Float)
    method: Mapped[str | None] = mapped_column(String(20))
    retailer_id: Mapped[int | None] = mapped_column(Integer)
    offer_sku: Mapped[str] = mapped_column(String(200))
    offer_name: Mapped[str] = mapped_column(Text)
    offer_brand: Mapped[str | None] = mapped_column(String(300))
    offer_mpn: Mapped[str | None] = mapped_column(String(200))
    offer_gtin: Mapped[str | None] = mapped_column(String(14))
    offer_price: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    product_name: Mapped[str] = mapped_column(Text)
    product_brand: Mapped[str | None] = mapped_column(String(300))
    product_manufacturer: Mapped[str | None] = mapped_column(String(300))
    product_mpn: Mapped[str | None] = mapped_column(String(200))
    product_gtin: Mapped[str | None] = mapped_column(String(14))
    decided_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("app_user.id", ondelete="SET NULL")
    )
    decided_by: Mapped[str] = mapped_column(String(300))  # the readable actor, kept
    decided_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class FeedRun(Base):
    __tablename__ = "feed_run"
    __table_args__ = (
        # at most one running run per retailer, whichever process started it
        Index(
            "uq_feed_run_one_running",
            "retailer_id",
            unique=True,
            sqlite_where=text("status = 'running'"),
            postgresql_where=text("status = 'running'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    retailer_id: Mapped[int] = mapped_column(ForeignKey("retailer.id"), index=True)
    file_name: Mapped[str] = mapped_column(String(500))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size_bytes: Mapped[int] = mapped_column(Integer, default=0)
    archive_path: Mapped[str | None] = mapped_column(String(1000))
    mode: Mapped[str] = mapped_column(String(10), default="full")  # full | delta
    options: Mapped[dict[str, Any]] = mapped_column(default=dict)
    format: Mapped[str | None] = mapped_column(String(40))
    encoding: Mapped[str | None] = mapped_column(String(40))
    mapping: Mapped[dict[str, Any]] = mapped_column(default=dict)
    counts: Mapped[dict[str, Any]] = mapped_column(default=dict)
    row_errors: Mapped[list[Any]] = mapped_column(default=list)
    status: Mapped[str] = mapped_column(String(12), default=FeedRunStatus.QUEUED.value)
    message: Mapped[str | None] = mapped_column(Text)  # English, for the CLI and the API
    # what ``message`` is rendered from (``indexer.messages``); NULL: stored before codes
    # existed (or not a feed-run message), shown as stored
    message_code: Mapped[str | None] = mapped_column(String(80))
    message_values: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    # while it runs: the phase (indexer.run_progress.PHASES) and its rows done of total
    phase: Mapped[str | None] = mapped_column(String(12))
    rows_done: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    rows_total: Mapped[int | None] = mapped_column(Integer)
    timings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # the process working the run renews its lease; an expired lease means it died
    worker: Mapped[str | None] = mapped_column(String(200))
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    lease_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    cancel_requested_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer, default=0)

    retailer: Mapped[Retailer] = relationship()


class RetailerSignals(Base):
    """Service-quality signals per retailer; each value has the count it was measured over."""

    __tablename__ = "retailer_signals"

    retailer_id: Mapped[int] = mapped_column(ForeignKey("retailer.id"), primary_key=True)
    delivery_precision: Mapped[float | None] = mapped_column(Float)  # share on time, 0..1
    delivery_count: Mapped[int] = mapped_column(Integer, default=0)
    stock_accuracy: Mapped[float | None] = mapped_column(Float)  # 0..1
    stock_count: Mapped[int] = mapped_column(Integer, default=0)
    review_overall: Mapped[float | None] = mapped_column(Float)  # 1..5
    review_count: Mapped[int] = mapped_column(Integer, default=0)
    # of those, the reviews tied to a delivered order of their author (verified purchases)
    review_verified: Mapped[float | None] = mapped_column(Float)  # 1..5
    review_verified_count: Mapped[int] = mapped_column(Integer, default=0)
    treatment: Mapped[float | None] = mapped_column(Float)  # 1..5 (bemötande)
    treatment_count: Mapped[int] = mapped_column(Integer, default=0)
    feedback: Mapped[float | None] = mapped_column(Float)  # 1..5 (återkoppling)
    feedback_count: Mapped[int] = mapped_column(Integer, default=0)
    rma: Mapped[float | None] = mapped_column(Float)  # 0..1 quality of returns handling
    rma_count: Mapped[int] = mapped_column(Integer, default=0)
    competence: Mapped[float | None] = mapped_column(Float)  # 1..5
    competence_count: Mapped[int] = mapped_column(Integer, default=0)
    source: Mapped[str] = mapped_column(String(20), default="manual")  # manual | measured | demo
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    retailer: Mapped[Retailer] = relationship(back_populates="signals")


class RankingConfigVersion(Base):
    """Every saved ranking config version: an append-only audit trail."""

    __tablename__ = "ranking_config_version"
    __table_args__ = (UniqueConstraint("name", "version", name="uq_ranking_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), index=True)
    version: Mapped[int] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(Text)  # TOML
    status: Mapped[str] = mapped_column(String(12), default="draft")  # draft|published|retired
    author: Mapped[str] = mapped_column(String(120))
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class SynonymSetVersion(Base):
    """Every saved version of the merchandisers' synonym rules (``search.synonym_versions``):
    an append-only audit trail like ``RankingConfigVersion``; one set for the whole site."""

    __tablename__ = "synonym_set_version"
    __table_args__ = (UniqueConstraint("version", name="uq_synonym_set_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(Text)  # the rules as text (search.analysis.synonym_rules)
    status: Mapped[str] = mapped_column(String(12), default="draft")  # draft|published|retired
    author: Mapped[str] = mapped_column(String(120))
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Organisation(Base):
    """A retailer or a clinic as a legal entity, with members (``User.organisation_id``).

    ``org_number`` is the canonical ``NNNNNN-NNNN`` (catalog.orgnr); NULL only for an
    organisation migrated from before organisations existed, until an admin fills it in.
    A retailer organisation owns its ``Retailer`` (the offers, feeds and presentation page).
    """

    __tablename__ = "organisation"
    __table_args__ = (UniqueConstraint("kind", "org_number", name="uq_organisation_kind_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))  # OrgKind: retailer | clinic
    name: Mapped[str] = mapped_column(String(200))
    org_number: Mapped[str | None] = mapped_column(String(11))
    vat_number: Mapped[str | None] = mapped_column(String(14))
    street: Mapped[str | None] = mapped_column(String(200))
    postal_code: Mapped[str | None] = mapped_column(String(10))
    city: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(12), default="active")  # OrgStatus
    status_reason: Mapped[str | None] = mapped_column(Text)
    status_changed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    status_changed_by: Mapped[int | None] = mapped_column(
        ForeignKey("app_user.id", ondelete="SET NULL", use_alter=True)
    )
    retailer_id: Mapped[int | None] = mapped_column(ForeignKey("retailer.id"), unique=True)
    terms_version: Mapped[str | None] = mapped_column(String(20))
    terms_accepted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # a sign-up's e-mail confirmed: it waits for an admin (NULL: not confirmed, or not a sign-up)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class User(Base):
    """A person who logs in: clinic staff, retailer staff, merchandisers, admins.

    ``role`` is the platform role (clinic | retailer | merchandiser | admin). A clinic or
    retailer user belongs to one organisation with ``org_role`` inside it (OrgRole);
    ``retailer_id`` and ``clinic`` mirror the organisation's (its retailer, its name) for the
    code that reads them; ``organisations.py`` in marketplace keeps them in step.
    """

    __tablename__ = "app_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    clinic: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))  # clinic | retailer | merchandiser | admin
    retailer_id: Mapped[int | None] = mapped_column(ForeignKey("retailer.id"))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    org_role: Mapped[str | None] = mapped_column(String(20))  # OrgRole
    password_hash: Mapped[str] = mapped_column(String(300))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ApiKey(Base):
    """API keys for consumers; only a hash of the secret is stored.

    ``scope`` (KeyScope) narrows what the key may call below its user's role; a key past
    ``expires_at`` is refused like a revoked one. Every key of one organisation shares the
    organisation's rate-limit bucket and counts against its cap of active keys.
    """

    __tablename__ = "api_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16), unique=True)  # shown, used for lookup
    key_hash: Mapped[str] = mapped_column(String(128))
    rate_limit_per_minute: Mapped[int] = mapped_column(Integer, default=600)
    scope: Mapped[str] = mapped_column(String(10), default="full", server_default="full")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class UserSession(Base):
    """A signed-in browser session, kept server-side so it can be ended (logout, password
    change, member removal). The cookie carries the token; only its sha256 is stored."""

    __tablename__ = "user_session"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 of the token
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ip: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(300))


class LoginThrottle(Base):
    """Failed sign-ins per account or address, shared by every worker (when no Redis)."""

    __tablename__ = "login_throttle"

    key: Mapped[str] = mapped_column(String(300), primary_key=True)  # "acct:<email>" | "ip:<addr>"
    failures: Mapped[int] = mapped_column(Integer, default=0)
    window_started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    lockouts: Mapped[int] = mapped_column(Integer, default=0)


class IdempotencyRecord(Base):
    """A request that created something, by its ``Idempotency-Key``: the same key and body
    replay the stored response; a different body with the same key is refused."""

    __tablename__ = "idempotency_record"
    __table_args__ = (UniqueConstraint("owner", "key", name="uq_idempotency_owner_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner: Mapped[str] = mapped_column(String(64))  # "user:<id>" | "key:<id>" | "anon:<sid>"
    key: Mapped[str] = mapped_column(String(200))
    method: Mapped[str] = mapped_column(String(10))
    path: Mapped[str] = mapped_column(String(500))
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int | None] = mapped_column(Integer)  # None while the first runs
    content_type: Mapped[str | None] = mapped_column(String(100))
    response_body: Mapped[str | None] = mapped_column(Text)
    location: Mapped[str | None] = mapped_column(String(500))  # the response's Location
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, index=True
    )


class IndexOutbox(Base):
    """Products whose index documents must be rewritten, written in the same transaction as
    the change (transactional outbox): the indexer applies and deletes them, and start-up and
    a periodic pass replay what a crash left."""

    __tablename__ = "index_outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(Integer, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class LockLease(Base):
    """A named cross-process lock with an expiry (reindex, per-retailer runs)."""

    __tablename__ = "lock_lease"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    holder: Mapped[str] = mapped_column(String(200))
    acquired_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AuditEntry(Base):
    """Who did what to whom, for every admin (and organisation manager) action.

    ``actor`` is the readable actor ("admin a@b.se (web)", "cli", "system"); ``target`` a
    kind and an id ("organisation", "12"); ``detail`` what changed (JSON, small).
    """

    __tablename__ = "audit_entry"
    __table_args__ = (Index("ix_audit_entry_target", "target_kind", "target_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    actor_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("app_user.id", ondelete="SET NULL")
    )
    actor: Mapped[str] = mapped_column(String(300))
    action: Mapped[str] = mapped_column(String(60))
    target_kind: Mapped[str] = mapped_column(String(30))
    target_id: Mapped[str] = mapped_column(String(64))
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
