"""Who may manage a loyalty programme: the one check every management path uses.

A programme is managed by

* a **platform admin** (every programme; a programme Valbar runs itself,
  ``sponsor_organisation_id`` NULL, only by them), or
* the **representative of its sponsor organisation** (``organisation.kind = 'sponsor'``,
  active): that programme's campaigns, quizzes, earning rules, limits, approval queues,
  rewards and redemptions, nothing else.

Everyone else is refused. As with another organisation's order or feed run, a sponsor's
member never learns whether another sponsor's programme (or a thing of it) exists: it is
:class:`NotFound`, the same as an id never used. A member of the owning sponsor without the
managing role, and every retailer, clinic or merchandiser, gets :class:`NotAllowed`.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.enums import OrgKind, OrgRole, OrgStatus
from catalog.models import Organisation, User
from loyalty.errors import NotAllowed, NotFound
from loyalty.models import Programme

SPONSOR_ROLE = "sponsor"
"""The platform role (``User.role``) of a sponsor organisation's members."""
MANAGING_ROLES = frozenset({OrgRole.REPRESENTATIVE.value})
"""The roles inside a sponsor organisation that manage its programmes."""


def is_admin(user: User | None) -> bool:
    return user is not None and user.active and user.role == "admin"


def is_sponsor(user: User | None) -> bool:
    """A member of a sponsor organisation (whatever their role inside it)."""
    return user is not None and user.active and user.role == SPONSOR_ROLE


def sponsor_organisation(session: Session, user: User | None) -> Organisation | None:
    """The active sponsor organisation ``user`` belongs to, if any."""
    if not is_sponsor(user):
        return None
    assert user is not None
    org = session.get(Organisation, user.organisation_id) if user.organisation_id else None
    if org is None or org.kind != OrgKind.SPONSOR.value or org.status != OrgStatus.ACTIVE.value:
        return None
    return org


def may_manage(session: Session, user: User | None, programme: Programme) -> bool:
    """Whether ``user`` manages ``programme`` (see the module). Reads no more than the
    user's organisation."""
    if is_admin(user):
        return True
    org = sponsor_organisation(session, user)
    return (
        org is not None
        and user is not None
        and user.org_role in MANAGING_ROLES
        and programme.sponsor_organisation_id == org.id
    )


def managed_programme_ids(session: Session, user: User | None) -> set[int] | None:
    """The programmes ``user`` manages: None for every one (an admin), else their ids."""
    if is_admin(user):
        return None
    org = sponsor_organisation(session, user)
    if org is None or user is None or user.org_role not in MANAGING_ROLES:
        return set()
    return set(
        session.scalars(select(Programme.id).where(Programme.sponsor_organisation_id == org.id))
    )


def require_manager(session: Session, user: User | None, programme_id: int) -> User:
    """The user, when they may manage programme ``programme_id`` (see the module):
    :class:`NotAllowed` for the wrong role, :class:`NotFound` for a programme that does not
    exist or that another sponsor runs."""
    if user is None or not user.active:
        raise NotAllowed("log in to do this")
    if user.role not in ("admin", SPONSOR_ROLE):
        raise NotAllowed("only the programme's sponsor or a platform admin may do this")
    programme = session.get(Programme, programme_id)
    if programme is None:
        raise NotFound(f"no loyalty programme {programme_id}")
    if is_admin(user):
        return user
    org = sponsor_organisation(session, user)
    if org is None or programme.sponsor_organisation_id != org.id:
        raise NotFound(f"no loyalty programme {programme_id}")
    if user.org_role not in MANAGING_ROLES:
        raise NotAllowed("only the sponsor's representative manages its loyalty programme")
    return user


def require_sponsor_reader(session: Session, user: User | None, programme_id: int) -> bool:
    """For a read open to members too: True when ``user`` reads as the programme's manager
    (an admin, its sponsor's representative); a sponsor member of another programme gets
    :class:`NotFound`; False for anyone else (the caller checks membership)."""
    if is_admin(user) or is_sponsor(user):
        require_manager(session, user, programme_id)
        return True
    return False


def require_management_role(user: User | None) -> User:
    """A platform admin or a sponsor member (before looking up what they name), else
    :class:`NotAllowed`."""
    if user is None or not user.active:
        raise NotAllowed("log in to do this")
    if user.role not in ("admin", SPONSOR_ROLE):
        raise NotAllowed("only the programme's sponsor or a platform admin may do this")
    return user


def require_manager_of(
    session: Session, user: User | None, programme_id: int, missing: str
) -> User:
    """:func:`require_manager` for a thing of the programme (a reward, a held credit, an
    entry): a sponsor of another programme is told ``missing`` (not found), as for an id
    never used."""
    try:
        return require_manager(session, user, programme_id)
    except NotFound as exc:
        raise NotFound(missing) from exc
