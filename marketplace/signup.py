"""Self-service sign-up of a retailer or a clinic (issue 14 item 2).

A sign-up makes a ``pending`` organisation and its representative (a retailer's) or
manager (a clinic's) as an inactive account, records the terms accepted (version and time)
and queues the confirmation e-mail (template ``signup_confirm``) with a signed link that
expires (``signup_confirm_hours``; nothing is stored for it: the signature is the proof
and the organisation's ``submitted_at`` makes it work once). Confirming activates the
account and publishes SignupSubmitted: the organisation then waits for an admin
(:func:`marketplace.organisations.approve` / ``refuse``); its members cannot sign in
until it is approved.

No enumeration: a sign-up with an address that has an account answers as a new one does
("check your e-mail"); the address's owner gets a message saying so instead (template
``signup_exists``). Likewise a sign-up of an organisation registered already: the address
given is told by e-mail (``signup_org_taken``) and the organisation's representatives /
managers are notified (``signup_org_attempt``); only a signed-in admin is told plainly.
Two sign-ups of one address at once make one account (the unique constraint on the
address; the loser is answered the same way).

Password rules belong to the API layer (``api.passwords``): callers check the password
and pass its hash.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from catalog import audit
from catalog.db import rows_matched
from catalog.enums import OrgKind, OrgRole, OrgStatus
from catalog.events import SignupSubmitted, publish
from catalog.models import Organisation, User
from marketplace.dates import as_utc, utc_now
from marketplace.errors import InvalidInput
from marketplace.mail import queue_email
from marketplace.org_details import MAX_NAME, text_problem
from marketplace.organisations import (
    OrgDetails,
    OrgInvalid,
    check_details,
    create_organisation,
    email_problem,
    managers,
    members,
    new_member,
    normalise_email,
    org_number_taken,
)
from marketplace.preferences import preferences_of

SALT = "valbar-signup-confirm"
FIRST_ROLE = {OrgKind.RETAILER: OrgRole.REPRESENTATIVE, OrgKind.CLINIC: OrgRole.MANAGER}


class SignupLinkInvalid(InvalidInput):
    """A confirmation link that is forged, for another sign-up, or expired (``code``:
    ``link_invalid`` / ``link_expired``)."""


@dataclass(frozen=True, slots=True)
class SignupForm:
    """What the sign-up form sends (untrusted)."""

    kind: OrgKind
    details: OrgDetails
    person_name: str
    email: str
    terms_accepted: bool


@dataclass(frozen=True, slots=True)
class SignupResult:
    """``organisation_id`` None: the address had an account (its owner was told by e-mail)."""

    organisation_id: int | None
    confirm_token: str | None = None


def check_form(form: SignupForm) -> dict[str, str]:
    """Every problem of the form at once (field -> reason), the password aside."""
    _, problems = check_details(form.details, require_address=True)
    if (p := email_problem(form.email)) is not None:
        problems["email"] = p
    if (p := text_problem(form.person_name, MAX_NAME, required=True)) is not None:
        problems["person_name"] = p
    if not form.terms_accepted:
        problems["terms"] = "required"
    return problems


def _serializer(secret: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt=SALT)


def confirm_token(secret: str, organisation_id: int, user_id: int, email: str) -> str:
    """The signed link token: the sign-up (organisation, account) and the address it was
    sent to (an id reused after a forgotten sign-up never confirms another's)."""
    return _serializer(secret).dumps({"o": organisation_id, "u": user_id, "e": email})


def sign_up(
    session: Session,
    form: SignupForm,
    *,
    password_hash: str,
    secret: str,
    terms_version: str,
    lang: str,
    link_base: str,
    confirm_hours: int,
    reveal: bool = False,
    now: datetime | None = None,
) -> SignupResult:
    """Sign up (committed here: the unique constraints decide between two at once).

    Raises :class:`OrgInvalid` naming every bad field. An organisation registered already
    is answered as a new sign-up (``SignupResult(None)``: which organisations use Valbar is
    not told to whoever asks); the address given is told by e-mail and the organisation's
    representatives / managers are notified (:func:`_tell_org_taken`). ``reveal`` (an
    admin signed in) raises ``org_number: taken`` instead."""
    moment = now or utc_now()
    problems = check_form(form)
    if problems:
        raise OrgInvalid(problems)
    email = normalise_email(form.email)
    canonical, _ = check_details(form.details, require_address=True)
    _forget_stale(session, form.kind, canonical.org_number, email, moment, confirm_hours)
    if session.scalar(select(User.id).where(func.lower(User.email) == email)) is not None:
        _tell_owner(session, email, lang, link_base)
        return SignupResult(None)
    if org_number_taken(session, form.kind, canonical.org_number):
        if reveal:
            raise OrgInvalid({"org_number": "taken"})
        _tell_org_taken(session, form.kind, canonical.org_number, email, lang, link_base)
        return SignupResult(None)
    try:
        org = create_organisation(
            session,
            form.kind,
            form.details,
            actor=None,
            channel="web",
            status=OrgStatus.PENDING,
            require_address=True,
            terms_version=terms_version,
            terms_accepted_at=moment,
        )
        org.created_at = moment  # when its confirmation link's life began
        user = new_member(
            session,
            org,
            email=email,
            name=form.person_name,
            password_hash=password_hash,
            org_role=FIRST_ROLE[form.kind].value,
            active=False,
            actor=None,
            channel="web",
        )
        token = confirm_token(secret, org.id, user.id, email)
        queue_email(
            session,
            to=email,
            template="signup_confirm",
            lang=lang,
            context={
                "name": user.name,
                "organisation": org.name,
                "link": f"{link_base}/bekrafta-registrering/{token}",
                "hours": confirm_hours,
            },
            user_id=user.id,
            dedupe_key=f"signup_confirm:{org.id}",
        )
        audit.record(
            session,
            actor=None,
            channel="web",
            action="organisation.signup",
            target_kind="organisation",
            target_id=org.id,
            detail={"email": email, "terms_version": terms_version},
        )
        org_id = org.id
        session.commit()
    except IntegrityError:
        session.rollback()
        # the same address or organisation signed up at this very moment
        if session.scalar(select(User.id).where(func.lower(User.email) == email)) is not None:
            return SignupResult(None)
        if reveal:
            raise OrgInvalid({"org_number": "taken"}) from None
        _tell_org_taken(session, form.kind, canonical.org_number, email, lang, link_base)
        return SignupResult(None)
    return SignupResult(org_id, token)


def _forget_stale(
    session: Session, kind: OrgKind, org_number: str, email: str, now: datetime, hours: int
) -> None:
    """Forget a sign-up of this organisation or address whose confirmation link expired
    unused (flushed): whoever signs up again is not told "registered already" forever."""
    cutoff = now - timedelta(hours=hours)
    owner = select(User.organisation_id).where(func.lower(User.email) == email)
    found = session.scalars(
        select(Organisation).where(
            Organisation.status == OrgStatus.PENDING.value,
            Organisation.submitted_at.is_(None),
            Organisation.terms_accepted_at.is_not(None),  # a sign-up, not an admin's
            ((Organisation.kind == kind.value) & (Organisation.org_number == org_number))
            | Organisation.id.in_(owner),
        )
    ).all()
    for org in found:
        members = session.scalars(select(User).where(User.organisation_id == org.id)).all()
        if as_utc(org.created_at) > cutoff or any(m.active for m in members):
            continue
        for member in members:
            session.delete(member)
        session.flush()
        audit.record(
            session,
            actor=None,
            channel="web",
            action="organisation.signup_expired",
            target_kind="organisation",
            target_id=org.id,
            detail={"org_number": org.org_number, "emails": [m.email for m in members]},
        )
        session.delete(org)
        session.flush()


def _tell_owner(session: Session, email: str, lang: str, link_base: str) -> None:
    """Tell the owner of an address someone signed up with that it has an account (at most
    one such message per address and day)."""
    owner = session.scalar(select(User).where(func.lower(User.email) == email))
    day = utc_now().date().isoformat()
    queue_email(
        session,
        to=email,
        template="signup_exists",
        lang=lang,
        context={"login_link": f"{link_base}/logga-in"},
        user_id=owner.id if owner is not None else None,
        dedupe_key=f"signup_exists:{email}:{day}"[:160],
    )
    try:
        session.commit()
    except IntegrityError:  # the same message queued at this moment
        session.rollback()


def _tell_org_taken(
    session: Session, kind: OrgKind, org_number: str, email: str, lang: str, link_base: str
) -> None:
    """Someone tried to sign up an organisation that is registered already (committed):
    the address given is told so (template ``signup_org_taken``: ask the organisation's
    representative for an invitation), and each active representative / manager of it is
    notified (``signup_org_attempt``, naming the address tried). At most one message per
    address and organisation a day, however often it is tried."""
    org = session.scalar(
        select(Organisation).where(
            Organisation.kind == kind.value, Organisation.org_number == org_number
        )
    )
    if org is None:  # gone meanwhile (a forgotten sign-up): nothing to tell
        return
    day = utc_now().date().isoformat()
    queue_email(
        session,
        to=email,
        template="signup_org_taken",
        lang=lang,
        context={"organisation": org.name, "org_number": org.org_number, "kind": org.kind},
        dedupe_key=f"signup_org_taken:{org.id}:{email}:{day}"[:160],
    )
    for manager in members(session, org):
        if not managers(manager, org):
            continue
        queue_email(
            session,
            to=manager.email,
            template="signup_org_attempt",
            lang=preferences_of(session, manager.id).lang,
            context={
                "name": manager.name,
                "organisation": org.name,
                "email": email,
                "members_link": f"{link_base}/organisation/medlemmar",
            },
            user_id=manager.id,
            dedupe_key=f"signup_org_attempt:{org.id}:{manager.id}:{email}:{day}"[:160],
        )
    audit.record(
        session,
        actor=None,
        channel="web",
        action="organisation.signup_taken",
        target_kind="organisation",
        target_id=org.id,
        detail={"email": email},
    )
    try:
        session.commit()
    except IntegrityError:  # the same messages queued at this moment
        session.rollback()


def confirm(
    session: Session,
    token: str,
    *,
    secret: str,
    max_age: timedelta,
    now: datetime | None = None,
) -> tuple[Organisation, bool]:
    """Confirm a sign-up's e-mail address (committed): the account is activated and
    SignupSubmitted published. Returns the organisation and whether this call confirmed it
    (False: it was confirmed before; the link works once). Raises
    :class:`SignupLinkInvalid`."""
    try:
        data = _serializer(secret).loads(token[:500], max_age=int(max_age.total_seconds()))
    except SignatureExpired:
        raise SignupLinkInvalid("the confirmation link has expired", code="link_expired") from None
    except BadSignature:
        raise SignupLinkInvalid("not a confirmation link", code="link_invalid") from None
    if not isinstance(data, dict) or not all(isinstance(data.get(k), int) for k in ("o", "u")):
        raise SignupLinkInvalid("not a confirmation link", code="link_invalid")
    org = session.get(Organisation, data["o"])
    user = session.get(User, data["u"])
    if org is None or user is None or user.organisation_id != org.id or data.get("e") != user.email:
        raise SignupLinkInvalid("this sign-up no longer exists", code="link_invalid")
    # the write decides: of two confirmations at once, one sets it
    claimed = session.execute(
        update(Organisation)
        .where(Organisation.id == org.id, Organisation.submitted_at.is_(None))
        .values(submitted_at=now or utc_now())
    )
    if rows_matched(claimed) == 0:
        session.rollback()
        return org, False
    session.refresh(org)
    user.active = True
    audit.record(
        session,
        actor=user,
        channel="web",
        action="organisation.confirm_email",
        target_kind="organisation",
        target_id=org.id,
        detail={"email": user.email},
    )
    if org.status == OrgStatus.PENDING.value:
        publish(session, SignupSubmitted(organisation_id=org.id))
    session.commit()
    return org, True
