"""Icecat reader: attributes, nested related products, remote DOCTYPE never fetched."""

from __future__ import annotations

import io

from catalog.records import Identifier, ProductRecord, Spec
from indexer.catalog_import.errors import CatalogRowError
from indexer.catalog_import.icecat import read_icecat

ICECAT = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE ICECAT-interface SYSTEM "http://data.icecat.biz/dtd/ICECAT-interface_response.dtd">
<ICECAT-interface>
  <Product Code="1" ID="42" Prod_id="KAV-7" Name="Kavo 7" Title="KaVo Winkelstück 7"
      HighPic="http://img/42.jpg" ReleaseDate="2020-01-02">
    <Category ID="77"><Name ID="1" langid="4" Value="Winkelstücke"/></Category>
    <EANCode EAN="4008190397111"/>
    <EANCode EAN="4008190397112"/>
    <EAN_UPCS><EAN_UPC Value="87126709"/></EAN_UPCS>
    <ProductFeature Presentation_Value="12,9 cm (5.1 Zoll)" Value="5.1">
      <Feature ID="944"><Name ID="2" langid="4" Value="Länge"/></Feature>
    </ProductFeature>
    <ProductGallery>
      <ProductPicture Pic="http://img/42.jpg" Type="ProductImage"/>
      <ProductPicture Pic="http://img/42b.jpg" Type="ProductImage"/>
      <ProductPicture Pic="http://img/logo.png" Type="FeatureLogo"/>
    </ProductGallery>
    <ProductRelated ID="5"><Product ID="43" Prod_id="X" Name="Related">
      <Supplier ID="9" Name="Other"/></Product></ProductRelated>
    <SummaryDescription><LongSummaryDescription langid="4">Ein Winkelstück.
    </LongSummaryDescription></SummaryDescription>
    <Supplier ID="26" Name="KaVo"/>
  </Product>
</ICECAT-interface>"""


def test_icecat_product_from_attributes() -> None:
    items = list(read_icecat(io.BytesIO(ICECAT.encode()), "p.xml"))
    records = [i for i in items if isinstance(i, ProductRecord)]
    assert len(records) == 1  # the related product is a reference, not a product
    rec = records[0]
    assert rec.source == "icecat"
    assert rec.source_key == "42"
    assert rec.name == "KaVo Winkelstück 7"
    assert rec.mpn == "KAV-7"
    assert rec.brand == rec.manufacturer == "KaVo"
    assert rec.category == "Winkelstücke"
    assert rec.category_code == "77"
    assert rec.identifiers == [
        Identifier("04008190397111", "gs1", "primary"),
        Identifier("00000087126709", "gs1", "primary"),
    ]
    assert rec.specs == [Spec("Länge", "12,9 cm (5.1 Zoll)")]
    assert rec.image_urls == ["http://img/42.jpg", "http://img/42b.jpg"]
    assert rec.description == "Ein Winkelstück."
    assert rec.extra["release_date"] == "2020-01-02"
    errors = [i for i in items if isinstance(i, CatalogRowError)]
    assert [(e.record, e.field) for e in errors] == [("42", "EAN")]


def test_icecat_error_response_is_a_row_error() -> None:
    doc = b'<ICECAT-interface><Product Code="-1" ErrorMessage="not found"/></ICECAT-interface>'
    items = list(read_icecat(io.BytesIO(doc), "e.xml"))
    assert items == [CatalogRowError("e.xml", "?", "Product", "not found")]
