"""``valbar user``: add accounts, list them, change a role (sign-in locks: ``valbar users``).

A password is never an argument (it would stay in the shell history and in ``ps``): it is
asked for twice without echo, or read from the first line of stdin (``--password-stdin``).
Usage errors (a bad role, a weak password, a missing ``--retailer``) exit 2; conditions
of the database (an e-mail already taken, an unknown account or retailer) exit 1.
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
from catalog.models import Retailer, User
from valbar.cli.context import RUNTIME, echo_json, fail, open_db

app = typer.Typer(help="User accounts: add, list, set a role.", no_args_is_help=True)

ROLES = ", ".join(r.value for r in Role)


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


@app.command("add")
def add(
    email: Annotated[str, typer.Argument(help="The e-mail address they sign in with.")],
    name: Annotated[str, typer.Option(help="Their name.")],
    role: Annotated[str, typer.Option(help=f"One of {ROLES}.")],
    clinic: Annotated[str, typer.Option(help="The clinic (clinic accounts).")] = "",
    retailer: Annotated[
        str | None, typer.Option(help="Retailer slug (required for retailer accounts).")
    ] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from stdin.")
    ] = False,
) -> None:
    """Add an account. The password is asked for (twice, not echoed) or read from stdin.

    Example: valbar user add anna@klinik.se --name "Anna Berg" --role clinic --clinic "Tandläkarna"
    """
    wanted_role = _role(role)
    address = _email(email)
    if not name.strip():
        fail("--name: must not be empty")
    _, factory = open_db()
    with factory() as session:
        retailer_id = _retailer_id(session, wanted_role, retailer)
        if session.scalar(select(User.id).where(func.lower(User.email) == address)) is not None:
            fail(f"email: an account with {address} already exists", code=RUNTIME)
        password = _password(address, password_stdin)
        session.add(
            User(
                email=address,
                name=name.strip(),
                clinic=clinic.strip() or None,
                role=wanted_role.value,
                retailer_id=retailer_id,
                password_hash=hash_password(password),
            )
        )
        try:
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
                "created_at": u.created_at.isoformat(),
            }
            for u, slug in session.execute(query).all()
        ]
    if as_json:
        echo_json(rows)
        return
    for r in rows:
        where = r["retailer"] or r["clinic"] or ""
        state = "" if r["active"] else "  (inactive)"
        typer.echo(f"{r['email']:40} {r['role']:13} {where}{state}")


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
