"""``valbar key``: list API keys, create one for an account, revoke one.

Only a hash of a key is stored: ``create`` prints the key once; ``list`` shows the prefix
(the middle part of ``vb_PREFIX_SECRET``) that names a key everywhere else.
"""

from __future__ import annotations

from typing import Annotated

import typer
from sqlalchemy import select

from api.auth import create_api_key, parse_api_key, revoke_api_key
from catalog.models import ApiKey, User
from valbar.cli.context import RUNTIME, echo_json, fail, open_db
from valbar.cli.user_cmd import find_user

app = typer.Typer(help="API keys: list, create, revoke.", no_args_is_help=True)


@app.command("list")
def list_(
    user: Annotated[str | None, typer.Option(help="Only this account's keys (e-mail).")] = None,
    revoked: Annotated[bool, typer.Option(help="Include revoked keys.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List API keys: prefix, name, owner, created, last used (revoked ones with --revoked).

    Example: valbar key list --user anna@klinik.se
    """
    _, factory = open_db()
    with factory() as session:
        query = select(ApiKey, User.email).join(User, User.id == ApiKey.user_id)
        if user is not None:
            query = query.where(ApiKey.user_id == find_user(session, user).id)
        if not revoked:
            query = query.where(ApiKey.revoked_at.is_(None))
        rows = [
            {
                "prefix": k.prefix,
                "name": k.name,
                "user": email,
                "created_at": k.created_at.isoformat(),
                "last_used_at": k.last_used_at.isoformat() if k.last_used_at else None,
                "revoked_at": k.revoked_at.isoformat() if k.revoked_at else None,
            }
            for k, email in session.execute(query.order_by(ApiKey.created_at, ApiKey.id)).all()
        ]
    if as_json:
        echo_json(rows)
        return
    for r in rows:
        state = f"revoked {r['revoked_at']}" if r["revoked_at"] else "active"
        used = r["last_used_at"] or "never used"
        typer.echo(f"{r['prefix']:14} {r['name']:24} {r['user']:36} {used:32} {state}")


@app.command("create")
def create(
    user: Annotated[str, typer.Argument(help="The owner's e-mail address.")],
    name: Annotated[str, typer.Option(help="What the key is for.")],
) -> None:
    """Create an API key for an account; the key is printed once and never stored.

    Example: valbar key create anna@klinik.se --name "inköpssystem"
    """
    if not name.strip() or len(name.strip()) > 100:
        fail("--name: must be 1-100 characters")
    _, factory = open_db()
    with factory() as session:
        owner = find_user(session, user)
        if not owner.active:
            fail(f"{owner.email} is deactivated; its keys would not work", code=RUNTIME)
        key, plaintext = create_api_key(session, owner, name.strip())
        session.commit()
        prefix = key.prefix
    typer.echo(f"key {prefix} for {owner.email} (shown once, keep it now):")
    typer.echo(plaintext)


@app.command("revoke")
def revoke(
    prefix: Annotated[str, typer.Argument(help="The key's prefix (see valbar key list).")],
) -> None:
    """Revoke an API key: refused by every worker within a second (their key cache).

    Example: valbar key revoke 3f9a1c2b7d4e
    """
    # a whole key pasted: its middle part is the prefix
    wanted = parse_api_key(prefix) or prefix.strip()
    _, factory = open_db()
    with factory() as session:
        key = session.scalar(select(ApiKey).where(ApiKey.prefix == wanted))
        if key is None:
            fail(f"no API key with the prefix {wanted!r} (valbar key list)", code=RUNTIME)
        if key.revoked_at is not None:
            typer.echo(f"key {wanted}: already revoked at {key.revoked_at.isoformat()}")
            return
        revoke_api_key(session, key)
    typer.echo(f"key {wanted}: revoked")
