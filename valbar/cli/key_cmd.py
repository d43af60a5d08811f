"""``valbar key``: list API keys, create one for an account, revoke one.

Only a hash of a key is stored: ``create`` prints the key once; ``list`` shows the prefix
(the middle part of ``vb_PREFIX_SECRET``) that names a key everywhere else, its scope and
its expiry. ``create`` checks what the API checks (the scope fits the account's role, the
organisation's cap of active keys) and is audited.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated

import typer
from sqlalchemy import select

from api.api_keys import KEY_TIME_ZONE, KeyRefused, TooManyKeys, check_new_key, issue_api_key
from api.auth import key_expired, parse_api_key, revoke_api_key
from catalog import audit
from catalog.enums import KeyScope
from catalog.models import ApiKey, User
from valbar.cli.context import RUNTIME, echo_json, echo_row, fail, open_db
from valbar.cli.user_cmd import find_user

app = typer.Typer(help="API keys: list, create, revoke.", no_args_is_help=True)


@app.command("list")
def list_(
    user: Annotated[str | None, typer.Option(help="Only this account's keys (e-mail).")] = None,
    revoked: Annotated[bool, typer.Option(help="Include revoked keys.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List API keys: prefix, name, scope, owner, last used, expiry or state (revoked ones
    with --revoked).

    Example: valbar key list --user anna@klinik.se
    """
    _, factory = open_db()
    with factory() as session:
        query = select(ApiKey, User.email).join(User, User.id == ApiKey.user_id)
        if user is not None:
            query = query.where(ApiKey.user_id == find_user(session, user).id)
        if not revoked:
            query = query.where(ApiKey.revoked_at.is_(None))
        now = datetime.now(UTC)
        rows = [
            {
                "prefix": k.prefix,
                "name": k.name,
                "scope": k.scope,
                "user": email,
                "created_at": k.created_at.isoformat(),
                "last_used_at": k.last_used_at.isoformat() if k.last_used_at else None,
                "expires_at": k.expires_at.isoformat() if k.expires_at else None,
                "expired": key_expired(k.expires_at, now),
                "revoked_at": k.revoked_at.isoformat() if k.revoked_at else None,
            }
            for k, email in session.execute(query.order_by(ApiKey.created_at, ApiKey.id)).all()
        ]
    if as_json:
        echo_json(rows)
        return
    for r in rows:
        if r["revoked_at"]:
            state = f"revoked {r['revoked_at']}"
        elif r["expired"]:
            state = f"expired {r['expires_at']}"
        else:
            state = f"expires {r['expires_at']}" if r["expires_at"] else "active"
        used = r["last_used_at"] or "never used"
        echo_row(f"{r['prefix']:14} {r['name']:24} {r['scope']:7} {r['user']:36} {used:32} {state}")


def _expiry_date(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(f"--expires: {value[:40]!r} is not a date (YYYY-MM-DD)")


@app.command("create")
def create(
    user: Annotated[str, typer.Argument(help="The owner's e-mail address.")],
    name: Annotated[str, typer.Option(help="What the key is for.")],
    scope: Annotated[
        KeyScope,
        typer.Option(
            help="search: read-only search and products; feeds: the retailer's feed uploads "
            "and runs; full: all the account's role allows."
        ),
    ] = KeyScope.SEARCH,
    expires: Annotated[
        str | None,
        typer.Option(help="The last day the key works, YYYY-MM-DD (Swedish time)."),
    ] = None,
) -> None:
    """Create an API key for an account; the key is printed once and never stored.

    Example: valbar key create olle@tandab.se --name lagersystem --scope feeds --expires 2027-06-30
    """
    day = _expiry_date(expires)
    settings, factory = open_db()
    now = datetime.now(UTC)
    with factory() as session:
        owner = find_user(session, user)
        if not owner.active:
            fail(f"{owner.email} is deactivated; its keys would not work", code=RUNTIME)
        try:
            clean, wanted, expires_at = check_new_key(
                owner, name, scope.value, day, now.astimezone(KEY_TIME_ZONE).date()
            )
            key, plaintext = issue_api_key(
                session,
                owner,
                clean,
                wanted,
                expires_at,
                cap=settings.api_keys_per_organisation,
                now=now,
                channel="cli",
                operator=True,
            )
        except KeyRefused as exc:
            fail(f"--{exc.field}: {exc}")
        except TooManyKeys as exc:
            fail(str(exc), code=RUNTIME)
        session.commit()
        prefix = key.prefix
    until = f", until {day.isoformat()}" if day else ""
    typer.echo(f"{wanted.value} key {prefix} for {owner.email}{until} (shown once, keep it now):")
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
        audit.record(
            session,
            actor=None,
            channel="cli",
            action="api_key.revoke",
            target_kind="api_key",
            target_id=key.id,
            detail={"prefix": key.prefix, "owner_id": key.user_id},
        )
        revoke_api_key(session, key)
    typer.echo(f"key {wanted}: revoked")
