"""``valbar users``: sign-in locks (list them, lift one)."""

from __future__ import annotations

import getpass
import logging
import os
from typing import Annotated

import typer

from api.throttle import current_locks, lift_lock
from valbar.cli.context import echo_json, echo_row, fail, open_db

app = typer.Typer(help="Users: sign-in locks.", no_args_is_help=True)
log = logging.getLogger("api.throttle")


@app.command("unlock")
def unlock(
    email: Annotated[str | None, typer.Argument(help="The account's e-mail address.")] = None,
    ip: Annotated[
        str | None, typer.Option("--ip", help="An address (or an IPv6 /64) instead.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Lift the sign-in lock and backoff of an account or of an address (the throttle locks
    them for up to an hour after repeated wrong passwords). Logged.

    Example: valbar users unlock anna@klinik.se   |   valbar users unlock --ip 203.0.113.9
    """
    if (email is None) == (ip is None):
        fail("give an e-mail address or --ip ADDRESS (one of them)", as_json=as_json)
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    _, factory = open_db()
    actor = f"cli user {os.environ.get('USER') or getpass.getuser()}"
    with factory() as session:
        try:
            lifted = lift_lock(session, email=email, address=ip, actor=actor)
        except ValueError as exc:
            fail(str(exc), as_json=as_json)
    target = email if email is not None else ip
    if as_json:
        echo_json(
            {
                "target": target,
                "found": lifted is not None,
                "was_locked": bool(lifted and lifted.was_locked),
                "key": lifted.key if lifted else None,
            }
        )
    elif lifted is None:
        typer.echo(f"{target}: no failed sign-ins recorded; nothing to lift")
    elif lifted.was_locked:
        typer.echo(f"{target}: lock lifted ({lifted.lockouts} lockouts, backoff reset)")
    else:
        typer.echo(f"{target}: not locked; its failed sign-ins were reset")


@app.command("locks")
def locks(as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """List the accounts and addresses locked now.

    Example: valbar users locks --json
    """
    _, factory = open_db()
    with factory() as session:
        rows = [
            {"key": k, "locked_until": u.isoformat(), "lockouts": n}
            for k, u, n in current_locks(session)
        ]
    if as_json:
        echo_json(rows)
    else:
        for r in rows:
            echo_row(f"{r['key']:50} until {r['locked_until']}  ({r['lockouts']} lockouts)")
