"""Invitations: a removed member is invited again and rejoins (old sessions and keys stay
revoked); an address with an account that cannot join is invited like any other (the
inviter learns nothing) but its e-mail says why and accepting is refused; at most ``max_open`` open
invitations per organisation; one open invitation per address, sent again on a
re-invitation, and identical invitations at once make one invitation and one e-mail."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from catalog.enums import OrgKind
from catalog.models import ApiKey, Organisation, User, UserSession
from marketplace import invitations
from marketplace.models import Invitation, OutgoingEmail
from marketplace.organisations import (
    OrgDetails,
    create_organisation,
    new_member,
    remove_member,
)
from tests.unit.marketplace.mp_support import NOW, Market
from tests.unit.marketplace.test_mp_signup import BASE, _active_org, _at_once


def _send(
    session: Session, org: Organisation, who: User, email: str, *, at: timedelta, max_open: int = 50
) -> tuple[Invitation, str | None]:
    return invitations.invite(
        session,
        org,
        who,
        email,
        "staff",
        days=7,
        lang="sv",
        link_base=BASE,
        max_open=max_open,
        now=NOW + at,
    )


def test_a_removed_member_is_invited_again_and_rejoins(market: Market) -> None:
    with market.factory() as session:
        org, rep = _active_org(market, session)
        _, token = _send(session, org, rep, "kalle@depan.se", at=timedelta(0))
        assert token is not None
        kalle = invitations.accept(session, token, name="Kalle", password_hash="h1", now=NOW)
        session.add(UserSession(id="s" * 64, user_id=kalle.id, expires_at=NOW + timedelta(days=1)))
        session.add(ApiKey(user_id=kalle.id, name="k", prefix="kallekey", key_hash="x"))
        session.commit()
        remove_member(session, org, kalle.id, actor=rep, channel="web", now=NOW)
        session.commit()
        # invited again (the account is a former member's), joins with the same account
        _, again = _send(session, org, rep, "kalle@depan.se", at=timedelta(hours=1))
        assert again is not None
        back = invitations.accept(
            session, again, name="Kalle Ek", password_hash="h2", now=NOW + timedelta(hours=2)
        )
        assert back.id == kalle.id
        assert (back.active, back.organisation_id, back.org_role) == (True, org.id, "staff")
        assert (back.name, back.password_hash, back.retailer_id) == (
            "Kalle Ek",
            "h2",
            org.retailer_id,
        )
        # what the removal revoked stays revoked
        assert session.scalar(select(UserSession.revoked_at).where(UserSession.user_id == back.id))
        assert session.scalar(select(ApiKey.revoked_at).where(ApiKey.user_id == back.id))


def test_an_address_with_an_account_is_invited_like_any_other_but_cannot_join(
    market: Market,
) -> None:
    with market.factory() as session:
        org, rep = _active_org(market, session)
        other = create_organisation(
            session,
            OrgKind.CLINIC,
            OrgDetails(name="Leendet", org_number="556123-4567"),
            actor=None,
            channel="cli",
        )
        new_member(
            session,
            other,
            email="lisa@leendet.se",
            name="Lisa",
            password_hash="h",
            org_role="buyer",
            active=True,
            actor=None,
            channel="cli",
        )
        session.commit()
        with pytest.raises(invitations.AlreadyMember):  # the inviter sees its members anyway
            _send(session, org, rep, rep.email, at=timedelta(0))
        # another organisation's member, an active account of no organisation, and an
        # unknown address: the same answer, each an open invitation
        sent = {
            address: _send(session, org, rep, address, at=timedelta(0))
            for address in ("Lisa@Leendet.se", "c@x.se", "ny@depan.se")
        }
        assert {i.open_email for i, _ in sent.values()} == {
            "lisa@leendet.se",
            "c@x.se",
            "ny@depan.se",
        }
        assert all(token is not None for _, token in sent.values())
        mails = {
            m.to_address: m
            for m in session.scalars(select(OutgoingEmail).order_by(OutgoingEmail.id)).all()
        }
        # only the e-mail tells why: no link for an address that cannot join
        assert mails["lisa@leendet.se"].template == "invitation_taken"
        assert mails["c@x.se"].template == "invitation_taken"
        assert mails["lisa@leendet.se"].context["link"] == ""
        assert mails["ny@depan.se"].template == "invitation"
        # a link of such an invitation is refused clearly, and nothing joins
        _, lisa_token = sent["Lisa@Leendet.se"]
        assert lisa_token is not None
        with pytest.raises(invitations.AccountExists) as refused:
            invitations.accept(session, lisa_token, name="Lisa", password_hash="h2", now=NOW)
        assert refused.value.code == "invitation_account_exists"
        lisa = session.scalar(select(User).where(User.email == "lisa@leendet.se"))
        assert lisa is not None and lisa.organisation_id == other.id


def test_at_most_max_open_invitations_per_organisation(market: Market) -> None:
    with market.factory() as session:
        org, rep = _active_org(market, session)
        _send(session, org, rep, "a@depan.se", at=timedelta(0), max_open=2)
        _send(session, org, rep, "b@depan.se", at=timedelta(0), max_open=2)
        with pytest.raises(invitations.TooManyInvitations) as capped:
            _send(session, org, rep, "c@depan.se", at=timedelta(0), max_open=2)
        assert capped.value.code == "invitation_cap"
        # re-sending an open one is not a new one; an expired one no longer counts
        _, token = _send(session, org, rep, "a@depan.se", at=timedelta(hours=1), max_open=2)
        assert token is not None
        later = timedelta(days=7, hours=1)
        _send(session, org, rep, "c@depan.se", at=later, max_open=2)


def test_a_re_invitation_sends_the_open_one_again(market: Market) -> None:
    with market.factory() as session:
        org, rep = _active_org(market, session)
        first, first_token = _send(session, org, rep, "kalle@depan.se", at=timedelta(0))
        double, none = _send(session, org, rep, "kalle@depan.se", at=timedelta(seconds=5))
        assert double.id == first.id and none is None  # a double submit: nothing re-sent
        again, token = _send(session, org, rep, "kalle@depan.se", at=timedelta(days=2))
        assert again.id == first.id and token not in (None, first_token)
        assert again.expires_at.replace(tzinfo=None) == (NOW + timedelta(days=9)).replace(
            tzinfo=None
        )
        mails = session.scalars(
            select(OutgoingEmail).where(OutgoingEmail.template == "invitation")
        ).all()
        assert [str(m.context["link"]).rsplit("/", 1)[1] for m in mails] == [first_token, token]


def test_identical_invitations_at_once_make_one_invitation_and_one_mail(market: Market) -> None:
    with market.factory() as session:
        org, rep = _active_org(market, session)
        org_id, rep_id = org.id, rep.id

    def attempt() -> object:
        with market.factory() as s:
            o, r = s.get(Organisation, org_id), s.get(User, rep_id)
            assert o is not None and r is not None
            return _send(s, o, r, "kalle@depan.se", at=timedelta(0))[0].id

    results = _at_once(4, attempt)
    assert len(set(results)) == 1, results
    with market.factory() as session:
        assert session.scalar(select(func.count(Invitation.id))) == 1
        sent = select(func.count(OutgoingEmail.id)).where(OutgoingEmail.template == "invitation")
        assert session.scalar(sent) == 1


def test_an_admins_suspension_is_not_lifted_by_an_invitation(market: Market) -> None:
    """A removed member whom an admin suspended stays out: the invitation cannot be used."""
    from catalog import audit

    with market.factory() as session:
        org, rep = _active_org(market, session)
        _, token = _send(session, org, rep, "kalle@depan.se", at=timedelta(0))
        assert token is not None
        kalle = invitations.accept(session, token, name="Kalle", password_hash="h", now=NOW)
        audit.record(
            session,
            actor=None,
            channel="cli",
            action="user.suspend",
            target_kind="user",
            target_id=kalle.id,
            detail={"reason": "abuse"},
        )
        remove_member(session, org, kalle.id, actor=rep, channel="web", now=NOW)
        session.commit()
        _, again = _send(session, org, rep, "kalle@depan.se", at=timedelta(hours=1))
        assert again is not None
        with pytest.raises(invitations.AccountExists):
            invitations.accept(
                session, again, name="Kalle", password_hash="h2", now=NOW + timedelta(hours=2)
            )
