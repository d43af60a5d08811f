"""Loyalty tables on the catalog's declarative base (created by migration ``0017``).

The migration is written by hand; ``tests/unit/loyalty/test_loyalty_models_migration.py``
keeps it and these models equal. Nothing here references the marketplace's tables (a sibling
package): order and line ids are plain integers.

* A **programme** is run by a sponsor: points per krona of sales, what a point is worth in
  öre, after how many months points expire.
* A **membership** makes a retailer organisation (the legal entity) a member of a programme
  once its representative accepted a version of the member terms.
* A **participant** is a seller (a user of the member organisation) the representative
  invited; they take part once they accepted the participant terms.
* An **account** holds points: the programme's sponsor budget (the issuer: its balance is
  minus the points it issued, the only account allowed below zero), a member's own account,
  a seller's sub-account, the shop and expiry. ``balance`` is the maintained sum of its
  entries (read in O(1)).
* An **entry** moves ``points > 0`` from one account to another: append-only; a reversal is a
  new entry the other way. ``idempotency_key`` is unique: an event replayed never pays twice.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from catalog.models import Base, utcnow

_TS = DateTime(timezone=True)


class Programme(Base):
    """A sponsor's loyalty programme. ``sponsor_organisation_id`` names the sponsor
    organisation whose representatives manage it (``loyalty.access``); NULL for a programme
    Valbar runs itself (platform admins manage it)."""

    __tablename__ = "loyalty_programme"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    sponsor_name: Mapped[str] = mapped_column(String(200))
    sponsor_organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="RESTRICT"), index=True
    )
    points_per_krona: Mapped[Decimal] = mapped_column(Numeric(10, 4))
    point_value_ore: Mapped[int] = mapped_column(Integer)  # what one point is worth, in öre
    expiry_months: Mapped[int] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(_TS, default=utcnow)


class Membership(Base):
    """A retailer organisation in a programme; its representative accepted member terms."""

    __tablename__ = "loyalty_membership"
    __table_args__ = (
        UniqueConstraint("programme_id", "organisation_id", name="uq_loyalty_membership"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("loyalty_programme.id"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    terms_version: Mapped[str] = mapped_column(String(20))
    terms_accepted_at: Mapped[datetime] = mapped_column(_TS)
    terms_accepted_by: Mapped[int | None] = mapped_column(
        ForeignKey("app_user.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(_TS, default=utcnow)


class Participant(Base):
    """A seller of a member organisation, invited by its representative."""

    __tablename__ = "loyalty_participant"
    __table_args__ = (UniqueConstraint("membership_id", "user_id", name="uq_loyalty_participant"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    membership_id: Mapped[int] = mapped_column(ForeignKey("loyalty_membership.id"))
    # NULL once the seller's account was erased (GDPR): the sub-account and its entries stay
    # with the member organisation, pseudonymised
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("app_user.id", ondelete="SET NULL"), index=True
    )
    invited_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    invited_at: Mapped[datetime] = mapped_column(_TS)
    terms_version: Mapped[str | None] = mapped_column(String(20))
    terms_accepted_at: Mapped[datetime | None] = mapped_column(_TS)
    # set when the seller left the member organisation (``MemberRemoved``): their
    # sub-account's points went to the member's account; they leave lists and leaderboards
    ended_at: Mapped[datetime | None] = mapped_column(_TS, index=True)


class Account(Base):
    """Points held: ``key`` names it (``p1:member:4``); ``balance`` is the sum of entries."""

    __tablename__ = "loyalty_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(80), unique=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("loyalty_programme.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # AccountKind
    membership_id: Mapped[int | None] = mapped_column(
        ForeignKey("loyalty_membership.id"), index=True
    )
    participant_id: Mapped[int | None] = mapped_column(
        ForeignKey("loyalty_participant.id"), index=True
    )
    balance: Mapped[int] = mapped_column(BigInteger, default=0)
    overdraft_allowed: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(_TS, default=utcnow)


class Entry(Base):
    """One movement of points between two accounts (append-only)."""

    __tablename__ = "loyalty_entry"
    __table_args__ = (
        CheckConstraint("points > 0", name="ck_loyalty_entry_points_positive"),
        CheckConstraint(
            "source_account_id <> destination_account_id", name="ck_loyalty_entry_two_accounts"
        ),
        Index("ix_loyalty_entry_source", "source_account_id", "id"),
        Index("ix_loyalty_entry_destination", "destination_account_id", "id"),
        Index("ix_loyalty_entry_order_line", "order_line_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("loyalty_programme.id"))
    source_account_id: Mapped[int] = mapped_column(ForeignKey("loyalty_account.id"))
    destination_account_id: Mapped[int] = mapped_column(ForeignKey("loyalty_account.id"))
    points: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(20))  # EntryKind
    reason: Mapped[str] = mapped_column(Text)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    order_id: Mapped[int | None] = mapped_column(Integer)
    order_line_id: Mapped[int | None] = mapped_column(Integer)
    reverses_entry_id: Mapped[int | None] = mapped_column(ForeignKey("loyalty_entry.id"))
    created_at: Mapped[datetime] = mapped_column(_TS, default=utcnow)


class OrderHandler(Base):
    """Who of the retailer's members last confirmed or shipped an order (from the
    marketplace's ``OrderConfirmed``/``OrderShipped`` events): the seller a sale's points are
    attributed to."""

    __tablename__ = "loyalty_order_handler"

    order_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime] = mapped_column(_TS, default=utcnow)


# ----------------------------------------------------------- engagement (migration ``0019``)


class Campaign(Base):
    """``multiplier`` × the points of a delivered line whose product, brand or category
    matches ``target_value`` (``target_kind``) and whose delivery falls in
    ``[starts_at, ends_at)``; the highest matching multiplier wins (never compounded)."""

    __tablename__ = "loyalty_campaign"
    __table_args__ = (
        CheckConstraint("multiplier > 1", name="ck_loyalty_campaign_multiplier"),
        CheckConstraint("ends_at > starts_at", name="ck_loyalty_campaign_period"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("loyalty_programme.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    multiplier: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    target_kind: Mapped[str] = mapped_column(String(10))  # CampaignTarget
    target_value: Mapped[str] = mapped_column(String(500))
    starts_at: Mapped[datetime] = mapped_column(_TS)
    ends_at: Mapped[datetime] = mapped_column(_TS)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(_TS, default=utcnow)


class Quiz(Base):
    """A sponsor's quiz: ``questions`` is ``[{text, choices: [..], correct: [indexes]}]``; a
    seller passes with at least ``pass_mark`` right answers, in ``max_attempts`` at most."""

    __tablename__ = "loyalty_quiz"

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("loyalty_programme.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    questions: Mapped[list[Any]] = mapped_column(default=list)
    pass_mark: Mapped[int] = mapped_column(Integer)
    max_attempts: Mapped[int] = mapped_column(Integer)
    points: Mapped[int] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(_TS, default=utcnow)


class QuizAttempt(Base):
    """One submission: ``(quiz, participant, number)`` is unique, so two concurrent
    submissions cannot both be attempt n, and no seller gets more than ``max_attempts``."""

    __tablename__ = "loyalty_quiz_attempt"
    __table_args__ = (
        UniqueConstraint("quiz_id", "participant_id", "number", name="uq_loyalty_quiz_attempt"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    quiz_id: Mapped[int] = mapped_column(ForeignKey("loyalty_quiz.id"))
    participant_id: Mapped[int] = mapped_column(ForeignKey("loyalty_participant.id"))
    number: Mapped[int] = mapped_column(Integer)
    answers: Mapped[list[Any]] = mapped_column(default=list)
    score: Mapped[int] = mapped_column(Integer)
    passed: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(_TS, default=utcnow)


class MonthlyAward(Base):
    """ "Månadens säljare" (``kind`` seller: a seller account) or "månadens butik" (store: a
    membership) of a programme for a ``period`` (``2026-12``): one per kind and month."""

    __tablename__ = "loyalty_monthly_award"
    __table_args__ = (
        UniqueConstraint("programme_id", "period", "kind", name="uq_loyalty_monthly_award"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("loyalty_programme.id"))
    period: Mapped[str] = mapped_column(String(7))
    kind: Mapped[str] = mapped_column(String(10))  # "seller" | "store"
    membership_id: Mapped[int] = mapped_column(ForeignKey("loyalty_membership.id"))
    participant_id: Mapped[int | None] = mapped_column(ForeignKey("loyalty_participant.id"))
    points_earned: Mapped[int] = mapped_column(BigInteger)
    bonus_points: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(_TS, default=utcnow)


class ProgrammeSettings(Base):
    """A programme's engagement settings (one row per programme, defaults when missing):
    the bonus points "månadens säljare" and "månadens butik" get (0: none); ``caps``, the
    most points a seller earns per activity kind a day and a month
    (``{"sale": {"day": 5000, "month": 50000}}``); above ``approval_threshold`` points a
    credit is held for an admin's approval (None: never)."""

    __tablename__ = "loyalty_programme_settings"

    programme_id: Mapped[int] = mapped_column(
        ForeignKey("loyalty_programme.id"), primary_key=True, autoincrement=False
    )
    seller_award_bonus: Mapped[int] = mapped_column(Integer, default=0)
    store_award_bonus: Mapped[int] = mapped_column(Integer, default=0)
    caps: Mapped[dict[str, Any]] = mapped_column(default=dict)
    approval_threshold: Mapped[int | None] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(_TS, default=utcnow)


class HeldCredit(Base):
    """A credit above the programme's approval threshold, waiting for an admin: approved, it
    becomes the entry of ``idempotency_key``; rejected, nothing moves. ``status`` moves from
    held once (a conditional update: two admins deciding at once, one wins)."""

    __tablename__ = "loyalty_held_credit"

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("loyalty_programme.id"), index=True)
    destination_account_id: Mapped[int] = mapped_column(ForeignKey("loyalty_account.id"))
    points: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    order_id: Mapped[int | None] = mapped_column(Integer)
    order_line_id: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10))  # held | approved | rejected
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(_TS)
    decision_reason: Mapped[str | None] = mapped_column(Text)
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("loyalty_entry.id"))
    created_at: Mapped[datetime] = mapped_column(_TS, default=utcnow)


# --- the points shop (migration 0018) --------------------------------------------------


class Reward(Base):
    """A reward in a programme's catalogue (a gift card, a product): the sponsor sets its
    points price and ``stock``, which a redemption decrements by a conditional ``UPDATE``
    (never below zero: ``loyalty.shop``)."""

    __tablename__ = "loyalty_reward"
    __table_args__ = (
        CheckConstraint("price_points > 0", name="ck_loyalty_reward_price_positive"),
        CheckConstraint("stock >= 0", name="ck_loyalty_reward_stock_not_negative"),
        UniqueConstraint("programme_id", "name", name="uq_loyalty_reward_name"),
        Index("ix_loyalty_reward_programme_category", "programme_id", "category"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("loyalty_programme.id"))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    # from before uploads (migration 0026): shown only when it is a path on this site
    picture_url: Mapped[str | None] = mapped_column(String(500))
    # the uploaded picture's stored name (``<sha256>.<jpg|png>``, ``loyalty.reward_pictures``)
    picture: Mapped[str | None] = mapped_column(String(80))
    category: Mapped[str] = mapped_column(String(100))
    price_points: Mapped[int] = mapped_column(BigInteger)
    stock: Mapped[int] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(_TS, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(_TS, default=utcnow)


class ShopPolicy(Base):
    """Who of a member organisation may redeem (set by its representative): ``entity`` (only
    the representative, from the organisation's points) or ``sellers`` (each seller from
    their own sub-account). No row: ``entity``."""

    __tablename__ = "loyalty_shop_policy"

    membership_id: Mapped[int] = mapped_column(
        ForeignKey("loyalty_membership.id"), primary_key=True, autoincrement=False
    )
    redeemer: Mapped[str] = mapped_column(String(10))  # RedeemerPolicy
    set_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    set_at: Mapped[datetime] = mapped_column(_TS, default=utcnow)


class BasketItem(Base):
    """A reward in a user's basket (one row per user and reward)."""

    __tablename__ = "loyalty_basket_item"
    __table_args__ = (
        UniqueConstraint("user_id", "reward_id", name="uq_loyalty_basket_item"),
        CheckConstraint("quantity > 0", name="ck_loyalty_basket_quantity_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"))
    reward_id: Mapped[int] = mapped_column(ForeignKey("loyalty_reward.id"), index=True)
    quantity: Mapped[int] = mapped_column(Integer)
    added_at: Mapped[datetime] = mapped_column(_TS, default=utcnow)


class Redemption(Base):
    """A redemption order: ``placed`` -> ``fulfilled`` | ``cancelled`` (refunded by reversing
    entries). ``idempotency_key`` is unique: a double submit makes one order. ``points`` left
    the accounts in entries keyed ``shop:<id>:<account id>``."""

    __tablename__ = "loyalty_redemption"
    __table_args__ = (
        CheckConstraint("points > 0", name="ck_loyalty_redemption_points_positive"),
        Index("ix_loyalty_redemption_programme_status", "programme_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("loyalty_programme.id"))
    membership_id: Mapped[int] = mapped_column(ForeignKey("loyalty_membership.id"), index=True)
    # the seller who redeemed from their sub-account; None when the entity redeemed
    participant_id: Mapped[int | None] = mapped_column(ForeignKey("loyalty_participant.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(10))  # RedemptionStatus
    points: Mapped[int] = mapped_column(BigInteger)
    value_ore: Mapped[int] = mapped_column(BigInteger)  # points x the programme's point value
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    delivery_name: Mapped[str] = mapped_column(String(200))
    delivery_address: Mapped[str] = mapped_column(String(300))
    delivery_postcode: Mapped[str] = mapped_column(String(10))
    delivery_city: Mapped[str] = mapped_column(String(100))
    delivery_email: Mapped[str | None] = mapped_column(String(320))
    placed_at: Mapped[datetime] = mapped_column(_TS)
    fulfilled_at: Mapped[datetime | None] = mapped_column(_TS)
    cancelled_at: Mapped[datetime | None] = mapped_column(_TS)
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    handled_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))


class RedemptionLine(Base):
    """A reward of a redemption, with its name, points and value as they were then."""

    __tablename__ = "loyalty_redemption_line"

    id: Mapped[int] = mapped_column(primary_key=True)
    redemption_id: Mapped[int] = mapped_column(ForeignKey("loyalty_redemption.id"), index=True)
    reward_id: Mapped[int] = mapped_column(ForeignKey("loyalty_reward.id"))
    reward_name: Mapped[str] = mapped_column(String(200))
    quantity: Mapped[int] = mapped_column(Integer)
    unit_points: Mapped[int] = mapped_column(BigInteger)


# --- photo activities (migration 0021) ----------------------------------------------------


class PhotoActivity(Base):
    """A sponsor's photo activity ("show our display"): a participating seller uploads one
    photo between ``starts_at`` and ``ends_at``; an approved one pays ``points``."""

    __tablename__ = "loyalty_photo_activity"
    __table_args__ = (
        CheckConstraint("points > 0", name="ck_loyalty_photo_activity_points"),
        CheckConstraint("ends_at > starts_at", name="ck_loyalty_photo_activity_period"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("loyalty_programme.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    points: Mapped[int] = mapped_column(Integer)
    starts_at: Mapped[datetime] = mapped_column(_TS)
    ends_at: Mapped[datetime] = mapped_column(_TS)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(_TS, default=utcnow)


class PhotoSubmission(Base):
    """A seller's photo for an activity, stored without metadata as ``file_name`` (its
    sha256 and extension). ``open_participant_id`` is the participant while the photo is
    pending or approved and NULL once rejected: ``(activity, open_participant)`` is unique,
    so a seller has one live photo per activity (two uploads at once: one wins) and may
    upload again after a rejection. ``duplicate_of_id`` flags a near-duplicate of an
    earlier photo of the programme (``duplicate_distance`` bits of the perceptual hash
    apart) for the sponsor to judge. ``participant_id`` is NULL once the seller's account
    was erased and the approved photo stayed in the image bank (the store stays)."""

    __tablename__ = "loyalty_photo_submission"
    __table_args__ = (
        UniqueConstraint(
            "activity_id", "open_participant_id", name="uq_loyalty_photo_submission_open"
        ),
        Index("ix_loyalty_photo_submission_programme_status", "programme_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("loyalty_photo_activity.id"), index=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("loyalty_programme.id"))
    membership_id: Mapped[int] = mapped_column(ForeignKey("loyalty_membership.id"))
    participant_id: Mapped[int | None] = mapped_column(
        ForeignKey("loyalty_participant.id"), index=True
    )
    open_participant_id: Mapped[int | None] = mapped_column(Integer)
    file_name: Mapped[str] = mapped_column(String(80))
    content_type: Mapped[str] = mapped_column(String(20))
    original_kind: Mapped[str] = mapped_column(String(10))  # jpeg | png | heic
    size_bytes: Mapped[int] = mapped_column(Integer)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    dhash: Mapped[str] = mapped_column(String(16))
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("loyalty_photo_submission.id"))
    duplicate_distance: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10))  # pending | approved | rejected
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(_TS)
    decision_reason: Mapped[str | None] = mapped_column(Text)
    credit_outcome: Mapped[str | None] = mapped_column(String(10))  # paid|held|capped|replayed
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("loyalty_entry.id"))
    created_at: Mapped[datetime] = mapped_column(_TS, default=utcnow)


# --- points earned per month (migration 0025) --------------------------------------------


class EarnedPoints(Base):
    """What the sponsor's budget paid an account, less what went back to it, in a Swedish
    calendar ``period`` (``2026-12``) and in all (``all``): maintained with every transfer
    (``loyalty.earned``), so a leaderboard reads one row per account instead of summing
    the ledger."""

    __tablename__ = "loyalty_earned_points"
    # a board reads a period's accounts in points order (the index holds what it reads)
    __table_args__ = (
        Index("ix_loyalty_earned_points_board", "programme_id", "period", "points", "account_id"),
    )

    programme_id: Mapped[int] = mapped_column(
        ForeignKey("loyalty_programme.id"), primary_key=True, autoincrement=False
    )
    period: Mapped[str] = mapped_column(String(7), primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("loyalty_account.id"), primary_key=True, autoincrement=False, index=True
    )
    points: Mapped[int] = mapped_column(BigInteger, default=0)


class EarnedStorePoints(Base):
    """What a member organisation earned in a ``period`` (``2026-12`` or ``all``): its own
    account's and every seller's :class:`EarnedPoints`, maintained with them (the stores'
    board reads one row per store)."""

    __tablename__ = "loyalty_earned_store_points"
    __table_args__ = (
        Index(
            "ix_loyalty_earned_store_points_board",
            "programme_id",
            "period",
            "points",
            "membership_id",
        ),
    )

    programme_id: Mapped[int] = mapped_column(
        ForeignKey("loyalty_programme.id"), primary_key=True, autoincrement=False
    )
    period: Mapped[str] = mapped_column(String(7), primary_key=True)
    membership_id: Mapped[int] = mapped_column(
        ForeignKey("loyalty_membership.id"), primary_key=True, autoincrement=False
    )
    points: Mapped[int] = mapped_column(BigInteger, default=0)
