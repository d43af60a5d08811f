"""The demo seeds organisations with members for its logins and one pending sign-up, once."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from api.auth import OrganisationInactive, authenticate, hash_password
from catalog.models import Organisation, User
from catalog.orgnr import parse_org_number
from indexer.jobs import factory_for
from tests.unit.ui.ui_support import ui_settings
from valbar import demo
from valbar.demo_orgs import PENDING_SIGNUP, ensure_organisations

SUBSET = ("nordisk-dentaldepa", "smilo")


def test_demo_organisations_members_and_one_pending_sign_up(tmp_path: Path) -> None:
    factory = factory_for(ui_settings(tmp_path))
    retailers = tuple(d for d in demo.RETAILERS if d.slug in SUBSET)
    hashed = hash_password(demo.DEMO_PASSWORD)
    demo.ensure_retailers_and_users(factory, hashed, retailers)
    said: list[str] = []
    first = ensure_organisations(factory, hashed, SUBSET, said.append)
    assert first == {"active": 3, "pending": 1}
    assert ensure_organisations(factory, hashed, SUBSET, said.append) == first  # once
    with factory() as s:
        by_email = {u.email: u for u in s.scalars(select(User))}
        handlare = by_email["handlare@valbar.test"]
        assert (handlare.org_role, handlare.role) == ("representative", "retailer")
        staff = by_email["personal.nordisk-dentaldepa@valbar.test"]
        assert staff.organisation_id == handlare.organisation_id and staff.org_role == "staff"
        assert staff.retailer_id == handlare.retailer_id
        assert by_email["smilo@valbar.test"].org_role == "representative"
        clinic = by_email["klinik@valbar.test"]
        buyer = by_email["inkopare@valbar.test"]
        assert (clinic.org_role, buyer.org_role) == ("manager", "buyer")
        assert clinic.organisation_id == buyer.organisation_id
        for platform in ("merch@valbar.test", "admin@valbar.test"):
            assert by_email[platform].organisation_id is None
        orgs = s.scalars(select(Organisation)).all()
        for org in orgs:
            assert org.org_number is not None and parse_org_number(org.org_number)
        pending = [o for o in orgs if o.status == "pending"]
        assert len(pending) == 1 and pending[0].name == PENDING_SIGNUP[0]
        assert pending[0].submitted_at is not None and pending[0].terms_version
        assert (
            s.scalar(select(func.count(User.id)).where(User.organisation_id == pending[0].id)) == 1
        )
        authenticate(s, "handlare@valbar.test", demo.DEMO_PASSWORD)
        try:
            authenticate(s, PENDING_SIGNUP[1], demo.DEMO_PASSWORD)
            raise AssertionError("the pending sign-up signed in")
        except OrganisationInactive as exc:
            assert exc.status == "pending" and exc.confirmed


def test_the_demo_prints_every_login_it_created(tmp_path: Path) -> None:
    """The buyer, each retailer's staff, the platform roles and the pending sign-up (marked
    as waiting) are all in the list ``valbar demo`` prints."""
    from valbar.demo_orgs import demo_logins

    factory = factory_for(ui_settings(tmp_path))
    retailers = tuple(d for d in demo.RETAILERS if d.slug in SUBSET)
    hashed = hash_password(demo.DEMO_PASSWORD)
    demo.ensure_retailers_and_users(factory, hashed, retailers)
    ensure_organisations(factory, hashed, SUBSET, lambda _line: None)
    with factory() as s:
        logins = {login.email: login for login in demo_logins(s)}
        assert set(logins) == set(s.scalars(select(User.email)))
    assert logins["inkopare@valbar.test"].role == "buyer"
    assert logins["personal.smilo@valbar.test"].role == "staff"
    assert logins["admin@valbar.test"].organisation is None
    assert logins[PENDING_SIGNUP[1]].note == "väntar på godkännande"
    assert logins["klinik@valbar.test"].note == ""
