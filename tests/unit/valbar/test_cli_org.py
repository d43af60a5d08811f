"""``valbar org add|list|approve|refuse`` and ``valbar user add --org --org-role``: usage
errors exit 2 naming the option, errors of the data exit 1; every change audited."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import select
from typer.testing import CliRunner

from api.auth import OrganisationInactive, authenticate
from catalog.audit import entries_for
from catalog.models import Organisation, Retailer, User
from catalog.settings import get_settings
from indexer.jobs import factory_for
from valbar.cli import app

GOOD = "Klorhexidin-Spegel-47"
runner = CliRunner()


def invoke(*args: str, stdin: str | None = None) -> Any:
    return runner.invoke(app, list(args), input=stdin)


def org_add(name: str, kind: str, number: str, *extra: str) -> Any:
    return invoke("org", "add", name, "--kind", kind, "--org-number", number, *extra)


def test_org_add_list_and_audit(settings_env: Path) -> None:
    r = org_add("Tandlagret AB", "retailer", "5566778899", "--vat", "SE556677889901")
    assert r.exit_code == 0, r.output
    assert "retailer 556677-8899 active, retailer tandlagret-ab" in r.output
    r = org_add("Leendet", "clinic", "556123-4567", "--pending")
    assert r.exit_code == 0, r.output
    listed = invoke("org", "list", "--json")
    assert listed.exit_code == 0, listed.output
    rows = json.loads(listed.output)
    assert [(o["kind"], o["status"], o["retailer"]) for o in rows] == [
        ("retailer", "active", "tandlagret-ab"),
        ("clinic", "pending", None),
    ]
    pending = json.loads(invoke("org", "list", "--status", "pending", "--json").output)
    assert [o["name"] for o in pending] == ["Leendet"]
    assert "Tandlagret AB" in invoke("org", "list").output
    with factory_for(get_settings())() as s:
        org_id = rows[0]["id"]
        assert entries_for(s, "organisation", org_id)[0].actor == "cli"
        assert s.scalar(select(Retailer.id).where(Retailer.slug == "tandlagret-ab")) is not None


def test_org_add_usage_errors_exit_2_and_taken_exits_1(settings_env: Path) -> None:
    bad = org_add("X", "retailer", "556677-8898")
    assert bad.exit_code == 2 and "--org-number: check_digit" in bad.output
    vat = org_add("X", "retailer", "556677-8899", "--vat", "SE556123456701")
    assert vat.exit_code == 2 and "--vat: vat_mismatch" in vat.output
    kind = org_add("X", "shop", "556677-8899")
    assert kind.exit_code == 2 and "--kind" in kind.output
    slug = org_add("X", "retailer", "556677-8899", "--slug", "Bad Slug")
    assert slug.exit_code == 2 and "--slug: format" in slug.output
    early = org_add("X", "retailer", "556677-8899", "--slug", "x", "--pending")
    assert early.exit_code == 2 and "--slug: not_active" in early.output
    assert org_add("X", "retailer", "556677-8899").exit_code == 0
    again = org_add("Y", "retailer", "5566778899")
    assert again.exit_code == 1 and "--org-number: taken" in again.output
    status = invoke("org", "list", "--status", "sleeping")
    assert status.exit_code == 2 and "--status" in status.output


def test_org_approve_by_number_lets_members_sign_in(settings_env: Path) -> None:
    assert org_add("Leendet", "clinic", "556123-4567", "--pending").exit_code == 0
    with factory_for(get_settings())() as s:
        org_id = s.scalars(select(Organisation.id)).one()
    added = invoke(
        "user",
        "add",
        "eva@leendet.se",
        "--name",
        "Eva",
        "--org",
        str(org_id),
        "--org-role",
        "manager",
        "--password-stdin",
        stdin=GOOD + "\n",
    )
    assert added.exit_code == 0, added.output
    with factory_for(get_settings())() as s:
        try:
            authenticate(s, "eva@leendet.se", GOOD)
            raise AssertionError("a member of a pending organisation signed in")
        except OrganisationInactive as exc:
            assert exc.status == "pending"
    r = invoke("org", "approve", "556123-4567")
    assert r.exit_code == 0 and "approved" in r.output, r.output
    with factory_for(get_settings())() as s:
        user = authenticate(s, "eva@leendet.se", GOOD)
        assert (user.role, user.org_role, user.clinic) == ("clinic", "manager", "Leendet")
        assert entries_for(s, "organisation", org_id)[0].action == "organisation.approve"
    twice = invoke("org", "approve", str(org_id))
    assert twice.exit_code == 1 and "it is active, not pending" in twice.output
    unknown = invoke("org", "approve", "4242")
    assert unknown.exit_code == 1
    assert org_add("Nej AB", "retailer", "559876-5435", "--pending").exit_code == 0
    no_reason = invoke("org", "refuse", "559876-5435", "--reason", " ")
    assert no_reason.exit_code == 2 and "--reason: required" in no_reason.output
    refused = invoke("org", "refuse", "559876-5435", "--reason", "Ingen verksamhet")
    assert refused.exit_code == 0, refused.output


def test_user_add_with_an_org_role(settings_env: Path) -> None:
    assert org_add("Tandlagret AB", "retailer", "556677-8899").exit_code == 0
    with factory_for(get_settings())() as s:
        org = s.scalars(select(Organisation)).one()
        org_id, retailer_id = org.id, org.retailer_id

    def add(email: str, *extra: str) -> Any:
        return invoke(
            "user",
            "add",
            email,
            "--name",
            "Olle",
            "--password-stdin",
            *extra,
            stdin=GOOD + "\n",
        )

    ok = add("olle@tandlagret.se", "--org", str(org_id), "--org-role", "staff")
    assert ok.exit_code == 0, ok.output
    with factory_for(get_settings())() as s:
        user = s.scalar(select(User).where(User.email == "olle@tandlagret.se"))
        assert user is not None
        assert (user.role, user.org_role, user.retailer_id) == ("retailer", "staff", retailer_id)
    wrong_kind = add("b@tandlagret.se", "--org", str(org_id), "--org-role", "buyer")
    assert wrong_kind.exit_code == 2 and "--org-role" in wrong_kind.output
    no_role = add("c@tandlagret.se", "--org", str(org_id))
    assert no_role.exit_code == 2 and "--org-role" in no_role.output
    bad_role = add("d@tandlagret.se", "--org", str(org_id), "--org-role", "boss")
    assert bad_role.exit_code == 2 and "--org-role" in bad_role.output
    admin = add("e@tandlagret.se", "--org", str(org_id), "--org-role", "staff", "--role", "admin")
    assert admin.exit_code == 2 and "--role" in admin.output
    unknown = add("f@tandlagret.se", "--org", "999", "--org-role", "staff")
    assert unknown.exit_code == 1 and "--org" in unknown.output
    orphan = add("g@tandlagret.se", "--org-role", "staff")
    assert orphan.exit_code == 2 and "--org-role" in orphan.output
    no_platform = add("h@tandlagret.se")
    assert no_platform.exit_code == 2 and "--role" in no_platform.output
    listed = json.loads(invoke("user", "list", "--json").output)
    assert [(u["email"], u["organisation"], u["org_role"]) for u in listed] == [
        ("olle@tandlagret.se", org_id, "staff")
    ]


def test_org_list_tells_an_unconfirmed_sign_up_from_one_waiting_for_a_decision(
    settings_env: Path,
) -> None:
    """A sign-up whose e-mail is not confirmed is ``pending/e-mail`` (``awaiting`` in JSON,
    ``--awaiting`` filters) and approving it exits 1 saying why."""
    from catalog.db import transaction
    from marketplace.dates import utc_now

    assert org_add("Leendet", "clinic", "556123-4567", "--pending").exit_code == 0
    with transaction(factory_for(get_settings())) as s:
        s.add(
            Organisation(
                kind="clinic", name="Obekräftad", status="pending", terms_accepted_at=utc_now()
            )
        )
    rows = json.loads(invoke("org", "list", "--status", "pending", "--json").output)
    assert {o["name"]: o["awaiting"] for o in rows} == {
        "Leendet": "decision",
        "Obekräftad": "email_confirmation",
    }
    text = invoke("org", "list").output
    assert "pending/e-mail" in text and "pending/decision" in text
    waiting = json.loads(invoke("org", "list", "--awaiting", "decision", "--json").output)
    assert [o["name"] for o in waiting] == ["Leendet"]
    assert invoke("org", "list", "--awaiting", "nope").exit_code == 2
    unconfirmed = next(o["id"] for o in rows if o["name"] == "Obekräftad")
    r = invoke("org", "approve", str(unconfirmed))
    assert r.exit_code == 1 and "not confirmed" in r.output
