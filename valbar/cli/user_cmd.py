"""``valbar user``: add accounts, list them, change a role (sign-in locks: ``valbar users``).

A password is never an argument (it would stay in the shell history and in ``ps``): it is
asked for twice without echo, or read from the first line of stdin (``--password-stdin``).
Usage errors (a bad role, a weak password, a missing ``--retailer``) exit 2; conditions
of the database (an e-mail already taken, an unknown account, retailer or organisation)
exit 1. ``--org ID --org-role ROLE`` makes the account a member of an organisation
(``valbar org list``): its platform role, retailer and clinic follow the organisation.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api.auth import Role
from api.passwords import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, easily_guessed, hash_password
from api.sessions import revoke_user_sessions
from catalog.enums import OrgKind, OrgRole
from catalog.models import Organisation, Retailer, User
from catalog.single_line import has_control, one_line
from marketplace import organisations
from marketplace.organisations import OrgInvalid
from valbar.cli.context import RUNTIME, echo_json, echo_row, fail, open_db

app = typer.Typer(help="User accounts: add, list, set a role.", no_args_is_help=True)

ROLES = ", ".join(r.value for r in Role)
ORG_ROLE_NAMES = ", ".join(r.value for r in OrgRole)


def _role(value: str) -> Role:
    try:
        return Role(value.strip().lower())
    except ValueError:
        fail(f"role: {value!r} is not one of {ROLES}")


def _email(value: str) -> str:
    email = value.strip().lower()
    local, _, domain = email.partition("@")
    if not local or "." not in domain or any(c.isspace() for c in email) or len(email) > 254:
        fail(f"email: {value!r} is not an e-mail address")
    return email


def _password(email: str, from_stdin: bool) -> str:
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
        fail(f"password: must be {MIN_PASSWORD_LENGTH}-{MAX_PASSWORD_LENGTH} characters")
    if easily_guessed(password, email):
        fail(
            "password: easily guessed (few different characters, digits only, a common word "
            "with digits, or the e-mail address)"
        )
    return password


def _retailer_id(session: Session, role: Role, slug: str | None) -> int | None:
    """The retailer a retailer account belongs to (only retailer accounts have one)."""
    if role is not Role.RETAILER:
        if slug:
            fail(f"--retailer: only a {Role.RETAILER.value} account belongs to a retailer")
        return None
    if not slug:
        fail(f"--retailer: a {Role.RETAILER.value} account needs --retailer SLUG")
    found = session.scalar(select(Retailer.id).where(Retailer.slug == slug))
    if found is None:
        fail(f"--retailer: unknown retailer {slug!r} (valbar retailer list)", code=RUNTIME)
    return found


def find_user(session: Session, email: str) -> User:
    user = session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
    if user is None:
        fail(f"no account with the e-mail address {email!r}", code=RUNTIME)
    return user


def _org_member(org: int | None, org_role: str | None, role: str | None) -> Role | None:
    """With ``--org``: the platform role follows the organisation, ``--org-role`` is needed."""
    if org is None:
        if org_role is not None:
            fail("--org-role: only with --org ORG_ID")
        if role is None:
            fail(f"--role: one of {ROLES} is needed (or --org ORG_ID --org-role ROLE)")
        return _role(role)
    if org_role is None:
        fail(f"--org-role: needed with --org ({ORG_ROLE_NAMES})")
    if org_role.strip().lower() not in ORG_ROLE_NAMES.split(", "):
        fail(f"--org-role: {org_role!r} is not one of {ORG_ROLE_NAMES}")
    return _role(role) if role is not None else None


def _join(session: Session, user: User, org_id: int, org_role: str) -> None:
    org = session.get(Organisation, org_id)
    if org is None:
        fail(f"--org: no organisation {org_id} (valbar org list)", code=RUNTIME)
    try:
        organisations.add_member(session, org, user, org_role, actor=None, channel="cli")
    except OrgInvalid:
        fail(f"--org-role: {org_role!r} is not a role of a {org.kind} organisation")


@app.command("add")
def add(
    email: Annotated[str, typer.Argument(help="The e-mail address they sign in with.")],
    name: Annotated[str, typer.Option(help="Their name.")],
    role: Annotated[
        str | None, typer.Option(help=f"One of {ROLES} (with --org: from the organisation).")
    ] = None,
    clinic: Annotated[str, typer.Option(help="The clinic (clinic accounts).")] = "",
    retailer: Annotated[
        str | None, typer.Option(help="Retailer slug (required for retailer accounts).")
    ] = None,
    org: Annotated[
        int | None, typer.Option("--org", help="The organisation they belong to (its id).")
    ] = None,
    org_role: Annotated[
        str | None, typer.Option("--org-role", help=f"Their role in it ({ORG_ROLE_NAMES}).")
    ] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from stdin.")
    ] = False,
) -> None:
    """Add an account. The password is asked for (twice, not echoed) or read from stdin.
    With --org the account is a member of that organisation (its role follows it).

    Example: valbar user add anna@klinik.se --name "Anna Berg" --org 3 --org-role manager
    """
    wanted = _org_member(org, org_role, role)
    if org is not None and (clinic or retailer):
        fail("--clinic/--retailer: with --org the organisation says which")
    address = _email(email)
    if not name.strip():
        fail("--name: must not be empty")
    if has_control(name.strip()) or has_control(clinic.strip()):
        fail("--name/--clinic: one line, without line breaks or other control characters")
    _, factory = open_db()
    with factory() as session:
        if org is not None:
            found = session.get(Organisation, org)
            if found is None:
                fail(f"--org: no organisation {org} (valbar org list)", code=RUNTIME)
            platform = Role(organisations.PLATFORM_ROLE[OrgKind(found.kind)])
            if wanted is not None and wanted is not platform:
                fail(
                    f"--role: a member of a {found.kind} organisation is a {platform.value} account"
                )
            wanted = platform
            retailer_id = None
        else:
            assert wanted is not None
            retailer_id = _retailer_id(session, wanted, retailer)
        wanted_role = wanted
        if session.scalar(select(User.id).where(func.lower(User.email) == address)) is not None:
            fail(f"email: an account with {address} already exists", code=RUNTIME)
        password = _password(address, password_stdin)
        user = User(
            email=address,
            name=name.strip(),
            clinic=clinic.strip() or None,
            role=wanted_role.value,
            retailer_id=retailer_id,
            password_hash=hash_password(password),
        )
        session.add(user)
        try:
            session.flush()
            if org is not None and org_role is not None:
                _join(session, user, org, org_role)
            session.commit()
        except IntegrityError:  # added by someone else at the same moment
            session.rollback()
            fail(f"email: an account with {address} already exists", code=RUNTIME)
    typer.echo(f"user {address}: {wanted_role.value} added")


@app.command("list")
def list_(
    role: Annotated[str | None, typer.Option(help=f"Only this role ({ROLES}).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List the accounts (e-mail, role, retailer, active).

    Example: valbar user list --role admin --json
    """
    wanted = _role(role) if role is not None else None
    _, factory = open_db()
    with factory() as session:
        query = (
            select(User, Retailer.slug)
            .outerjoin(Retailer, Retailer.id == User.retailer_id)
            .order_by(User.email)
        )
        if wanted is not None:
            query = query.where(User.role == wanted.value)
        rows = [
            {
                "email": u.email,
                "name": u.name,
                "role": u.role,
                "clinic": u.clinic,
                "retailer": slug,
                "active": u.active,
                "organisation": u.organisation_id,
                "org_role": u.org_role,
                "created_at": u.created_at.isoformat(),
            }
            for u, slug in session.execute(query).all()
        ]
    if as_json:
        echo_json(rows)
        return
    for r in rows:
        # one line per account whatever was stored (a clinic's name is its organisation's)
        where = one_line(str(r["retailer"] or r["clinic"] or ""))
        state = "" if r["active"] else "  (inactive)"
        echo_row(f"{one_line(str(r['email'])):40} {r['role']:13} {where}{state}")


@app.command("set-role")
def set_role(
    email: Annotated[str, typer.Argument(help="The account's e-mail address.")],
    role: Annotated[str, typer.Argument(help=f"One of {ROLES}.")],
    retailer: Annotated[
        str | None, typer.Option(help="Retailer slug (required for the retailer role).")
    ] = None,
) -> None:
    """Change an account's role.

    Its browser sessions end (it signs in again with the new role); its API keys carry the
    new role within a second.

    Example: valbar user set-role anna@klinik.se merchandiser
    """
    wanted = _role(role)
    _, factory = open_db()
    with factory() as session:
        user = find_user(session, email)
        retailer_id = _retailer_id(session, wanted, retailer)
        if user.role == wanted.value and user.retailer_id == retailer_id:
            typer.echo(f"user {user.email}: already {wanted.value}")
            return
        previous = user.role
        user.role = wanted.value
        user.retailer_id = retailer_id
        ended = revoke_user_sessions(session, user.id)
        session.commit()
    typer.echo(f"user {user.email}: {previous} -> {wanted.value} ({ended} sessions ended)")
