"""Recruiting: a member's or a seller's referral link, and points once the retailer it
brought in is approved **and** its first feed is live.

**Codes.** Every member organisation (its representative asks) and every seller taking part
has one referral code: 24 URL-safe characters from :func:`secrets.token_urlsafe` (144 random
bits: unguessable), unique per owner (``owner_key``), made on first ask (two asks at once
make one: the unique key and a savepoint). The link is the retailer sign-up page with
``?ref=<code>``.

**Recording.** The sign-up route calls :func:`record_signup` with the organisation the
sign-up created. Refused (:class:`ReferralRefused`, nothing stored): an unknown code or one
of an inactive programme, a clinic, an organisation that existed before (not pending, or
created more than :data:`NEW_ORG_WINDOW` ago: it was not recruited by this link), an
organisation referred already (one referral per organisation: ``organisation_id`` is
unique), and self-referral (the referred organisation is the referrer's own or has its
organisation number).

**Paying.** Two domain events feed it (``loyalty.subscribers``): ``OrganisationApproved``
sets ``approved_at``; ``FeedRunFinished`` of the organisation's retailer sets ``live_at``
when the retailer then has offers on the market (not withdrawn: the run indexed offers).
Each sets its time by a conditional ``UPDATE`` (a row lock), then claims the payment by
another (``paid_at`` set where both times are set and it is not): of two events handled at
once, the second waits for the first's commit and sees both times, so exactly one pays.
The credit goes through ``loyalty.limits.credit`` (caps, approval above the threshold)
under the key ``referral:<programme>:<organisation>``: a replayed event pays nothing more.
It goes to the seller's sub-account for a seller's link (while they still take part), else
to the member's own account.
"""

from __future__ import annotations

import logging
import re
import secrets
from datetime import datetime, timedelta

from sqlalchemy import exists, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from catalog.db import rows_matched
from catalog.enums import OrgKind, OrgRole, OrgStatus
from catalog.models import Offer, Organisation, User
from loyalty import limits
from loyalty.engagement_models import Referral, ReferralCode
from loyalty.engagement_settings import engagement_settings
from loyalty.enums import AccountKind
from loyalty.errors import LoyaltyError, NotAllowed
from loyalty.ledger import account_key, ensure_account
from loyalty.models import Account, Membership, Participant, Programme
from loyalty.programmes import active_participant, own_membership

log = logging.getLogger(__name__)
REFERRAL_ENTRY_KIND = "referral"
NEW_ORG_WINDOW = timedelta(days=1)
SIGNUP_PATH = "/bli-aterforsaljare"
MAX_CODE = 40
_CODE = re.compile(r"^[A-Za-z0-9_-]{16,40}$")


class ReferralRefused(LoyaltyError):
    """The sign-up is not recorded as referred; ``code`` says why (``unknown_code``,
    ``clinic``, ``existing``, ``referred``, ``self``)."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


def new_code() -> str:
    return secrets.token_urlsafe(18)


def link_of(code: str, base: str = "") -> str:
    """The sign-up link of a code (``base``: the site's origin). Pure."""
    return f"{base}{SIGNUP_PATH}?ref={code}"


def _ensure_code(
    session: Session,
    programme_id: int,
    membership_id: int,
    participant_id: int | None,
    now: datetime,
) -> ReferralCode:
    if participant_id is not None:
        owner = account_key(programme_id, AccountKind.SELLER, participant_id=participant_id)
    else:
        owner = account_key(programme_id, AccountKind.MEMBER, membership_id=membership_id)
    found = session.scalar(select(ReferralCode).where(ReferralCode.owner_key == owner))
    if found is not None:
        return found
    row = ReferralCode(
        programme_id=programme_id,
        membership_id=membership_id,
        participant_id=participant_id,
        owner_key=owner,
        code=new_code(),
        created_at=now,
    )
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:  # made by a concurrent request
        found = session.scalar(select(ReferralCode).where(ReferralCode.owner_key == owner))
        if found is None:
            raise
        return found
    return row


def my_code(
    session: Session, user: User | None, programme_id: int, *, now: datetime
) -> ReferralCode:
    """The user's referral code in the programme: a participating seller's own; the
    representative's (not taking part) is the member organisation's."""
    membership = own_membership(session, user, programme_id)
    assert user is not None
    participant = active_participant(session, membership.id, user.id)
    if participant is not None:
        return _ensure_code(session, programme_id, membership.id, participant.id, now)
    if user.org_role != OrgRole.REPRESENTATIVE.value:
        raise NotAllowed("only a seller taking part or the representative has a referral link")
    return _ensure_code(session, programme_id, membership.id, None, now)


def code_exists(session: Session, code: str) -> bool:
    """Whether ``code`` is a referral code of an active programme (the sign-up form checks
    it before signing up)."""
    if not _CODE.fullmatch(code):
        return False
    return bool(
        session.scalar(
            select(
                exists()
                .where(ReferralCode.code == code, Programme.id == ReferralCode.programme_id)
                .where(Programme.active.is_(True))
            )
        )
    )


def record_signup(session: Session, code: str, organisation_id: int, *, now: datetime) -> Referral:
    """Record the organisation a sign-up just created as referred by ``code`` (see the
    module). The caller commits."""
    found = (
        session.scalar(select(ReferralCode).where(ReferralCode.code == code))
        if _CODE.fullmatch(code)
        else None
    )
    programme = session.get(Programme, found.programme_id) if found is not None else None
    if found is None or programme is None or not programme.active:
        raise ReferralRefused("not a referral link of an active programme", "unknown_code")
    org = session.get(Organisation, organisation_id)
    if org is None or org.kind != OrgKind.RETAILER.value:
        raise ReferralRefused("only a retailer is recruited", "clinic")
    referrer = session.get_one(
        Organisation, session.get_one(Membership, found.membership_id).organisation_id
    )
    if org.id == referrer.id or (org.org_number and org.org_number == referrer.org_number):
        raise ReferralRefused("an organisation does not recruit itself", "self")
    created = org.created_at if org.created_at.tzinfo else org.created_at.replace(tzinfo=now.tzinfo)
    if org.status != OrgStatus.PENDING.value or created < now - NEW_ORG_WINDOW:
        raise ReferralRefused("the organisation existed before this sign-up", "existing")
    referral = Referral(
        programme_id=found.programme_id,
        code_id=found.id,
        membership_id=found.membership_id,
        participant_id=found.participant_id,
        organisation_id=org.id,
        created_at=now,
    )
    try:
        with session.begin_nested():
            session.add(referral)
            session.flush()
    except IntegrityError as exc:
        raise ReferralRefused("the organisation was referred already", "referred") from exc
    return referral


def _referral_of(session: Session, organisation_id: int) -> Referral | None:
    return session.scalar(select(Referral).where(Referral.organisation_id == organisation_id))


def on_approved(session: Session, organisation_id: int, *, now: datetime) -> limits.Credit | None:
    """``OrganisationApproved``: note it; pay when the feed is live too."""
    referral = _referral_of(session, organisation_id)
    if referral is None:
        return None
    session.execute(
        update(Referral)
        .where(Referral.id == referral.id, Referral.approved_at.is_(None))
        .values(approved_at=now)
        .execution_options(synchronize_session=False)
    )
    return _pay_if_due(session, referral.id, now)


def on_feed_finished(session: Session, retailer_id: int, *, now: datetime) -> limits.Credit | None:
    """``FeedRunFinished``: the first run after which the retailer has live offers marks
    its referral live; pay when it is approved too."""
    org_id = session.scalar(select(Organisation.id).where(Organisation.retailer_id == retailer_id))
    if org_id is None:
        return None
    referral = _referral_of(session, org_id)
    if referral is None or referral.live_at is not None:
        return None
    live = session.scalar(
        select(exists().where(Offer.retailer_id == retailer_id, Offer.withdrawn_at.is_(None)))
    )
    if not live:
        return None
    session.execute(
        update(Referral)
        .where(Referral.id == referral.id, Referral.live_at.is_(None))
        .values(live_at=now)
        .execution_options(synchronize_session=False)
    )
    return _pay_if_due(session, referral.id, now)


def _pay_if_due(session: Session, referral_id: int, now: datetime) -> limits.Credit | None:
    # claimed by one conditional UPDATE: of two handlers that both see both times set, one
    # matches the row (the other waits for its commit and then matches nothing)
    claimed = session.execute(
        update(Referral)
        .where(
            Referral.id == referral_id,
            Referral.paid_at.is_(None),
            Referral.approved_at.is_not(None),
            Referral.live_at.is_not(None),
        )
        .values(paid_at=now)
        .execution_options(synchronize_session=False)
    )
    if rows_matched(claimed) != 1:
        return None
    referral = session.scalars(
        select(Referral).where(Referral.id == referral_id).execution_options(populate_existing=True)
    ).one()
    points = engagement_settings(session, referral.programme_id).referral_points
    if points <= 0:
        referral.outcome, referral.points = "none", 0
        session.flush()
        return None
    target = _target(session, referral)
    org_name = session.scalar(
        select(Organisation.name).where(Organisation.id == referral.organisation_id)
    )
    credit = limits.credit(
        session,
        programme_id=referral.programme_id,
        destination=target,
        points=points,
        kind=REFERRAL_ENTRY_KIND,
        reason=f"recruited retailer {org_name} (organisation {referral.organisation_id})",
        idempotency_key=f"referral:{referral.programme_id}:{referral.organisation_id}",
        now=now,
    )
    referral.outcome, referral.points = credit.outcome, credit.points
    session.flush()
    return credit


def _target(session: Session, referral: Referral) -> Account:
    if referral.participant_id is not None:
        participant = session.get(Participant, referral.participant_id)
        if (
            participant is not None
            and participant.ended_at is None
            and participant.terms_accepted_at is not None
        ):
            return ensure_account(
                session,
                referral.programme_id,
                AccountKind.SELLER,
                membership_id=referral.membership_id,
                participant_id=participant.id,
            )
    return ensure_account(
        session, referral.programme_id, AccountKind.MEMBER, membership_id=referral.membership_id
    )


def referrals_of(
    session: Session, user: User | None, programme_id: int
) -> list[tuple[Referral, str]]:
    """The referrals the user's organisation made (the representative sees all of it, a
    seller their own), newest first, with the recruited organisation's name."""
    membership = own_membership(session, user, programme_id)
    assert user is not None
    stmt = (
        select(Referral, Organisation.name)
        .join(Organisation, Organisation.id == Referral.organisation_id)
        .where(Referral.membership_id == membership.id)
        .order_by(Referral.id.desc())
        .limit(200)
    )
    if user.org_role != OrgRole.REPRESENTATIVE.value:
        participant = active_participant(session, membership.id, user.id)
        if participant is None:
            return []
        stmt = stmt.where(Referral.participant_id == participant.id)
    return [(r, str(name)) for r, name in session.execute(stmt)]


def record_after_signup(
    session: Session, code: str, organisation_id: int | None, *, now: datetime
) -> Referral | None:
    """What the sign-up routes call once ``marketplace.signup.sign_up`` committed: record
    the referral (committed here) or, refused, log why and store nothing. The sign-up's
    answer never changes with it (no enumeration of organisations)."""
    if not code or organisation_id is None:
        return None
    try:
        referral = record_signup(session, code, organisation_id, now=now)
        session.commit()
    except ReferralRefused as exc:
        session.rollback()
        log.info("referral of organisation %s not recorded: %s", organisation_id, exc.code)
        return None
    return referral
