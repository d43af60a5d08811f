"""Every manufacturer catalog in ../shared/data/feeds, one GUDID zip end to end, the demo."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, select

from catalog.db import make_engine, migrate, session_factory, transaction
from catalog.models import Product, ProductIdentifier
from catalog.product_store import upsert_products
from catalog.records import Identifier, ProductRecord, Spec
from indexer.catalog_import import CatalogRowError, detect_catalog_format, read_catalog

pytestmark = pytest.mark.shared_data


def split(path: Path) -> tuple[list[ProductRecord], list[CatalogRowError]]:
    records: list[ProductRecord] = []
    errors: list[CatalogRowError] = []
    for item in read_catalog(path):
        if isinstance(item, CatalogRowError):
            errors.append(item)
        else:
            records.append(item)
    return records, errors


def test_delapro_gudid_part177(shared_data: Path) -> None:
    path = shared_data / "feeds/Delapro__GUDID/FULLDownload_Part177_Of_192_2025-05-01-dental.xml"
    assert detect_catalog_format(path.read_bytes()[:65536]) == "gudid"
    records, errors = split(path)
    assert (len(records), errors) == (30, [])
    first = records[0]
    assert first.source_key == "1c1d6b08-c4be-4afe-a950-0fa731a9d2c3"
    assert first.name == 'McKesson Forceps, Adson Dressing Basic SERRATED 4.75"'
    assert (first.brand, first.mpn, first.catalog_number) == ("McKesson", "43-1-771", None)
    assert first.manufacturer == "MCKESSON MEDICAL-SURGICAL INC."
    assert first.category_code == "62466"
    assert first.identifiers == [Identifier("00612479142572", "gs1", "primary")]
    assert Spec("FDA product code", "EFL") in first.specs
    avanos = next(r for r in records if r.source_key.startswith("00f4a860"))
    assert avanos.identifiers == [
        Identifier("10609038997916", "gs1", "package", 10, "00609038997919"),
        Identifier("00609038997919", "gs1", "primary"),
        Identifier("20609038997913", "gs1", "package", 4, "10609038997916"),
    ]


def test_delapro_gudid_part52(shared_data: Path) -> None:
    path = shared_data / "feeds/Delapro__GUDID/FULLDownload_Part52_Of_192_2025-05-01-dental.xml"
    records, errors = split(path)
    assert (len(records), errors) == (142, [])
    levels = Counter(i.level for r in records for i in r.identifiers)
    assert levels == {"primary": 142, "unit_of_use": 121, "package": 107}
    assert sum("discontinued" in r.extra for r in records) == 25
    wax = next(r for r in records if r.source_key == "ec0f3887-968b-450c-9b68-f61c7df29b1b")
    assert wax.name == "Hard Inlay Wax (green chunks)"
    assert (wax.mpn, wax.manufacturer) == ("5313-1", "Oculo-Plastik Inc")
    assert Spec("Weight", "454", "Gram") in wax.specs
    assert Spec("Weight", "1", "Pound") in wax.specs


def test_henrikpilz_bmecat_101_and_12(shared_data: Path) -> None:
    folder = shared_data / "feeds/HenrikPilz__BMEcatConverter"
    records, errors = split(folder / "new_catalog_ok.xml")
    assert errors == []
    assert [r.source_key for r in records] == ["UEG:54-Charlie-R", "UEG:54-Dennis-B"]
    charlie = records[0]
    assert (charlie.name, charlie.mpn, charlie.category) == (
        "Freizeithemd Charlie",
        "123-RD-67-U",
        "Hemden",
    )
    assert charlie.identifiers == [Identifier("00000087126709", "gs1", "primary")]
    assert charlie.specs == [Spec("Gewicht", "500", "g"), Spec("Farbe", "Rot")]
    assert charlie.image_urls == ["charlie.jpg"]

    records, errors = split(folder / "testCreateExcelFullDataWithCategoryTreeAndDTD.xml")
    assert errors == []
    assert len(records) == 1
    tool = records[0]
    assert tool.source_key == "13135:100.1180"
    assert tool.name.startswith("RDKS / TPMS Werkzeug-Satz")
    assert tool.manufacturer == "KS Tools"
    assert tool.category == "Reifendruck-Kontrollsystem-Sätze"
    assert tool.identifiers == [Identifier("04042146228586", "gs1", "primary")]
    assert Spec("Breite B", "188.0", "mm") in tool.specs
    assert len(tool.specs) == 9
    assert len(tool.image_urls) == 9


def test_stephanstapel_bmecat_2005(shared_data: Path) -> None:
    path = shared_data / "feeds/stephanstapel__BMECat.net/WEI_BMECat_1609801044.xml"
    records, errors = split(path)
    assert errors == []
    (rec,) = records
    assert rec.source_key == "1:1609801044"
    assert rec.name == "Terminal marking"
    assert (rec.mpn, rec.manufacturer) == ("1609801044", "Weidmueller Group")
    assert rec.identifiers == [Identifier("04008190397111", "gs1", "primary")]
    assert Spec("Herstellerproduktbezeichnung", "DEK 5/5 MC NE WS") in rec.specs
    assert len(rec.specs) == 43


def test_friendsofakeneo_icecat(shared_data: Path) -> None:
    path = shared_data / "feeds/FriendsOfAkeneo__IcecatConnector/8806088281285-de.xml"
    records, errors = split(path)
    assert errors == []
    (rec,) = records
    assert rec.source_key == "31040076"
    assert rec.name == "Samsung Galaxy S7 SM-G930F Single SIM 4G 32GB Schwarz"
    assert (rec.mpn, rec.brand, rec.category) == ("SM-G930FZKAPHN", "Samsung", "Smartphones")
    assert rec.identifiers == [Identifier("08806088281285", "gs1", "primary")]
    assert rec.specs[0] == Spec("Bildschirmdiagonale", "12,9 cm (5.1 Zoll)")
    assert len(rec.specs) == 139
    assert len(rec.image_urls) == 6


@pytest.mark.slow
def test_gudid_zip_end_to_end_into_sqlite(shared_data: Path, tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'gudid.db'}")
    migrate(engine)
    factory = session_factory(engine)
    zip_path = shared_data / "gudid" / "Dental-xml6.zip"
    records, errors = split(zip_path)
    assert (len(records), errors) == (1692, [])
    assert records[0].source_key == "dad53c74-f93f-4304-85c1-23f52862ddd9"
    with transaction(factory) as session:
        first = upsert_products(session, records)
    assert (first.inserted, first.updated, first.unchanged, first.errors) == (1692, 0, 0, [])
    with transaction(factory) as session:
        again = upsert_products(session, split(zip_path)[0])
        assert (again.inserted, again.updated, again.unchanged) == (0, 0, 1692)
        assert session.scalar(select(func.count()).select_from(Product)) == 1692
        assert session.scalar(select(func.count()).select_from(ProductIdentifier)) == 2943
        brackets = session.scalar(
            select(func.count())
            .select_from(Product)
            .where(Product.category == "Orthodontic bracket, ceramic")
        )
        assert brackets == 601
    engine.dispose()
