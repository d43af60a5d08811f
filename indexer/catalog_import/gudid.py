"""FDA GUDID device XML (AccessGUDID full/delta release) -> ProductRecord.

One ``<device>`` per product, streamed with iterparse (files are up to ~20 MB each, the
dental subset ~1 GB in all). Namespaces are ignored (each device declares its own default
namespace); ``xsi:nil="true"`` reads as missing.

Decisions:

* Only ``deviceRecordStatus == Published`` records are products. Other statuses
  (``Deactivated`` ...) are not imported unless ``include_unpublished=True``; each skipped
  record yields a :class:`CatalogRowError` on field ``deviceRecordStatus`` so the count
  shows in the import report.
* A commercial distribution end date goes to ``extra["discontinued"]`` (ISO date); the
  distribution status text to ``extra["distribution_status"]``.
* GS1 device identifiers are kept as 14 digits; one failing the check digit is reported as
  a row error and left out. HIBCC / ICCBBA values are kept as given.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO

from lxml import etree

from catalog.gtin import gtin14, gtin_problem
from catalog.records import Identifier, ProductRecord, Spec
from indexer.catalog_import.errors import CatalogRowError
from indexer.catalog_import.xmlstream import (
    XSI_NIL,
    child,
    child_text,
    children,
    iter_elements,
    text,
)

SOURCE = "gudid"
MAX_NAME_CHARS = 160
_AGENCY = {"GS1": "gs1", "HIBCC": "hibcc", "ICCBBA": "iccbba"}
_SIMPLE_FIELDS = frozenset(
    {
        "publicDeviceRecordKey",
        "deviceRecordStatus",
        "deviceCommDistributionEndDate",
        "deviceCommDistributionStatus",
        "brandName",
        "versionModelNumber",
        "catalogNumber",
        "dunsNumber",
        "companyName",
        "deviceCount",
        "deviceDescription",
        "deviceKit",
        "singleUse",
        "labeledContainsNRL",
        "labeledNoNRL",
        "MRISafetyStatus",
        "rx",
        "otc",
        "publicVersionDate",
    }
)


def id_level(device_id_type: str | None) -> str:
    """``Unit of Use`` -> ``unit_of_use``; missing -> ``primary``."""
    if not device_id_type:
        return "primary"
    return "_".join(device_id_type.lower().split())


def _yes_no(value: str | None) -> str | None:
    if value is None:
        return None
    low = value.lower()
    if low == "true":
        return "yes"
    if low == "false":
        return "no"
    return value


def _truncate(value: str, limit: int) -> str:
    if len(value) <= limit:
        return value
    cut = value[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,;:-")
    return cut + "…"


def product_name(brand: str | None, description: str | None, gmdn_term: str | None) -> str:
    """A readable product name: brand + description (or the GMDN term when there is none).

    The brand is not repeated when the description already starts with it.
    """
    body = description or gmdn_term or ""
    if brand and body.lower().startswith(brand.lower()):
        name = body
    elif brand and body:
        name = f"{brand} {body}"
    else:
        name = brand or body
    return _truncate(" ".join(name.split()), MAX_NAME_CHARS)


def _identifiers(
    node: etree._Element, file: str, key: str, errors: list[CatalogRowError]
) -> list[Identifier]:
    found: list[Identifier] = []
    seen: set[tuple[str, str]] = set()
    for _local, ident in children(node):
        raw = child_text(ident, "deviceId")
        if raw is None:
            continue
        agency = child_text(ident, "deviceIdIssuingAgency") or ""
        scheme = _AGENCY.get(agency.upper(), "other")
        contains = child_text(ident, "containsDINumber")
        value: str | None = raw
        if scheme == "gs1":
            value = gtin14(raw)
            if value is None:
                errors.append(CatalogRowError(file, key, "deviceId", gtin_problem(raw)))
                continue
            if contains is not None:
                contains = gtin14(contains) or contains
        if value is None or (scheme, value) in seen:
            continue
        seen.add((scheme, value))
        qty = child_text(ident, "pkgQuantity")
        found.append(
            Identifier(
                value=value,
                scheme=scheme,
                level=id_level(child_text(ident, "deviceIdType")),
                pkg_quantity=int(qty) if qty and qty.isdigit() else None,
                contains=contains,
            )
        )
    return found


def _size_specs(node: etree._Element) -> list[Spec]:
    specs: list[Spec] = []
    for _local, size in children(node):
        size_type = child_text(size, "sizeType") or "Size"
        measure = child(size, "size")
        size_text = child_text(size, "sizeText")
        if measure is not None and measure.get(XSI_NIL) != "true" and measure.get("value"):
            specs.append(Spec(size_type, measure.get("value", ""), measure.get("unit") or None))
        elif size_text:
            name = "Size" if size_type.lower().startswith("device size text") else size_type
            specs.append(Spec(name, size_text))
    return specs


def _sterilization_specs(node: etree._Element) -> list[Spec]:
    specs: list[Spec] = []
    sterile = _yes_no(child_text(node, "deviceSterile"))
    if sterile:
        specs.append(Spec("Sterile", sterile))
    before = _yes_no(child_text(node, "sterilizationPriorToUse"))
    if before:
        specs.append(Spec("Sterilize before use", before))
    methods = child(node, "methodTypes")
    if methods is not None:
        for _local, method in children(methods):
            value = text(method)
            if value:
                specs.append(Spec("Sterilization method", value))
    return specs


def parse_device(
    device: etree._Element, file: str, *, include_unpublished: bool = False
) -> list[ProductRecord | CatalogRowError]:
    """One ``<device>`` element -> its record (if Published) and any row errors."""
    fields: dict[str, str | None] = {}
    errors: list[CatalogRowError] = []
    identifiers: list[Identifier] = []
    sizes: list[Spec] = []
    sterilization: list[Spec] = []
    product_codes: list[Spec] = []
    gmdn_term: str | None = None
    gmdn_code: str | None = None
    key = "?"
    for local, node in children(device):
        if local in _SIMPLE_FIELDS:
            fields[local] = text(node)
            if local == "publicDeviceRecordKey":
                key = fields[local] or "?"
        elif local == "identifiers":
            identifiers = _identifiers(node, file, key, errors)
        elif local == "deviceSizes":
            sizes = _size_specs(node)
        elif local == "sterilization":
            sterilization = _sterilization_specs(node)
        elif local == "gmdnTerms":
            first = child(node, "gmdn")
            if first is not None:
                gmdn_term = child_text(first, "gmdnPTName")
                gmdn_code = child_text(first, "gmdnCode")
        elif local == "productCodes":
            for _pc_local, code in children(node):
                code_value = child_text(code, "productCode")
                if code_value:
                    product_codes.append(Spec("FDA product code", code_value))
                    code_name = child_text(code, "productCodeName")
                    if code_name:
                        product_codes.append(Spec("FDA product code name", code_name))
    if fields.get("publicDeviceRecordKey") is None:
        return [CatalogRowError(file, "?", "publicDeviceRecordKey", "device without record key")]
    status = fields.get("deviceRecordStatus") or "Published"
    if status != "Published" and not include_unpublished:
        errors.append(
            CatalogRowError(file, key, "deviceRecordStatus", f"status {status!r}: not imported")
        )
        return list(errors)

    specs: list[Spec] = [*sizes, *product_codes, *sterilization]
    for field_name, label in (
        ("MRISafetyStatus", "MRI safety"),
        ("rx", "Prescription (Rx)"),
        ("otc", "Over the counter"),
        ("singleUse", "Single use"),
        ("deviceKit", "Kit"),
        ("deviceCount", "Device count"),
    ):
        value = fields.get(field_name)
        if value is not None:
            specs.append(Spec(label, _yes_no(value) or value))
    if fields.get("labeledContainsNRL") == "true":
        specs.append(Spec("Latex", "contains natural rubber latex"))
    elif fields.get("labeledNoNRL") == "true":
        specs.append(Spec("Latex", "not made with natural rubber latex"))

    extra: dict[str, str] = {}
    if status != "Published":
        extra["record_status"] = status
    if fields.get("deviceCommDistributionEndDate"):
        extra["discontinued"] = fields["deviceCommDistributionEndDate"] or ""
    if fields.get("deviceCommDistributionStatus"):
        extra["distribution_status"] = fields["deviceCommDistributionStatus"] or ""
    if fields.get("publicVersionDate"):
        extra["version_date"] = fields["publicVersionDate"] or ""

    brand = fields.get("brandName")
    description = fields.get("deviceDescription")
    record = ProductRecord(
        source=SOURCE,
        source_key=key,
        name=product_name(brand, description, gmdn_term) or fields.get("versionModelNumber") or key,
        manufacturer=fields.get("companyName"),
        brand=brand,
        mpn=fields.get("versionModelNumber"),
        catalog_number=fields.get("catalogNumber"),
        description=description,
        category=gmdn_term,
        category_code=gmdn_code,
        identifiers=identifiers,
        specs=specs,
        duns=fields.get("dunsNumber"),
        extra=extra,
    )
    return [record, *errors]


def read_gudid(
    stream: IO[bytes], file: str, *, include_unpublished: bool = False
) -> Iterator[ProductRecord | CatalogRowError]:
    """Stream a GUDID device XML file: records and row errors in document order."""
    for device in iter_elements(stream, {"device"}, file):
        yield from parse_device(device, file, include_unpublished=include_unpublished)
        device.clear()
