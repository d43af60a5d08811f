"""Earning campaigns: × N points on chosen products, brands or categories for a period.

The programme's manager (``loyalty.access``) runs a campaign in a programme: delivered lines whose
product matches it while it runs earn ``multiplier`` times the programme's points. When
several campaigns match one line **the highest multiplier wins** (campaigns never compound:
a line under ×2 and ×3 earns ×3). Matching (pure, :func:`best_multiplier`):

* ``product``: the catalogue product's id (``"42"``);
* ``brand``: the product's brand, case and surrounding spaces ignored;
* ``category``: the product's category or any category below it (``"Handskar"`` matches
  ``"Handskar"`` and ``"Handskar > Nitril"``), case ignored.

A period is ``[starts_at, ends_at)`` in UTC; the moment that counts is the delivery.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from catalog import audit
from catalog.models import Product, User
from loyalty.access import require_management_role, require_manager, require_manager_of
from loyalty.errors import InvalidInput, LoyaltyError, NotFound
from loyalty.models import Campaign
from loyalty.programmes import get_programme

MAX_MULTIPLIER = Decimal(10)
ONE = Decimal(1)


class CampaignTarget(StrEnum):
    PRODUCT = "product"
    BRAND = "brand"
    CATEGORY = "category"


@dataclass(frozen=True, slots=True)
class ProductFacts:
    """What a campaign matches a line's product on."""

    product_id: int
    brand: str | None
    category: str | None


def _norm(value: str | None) -> str:
    return " ".join((value or "").split()).casefold()


def _utc(value: datetime) -> datetime:
    """A stored time as aware UTC (SQLite gives naive times back)."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def matches(campaign: Campaign, product: ProductFacts, at: datetime) -> bool:
    """Whether the campaign covers the product at that moment. Pure."""
    if not _utc(campaign.starts_at) <= _utc(at) < _utc(campaign.ends_at):
        return False
    target = _norm(campaign.target_value)
    if campaign.target_kind == CampaignTarget.PRODUCT.value:
        return target == str(product.product_id)
    if campaign.target_kind == CampaignTarget.BRAND.value:
        return bool(target) and _norm(product.brand) == target
    if campaign.target_kind == CampaignTarget.CATEGORY.value:
        category = _norm(product.category)
        return bool(target) and (category == target or category.startswith(f"{target} >"))
    return False


def best_multiplier(
    campaigns: Iterable[Campaign], product: ProductFacts | None, at: datetime
) -> tuple[Decimal, Campaign | None]:
    """The highest multiplier of the campaigns covering the product (1 and None when none
    does; ties go to the older campaign). Pure."""
    best: tuple[Decimal, Campaign | None] = (ONE, None)
    if product is None:
        return best
    for campaign in sorted(campaigns, key=lambda c: c.id):
        if matches(campaign, product, at) and Decimal(campaign.multiplier) > best[0]:
            best = (Decimal(campaign.multiplier), campaign)
    return best


def running(session: Session, programme_id: int, at: datetime) -> list[Campaign]:
    """The programme's campaigns running at ``at``."""
    return list(
        session.scalars(
            select(Campaign)
            .where(
                Campaign.programme_id == programme_id,
                Campaign.starts_at <= at,
                Campaign.ends_at > at,
            )
            .order_by(Campaign.id)
        )
    )


def running_many(
    session: Session, programme_ids: Iterable[int], at: datetime
) -> dict[int, list[Campaign]]:
    """:func:`running` of each programme (one query)."""
    ids = sorted(set(programme_ids))
    out: dict[int, list[Campaign]] = {i: [] for i in ids}
    if not ids:
        return out
    for campaign in session.scalars(
        select(Campaign)
        .where(
            Campaign.programme_id.in_(ids),
            Campaign.starts_at <= at,
            Campaign.ends_at > at,
        )
        .order_by(Campaign.id)
    ):
        out[campaign.programme_id].append(campaign)
    return out


def product_facts(session: Session, product_ids: Iterable[int]) -> dict[int, ProductFacts]:
    """Brand and category of the products (one query)."""
    ids = sorted(set(product_ids))
    if not ids:
        return {}
    rows = session.execute(
        select(Product.id, Product.brand, Product.category).where(Product.id.in_(ids))
    )
    return {int(r.id): ProductFacts(int(r.id), r.brand, r.category) for r in rows}


@dataclass(frozen=True, slots=True)
class CampaignDraft:
    """A campaign's checked fields."""

    name: str
    multiplier: Decimal
    target_kind: str
    target_value: str
    starts_at: datetime
    ends_at: datetime


def _checked(
    session: Session,
    *,
    name: str,
    multiplier: Decimal | str | int,
    target_kind: str,
    target_value: str,
    starts_at: datetime,
    ends_at: datetime,
) -> CampaignDraft:
    """The fields checked (:class:`InvalidInput` names a bad one)."""
    name = " ".join(name.split())
    if not name or len(name) > 200:
        raise InvalidInput("name: 1-200 characters", field="name")
    try:
        factor = Decimal(str(multiplier))
    except InvalidOperation as exc:
        raise InvalidInput(f"multiplier: not a number: {multiplier!r}", field="multiplier") from exc
    if (
        not factor.is_finite()
        or not ONE < factor <= MAX_MULTIPLIER
        or factor != factor.quantize(Decimal("0.01"))
    ):
        raise InvalidInput(
            f"multiplier: more than 1, at most {MAX_MULTIPLIER}, 2 decimals at most",
            field="multiplier",
        )
    try:
        kind = CampaignTarget(target_kind)
    except ValueError as exc:
        raise InvalidInput(
            f"target_kind: one of {', '.join(t.value for t in CampaignTarget)}",
            field="target_kind",
        ) from exc
    value = " ".join(target_value.split())
    if not value or len(value) > 500:
        raise InvalidInput("target_value: 1-500 characters", field="target_value")
    if kind is CampaignTarget.PRODUCT and (
        not value.isdigit() or session.get(Product, int(value)) is None
    ):
        raise InvalidInput(f"target_value: no product {value!r}", field="target_value")
    if starts_at.tzinfo is None or ends_at.tzinfo is None:
        raise InvalidInput("starts_at/ends_at: give a time zone", field="starts_at")
    if ends_at <= starts_at:
        raise InvalidInput("ends_at: after starts_at", field="ends_at")
    # kept in UTC (SQLite keeps a time's wall clock, not its offset)
    return CampaignDraft(
        name, factor, kind.value, value, starts_at.astimezone(UTC), ends_at.astimezone(UTC)
    )


def create_campaign(
    session: Session,
    user: User | None,
    programme_id: int,
    *,
    name: str,
    multiplier: Decimal | str | int,
    target_kind: str,
    target_value: str,
    starts_at: datetime,
    ends_at: datetime,
    now: datetime,
    channel: str = "web",
) -> Campaign:
    """A new campaign (the programme's manager: ``loyalty.access``), audited. :class:`InvalidInput`
    names the field of a bad value."""
    admin = require_manager(session, user, programme_id)
    draft = _checked(
        session,
        name=name,
        multiplier=multiplier,
        target_kind=target_kind,
        target_value=target_value,
        starts_at=starts_at,
        ends_at=ends_at,
    )
    name, factor, value = draft.name, draft.multiplier, draft.target_value
    kind = CampaignTarget(draft.target_kind)
    campaign = Campaign(
        programme_id=programme_id,
        name=name,
        multiplier=factor,
        target_kind=kind.value,
        target_value=value,
        starts_at=draft.starts_at,
        ends_at=draft.ends_at,
        created_by=admin.id,
        created_at=now,
    )
    session.add(campaign)
    session.flush()
    audit.record(
        session,
        actor=admin,
        channel=channel,
        action="loyalty.campaign.create",
        target_kind="loyalty_campaign",
        target_id=campaign.id,
        detail={
            "programme_id": programme_id,
            "name": name,
            "multiplier": str(factor),
            "target_kind": kind.value,
            "target_value": value,
        },
    )
    return campaign


class CampaignStarted(LoyaltyError):
    """A campaign that has started paid points on its multiplier, target and start: those
    stay (only its name, and an end not in the past, change)."""


def update_campaign(
    session: Session,
    user: User | None,
    campaign_id: int,
    *,
    name: str,
    multiplier: Decimal | str | int,
    target_kind: str,
    target_value: str,
    starts_at: datetime,
    ends_at: datetime,
    now: datetime,
    channel: str = "web",
) -> Campaign:
    """The programme's manager edits a campaign, audited. Points are paid at delivery from
    the campaigns running then and never recalculated, so an edit is never retroactive:

    * before it starts, everything changes (a start not in the past);
    * once started, the multiplier, target and start stay (:class:`CampaignStarted`): the
      name changes, and the end moves (not before now: it can end now or run longer);
    * once ended, only the name changes.

    The campaign row is locked, so two edits at once apply one after the other."""
    require_management_role(user)
    campaign = session.get(Campaign, campaign_id, with_for_update=True, populate_existing=True)
    if campaign is None:
        raise NotFound(f"no campaign {campaign_id}")
    manager = require_manager_of(session, user, campaign.programme_id, f"no campaign {campaign_id}")
    draft = _checked(
        session,
        name=name,
        multiplier=multiplier,
        target_kind=target_kind,
        target_value=target_value,
        starts_at=starts_at,
        ends_at=ends_at,
    )
    started, ended = _utc(campaign.starts_at) <= now, _utc(campaign.ends_at) <= now
    if not started:
        if draft.starts_at < now:
            raise InvalidInput("starts_at: not in the past", field="starts_at")
    else:
        frozen = (
            draft.multiplier != Decimal(campaign.multiplier)
            or draft.target_kind != campaign.target_kind
            or draft.target_value != campaign.target_value
            or draft.starts_at != _utc(campaign.starts_at)
        )
        if frozen:
            raise CampaignStarted(
                f"campaign {campaign_id} has started: its multiplier, target and start stay "
                "(points paid under it are never recalculated)"
            )
        if ended and draft.ends_at != _utc(campaign.ends_at):
            raise CampaignStarted(f"campaign {campaign_id} has ended: only its name changes")
        if not ended and draft.ends_at < now:
            raise InvalidInput(
                "ends_at: not in the past (end it now at the earliest)", field="ends_at"
            )
    before = {
        "name": campaign.name,
        "multiplier": str(campaign.multiplier),
        "target": f"{campaign.target_kind}:{campaign.target_value}",
        "starts_at": _utc(campaign.starts_at).isoformat(),
        "ends_at": _utc(campaign.ends_at).isoformat(),
    }
    campaign.name, campaign.multiplier = draft.name, draft.multiplier
    campaign.target_kind, campaign.target_value = draft.target_kind, draft.target_value
    campaign.starts_at, campaign.ends_at = draft.starts_at, draft.ends_at
    after = {
        "name": draft.name,
        "multiplier": str(draft.multiplier),
        "target": f"{draft.target_kind}:{draft.target_value}",
        "starts_at": draft.starts_at.isoformat(),
        "ends_at": draft.ends_at.isoformat(),
    }
    session.flush()
    audit.record(
        session,
        actor=manager,
        channel=channel,
        action="loyalty.campaign.update",
        target_kind="loyalty_campaign",
        target_id=campaign.id,
        detail={
            "programme_id": campaign.programme_id,
            **{k: [before[k], after[k]] for k in after if before[k] != after[k]},
        },
    )
    return campaign


def list_campaigns(
    session: Session, programme_id: int, *, limit: int = 100, offset: int = 0
) -> tuple[Sequence[Campaign], int]:
    """The programme's campaigns, newest first: (page, total)."""
    get_programme(session, programme_id)
    where = Campaign.programme_id == programme_id
    total = session.scalar(select(func.count()).select_from(Campaign).where(where)) or 0
    rows = session.scalars(
        select(Campaign).where(where).order_by(Campaign.id.desc()).limit(limit).offset(offset)
    ).all()
    return rows, int(total)
