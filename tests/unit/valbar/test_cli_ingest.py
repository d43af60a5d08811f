"""`valbar ingest` and `valbar catalog import` from the command line, with --json output."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from catalog.settings import get_settings
from tests.factories import swedish_feed, write_csv
from valbar.cli import app

runner = CliRunner()


@pytest.fixture()
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("VALBAR_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("VALBAR_DATABASE_URL", "")
    monkeypatch.setenv("VALBAR_ENVIRONMENT", "test")
    get_settings.cache_clear()
    result = runner.invoke(app, ["retailer", "add", "tandab", "--name", "Tand AB"])
    assert result.exit_code == 0, result.output
    yield tmp_path
    get_settings.cache_clear()


def invoke_json(args: list[str]) -> tuple[int, dict[str, object]]:
    result = runner.invoke(app, args)
    return result.exit_code, json.loads(result.stdout.strip().splitlines()[-1])


def test_dry_run_exits_1_when_the_real_run_would_be_refused(cli_env: Path) -> None:
    code, _ = invoke_json(
        ["ingest", str(swedish_feed(cli_env / "a.csv", 10)), "--retailer", "tandab", "--json"]
    )
    assert code == 0
    fewer = swedish_feed(cli_env / "b.csv", 2)
    code, data = invoke_json(["ingest", str(fewer), "--retailer", "tandab", "--dry-run", "--json"])
    assert code == 1
    assert "withdraw 8 of 10" in str(data["message"])
    assert data["counts"]["would_withdraw"] == 8  # type: ignore[index]


def test_dry_run_json_has_the_documented_shape(cli_env: Path) -> None:
    feed = swedish_feed(cli_env / "lager.csv", 3, price="1 234,50 kr")
    code, data = invoke_json(["ingest", str(feed), "--retailer", "tandab", "--dry-run", "--json"])
    assert code == 0
    assert set(data) == {
        "format",
        "encoding",
        "mapping",
        "price_vat",
        "counts",
        "would_clear",
        "offers",
        "errors",
    }
    offers = data["offers"]
    assert isinstance(offers, list) and len(offers) == 3
    assert set(offers[0]) == {
        "row",
        "sku",
        "name",
        "price",
        "currency",
        "vat_included",
        "stock_status",
        "stock_quantity",
        "delivery_days",
        "gtin",
        "mpn",
        "brand",
    }
    assert offers[0]["price"] == "1234.50" and offers[0]["stock_status"] == "in_stock"
    listed = runner.invoke(app, ["runs", "--json"])
    assert json.loads(listed.stdout) == []  # a dry run records no feed run


def test_real_run_json_reports_the_feed_run_and_no_offers(cli_env: Path) -> None:
    feed = swedish_feed(cli_env / "lager.csv", 4)
    code, data = invoke_json(["ingest", str(feed), "--retailer", "tandab", "--json"])
    assert code == 0
    assert "offers" not in data and isinstance(data["feed_run_id"], int)
    assert data["status"] == "succeeded"
    counts = data["counts"]
    assert isinstance(counts, dict) and counts["inserted"] == 4


def test_mapping_file_overrides_detection(cli_env: Path) -> None:
    feed = write_csv(
        cli_env / "odd.csv",
        [
            ["Vårt nr", "Text", "Kostnad", "Finns"],
            ["X1", "Komposit A2", "99,00", "Ja"],
        ],
    )
    mapping = cli_env / "mapping.toml"
    mapping.write_text('sku = "Vårt nr"\nname = "Text"\nprice = "Kostnad"\nstock = "Finns"\n')
    code, data = invoke_json(
        [
            "ingest",
            str(feed),
            "--retailer",
            "tandab",
            "--mapping",
            str(mapping),
            "--dry-run",
            "--json",
        ]
    )
    assert code == 0
    assert data["mapping"] == {
        "sku": "Vårt nr",
        "name": "Text",
        "price": "Kostnad",
        "stock": "Finns",
    }


def test_missing_column_error_names_headers_and_exits_nonzero(cli_env: Path) -> None:
    feed = write_csv(cli_env / "m.csv", [["Artikelnummer", "Benämning"], ["A", "B"]])
    code, data = invoke_json(["ingest", str(feed), "--retailer", "tandab", "--dry-run", "--json"])
    assert code == 1  # the file's fault, like a rejected run; 2 is for a wrong command line
    message = str(data["error"])
    assert "m.csv" in message and "price" in message and "'Artikelnummer'" in message


def test_unknown_retailer_is_a_clear_error(cli_env: Path) -> None:
    feed = swedish_feed(cli_env / "lager.csv", 1)
    code, data = invoke_json(["ingest", str(feed), "--retailer", "nope", "--json"])
    assert code == 1 and "nope" in str(data["error"])
    bad_option = runner.invoke(app, ["ingest", str(feed), "--retailer", "tandab", "--nope"])
    assert bad_option.exit_code == 2


def test_mass_withdrawal_refusal_exits_nonzero_and_flag_allows(cli_env: Path) -> None:
    invoke_json(
        ["ingest", str(swedish_feed(cli_env / "a.csv", 10)), "--retailer", "tandab", "--json"]
    )
    small = swedish_feed(cli_env / "b.csv", 2)
    code, data = invoke_json(["ingest", str(small), "--retailer", "tandab", "--json"])
    assert code == 1 and data["status"] == "rejected"
    code, data = invoke_json(
        ["ingest", str(small), "--retailer", "tandab", "--json", "--allow-mass-withdrawal"]
    )
    assert code == 0 and data["counts"]["withdrawn"] == 8  # type: ignore[index]


def test_catalog_import_json_counts_and_idempotency(cli_env: Path) -> None:
    catalog = write_csv(
        cli_env / "katalog.csv",
        [
            ["GTIN", "Varumärke", "Tillverkare", "Benämning", "MPN"],
            ["07310000000003", "Acme", "Acme AB", "Nitrilhandske M", "NH-M"],
            ["07310000000010", "Acme", "Acme AB", "Nitrilhandske L", "NH-L"],
        ],
        delimiter=",",
    )
    code, first = invoke_json(["catalog", "import", str(catalog), "--json"])
    assert code == 0 and first["counts"]["inserted"] == 2  # type: ignore[index]
    code, second = invoke_json(["catalog", "import", str(catalog), "--json"])
    assert code == 0 and second["counts"]["unchanged"] == 2  # type: ignore[index]


def test_runs_cancel_ends_a_queued_run_and_refuses_a_finished_one(cli_env: Path) -> None:
    from indexer.jobs import factory_for
    from indexer.pipeline import FeedOptions, submit_feed

    settings = get_settings()
    feed = swedish_feed(cli_env / "lager.csv", 2)
    run_id = submit_feed(factory_for(settings), settings, feed, "tandab", FeedOptions())
    code, data = invoke_json(["runs", "cancel", str(run_id), "--json"])
    assert code == 0 and data == {"id": run_id, "status": "cancelled", "note": "cancelled"}
    code, data = invoke_json(["runs", "cancel", str(run_id), "--json"])
    assert code == 1 and "ended already (cancelled)" in str(data["error"])
    listed = runner.invoke(app, ["runs", "--json"])
    assert json.loads(listed.stdout)[0]["status"] == "cancelled"
    code, data = invoke_json(["runs", "sweep", "--json"])
    assert code == 0 and data == {"failed": [], "requeued": [], "cancelled": [], "dispatch": []}


def test_dry_run_json_is_bounded_with_counts(
    cli_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VALBAR_FEED_MAX_ROW_ERRORS", "2")
    monkeypatch.setenv("VALBAR_FEED_DRY_RUN_OFFERS", "1")
    get_settings.cache_clear()
    lines = ["Artikelnummer;Benämning;Pris;Lagerstatus"]
    lines += [f"OK-{i};Handske {i};99;I lager" for i in range(4)]
    lines += [f"NP-{i};Handske {i};;I lager" for i in range(6)]
    feed = cli_env / "fel.csv"
    feed.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, data = invoke_json(["ingest", str(feed), "--retailer", "tandab", "--dry-run", "--json"])
    assert code == 0
    assert len(data["offers"]) == 1 and data["offers_truncated"] == 3  # type: ignore[arg-type]
    assert len(data["errors"]) == 2 and data["errors_truncated"] == 4  # type: ignore[arg-type]
    assert data["error_groups"] == [
        {
            "severity": "error",
            "field": "price",
            "reason": "price is empty",
            "count": 4,
            "code": "price.empty",
            "values": {},
        }
    ]
    text = runner.invoke(app, ["ingest", str(feed), "--retailer", "tandab", "--dry-run"])
    assert "and 4 more not listed" in text.stdout


def test_retailer_add_takes_only_a_youtube_or_vimeo_video(cli_env: Path) -> None:
    refused = runner.invoke(
        app,
        ["retailer", "add", "tandab", "--name", "Tand AB", "--video-url", "https://x.example/v"],
    )
    assert refused.exit_code == 2 and "--video-url" in refused.output
    taken = runner.invoke(
        app,
        [
            "retailer",
            "add",
            "tandab",
            "--name",
            "Tand AB",
            "--video-url",
            "https://youtu.be/dQw4w9WgXcQ",
        ],
    )
    assert taken.exit_code == 0, taken.output
