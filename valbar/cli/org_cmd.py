"""``valbar org``: add organisations, list them, approve or refuse a sign-up.

Every change is audited (actor ``cli``) and publishes its domain event to the subscribers
the site has (``marketplace.tasks.wire``: an approved sign-up's e-mail, for one). Usage
errors (a bad org number, kind, status or slug: the message names the option) exit 2;
conditions of the data (an organisation registered already, an unknown one, one that is
not pending) exit 1.
"""

from __future__ import annotations

from typing import Annotated, Any, NoReturn

import typer
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from catalog.enums import OrgKind, OrgStatus
from catalog.models import Organisation, Retailer, User
from catalog.single_line import one_line
from marketplace import organisations
from marketplace.errors import AlreadyDecided, InvalidInput, NotFound, SignupUnconfirmed
from marketplace.organisations import OrgDetails, OrgInvalid
from marketplace.tasks import listing_drainer_of, wire
from valbar.cli.context import RUNTIME, echo_json, echo_row, fail, open_db

app = typer.Typer(help="Organisations: add, list, approve or refuse.", no_args_is_help=True)

KINDS = ", ".join(k.value for k in OrgKind)
STATUSES = ", ".join(s.value for s in OrgStatus)
AWAITING = ", ".join(organisations.AWAITING)
OPTION = {
    "name": "NAME",
    "org_number": "--org-number",
    "vat_number": "--vat",
    "slug": "--slug",
    "postal_code": "--postal-code",
    "street": "--street",
    "city": "--city",
    "reason": "--reason",
}
RUNTIME_REASONS = frozenset({"taken"})


def _kind(value: str) -> OrgKind:
    try:
        return OrgKind(value.strip().lower())
    except ValueError:
        fail(f"--kind: {value!r} is not one of {KINDS}")


def _status(value: str) -> OrgStatus:
    try:
        return OrgStatus(value.strip().lower())
    except ValueError:
        fail(f"--status: {value!r} is not one of {STATUSES}")


def fail_invalid(exc: OrgInvalid) -> NoReturn:
    """Name every bad option; a registered org number or slug is the data's (exit 1)."""
    listed = "; ".join(f"{OPTION.get(f, f)}: {r}" for f, r in exc.fields.items())
    runtime = all(r in RUNTIME_REASONS for r in exc.fields.values())
    fail(listed, code=RUNTIME if runtime else 2)


def row(org: Organisation, slug: str | None, members: int) -> dict[str, Any]:
    return {
        "id": org.id,
        "kind": org.kind,
        "name": org.name,
        "org_number": org.org_number,
        "vat_number": org.vat_number,
        "status": org.status,
        "awaiting": organisations.awaiting(org),
        "retailer": slug,
        "members": members,
        "submitted_at": org.submitted_at.isoformat() if org.submitted_at else None,
        "created_at": org.created_at.isoformat(),
    }


@app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="The registered name.")],
    kind: Annotated[str, typer.Option(help=f"One of {KINDS}.")],
    org_number: Annotated[str, typer.Option("--org-number", help="Organisationsnummer.")],
    vat: Annotated[str, typer.Option("--vat", help="VAT number (its own: SE…01).")] = "",
    slug: Annotated[
        str | None, typer.Option(help="A retailer's slug (default: from the name).")
    ] = None,
    street: Annotated[str, typer.Option(help="Street address.")] = "",
    postal_code: Annotated[str, typer.Option("--postal-code", help="Postal code.")] = "",
    city: Annotated[str, typer.Option(help="City.")] = "",
    pending: Annotated[
        bool, typer.Option("--pending", help="Wait for approval (default: active).")
    ] = False,
) -> None:
    """Add an organisation (active unless --pending); a retailer gets its retailer.

    Example: valbar org add "Tandlagret AB" --kind retailer --org-number 556677-8899
    """
    wanted = _kind(kind)
    details = OrgDetails(
        name=name,
        org_number=org_number,
        vat_number=vat,
        street=street,
        postal_code=postal_code,
        city=city,
    )
    _, factory = open_db()
    with factory() as session:
        try:
            org = organisations.create_organisation(
                session,
                wanted,
                details,
                actor=None,
                channel="cli",
                status=OrgStatus.PENDING if pending else OrgStatus.ACTIVE,
                slug=slug,
            )
            org_id, status, number = org.id, org.status, org.org_number
            retailer = session.get(Retailer, org.retailer_id) if org.retailer_id else None
            slug_made = retailer.slug if retailer else None
            session.commit()
        except OrgInvalid as exc:
            fail_invalid(exc)
        except IntegrityError:  # the same number (or slug) added at this very moment
            session.rollback()
            fail("--org-number: taken (registered at the same moment)", code=RUNTIME)
    where = f", retailer {slug_made}" if slug_made else ""
    typer.echo(f"organisation {org_id}: {wanted.value} {number} {status}{where}")


@app.command("list")
def list_(
    status: Annotated[str | None, typer.Option(help=f"Only this status ({STATUSES}).")] = None,
    kind: Annotated[str | None, typer.Option(help=f"Only this kind ({KINDS}).")] = None,
    awaiting: Annotated[
        str | None,
        typer.Option(
            help=f"Only pending ones waiting for this ({AWAITING}): a sign-up's e-mail "
            "confirmation or an admin's decision."
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List organisations (id, kind, org number, status, members), oldest first. A pending
    one's status says what it waits for: pending/e-mail (its applicant has not confirmed
    the address; it cannot be approved yet) or pending/decision (an admin's).

    Example: valbar org list --awaiting decision --json
    """
    wanted = _status(status) if status is not None else None
    if awaiting is not None and awaiting.strip().lower() not in organisations.AWAITING:
        fail(f"--awaiting: {awaiting!r} is not one of {AWAITING}")
    waits = awaiting.strip().lower() if awaiting is not None else None
    wanted_kind = _kind(kind) if kind is not None else None
    _, factory = open_db()
    with factory() as session:
        counts = (
            select(User.organisation_id, func.count(User.id).label("n"))
            .group_by(User.organisation_id)
            .subquery()
        )
        query = (
            select(Organisation, Retailer.slug, counts.c.n)
            .outerjoin(Retailer, Retailer.id == Organisation.retailer_id)
            .outerjoin(counts, counts.c.organisation_id == Organisation.id)
            .order_by(Organisation.id)
        )
        if wanted is not None:
            query = query.where(Organisation.status == wanted.value)
        if wanted_kind is not None:
            query = query.where(Organisation.kind == wanted_kind.value)
        if waits is not None:
            decided = organisations.AWAITING_DECISION
            query = query.where(
                Organisation.status == OrgStatus.PENDING.value,
                decided if waits == organisations.AWAITING_ADMIN else ~decided,
            )
        rows = [row(o, s, int(n or 0)) for o, s, n in session.execute(query).all()]
    if as_json:
        echo_json(rows)
        return
    for r in rows:
        echo_row(
            f"{r['id']:>5} {r['kind']:8} {r['org_number'] or '-':11} {_shown_status(r):16} "
            f"{r['members']:>3} {one_line(r['name'])}"  # one row whatever was stored
        )


def _shown_status(r: dict[str, Any]) -> str:
    waits = r["awaiting"]
    if waits is None:
        return str(r["status"])
    return f"{r['status']}/{'e-mail' if waits == organisations.AWAITING_EMAIL else waits}"


def _decide(ref: str, decide: str, reason: str = "") -> None:
    settings, factory = open_db()
    wire(settings, factory)  # the subscribers of the decision's event (its e-mail)
    with factory() as session:
        try:
            org = organisations.find_organisation(session, ref)
            if decide == "approve":
                organisations.approve(session, org, None, channel="cli")
            else:
                organisations.refuse(session, org, None, reason, channel="cli")
            org_id, name = org.id, org.name
            session.commit()
        except OrgInvalid as exc:
            fail_invalid(exc)
        except SignupUnconfirmed:
            fail(
                f"organisation {ref}: its sign-up's e-mail address is not confirmed yet "
                "(pending/e-mail): it cannot be approved",
                code=RUNTIME,
            )
        except AlreadyDecided as exc:
            fail(f"organisation {ref}: it is {exc.values['status']}, not pending", code=RUNTIME)
        except NotFound as exc:
            fail(str(exc), code=RUNTIME)
        except InvalidInput as exc:  # the same org number of a retailer and a clinic
            fail(str(exc), code=RUNTIME)
    # its retailer's offers enter or stay out of search: let that pass finish before exiting
    # (were it cut short, the rows wait in the outbox for the next pass)
    listing_pass = listing_drainer_of(factory)
    if listing_pass is not None:
        listing_pass.wait(settings.index_lock_wait_seconds)
    typer.echo(
        f"organisation {org_id} ({name}): {'approved' if decide == 'approve' else 'refused'}"
    )


@app.command("approve")
def approve(
    org: Annotated[str, typer.Argument(help="The organisation's id or org number.")],
) -> None:
    """Approve a pending organisation (a sign-up): its members may sign in.

    Example: valbar org approve 556677-8899
    """
    _decide(org, "approve")


@app.command("refuse")
def refuse(
    org: Annotated[str, typer.Argument(help="The organisation's id or org number.")],
    reason: Annotated[str, typer.Option(help="Why (shown to the applicant).")],
) -> None:
    """Refuse a pending organisation with a reason.

    Example: valbar org refuse 12 --reason "Inte en tandvårdsklinik"
    """
    _decide(org, "refuse", reason)
