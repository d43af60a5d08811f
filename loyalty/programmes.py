"""Programmes, memberships and participants: who takes part, on which terms.

A platform admin creates a programme for a sponsor. A retailer organisation becomes a member
when its representative accepts the current member terms (:data:`MEMBER_TERMS_VERSION`, kept
with the time and who accepted). The representative invites sellers (users of the same
organisation); an invited seller takes part once they accept the participant terms.
Every write is safe when two identical requests arrive at once (unique constraints, a
savepoint, the existing row returned).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from catalog import audit
from catalog.enums import OrgKind, OrgRole, OrgStatus
from catalog.models import Organisation, User
from catalog.single_line import has_control
from loyalty import access
from loyalty.enums import MEMBER_TERMS_VERSION, PARTICIPANT_TERMS_VERSION, AccountKind
from loyalty.errors import AlreadyExists, InvalidInput, NotAllowed, NotFound
from loyalty.ledger import ensure_account
from loyalty.models import Membership, Participant, Programme


def _active(user: User | None) -> User:
    if user is None or not user.active:
        raise NotAllowed("log in to do this")
    return user


def require_admin(user: User | None) -> User:
    user = _active(user)
    if user.role != "admin":
        raise NotAllowed("only platform admins manage loyalty programmes")
    return user


def retailer_organisation(session: Session, user: User | None) -> Organisation:
    """The retailer organisation ``user`` belongs to (a seller or its representative)."""
    user = _active(user)
    org = session.get(Organisation, user.organisation_id) if user.organisation_id else None
    if user.role != "retailer" or org is None or org.kind != OrgKind.RETAILER.value:
        raise NotAllowed("loyalty points are for the members of a retailer organisation")
    return org


def require_representative(session: Session, user: User | None) -> Organisation:
    org = retailer_organisation(session, user)
    assert user is not None
    if user.org_role != OrgRole.REPRESENTATIVE.value:
        raise NotAllowed("only the retailer's representative may do this")
    return org


def create_programme(
    session: Session,
    user: User | None,
    *,
    name: str,
    sponsor_name: str,
    points_per_krona: Decimal | str | int,
    point_value_ore: int,
    expiry_months: int,
    now: datetime,
    channel: str = "web",
    sponsor_organisation_id: int | None = None,
) -> Programme:
    """A new active programme with its sponsor, shop and expiry accounts, audited.
    :class:`AlreadyExists` for a taken name.

    A platform admin (or the CLI, ``user`` None, as an operator) chooses who runs it:
    ``sponsor_organisation_id`` hands it to a sponsor organisation (``loyalty.access``; its
    name is the sponsor name when none is given); without it Valbar runs the programme. A
    sponsor organisation's representative creates its own organisation's programmes only
    (``sponsor_organisation_id`` is theirs, given or not; another is :class:`NotAllowed`)."""
    if user is not None and not access.is_admin(user):
        own = access.sponsor_organisation(session, user)
        if own is None or user.org_role not in access.MANAGING_ROLES:
            _active(user)
            raise NotAllowed(
                "only platform admins and sponsors' representatives create loyalty programmes"
            )
        if sponsor_organisation_id not in (None, own.id):
            raise NotAllowed("a sponsor creates programmes of its own organisation only")
        sponsor_organisation_id = own.id
    if sponsor_organisation_id is not None:
        sponsor = session.get(Organisation, sponsor_organisation_id)
        if sponsor is None or sponsor.kind != OrgKind.SPONSOR.value:
            raise InvalidInput(
                f"sponsor_organisation_id: {sponsor_organisation_id} is no sponsor organisation",
                field="sponsor_organisation_id",
            )
        if sponsor.status != "active":
            raise InvalidInput(
                f"sponsor_organisation_id: {sponsor.name} is {sponsor.status}, not active",
                field="sponsor_organisation_id",
            )
        sponsor_name = sponsor_name.strip() or sponsor.name
    name, sponsor_name = name.strip(), sponsor_name.strip()
    if not name or len(name) > 200:
        raise InvalidInput("name: 1-200 characters", field="name")
    if not sponsor_name or len(sponsor_name) > 200:
        raise InvalidInput("sponsor_name: 1-200 characters", field="sponsor_name")
    for field, text in (("name", name), ("sponsor_name", sponsor_name)):
        if has_control(text):  # listed one a line (the CLI, e-mail subjects)
            raise InvalidInput(
                f"{field}: one line (no line breaks or control characters)",
                field=field,
            )
    try:
        rate = Decimal(str(points_per_krona))
    except InvalidOperation as exc:
        raise InvalidInput(
            f"points_per_krona: not a number: {points_per_krona!r}", field="points_per_krona"
        ) from exc
    if not rate.is_finite() or rate <= 0 or rate > 1000 or rate != rate.quantize(Decimal("0.0001")):
        raise InvalidInput(
            "points_per_krona: more than 0, at most 1000, 4 decimals at most",
            field="points_per_krona",
        )
    if not 1 <= point_value_ore <= 100_000:
        raise InvalidInput("point_value_ore: 1-100000", field="point_value_ore")
    if not 1 <= expiry_months <= 120:
        raise InvalidInput("expiry_months: 1-120", field="expiry_months")
    programme = Programme(
        name=name,
        sponsor_name=sponsor_name,
        sponsor_organisation_id=sponsor_organisation_id,
        points_per_krona=rate,
        point_value_ore=point_value_ore,
        expiry_months=expiry_months,
        active=True,
        created_at=now,
    )
    try:
        with session.begin_nested():
            session.add(programme)
            session.flush()
    except IntegrityError as exc:
        raise AlreadyExists(f"a loyalty programme named {name!r} exists already") from exc
    for kind in (AccountKind.SPONSOR, AccountKind.SHOP, AccountKind.EXPIRY):
        ensure_account(session, programme.id, kind)
    audit.record(
        session,
        actor=user,
        channel=channel,
        action="loyalty.programme.create",
        target_kind="loyalty_programme",
        target_id=programme.id,
        detail={
            "name": name,
            "sponsor_name": sponsor_name,
            "sponsor_organisation_id": sponsor_organisation_id,
            "points_per_krona": str(rate),
        },
    )
    return programme


def sponsor_organisations(session: Session) -> list[Organisation]:
    """The active sponsor organisations by name (whom an admin may hand a programme)."""
    return list(
        session.scalars(
            select(Organisation)
            .where(
                Organisation.kind == OrgKind.SPONSOR.value,
                Organisation.status == OrgStatus.ACTIVE.value,
            )
            .order_by(Organisation.name, Organisation.id)
        )
    )


def list_programmes(
    session: Session, *, active_only: bool = False, only_ids: set[int] | None = None
) -> list[Programme]:
    """The programmes by id (``only_ids``: just those, e.g. the ones a sponsor manages)."""
    stmt = select(Programme).order_by(Programme.id)
    if active_only:
        stmt = stmt.where(Programme.active.is_(True))
    if only_ids is not None:
        stmt = stmt.where(Programme.id.in_(sorted(only_ids)))
    return list(session.scalars(stmt))


def get_programme(session: Session, programme_id: int) -> Programme:
    found = session.get(Programme, programme_id)
    if found is None:
        raise NotFound(f"no loyalty programme {programme_id}")
    return found


def membership_of(session: Session, programme_id: int, organisation_id: int) -> Membership | None:
    return session.scalar(
        select(Membership).where(
            Membership.programme_id == programme_id,
            Membership.organisation_id == organisation_id,
        )
    )


def accept_member_terms(
    session: Session, user: User | None, programme_id: int, terms_version: str, *, now: datetime
) -> Membership:
    """The representative accepts the member terms for their organisation: it becomes (or
    stays, on the newer terms) a member, with its member account."""
    org = require_representative(session, user)
    assert user is not None
    programme = get_programme(session, programme_id)
    if not programme.active:
        raise InvalidInput(f"loyalty programme {programme_id} is not active")
    if terms_version != MEMBER_TERMS_VERSION:
        raise InvalidInput(
            f"terms_version: the current member terms are {MEMBER_TERMS_VERSION!r}, "
            f"not {terms_version!r}",
            field="terms_version",
        )
    membership = membership_of(session, programme_id, org.id)
    if membership is None:
        membership = Membership(
            programme_id=programme_id,
            organisation_id=org.id,
            terms_version=terms_version,
            terms_accepted_at=now,
            terms_accepted_by=user.id,
            created_at=now,
        )
        try:
            with session.begin_nested():
                session.add(membership)
                session.flush()
        except IntegrityError:  # accepted by a concurrent request
            membership = membership_of(session, programme_id, org.id)
            if membership is None:
                raise
    elif membership.terms_version != terms_version:
        membership.terms_version = terms_version
        membership.terms_accepted_at = now
        membership.terms_accepted_by = user.id
    ensure_account(session, programme_id, AccountKind.MEMBER, membership_id=membership.id)
    return membership


def own_membership(session: Session, user: User | None, programme_id: int) -> Membership:
    """The membership of the user's retailer organisation (:class:`NotFound` when it is not
    a member)."""
    org = retailer_organisation(session, user)
    get_programme(session, programme_id)
    membership = membership_of(session, programme_id, org.id)
    if membership is None:
        raise NotFound(f"your organisation is not a member of loyalty programme {programme_id}")
    return membership


def participants(session: Session, user: User | None, programme_id: int) -> list[Participant]:
    """The representative's view of their organisation's participants (not the ended)."""
    require_representative(session, user)
    membership = own_membership(session, user, programme_id)
    return list(
        session.scalars(
            select(Participant)
            .where(Participant.membership_id == membership.id, Participant.ended_at.is_(None))
            .order_by(Participant.id)
        )
    )


def invite(
    session: Session, user: User | None, programme_id: int, seller_id: int, *, now: datetime
) -> tuple[Participant, bool]:
    """The representative invites a user of their own organisation: (participant, created).
    Inviting someone already invited returns their participation unchanged."""
    org = require_representative(session, user)
    assert user is not None
    membership = own_membership(session, user, programme_id)
    seller = session.get(User, seller_id)
    if seller is None or seller.organisation_id != org.id or not seller.active:
        raise NotFound(f"user {seller_id} is not an active member of your organisation")
    existing = _participant(session, membership.id, seller_id)
    if existing is not None and existing.ended_at is not None:
        # a seller who left and came back is invited anew and accepts the terms again
        existing.ended_at = existing.terms_version = existing.terms_accepted_at = None
        existing.invited_by, existing.invited_at = user.id, now
        return existing, True
    if existing is not None:
        return existing, False
    participant = Participant(
        membership_id=membership.id, user_id=seller_id, invited_by=user.id, invited_at=now
    )
    try:
        with session.begin_nested():
            session.add(participant)
            session.flush()
    except IntegrityError:
        found = _participant(session, membership.id, seller_id)
        if found is None:
            raise
        return found, False
    return participant, True


def _participant(session: Session, membership_id: int, user_id: int) -> Participant | None:
    return session.scalar(
        select(Participant).where(
            Participant.membership_id == membership_id, Participant.user_id == user_id
        )
    )


def accept_participant_terms(
    session: Session, user: User | None, programme_id: int, terms_version: str, *, now: datetime
) -> Participant:
    """An invited seller accepts the participant terms and gets their sub-account."""
    retailer_organisation(session, user)
    assert user is not None
    membership = own_membership(session, user, programme_id)
    participant = _participant(session, membership.id, user.id)
    if participant is None:
        raise NotFound(f"you are not invited to loyalty programme {programme_id}")
    if terms_version != PARTICIPANT_TERMS_VERSION:
        raise InvalidInput(
            f"terms_version: the current participant terms are {PARTICIPANT_TERMS_VERSION!r}, "
            f"not {terms_version!r}",
            field="terms_version",
        )
    if participant.terms_version != terms_version:
        participant.terms_version = terms_version
        participant.terms_accepted_at = now
    ensure_account(
        session,
        programme_id,
        AccountKind.SELLER,
        membership_id=membership.id,
        participant_id=participant.id,
    )
    return participant


def active_participant(session: Session, membership_id: int, user_id: int) -> Participant | None:
    """The user's participation in the membership, if they accepted the terms and it has
    not ended."""
    found = _participant(session, membership_id, user_id)
    if found is None or found.terms_accepted_at is None or found.ended_at is not None:
        return None
    return found
