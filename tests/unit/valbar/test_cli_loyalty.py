"""``valbar loyalty verify`` and ``valbar loyalty programme add|list``: verify exits 0 on a
ledger whose balances equal their entries and 1 naming the account that does not; usage
errors exit 2 naming the option, a taken name exits 1."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import update
from typer.testing import CliRunner

from catalog.db import transaction
from catalog.settings import get_settings
from indexer.jobs import factory_for
from loyalty.enums import AccountKind, EntryKind
from loyalty.ledger import ensure_account, transfer
from loyalty.models import Account
from marketplace.dates import utc_now
from valbar.cli import app

runner = CliRunner()


def invoke(*args: str) -> Any:
    return runner.invoke(app, list(args))


def test_programme_add_and_list(settings_env: Path) -> None:
    r = invoke(
        "loyalty", "programme", "add", "Tandklubben", "--sponsor", "Dentsply",
        "--points-per-krona", "1.5", "--point-value-ore", "4", "--expiry-months", "24",
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    assert "programme 1 added: Tandklubben" in r.output
    rows = json.loads(invoke("loyalty", "programme", "list", "--json").output)
    assert rows == [
        {
            "id": 1,
            "name": "Tandklubben",
            "sponsor": "Dentsply",
            "points_per_krona": "1.5",
            "point_value_ore": 4,
            "expiry_months": 24,
            "active": True,
        }
    ]
    assert "Tandklubben (Dentsply): 1.5 p/kr" in invoke("loyalty", "programme", "list").output
    again = invoke("loyalty", "programme", "add", "Tandklubben", "--sponsor", "X")
    assert again.exit_code == 1
    assert "exists already" in again.output


def test_programme_add_names_the_bad_option(settings_env: Path) -> None:
    r = invoke("loyalty", "programme", "add", "K", "--sponsor", "S", "--points-per-krona", "abc")
    assert r.exit_code == 2
    assert "--points-per-krona: not a number" in r.output
    r = invoke("loyalty", "programme", "add", "K", "--sponsor", "S", "--expiry-months", "0")
    assert r.exit_code == 2
    assert "--expiry-months: 1-120" in r.output
    r = invoke("loyalty", "programme", "add", "  ", "--sponsor", "S")
    assert r.exit_code == 2
    assert "NAME: 1-200 characters" in r.output


def test_verify_passes_a_balanced_ledger_and_names_a_tampered_account(
    settings_env: Path,
) -> None:
    assert invoke("loyalty", "programme", "add", "K", "--sponsor", "S").exit_code == 0
    factory = factory_for(get_settings())
    with transaction(factory) as s:
        sponsor = ensure_account(s, 1, AccountKind.SPONSOR)
        shop = ensure_account(s, 1, AccountKind.SHOP)
        transfer(
            s,
            programme_id=1,
            source_id=sponsor.id,
            destination_id=shop.id,
            points=25,
            kind=EntryKind.ADJUSTMENT.value,
            reason="test",
            idempotency_key="t1",
            now=utc_now(),
        )
        shop_id = shop.id
    ok = invoke("loyalty", "verify")
    assert ok.exit_code == 0, ok.output
    assert "1 entry balance" in ok.output
    with transaction(factory) as s:
        s.execute(update(Account).where(Account.id == shop_id).values(balance=30))
    bad = invoke("loyalty", "verify")
    assert bad.exit_code == 1
    assert "account p1:shop: balance 30 differs from its entries (entries sum to 25)" in bad.output
    report = json.loads(invoke("loyalty", "verify", "--json").output)
    assert report["ok"] is False
    assert report["discrepancies"] == [
        {"account": "p1:shop", "balance": 30, "from_entries": 25, "problem": "sum"}
    ]


def test_expire_moves_old_points_once(settings_env: Path) -> None:
    from datetime import timedelta

    added = invoke("loyalty", "programme", "add", "K", "--sponsor", "S", "--expiry-months", "1")
    assert added.exit_code == 0, added.output
    factory = factory_for(get_settings())
    with transaction(factory) as s:
        sponsor = ensure_account(s, 1, AccountKind.SPONSOR)
        holder = Account(key="p1:member:test", programme_id=1, kind="member", balance=0)
        s.add(holder)
        s.flush()
        transfer(
            s,
            programme_id=1,
            source_id=sponsor.id,
            destination_id=holder.id,
            points=25,
            kind=EntryKind.ADJUSTMENT.value,
            reason="test",
            idempotency_key="old",
            now=utc_now() - timedelta(days=70),
        )
    first = invoke("loyalty", "expire")
    assert first.exit_code == 0, first.output
    assert "account p1:member:test: 25 points expired" in first.output
    again = json.loads(invoke("loyalty", "expire", "--json").output)
    assert again == {"expired": [], "points": 0, "reminders": 0}
    assert invoke("loyalty", "verify").exit_code == 0


def test_a_programme_is_given_to_a_sponsor_organisation_made_by_the_cli(
    settings_env: Path,
) -> None:
    made = invoke(
        "org", "add", "Dentsply Sverige AB", "--kind", "sponsor", "--org-number", "5560101114"
    )
    assert made.exit_code == 0, made.output
    assert "sponsor 556010-1114 active" in made.output
    retailer = invoke("org", "add", "Butik AB", "--kind", "retailer", "--org-number", "5566778899")
    assert retailer.exit_code == 0, retailer.output
    orgs = json.loads(invoke("org", "list", "--json").output)
    sponsor_id = next(o["id"] for o in orgs if o["kind"] == "sponsor")
    retailer_id = next(o["id"] for o in orgs if o["kind"] == "retailer")
    wrong = invoke("loyalty", "programme", "add", "K", "--sponsor-org", str(retailer_id))
    assert wrong.exit_code == 2 and "--sponsor-org:" in wrong.output
    r = invoke("loyalty", "programme", "add", "Dentsplyklubben", "--sponsor-org", str(sponsor_id))
    assert r.exit_code == 0, r.output
    rows = json.loads(invoke("loyalty", "programme", "list", "--json").output)
    assert rows[0]["sponsor"] == "Dentsply Sverige AB"
    from loyalty.models import Programme

    with factory_for(get_settings())() as s:
        assert s.get_one(Programme, rows[0]["id"]).sponsor_organisation_id == sponsor_id
