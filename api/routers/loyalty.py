"""Loyalty (issue 15): my points and their history, the representative's participants and
terms, an admin's programmes. Domain errors come from ``loyalty.errors`` (one mapping in
``api.problems``)."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Body, Depends, Path, Response

from api.auth import Role
from api.deps import (
    RateLimitDep,
    RequireProgrammeStaff,
    SessionDep,
    UserDep,
    require_roles,
)
from api.idempotency import Idempotent
from api.paging import PageDep
from api.schemas.common import API_PROBLEMS, MAX_INT, ListResponse, problems
from api.schemas.loyalty import (
    EntryPublic,
    MembershipPublic,
    MonthClosed,
    MyPoints,
    MyProgrammePoints,
    ParticipantInvite,
    ParticipantPublic,
    ProgrammeCreate,
    ProgrammePublic,
    TermsAcceptance,
)
from catalog.models import User
from loyalty import closing, programmes, reads
from loyalty.access import managed_programme_ids
from loyalty.enums import MEMBER_TERMS_VERSION, PARTICIPANT_TERMS_VERSION
from loyalty.models import Participant, Programme
from marketplace.dates import utc_now

router = APIRouter(
    prefix="/loyalty", tags=["loyalty"], dependencies=[RateLimitDep], responses=API_PROBLEMS
)
ProgrammeId = Annotated[int, Path(ge=1, le=MAX_INT)]
RequireLoyaltyUser = Annotated[
    User, Depends(require_roles(Role.RETAILER, Role.ADMIN, Role.SPONSOR))
]
"""Loyalty is for retailers (their representatives and sellers), sponsors and admins: 403
otherwise."""


def programme_public(p: Programme) -> ProgrammePublic:
    return ProgrammePublic(
        id=p.id,
        name=p.name,
        sponsor_name=p.sponsor_name,
        sponsor_organisation_id=p.sponsor_organisation_id,
        points_per_krona=p.points_per_krona,
        point_value_ore=p.point_value_ore,
        expiry_months=p.expiry_months,
        active=p.active,
        created_at=p.created_at,
    )


def _participant(session: SessionDep, p: Participant) -> ParticipantPublic:
    user = session.get(User, p.user_id) if p.user_id is not None else None
    return ParticipantPublic(
        id=p.id,
        user_id=p.user_id,
        name=user.name if user is not None else None,
        invited_at=p.invited_at,
        terms_version=p.terms_version,
        terms_accepted_at=p.terms_accepted_at,
    )


@router.get("/me", response_model=MyPoints, responses=problems(401, 403, 429))
def my_points(session: SessionDep, user: UserDep) -> MyPoints:
    """My points per programme my retailer organisation is a member of: my seller
    sub-account (when I take part) and the organisation's balance (retailer users only)."""
    rows = reads.my_points(session, user)
    return MyPoints(
        data=[
            MyProgrammePoints(
                programme=programme_public(r.programme),
                member_points=r.member_total,
                member_own_points=r.member_own,
                my_points=r.my_points,
                invited=r.participant is not None,
                participating=r.participant is not None
                and r.participant.terms_accepted_at is not None,
                points_value_sek=Decimal(r.member_total * r.programme.point_value_ore) / 100,
            )
            for r in rows
        ],
        member_terms_version=MEMBER_TERMS_VERSION,
        participant_terms_version=PARTICIPANT_TERMS_VERSION,
    )


@router.get(
    "/me/entries", response_model=ListResponse[EntryPublic], responses=problems(401, 403, 429)
)
def my_entries(session: SessionDep, user: UserDep, page: PageDep) -> ListResponse[EntryPublic]:
    """The history of my points, newest first (the representative: the organisation's)."""
    rows, total = reads.my_entries(session, user, limit=page.limit, offset=page.offset)
    return page.response(
        [
            EntryPublic(
                id=e.id,
                programme_id=e.programme_id,
                kind=e.kind,
                reason=e.reason,
                points=e.points,
                change=change,
                order_id=e.order_id,
                created_at=e.created_at,
            )
            for e, change in rows
        ],
        total,
    )


@router.get(
    "/programmes", response_model=ListResponse[ProgrammePublic], responses=problems(401, 403, 429)
)
def list_programmes(
    session: SessionDep, user: RequireLoyaltyUser, page: PageDep
) -> ListResponse[ProgrammePublic]:
    """The programmes: the active ones for retailer users; every one for an admin; the ones
    a sponsor's representative manages for them (none for its other members)."""
    if user.role == Role.SPONSOR:
        everything = programmes.list_programmes(
            session, only_ids=managed_programme_ids(session, user)
        )
    else:
        everything = programmes.list_programmes(session, active_only=user.role != "admin")
    return page.slice([programme_public(p) for p in everything])


@router.post(
    "/programmes",
    status_code=201,
    response_model=ProgrammePublic,
    responses=problems(401, 403, 409, 422, 429),
    dependencies=[Idempotent],
)
def create_programme(
    session: SessionDep, manager: RequireProgrammeStaff, body: ProgrammeCreate, response: Response
) -> ProgrammePublic:
    """Create a programme. A platform admin chooses who runs it: a sponsor organisation
    (``sponsor_organisation_id``), whose representatives then manage it, or Valbar (none).
    A sponsor organisation's representative creates its own organisation's programme (its
    ``sponsor_organisation_id`` whether given or not; another is 403; the sponsor's other
    members 403)."""
    created = programmes.create_programme(
        session,
        manager,
        name=body.name,
        sponsor_name=body.sponsor_name,
        sponsor_organisation_id=body.sponsor_organisation_id,
        points_per_krona=body.points_per_krona,
        point_value_ore=body.point_value_ore,
        expiry_months=body.expiry_months,
        now=utc_now(),
        channel="api",
    )
    session.commit()
    response.headers["Location"] = f"/api/v1/loyalty/programmes/{created.id}"
    return programme_public(created)


@router.post(
    "/programmes/{programme_id}/month-close",
    response_model=MonthClosed,
    responses=problems(401, 403, 404, 422, 429),
)
def close_month(
    session: SessionDep, manager: RequireProgrammeStaff, programme_id: ProgrammeId
) -> MonthClosed:
    """Close the month just ended in the programme now (its manager: a platform admin, or
    the sponsor's representative) instead of waiting for the hourly housekeeping: awards
    "månadens säljare" and "månadens butik" and expires what is due. Idempotent: a second
    close (or two at once) does nothing more (``already_closed``)."""
    done = closing.close_month(session, manager, programme_id, now=utc_now(), channel="api")
    session.commit()
    return MonthClosed(
        programme_id=done.programme_id,
        month=done.month,
        awards_made=done.awards_made,
        expired_accounts=done.expired_accounts,
        expired_points=done.expired_points,
        already_closed=done.already,
    )


@router.post(
    "/programmes/{programme_id}/membership",
    response_model=MembershipPublic,
    responses=problems(401, 403, 404, 422, 429),
)
def accept_member_terms(
    session: SessionDep,
    user: UserDep,
    programme_id: ProgrammeId,
    body: Annotated[TermsAcceptance, Body()],
) -> MembershipPublic:
    """The representative accepts the member terms: the organisation joins (or accepts a
    newer version). Accepting the same version again changes nothing."""
    membership = programmes.accept_member_terms(
        session, user, programme_id, body.terms_version, now=utc_now()
    )
    session.commit()
    return MembershipPublic(
        programme_id=membership.programme_id,
        organisation_id=membership.organisation_id,
        terms_version=membership.terms_version,
        terms_accepted_at=membership.terms_accepted_at,
    )


@router.get(
    "/programmes/{programme_id}/participants",
    response_model=ListResponse[ParticipantPublic],
    responses=problems(401, 403, 404, 429),
)
def list_participants(
    session: SessionDep, user: UserDep, programme_id: ProgrammeId, page: PageDep
) -> ListResponse[ParticipantPublic]:
    """The organisation's invited sellers (its representative)."""
    found = programmes.participants(session, user, programme_id)
    return page.slice([_participant(session, p) for p in found])


@router.post(
    "/programmes/{programme_id}/participants",
    status_code=201,
    response_model=ParticipantPublic,
    responses=problems(401, 403, 404, 422, 429),
)
def invite_participant(
    session: SessionDep,
    user: UserDep,
    programme_id: ProgrammeId,
    body: ParticipantInvite,
    response: Response,
) -> ParticipantPublic:
    """The representative invites a seller of their own organisation (201; an existing
    invitation is answered 200 unchanged)."""
    participant, created = programmes.invite(
        session, user, programme_id, body.user_id, now=utc_now()
    )
    session.commit()
    if not created:
        response.status_code = 200
    return _participant(session, participant)


@router.post(
    "/programmes/{programme_id}/participation",
    response_model=ParticipantPublic,
    responses=problems(401, 403, 404, 422, 429),
)
def accept_participant_terms(
    session: SessionDep,
    user: UserDep,
    programme_id: ProgrammeId,
    body: Annotated[TermsAcceptance, Body()],
) -> ParticipantPublic:
    """An invited seller accepts the participant terms and starts earning points."""
    participant = programmes.accept_participant_terms(
        session, user, programme_id, body.terms_version, now=utc_now()
    )
    session.commit()
    return _participant(session, participant)
