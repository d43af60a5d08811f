"""Sign-up (a pending organisation, an inactive account, a confirmation e-mail with a signed
expiring link that works once) and invitations (expire, work once, refuse an address with
an account); two of either at once make one."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from catalog.audit import entries_for
from catalog.enums import OrgKind
from catalog.events import DomainEvent, MemberInvited, MemberJoined, SignupSubmitted, bus_for
from catalog.models import Organisation, User
from marketplace import invitations, signup
from marketplace.dates import utc_now
from marketplace.errors import NotAllowed
from marketplace.models import Invitation, OutgoingEmail
from marketplace.organisations import OrgDetails, OrgInvalid, add_member, approve
from tests.unit.marketplace.mp_support import NOW, Market

SECRET = "test-secret-key-for-signup-0123456789"
BASE = "https://valbar.example"


def form(email: str = "eva@depan.se", **changes: object) -> signup.SignupForm:
    values: dict[str, object] = {
        "kind": OrgKind.RETAILER,
        "details": OrgDetails(
            name="Depån AB",
            org_number="556677-8899",
            vat_number="SE556677889901",
            street="Storgatan 1",
            postal_code="111 22",
            city="Stockholm",
        ),
        "person_name": "Eva Ek",
        "email": email,
        "terms_accepted": True,
    }
    values.update(changes)
    return signup.SignupForm(**values)  # type: ignore[arg-type]


def do_sign_up(session: Session, f: signup.SignupForm) -> signup.SignupResult:
    return signup.sign_up(
        session,
        f,
        password_hash="hash",
        secret=SECRET,
        terms_version="2026-12",
        lang="sv",
        link_base=BASE,
        confirm_hours=48,
        now=NOW,
    )


def test_a_sign_up_is_pending_with_an_inactive_account_and_a_confirmation_mail(
    market: Market,
) -> None:
    got: list[DomainEvent] = []
    bus_for(market.factory).subscribe(SignupSubmitted, got.append)
    with market.factory() as session:
        result = do_sign_up(session, form())
        assert result.organisation_id is not None and result.confirm_token is not None
        org = session.get(Organisation, result.organisation_id)
        assert org is not None and org.status == "pending" and org.submitted_at is None
        assert org.terms_version == "2026-12" and org.terms_accepted_at is not None
        user = session.scalar(select(User).where(User.email == "eva@depan.se"))
        assert user is not None and not user.active
        assert user.org_role == "representative"
        assert org.retailer_id is None and user.retailer_id is None  # nothing public yet
        mail = session.scalar(select(OutgoingEmail).where(OutgoingEmail.to_address == user.email))
        assert mail is not None and mail.template == "signup_confirm"
        assert mail.context["link"] == f"{BASE}/bekrafta-registrering/{result.confirm_token}"
        assert got == []
        confirmed, first = signup.confirm(
            session, result.confirm_token, secret=SECRET, max_age=timedelta(hours=48)
        )
        assert first and confirmed.submitted_at is not None
        session.refresh(user)
        assert user.active
        again = signup.confirm(
            session, result.confirm_token, secret=SECRET, max_age=timedelta(hours=48)
        )
        assert again[1] is False  # the link works once
        actions = [e.action for e in entries_for(session, "organisation", org.id)]
        assert "organisation.signup" in actions and "organisation.confirm_email" in actions
    assert got == [SignupSubmitted(organisation_id=org.id)]


def test_a_forged_or_expired_confirmation_link_is_refused(session: Session) -> None:
    result = do_sign_up(session, form())
    assert result.confirm_token is not None
    with pytest.raises(signup.SignupLinkInvalid) as forged:
        signup.confirm(session, result.confirm_token + "x", secret=SECRET, max_age=timedelta(1))
    assert forged.value.code == "link_invalid"
    with pytest.raises(signup.SignupLinkInvalid) as other_key:
        signup.confirm(session, result.confirm_token, secret="another" * 6, max_age=timedelta(1))
    assert other_key.value.code == "link_invalid"
    with pytest.raises(signup.SignupLinkInvalid) as expired:
        signup.confirm(session, result.confirm_token, secret=SECRET, max_age=timedelta(seconds=-1))
    assert expired.value.code == "link_expired"


def test_bad_fields_are_all_named(session: Session) -> None:
    bad = form(
        email="not-an-address",
        person_name="",
        terms_accepted=False,
        details=OrgDetails(name="X", org_number="556677-8898", postal_code="1"),
    )
    with pytest.raises(OrgInvalid) as refused:
        do_sign_up(session, bad)
    assert refused.value.fields == {
        "org_number": "check_digit",
        "street": "required",
        "postal_code": "format",
        "city": "required",
        "email": "format",
        "person_name": "required",
        "terms": "required",
    }
    assert session.scalar(select(func.count(Organisation.id))) == 0


def test_an_address_with_an_account_is_answered_as_a_new_one(session: Session) -> None:
    result = do_sign_up(session, form(email="C@X.SE"))  # Cilla's, in capitals
    assert result.organisation_id is None
    assert session.scalar(select(func.count(Organisation.id))) == 0
    mail = session.scalar(select(OutgoingEmail).where(OutgoingEmail.to_address == "c@x.se"))
    assert mail is not None and mail.template == "signup_exists"


def test_a_registered_organisation_is_answered_as_a_new_one(market: Market) -> None:
    """Whether an org number is registered is not told to an anonymous caller: the answer is
    a new sign-up's; the address given is told by e-mail, each active representative of the
    organisation is notified (once a day per address), nothing is created. An admin
    (``reveal``) is told plainly."""
    with market.factory() as session:
        _, rep = _active_org(market, session)
        result = do_sign_up(session, form(email="Other@Depan.se"))
        assert result == signup.SignupResult(None)
        assert session.scalar(select(func.count(Organisation.id))) == 1
        assert session.scalar(select(User.id).where(User.email == "other@depan.se")) is None
        told = session.scalar(
            select(OutgoingEmail).where(OutgoingEmail.to_address == "other@depan.se")
        )
        assert told is not None and told.template == "signup_org_taken"
        assert told.context["organisation"] == "Depån AB"
        notified = session.scalars(
            select(OutgoingEmail).where(OutgoingEmail.template == "signup_org_attempt")
        ).all()
        assert [(m.to_address, m.context["email"]) for m in notified] == [
            (rep.email, "other@depan.se")
        ]
        do_sign_up(session, form(email="other@depan.se"))  # again: no second message
        assert session.scalar(select(func.count(OutgoingEmail.id))) == len(notified) + 2
        with pytest.raises(OrgInvalid) as taken:
            signup.sign_up(
                session,
                form(email="third@depan.se"),
                password_hash="hash",
                secret=SECRET,
                terms_version="2026-12",
                lang="sv",
                link_base=BASE,
                confirm_hours=48,
                reveal=True,
                now=NOW,
            )
        assert taken.value.fields == {"org_number": "taken"}


def _at_once(n: int, work: Callable[[], object]) -> list[object]:
    barrier = threading.Barrier(n)
    results: list[object] = []

    def run() -> None:
        barrier.wait()
        try:
            results.append(work())
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            results.append(exc)

    threads = [threading.Thread(target=run) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_two_sign_ups_of_one_address_at_once_make_one_account(market: Market) -> None:
    def attempt() -> object:
        with market.factory() as session:
            return do_sign_up(session, form())

    results = _at_once(4, attempt)
    made = [r for r in results if isinstance(r, signup.SignupResult) and r.organisation_id]
    assert len(made) == 1, results
    assert all(isinstance(r, signup.SignupResult | OrgInvalid) for r in results), (
        results
    )  # the others: "check your e-mail" or the organisation is registered
    with market.factory() as session:
        assert session.scalar(select(func.count(User.id)).where(User.email == "eva@depan.se")) == 1
        assert session.scalar(select(func.count(Organisation.id))) == 1


# ---------------------------------------------------------------- invitations


def _active_org(market: Market, session: Session) -> tuple[Organisation, User]:
    result = do_sign_up(session, form())
    assert result.organisation_id is not None
    org = session.get(Organisation, result.organisation_id)
    assert org is not None
    rep = session.scalar(select(User).where(User.email == "eva@depan.se"))
    assert rep is not None
    rep.active = True
    org.submitted_at = org.terms_accepted_at  # confirmed (test_a_sign_up_is_pending_...)
    approve(session, org, market.user(session, "admin"))
    session.commit()
    assert org.retailer_id is not None and rep.retailer_id == org.retailer_id  # at approval
    return org, rep


def _invite(session: Session, org: Organisation, who: User, email: str, role: str = "staff"):  # type: ignore[no-untyped-def]
    return invitations.invite(
        session, org, who, email, role, days=7, lang="sv", link_base=BASE, now=NOW
    )


def test_an_invitation_joins_once_and_expires(market: Market) -> None:
    got: list[DomainEvent] = []
    bus = bus_for(market.factory)
    bus.subscribe(MemberInvited, got.append)
    bus.subscribe(MemberJoined, got.append)
    with market.factory() as session:
        org, rep = _active_org(market, session)
        invitation, token = _invite(session, org, rep, "Kalle@Depan.se")
        assert invitation.email == "kalle@depan.se" and invitation.token_hash != token
        mail = session.scalar(select(OutgoingEmail).where(OutgoingEmail.template == "invitation"))
        assert mail is not None and mail.context["link"] == f"{BASE}/inbjudan/{token}"
        with pytest.raises(invitations.InvitationInvalid) as late:
            invitations.find_open(session, token, NOW + timedelta(days=7, seconds=1))
        assert late.value.code == "invitation_expired"
        user = invitations.accept(
            session, token, name="Kalle Ek", password_hash="h", now=NOW + timedelta(days=1)
        )
        assert user.active and user.org_role == "staff" and user.retailer_id == org.retailer_id
        with pytest.raises(invitations.InvitationInvalid) as used:
            invitations.accept(session, token, name="Again", password_hash="h", now=NOW)
        assert used.value.code == "invitation_used"
        # an address with an account is invited like any other (the inviter learns
        # nothing), but its link cannot be used
        taken_invitation, taken = _invite(session, org, rep, "c@x.se")
        assert taken is not None
        with pytest.raises(invitations.AccountExists):
            invitations.find_open(session, taken, NOW)
        # a staff member does not invite; a wrong role for the kind is named
        with pytest.raises(NotAllowed):
            _invite(session, org, user, "x@depan.se")
        with pytest.raises(OrgInvalid) as role:
            _invite(session, org, rep, "x@depan.se", "buyer")
        assert role.value.fields == {"org_role": "invalid"}
    assert got == [
        MemberInvited(organisation_id=org.id, invitation_id=invitation.id),
        MemberJoined(organisation_id=org.id, user_id=user.id),
        MemberInvited(organisation_id=org.id, invitation_id=taken_invitation.id),
    ]


def test_a_revoked_or_replaced_invitation_stops_working(market: Market) -> None:
    with market.factory() as session:
        org, rep = _active_org(market, session)
        first, first_token = _invite(session, org, rep, "kalle@depan.se")
        # inviting the address again a while later sends the same invitation with a new link
        second, second_token = invitations.invite(
            session,
            org,
            rep,
            "kalle@depan.se",
            "staff",
            days=7,
            lang="sv",
            link_base=BASE,
            now=NOW + timedelta(minutes=5),
        )
        assert second.id == first.id and second_token not in (None, first_token)
        assert second_token is not None
        with pytest.raises(invitations.InvitationInvalid) as replaced:
            invitations.find_open(session, str(first_token), NOW)
        assert replaced.value.code == "invitation_unknown"
        assert [i.id for i in invitations.open_invitations(session, org)] == [second.id]
        invitations.revoke(session, org, second.id, rep)
        with pytest.raises(invitations.InvitationInvalid):
            invitations.accept(session, second_token, name="K", password_hash="h", now=NOW)
        assert invitations.open_invitations(session, org) == []


def test_another_organisations_manager_cannot_touch_an_invitation(market: Market) -> None:
    with market.factory() as session:
        org, rep = _active_org(market, session)
        invitation, _ = _invite(session, org, rep, "kalle@depan.se")
        clinic = session.get(Organisation, org.id)
        assert clinic is not None
        stranger = market.user(session, "clinic")
        other = Organisation(kind="clinic", name="Folktand", status="active")
        session.add(other)
        session.flush()
        add_member(session, other, stranger, "manager", actor=None, channel="cli")
        session.commit()
        with pytest.raises(NotAllowed):
            invitations.revoke(session, org, invitation.id, stranger)
        with pytest.raises(NotAllowed):
            _invite(session, org, stranger, "y@depan.se")
        assert session.get(Invitation, invitation.id).open_email == "kalle@depan.se"  # type: ignore[union-attr]


def test_two_acceptances_at_once_make_one_member(market: Market) -> None:
    with market.factory() as session:
        org, rep = _active_org(market, session)
        _, token = _invite(session, org, rep, "kalle@depan.se")

    def attempt() -> object:
        with market.factory() as s:
            return invitations.accept(s, token, name="Kalle", password_hash="h", now=NOW)

    results = _at_once(4, attempt)
    assert sum(isinstance(r, User) for r in results) == 1, results
    assert all(isinstance(r, User | invitations.InvitationInvalid) for r in results), results
    with market.factory() as session:
        count = session.scalar(select(func.count(User.id)).where(User.email == "kalle@depan.se"))
        assert count == 1


def test_a_sign_up_never_confirmed_is_forgotten_when_signed_up_again(session: Session) -> None:
    first = do_sign_up(session, form())
    assert first.organisation_id is not None and first.confirm_token is not None
    # the first one's link still works: taken (answered as a new sign-up, nothing made)
    taken = signup.sign_up(
        session,
        form(email="other@depan.se"),
        password_hash="h",
        secret=SECRET,
        terms_version="2026-12",
        lang="sv",
        link_base=BASE,
        confirm_hours=48,
        now=NOW + timedelta(hours=47),
    )
    assert taken.organisation_id is None
    assert session.scalar(select(User.id).where(User.email == "other@depan.se")) is None
    later = NOW + timedelta(hours=49)
    again = signup.sign_up(
        session,
        form(),
        password_hash="h2",
        secret=SECRET,
        terms_version="2026-12",
        lang="sv",
        link_base=BASE,
        confirm_hours=48,
        now=later,
    )
    assert again.organisation_id is not None
    audit_actions = [e.action for e in entries_for(session, "organisation", first.organisation_id)]
    assert "organisation.signup_expired" in audit_actions
    users = session.scalars(select(User).where(User.email == "eva@depan.se")).all()
    assert [u.password_hash for u in users] == ["h2"]


def test_the_queued_messages_render_in_both_languages(market: Market) -> None:
    """Every message queued here has its template in sv and en: a ``Subject:`` line, a blank
    line, a body that uses only the context's keys (``StrictUndefined``)."""
    from pathlib import Path

    from jinja2 import Environment, StrictUndefined

    import marketplace.mail

    folder = Path(marketplace.mail.__file__).parent / "templates"
    env = Environment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=True)
    with market.factory() as session:
        org, rep = _active_org(market, session)
        _invite(session, org, rep, "kalle@depan.se")
        do_sign_up(session, form(email="c@x.se"))  # an address with an account
        mails = session.scalars(select(OutgoingEmail)).all()
    assert {m.template for m in mails} == {"signup_confirm", "invitation", "signup_exists"}
    for mail in mails:
        for lang in ("sv", "en"):
            text = (folder / f"{mail.template}.{lang}.txt").read_text(encoding="utf-8")
            subject, blank, _ = text.split("\n", 2)
            assert subject.startswith("Subject: ") and blank == "", mail.template
            rendered = env.from_string(text).render(**mail.context)
            for value in mail.context.values():
                if isinstance(value, str) and value.startswith("http"):
                    assert value in rendered, (mail.template, lang)


def test_an_unconfirmed_sign_up_is_not_in_the_queue_and_cannot_be_approved(
    market: Market,
) -> None:
    """Until its e-mail is confirmed a sign-up's address is unproven: the admins' count of
    waiting sign-ups leaves it out and approving it is refused (nothing changes)."""
    from marketplace.errors import IllegalTransition
    from marketplace.org_admin import pending_signups
    from marketplace.queue_lengths import queue_lengths

    with market.factory() as session:
        admin = market.user(session, "admin")
        before = pending_signups(session, admin)
        result = do_sign_up(session, form())
        assert result.organisation_id is not None and result.confirm_token is not None
        org = session.get(Organisation, result.organisation_id)
        assert org is not None
        assert pending_signups(session, admin) == before
        assert queue_lengths(session, utc_now()).pending_signups == before
        with pytest.raises(IllegalTransition):
            approve(session, org, admin)
        session.rollback()
        assert org.status == "pending"
        signup.confirm(session, result.confirm_token, secret=SECRET, max_age=timedelta(hours=48))
        assert pending_signups(session, admin) == before + 1
        approve(session, org, admin)
        session.commit()
        assert org.status == "active"
