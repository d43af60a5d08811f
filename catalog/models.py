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
    content_hash: Mapped[str] = mapped_column(String(64))
    match_key: Mapped[str | None] = mapped_column(String(32))  # hash of name + identifiers
    first_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_feed_run_id: Mapped[int | None] = mapped_column(ForeignKey("feed_run.id"))

    retailer: Mapped[Retailer] = relationship(back_populates="offers")
    product: Mapped[Product | None] = relationship()


class MatchCandidate(Base):
    """The review queue: offers whose product could not be decided automatically."""

    __tablename__ = "match_candidate"
    __table_args__ = (UniqueConstraint("offer_id", "product_id", name="uq_match_candidate"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("offer.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id", ondelete="CASCADE"))
    method: Mapped[str] = mapped_column(String(20))
    score: Mapped[float] = mapped_column(Float)
    reason: Mapped[str | None] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(12), default=ReviewStatus.PENDING.value)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


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


class User(Base):
    """A person who logs in: clinic staff, retailer staff, merchandisers, admins."""

    __tablename__ = "app_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    clinic: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))  # clinic | retailer | merchandiser | admin
    retailer_id: Mapped[int | None] = mapped_column(ForeignKey("retailer.id"))
    password_hash: Mapped[str] = mapped_column(String(300))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ApiKey(Base):
    """API keys for consumers; only a hash of the secret is stored."""

    __tablename__ = "api_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16), unique=True)  # shown, used for lookup
    key_hash: Mapped[str] = mapped_column(String(128))
    rate_limit_per_minute: Mapped[int] = mapped_column(Integer, default=600)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
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
