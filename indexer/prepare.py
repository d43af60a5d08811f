"""The pure half of ingestion: file -> detected format, column mapping, normalized offers, errors.

Nothing here touches the database or the search engine; the result is what a dry run shows and
what :mod:`indexer.store` writes.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from indexer.columns import ColumnMapping, detect_mapping, require_complete
from indexer.feeds import read_feed
from indexer.records import OfferRecord, RowError
from indexer.rows import dedupe_skus, normalize_row, row_sku

ProgressFn = Callable[[str, float], None]


@dataclass(slots=True)
class PreparedFeed:
    """A feed read and normalized in memory, ready to be diffed against stored offers."""

    file_name: str
    format: str
    encoding: str | None
    headers: list[str]
    mapping: ColumnMapping
    offers: list[OfferRecord]
    errors: list[RowError]
    rows_read: int
    notes: list[str] = field(default_factory=list)
    # SKUs of rows that are in the file but were rejected: their stored offers are kept as
    # they are (a typo in one price must not delist the product), never withdrawn
    held_skus: set[str] = field(default_factory=set)

    @property
    def rejected_rows(self) -> int:
        return len({e.row for e in self.errors if e.severity == "error"})

    def counts(self) -> dict[str, int]:
        severities = Counter(e.severity for e in self.errors)
        return {
            "rows": self.rows_read,
            "valid": len(self.offers),
            "rejected": self.rejected_rows,
            "errors": severities.get("error", 0),
            "warnings": severities.get("warning", 0),
        }


def prepare_feed(
    path: Path,
    *,
    file_name: str | None = None,
    format: str = "auto",
    override: dict[str, str] | None = None,
    remembered: Mapping[str, Any] | None = None,
    max_bytes: int,
    max_line_bytes: int,
    progress: ProgressFn | None = None,
) -> PreparedFeed:
    """Read ``path``, recognise its columns and normalize every row.

    Raises the reader's ``FeedFormatError`` for unreadable files and ``MissingColumnsError``
    when a required field cannot be found among the headers.
    """
    name = file_name or path.name
    table = read_feed(
        path, format=format, max_bytes=max_bytes, max_line_bytes=max_line_bytes, file_name=name
    )
    mapping = detect_mapping(
        table.headers, known=table.known_mapping, remembered=remembered, override=override
    )
    require_complete(mapping, table.headers, name)
    offers: list[OfferRecord] = []
    errors: list[RowError] = []
    rows_read = 0
    rejected: dict[str, int] = {}  # SKU -> the last row with it that was rejected
    for raw in table.rows:
        record, row_errors = normalize_row(raw, mapping)
        rows_read += 1
        if record is not None:
            offers.append(record)
        elif sku := row_sku(raw, mapping):
            rejected[sku] = raw.row
        errors.extend(row_errors)
        if progress is not None and rows_read % 20000 == 0:
            progress("read", float(rows_read))
    offers, dup_errors = dedupe_skus(offers)
    errors.extend(dup_errors)
    for offer in offers:
        if (row := rejected.pop(offer.sku, None)) is not None:
            errors.append(
                RowError(
                    offer.row,
                    "sku",
                    offer.sku,
                    f"duplicate SKU: row {row} has it too but was rejected; this row is used",
                    "warning",
                )
            )
    errors.sort(key=lambda e: (e.row, e.field))
    return PreparedFeed(
        file_name=name,
        format=table.format,
        encoding=table.encoding,
        headers=table.headers,
        mapping=mapping,
        offers=offers,
        errors=errors,
        rows_read=rows_read,
        notes=list(table.notes),
        held_skus=set(rejected),
    )
