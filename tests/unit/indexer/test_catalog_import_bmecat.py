"""BMEcat reader: 1.01 with DOCTYPE subset, 2005 namespaced, bad EANs, unsafe XML."""

from __future__ import annotations

import io

import pytest

from catalog.records import Identifier, ProductRecord, Spec
from indexer.catalog_import.bmecat import html_to_text, read_bmecat
from indexer.catalog_import.errors import CatalogRowError
from indexer.errors import UnsafeXmlError

BMECAT_101 = b"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE BMECAT SYSTEM "bmecat_new_catalog.dtd" [
  <!ENTITY % USERDEFINES "(UDX.ROOM?)">
  <!ELEMENT UDX.ROOM (#PCDATA)>
]>
<BMECAT version="1.01">
  <HEADER>
    <CATALOG><LANGUAGE>DEU</LANGUAGE><CATALOG_ID>C-1</CATALOG_ID></CATALOG>
    <SUPPLIER><SUPPLIER_ID type="supplier_specific">DENTA</SUPPLIER_ID>
      <SUPPLIER_NAME>Denta GmbH</SUPPLIER_NAME></SUPPLIER>
  </HEADER>
  <T_NEW_CATALOG>
    <CATALOG_GROUP_SYSTEM>
      <CATALOG_STRUCTURE type="leaf"><GROUP_ID>7</GROUP_ID>
        <GROUP_NAME>Abdruckmaterial</GROUP_NAME><PARENT_ID>0</PARENT_ID></CATALOG_STRUCTURE>
    </CATALOG_GROUP_SYSTEM>
    <ARTICLE>
      <SUPPLIER_AID>A-100</SUPPLIER_AID>
      <ARTICLE_DETAILS>
        <DESCRIPTION_SHORT>Silikon Abformmasse</DESCRIPTION_SHORT>
        <DESCRIPTION_LONG>&lt;p&gt;Sehr &lt;b&gt;pr\xc3\xa4zise&lt;/b&gt;
          &lt;/p&gt;</DESCRIPTION_LONG>
        <EAN>87126709</EAN>
        <MANUFACTURER_AID>SIL-9</MANUFACTURER_AID>
        <MANUFACTURER_NAME>Denta Werke</MANUFACTURER_NAME>
      </ARTICLE_DETAILS>
      <ARTICLE_FEATURES>
        <FEATURE><FNAME>Gewicht</FNAME><FVALUE>1,5</FVALUE><FUNIT>kg</FUNIT></FEATURE>
        <FEATURE><FNAME>Farbe</FNAME><FVALUE>Blau</FVALUE></FEATURE>
      </ARTICLE_FEATURES>
      <ARTICLE_PRICE_DETAILS><ARTICLE_PRICE price_type="net_customer">
        <PRICE_AMOUNT>17,23</PRICE_AMOUNT><PRICE_CURRENCY>DEM</PRICE_CURRENCY><TAX>16</TAX>
      </ARTICLE_PRICE></ARTICLE_PRICE_DETAILS>
      <MIME_INFO>
        <MIME><MIME_TYPE>image/jpeg</MIME_TYPE><MIME_SOURCE>a100.jpg</MIME_SOURCE></MIME>
        <MIME><MIME_TYPE>application/pdf</MIME_TYPE><MIME_SOURCE>a100.pdf</MIME_SOURCE></MIME>
      </MIME_INFO>
    </ARTICLE>
    <ARTICLE>
      <SUPPLIER_AID>A-200</SUPPLIER_AID>
      <ARTICLE_DETAILS>
        <DESCRIPTION_SHORT>Abformloeffel</DESCRIPTION_SHORT>
        <EAN>1234567890123</EAN>
      </ARTICLE_DETAILS>
    </ARTICLE>
    <ARTICLE_TO_CATALOGGROUP_MAP><ART_ID>A-100</ART_ID><CATALOG_GROUP_ID>7</CATALOG_GROUP_ID>
    </ARTICLE_TO_CATALOGGROUP_MAP>
  </T_NEW_CATALOG>
</BMECAT>"""

BMECAT_2005 = b"""<?xml version="1.0" encoding="UTF-8"?>
<BMECAT version="2005" xmlns="http://www.bmecat.org/bmecat/2005">
  <HEADER><CATALOG><LANGUAGE>deu</LANGUAGE><CATALOG_ID>9</CATALOG_ID></CATALOG>
    <SUPPLIER><SUPPLIER_NAME>Weid</SUPPLIER_NAME></SUPPLIER></HEADER>
  <T_NEW_CATALOG>
    <PRODUCT>
      <SUPPLIER_PID>P-1</SUPPLIER_PID>
      <PRODUCT_DETAILS>
        <DESCRIPTION_SHORT lang="deu">Klemme</DESCRIPTION_SHORT>
        <DESCRIPTION_SHORT lang="eng">Terminal</DESCRIPTION_SHORT>
        <INTERNATIONAL_PID type="gtin">4008190397111</INTERNATIONAL_PID>
        <INTERNATIONAL_PID type="gtin">4008190397112</INTERNATIONAL_PID>
        <MANUFACTURER_PID>M-1</MANUFACTURER_PID>
        <MANUFACTURER_NAME>Weid Group</MANUFACTURER_NAME>
      </PRODUCT_DETAILS>
      <PRODUCT_FEATURES>
        <FEATURE><FTEMPLATE><FT_NAME>Breite</FT_NAME><FT_UNIT>mm</FT_UNIT></FTEMPLATE>
          <FVALUE>4.9</FVALUE></FEATURE>
        <FEATURE><FTEMPLATE><FT_NAME>Konstruktion</FT_NAME></FTEMPLATE>
          <FVALUE_DETAILS>Konstruktion</FVALUE_DETAILS></FEATURE>
        <FEATURE_GROUP><FEATURE><FTEMPLATE><FT_NAME>Typ</FT_NAME></FTEMPLATE>
          <FVALUE lang="deu">Klemme</FVALUE><FVALUE lang="eng">Terminal</FVALUE></FEATURE>
        </FEATURE_GROUP>
      </PRODUCT_FEATURES>
    </PRODUCT>
  </T_NEW_CATALOG>
</BMECAT>"""


def read(data: bytes) -> list[ProductRecord | CatalogRowError]:
    return list(read_bmecat(io.BytesIO(data), "cat.xml"))


def test_bmecat_101_with_param_entity_doctype_is_read() -> None:
    items = read(BMECAT_101)
    records = [i for i in items if isinstance(i, ProductRecord)]
    assert [r.source_key for r in records] == ["DENTA:A-100", "DENTA:A-200"]
    first = records[0]
    assert first.name == "Silikon Abformmasse"
    assert first.description == "Sehr präzise"
    assert first.manufacturer == "Denta Werke"
    assert first.mpn == "SIL-9"
    assert first.catalog_number == "A-100"
    assert first.category == "Abdruckmaterial"
    assert first.category_code == "7"
    assert first.identifiers == [Identifier("00000087126709", "gs1", "primary")]
    assert first.specs == [Spec("Gewicht", "1,5", "kg"), Spec("Farbe", "Blau")]
    assert first.image_urls == ["a100.jpg"]
    second = records[1]
    assert second.identifiers == []
    assert second.manufacturer == "Denta GmbH"  # falls back to the supplier
    errors = [i for i in items if isinstance(i, CatalogRowError)]
    assert [(e.record, e.field) for e in errors] == [("A-200", "EAN")]


def test_bmecat_2005_namespaced_prefers_english_and_validates_every_gtin() -> None:
    items = read(BMECAT_2005)
    rec = next(i for i in items if isinstance(i, ProductRecord))
    assert rec.source_key == "Weid:P-1"
    assert rec.name == "Terminal"
    assert rec.mpn == "M-1"
    assert rec.identifiers == [Identifier("04008190397111", "gs1", "primary")]
    assert rec.specs == [Spec("Breite", "4.9", "mm"), Spec("Typ", "Terminal")]
    errors = [i for i in items if isinstance(i, CatalogRowError)]
    assert [(e.field, "check digit" in e.message) for e in errors] == [("INTERNATIONAL_PID", True)]


def test_general_entities_are_refused() -> None:
    laughs = BMECAT_101.replace(
        b'<!ENTITY % USERDEFINES "(UDX.ROOM?)">',
        b'<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">',
    ).replace(b"Silikon Abformmasse", b"&lol2;")
    with pytest.raises(UnsafeXmlError):
        read(laughs)
    xxe = BMECAT_2005.replace(
        b"<BMECAT version",
        b'<!DOCTYPE BMECAT [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n<BMECAT version',
    ).replace(b"Terminal</DESCRIPTION_SHORT>", b"&xxe;</DESCRIPTION_SHORT>")
    with pytest.raises(UnsafeXmlError):
        read(xxe)


def test_html_to_text() -> None:
    assert (
        html_to_text("&lt;ul&gt;&lt;li&gt;a&lt;/li&gt;&lt;li&gt;b&amp;amp;c&lt;/li&gt;") == "a b&c"
    )
    assert html_to_text("   ") is None
