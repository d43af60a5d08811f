"""Errors of the manufacturer catalog import: per-record problems and unreadable files."""

from __future__ import annotations

from dataclasses import dataclass

from indexer.errors import FeedFormatError
from indexer.messages import Message


@dataclass(frozen=True, slots=True)
class CatalogRowError:
    """One problem with one record; the record itself may still have been imported.

    ``record`` names the record within the file (GUDID record key, SUPPLIER_AID, CSV row).
    """

    file: str
    record: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file} [{self.record}] {self.field}: {self.message}"


class CatalogFormatError(FeedFormatError):
    """A catalog file that cannot be read: unknown format, malformed XML, missing columns.

    A manufacturer catalog is imported from the command line (``valbar catalog import``),
    never by a feed run: its reason is English (``file.catalog_unreadable``)."""

    def __init__(self, reason: str, *, file: str | None = None, row: int | None = None) -> None:
        super().__init__(Message("file.catalog_unreadable", reason=reason), file=file, row=row)
