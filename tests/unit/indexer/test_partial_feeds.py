"""Feeds that carry only some columns (issue 13, items 8 and 9).

A column absent from a file never clears what is stored (GTIN, brand, MPN, delivery, stock
quantity, URL, the retailer's metadata), in delta or full mode; only an empty cell in a
present column does, and the preview counts the values a run would clear. The GTIN match
stays a GTIN match. Stock-only and price-only delta files update existing offers; their
unknown SKUs are row errors.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from catalog.models import Offer, Retailer
from indexer.errors import MissingColumnsError
from indexer.pipeline import FeedOptions, dry_run, run_feed, submit_feed
from tests.factories import add_product, write_csv
from tests.unit.indexer.feed_env import feed_env

FULL_HEADER = [
    "Artikelnummer", "Benämning", "Pris inkl. moms", "Lagerstatus", "Lagersaldo",
    "Leveranstid", "EAN", "Tillverkarens artikelnummer", "Varumärke", "Länk", "Garanti",
]  # fmt: skip
GTIN = "7310000000010"


def _full_row(sku: str, gtin: str, price: str = "189,00 kr") -> list[str]:
    return [
        sku, f"Munspegel nr 5 {sku}", price, "I lager", "40", "1-2 dagar", gtin, "MS-5",
        "Hu-Friedy", f"https://tandab.example/{sku}", "2 år",
    ]  # fmt: skip


@pytest.fixture()
def env(tmp_path: Path):  # type: ignore[no-untyped-def]
    settings, factory = feed_env(tmp_path)
    add_product(factory, key="p1", name="Munspegel nr 5", gtin="0" + GTIN, brand="Hu-Friedy")
    return settings, factory


def _ingest(env, path: Path, **opts: object):  # type: ignore[no-untyped-def]
    settings, factory = env
    run_id = submit_feed(factory, settings, path, "tandab", FeedOptions(**opts))  # type: ignore[arg-type]
    return run_feed(factory, settings, run_id)


def _stored(env, sku: str) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    with env[1]() as session:
        o = session.scalars(select(Offer).where(Offer.sku == sku)).one()
        return {
            "name": o.raw_name, "price": o.price, "stock_status": o.stock_status,
            "stock_quantity": o.stock_quantity, "delivery_days": o.delivery_days,
            "gtin": o.gtin, "mpn": o.mpn, "brand": o.brand, "url": o.url,
            "metadata": dict(o.retailer_metadata), "match_method": o.match_method,
            "product_id": o.product_id, "content_hash": o.content_hash,
        }  # fmt: skip


def _seed(env, tmp_path: Path) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    rows = [FULL_HEADER, _full_row("TD-1", GTIN), _full_row("TD-2", "")]
    out = _ingest(env, write_csv(tmp_path / "full.csv", rows))
    assert out.status == "succeeded", out.message
    stored = _stored(env, "TD-1")
    assert stored["match_method"] == "gtin" and stored["gtin"] == "0" + GTIN
    return stored


@pytest.mark.parametrize("delta", [True, False])
def test_absent_columns_keep_stored_values_and_the_gtin_match(env, tmp_path: Path, delta) -> None:  # type: ignore[no-untyped-def]
    before = _seed(env, tmp_path)
    lean = write_csv(
        tmp_path / "lean.csv",
        [
            ["Artikelnummer", "Benämning", "Pris inkl. moms", "Lagerstatus"],
            ["TD-1", "Munspegel nr 5 TD-1", "179,00 kr", "I lager"],
            ["TD-2", "Munspegel nr 5 TD-2", "189,00 kr", "I lager"],
        ],
    )
    preview = dry_run(env[1], env[0], lean, "tandab", FeedOptions(delta=delta))
    assert preview["counts"]["would_update"] == 1 and preview["counts"]["unchanged"] == 1
    assert preview["counts"]["would_clear"] == 0
    out = _ingest(env, lean, delta=delta)
    assert out.status == "succeeded", out.message
    assert (out.counts["updated"], out.counts["unchanged"]) == (1, 1)
    after = _stored(env, "TD-1")
    assert after["price"] == Decimal("179.00")
    for kept in ("gtin", "mpn", "brand", "url", "delivery_days", "stock_quantity", "metadata"):
        assert after[kept] == before[kept], kept
    assert after["metadata"] == {"warranty": "2 år"}
    assert (after["match_method"], after["product_id"]) == ("gtin", before["product_id"])
    again = _ingest(env, lean, delta=delta)  # the fast path: nothing to write
    assert (again.counts["updated"], again.counts["unchanged"]) == (0, 2)


def test_an_empty_cell_in_a_present_column_clears_and_the_preview_says_so(env, tmp_path) -> None:  # type: ignore[no-untyped-def]
    _seed(env, tmp_path)
    rows = [
        ["Artikelnummer", "Benämning", "Pris inkl. moms", "Lagerstatus", "EAN", "Varumärke"],
        ["TD-1", "Munspegel nr 5 TD-1", "189,00 kr", "I lager", "", ""],
    ]
    emptied = write_csv(tmp_path / "emptied.csv", rows)
    preview = dry_run(env[1], env[0], emptied, "tandab", FeedOptions(delta=True))
    assert preview["counts"]["would_clear"] == 2
    assert preview["would_clear"] == {"brand": 1, "gtin": 1}
    _ingest(env, emptied, delta=True)
    after = _stored(env, "TD-1")
    assert (after["gtin"], after["brand"]) == (None, None)
    assert after["mpn"] == "MS-5" and after["metadata"] == {"warranty": "2 år"}


def test_stock_only_delta_updates_existing_offers(env, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    before = _seed(env, tmp_path)
    stock = write_csv(
        tmp_path / "saldo.csv",
        [["Artikelnummer", "Lagersaldo"], ["TD-1", "0"], ["TD-2", "40"], ["TD-9", "5"]],
    )
    preview = dry_run(env[1], env[0], stock, "tandab", FeedOptions(delta=True))
    assert preview["counts"]["would_update"] == 1 and preview["counts"]["would_insert"] == 0
    out = _ingest(env, stock, delta=True)
    assert out.status == "succeeded", out.message
    assert (out.counts["updated"], out.counts["unchanged"], out.counts["inserted"]) == (1, 1, 0)
    assert out.counts["rejected"] == 1 and out.counts["valid"] == 2
    unknown = [e for e in out.errors if e["severity"] == "error"]
    assert len(unknown) == 1
    assert (unknown[0]["row"], unknown[0]["field"], unknown[0]["value"]) == (4, "sku", "TD-9")
    assert "saldo.csv" in unknown[0]["message"] and "row 4" in unknown[0]["message"]
    with env[1]() as session:  # the retailer's remembered columns are its full feed's
        remembered = session.scalars(select(Retailer.column_mapping)).one()
        assert remembered["fields"]["name"] == "Benämning"
    after = _stored(env, "TD-1")
    assert (after["stock_quantity"], after["stock_status"]) == (0, "out_of_stock")
    for kept in ("name", "price", "gtin", "brand", "delivery_days", "metadata", "match_method"):
        assert after[kept] == before[kept], kept


def test_price_only_delta_updates_existing_offers(env, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    before = _seed(env, tmp_path)
    prices = write_csv(tmp_path / "pris.csv", [["Artikelnummer", "Pris"], ["TD-1", "159,00"]])
    out = _ingest(env, prices, delta=True)
    assert out.status == "succeeded", out.message
    assert out.counts["updated"] == 1
    after = _stored(env, "TD-1")
    assert after["price"] == Decimal("159.00")
    for kept in ("name", "stock_status", "stock_quantity", "gtin", "url", "match_method"):
        assert after[kept] == before[kept], kept


def test_a_full_feed_still_needs_name_and_price(env, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _seed(env, tmp_path)
    stock = write_csv(tmp_path / "saldo.csv", [["Artikelnummer", "Lagersaldo"], ["TD-1", "0"]])
    with pytest.raises(MissingColumnsError):
        dry_run(env[1], env[0], stock, "tandab", FeedOptions())
