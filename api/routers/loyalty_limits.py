"""Loyalty limits against abuse (issue 15), for the programme's manager (a platform admin,
or the representative of the programme's sponsor organisation: ``loyalty.access``): caps and
the approval threshold of a programme, the credits held for approval and their decision, and
a clawback of a credit, whole or in part, with a reason (``loyalty.limits``; audited)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Response

from api.deps import RateLimitDep, RequireProgrammeStaff, SessionDep
from api.idempotency import Idempotent
from api.paging import PageDep
from api.schemas.common import API_PROBLEMS, MAX_INT, ListResponse, problems
from api.schemas.loyalty_engage import (
    CAP_KIND_NAMES,
    CapWindows,
    ClawbackIn,
    ClawbackPublic,
    Decision,
    HeldCreditPublic,
    LimitSettings,
)
from loyalty import limits
from loyalty.access import require_manager
from loyalty.awards import settings_of
from loyalty.ledger import describe_account
from loyalty.models import Account, Entry, HeldCredit
from marketplace.dates import utc_now

router = APIRouter(
    prefix="/loyalty", tags=["loyalty"], dependencies=[RateLimitDep], responses=API_PROBLEMS
)
Id = Annotated[int, Path(ge=1, le=MAX_INT)]


def _held(session: SessionDep, h: HeldCredit) -> HeldCreditPublic:
    status: Literal["held", "approved", "rejected"] = (
        "approved" if h.status == "approved" else "rejected" if h.status == "rejected" else "held"
    )
    return HeldCreditPublic(
        id=h.id,
        programme_id=h.programme_id,
        account_id=h.destination_account_id,
        account=_account_label(session, h.destination_account_id),
        points=h.points,
        kind=h.kind,
        reason=h.reason,
        order_id=h.order_id,
        status=status,
        decision_reason=h.decision_reason,
        decided_at=h.decided_at,
        created_at=h.created_at,
    )


def _account_label(session: SessionDep, account_id: int) -> str:
    account = session.get(Account, account_id)
    return describe_account(session, account) if account is not None else f"account {account_id}"


def _limits(caps: dict[str, dict[str, int]], threshold: int | None) -> LimitSettings:
    return LimitSettings(
        caps={
            kind: CapWindows(day=caps[kind].get("day"), month=caps[kind].get("month"))
            for kind in CAP_KIND_NAMES
            if kind in caps
        },
        approval_threshold=threshold,
    )


@router.get(
    "/programmes/{programme_id}/limits",
    response_model=LimitSettings,
    responses=problems(401, 403, 404, 429),
)
def get_limits(
    session: SessionDep, admin: RequireProgrammeStaff, programme_id: Id
) -> LimitSettings:
    """The programme's caps and approval threshold."""
    require_manager(session, admin, programme_id)
    row = settings_of(session, programme_id)
    return _limits(dict(row.caps or {}), row.approval_threshold)


@router.put(
    "/programmes/{programme_id}/limits",
    response_model=LimitSettings,
    responses=problems(401, 403, 404, 422, 429),
)
def put_limits(
    session: SessionDep, admin: RequireProgrammeStaff, programme_id: Id, body: LimitSettings
) -> LimitSettings:
    """Set the caps per activity kind per seller (a Swedish day and month) and the
    threshold above which a credit waits for approval (audited)."""
    row = limits.set_limits(
        session,
        admin,
        programme_id,
        caps={k: w.model_dump() for k, w in body.caps.items()},
        approval_threshold=body.approval_threshold,
        now=utc_now(),
    )
    session.commit()
    return _limits(dict(row.caps), row.approval_threshold)


@router.get(
    "/programmes/{programme_id}/held-credits",
    response_model=ListResponse[HeldCreditPublic],
    responses=problems(401, 403, 404, 422, 429),
)
def list_held(
    session: SessionDep,
    admin: RequireProgrammeStaff,
    programme_id: Id,
    page: PageDep,
    status: Annotated[Literal["held", "approved", "rejected"], Query()] = "held",
) -> ListResponse[HeldCreditPublic]:
    """Credits above the approval threshold, oldest first (``status``: held by default)."""
    rows, total = limits.held_credits(
        session, admin, programme_id, status=status, limit=page.limit, offset=page.offset
    )
    return page.response([_held(session, h) for h in rows], total)


def _decide(
    session: SessionDep, admin: RequireProgrammeStaff, held_id: int, approve: bool, why: str
) -> HeldCreditPublic:
    held = limits.decide(session, admin, held_id, approve=approve, reason=why, now=utc_now())
    session.commit()
    return _held(session, held)


@router.post(
    "/held-credits/{held_id}/approve",
    response_model=HeldCreditPublic,
    responses=problems(401, 403, 404, 409, 422, 429),
)
def approve(
    session: SessionDep, admin: RequireProgrammeStaff, held_id: Id, body: Decision
) -> HeldCreditPublic:
    """Approve a held credit: the points move (409 when it was decided already)."""
    return _decide(session, admin, held_id, True, body.reason)


@router.post(
    "/held-credits/{held_id}/reject",
    response_model=HeldCreditPublic,
    responses=problems(401, 403, 404, 409, 422, 429),
)
def reject(
    session: SessionDep, admin: RequireProgrammeStaff, held_id: Id, body: Decision
) -> HeldCreditPublic:
    """Reject a held credit with a reason: nothing moves (409 when decided already)."""
    return _decide(session, admin, held_id, False, body.reason)


@router.post(
    "/entries/{entry_id}/clawback",
    status_code=201,
    response_model=ClawbackPublic,
    responses=problems(401, 403, 404, 409, 422, 429),
    dependencies=[Idempotent],
)
def clawback(
    session: SessionDep,
    admin: RequireProgrammeStaff,
    entry_id: Id,
    body: ClawbackIn,
    response: Response,
) -> ClawbackPublic:
    """Reverse a credit with a reason, whole or ``points`` of it: a new entry back to the
    sponsor's budget, audited (201). Without ``points`` a credit reversed whole already
    answers 200 with its last reversal. 409 when ``points`` is more than is left of the
    credit, or the account no longer holds them (a balance never goes below zero); two
    clawbacks at once never take back more than the credit paid. Send an
    ``Idempotency-Key`` to retry a partial clawback safely."""
    entry, created = limits.clawback(
        session, admin, entry_id, reason=body.reason, points=body.points, now=utc_now()
    )
    session.commit()
    if not created:
        response.status_code = 200
    original = session.get_one(Entry, entry.reverses_entry_id or entry_id)
    return ClawbackPublic(
        entry_id=entry.id,
        reverses_entry_id=entry.reverses_entry_id or entry_id,
        points=entry.points,
        credited=original.points,
        clawed_back=limits.reversed_points(session, original.id),
        reason=entry.reason,
        created=created,
    )
