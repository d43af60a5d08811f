"""Redemption orders of the points shop: placed -> fulfilled | cancelled (refunded).

Placing one (:func:`redeem`) turns the user's basket into an order in one transaction:

1. the order row with its ``idempotency_key`` (the user's id and the request key their form
   or client sent) is inserted first: a double submit, also two at once, makes one order and
   the second gets the first back;
2. each reward's stock is taken by a conditional UPDATE (``stock >= quantity``, rewards in id
   order): never oversold; :class:`~loyalty.errors.OutOfStock` otherwise;
3. the points move to the programme's shop account through :func:`loyalty.ledger.transfer`
   (key ``shop:<order>:<account>``), whose conditional debit never overspends:
   :class:`~loyalty.errors.InsufficientPoints` otherwise.

Any refusal rolls all three back (one savepoint). Which accounts pay follows the member's
:class:`~loyalty.enums.RedeemerPolicy`: ``entity`` — only the representative redeems, from
the organisation's own account first, then its sellers' sub-accounts (oldest first);
``sellers`` — a seller redeems from their sub-account, the representative from the
organisation's own account.

Cancelling (the sponsor) gives every point back with a reversing entry per payment and puts
the stock back; fulfilling marks it delivered. Both are a conditional UPDATE on the status,
so two admins acting at once change it once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from catalog import audit
from catalog.db import rows_matched
from catalog.enums import OrgRole
from catalog.models import User
from catalog.single_line import has_control
from loyalty import shop
from loyalty.access import (
    is_admin,
    is_sponsor,
    require_management_role,
    require_manager,
    require_manager_of,
)
from loyalty.enums import REFUND_ENTRY, AccountKind, EntryKind, RedeemerPolicy, RedemptionStatus
from loyalty.errors import (
    InsufficientPoints,
    InvalidInput,
    NotAllowed,
    NotFound,
    OutOfStock,
    WrongState,
)
from loyalty.ledger import describe_account, ensure_account, transfer
from loyalty.models import Account, Entry, Membership, Redemption, RedemptionLine
from loyalty.programmes import (
    active_participant,
    get_programme,
    own_membership,
    retailer_organisation,
)

_POSTCODE = re.compile(r"^\d{3} ?\d{2}$")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


@dataclass(frozen=True, slots=True)
class Delivery:
    name: str
    address: str
    postcode: str
    city: str
    email: str | None = None


def clean_delivery(d: Delivery) -> Delivery:
    """Trimmed and checked (a Swedish postcode ``123 45``, an e-mail address, every field
    one line: a line break in a name or an address could add a header to the order's
    e-mail); the field in the error. Pure."""
    name, address, city = d.name.strip(), d.address.strip(), d.city.strip()
    postcode = d.postcode.strip()
    fields = (
        ("delivery_name", name),
        ("delivery_address", address),
        ("delivery_postcode", postcode),
        ("delivery_city", city),
        ("delivery_email", (d.email or "").strip()),
    )
    for field, value in fields:
        if has_control(value):
            raise InvalidInput(f"{field}: one line, no line breaks", field=field)
    if not name or len(name) > 200:
        raise InvalidInput("delivery_name: 1-200 characters", field="delivery_name")
    if not address or len(address) > 300:
        raise InvalidInput("delivery_address: 1-300 characters", field="delivery_address")
    if not _POSTCODE.match(postcode):
        raise InvalidInput(
            f"delivery_postcode: five digits (123 45), not {postcode!r}", field="delivery_postcode"
        )
    if not city or len(city) > 100:
        raise InvalidInput("delivery_city: 1-100 characters", field="delivery_city")
    email = (d.email or "").strip() or None
    if email is not None and (len(email) > 320 or not _EMAIL.fullmatch(email)):
        raise InvalidInput("delivery_email: an e-mail address", field="delivery_email")
    digits = postcode.replace(" ", "")
    return Delivery(name, address, f"{digits[:3]} {digits[3:]}", city, email)


def paying_accounts(
    session: Session, user: User, membership: Membership
) -> tuple[list[Account], int | None]:
    """The accounts a redemption by ``user`` draws from, in order, and the participant id
    when a seller redeems from their own sub-account. :class:`NotAllowed` when the policy
    does not let this user redeem."""
    policy = shop.policy_of(session, membership.id)
    member = ensure_account(
        session, membership.programme_id, AccountKind.MEMBER, membership_id=membership.id
    )
    if user.org_role == OrgRole.REPRESENTATIVE.value:
        if policy is RedeemerPolicy.SELLERS:
            return [member], None
        sellers = session.scalars(
            select(Account)
            .where(
                Account.membership_id == membership.id,
                Account.kind == AccountKind.SELLER.value,
            )
            .order_by(Account.id)
        ).all()
        return [member, *sellers], None
    if policy is RedeemerPolicy.ENTITY:
        raise NotAllowed("your organisation redeems as an entity: ask your representative")
    participant = active_participant(session, membership.id, user.id)
    if participant is None:
        raise NotAllowed("accept the participant terms before redeeming")
    own = ensure_account(
        session,
        membership.programme_id,
        AccountKind.SELLER,
        membership_id=membership.id,
        participant_id=participant.id,
    )
    return [own], participant.id


def _by_key(session: Session, key: str) -> Redemption | None:
    return session.scalar(select(Redemption).where(Redemption.idempotency_key == key))


def redeem(
    session: Session,
    user: User | None,
    programme_id: int,
    *,
    request_key: str,
    delivery: Delivery,
    now: datetime,
) -> tuple[Redemption, bool]:
    """The user's basket of the programme's rewards as a placed order: ``(order, created)``;
    ``created`` is False for a request key used before (nothing more happens). The caller
    commits."""
    retailer_organisation(session, user)
    assert user is not None
    request_key = request_key.strip()
    if not request_key or len(request_key) > 100:
        raise InvalidInput("request_key: 1-100 characters", field="request_key")
    key = f"{user.id}:{request_key}"
    existing = _by_key(session, key)
    if existing is not None:
        return existing, False
    programme = get_programme(session, programme_id)
    if not programme.active:
        raise InvalidInput(f"loyalty programme {programme_id} is not active")
    membership = own_membership(session, user, programme_id)
    accounts, participant_id = paying_accounts(session, user, membership)
    items = shop.basket(session, user, programme_id)
    if not items:
        # the same request placed meanwhile (a double submit) emptied the basket: its order
        if (placed := _by_key(session, key)) is not None:
            return placed, False
        raise InvalidInput("the basket is empty", field="basket")
    clean = clean_delivery(delivery)
    total = sum(item.quantity * reward.price_points for item, reward in items)
    shop_account = ensure_account(session, programme_id, AccountKind.SHOP)
    order = Redemption(
        programme_id=programme_id,
        membership_id=membership.id,
        participant_id=participant_id,
        user_id=user.id,
        status=RedemptionStatus.PLACED.value,
        points=total,
        value_ore=total * programme.point_value_ore,
        idempotency_key=key,
        delivery_name=clean.name,
        delivery_address=clean.address,
        delivery_postcode=clean.postcode,
        delivery_city=clean.city,
        delivery_email=clean.email,
        placed_at=now,
    )
    with session.begin_nested():  # a refusal below leaves nothing
        try:
            with session.begin_nested():
                session.add(order)
                session.flush()  # the unique key first: a concurrent double submit stops here
        except IntegrityError:
            found = _by_key(session, key)
            if found is None:
                raise
            return found, False
        for item, reward in sorted(items, key=lambda pair: pair[1].id):
            if not shop.take_stock(session, reward.id, item.quantity):
                raise OutOfStock(reward.id, reward.name)
            session.add(
                RedemptionLine(
                    redemption_id=order.id,
                    reward_id=reward.id,
                    reward_name=reward.name,
                    quantity=item.quantity,
                    unit_points=reward.price_points,
                )
            )
        _pay(session, order, accounts, shop_account.id, now=now)
        shop.clear_basket(session, user.id, [reward.id for _, reward in items])
    return order, True


def _pay(
    session: Session, order: Redemption, accounts: list[Account], shop_id: int, *, now: datetime
) -> None:
    remaining = order.points
    for account in accounts:
        if remaining == 0:
            break
        held = session.scalar(select(Account.balance).where(Account.id == account.id)) or 0
        take = min(int(held), remaining)
        if take <= 0:
            continue
        transfer(
            session,
            programme_id=order.programme_id,
            source_id=account.id,
            destination_id=shop_id,
            points=take,
            kind=EntryKind.REDEMPTION.value,
            reason=f"shop order {order.id}",
            idempotency_key=f"shop:{order.id}:{account.id}",
            now=now,
        )
        remaining -= take
    if remaining > 0:
        raise InsufficientPoints(
            accounts[0].key,
            order.points,
            label=describe_account(session, accounts[0]),
            balance=order.points - remaining,
        )


def get_redemption(session: Session, redemption_id: int) -> Redemption:
    found = session.get(Redemption, redemption_id)
    if found is None:
        raise NotFound(f"no redemption {redemption_id}")
    return found


def _managed(session: Session, user: User | None, redemption_id: int) -> Redemption:
    """The order, when ``user`` manages its programme (``loyalty.access``)."""
    require_management_role(user)
    order = get_redemption(session, redemption_id)
    require_manager_of(session, user, order.programme_id, f"no redemption {redemption_id}")
    return order


def visible_redemption(session: Session, user: User | None, redemption_id: int) -> Redemption:
    """One order as :func:`my_redemptions` lists it: its programme's manager any; the
    representative their organisation's; a seller their own (:class:`NotFound` otherwise);
    anyone else :class:`NotAllowed`."""
    if is_admin(user) or is_sponsor(user):
        found_order = get_redemption(session, redemption_id)
        require_manager_of(
            session, user, found_order.programme_id, f"no redemption {redemption_id}"
        )
        return found_order
    org = retailer_organisation(session, user)
    assert user is not None
    found = session.get(Redemption, redemption_id)
    membership = session.get(Membership, found.membership_id) if found is not None else None
    if (
        found is None
        or membership is None
        or membership.organisation_id != org.id
        or (user.org_role != OrgRole.REPRESENTATIVE.value and found.user_id != user.id)
    ):
        raise NotFound(f"no redemption {redemption_id}")
    return found


def lines_of(session: Session, redemption_id: int) -> list[RedemptionLine]:
    return list(
        session.scalars(
            select(RedemptionLine)
            .where(RedemptionLine.redemption_id == redemption_id)
            .order_by(RedemptionLine.id)
        )
    )


def _move_status(
    session: Session, order: Redemption, to: RedemptionStatus, **values: object
) -> None:
    result = session.execute(
        update(Redemption)
        .where(Redemption.id == order.id, Redemption.status == RedemptionStatus.PLACED.value)
        .values(status=to.value, **values)
        .execution_options(synchronize_session=False)
    )
    if rows_matched(result) != 1:
        session.refresh(order)
        raise WrongState(f"redemption {order.id} is {order.status}, not placed")
    session.refresh(order)


def fulfil(
    session: Session, user: User | None, redemption_id: int, *, now: datetime, channel: str = "web"
) -> Redemption:
    """The sponsor delivered the rewards (the programme's manager)."""
    order = _managed(session, user, redemption_id)
    admin = user
    assert admin is not None
    _move_status(session, order, RedemptionStatus.FULFILLED, fulfilled_at=now, handled_by=admin.id)
    _audit(session, admin, channel, "loyalty.redemption.fulfil", order, {})
    return order


def _audit(
    session: Session,
    admin: User,
    channel: str,
    action: str,
    order: Redemption,
    detail: dict[str, object],
) -> None:
    audit.record(
        session,
        actor=admin,
        channel=channel,
        action=action,
        target_kind="loyalty_redemption",
        target_id=order.id,
        detail={"programme_id": order.programme_id, "points": order.points, **detail},
    )


def cancel(
    session: Session,
    user: User | None,
    redemption_id: int,
    reason: str,
    *,
    now: datetime,
    channel: str = "web",
) -> Redemption:
    """The sponsor cancels a placed order (the programme's manager): every payment is
    reversed to the account it came from and the stock goes back."""
    require_management_role(user)
    reason = reason.strip()
    if not reason or len(reason) > 1000:
        raise InvalidInput("reason: 1-1000 characters", field="reason")
    order = _managed(session, user, redemption_id)
    admin = user
    assert admin is not None
    with session.begin_nested():
        _move_status(
            session,
            order,
            RedemptionStatus.CANCELLED,
            cancelled_at=now,
            cancel_reason=reason,
            handled_by=admin.id,
        )
        payments = session.scalars(
            select(Entry).where(Entry.idempotency_key.like(f"shop:{order.id}:%")).order_by(Entry.id)
        ).all()
        for paid in payments:
            transfer(
                session,
                programme_id=order.programme_id,
                source_id=paid.destination_account_id,
                destination_id=paid.source_account_id,
                points=paid.points,
                kind=REFUND_ENTRY,
                reason=f"shop order {order.id} cancelled: {reason}",
                idempotency_key=f"shop-refund:{paid.id}",
                now=now,
                reverses_entry_id=paid.id,
            )
        for line in lines_of(session, order.id):
            shop.return_stock(session, line.reward_id, line.quantity)
        _audit(session, admin, channel, "loyalty.redemption.cancel", order, {"reason": reason})
    return order


def my_redemptions(
    session: Session, user: User | None, *, limit: int, offset: int
) -> tuple[list[Redemption], int]:
    """The representative: every order of the organisation; a seller: their own. Newest
    first."""
    org = retailer_organisation(session, user)
    assert user is not None
    memberships = select(Membership.id).where(Membership.organisation_id == org.id)
    where: list[ColumnElement[bool]] = [Redemption.membership_id.in_(memberships)]
    if user.org_role != OrgRole.REPRESENTATIVE.value:
        where.append(Redemption.user_id == user.id)
    return _page(session, where, limit=limit, offset=offset)


def queue(
    session: Session,
    user: User | None,
    programme_id: int,
    *,
    status: str | None,
    limit: int,
    offset: int,
) -> tuple[list[Redemption], int]:
    """The sponsor's redemption queue (the programme's manager): the programme's orders of
    ``status`` (every status when None), oldest first."""
    require_manager(session, user, programme_id)
    where: list[ColumnElement[bool]] = [Redemption.programme_id == programme_id]
    if status is not None:
        try:
            where.append(Redemption.status == RedemptionStatus(status).value)
        except ValueError as exc:
            raise InvalidInput("status: placed, fulfilled or cancelled", field="status") from exc
    return _page(session, where, limit=limit, offset=offset, oldest_first=True)


def _page(
    session: Session,
    where: list[ColumnElement[bool]],
    *,
    limit: int,
    offset: int,
    oldest_first: bool = False,
) -> tuple[list[Redemption], int]:
    total = session.scalar(select(func.count()).select_from(Redemption).where(*where)) or 0
    order = Redemption.id if oldest_first else Redemption.id.desc()
    rows = session.scalars(
        select(Redemption).where(*where).order_by(order).limit(limit).offset(offset)
    ).all()
    return list(rows), int(total)
