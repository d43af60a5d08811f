"""Valbar's own catalog format: one JSON ProductRecord per line (optionally gzipped).

Used for the compact demo catalog (``data/demo/gudid_dental_demo.jsonl.gz``). The JSON
object mirrors :class:`catalog.records.ProductRecord`; ``identifiers`` and ``specs`` are
lists of objects with the dataclass field names. Unknown keys are ignored.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import asdict
from typing import IO, Any

from catalog.records import Identifier, ProductRecord, Spec
from indexer.catalog_import.errors import CatalogRowError

FORMAT = "valbar_jsonl"
_SCALARS = (
    "manufacturer",
    "brand",
    "mpn",
    "catalog_number",
    "description",
    "category",
    "category_code",
    "duns",
)


def record_to_json(record: ProductRecord) -> str:
    """One compact JSON line for ``record`` (None values and empty lists left out)."""
    data = {k: v for k, v in asdict(record).items() if v not in (None, [], {})}
    data["identifiers"] = [
        {k: v for k, v in asdict(i).items() if v is not None} for i in record.identifiers
    ]
    data["specs"] = [{k: v for k, v in asdict(s).items() if v is not None} for s in record.specs]
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def _opt_str(data: dict[str, Any], key: str) -> str | None:
    value = data.get(key)
    return str(value) if value is not None else None


def record_from_json(data: dict[str, Any]) -> ProductRecord:
    """Inverse of :func:`record_to_json`; raises KeyError/TypeError/ValueError when invalid."""
    identifiers = [
        Identifier(
            value=str(i["value"]),
            scheme=str(i.get("scheme", "gs1")),
            level=str(i.get("level", "primary")),
            pkg_quantity=int(i["pkg_quantity"]) if i.get("pkg_quantity") is not None else None,
            contains=_opt_str(i, "contains"),
        )
        for i in data.get("identifiers", [])
    ]
    specs = [
        Spec(str(s["name"]), str(s["value"]), _opt_str(s, "unit")) for s in data.get("specs", [])
    ]
    scalars = {k: _opt_str(data, k) for k in _SCALARS}
    return ProductRecord(
        source=str(data["source"]),
        source_key=str(data["source_key"]),
        name=str(data["name"]),
        identifiers=identifiers,
        specs=specs,
        image_urls=[str(u) for u in data.get("image_urls", [])],
        extra={str(k): str(v) for k, v in dict(data.get("extra", {})).items()},
        **scalars,
    )


def read_valbar_jsonl(stream: IO[bytes], file: str) -> Iterator[ProductRecord | CatalogRowError]:
    """Stream records; a line that is not a valid record is a row error."""
    for line_no, raw in enumerate(stream, start=1):
        line = raw.strip()
        if not line:
            continue
        try:
            data = json.loads(line)
            if not isinstance(data, dict):
                raise TypeError("not a JSON object")
            yield record_from_json(data)
        except (ValueError, KeyError, TypeError) as exc:
            yield CatalogRowError(file, f"line {line_no}", "json", f"{type(exc).__name__}: {exc}")
