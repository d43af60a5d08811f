"""GUDID reader: inline device XML (namespaces, xsi:nil, packaging levels, bad GTINs)."""

from __future__ import annotations

import io

import pytest

from catalog.records import Identifier, ProductRecord, Spec
from indexer.catalog_import.errors import CatalogFormatError, CatalogRowError
from indexer.catalog_import.gudid import id_level, product_name, read_gudid

NS = 'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns="http://www.fda.gov/cdrh/gudid"'


def device(
    key: str = "k-1",
    *,
    status: str = "Published",
    brand: str = "<brandName>Acme</brandName>",
    description: str = "<deviceDescription>Diamond bur, round, FG 012</deviceDescription>",
    identifiers: str = "",
    end_date: str = '<deviceCommDistributionEndDate xsi:nil="true" />',
    extra: str = "",
) -> str:
    ids = identifiers or (
        "<identifier><deviceId>00612479142572</deviceId><deviceIdType>Primary</deviceIdType>"
        "<deviceIdIssuingAgency>GS1</deviceIdIssuingAgency>"
        '<containsDINumber xsi:nil="true" /><pkgQuantity xsi:nil="true" /></identifier>'
    )
    return f"""
  <device {NS}>
    <publicDeviceRecordKey>{key}</publicDeviceRecordKey>
    <deviceRecordStatus>{status}</deviceRecordStatus>
    {end_date}
    <deviceCommDistributionStatus>In Commercial Distribution</deviceCommDistributionStatus>
    <identifiers>{ids}</identifiers>
    {brand}
    <versionModelNumber>801-012</versionModelNumber>
    <catalogNumber xsi:nil="true" />
    <dunsNumber>023904428</dunsNumber>
    <companyName>ACME DENTAL INC.</companyName>
    <deviceCount>5</deviceCount>
    {description}
    <labeledContainsNRL>false</labeledContainsNRL>
    <labeledNoNRL>true</labeledNoNRL>
    <MRISafetyStatus>Labeling does not contain MRI Safety Information</MRISafetyStatus>
    <rx>true</rx>
    <otc>false</otc>
    <gmdnTerms><gmdn><gmdnCode>35928</gmdnCode>
      <gmdnPTName>Diamond dental bur, reusable</gmdnPTName></gmdn></gmdnTerms>
    <productCodes><fdaProductCode><productCode>EJL</productCode>
      <productCodeName>Bur, Dental</productCodeName></fdaProductCode></productCodes>
    <deviceSizes>
      <deviceSize><sizeType>Weight</sizeType><size value="454" unit="Gram" />
        <sizeText xsi:nil="true" /></deviceSize>
      <deviceSize><sizeType>Weight</sizeType><size value="1" unit="Pound" />
        <sizeText xsi:nil="true" /></deviceSize>
      <deviceSize><sizeType>Device Size Text, specify</sizeType><size xsi:nil="true" />
        <sizeText>ISO 012</sizeText></deviceSize>
    </deviceSizes>
    <sterilization><deviceSterile>false</deviceSterile>
      <sterilizationPriorToUse>true</sterilizationPriorToUse>
      <methodTypes><sterilizationMethod>Moist Heat or Steam Sterilization</sterilizationMethod>
      </methodTypes></sterilization>
    {extra}
  </device>"""


def read(*devices: str, bom: bool = False) -> list[ProductRecord | CatalogRowError]:
    doc = '<?xml version="1.0" encoding="UTF-8"?>\n<devices>' + "".join(devices) + "</devices>"
    data = doc.encode("utf-8")
    if bom:
        data = b"\xef\xbb\xbf" + data
    return list(read_gudid(io.BytesIO(data), "test.xml"))


def only_record(items: list[ProductRecord | CatalogRowError]) -> ProductRecord:
    records = [i for i in items if isinstance(i, ProductRecord)]
    assert len(records) == 1
    return records[0]


def test_fields_and_specs_of_one_device_with_bom() -> None:
    rec = only_record(read(device(), bom=True))
    assert rec.source == "gudid"
    assert rec.source_key == "k-1"
    assert rec.brand == "Acme"
    assert rec.mpn == "801-012"
    assert rec.catalog_number is None  # xsi:nil
    assert rec.manufacturer == "ACME DENTAL INC."
    assert rec.duns == "023904428"
    assert rec.name == "Acme Diamond bur, round, FG 012"
    assert rec.category == "Diamond dental bur, reusable"
    assert rec.category_code == "35928"
    assert rec.identifiers == [Identifier("00612479142572", "gs1", "primary", None, None)]
    specs = set(rec.specs)
    assert Spec("Weight", "454", "Gram") in specs
    assert Spec("Weight", "1", "Pound") in specs
    assert Spec("Size", "ISO 012") in specs
    assert Spec("FDA product code", "EJL") in specs
    assert Spec("FDA product code name", "Bur, Dental") in specs
    assert Spec("Sterile", "no") in specs
    assert Spec("Sterilization method", "Moist Heat or Steam Sterilization") in specs
    assert Spec("Prescription (Rx)", "yes") in specs
    assert Spec("Latex", "not made with natural rubber latex") in specs
    assert Spec("Device count", "5") in specs
    assert "discontinued" not in rec.extra


def test_packaging_hierarchy_levels_and_gtin14() -> None:
    ids = """
      <identifier><deviceId>10609038997916</deviceId><deviceIdType>Package</deviceIdType>
        <deviceIdIssuingAgency>GS1</deviceIdIssuingAgency>
        <containsDINumber>00609038997919</containsDINumber><pkgQuantity>10</pkgQuantity>
      </identifier>
      <identifier><deviceId>00609038997919</deviceId><deviceIdType>Primary</deviceIdType>
        <deviceIdIssuingAgency>GS1</deviceIdIssuingAgency>
        <containsDINumber xsi:nil="true" /><pkgQuantity xsi:nil="true" /></identifier>
      <identifier><deviceId>609038997926</deviceId><deviceIdType>Unit of Use</deviceIdType>
        <deviceIdIssuingAgency>GS1</deviceIdIssuingAgency></identifier>
      <identifier><deviceId>+H123ABC1230</deviceId><deviceIdType>Previous</deviceIdType>
        <deviceIdIssuingAgency>HIBCC</deviceIdIssuingAgency></identifier>"""
    rec = only_record(read(device(identifiers=ids)))
    assert rec.identifiers == [
        Identifier("10609038997916", "gs1", "package", 10, "00609038997919"),
        Identifier("00609038997919", "gs1", "primary", None, None),
        Identifier("00609038997926", "gs1", "unit_of_use", None, None),
        Identifier("+H123ABC1230", "hibcc", "previous", None, None),
    ]
    assert rec.primary_gtin == "00609038997919"


def test_bad_gtin_is_a_row_error_not_an_identifier() -> None:
    ids = """
      <identifier><deviceId>00612479142573</deviceId><deviceIdType>Primary</deviceIdType>
        <deviceIdIssuingAgency>GS1</deviceIdIssuingAgency></identifier>"""
    items = read(device(identifiers=ids))
    rec = only_record(items)
    assert rec.identifiers == []
    errors = [i for i in items if isinstance(i, CatalogRowError)]
    assert [(e.record, e.field) for e in errors] == [("k-1", "deviceId")]
    assert "check digit" in errors[0].message


def test_unpublished_skipped_with_error_or_kept_on_request() -> None:
    doc = device("gone", status="Deactivated")
    items = read(doc)
    assert all(isinstance(i, CatalogRowError) for i in items)
    assert items[0] == CatalogRowError(
        "test.xml", "gone", "deviceRecordStatus", "status 'Deactivated': not imported"
    )
    data = f"<devices>{doc}</devices>".encode()
    kept = list(read_gudid(io.BytesIO(data), "t.xml", include_unpublished=True))
    assert only_record(kept).extra["record_status"] == "Deactivated"


def test_discontinued_and_name_fallback_to_gmdn_term() -> None:
    rec = only_record(
        read(
            device(
                end_date="<deviceCommDistributionEndDate>2023-06-30</deviceCommDistributionEndDate>",
                description='<deviceDescription xsi:nil="true" />',
            )
        )
    )
    assert rec.extra["discontinued"] == "2023-06-30"
    assert rec.name == "Acme Diamond dental bur, reusable"
    assert rec.description is None


def test_unnamespaced_devices_and_several_records_stream_in_order() -> None:
    plain = device("a").replace(f" {NS}", ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"')
    items = read(plain, device("b"), device("c"))
    assert [i.source_key for i in items if isinstance(i, ProductRecord)] == ["a", "b", "c"]


def test_product_name_rules() -> None:
    assert product_name("Acme", "Acme bur 012", None) == "Acme bur 012"
    assert product_name(None, "  bur\n 012 ", None) == "bur 012"
    assert product_name("Acme", None, "Dental mirror") == "Acme Dental mirror"
    long = product_name("B", "word " * 100, None)
    assert len(long) <= 160
    assert long.endswith("…")
    assert id_level("Unit of Use") == "unit_of_use"
    assert id_level(None) == "primary"


def test_malformed_xml_is_a_catalog_format_error() -> None:
    with pytest.raises(CatalogFormatError):
        list(read_gudid(io.BytesIO(b"<devices><device><publicDeviceRecordKey>x"), "bad.xml"))
