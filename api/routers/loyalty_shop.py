"""The points shop (issue 15): the sponsor's reward catalogue and redemption queue (the
programme's manager: ``loyalty.access``),
members' browsing, basket and redemptions, the representative's policy of who redeems, the
liability report and the yearly statement CSV. Domain errors map to problem+json in
``api.problems``."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from api.deps import RateLimitDep, RequireAdmin, RequireProgrammeStaff, SessionDep, UserDep
from api.idempotency import Idempotent
from api.loyalty_csv import statement_csv
from api.paging import PageDep
from api.schemas.common import API_PROBLEMS, MAX_INT, ListResponse, problems
from api.schemas.loyalty_shop import (
    Basket,
    BasketLine,
    BasketWrite,
    CancelRequest,
    ExpiryRun,
    LiabilityReport,
    PolicyPublic,
    PolicyWrite,
    RedemptionCreate,
    RedemptionLinePublic,
    RedemptionPublic,
    RewardPublic,
    RewardWrite,
)
from loyalty import expiry, redemptions, reward_pictures, shop, statements
from loyalty.access import require_sponsor_reader
from loyalty.errors import NotFound
from loyalty.models import Redemption, Reward
from loyalty.programmes import own_membership, require_admin
from marketplace.dates import utc_now

router = APIRouter(
    prefix="/loyalty", tags=["loyalty"], dependencies=[RateLimitDep], responses=API_PROBLEMS
)
ProgrammeId = Annotated[int, Path(ge=1, le=MAX_INT)]
ItemId = Annotated[int, Path(ge=1, le=MAX_INT)]


def _sek(ore: int) -> Decimal:
    return Decimal(ore) / 100


def reward_public(r: Reward) -> RewardPublic:
    return RewardPublic(
        id=r.id,
        programme_id=r.programme_id,
        name=r.name,
        description=r.description,
        picture_url=reward_pictures.shown_url(r),
        category=r.category,
        price_points=r.price_points,
        stock=r.stock,
        active=r.active,
        updated_at=r.updated_at,
    )


def redemption_public(session: SessionDep, r: Redemption) -> RedemptionPublic:
    return RedemptionPublic(
        id=r.id,
        programme_id=r.programme_id,
        membership_id=r.membership_id,
        participant_id=r.participant_id,
        status=r.status,
        points=r.points,
        value_sek=_sek(r.value_ore),
        delivery_name=r.delivery_name,
        delivery_address=r.delivery_address,
        delivery_postcode=r.delivery_postcode,
        delivery_city=r.delivery_city,
        delivery_email=r.delivery_email,
        placed_at=r.placed_at,
        fulfilled_at=r.fulfilled_at,
        cancelled_at=r.cancelled_at,
        cancel_reason=r.cancel_reason,
        lines=[
            RedemptionLinePublic(
                reward_id=line.reward_id,
                reward_name=line.reward_name,
                quantity=line.quantity,
                unit_points=line.unit_points,
            )
            for line in redemptions.lines_of(session, r.id)
        ],
    )


def _input(body: RewardWrite) -> shop.RewardInput:
    return shop.RewardInput(
        name=body.name,
        description=body.description,
        picture_url=body.picture_url,
        category=body.category,
        price_points=body.price_points,
        stock=body.stock,
        active=body.active,
    )


# --- the catalogue -----------------------------------------------------------------------


@router.get(
    "/programmes/{programme_id}/rewards",
    response_model=ListResponse[RewardPublic],
    responses=problems(401, 403, 404, 429),
)
def list_rewards(
    session: SessionDep,
    user: UserDep,
    programme_id: ProgrammeId,
    page: PageDep,
    q: Annotated[str | None, Query(max_length=200, description="Name or description.")] = None,
    category: Annotated[str | None, Query(max_length=100)] = None,
) -> ListResponse[RewardPublic]:
    """The programme's rewards, cheapest first: members of the programme see active ones,
    its manager (an admin or the sponsor's representative) every one."""
    is_admin = require_sponsor_reader(session, user, programme_id)
    if not is_admin:
        own_membership(session, user, programme_id)
    rows, total = shop.browse(
        session,
        programme_id,
        query=q,
        category=category,
        include_inactive=is_admin,
        limit=page.limit,
        offset=page.offset,
    )
    return page.response([reward_public(r) for r in rows], total)


@router.post(
    "/programmes/{programme_id}/rewards",
    status_code=201,
    response_model=RewardPublic,
    responses=problems(401, 403, 404, 409, 422, 429),
    dependencies=[Idempotent],
)
def create_reward(
    session: SessionDep,
    admin: RequireProgrammeStaff,
    programme_id: ProgrammeId,
    body: RewardWrite,
    response: Response,
) -> RewardPublic:
    """Add a reward to the programme's catalogue (its manager: an admin or the sponsor's
    representative)."""
    reward = shop.create_reward(
        session, admin, programme_id, _input(body), now=utc_now(), channel="api"
    )
    session.commit()
    response.headers["Location"] = f"/api/v1/loyalty/rewards/{reward.id}"
    return reward_public(reward)


@router.get(
    "/rewards/{reward_id}",
    response_model=RewardPublic,
    responses=problems(401, 403, 404, 429),
)
def get_reward(session: SessionDep, user: UserDep, reward_id: ItemId) -> RewardPublic:
    """One reward (where creating it points): its manager any, a member of its
    programme an active one."""
    return reward_public(shop.visible_reward(session, user, reward_id))


@router.put(
    "/rewards/{reward_id}",
    response_model=RewardPublic,
    responses=problems(401, 403, 404, 409, 422, 429),
)
def update_reward(
    session: SessionDep, admin: RequireProgrammeStaff, reward_id: ItemId, body: RewardWrite
) -> RewardPublic:
    """Change a reward: price, stock left, active (its manager: an admin or the sponsor's
    representative)."""
    reward = shop.update_reward(
        session, admin, reward_id, _input(body), now=utc_now(), channel="api"
    )
    session.commit()
    return reward_public(reward)


# --- basket and redemption -----------------------------------------------------------------


def _basket(session: SessionDep, user: UserDep, programme_id: int) -> Basket:
    items = shop.basket(session, user, programme_id)
    lines = [
        BasketLine(reward=reward_public(r), quantity=i.quantity, points=i.quantity * r.price_points)
        for i, r in items
    ]
    return Basket(
        programme_id=programme_id, lines=lines, total_points=sum(line.points for line in lines)
    )


@router.get(
    "/programmes/{programme_id}/basket",
    response_model=Basket,
    responses=problems(401, 403, 404, 429),
)
def get_basket(session: SessionDep, user: UserDep, programme_id: ProgrammeId) -> Basket:
    """My basket of the programme's rewards."""
    own_membership(session, user, programme_id)
    return _basket(session, user, programme_id)


@router.put(
    "/programmes/{programme_id}/basket",
    response_model=Basket,
    responses=problems(401, 403, 404, 422, 429),
)
def put_basket(
    session: SessionDep, user: UserDep, programme_id: ProgrammeId, body: BasketWrite
) -> Basket:
    """Set how many of a reward are in my basket (0 removes it)."""
    own_membership(session, user, programme_id)
    reward = shop.get_reward(session, body.reward_id)
    if reward.programme_id != programme_id:
        raise NotFound(f"no reward {body.reward_id} in programme {programme_id}")
    shop.set_basket_quantity(session, user, body.reward_id, body.quantity, now=utc_now())
    session.commit()
    return _basket(session, user, programme_id)


@router.post(
    "/programmes/{programme_id}/redemptions",
    status_code=201,
    response_model=RedemptionPublic,
    responses=problems(401, 403, 404, 409, 422, 429),
)
def redeem(
    session: SessionDep,
    user: UserDep,
    programme_id: ProgrammeId,
    body: RedemptionCreate,
    response: Response,
) -> RedemptionPublic:
    """Redeem my basket: 201 with the order; the same ``request_key`` again answers 200 with
    that order. 409 when points or stock do not suffice (nothing redeemed)."""
    order, created = redemptions.redeem(
        session,
        user,
        programme_id,
        request_key=body.request_key,
        delivery=redemptions.Delivery(
            name=body.delivery_name,
            address=body.delivery_address,
            postcode=body.delivery_postcode,
            city=body.delivery_city,
            email=body.delivery_email,
        ),
        now=utc_now(),
    )
    session.commit()
    if not created:
        response.status_code = 200
    response.headers["Location"] = f"/api/v1/loyalty/redemptions/{order.id}"
    return redemption_public(session, order)


@router.get(
    "/me/redemptions",
    response_model=ListResponse[RedemptionPublic],
    responses=problems(401, 403, 429),
)
def my_redemptions(
    session: SessionDep, user: UserDep, page: PageDep
) -> ListResponse[RedemptionPublic]:
    """My redemptions (the representative: the organisation's), newest first."""
    rows, total = redemptions.my_redemptions(session, user, limit=page.limit, offset=page.offset)
    return page.response([redemption_public(session, r) for r in rows], total)


@router.get(
    "/redemptions/{redemption_id}",
    response_model=RedemptionPublic,
    responses=problems(401, 403, 404, 429),
)
def get_redemption(session: SessionDep, user: UserDep, redemption_id: ItemId) -> RedemptionPublic:
    """One redemption (where placing it points): its manager any, the
    representative their organisation's, a seller their own."""
    return redemption_public(session, redemptions.visible_redemption(session, user, redemption_id))


@router.get(
    "/programmes/{programme_id}/policy",
    response_model=PolicyPublic,
    responses=problems(401, 403, 404, 429),
)
def get_policy(session: SessionDep, user: UserDep, programme_id: ProgrammeId) -> PolicyPublic:
    """Who of my organisation redeems in the programme's shop."""
    membership = own_membership(session, user, programme_id)
    return PolicyPublic(
        programme_id=programme_id,
        membership_id=membership.id,
        redeemer=shop.policy_of(session, membership.id).value,
    )


@router.put(
    "/programmes/{programme_id}/policy",
    response_model=PolicyPublic,
    responses=problems(401, 403, 404, 422, 429),
)
def put_policy(
    session: SessionDep, user: UserDep, programme_id: ProgrammeId, body: PolicyWrite
) -> PolicyPublic:
    """The representative sets who redeems: the organisation only, or each seller."""
    membership, policy = shop.set_policy(session, user, programme_id, body.redeemer, now=utc_now())
    session.commit()
    return PolicyPublic(
        programme_id=programme_id, membership_id=membership.id, redeemer=policy.value
    )


# --- the sponsor ---------------------------------------------------------------------------


@router.get(
    "/programmes/{programme_id}/redemptions",
    response_model=ListResponse[RedemptionPublic],
    responses=problems(401, 403, 404, 422, 429),
)
def redemption_queue(
    session: SessionDep,
    admin: RequireProgrammeStaff,
    programme_id: ProgrammeId,
    page: PageDep,
    status: Annotated[str | None, Query(max_length=10, examples=["placed"])] = None,
) -> ListResponse[RedemptionPublic]:
    """The sponsor's redemption queue (the programme's manager), oldest first; ``status``
    filters."""
    rows, total = redemptions.queue(
        session, admin, programme_id, status=status, limit=page.limit, offset=page.offset
    )
    return page.response([redemption_public(session, r) for r in rows], total)


@router.post(
    "/redemptions/{redemption_id}/fulfil",
    response_model=RedemptionPublic,
    responses=problems(401, 403, 404, 409, 429),
)
def fulfil(
    session: SessionDep, admin: RequireProgrammeStaff, redemption_id: ItemId
) -> RedemptionPublic:
    """The rewards were delivered (the programme's manager). 409 unless the order is placed."""
    order = redemptions.fulfil(session, admin, redemption_id, now=utc_now(), channel="api")
    session.commit()
    return redemption_public(session, order)


@router.post(
    "/redemptions/{redemption_id}/cancel",
    response_model=RedemptionPublic,
    responses=problems(401, 403, 404, 409, 422, 429),
)
def cancel(
    session: SessionDep, admin: RequireProgrammeStaff, redemption_id: ItemId, body: CancelRequest
) -> RedemptionPublic:
    """Cancel a placed order with a reason (the programme's manager): its points are
    refunded, stock back."""
    order = redemptions.cancel(
        session, admin, redemption_id, body.reason, now=utc_now(), channel="api"
    )
    session.commit()
    return redemption_public(session, order)


@router.get(
    "/programmes/{programme_id}/liability",
    response_model=LiabilityReport,
    responses=problems(401, 403, 404, 429),
)
def liability(
    session: SessionDep, admin: RequireProgrammeStaff, programme_id: ProgrammeId
) -> LiabilityReport:
    """Outstanding points and their value in kronor, redeemed value (its manager: an admin
    or the sponsor's representative)."""
    r = statements.liability(session, admin, programme_id)
    return LiabilityReport(
        programme_id=r.programme_id,
        point_value_ore=r.point_value_ore,
        outstanding_points=r.outstanding_points,
        outstanding_value_sek=_sek(r.outstanding_value_ore),
        redeemed_points=r.redeemed_points,
        redeemed_value_sek=_sek(r.redeemed_value_ore),
        placed=r.placed,
        fulfilled=r.fulfilled,
        cancelled=r.cancelled,
        expired_points=r.expired_points,
    )


@router.get(
    "/programmes/{programme_id}/statements/{year}.csv",
    response_class=Response,
    responses={
        200: {"content": {"text/csv": {}}, "description": "The statement."},
        **problems(401, 403, 404, 422, 429),
    },
)
def statement_download(
    session: SessionDep,
    user: UserDep,
    programme_id: ProgrammeId,
    year: Annotated[int, Path(ge=2000, le=2100)],
) -> Response:
    """The year's redeemed reward value per participant for benefit taxation: Swedish Excel
    CSV (``;``, a BOM, Swedish headers, formula-like cells neutralised). The
    programme's manager gets every member; a representative their organisation."""
    rows = statements.yearly_statement(session, user, programme_id, year)
    return Response(
        statement_csv(rows),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": (
                f'attachment; filename="poang-formaner-{programme_id}-{year}.csv"'
            ),
            "Content-Language": "sv",
        },
    )


@router.post("/expiry/run", response_model=ExpiryRun, responses=problems(401, 403, 429))
def run_expiry(session: SessionDep, admin: RequireAdmin) -> ExpiryRun:
    """Run the expiry job now (admins; housekeeping runs it hourly): idempotent."""
    require_admin(admin)
    now = utc_now()
    expired = expiry.expire(session, now)
    reminders = expiry.remind(session, now)
    session.commit()
    return ExpiryRun(
        expired_accounts=len(expired),
        expired_points=sum(e.points for e in expired),
        reminders=reminders,
    )
