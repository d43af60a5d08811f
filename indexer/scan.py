"""A feed read in two streaming passes, so memory does not grow with the file.

Pass one (`scan_feed`) reads and normalizes every row once and keeps only what is small:
counts, the row errors (`indexer.row_errors.ErrorLog`: the first N in full, the rest
counted), and per row an 8-byte hash of its SKU. From those it works out which row wins
for each SKU (the last valid one: a feed that repeats a SKU usually appends corrections),
which SKUs appear only in rejected rows (their stored offers are kept, never withdrawn) and
which rows get a duplicate warning.

Pass two (`iter_offers`) reads the file again and yields the winning `OfferRecord` of
each SKU in file order, adding the duplicate warnings as it meets their rows. Its callers
take the records a chunk at a time (`indexer.changes`), so a run never holds more than a
chunk of offers, whatever the file's size: a 200 MB feed of ~1.9M rows keeps about 40 bytes
per row between the passes. Pass two checks it reads the file pass one read (the opened
format and headers, each winning row's SKU, the row count, the bytes' digest) and raises
`FeedChanged` otherwise, before the caller commits.

SKUs are compared by a 64-bit BLAKE2b hash keyed with 16 random bytes drawn per scan
(`FeedScan.key`). Two different SKUs among a feed's n share a hash with probability about
n²/2⁶⁵ (1 in 10 million for 2 million SKUs), a feed's SKU and one of m stored ones about
n·m/2⁶⁴; they would then count as one (an offer dropped as a duplicate, or a stored offer not
withdrawn until a later run, which draws another key). The key keeps that a chance: unkeyed,
a retailer could search offline (about 2³² tries) for two SKUs that collide.
"""

from __future__ import annotations

import hashlib
import os
from array import array
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from indexer.columns import ColumnMapping, detect_mapping, require_complete
from indexer.errors import FeedChanged
from indexer.feeds import read_feed
from indexer.feeds.archive import DEFAULT_MAX_RATIO, DEFAULT_MAX_UNZIPPED_BYTES
from indexer.messages import Message
from indexer.records import FeedTable, OfferRecord, RowError
from indexer.row_errors import ErrorLog
from indexer.rows import normalize_row, row_sku

PROGRESS_ROWS = 1000  # pass one tells its caller the rows read this often
DEFAULT_MAX_ERRORS = 1000  # the default of the setting feed_max_row_errors
_READ_BYTES = 1 << 20

Int64s = npt.NDArray[np.int64]
_NONE = -1


def new_key() -> bytes:
    """A scan's hash key (see the module docstring)."""
    return os.urandom(16)


def sku_hash(sku: str, key: bytes) -> int:
    """The signed 64-bit hash SKUs are compared by under ``key`` (see the module docstring)."""
    data = sku.encode("utf-8", "surrogatepass")
    digest = hashlib.blake2b(data, digest_size=8, key=key).digest()
    return int.from_bytes(digest, "little", signed=True)


def sku_hashes(skus: list[str], key: bytes) -> Int64s:
    return np.fromiter((sku_hash(s, key) for s in skus), dtype=np.int64, count=len(skus))


def contains(sorted_values: Int64s, values: Int64s) -> npt.NDArray[np.bool_]:
    """For each of ``values``, whether it is in ``sorted_values`` (sorted, unique)."""
    if not len(sorted_values):
        return np.zeros(len(values), dtype=bool)
    pos = np.searchsorted(sorted_values, values)
    pos[pos == len(sorted_values)] = 0
    return np.asarray(sorted_values[pos] == values)


def fingerprint(path: Path) -> bytes:
    """A digest of the file's bytes: pass two refuses a file that no longer has it."""
    h = hashlib.blake2b(digest_size=16)
    with path.open("rb") as f:
        while block := f.read(_READ_BYTES):
            h.update(block)
    return h.digest()


@dataclass(frozen=True, slots=True)
class ReadLimits:
    """How a feed file is opened, the same in both passes (the settings of the same names)."""

    max_bytes: int
    max_line_bytes: int
    max_unzipped_bytes: int = DEFAULT_MAX_UNZIPPED_BYTES
    max_zip_ratio: float = DEFAULT_MAX_RATIO


@dataclass(slots=True)
class FeedScan:
    """What pass one learned about a feed; `iter_offers` reads its offers."""

    path: Path
    file_name: str
    format: str
    encoding: str | None
    headers: list[str]
    mapping: ColumnMapping
    notes: list[str]
    rows_read: int
    rejected_rows: int
    log: ErrorLog
    # sorted unique hashes of the SKUs that have a valid row: the offers the feed lists
    listed: Int64s
    # sorted unique hashes of SKUs found only in rejected rows: stored offers kept as they are
    held: Int64s
    # per row (by its position in the stream): is it the row an offer is taken from
    wins: npt.NDArray[np.bool_]
    # per row, or None when the feed repeats no SKU: for a repeated valid row, the file row
    # of the row that wins instead; for a winning row, the last rejected row with its SKU
    twin_row: Int64s | None
    # the key of every SKU hash above (`sku_hash`)
    key: bytes = b""
    # the SKU hashes of the winning rows in file order: what pass two must yield
    win_hash: Int64s = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    # the file's digest as pass one starts; what its reader opened (format, encoding, headers)
    fingerprint: bytes = b""
    opened: tuple[str, str | None, tuple[str, ...]] = ("", None, ())
    read_format: str = "auto"
    limits: ReadLimits = field(default_factory=lambda: ReadLimits(0, 0))
    # every valid row's offer by position, when there were at most `keep_offers` of them:
    # pass two then reads them here instead of the file (None: the file is read again)
    kept: list[tuple[int, OfferRecord]] | None = None
    # listed SKUs pass two found unknown in a file without a name or price column
    # (`indexer.partial`): rejected rows, not offers
    unknown: int = 0
    # rows are items of an XML/JSON document (`FeedTable.items`): a row number is an index
    items: bool = False

    @property
    def valid(self) -> int:
        """Offers the feed lists: one per SKU with a valid row."""
        return len(self.listed)

    def counts(self) -> dict[str, int]:
        return {
            "rows": self.rows_read,
            "valid": self.valid - self.unknown,
            "rejected": self.rejected_rows + self.unknown,
            "errors": self.log.errors,
            "warnings": self.log.warnings,
        }

    @property
    def errors(self) -> list[RowError]:
        """The row errors kept in full, in row order."""
        return sorted(self.log.kept, key=lambda e: (e.row, e.field))

    @property
    def error_overflow(self) -> list[dict[str, Any]]:
        return self.log.overflow()

    @property
    def errors_truncated(self) -> int:
        return self.log.dropped


def _open(path: Path, file_name: str, fmt: str, limits: ReadLimits) -> FeedTable:
    return read_feed(
        path,
        format=fmt,
        max_bytes=limits.max_bytes,
        max_line_bytes=limits.max_line_bytes,
        file_name=file_name,
        max_unzipped_bytes=limits.max_unzipped_bytes,
        max_zip_ratio=limits.max_zip_ratio,
    )


def _last_per_hash(hashes: array[int], positions: array[int]) -> tuple[Int64s, Int64s]:
    """The unique hashes (sorted) and, for each, the largest position it was seen at."""
    h = np.frombuffer(hashes, dtype=np.int64)
    p = np.frombuffer(positions, dtype=np.int64)
    if not len(h):
        return h.copy(), p.copy()
    order = np.lexsort((p, h))
    h, p = h[order], p[order]
    last = np.ones(len(h), dtype=bool)
    last[:-1] = h[1:] != h[:-1]
    return h[last], p[last]


def scan_feed(
    path: Path,
    *,
    file_name: str | None = None,
    format: str = "auto",
    override: dict[str, str] | None = None,
    remembered: Mapping[str, Any] | None = None,
    limits: ReadLimits,
    max_errors: int = DEFAULT_MAX_ERRORS,
    keep_offers: int = 0,
    partial: bool = False,
    progress: Callable[[int], None] | None = None,
) -> FeedScan:
    """Pass one: read ``path``, recognise its columns, normalize every row, keep counts,
    errors and SKU hashes (see the module docstring).

    Up to ``keep_offers`` valid offers are kept for pass two (`FeedScan.kept`), so a feed of
    that size is read and normalized once (the setting ``feed_offers_in_memory``).

    Raises the reader's ``FeedFormatError`` for unreadable files and ``MissingColumnsError``
    when a required field cannot be found among the headers (``partial``, a delta: only
    the SKU and one more column are required, `columns.require_complete`).

    ``progress``: told the rows read so far, every ``PROGRESS_ROWS`` rows."""
    name = file_name or path.name
    table = _open(path, name, format, limits)  # size checked, headers read, no row yet
    digest = fingerprint(path)
    opened = (table.format, table.encoding, tuple(table.headers))
    mapping = detect_mapping(
        table.headers, known=table.known_mapping, remembered=remembered, override=override
    )
    require_complete(mapping, table.headers, name, partial=partial)
    log = ErrorLog(max_errors)
    key = new_key()
    valid_h, valid_pos, valid_row = array("q"), array("q"), array("q")
    rejected_h, rejected_row = array("q"), array("q")
    position = rejected_rows = 0
    kept: list[tuple[int, OfferRecord]] | None = [] if keep_offers > 0 else None
    items = table.items
    for position, raw in enumerate(table.rows, start=1):
        if progress is not None and position % PROGRESS_ROWS == 0:
            progress(position)
        record, row_errors = normalize_row(raw, mapping)
        if record is not None:
            if kept is not None:
                if len(kept) < keep_offers:
                    kept.append((position - 1, record))
                else:
                    kept = None  # too many: pass two reads the file again
            valid_h.append(sku_hash(record.sku, key))
            valid_pos.append(position - 1)
            valid_row.append(raw.row)
        else:
            rejected_rows += 1
            if sku := row_sku(raw, mapping):
                rejected_h.append(sku_hash(sku, key))
                rejected_row.append(raw.row)
        if row_errors:
            if items:  # an XML/JSON item: its errors name it by index and SKU
                item_id = record.sku if record is not None else row_sku(raw, mapping)
                row_errors = [replace(e, item_id=item_id or "") for e in row_errors]
            log.extend(row_errors)
    rows_read = position
    if progress is not None:
        progress(rows_read)
    listed, win_pos = _last_per_hash(valid_h, valid_pos)
    wins = np.zeros(rows_read, dtype=bool)
    wins[win_pos] = True
    twin_row: Int64s | None = None
    if len(listed) < len(valid_h):  # repeated SKUs: each losing row names the winner's row
        twin_row = np.full(rows_read, _NONE, dtype=np.int64)
        pos = np.frombuffer(valid_pos, dtype=np.int64)
        rows = np.frombuffer(valid_row, dtype=np.int64)
        winner_at = np.searchsorted(listed, np.frombuffer(valid_h, dtype=np.int64))
        winner_row = np.zeros(rows_read, dtype=np.int64)
        winner_row[pos] = rows
        losing = ~wins[pos]
        twin_row[pos[losing]] = winner_row[win_pos[winner_at[losing]]]
    rej, rej_row = _last_per_hash(rejected_h, rejected_row)
    also_valid = contains(listed, rej)
    held = rej[~also_valid]
    if also_valid.any():  # a rejected row's SKU has a valid row too: that one is used
        if twin_row is None:
            twin_row = np.full(rows_read, _NONE, dtype=np.int64)
        at = win_pos[np.searchsorted(listed, rej[also_valid])]
        twin_row[at] = rej_row[also_valid]
    return FeedScan(
        path=path,
        file_name=name,
        format=table.format,
        encoding=table.encoding,
        headers=table.headers,
        mapping=mapping,
        notes=list(table.notes),
        rows_read=rows_read,
        rejected_rows=rejected_rows,
        log=log,
        listed=listed,
        held=held,
        wins=wins,
        twin_row=twin_row,
        key=key,
        win_hash=listed[np.argsort(win_pos, kind="stable")],
        fingerprint=digest,
        opened=opened,
        read_format=format,
        limits=limits,
        kept=kept,
        items=items,
    )


def _kept_offers(scan: FeedScan, kept: list[tuple[int, OfferRecord]]) -> Iterator[OfferRecord]:
    wins, twin_row = scan.wins, scan.twin_row
    for position, record in kept:
        twin = _NONE if twin_row is None else int(twin_row[position])
        if wins[position]:
            if twin != _NONE:
                scan.log.add(_rejected_twin(record, twin))
            yield record
        else:
            scan.log.add(_repeated(record, twin))


def _rejected_twin(record: OfferRecord, rejected_row: int) -> RowError:
    return RowError(
        record.row,
        "sku",
        record.sku,
        Message("row.duplicate_rejected", other_row=rejected_row),
        "warning",
    )


def _repeated(record: OfferRecord, winner_row: int) -> RowError:
    return RowError(
        record.row,
        "sku",
        record.sku,
        Message("row.duplicate_sku", value=record.sku, row=record.row, other_row=winner_row),
        "warning",
    )


def _changed(scan: FeedScan, why: str, **values: int) -> FeedChanged:
    """``why``: the ``change.*`` message saying what changed."""
    return FeedChanged(
        Message("refusal.file_changed", file=scan.file_name, change=f"change.{why}", **values)
    )


def iter_offers(scan: FeedScan) -> Iterator[OfferRecord]:
    """Pass two: the winning offer of every SKU, in file order; the duplicate warnings go to
    ``scan.log`` as their rows are met. Meant to be read once, to the end.

    Raises `FeedChanged` when the file is not the one pass one read: another format, encoding
    or headers, a winning row that is gone or has another SKU, more rows, a file removed, or
    (checked at the end, before the caller commits) other bytes. A scan that kept its offers
    (`FeedScan.kept`) yields them from memory: they are what pass one read."""
    if scan.kept is not None:
        yield from _kept_offers(scan, scan.kept)
        return
    try:
        table = _open(scan.path, scan.file_name, scan.read_format, scan.limits)
    except FileNotFoundError:  # e.g. a staged upload submitted from another tab meanwhile
        raise _changed(scan, "gone") from None
    if (table.format, table.encoding, tuple(table.headers)) != scan.opened:
        raise _changed(scan, "reopened")
    wins, twin_row, log, win_hash = scan.wins, scan.twin_row, scan.log, scan.win_hash
    yielded = 0
    for position, raw in enumerate(table.rows):
        if position >= len(wins):
            raise _changed(scan, "more_rows", rows=len(wins))
        won = bool(wins[position])
        twin = _NONE if twin_row is None else int(twin_row[position])
        if not won and twin == _NONE:
            continue  # a rejected row: reported in pass one
        record, _ = normalize_row(raw, scan.mapping)
        if record is None:
            raise _changed(scan, "row", changed_row=raw.row)
        if won:
            if sku_hash(record.sku, scan.key) != win_hash[yielded]:
                raise _changed(scan, "row", changed_row=raw.row)
            if twin != _NONE:
                log.add(_rejected_twin(record, twin))
            yielded += 1
            yield record
        else:
            log.add(_repeated(record, twin))
    if yielded != scan.valid:
        raise _changed(scan, "offers", offers=yielded, valid=scan.valid)
    try:
        digest = fingerprint(scan.path)
    except FileNotFoundError:
        raise _changed(scan, "gone") from None
    if digest != scan.fingerprint:
        raise _changed(scan, "bytes")
