"""Manufacturer catalog import: GUDID, BMEcat, Icecat, CSV and Valbar JSONL -> ProductRecord.

Pure readers yield :class:`~catalog.records.ProductRecord` and :class:`CatalogRowError`;
:func:`catalog.product_store.upsert_products` is the I/O step that stores them.
"""

from __future__ import annotations

from indexer.catalog_import.detect import FORMATS, detect_catalog_format, read_catalog
from indexer.catalog_import.errors import CatalogFormatError, CatalogRowError
from indexer.catalog_import.sources import CatalogSource, iter_catalog_files

__all__ = [
    "FORMATS",
    "CatalogFormatError",
    "CatalogRowError",
    "CatalogSource",
    "detect_catalog_format",
    "iter_catalog_files",
    "read_catalog",
]
