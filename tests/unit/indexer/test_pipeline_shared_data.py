"""Every retailer feed in ../shared/data/feeds through the whole pipeline (real files)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from catalog.models import Offer
from catalog.settings import Settings
from indexer.pipeline import FeedOptions, run_feed, submit_feed
from tests.factories import add_retailer, migrated_factory

pytestmark = pytest.mark.shared_data

# file -> (format, offers stored, one SKU, its price, its stock status)
EXPECTED = {
    "ClassicPress__classic-commerce/sample_products.csv": (
        "woocommerce_csv",
        22,
        "woo-hoodie-with-logo",
        "45.00",
        "in_stock",
    ),
    "ClassicPress__classic-commerce/sample_products.xml": (
        "woocommerce_wxr",
        15,
        "woo-hoodie-with-logo",
        "45.00",
        "in_stock",
    ),
    "umsu2__shopify_import_gen/product_template.csv": (
        "shopify_csv",
        3,
        'example-t-shirt:Lithograph - Height: 9" x Width: 12"',
        "25.00",
        "unknown",
    ),
    "magento__magento2-sample-data/products.csv": (
        "magento_csv",
        1847,
        "MH01-XS-Black",
        "52.00",
        "in_stock",
    ),
    "xyan-dhgb__prestashop-bash/products_import.csv": (
        "prestashop_csv",
        7,
        "RP-demo_1",
        "100.00",
        "in_stock",
    ),
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_retailer_feed_ingests(name: str, shared_data: Path, tmp_path: Path) -> None:
    fmt, count, sku, price, stock = EXPECTED[name]
    settings = Settings(data_dir=tmp_path / "var", database_url="", environment="test")
    factory = migrated_factory(settings.sqlalchemy_url)
    add_retailer(factory)
    path = shared_data / "feeds" / name
    outcome = run_feed(
        factory, settings, submit_feed(factory, settings, path, "tandab", FeedOptions())
    )
    assert outcome.status == "succeeded", outcome.message
    assert outcome.format == fmt
    assert outcome.counts["inserted"] == count
    assert all(e["severity"] == "warning" for e in outcome.errors)
    with factory() as s:
        assert s.scalar(select(func.count()).select_from(Offer)) == count
        offer = s.scalar(select(Offer).where(Offer.sku == sku))
        assert offer is not None
        assert offer.price == Decimal(price)
        assert offer.stock_status == stock
    again = run_feed(
        factory, settings, submit_feed(factory, settings, path, "tandab", FeedOptions())
    )
    assert again.counts["unchanged"] == count and again.counts["inserted"] == 0


def test_prestashop_invalid_ean_is_a_warning_not_a_key(shared_data: Path, tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "var", database_url="", environment="test")
    factory = migrated_factory(settings.sqlalchemy_url)
    add_retailer(factory)
    path = shared_data / "feeds" / "xyan-dhgb__prestashop-bash" / "products_import.csv"
    outcome = run_feed(
        factory, settings, submit_feed(factory, settings, path, "tandab", FeedOptions())
    )
    gtin_warnings = [e for e in outcome.errors if e["field"] == "gtin"]
    assert gtin_warnings and "1234567890123" in gtin_warnings[0]["value"]
    with factory() as s:
        assert s.scalar(select(func.count()).where(Offer.gtin.is_not(None))) == 0


def test_json_ld_examples_without_sku_and_stock_are_refused_clearly(
    shared_data: Path, tmp_path: Path
) -> None:
    settings = Settings(data_dir=tmp_path / "var", database_url="", environment="test")
    factory = migrated_factory(settings.sqlalchemy_url)
    add_retailer(factory)
    path = shared_data / "feeds" / "schemaorg__schemaorg" / "issue-4870-examples.txt"
    outcome = run_feed(
        factory, settings, submit_feed(factory, settings, path, "tandab", FeedOptions())
    )
    assert outcome.status == "rejected"
    message = outcome.message or ""
    assert "sku" in message and "stock" in message and "'gtin14'" in message


@pytest.mark.parametrize(
    "name",
    [
        "Delapro__GUDID/FULLDownload_Part177_Of_192_2025-05-01-dental.xml",
        "HenrikPilz__BMEcatConverter/new_catalog_ok.xml",
        "FriendsOfAkeneo__IcecatConnector/8806088281285-de.xml",
    ],
)
def test_manufacturer_catalogs_sent_as_feeds_are_refused_with_advice(
    name: str, shared_data: Path, tmp_path: Path
) -> None:
    settings = Settings(data_dir=tmp_path / "var", database_url="", environment="test")
    factory = migrated_factory(settings.sqlalchemy_url)
    add_retailer(factory)
    outcome = run_feed(
        factory,
        settings,
        submit_feed(factory, settings, shared_data / "feeds" / name, "tandab", FeedOptions()),
    )
    assert outcome.status == "rejected"
    assert "valbar catalog import" in (outcome.message or "")
