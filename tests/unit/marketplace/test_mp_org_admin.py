"""The admins' organisation and user services: search, approve/refuse/suspend/reactivate
(one outcome when two admins decide at once), corrections, roles, reset sign-in, audit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.audit import entries_for
from catalog.events import (
    OrganisationApproved,
    OrganisationRefused,
    OrganisationSuspended,
    pending,
)
from catalog.models import Organisation, User, UserSession
from marketplace import admin_common, org_admin, user_admin
from marketplace.errors import AlreadyDecided, InvalidInput, NotAllowed, NotFound, NotLoggedIn
from marketplace.models import OutgoingEmail
from tests.unit.marketplace.mp_support import Market

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


def add_org(
    session: Session,
    name: str,
    *,
    kind: str = "retailer",
    status: str = "pending",
    number: str | None = None,
    retailer_id: int | None = None,
    members: tuple[tuple[str, str, bool], ...] = (),
) -> Organisation:
    """An organisation with members (e-mail, org role, active)."""
    org = Organisation(
        kind=kind, name=name, org_number=number, status=status, retailer_id=retailer_id
    )
    session.add(org)
    session.flush()
    for email, org_role, active in members:
        session.add(
            User(
                email=email,
                name=email.split("@")[0].title(),
                role=kind,
                organisation_id=org.id,
                org_role=org_role,
                retailer_id=retailer_id,
                clinic=name if kind == "clinic" else None,
                password_hash="x",
                active=active,
            )
        )
    session.flush()
    return org


def live_session(session: Session, user_id: int) -> str:
    sid = f"s{user_id}-{NOW.timestamp()}"
    session.add(
        UserSession(id=sid, user_id=user_id, expires_at=NOW + timedelta(days=3), created_at=NOW)
    )
    session.flush()
    return sid


def _member(session: Session, email: str) -> User:
    found = session.scalar(select(User).where(User.email == email))
    assert found is not None
    return found


# ---------------------------------------------------------------- organisations


def test_search_by_name_number_and_member_email_with_filters_and_paging(
    session: Session, market: Market
) -> None:
    admin = market.user(session, "admin")
    add_org(session, "Tand AB", number="556677-8899", members=(("olle@tand.se", "staff", True),))
    add_org(session, "Leende Klinik", kind="clinic", status="active", number="212000-0142")
    add_org(session, "Tandläkarhuset", kind="clinic", status="active")

    def names(**kw: object) -> list[str]:
        page = org_admin.list_organisations(session, admin, **kw)  # type: ignore[arg-type]
        return [o.name for o in page.items]

    assert names(q="tand") == ["Tand AB", "Tandläkarhuset"]  # the waiting sign-up first
    assert names(q="5566778899") == ["Tand AB"] == names(q="556677-88")
    assert names(q="OLLE@tand") == ["Tand AB"]
    assert names(kind="clinic") == ["Leende Klinik", "Tandläkarhuset"]
    assert names(status="pending") == ["Tand AB"]
    page = org_admin.list_organisations(session, admin, kind="clinic", limit=1, offset=1)
    assert (page.count, [o.name for o in page.items]) == (2, ["Tandläkarhuset"])
    assert names(q="100%_") == []
    with pytest.raises(InvalidInput) as bad:
        org_admin.list_organisations(session, admin, status="sleeping")
    assert bad.value.values["field"] == "status"
    with pytest.raises(InvalidInput):
        org_admin.list_organisations(session, admin, limit=101)
    assert org_admin.pending_signups(session, admin) == 1


@pytest.mark.parametrize("who", ["clinic", "tand_staff", "merch", None])
def test_only_admins_use_the_console(session: Session, market: Market, who: str | None) -> None:
    user = market.user(session, who) if who else None
    org = add_org(session, "Tand AB")
    for call in (
        lambda: org_admin.list_organisations(session, user),
        lambda: org_admin.approve(session, user, org.id, now=NOW),
        lambda: user_admin.list_users(session, user),
        lambda: admin_common.audit_log(session, user),
    ):
        with pytest.raises((NotAllowed, NotLoggedIn)):
            call()


def test_approving_activates_the_waiting_members_audits_and_publishes(
    session: Session, market: Market
) -> None:
    admin = market.user(session, "admin")
    org = add_org(session, "Tand AB", members=(("rep@tand.se", "representative", False),))
    org_admin.approve(session, admin, org.id, now=NOW)
    assert org.status == "active" and org.status_changed_by == admin.id
    assert _member(session, "rep@tand.se").active
    assert any(
        isinstance(e, OrganisationApproved) and e.organisation_id == org.id
        for e in pending(session)
    )
    (entry,) = entries_for(session, "organisation", org.id)
    assert entry.action == "organisation.approve" and entry.actor == "admin a@x.se (web)"
    with pytest.raises(AlreadyDecided):  # approved already: not pending any more
        org_admin.approve(session, admin, org.id, now=NOW)


def test_refusing_needs_a_reason_and_keeps_it(session: Session, market: Market) -> None:
    admin = market.user(session, "admin")
    org = add_org(session, "Tand AB", members=(("rep@tand.se", "representative", False),))
    with pytest.raises(InvalidInput) as missing:
        org_admin.refuse(session, admin, org.id, "  ", now=NOW)
    assert missing.value.values["field"] == "reason"
    org_admin.refuse(session, admin, org.id, "Fel organisationsnummer", now=NOW)
    assert (org.status, org.status_reason) == ("refused", "Fel organisationsnummer")
    assert not _member(session, "rep@tand.se").active
    assert any(isinstance(e, OrganisationRefused) for e in pending(session))
    assert entries_for(session, "organisation", org.id)[0].detail["reason"] == (
        "Fel organisationsnummer"
    )
    with pytest.raises(NotFound):
        org_admin.refuse(session, admin, 999_999, "x", now=NOW)


def test_two_admins_deciding_the_same_sign_up_get_one_outcome(market: Market) -> None:
    """Both admins have the sign-up on screen; one approves, the other's refusal is refused
    (409) and the approval stands, with one audit entry."""
    with market.factory() as s:
        org_id = add_org(s, "Tand AB", members=(("rep@tand.se", "representative", False),)).id
        s.commit()
    first, second = market.factory(), market.factory()
    try:
        assert first.get(Organisation, org_id) is not None
        assert second.get(Organisation, org_id) is not None  # both loaded it pending
        org_admin.approve(first, market.user(first, "admin"), org_id, now=NOW)
        first.commit()
        with pytest.raises(AlreadyDecided) as late:
            org_admin.refuse(second, market.user(second, "admin2"), org_id, "nej", now=NOW)
        assert late.value.values["status"] == "active"
        second.rollback()
    finally:
        first.close()
        second.close()
    with market.factory() as s:
        org = s.get(Organisation, org_id)
        assert org is not None and org.status == "active" and org.status_reason is None
        assert [e.action for e in entries_for(s, "organisation", org_id)] == [
            "organisation.approve"
        ]


def test_suspending_signs_the_members_out_and_reactivating_lets_them_back(
    session: Session, market: Market
) -> None:
    admin = market.user(session, "admin")
    org = add_org(
        session,
        "Tand AB",
        status="active",
        retailer_id=market.retailers["tand"],
        members=(("rep@tand.se", "representative", True), ("lisa@tand.se", "staff", True)),
    )
    rep = _member(session, "rep@tand.se")
    sid = live_session(session, rep.id)
    other = live_session(session, market.users["clinic"])
    with pytest.raises(InvalidInput):
        org_admin.suspend(session, admin, org.id, "", now=NOW)
    _, members = org_admin.suspend(session, admin, org.id, "Obetalda avgifter", now=NOW)
    assert sorted(members) == sorted([rep.id, _member(session, "lisa@tand.se").id])
    assert (org.status, org.status_reason) == ("suspended", "Obetalda avgifter")
    ended = session.get(UserSession, sid)
    assert ended is not None and ended.revoked_at is not None
    kept = session.get(UserSession, other)
    assert kept is not None and kept.revoked_at is None  # not a member
    assert any(isinstance(e, OrganisationSuspended) for e in pending(session))
    with pytest.raises(AlreadyDecided):
        org_admin.suspend(session, admin, org.id, "igen", now=NOW)
    org_admin.reactivate(session, admin, org.id, now=NOW)
    assert (org.status, org.status_reason) == ("active", None)
    actions = [e.action for e in entries_for(session, "organisation", org.id)]
    assert actions == ["organisation.reactivate", "organisation.suspend"]
    with pytest.raises(AlreadyDecided):
        org_admin.reactivate(session, admin, org.id, now=NOW)


def test_editing_checks_the_org_number_and_vat_and_mirrors_a_clinic_name(
    session: Session, market: Market
) -> None:
    admin = market.user(session, "admin")
    add_org(session, "Annan", kind="clinic", status="active", number="556677-8899")
    org = add_org(
        session,
        "Leende",
        kind="clinic",
        status="active",
        members=(("mia@leende.se", "manager", True),),
    )
    with pytest.raises(InvalidInput) as check:
        org_admin.update_organisation(session, admin, org.id, {"org_number": "556677-8898"})
    assert (check.value.code, check.value.values["field"]) == (
        "org_number_check_digit",
        "org_number",
    )
    with pytest.raises(InvalidInput) as taken:
        org_admin.update_organisation(session, admin, org.id, {"org_number": "5566778899"})
    assert taken.value.code == "org_number_taken"
    with pytest.raises(InvalidInput) as vat:
        org_admin.update_organisation(
            session, admin, org.id, {"org_number": "212000-0142", "vat_number": "SE556677889901"}
        )
    assert vat.value.code == "org_number_vat_mismatch"
    with pytest.raises(InvalidInput) as empty:
        org_admin.update_organisation(session, admin, org.id, {"name": " "})
    assert empty.value.values["field"] == "name"
    org_admin.update_organisation(
        session,
        admin,
        org.id,
        {"name": "Leende Tandvård", "org_number": "2120000142", "vat_number": "se 2120000142 01"},
    )
    assert (org.name, org.org_number, org.vat_number) == (
        "Leende Tandvård",
        "212000-0142",
        "SE212000014201",
    )
    assert _member(session, "mia@leende.se").clinic == "Leende Tandvård"
    (entry,) = entries_for(session, "organisation", org.id)
    assert entry.action == "organisation.edit"
    assert entry.detail["changed"]["org_number"] == [None, "212000-0142"]


# ---------------------------------------------------------------- users


def test_user_search_by_email_name_and_organisation(session: Session, market: Market) -> None:
    admin = market.user(session, "admin")
    add_org(session, "Leende", kind="clinic", status="active", members=(("x@l.se", "buyer", True),))
    page = user_admin.list_users(session, admin, q="leende")
    assert [(u.user.email, u.organisation and u.organisation.name) for u in page.items] == [
        ("x@l.se", "Leende")
    ]
    assert [u.user.email for u in user_admin.list_users(session, admin, q="CILLA").items] == [
        "c@x.se"
    ]
    staff = user_admin.list_users(session, admin, role="admin")
    assert (staff.count, {u.user.email for u in staff.items}) == (2, {"a@x.se", "a2@x.se"})


def test_roles_stay_consistent_with_the_organisation(session: Session, market: Market) -> None:
    admin = market.user(session, "admin")
    org = add_org(
        session,
        "Tand AB",
        status="active",
        retailer_id=market.retailers["tand"],
        members=(("rep@tand.se", "representative", True), ("lisa@tand.se", "staff", True)),
    )
    lisa, rep = _member(session, "lisa@tand.se"), _member(session, "rep@tand.se")
    with pytest.raises(InvalidInput) as wrong_role:
        user_admin.change_roles(session, admin, lisa.id, org_role="manager")
    assert wrong_role.value.values["field"] == "org_role"
    with pytest.raises(InvalidInput) as wrong_kind:
        user_admin.change_roles(session, admin, lisa.id, role="clinic")
    assert wrong_kind.value.code == "role_of_org"
    with pytest.raises(InvalidInput) as last:
        user_admin.change_roles(session, admin, rep.id, org_role="staff")
    assert last.value.code == "last_manager"
    user_admin.change_roles(session, admin, lisa.id, org_role="representative")
    user_admin.change_roles(session, admin, rep.id, org_role="staff")
    assert (lisa.org_role, rep.org_role, lisa.retailer_id) == (
        "representative",
        "staff",
        org.retailer_id,
    )
    merch = market.user(session, "merch")
    with pytest.raises(InvalidInput) as needs_org:
        user_admin.change_roles(session, admin, merch.id, role="clinic")
    assert needs_org.value.code == "role_needs_org"
    user_admin.change_roles(session, admin, merch.id, role="admin")
    assert merch.role == "admin"
    with pytest.raises(NotAllowed):
        user_admin.change_roles(session, admin, admin.id, role="merchandiser")
    entries = entries_for(session, "user", merch.id)
    assert entries[0].detail == {
        "before": {"role": "merchandiser", "org_role": None},
        "after": {"role": "admin", "org_role": None},
    }


def test_suspending_a_user_ends_their_sessions_once(session: Session, market: Market) -> None:
    admin = market.user(session, "admin")
    clinic = market.user(session, "clinic")
    sid = live_session(session, clinic.id)
    with pytest.raises(NotAllowed):
        user_admin.suspend_user(session, admin, admin.id, "x", now=NOW)
    user_admin.suspend_user(session, admin, clinic.id, "Missbruk", now=NOW)
    stored = session.get(UserSession, sid)
    assert not clinic.active and stored is not None and stored.revoked_at is not None
    with pytest.raises(AlreadyDecided):
        user_admin.suspend_user(session, admin, clinic.id, "Missbruk", now=NOW)
    user_admin.reactivate_user(session, admin, clinic.id, now=NOW)
    assert clinic.active
    actions = [e.action for e in entries_for(session, "user", clinic.id)]
    assert actions == ["user.reactivate", "user.suspend"]


def test_reset_sign_in_ends_sessions_and_queues_the_link(session: Session, market: Market) -> None:
    admin = market.user(session, "admin")
    clinic = market.user(session, "clinic")
    sid = live_session(session, clinic.id)
    user, ended = user_admin.reset_sign_in(
        session,
        admin,
        clinic.id,
        link_for=lambda u: f"https://valbar.test/konto/nytt-losenord?token=t{u.id}",
        lang="en",
        valid_hours=24,
        now=NOW,
    )
    assert (user.id, ended) == (clinic.id, 1)
    stored = session.get(UserSession, sid)
    assert stored is not None and stored.revoked_at is not None
    (mail,) = session.scalars(select(OutgoingEmail)).all()
    assert (mail.to_address, mail.template, mail.lang) == ("c@x.se", "password_reset", "en")
    assert mail.context["link"] == f"https://valbar.test/konto/nytt-losenord?token=t{clinic.id}"
    assert entries_for(session, "user", clinic.id)[0].action == "user.reset_sign_in"


def test_the_audit_log_filters_by_target_and_pages(session: Session, market: Market) -> None:
    admin = market.user(session, "admin")
    org = add_org(session, "Tand AB")
    org_admin.approve(session, admin, org.id, now=NOW)
    user_admin.suspend_user(session, admin, market.users["clinic"], "x", now=NOW)
    assert admin_common.audit_log(session, admin).count == 2
    only = admin_common.audit_log(session, admin, target_kind="organisation", target_id=str(org.id))
    assert [e.action for e in only.items] == ["organisation.approve"]
    assert admin_common.audit_log(session, admin, action="user.").count == 1
    assert len(admin_common.audit_log(session, admin, limit=1).items) == 1
