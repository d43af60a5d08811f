"""The points shop's catalogue, baskets and redemption policy.

The sponsor (the programme's manager, ``loyalty.access``) keeps a programme's rewards: name,
description, picture URL, category, points price, stock, active. Members browse and search
the active rewards by name and category and keep a basket (one row per user and reward; adding again
adds to the quantity). The representative sets who of the organisation redeems
(:class:`~loyalty.enums.RedeemerPolicy`; ``entity`` until set). Redemption itself is
``loyalty.redemptions``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from catalog import audit
from catalog.db import rows_matched
from catalog.models import User
from loyalty.access import (
    is_admin,
    is_sponsor,
    require_management_role,
    require_manager,
    require_manager_of,
)
from loyalty.enums import RedeemerPolicy
from loyalty.errors import AlreadyExists, InvalidInput, NotFound
from loyalty.models import BasketItem, Membership, Reward, ShopPolicy
from loyalty.programmes import (
    get_programme,
    own_membership,
    require_representative,
    retailer_organisation,
)

MAX_QUANTITY = 100
"""The most of one reward in a basket or a redemption."""


@dataclass(frozen=True, slots=True)
class RewardInput:
    name: str
    description: str
    picture_url: str | None
    category: str
    price_points: int
    stock: int
    active: bool = True


def is_local_path(url: str) -> bool:
    """A path on this site (``/static/...``), not another site's address (``//host``,
    ``https://``) nor a script. Pure."""
    return url.startswith("/") and not url.startswith("//") and "\\" not in url


def _clean(value: RewardInput) -> RewardInput:
    """Checked and trimmed; :class:`InvalidInput` names the field. Pure."""
    name, category = value.name.strip(), value.category.strip()
    if not name or len(name) > 200:
        raise InvalidInput("name: 1-200 characters", field="name")
    if not category or len(category) > 100:
        raise InvalidInput("category: 1-100 characters", field="category")
    if len(value.description) > 5000:
        raise InvalidInput("description: at most 5000 characters", field="description")
    url = (value.picture_url or "").strip() or None
    if url is not None and (len(url) > 500 or not is_local_path(url)):
        raise InvalidInput(
            "picture_url: a path on this site, at most 500 characters (a picture on another "
            "site is blocked by the site's content security policy: upload it instead)",
            field="picture_url",
        )
    if not 1 <= value.price_points <= 10_000_000:
        raise InvalidInput("price_points: 1-10000000", field="price_points")
    if not 0 <= value.stock <= 1_000_000:
        raise InvalidInput("stock: 0-1000000", field="stock")
    return RewardInput(
        name,
        value.description.strip(),
        url,
        category,
        value.price_points,
        value.stock,
        value.active,
    )


def create_reward(
    session: Session,
    user: User | None,
    programme_id: int,
    value: RewardInput,
    *,
    now: datetime,
    channel: str = "web",
) -> Reward:
    """A new reward in the programme's catalogue (the programme's manager).
    :class:`AlreadyExists` when the programme has a reward of that name."""
    admin = require_manager(session, user, programme_id)
    clean = _clean(value)
    reward = Reward(
        programme_id=programme_id,
        name=clean.name,
        description=clean.description,
        picture_url=clean.picture_url,
        category=clean.category,
        price_points=clean.price_points,
        stock=clean.stock,
        active=clean.active,
        created_at=now,
        updated_at=now,
    )
    try:
        with session.begin_nested():
            session.add(reward)
            session.flush()
    except IntegrityError as exc:
        raise AlreadyExists(f"the programme has a reward named {clean.name!r} already") from exc
    _audit(session, admin, channel, "loyalty.reward.create", reward)
    return reward


def update_reward(
    session: Session,
    user: User | None,
    reward_id: int,
    value: RewardInput,
    *,
    now: datetime,
    channel: str = "web",
) -> Reward:
    """Replace a reward's fields (the programme's manager). Stock is set as given: a
    redemption placed meanwhile took its units before (the conditional UPDATE), so the
    sponsor sets what is left on the shelf."""
    require_management_role(user)
    reward = get_reward(session, reward_id)
    admin = require_manager_of(session, user, reward.programme_id, f"no reward {reward_id}")
    clean = _clean(value)
    reward.name, reward.description = clean.name, clean.description
    reward.picture_url, reward.category = clean.picture_url, clean.category
    reward.price_points, reward.stock, reward.active = (
        clean.price_points,
        clean.stock,
        clean.active,
    )
    reward.updated_at = now
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError as exc:
        raise AlreadyExists(f"the programme has a reward named {clean.name!r} already") from exc
    _audit(session, admin, channel, "loyalty.reward.update", reward)
    return reward


def _audit(session: Session, admin: User, channel: str, action: str, reward: Reward) -> None:
    audit.record(
        session,
        actor=admin,
        channel=channel,
        action=action,
        target_kind="loyalty_reward",
        target_id=reward.id,
        detail={
            "programme_id": reward.programme_id,
            "name": reward.name,
            "price_points": reward.price_points,
            "stock": reward.stock,
            "active": reward.active,
        },
    )


def get_reward(session: Session, reward_id: int) -> Reward:
    found = session.get(Reward, reward_id)
    if found is None:
        raise NotFound(f"no reward {reward_id}")
    return found


def visible_reward(session: Session, user: User | None, reward_id: int) -> Reward:
    """One reward as its reader may see it: its programme's manager any (``loyalty.access``;
    another sponsor :class:`NotFound`); a member of a retailer organisation an active reward
    of a programme the organisation is a member of (:class:`NotFound` otherwise); anyone
    else :class:`NotAllowed`."""
    if is_admin(user) or is_sponsor(user):
        managed = get_reward(session, reward_id)
        require_manager_of(session, user, managed.programme_id, f"no reward {reward_id}")
        return managed
    retailer_organisation(session, user)
    found = session.get(Reward, reward_id)
    if found is None or not found.active:
        raise NotFound(f"no reward {reward_id}")
    own_membership(session, user, found.programme_id)
    return found


def take_stock(session: Session, reward_id: int, quantity: int) -> bool:
    """Take ``quantity`` units of an active reward: one conditional UPDATE that the database
    checks on the current, locked row, so concurrent redemptions never oversell. False when
    fewer are left (or it is inactive)."""
    result = session.execute(
        update(Reward)
        .where(Reward.id == reward_id, Reward.active.is_(True), Reward.stock >= quantity)
        .values(stock=Reward.stock - quantity)
        .execution_options(synchronize_session=False)
    )
    return rows_matched(result) == 1


def return_stock(session: Session, reward_id: int, quantity: int) -> None:
    session.execute(
        update(Reward)
        .where(Reward.id == reward_id)
        .values(stock=Reward.stock + quantity)
        .execution_options(synchronize_session=False)
    )


def browse(
    session: Session,
    programme_id: int,
    *,
    query: str | None = None,
    category: str | None = None,
    include_inactive: bool = False,
    limit: int,
    offset: int,
) -> tuple[list[Reward], int]:
    """Rewards by name (or description) containing ``query`` and of ``category``, cheapest
    first: (page, total). Members see active rewards only."""
    get_programme(session, programme_id)
    where = [Reward.programme_id == programme_id]
    if not include_inactive:
        where.append(Reward.active.is_(True))
    if query and query.strip():
        pattern = f"%{query.strip().lower()}%"
        where.append(
            or_(func.lower(Reward.name).like(pattern), func.lower(Reward.description).like(pattern))
        )
    if category and category.strip():
        where.append(Reward.category == category.strip())
    total = session.scalar(select(func.count()).select_from(Reward).where(*where)) or 0
    rows = session.scalars(
        select(Reward)
        .where(*where)
        .order_by(Reward.price_points, Reward.id)
        .limit(limit)
        .offset(offset)
    ).all()
    return list(rows), int(total)


def categories(session: Session, programme_id: int) -> list[str]:
    """The categories of the programme's active rewards, alphabetically."""
    return list(
        session.scalars(
            select(Reward.category)
            .where(Reward.programme_id == programme_id, Reward.active.is_(True))
            .distinct()
            .order_by(Reward.category)
        )
    )


# --- the basket --------------------------------------------------------------------------


def basket(
    session: Session, user: User | None, programme_id: int
) -> list[tuple[BasketItem, Reward]]:
    """The user's basket items of the programme's rewards, in the order added."""
    retailer_organisation(session, user)
    assert user is not None
    return [
        (item, reward)
        for item, reward in session.execute(
            select(BasketItem, Reward)
            .join(Reward, Reward.id == BasketItem.reward_id)
            .where(BasketItem.user_id == user.id, Reward.programme_id == programme_id)
            .order_by(BasketItem.id)
        )
    ]


def set_basket_quantity(
    session: Session,
    user: User | None,
    reward_id: int,
    quantity: int,
    *,
    now: datetime,
    add: bool = False,
) -> BasketItem | None:
    """Put ``quantity`` of the reward in the basket (``add``: on top of what is there); 0
    removes it (None). Only members of the reward's programme; two requests at once keep one
    row."""
    retailer_organisation(session, user)
    assert user is not None
    reward = get_reward(session, reward_id)
    own_membership(session, user, reward.programme_id)
    if quantity < 0 or quantity > MAX_QUANTITY:
        raise InvalidInput(f"quantity: 0-{MAX_QUANTITY}", field="quantity")
    item = session.scalar(
        select(BasketItem).where(BasketItem.user_id == user.id, BasketItem.reward_id == reward_id)
    )
    if quantity == 0 and not add:
        if item is not None:
            session.delete(item)
            session.flush()
        return None
    if quantity == 0:
        raise InvalidInput("quantity: add at least 1", field="quantity")
    if not reward.active:
        raise InvalidInput(f"reward {reward_id} is not offered now", field="reward_id")
    if item is None:
        item = BasketItem(user_id=user.id, reward_id=reward_id, quantity=quantity, added_at=now)
        try:
            with session.begin_nested():
                session.add(item)
                session.flush()
            return item
        except IntegrityError:  # added by a concurrent request: fall through to update it
            item = session.scalar(
                select(BasketItem).where(
                    BasketItem.user_id == user.id, BasketItem.reward_id == reward_id
                )
            )
            if item is None:
                raise
    new = item.quantity + quantity if add else quantity
    if new > MAX_QUANTITY:
        raise InvalidInput(f"quantity: at most {MAX_QUANTITY} in the basket", field="quantity")
    item.quantity = new
    session.flush()
    return item


def clear_basket(session: Session, user_id: int, reward_ids: list[int]) -> None:
    """Remove the rewards from the user's basket (a plain DELETE: a concurrent redemption
    that emptied it first is no error)."""
    session.execute(
        delete(BasketItem)
        .where(BasketItem.user_id == user_id, BasketItem.reward_id.in_(reward_ids))
        .execution_options(synchronize_session="fetch")
    )


# --- who redeems -------------------------------------------------------------------------


def policy_of(session: Session, membership_id: int) -> RedeemerPolicy:
    found = session.get(ShopPolicy, membership_id)
    return RedeemerPolicy(found.redeemer) if found is not None else RedeemerPolicy.ENTITY


def set_policy(
    session: Session, user: User | None, programme_id: int, redeemer: str, *, now: datetime
) -> tuple[Membership, RedeemerPolicy]:
    """The representative decides who redeems: ``entity`` or ``sellers``."""
    require_representative(session, user)
    assert user is not None
    try:
        policy = RedeemerPolicy(redeemer)
    except ValueError as exc:
        raise InvalidInput(
            f"redeemer: 'entity' or 'sellers', not {redeemer!r}", field="redeemer"
        ) from exc
    membership = own_membership(session, user, programme_id)
    found = session.get(ShopPolicy, membership.id)
    if found is None:
        try:
            with session.begin_nested():
                session.add(
                    ShopPolicy(
                        membership_id=membership.id,
                        redeemer=policy.value,
                        set_by=user.id,
                        set_at=now,
                    )
                )
                session.flush()
            return membership, policy
        except IntegrityError:
            found = session.get(ShopPolicy, membership.id)
            if found is None:
                raise
    if found.redeemer != policy.value:
        found.redeemer, found.set_by, found.set_at = policy.value, user.id, now
    return membership, policy
