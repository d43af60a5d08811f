"""Feed uploads over HTTP in the forms issue 13 added: legacy Excel, item errors of an XML
feed, a stock-only delta and what a preview says it would clear."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.unit.api.test_api_support import ApiEnv, build_env, close_env, wait_for_run
from tests.unit.indexer.spreadsheets import write_xls


@pytest.fixture()
def env(tmp_path: Path) -> Iterator[ApiEnv]:
    built = build_env(tmp_path, max_upload_bytes=256 * 1024)
    yield built
    close_env(built)


def _upload(env: ApiEnv, name: str, data: bytes, **form: str | bool):  # type: ignore[no-untyped-def]
    params = {"dry_run": "true"} if form.pop("dry_run", False) else {}
    return env.client.post(
        "/api/v1/retailers/tandab/feeds",
        params=params,
        files={"file": (name, data, "application/octet-stream")},
        data={k: str(v).lower() if isinstance(v, bool) else v for k, v in form.items()},
        headers=env.headers("retailer_own"),
    )


def test_xls_upload_is_previewed_and_ingested(env: ApiEnv, tmp_path: Path) -> None:
    rows: list[list[object]] = [
        ["Artikelnummer", "Benämning", "Ert pris", "Lagersaldo"],
        ["DG-100", "Munspegel nr 5, 12-pack", 189.0, 40],
        ["DG-101", "Sond EXD 11/12", 249.5, 0],
    ]
    data = write_xls(tmp_path / "prislista.xls", {"Produkter": rows}).read_bytes()
    preview = _upload(env, "prislista.xls", data, dry_run=True)
    assert preview.status_code == 200, preview.text
    body = preview.json()
    assert body["format"] == "xls" and body["mapping"]["price"] == "Ert pris"
    assert [r["price"] for r in body["rows"]] == ["189.00", "249.50"]
    run = wait_for_run(env, _upload(env, "prislista.xls", data, delta=True).json()["id"])
    assert run["status"] == "succeeded", run["message"]
    assert run["counts"]["inserted"] == 2


def test_xml_item_errors_and_a_stock_only_delta(env: ApiEnv) -> None:
    items = "".join(
        f"<item><g:id>DG-10{i}</g:id><g:title>Sond {i}</g:title><g:price>{price}</g:price>"
        "<g:availability>in stock</g:availability></item>"
        for i, price in enumerate(["189.00 SEK", "på förfrågan", "599 CZK"])
    )
    xml = (
        '<?xml version="1.0"?><rss version="2.0" xmlns:g="http://base.google.com/ns/1.0">'
        f"<channel>{items}</channel></rss>"
    ).encode()
    body = _upload(env, "google.xml", xml, dry_run=True).json()
    assert body["counts"]["rejected"] == 1 and body["counts"]["valid"] == 2
    assert body["errors"][0]["row"] == 2
    assert body["errors"][0]["item"] == {"index": 2, "id": "DG-101"}
    assert [r["currency"] for r in body["rows"]] == ["SEK", "CZK"]
    run = wait_for_run(env, _upload(env, "google.xml", xml, delta=True).json()["id"])
    assert run["status"] == "succeeded"
    stock = b"Artikelnummer;Lagersaldo\nDG-100;0\nDG-777;4\n"
    body = _upload(env, "saldo.csv", stock, delta=True, dry_run=True).json()
    assert body["counts"]["would_update"] == 1 and body["counts"]["would_clear"] == 0
    assert body["errors"][0]["field"] == "sku" and "DG-777" in body["errors"][0]["message"]
    run = wait_for_run(env, _upload(env, "saldo.csv", stock, delta=True).json()["id"])
    assert run["status"] == "succeeded" and run["counts"]["updated"] == 1
