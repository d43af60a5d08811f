"""``valbar loyalty``: verify the points ledger, add and list programmes.

``verify`` exits 0 when every account's balance equals the sum of its entries, no account
but a sponsor's is below zero and the ledger balances (all balances sum to zero), else 1,
naming each account that differs. Usage errors (a bad rate, value or expiry: the message
names the option) exit 2; a programme name taken already exits 1.
"""

from __future__ import annotations

from typing import Annotated

import typer

from catalog.db import transaction
from loyalty import ledger, programmes
from loyalty.errors import AlreadyExists, InvalidInput
from marketplace.dates import utc_now
from valbar.cli.context import RUNTIME, echo_json, echo_row, fail, open_db

OPTION = {
    "name": "NAME",
    "sponsor_name": "--sponsor",
    "points_per_krona": "--points-per-krona",
    "point_value_ore": "--point-value-ore",
    "expiry_months": "--expiry-months",
    "sponsor_organisation_id": "--sponsor-org",
}
app = typer.Typer(
    help="The loyalty programme: verify the ledger, programmes.", no_args_is_help=True
)
programme_app = typer.Typer(help="Loyalty programmes: add, list.", no_args_is_help=True)
app.add_typer(programme_app, name="programme")


def _count(n: int, noun: str, plural: str | None = None) -> str:
    """``1 point``, ``2 points``. Pure."""
    return f"{n} {noun if n == 1 else (plural or noun + 's')}"


@app.command("verify")
def verify(
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Check that every balance equals the sum of its entries and that the ledger balances.

    Exit 0 when it does, 1 otherwise (each account that differs is named).

    Example: valbar loyalty verify
    """
    _settings, factory = open_db()
    with transaction(factory) as session:
        result = ledger.verify(session)
    if as_json:
        echo_json(
            {
                "ok": result.ok,
                "accounts": result.accounts,
                "entries": result.entries,
                "total": result.total,
                "discrepancies": [
                    {
                        "account": d.account_key,
                        "balance": d.balance,
                        "from_entries": d.from_entries,
                        "problem": d.problem,
                    }
                    for d in result.discrepancies
                ],
            }
        )
    else:
        for d in result.discrepancies:
            what = "below zero" if d.problem == "negative" else "differs from its entries"
            typer.echo(
                f"account {d.account_key}: balance {d.balance} {what} "
                f"(entries sum to {d.from_entries})",
                err=True,
            )
        if result.total != 0:
            typer.echo(f"the ledger does not balance: balances sum to {result.total}", err=True)
        if result.ok:
            typer.echo(
                f"ok: {_count(result.accounts, 'account')}, "
                f"{_count(result.entries, 'entry', 'entries')} balance"
            )
    if not result.ok:
        raise typer.Exit(RUNTIME)


@programme_app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="The programme's name (unique).")],
    sponsor: Annotated[
        str,
        typer.Option("--sponsor", help="Who runs and pays for it (default: the --sponsor-org)."),
    ] = "",
    sponsor_org: Annotated[
        int | None,
        typer.Option(
            "--sponsor-org",
            help="The sponsor organisation (kind sponsor) whose representatives manage it; "
            "without it Valbar runs the programme.",
        ),
    ] = None,
    points_per_krona: Annotated[
        str, typer.Option("--points-per-krona", help="Points per krona of delivered sales.")
    ] = "1",
    point_value_ore: Annotated[
        int, typer.Option("--point-value-ore", help="What one point is worth, in öre.")
    ] = 1,
    expiry_months: Annotated[
        int, typer.Option("--expiry-months", help="Months until earned points expire.")
    ] = 24,
    as_json: Annotated[bool, typer.Option("--json", help="Print the programme as JSON.")] = False,
) -> None:
    """Add a loyalty programme run by a sponsor.

    Example: valbar loyalty programme add "Tandklubben" --sponsor "Dentsply" --points-per-krona 1
    (or --sponsor-org 12: the sponsor organisation made by ``valbar org create --kind sponsor``)
    """
    _settings, factory = open_db()
    try:
        with transaction(factory) as session:
            created = programmes.create_programme(
                session,
                None,
                name=name,
                sponsor_name=sponsor,
                sponsor_organisation_id=sponsor_org,
                points_per_krona=points_per_krona,
                point_value_ore=point_value_ore,
                expiry_months=expiry_months,
                now=utc_now(),
                channel="cli",
            )
            programme_id = created.id
    except InvalidInput as exc:
        option = OPTION.get(exc.field or "", exc.field or "input")
        fail(f"{option}: {str(exc).split(': ', 1)[-1]}", as_json=as_json)
    except AlreadyExists as exc:
        fail(str(exc), as_json=as_json, code=RUNTIME)
    if as_json:
        echo_json({"id": programme_id, "name": name.strip()})
    else:
        typer.echo(f"programme {programme_id} added: {name.strip()}")


@programme_app.command("list")
def list_(
    as_json: Annotated[bool, typer.Option("--json", help="Print the programmes as JSON.")] = False,
) -> None:
    """List the loyalty programmes.

    Example: valbar loyalty programme list --json
    """
    _settings, factory = open_db()
    with transaction(factory) as session:
        rows = [
            {
                "id": p.id,
                "name": p.name,
                "sponsor": p.sponsor_name,
                "points_per_krona": str(p.points_per_krona.normalize()),
                "point_value_ore": p.point_value_ore,
                "expiry_months": p.expiry_months,
                "active": p.active,
            }
            for p in programmes.list_programmes(session)
        ]
    if as_json:
        echo_json(rows)
        return
    if not rows:
        typer.echo("no loyalty programmes")
    for r in rows:
        state = "active" if r["active"] else "inactive"
        echo_row(
            f"{r['id']:>4} {r['name']} ({r['sponsor']}): {r['points_per_krona']} p/kr, "
            f"{r['point_value_ore']} öre/p, {r['expiry_months']} months, {state}"
        )


@app.command("expire")
def expire(
    remind_days: Annotated[
        int,
        typer.Option("--remind-days", min=1, max=365, help="Remind members this many days before."),
    ] = 30,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Expire points older than their programme's expiry months (oldest first) and remind
    members whose points expire soon (an in-app notification). Idempotent: running it twice
    expires nothing more; housekeeping runs it hourly.

    Example: valbar loyalty expire --remind-days 30
    """
    from loyalty import expiry
    from marketplace.tasks import wire

    settings, factory = open_db()
    wire(settings, factory)  # the reminders' events become notifications
    now = utc_now()
    with transaction(factory) as session:
        expired = expiry.expire(session, now)
        reminders = expiry.remind(session, now, days_before=remind_days)
        done = [(e.account_key, e.points) for e in expired]
    if as_json:
        echo_json(
            {
                "expired": [{"account": k, "points": p} for k, p in done],
                "points": sum(p for _, p in done),
                "reminders": reminders,
            }
        )
        return
    for key, points in done:
        typer.echo(f"account {key}: {_count(points, 'point')} expired")
    typer.echo(
        f"{_count(sum(p for _, p in done), 'point')} expired in "
        f"{_count(len(done), 'account')}, {_count(reminders, 'reminder')} sent"
    )
