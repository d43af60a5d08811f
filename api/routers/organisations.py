"""Sign-up, e-mail confirmation, invitations and the caller's organisation's members.

Public: ``POST /signup`` (throttled per address and e-mail like sign-in), ``POST
/signup/confirm``, ``POST /invitations/accept`` (a usable link is never throttled; unusable
ones are counted per address, each action on its own bucket). Signed in: ``GET
/organisation/members`` for any member of an organisation; the representative (retailer) or
manager (clinic) also invites, lists and withdraws invitations, changes roles and removes
members. Ids are looked up within the caller's organisation (another's is a 404).
Merchandisers and admins belong to no organisation: 403 (the admin console is theirs).
"""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Request, Response
from sqlalchemy.orm import Session

from api.auth import ApiKeyCache, Role, hash_password
from api.client_ip import client_ip
from api.deps import CurrentUser, RateLimitDep, SessionDep, SettingsDep, UserDep, public_base
from api.paging import PageDep
from api.params import DbId
from api.passwords import PASSWORD_REASON_TEXT, new_password_problem
from api.problems import Forbidden, InvalidInput, RateLimited, problem_response
from api.routers.auth import user_public
from api.schemas.auth import UserPublic
from api.schemas.common import API_PROBLEMS, ListResponse, problems
from api.schemas.organisations import (
    InvitationAccept,
    InvitationCreate,
    InvitationPublic,
    MemberPublic,
    MemberRoleChange,
    SignupAccepted,
    SignupConfirm,
    SignupConfirmed,
    SignupCreate,
)
from api.throttle import SignupThrottle
from catalog.enums import OrgKind
from catalog.models import Organisation, User
from loyalty import referrals
from marketplace import invitations, organisations, signup
from marketplace.dates import utc_now
from marketplace.errors import NotAllowed
from marketplace.models import Invitation
from marketplace.organisations import OrgDetails, OrgInvalid

router = APIRouter(tags=["organisations"], dependencies=[RateLimitDep], responses=API_PROBLEMS)


def _invalid(fields: dict[str, str], where: str = "body") -> InvalidInput:
    listed = ", ".join(f"{f}: {r}" for f, r in fields.items())
    return InvalidInput(
        f"invalid fields ({listed})",
        errors=[
            {"loc": [where, f], "msg": PASSWORD_REASON_TEXT.get(r, r), "type": r}
            for f, r in fields.items()
        ],
    )


# a sign-up's field problems (flat names, shared with the UI's form) at their place in the
# request's JSON (SignupCreate: organisation.*, person.*, terms_accepted)
SIGNUP_LOC = {
    "person_name": ["person", "name"],
    "email": ["person", "email"],
    "password": ["person", "password"],
    "terms": ["terms_accepted"],
    "kind": ["kind"],
    "ref": ["referral_code"],
}


def _signup_invalid(fields: dict[str, str]) -> InvalidInput:
    placed = [(SIGNUP_LOC.get(f, ["organisation", f]), r) for f, r in fields.items()]
    listed = ", ".join(f"{'.'.join(loc)}: {r}" for loc, r in placed)
    return InvalidInput(
        f"invalid fields ({listed})",
        errors=[
            {"loc": ["body", *loc], "msg": PASSWORD_REASON_TEXT.get(r, r), "type": r}
            for loc, r in placed
        ],
    )


def _throttle(request: Request, email: str, action: str = "signup") -> None:
    """Count an attempt on ``action``'s own bucket (``signup`` per e-mail and address;
    ``confirm`` / ``accept``: an unusable link, per address); 429 when over."""
    throttle: SignupThrottle = request.app.state.signup_throttle
    bucket = throttle if action == "signup" else throttle.for_action(action)
    if (wait := bucket.admit(email, client_ip(request))) is not None:
        what = "sign-ups" if action == "signup" else "unusable links"
        raise RateLimited(
            f"too many {what}; try again in {wait} s", headers={"Retry-After": str(wait)}
        )


def _link_base(request: Request) -> str:
    return public_base(request)


@router.post(
    "/signup", status_code=202, response_model=SignupAccepted, responses=problems(422, 429)
)
def create_signup(
    body: SignupCreate,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    caller: CurrentUser,
) -> SignupAccepted:
    """Sign up a retailer or a clinic: a pending organisation, an inactive account and a
    confirmation e-mail (its link confirms through ``POST /signup/confirm``). The answer is
    the same whether or not the address has an account or the organisation is registered
    already (the address given and the organisation's managers are told by e-mail); only
    a signed-in admin gets ``org_number: taken`` (422)."""
    org = body.organisation
    form = signup.SignupForm(
        kind=OrgKind(body.kind),
        details=OrgDetails(
            name=org.name,
            org_number=org.org_number,
            vat_number=org.vat_number,
            street=org.street,
            postal_code=org.postal_code,
            city=org.city,
        ),
        person_name=body.person.name,
        email=body.person.email,
        terms_accepted=body.terms_accepted,
    )
    found = signup.check_form(form)
    if (
        p := new_password_problem(body.person.password, body.person.email, body.person.name)
    ) is not None:
        found["password"] = p
    ref = (body.referral_code or "").strip() if body.kind == "retailer" else ""
    if ref and not referrals.code_exists(session, ref):
        found["ref"] = "unknown"
    if found:
        raise _signup_invalid(found)
    _throttle(request, body.person.email)
    try:
        result = signup.sign_up(
            session,
            form,
            password_hash=hash_password(body.person.password),
            secret=settings.secret_key,
            terms_version=settings.terms_version,
            lang=body.lang,
            link_base=_link_base(request),
            confirm_hours=settings.signup_confirm_hours,
            reveal=caller is not None and caller.role == Role.ADMIN.value,
        )
    except OrgInvalid as exc:
        raise _signup_invalid(exc.fields) from exc
    referrals.record_after_signup(session, ref, result.organisation_id, now=utc_now())
    return SignupAccepted(email=body.person.email.strip().lower())


@router.post(
    "/signup/confirm", response_model=SignupConfirmed, responses=problems(404, 410, 422, 429)
)
def confirm_signup(
    body: SignupConfirm, request: Request, session: SessionDep, settings: SettingsDep
) -> SignupConfirmed | Response:
    """Confirm a sign-up's e-mail address with the token of its link; the sign-up then
    waits for an admin. An expired link is 410. A usable link is never throttled; unusable
    ones are counted per client address (429 when too many)."""
    try:
        org, first = signup.confirm(
            session,
            body.token,
            secret=settings.secret_key,
            max_age=timedelta(hours=settings.signup_confirm_hours),
        )
    except signup.SignupLinkInvalid as exc:
        _throttle(request, "", "confirm")
        if exc.code == "link_expired":
            return problem_response(
                410, "Gone", str(exc), slug="link-expired", instance=request.url.path
            )
        # an unknown link is a 404, as an unknown invitation link is
        return problem_response(
            404,
            "Link not usable",
            str(exc),
            slug=(exc.code or "link_invalid").replace("_", "-"),
            instance=request.url.path,
        )
    return SignupConfirmed(organisation_id=org.id, status=org.status, confirmed_now=first)


@router.post(
    "/invitations/accept",
    status_code=201,
    response_model=UserPublic,
    responses=problems(404, 409, 410, 422, 429),
)
def accept_invitation(
    body: InvitationAccept, request: Request, session: SessionDep
) -> UserPublic | Response:
    """Join an organisation with an invitation's token: a new account with the
    invitation's role (sign in with ``POST /auth/login``). Unknown: 404; used, withdrawn or
    expired: 410; the address has an account that cannot join (another organisation's
    member, say): 409.
    A usable invitation is never throttled (sign-ups do not keep the invitee out); unusable
    tokens are counted per client address (429 when too many)."""
    try:
        invitation = invitations.find_open(session, body.token)
    except invitations.InvitationInvalid as exc:
        if not isinstance(exc, invitations.AccountExists):
            _throttle(request, "", "accept")
        return _gone(exc, request)
    found: dict[str, str] = {}
    if not body.name.strip():
        found["name"] = "required"
    if (p := new_password_problem(body.password, invitation.email, body.name)) is not None:
        found["password"] = p
    if found:
        raise _invalid(found)
    try:
        user = invitations.accept(
            session, body.token, name=body.name, password_hash=hash_password(body.password)
        )
    except invitations.InvitationInvalid as exc:
        return _gone(exc, request)
    except OrgInvalid as exc:
        raise _invalid(exc.fields) from exc
    return user_public(session, user)


def _gone(exc: invitations.InvitationInvalid, request: Request) -> Response:
    status = {"invitation_unknown": 404, "invitation_account_exists": 409}.get(exc.code or "", 410)
    return problem_response(
        status,
        "Invitation not usable",
        str(exc),
        slug=(exc.code or "invitation").replace("_", "-"),
        instance=request.url.path,
    )


# ---------------------------------------------------------------- the caller's organisation


def _own(session: Session, user: User, *, manage: bool = False) -> Organisation:
    org = session.get(Organisation, user.organisation_id) if user.organisation_id else None
    if org is None:
        raise Forbidden("requires a member of an organisation")
    if manage and not organisations.managers(user, org):
        raise NotAllowed(
            "only the organisation's representative or manager manages its members",
            code="not_manager",
        )
    return org


def _member(user: User) -> MemberPublic:
    return MemberPublic(id=user.id, name=user.name, email=user.email, org_role=user.org_role or "")


@router.get(
    "/organisation/members",
    response_model=ListResponse[MemberPublic],
    responses=problems(401, 403),
)
def list_members(session: SessionDep, user: UserDep, page: PageDep) -> ListResponse[MemberPublic]:
    """The members of the caller's organisation, managers first."""
    org = _own(session, user)
    found = organisations.members_page(session, org, limit=page.limit, offset=page.offset)
    return page.response([_member(m) for m in found.items], found.count)


@router.patch(
    "/organisation/members/{member_id}",
    response_model=MemberPublic,
    responses=problems(401, 403, 404, 422),
)
def change_member_role(
    member_id: DbId, body: MemberRoleChange, session: SessionDep, user: UserDep
) -> MemberPublic:
    """Give a member another org role (the organisation keeps a representative / manager)."""
    org = _own(session, user, manage=True)
    try:
        member = organisations.change_role(
            session, org, member_id, body.org_role, actor=user, channel="api"
        )
    except OrgInvalid as exc:
        raise _invalid(exc.fields) from exc
    session.commit()
    return _member(member)


@router.delete(
    "/organisation/members/{member_id}", status_code=204, responses=problems(401, 403, 404, 422)
)
def remove_member(
    member_id: DbId, request: Request, session: SessionDep, user: UserDep
) -> Response:
    """Remove a member: their sessions and API keys end at once."""
    org = _own(session, user, manage=True)
    organisations.remove_member(session, org, member_id, actor=user, channel="api")
    session.commit()
    cache: ApiKeyCache = request.app.state.api_keys
    cache.forget_user(member_id)
    return Response(status_code=204)


def _invitation(i: Invitation) -> InvitationPublic:
    return InvitationPublic(
        id=i.id,
        email=i.email,
        org_role=i.org_role,
        created_at=i.created_at,
        expires_at=i.expires_at,
    )


@router.get(
    "/organisation/invitations",
    response_model=ListResponse[InvitationPublic],
    responses=problems(401, 403),
)
def list_invitations(
    session: SessionDep, user: UserDep, page: PageDep
) -> ListResponse[InvitationPublic]:
    """The organisation's open invitations, newest first."""
    org = _own(session, user, manage=True)
    found = invitations.open_invitations_page(session, org, limit=page.limit, offset=page.offset)
    return page.response([_invitation(i) for i in found.items], found.count)


@router.post(
    "/organisation/invitations",
    status_code=201,
    response_model=InvitationPublic,
    responses=problems(401, 403, 409, 422),
)
def create_invitation(
    body: InvitationCreate,
    request: Request,
    session: SessionDep,
    user: UserDep,
    settings: SettingsDep,
) -> InvitationPublic:
    """Invite a colleague by e-mail with an org role; the link expires
    (``invitation_days``) and works once. An address with an open invitation gets it again
    (a new link; the same invitation is answered; identical requests at once send one
    e-mail). The answer does not tell whether the address has an account: one that cannot
    join (another organisation's member, say) gets an invitation too, whose e-mail says why
    and which cannot be accepted; a former member may be invited again. A member of the
    organisation is refused (422), as is an invitation beyond the organisation's
    ``invitation_max_open`` open ones."""
    org = _own(session, user, manage=True)
    try:
        invitation, _ = invitations.invite(
            session,
            org,
            user,
            body.email,
            body.org_role,
            days=settings.invitation_days,
            max_open=settings.invitation_max_open,
            lang=body.lang,
            link_base=_link_base(request),
            channel="api",
        )
    except OrgInvalid as exc:
        raise _invalid(exc.fields) from exc
    return _invitation(invitation)


@router.delete(
    "/organisation/invitations/{invitation_id}",
    status_code=204,
    responses=problems(401, 403, 404),
)
def revoke_invitation(invitation_id: DbId, session: SessionDep, user: UserDep) -> Response:
    """Withdraw an invitation: its link stops working."""
    org = _own(session, user, manage=True)
    invitations.revoke(session, org, invitation_id, user, channel="api")
    return Response(status_code=204)
