"""``valbar user add`` refuses a name with a line break; ``valbar org list`` and ``valbar
user list`` print one row per record whatever names were stored."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from catalog.models import Organisation, User
from catalog.settings import get_settings
from indexer.jobs import factory_for
from valbar.cli import app

INJECTION = "\r\nBcc: x@y"
runner = CliRunner()


def invoke(*args: str, stdin: str | None = None) -> Any:
    return runner.invoke(app, list(args), input=stdin)


def test_user_add_refuses_a_name_with_a_line_break(settings_env: Path) -> None:
    for option in ("--name", "--clinic"):
        values = {"--name": "Anna", "--clinic": "Kliniken"}
        values[option] += INJECTION
        r = invoke(
            "user",
            "add",
            "anna@klinik.se",
            "--name",
            values["--name"],
            "--role",
            "clinic",
            "--clinic",
            values["--clinic"],
            "--password-stdin",
            stdin="Klorhexidin-Spegel-47\n",
        )
        assert r.exit_code == 2, r.output
        assert "control characters" in r.output


def test_org_add_refuses_a_name_with_a_line_break(settings_env: Path) -> None:
    r = invoke(
        "org", "add", "Leendet" + INJECTION, "--kind", "clinic", "--org-number", "5561234567"
    )
    assert r.exit_code == 2, r.output
    assert "NAME: format" in r.output


def test_lists_print_one_row_per_record_whatever_was_stored(settings_env: Path) -> None:
    assert invoke("db", "upgrade").exit_code == 0
    with factory_for(get_settings())() as s:
        org = Organisation(
            kind="clinic", name="Leendet" + INJECTION, org_number="556123-4567", status="active"
        )
        s.add(org)
        s.flush()
        s.add(
            User(
                email="anna@klinik.se",
                name="Anna" + INJECTION,
                role="clinic",
                clinic="Leendet" + INJECTION,
                organisation_id=org.id,
                org_role="manager",
                password_hash="x",
            )
        )
        s.commit()
    orgs = invoke("org", "list")
    assert orgs.exit_code == 0, orgs.output
    assert orgs.output.splitlines()[-1].endswith("Leendet Bcc: x@y")
    assert len(orgs.output.strip().splitlines()) == 1 and "\r" not in orgs.output
    users = invoke("user", "list")
    assert users.exit_code == 0, users.output
    assert len(users.output.strip().splitlines()) == 1 and "\r" not in users.output
    assert "Leendet Bcc: x@y" in users.output


def test_every_table_prints_one_row_per_record(settings_env: Path) -> None:
    """Key, retailer and loyalty programme lists: a stored line break becomes a space."""
    from catalog.models import ApiKey, Retailer
    from loyalty.models import Programme

    assert invoke("db", "upgrade").exit_code == 0
    with factory_for(get_settings())() as s:
        user = User(email="k@klinik.se", name="K", role="clinic", password_hash="x")
        s.add(user)
        s.add(Retailer(slug="depan", name="Depån" + INJECTION))
        s.flush()
        s.add(ApiKey(user_id=user.id, name="Allt" + INJECTION, prefix="abcdefgh", key_hash="x"))
        s.commit()
    keys = invoke("key", "list")
    assert keys.exit_code == 0, keys.output
    assert len(keys.output.strip().splitlines()) == 1 and "\r" not in keys.output
    assert "Allt  Bcc: x@y" in keys.output
    retailers = invoke("retailer", "list")
    assert retailers.exit_code == 0, retailers.output
    assert len(retailers.output.strip().splitlines()) == 1 and "Depån  Bcc: x@y" in retailers.output
    # a programme's name with a break is refused; one stored before lists as one row
    refused = invoke("loyalty", "programme", "add", "Poäng" + INJECTION, "--sponsor", "Depån")
    assert refused.exit_code == 2, refused.output
    assert "one line" in refused.output
    added = invoke("loyalty", "programme", "add", "Poäng", "--sponsor", "Depån")
    assert added.exit_code == 0, added.output
    with factory_for(get_settings())() as s:
        programme = s.query(Programme).one()
        programme.name = "Poäng" + INJECTION
        s.commit()
    listed = invoke("loyalty", "programme", "list")
    assert listed.exit_code == 0, listed.output
    assert len(listed.output.strip().splitlines()) == 1 and "\r" not in listed.output


def test_retailer_add_refuses_a_name_with_a_line_break(settings_env: Path) -> None:
    r = invoke("retailer", "add", "depan", "--name", "Depån" + INJECTION)
    assert r.exit_code == 2, r.output
    assert "one line of text" in " ".join(r.output.split())
