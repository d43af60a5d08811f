"""Organisations and members: validated details, roles kept in step, the last manager stays,
removal revokes sessions and keys; approve / refuse; every action audited."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.audit import entries_for
from catalog.enums import OrgKind, OrgStatus
from catalog.events import DomainEvent, MemberRemoved, OrganisationApproved, bus_for
from catalog.models import ApiKey, Organisation, Retailer, User, UserSession
from marketplace.errors import AlreadyDecided, InvalidInput, NotAllowed, NotFound
from marketplace.organisations import (
    LastManager,
    OrgDetails,
    OrgInvalid,
    add_member,
    approve,
    change_role,
    check_details,
    create_organisation,
    find_organisation,
    refuse,
    remove_member,
    sign_in_refusal,
    slugify,
)
from tests.unit.marketplace.mp_support import NOW, Market

ORGNR = "556677-8899"
OTHER_ORGNR = "556123-4567"


def details(**changes: str) -> OrgDetails:
    base = {
        "name": "Tandvårdsdepån AB",
        "org_number": "5566778899",
        "vat_number": "se 5566778899 01",
        "street": "Storgatan 1",
        "postal_code": "11122",
        "city": "Stockholm",
    }
    base.update(changes)
    return OrgDetails(**base)


def test_details_are_read_strictly_and_every_problem_is_named() -> None:
    canonical, problems = check_details(details(), require_address=True)
    assert problems == {}
    assert canonical.org_number == ORGNR
    assert canonical.vat_number == "SE556677889901"
    assert canonical.postal_code == "111 22"
    _, problems = check_details(
        details(
            name=" ",
            vat_number="SE556123456701",
            postal_code="1112",
            city="",
        ),
        require_address=True,
    )
    assert problems == {
        "name": "required",
        "vat_number": "vat_mismatch",
        "postal_code": "format",
        "city": "required",
    }
    _, problems = check_details(
        details(org_number="12345", vat_number="SE12"), require_address=False
    )
    assert problems == {"org_number": "format", "vat_number": "vat_format"}
    _, problems = check_details(details(org_number="556677-8898"), require_address=False)
    assert problems == {"org_number": "check_digit"}  # the VAT number waits for a valid one
    _, problems = check_details(
        details(vat_number="SE556123456701", org_number=OTHER_ORGNR), require_address=False
    )
    assert problems == {}


def test_a_retailer_organisation_gets_its_retailer_with_a_unique_slug(session: Session) -> None:
    session.add(Retailer(slug="tandvardsdepan-ab", name="Someone else"))
    session.flush()
    org = create_organisation(session, OrgKind.RETAILER, details(), actor=None, channel="cli")
    retailer = session.get(Retailer, org.retailer_id)
    assert retailer is not None and retailer.slug == "tandvardsdepan-ab-2"
    assert org.org_number == ORGNR and org.status == "active"
    assert [e.action for e in entries_for(session, "organisation", org.id)] == [
        "organisation.create"
    ]
    with pytest.raises(OrgInvalid) as taken:
        create_organisation(
            session, OrgKind.RETAILER, details(name="Other"), actor=None, channel="cli"
        )
    assert taken.value.fields == {"org_number": "taken"}
    # the same number as a clinic is another organisation (unique per kind)
    clinic = create_organisation(session, OrgKind.CLINIC, details(), actor=None, channel="cli")
    assert clinic.retailer_id is None
    assert slugify("Åre Tand & Co") == "are-tand-co"


def _org_with_manager(session: Session, market: Market, kind: OrgKind) -> tuple[Organisation, User]:
    org = create_organisation(
        session,
        kind,
        details(org_number=ORGNR if kind is OrgKind.RETAILER else OTHER_ORGNR, vat_number=""),
        actor=None,
        channel="cli",
    )
    name = "tand_staff" if kind is OrgKind.RETAILER else "clinic"
    user = market.user(session, name)
    user.organisation_id = None
    add_member(
        session,
        org,
        user,
        "representative" if kind is OrgKind.RETAILER else "manager",
        actor=None,
        channel="cli",
    )
    return org, user


def test_members_mirror_their_organisation_and_roles_fit_its_kind(
    session: Session, market: Market
) -> None:
    org, rep = _org_with_manager(session, market, OrgKind.RETAILER)
    assert rep.role == "retailer" and rep.retailer_id == org.retailer_id and rep.clinic is None
    clinic_org, manager = _org_with_manager(session, market, OrgKind.CLINIC)
    assert manager.role == "clinic" and manager.clinic == clinic_org.name
    assert manager.retailer_id is None
    buyer = market.user(session, "clinic2")
    with pytest.raises(OrgInvalid) as wrong:
        add_member(session, clinic_org, buyer, "staff", actor=manager, channel="web")
    assert wrong.value.fields == {"org_role": "invalid"}
    with pytest.raises(NotAllowed):
        add_member(
            session, clinic_org, market.user(session, "admin"), "buyer", actor=None, channel="cli"
        )
    with pytest.raises(NotAllowed):  # a member of another organisation
        add_member(session, clinic_org, rep, "buyer", actor=None, channel="cli")


def test_the_last_manager_stays(session: Session, market: Market) -> None:
    org, rep = _org_with_manager(session, market, OrgKind.RETAILER)
    other = market.user(session, "nord_staff")
    add_member(session, org, other, "staff", actor=rep, channel="web")
    with pytest.raises(LastManager):
        change_role(session, org, rep.id, "staff", actor=rep, channel="web")
    with pytest.raises(LastManager):
        remove_member(session, org, rep.id, actor=rep, channel="web")
    change_role(session, org, other.id, "representative", actor=rep, channel="web")
    change_role(session, org, rep.id, "staff", actor=other, channel="web")
    assert rep.org_role == "staff" and other.org_role == "representative"
    actions = [e.action for e in entries_for(session, "organisation", org.id)]
    assert actions.count("member.role") == 2
    # another organisation's member is not found here (no cross-organisation changes)
    clinic_org, manager = _org_with_manager(session, market, OrgKind.CLINIC)
    with pytest.raises(NotFound):
        change_role(session, org, manager.id, "staff", actor=rep, channel="web")
    with pytest.raises(NotFound):
        remove_member(session, clinic_org, rep.id, actor=manager, channel="web")


def test_removing_a_member_revokes_sessions_and_keys_and_publishes(market: Market) -> None:
    got: list[DomainEvent] = []
    bus_for(market.factory).subscribe(MemberRemoved, got.append)
    with market.factory() as session:
        org, rep = _org_with_manager(session, market, OrgKind.RETAILER)
        staff = market.user(session, "nord_staff")
        add_member(session, org, staff, "staff", actor=rep, channel="web")
        session.add(ApiKey(user_id=staff.id, name="k", prefix="abc123", key_hash="h"))
        session.add(UserSession(id="s" * 64, user_id=staff.id, expires_at=NOW + timedelta(days=1)))
        session.commit()
        remove_member(session, org, staff.id, actor=rep, channel="web", now=NOW)
        session.commit()
        staff = session.get(User, staff.id)
        assert staff is not None and not staff.active
        assert staff.organisation_id is None and staff.retailer_id is None
        key = session.scalar(select(ApiKey).where(ApiKey.user_id == staff.id))
        assert key is not None and key.revoked_at is not None
        sess = session.get(UserSession, "s" * 64)
        assert sess is not None and sess.revoked_at is not None
        entry = entries_for(session, "organisation", org.id)[0]
        assert entry.action == "member.remove" and entry.detail["user_id"] == staff.id
    assert got == [MemberRemoved(organisation_id=org.id, user_id=staff.id)]


def test_approve_and_refuse_a_pending_organisation(market: Market) -> None:
    got: list[DomainEvent] = []
    bus_for(market.factory).subscribe(OrganisationApproved, got.append)
    with market.factory() as session:
        admin = market.user(session, "admin")
        org = create_organisation(
            session,
            OrgKind.RETAILER,
            details(),
            actor=None,
            channel="web",
            status=OrgStatus.PENDING,
        )
        member = market.user(session, "tand_staff")
        member.organisation_id = None
        add_member(session, org, member, "representative", actor=None, channel="web")
        assert sign_in_refusal(session, member) is OrgStatus.PENDING
        approve(session, org, admin, now=NOW)
        session.commit()
        assert org.status == "active" and org.status_changed_by == admin.id
        assert org.retailer_id is not None and member.retailer_id == org.retailer_id
        assert sign_in_refusal(session, member) is None
        with pytest.raises(AlreadyDecided):
            approve(session, org, admin)
        second = create_organisation(
            session, OrgKind.CLINIC, details(), actor=None, channel="web", status=OrgStatus.PENDING
        )
        with pytest.raises(OrgInvalid):
            refuse(session, second, admin, "  ")
        refuse(session, second, admin, "Inte en tandvårdsklinik")
        session.commit()
        assert second.status == "refused" and second.status_reason == "Inte en tandvårdsklinik"
        assert entries_for(session, "organisation", second.id)[0].action == "organisation.refuse"
        with pytest.raises(InvalidInput):  # a retailer and a clinic share the number
            find_organisation(session, "5566778899")
        assert find_organisation(session, str(org.id)) is org
        with pytest.raises(NotFound):
            find_organisation(session, "999999")
    assert got == [OrganisationApproved(organisation_id=org.id)]


def test_two_managers_demoting_each_other_at_once_leave_one(market: Market) -> None:
    import threading

    with market.factory() as session:
        org, rep = _org_with_manager(session, market, OrgKind.RETAILER)
        other = market.user(session, "nord_staff")
        add_member(session, org, other, "representative", actor=None, channel="cli")
        session.commit()
        pair = [(rep.id, other.id), (other.id, rep.id)]
        org_id = org.id
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def demote(actor_id: int, target_id: int) -> None:
        with market.factory() as s:
            found = s.get(Organisation, org_id)
            actor = s.get(User, actor_id)
            assert found is not None and actor is not None
            barrier.wait()
            try:
                change_role(s, found, target_id, "staff", actor=actor, channel="web")
                s.commit()
                outcomes.append("demoted")
            except LastManager:
                s.rollback()
                outcomes.append("refused")

    threads = [threading.Thread(target=demote, args=p) for p in pair]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["demoted", "refused"]
    with market.factory() as session:
        roles = session.scalars(select(User.org_role).where(User.organisation_id == org_id)).all()
        assert sorted(roles) == ["representative", "staff"]
