"""The demo's organisations: a retailer organisation per demo retailer with a representative
and a staff member, the demo clinic with a manager and a buyer, the history's clinics as
organisations of their own, and ONE pending retailer sign-up (its e-mail confirmed) so the
admin's approval screens have something to show. Deterministic and idempotent.

Logins (password ``valbar-demo``): ``handlare@valbar.test`` represents Nordisk Dentaldepå
(``personal.nordisk-dentaldepa@valbar.test`` is its staff), every other retailer
``<slug>@valbar.test`` / ``personal.<slug>@valbar.test``; ``klinik@valbar.test`` manages
Folktandvården Demo, ``inkopare@valbar.test`` buys for it; ``ny@tandlagret.test`` waits for
approval of Tandlagret Väst AB. The loyalty programme's sellers (``valbar.demo_loyalty``) are
marked "säljare i Valbar Partnerklubb" in the list ``valbar demo`` prints.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from catalog.db import transaction
from catalog.enums import OrgKind, OrgStatus
from catalog.models import Organisation, Retailer, User
from catalog.orgnr import luhn_ok
from loyalty.models import Membership, Participant, Programme
from marketplace.dates import utc_now
from marketplace.organisations import (
    OrgDetails,
    add_member,
    create_organisation,
    org_number_taken,
)

DEMO_REPRESENTATIVE = {"nordisk-dentaldepa": "handlare@valbar.test"}
DEMO_CLINIC = ("Folktandvården Demo", "klinik@valbar.test", "inkopare@valbar.test")
PENDING_SIGNUP = ("Tandlagret Väst AB", "ny@tandlagret.test", "Nora Ny")


def demo_org_number(seed: str, taken: set[str]) -> str:
    """A valid organisation number (``55xxxx-xxxx``, Luhn) derived from ``seed``."""
    n = 0
    while True:
        digest = hashlib.sha256(f"{seed}|{n}".encode()).hexdigest()
        body = "55" + str(int(digest[:12], 16))[-7:].zfill(7)
        check = next(d for d in "0123456789" if luhn_ok(body + d))
        number = f"{body[:6]}-{body[6:]}{check}"
        if number not in taken:
            taken.add(number)
            return number
        n += 1


def _user(session: Session, email: str, name: str, password_hash: str) -> User:
    found = session.scalar(select(User).where(User.email == email))
    if found is None:
        found = User(email=email, name=name, role="clinic", password_hash=password_hash)
        session.add(found)
        session.flush()
    return found


def _join(session: Session, org: Organisation, user: User, role: str) -> None:
    if user.organisation_id is None and user.role not in ("merchandiser", "admin"):
        add_member(session, org, user, role, actor=None, channel="cli")


def _numbers(session: Session) -> set[str]:
    return {n for n in session.scalars(select(Organisation.org_number)) if n}


def _org(
    session: Session,
    kind: OrgKind,
    name: str,
    number: str,
    *,
    retailer_id: int | None = None,
    status: OrgStatus = OrgStatus.ACTIVE,
) -> Organisation:
    """The organisation of ``retailer_id`` (or of ``name`` for a clinic), made when missing."""
    if retailer_id is not None:
        found = session.scalar(select(Organisation).where(Organisation.retailer_id == retailer_id))
    else:
        found = session.scalar(
            select(Organisation).where(Organisation.kind == kind.value, Organisation.name == name)
        )
    if found is not None:
        if found.org_number is None and number not in _numbers(session):
            found.org_number = number  # migrated without one (migration 0008)
        return found
    if retailer_id is not None:  # the retailer exists already: the organisation owns it
        org = Organisation(
            kind=kind.value,
            name=name,
            org_number=number,
            status=status.value,
            retailer_id=retailer_id,
        )
        session.add(org)
        session.flush()
        return org
    return create_organisation(
        session,
        kind,
        OrgDetails(name=name, org_number=number),
        actor=None,
        channel="cli",
        status=status,
    )


def ensure_organisations(
    factory: sessionmaker[Session],
    password_hash: str,
    retailer_slugs: Iterable[str],
    say: Callable[[str], None] = print,
) -> dict[str, int]:
    """Organisations and members for the demo (see the module text); counts of what exists."""
    with transaction(factory) as s:
        taken = _numbers(s)
        for slug in retailer_slugs:
            retailer = s.scalar(select(Retailer).where(Retailer.slug == slug))
            if retailer is None:
                continue
            org = _org(
                s,
                OrgKind.RETAILER,
                retailer.name,
                demo_org_number(slug, taken),
                retailer_id=retailer.id,
            )
            rep_email = DEMO_REPRESENTATIVE.get(slug, f"{slug}@valbar.test")
            rep = _user(s, rep_email, f"Företrädare {retailer.name}", password_hash)
            _join(s, org, rep, "representative")
            staff = _user(
                s, f"personal.{slug}@valbar.test", f"Personal {retailer.name}", password_hash
            )
            _join(s, org, staff, "staff")
            # the history's customer service login of the retailer, if any, is staff too
            for other in s.scalars(
                select(User).where(User.retailer_id == retailer.id, User.organisation_id.is_(None))
            ):
                _join(s, org, other, "staff")
        clinic_name, manager_email, buyer_email = DEMO_CLINIC
        clinic = _org(s, OrgKind.CLINIC, clinic_name, demo_org_number(clinic_name, taken))
        _join(s, clinic, _user(s, manager_email, "Anna Lind", password_hash), "manager")
        _join(s, clinic, _user(s, buyer_email, "Ivar Inköp", password_hash), "buyer")
        # the history's clinics: each its own clinic organisation, its first user the manager
        loose = s.scalars(
            select(User)
            .where(User.role == "clinic", User.organisation_id.is_(None))
            .order_by(User.id)
        ).all()
        for user in loose:
            name = (user.clinic or "").strip() or user.name
            org = _org(s, OrgKind.CLINIC, name, demo_org_number(name, taken))
            has_manager = s.scalar(
                select(User.id).where(User.organisation_id == org.id, User.org_role == "manager")
            )
            _join(s, org, user, "buyer" if has_manager else "manager")
        pending_name, pending_email, person = PENDING_SIGNUP
        number = demo_org_number(pending_name, taken)
        if s.scalar(select(User.id).where(User.email == pending_email)) is None and not (
            org_number_taken(s, OrgKind.RETAILER, number)
        ):
            now = utc_now()
            org = create_organisation(
                s,
                OrgKind.RETAILER,
                OrgDetails(
                    name=pending_name,
                    org_number=number,
                    vat_number=f"SE{number.replace('-', '')}01",
                    street="Hamngatan 4",
                    postal_code="411 06",
                    city="Göteborg",
                ),
                actor=None,
                channel="web",
                status=OrgStatus.PENDING,
                terms_version="2026-12",
                terms_accepted_at=now - timedelta(hours=3),
            )
            org.submitted_at = now - timedelta(hours=2)
            user = _user(s, pending_email, person, password_hash)
            _join(s, org, user, "representative")
        counts = {
            status: len(
                s.scalars(select(Organisation.id).where(Organisation.status == status)).all()
            )
            for status in ("active", "pending")
        }
    say(f"organisationer: {counts['active']} aktiva, {counts['pending']} väntar på godkännande")
    return counts


@dataclass(frozen=True, slots=True)
class DemoLogin:
    """One login the demo created, as ``valbar demo`` prints it."""

    email: str
    name: str
    role: str  # the organisation role (representative, staff, manager, buyer) or platform role
    organisation: str | None
    note: str  # "" or why it cannot sign in yet


def demo_logins(session: Session) -> list[DemoLogin]:
    """Every login of the demo's database (the demo creates them all): platform roles first,
    then by organisation and role, the pending sign-up's person marked as waiting."""
    rows = session.execute(
        select(User, Organisation)
        .outerjoin(Organisation, Organisation.id == User.organisation_id)
        .order_by(
            User.organisation_id.is_not(None),
            Organisation.name,
            User.org_role,
            User.email,
        )
    ).all()
    sellers = {
        user_id: str(name)
        for user_id, name in session.execute(
            select(Participant.user_id, Programme.name)
            .join(Membership, Membership.id == Participant.membership_id)
            .join(Programme, Programme.id == Membership.programme_id)
            .where(
                Participant.user_id.is_not(None),
                Participant.terms_accepted_at.is_not(None),
                Participant.ended_at.is_(None),
            )
        )
    }
    out = []
    for user, org in rows:
        note = ""
        if org is not None and org.status != OrgStatus.ACTIVE.value:
            note = "väntar på godkännande" if org.status == OrgStatus.PENDING.value else org.status
        elif user.id in sellers:
            note = f"säljare i {sellers[user.id]}"
        out.append(
            DemoLogin(
                email=user.email,
                name=user.name,
                role=user.org_role or user.role,
                organisation=org.name if org is not None else None,
                note=note,
            )
        )
    return out
