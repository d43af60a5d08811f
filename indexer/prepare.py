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
from indexer.feeds.archive import DEFAULT_MAX_RATIO, DEFAULT_MAX_UNZIPPED_BYTES
from indexer.records import OfferRecord, RowError
from indexer.row_errors import ErrorLog
from indexer.rows import dedupe_skus, normalize_row, row_sku

ProgressFn = Callable[[str, float], None]
DEFAULT_MAX_ERRORS = 1000  # the default of the setting feed_max_row_errors


@dataclass(slots=True)
class PreparedFeed:
    """A feed read and normalized in memory, ready to be diffed against stored offers."""

    file_name: str
    format: str
    encoding: str | None
    headers: list[str]
    mapping: ColumnMapping
    offers: list[OfferRecord]
    # The first `max_errors` row errors and warnings in full, in row order; the rest are only
    # counted (`error_totals`, `error_overflow`): see `indexer.row_errors`.
    errors: list[RowError]
    rows_read: int
    notes: list[str] = field(default_factory=list)
    # SKUs of rows that are in the file but were rejected: their stored offers are kept as
    # they are (a typo in one price must not delist the product), never withdrawn
    held_skus: set[str] = field(default_factory=set)
    rejected_rows: int = 0
    error_totals: dict[str, int] = field(default_factory=dict)
    # errors beyond the kept ones: [{"severity", "field", "reason", "count"}], most first
    error_overflow: list[dict[str, Any]] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        totals = self.error_totals or dict(Counter(e.severity + "s" for e in self.errors))
        return {
            "rows": self.rows_read,
            "valid": len(self.offers),
            "rejected": self.rejected_rows,
            "errors": totals.get("errors", 0),
            "warnings": totals.get("warnings", 0),
        }

    @property
    def errors_truncated(self) -> int:
        """How many row errors and warnings were counted but not kept in full."""
        return sum(int(g["count"]) for g in self.error_overflow)


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
    max_errors: int = DEFAULT_MAX_ERRORS,
    max_unzipped_bytes: int = DEFAULT_MAX_UNZIPPED_BYTES,
    max_zip_ratio: float = DEFAULT_MAX_RATIO,
) -> PreparedFeed:
    """Read ``path``, recognise its columns and normalize every row.

    The first ``max_errors`` row errors are kept in full, the rest counted by field and reason
    (`indexer.row_errors.ErrorLog`); a workbook is checked against ``max_unzipped_bytes`` and
    ``max_zip_ratio`` before it is unpacked. Callers pass the settings of the same names
    (``feed_max_row_errors``, ``feed_max_unzipped_bytes``, ``feed_max_zip_ratio``).

    Raises the reader's ``FeedFormatError`` for unreadable files and ``MissingColumnsError``
    when a required field cannot be found among the headers.
    """
    name = file_name or path.name
    table = read_feed(
        path,
        format=format,
        max_bytes=max_bytes,
        max_line_bytes=max_line_bytes,
        file_name=name,
        max_unzipped_bytes=max_unzipped_bytes,
        max_zip_ratio=max_zip_ratio,
    )
    mapping = detect_mapping(
        table.headers, known=table.known_mapping, remembered=remembered, override=override
    )
    require_complete(mapping, table.headers, name)
    offers: list[OfferRecord] = []
    errors = ErrorLog(max_errors)
    rows_read = rejected_rows = 0
    rejected: dict[str, int] = {}  # SKU -> the last row with it that was rejected
    for raw in table.rows:
        record, row_errors = normalize_row(raw, mapping)
        rows_read += 1
        if record is not None:
            offers.append(record)
        else:
            rejected_rows += 1
            if sku := row_sku(raw, mapping):
                rejected[sku] = raw.row
        if row_errors:
            errors.extend(row_errors)
        if progress is not None and rows_read % 20000 == 0:
            progress("read", float(rows_read))
    offers, dup_errors = dedupe_skus(offers)
    errors.extend(dup_errors)
    for offer in offers:
        if (row := rejected.pop(offer.sku, None)) is not None:
            errors.add(
                RowError(
                    offer.row,
                    "sku",
                    offer.sku,
                    f"duplicate SKU: row {row} has it too but was rejected; this row is used",
                    "warning",
                )
            )
    kept = sorted(errors.kept, key=lambda e: (e.row, e.field))
    return PreparedFeed(
        file_name=name,
        format=table.format,
        encoding=table.encoding,
        headers=table.headers,
        mapping=mapping,
        offers=offers,
        errors=kept,
        rows_read=rows_read,
        notes=list(table.notes),
        held_skus=set(rejected),
        rejected_rows=rejected_rows,
        error_totals=errors.totals(),
        error_overflow=errors.overflow(),
    )
