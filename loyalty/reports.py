"""The sponsor's reports of a programme: points flows per month, cost per activity, and the
sales of campaign products during a campaign against the same length of time before it.

Everything is computed by aggregate SQL (``GROUP BY`` over the ledger and the order lines),
never by loading the entries: the rows that come back are one per month and kind of
movement, one per activity, two per campaign.

* **Per month** (Swedish calendar months, the leaderboards'): points *issued* (out of the
  sponsor's budget), *clawed back* (into it), *redeemed* (into the shop, less refunds out
  of it), *expired* (into the expiry account) and *outstanding* at the month's end (held by
  members and sellers: everything issued and not clawed back, redeemed or expired), with
  the liability in öre at the programme's point value.
* **Per activity**: what the sponsor's budget paid for each kind of credit (a sale, a quiz,
  a month's award bonus, an adjustment, ...), a clawback counted against the kind of the
  entry it reverses. The extra points of a sale under a campaign (its points above those
  the line earns without the multiplier) are the *campaign bonus*, apart from *sale*.
* **Per campaign**: delivered order lines (in kronor, of member retailers' orders) whose
  product matches the campaign, delivered while it ran (up to now) and in the same length
  of time just before it started.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import (
    DateTime,
    Integer,
    String,
    and_,
    case,
    cast,
    column,
    func,
    literal,
    or_,
    select,
    table,
)
from sqlalchemy.orm import InstrumentedAttribute, Session, aliased
from sqlalchemy.sql.elements import ColumnElement

from catalog.models import Organisation, Product, User
from loyalty.access import require_manager
from loyalty.campaigns import CampaignTarget
from loyalty.enums import AccountKind, EntryKind
from loyalty.errors import InvalidInput
from loyalty.leaderboards import LOCAL_TZ, month_of
from loyalty.models import Account, Campaign, Entry, Membership, Programme
from loyalty.order_rows import ORDER_LINE
from loyalty.programmes import get_programme

MAX_MONTHS = 36
MAX_CAMPAIGNS = 50
CAMPAIGN_BONUS = "campaign_bonus"
"""The activity of a sale's points above what it earns without its campaign."""
CAMPAIGN_MARK = "(campaign "
"""How ``loyalty.earning`` marks a sale entry's reason when a campaign multiplied it."""

DELIVERED_ORDER = table(
    "customer_order",
    column("id", Integer),
    column("retailer_id", Integer),
    column("status", String),
    column("currency", String),
    column("delivered_at", DateTime(timezone=True)),
)


@dataclass(frozen=True, slots=True)
class MonthFlow:
    month: str  # "2026-11"
    issued: int
    clawed_back: int
    redeemed: int  # net of refunds
    expired: int
    outstanding: int  # at the month's end
    outstanding_value_ore: int


@dataclass(frozen=True, slots=True)
class ActivityCost:
    activity: str  # an entry kind ("sale", "quiz", "bonus", ...) or ``campaign_bonus``
    points: int  # net of clawbacks
    value_ore: int


@dataclass(frozen=True, slots=True)
class CampaignSales:
    campaign_id: int
    name: str
    multiplier: Decimal
    target_kind: str
    target_value: str
    starts_at: datetime
    ends_at: datetime
    before_from: datetime
    during_until: datetime  # the campaign's end, or now while it runs
    before_sek: Decimal
    before_lines: int
    before_quantity: int
    during_sek: Decimal
    during_lines: int
    during_quantity: int

    @property
    def change(self) -> Decimal | None:
        """During over before, as a fraction (0.25: a quarter more); None without before."""
        if self.before_sek == 0:
            return None
        return (self.during_sek - self.before_sek) / self.before_sek


@dataclass(frozen=True, slots=True)
class SponsorReport:
    programme_id: int
    programme_name: str
    point_value_ore: int
    months: tuple[MonthFlow, ...]
    activities: tuple[ActivityCost, ...]
    campaigns: tuple[CampaignSales, ...]
    generated_at: datetime


def month_starts(now: datetime, count: int) -> list[datetime]:
    """The UTC starts of the last ``count`` Swedish calendar months up to ``now``'s, oldest
    first, and the start of the next (``count + 1`` boundaries). Pure."""
    if not 1 <= count <= MAX_MONTHS:
        raise InvalidInput(f"months: 1-{MAX_MONTHS}", field="months")
    local = now.astimezone(LOCAL_TZ)
    index = local.year * 12 + local.month - 1 - (count - 1)
    out = []
    for i in range(count + 1):
        year, month0 = divmod(index + i, 12)
        out.append(datetime(year, month0 + 1, 1, tzinfo=LOCAL_TZ).astimezone(UTC))
    return out


def _bucket(at: InstrumentedAttribute[datetime], bounds: Sequence[datetime]) -> ColumnElement[int]:
    """The index of the month ``at`` falls in (-1 before the first)."""
    whens = [(at < bound, literal(i - 1)) for i, bound in enumerate(bounds[:-1])]
    return case(*whens, else_=literal(len(bounds) - 2))


def monthly_flows(
    session: Session, programme_id: int, point_value_ore: int, bounds: Sequence[datetime]
) -> list[MonthFlow]:
    """The per-month flows for the months between ``bounds`` (see the module)."""
    source, destination = aliased(Account), aliased(Account)
    bucket = _bucket(Entry.created_at, bounds).label("bucket")
    rows = session.execute(
        select(bucket, source.kind, destination.kind, func.sum(Entry.points))
        .join(source, source.id == Entry.source_account_id)
        .join(destination, destination.id == Entry.destination_account_id)
        .where(Entry.programme_id == programme_id, Entry.created_at < bounds[-1])
        .group_by(bucket, source.kind, destination.kind)
    ).all()
    flows: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for index, from_kind, to_kind, points in rows:
        month, p = flows[int(index)], int(points or 0)
        if from_kind == AccountKind.SPONSOR.value:
            month["issued"] += p
        if to_kind == AccountKind.SPONSOR.value:
            month["clawed_back"] += p
        if to_kind == AccountKind.SHOP.value:
            month["redeemed"] += p
        if from_kind == AccountKind.SHOP.value:
            month["redeemed"] -= p
        if to_kind == AccountKind.EXPIRY.value:
            month["expired"] += p
        if from_kind == AccountKind.EXPIRY.value:
            month["expired"] -= p

    def net(month: dict[str, int]) -> int:
        return month["issued"] - month["clawed_back"] - month["redeemed"] - month["expired"]

    outstanding = net(flows[-1]) if -1 in flows else 0
    out = []
    for i, start in enumerate(bounds[:-1]):
        month = flows.get(i, defaultdict(int))
        outstanding += net(month)
        out.append(
            MonthFlow(
                month=month_of(start),
                issued=month["issued"],
                clawed_back=month["clawed_back"],
                redeemed=month["redeemed"],
                expired=month["expired"],
                outstanding=outstanding,
                outstanding_value_ore=outstanding * point_value_ore,
            )
        )
    return out


def _floor(session: Session, value: ColumnElement[Decimal]) -> ColumnElement[int]:
    """``floor(value)`` of a positive number on either database (SQLite has no floor; its
    integer cast truncates, which is the floor of a positive number; the tiny addition
    undoes a binary fraction such as 2.9999999 for 3)."""
    if session.get_bind().dialect.name == "postgresql":
        return cast(func.floor(value), Integer)
    return cast(value + 1e-9, Integer)


def activity_costs(
    session: Session,
    programme_id: int,
    point_value_ore: int,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[ActivityCost]:
    """What the sponsor's budget paid per activity in ``[since, until)`` (see the module),
    largest first."""
    source, destination = aliased(Account), aliased(Account)
    original = aliased(Entry)
    activity = func.coalesce(original.kind, Entry.kind).label("activity")
    sign = case(
        (source.kind == AccountKind.SPONSOR.value, 1),
        (destination.kind == AccountKind.SPONSOR.value, -1),
        else_=0,
    )
    window = [Entry.programme_id == programme_id]
    if since is not None:
        window.append(Entry.created_at >= since)
    if until is not None:
        window.append(Entry.created_at < until)
    touches_sponsor = or_(
        source.kind == AccountKind.SPONSOR.value, destination.kind == AccountKind.SPONSOR.value
    )
    base = (
        select(activity, func.sum(sign * Entry.points))
        .join(source, source.id == Entry.source_account_id)
        .join(destination, destination.id == Entry.destination_account_id)
        .outerjoin(original, original.id == Entry.reverses_entry_id)
        .where(*window, touches_sponsor)
        .group_by(activity)
    )
    totals: dict[str, int] = {str(kind): int(points or 0) for kind, points in session.execute(base)}
    # a campaign sale's bonus: its points above the line's points without the multiplier
    sale = aliased(Entry)
    plain = _floor(
        session, ORDER_LINE.c.unit_price * ORDER_LINE.c.quantity * Programme.points_per_krona
    )
    extra = case((sale.points > plain, sale.points - plain), else_=0)
    bonus = session.scalar(
        select(func.coalesce(func.sum(sign * extra), 0))
        .select_from(Entry)
        .join(source, source.id == Entry.source_account_id)
        .join(destination, destination.id == Entry.destination_account_id)
        .join(sale, sale.id == func.coalesce(Entry.reverses_entry_id, Entry.id))
        .join(ORDER_LINE, ORDER_LINE.c.id == sale.order_line_id)
        .join(Programme, Programme.id == sale.programme_id)
        .where(
            *window,
            touches_sponsor,
            sale.kind == EntryKind.SALE.value,
            sale.reason.contains(CAMPAIGN_MARK, autoescape=True),
        )
    )
    bonus = int(bonus or 0)
    if bonus:
        totals[EntryKind.SALE.value] = totals.get(EntryKind.SALE.value, 0) - bonus
        totals[CAMPAIGN_BONUS] = bonus
    return sorted(
        (ActivityCost(k, p, p * point_value_ore) for k, p in totals.items() if p),
        key=lambda a: (-a.points, a.activity),
    )


def _matches(campaign: Campaign) -> ColumnElement[bool]:
    """SQL of ``loyalty.campaigns.matches``' product test (the period aside)."""
    target = " ".join(campaign.target_value.split()).lower()
    if campaign.target_kind == CampaignTarget.PRODUCT.value:
        return ORDER_LINE.c.product_id == (int(target) if target.isdigit() else -1)
    if campaign.target_kind == CampaignTarget.BRAND.value:
        return func.lower(func.trim(Product.brand)) == target
    category = func.lower(func.trim(Product.category))
    return or_(category == target, category.startswith(f"{target} >", autoescape=True))


def campaign_sales(
    session: Session, programme_id: int, now: datetime, *, limit: int = MAX_CAMPAIGNS
) -> list[CampaignSales]:
    """Each started campaign's matching sales during it and just before it (see the
    module), newest campaign first."""
    members = (
        select(Organisation.retailer_id)
        .join(Membership, Membership.organisation_id == Organisation.id)
        .where(Membership.programme_id == programme_id, Organisation.retailer_id.is_not(None))
    )
    found = session.scalars(
        select(Campaign)
        .where(Campaign.programme_id == programme_id, Campaign.starts_at <= now)
        .order_by(Campaign.starts_at.desc(), Campaign.id.desc())
        .limit(limit)
    ).all()
    out = []
    for campaign in found:
        starts, ends = _utc(campaign.starts_at), _utc(campaign.ends_at)
        until = min(ends, now)
        before_from = starts - (until - starts)
        at = DELIVERED_ORDER.c.delivered_at
        during = and_(at >= starts, at < until)
        line_sek = ORDER_LINE.c.unit_price * ORDER_LINE.c.quantity
        stmt = (
            select(
                during.label("during"),
                func.coalesce(func.sum(line_sek), 0),
                func.count(),
                func.coalesce(func.sum(ORDER_LINE.c.quantity), 0),
            )
            .select_from(ORDER_LINE)
            .join(DELIVERED_ORDER, DELIVERED_ORDER.c.id == ORDER_LINE.c.order_id)
            .outerjoin(Product, Product.id == ORDER_LINE.c.product_id)
            .where(
                DELIVERED_ORDER.c.status == "delivered",
                DELIVERED_ORDER.c.currency == "SEK",
                DELIVERED_ORDER.c.retailer_id.in_(members),
                at >= before_from,
                at < until,
                _matches(campaign),
            )
            .group_by(during)
        )
        sums = {bool(d): (Decimal(s), int(n), int(q)) for d, s, n, q in session.execute(stmt)}
        zero = (Decimal(0), 0, 0)
        before, inside = sums.get(False, zero), sums.get(True, zero)
        out.append(
            CampaignSales(
                campaign_id=campaign.id,
                name=campaign.name,
                multiplier=Decimal(campaign.multiplier),
                target_kind=campaign.target_kind,
                target_value=campaign.target_value,
                starts_at=starts,
                ends_at=ends,
                before_from=before_from,
                during_until=until,
                before_sek=before[0].quantize(Decimal("0.01")),
                before_lines=before[1],
                before_quantity=before[2],
                during_sek=inside[0].quantize(Decimal("0.01")),
                during_lines=inside[1],
                during_quantity=inside[2],
            )
        )
    return out


def _from_first_movement(months: list[MonthFlow]) -> list[MonthFlow]:
    """The months from the first with anything to show (the last month at least): a young
    programme's report does not open with empty months. Pure."""
    for i, m in enumerate(months):
        if m.outstanding or m.issued or m.clawed_back or m.redeemed or m.expired:
            return months[i:]
    return months[-1:]


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def sponsor_report(
    session: Session, user: User | None, programme_id: int, *, now: datetime, months: int = 12
) -> SponsorReport:
    """The programme's report for its manager (an admin, its sponsor's representative):
    the last ``months`` months' flows, the cost per activity over those months, the
    campaigns' sales."""
    require_manager(session, user, programme_id)
    programme = get_programme(session, programme_id)
    bounds = month_starts(now, months)
    value = programme.point_value_ore
    return SponsorReport(
        programme_id=programme.id,
        programme_name=programme.name,
        point_value_ore=value,
        months=tuple(_from_first_movement(monthly_flows(session, programme.id, value, bounds))),
        activities=tuple(
            activity_costs(
                session,
                programme.id,
                value,
                since=bounds[0],
                until=bounds[-1],
            )
        ),
        campaigns=tuple(campaign_sales(session, programme.id, now)),
        generated_at=now,
    )
