"""Store manufacturer ProductRecords: the I/O step of catalog import (idempotent upsert).

Rules (keyed by ``(source, source_key)``):

* ``content_hash`` = sha256 of the record's canonical JSON; equal hash -> *unchanged*
  (nothing written), different -> *updated* (row rewritten, identifiers replaced).
* Manufacturers are shared, deduplicated by :func:`manufacturer_key` (case, punctuation
  and trailing legal forms such as Inc./LLC/GmbH/AB ignored); the first spelling is kept.
* ``mpn_key`` / ``catalog_key`` are :func:`part_key` (upper-case letters and digits only).
* An identifier ``(scheme, value)`` belongs to one product. When several records claim
  it (GUDID has DIs listed by two device records), the winner is the claim with the
  lowest ``(level != "primary", source, source_key)``: a primary DI beats a packaging
  level, then the lexicographically smallest key wins. The result does not depend on
  import order; each conflict adds one line to ``ImportCounts.errors``. (An identifier
  a loser gave up is restored only when the loser is re-imported with changed content.)
* Batched: one ``IN (...)`` lookup per batch and table, bulk INSERT/UPDATE, no per-row
  SELECT. Portable SQL (SQLite and PostgreSQL). The caller owns the transaction.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from typing import Any, TypeVar

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from catalog.models import Manufacturer, Product, ProductIdentifier, utcnow
from catalog.outbox import enqueue
from catalog.records import Identifier, ProductRecord

IN_CHUNK = 500
HASH_VERSION = 1  # bump when the stored representation of a record changes
_NON_ALNUM = re.compile(r"[^0-9A-Z]+")
_WORD_SPLIT = re.compile(r"[^\w]+|_")
LEGAL_FORMS = frozenset(
    {
        "ab",
        "ag",
        "aps",
        "as",
        "asa",
        "bv",
        "co",
        "company",
        "corp",
        "corporation",
        "gmbh",
        "inc",
        "incorporated",
        "kg",
        "lp",
        "llc",
        "llp",
        "ltd",
        "limited",
        "nv",
        "oy",
        "plc",
        "pty",
        "sa",
        "sarl",
        "sas",
        "spa",
        "srl",
    }
)

T = TypeVar("T")


@dataclass(slots=True)
class ImportCounts:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[str] = field(default_factory=list)
    changed_product_ids: list[int] = field(default_factory=list)  # inserted + updated

    @property
    def total(self) -> int:
        return self.inserted + self.updated + self.unchanged


def part_key(value: str | None) -> str | None:
    """Normalized part number: upper-case ASCII letters and digits only (None if empty)."""
    if not value:
        return None
    key = _NON_ALNUM.sub("", value.upper())
    return key or None


def manufacturer_key(name: str) -> str:
    """Lookup key for a company name: ``"MCKESSON MEDICAL-SURGICAL INC."`` ->
    ``"mckesson medical surgical"``."""
    words = [w for w in _WORD_SPLIT.split(name.casefold()) if w]
    while len(words) > 1 and words[-1] in LEGAL_FORMS:
        words.pop()
    return " ".join(words) or name.casefold().strip()


def canonical_record(record: ProductRecord) -> list[Any]:
    """Every field of ``record`` as plain JSON values in a fixed order (extra sorted)."""
    return [
        HASH_VERSION,
        record.source,
        record.source_key,
        record.name,
        record.manufacturer,
        record.brand,
        record.mpn,
        record.catalog_number,
        record.description,
        record.category,
        record.category_code,
        [[i.value, i.scheme, i.level, i.pkg_quantity, i.contains] for i in record.identifiers],
        [[sp.name, sp.value, sp.unit] for sp in record.specs],
        list(record.image_urls),
        record.duns,
        sorted(record.extra.items()),
    ]


def content_hash(record: ProductRecord) -> str:
    """sha256 of the record's canonical JSON (:func:`canonical_record`, no whitespace)."""
    canonical = json.dumps(canonical_record(record), ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _batched(items: Iterable[T], size: int) -> Iterator[list[T]]:
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


def _clip(value: str | None, limit: int) -> str | None:
    return value[:limit] if value is not None else None


def _rank(level: str, source: str, source_key: str) -> tuple[bool, str, str]:
    return (level != "primary", source, source_key)


@dataclass(slots=True)
class _Pending:
    record: ProductRecord
    digest: str
    product_id: int | None = None


def _product_row(pending: _Pending, manufacturer_id: int | None, now: datetime) -> dict[str, Any]:
    r = pending.record
    gtin = r.primary_gtin
    return {
        "source": r.source,
        "source_key": r.source_key,
        "manufacturer_id": manufacturer_id,
        "primary_gtin": gtin if gtin and len(gtin) <= 14 else None,
        "brand": _clip(r.brand, 300),
        "mpn": _clip(r.mpn, 200),
        "catalog_number": _clip(r.catalog_number, 200),
        "mpn_key": _clip(part_key(r.mpn), 200),
        "catalog_key": _clip(part_key(r.catalog_number), 200),
        "name": r.name,
        "description": r.description,
        "category": _clip(r.category, 500),
        "category_code": _clip(r.category_code, 50),
        "specs": [{"name": sp.name, "value": sp.value, "unit": sp.unit} for sp in r.specs],
        "image_urls": list(r.image_urls),
        "extra": {**r.extra, **({"duns": r.duns} if r.duns else {})},
        "content_hash": pending.digest,
        "updated_at": now,
    }


class _Upserter:
    def __init__(self, session: Session, counts: ImportCounts) -> None:
        self.session = session
        self.counts = counts
        self.manufacturers: dict[str, int] = {}

    def run(self, batch: Sequence[ProductRecord]) -> None:
        pending = self._dedupe(batch)
        self._load_existing(pending)
        writes = [p for p in pending.values() if p.digest != ""]
        if not writes:
            return
        mf_ids = self._manufacturer_ids([p.record for p in writes])
        now = utcnow()
        new = [p for p in writes if p.product_id is None]
        changed = [p for p in writes if p.product_id is not None]
        if changed:
            rows = []
            for p in changed:
                row = _product_row(p, self._mf(p.record, mf_ids), now)
                row["id"] = p.product_id
                rows.append(row)
            self.session.execute(update(Product), rows)
            for chunk in _batched([p.product_id for p in changed], IN_CHUNK):
                self.session.execute(
                    delete(ProductIdentifier).where(ProductIdentifier.product_id.in_(chunk))
                )
        if new:
            rows = [
                {**_product_row(p, self._mf(p.record, mf_ids), now), "created_at": now} for p in new
            ]
            result = self.session.execute(
                insert(Product).returning(Product.id, sort_by_parameter_order=True), rows
            )
            for p, product_id in zip(new, result.scalars().all(), strict=True):
                p.product_id = product_id
        losers = self._write_identifiers(writes)
        self.counts.inserted += len(new)
        self.counts.updated += len(changed)
        written = [p.product_id for p in writes if p.product_id]
        self.counts.changed_product_ids.extend(written)
        # the products that lost an identifier to this batch changed too (their document
        # must drop the GTIN); both go to the index outbox in the caller's transaction
        enqueue(self.session, [*written, *losers])

    def _dedupe(self, batch: Sequence[ProductRecord]) -> dict[tuple[str, str], _Pending]:
        pending: dict[tuple[str, str], _Pending] = {}
        for record in batch:
            key = (record.source, record.source_key)
            if key in pending:
                self.counts.errors.append(
                    f"{record.source}:{record.source_key}: duplicate record in input; last one kept"
                )
            pending[key] = _Pending(record, content_hash(record))
        return pending

    def _load_existing(self, pending: dict[tuple[str, str], _Pending]) -> None:
        by_source: dict[str, list[str]] = {}
        for source, source_key in pending:
            by_source.setdefault(source, []).append(source_key)
        for source, keys in by_source.items():
            for chunk in _batched(keys, IN_CHUNK):
                stmt = select(Product.id, Product.source_key, Product.content_hash).where(
                    Product.source == source, Product.source_key.in_(chunk)
                )
                for product_id, source_key, digest in self.session.execute(stmt):
                    p = pending[(source, source_key)]
                    p.product_id = product_id
                    if p.digest == digest:
                        p.digest = ""  # unchanged: nothing to write
                        self.counts.unchanged += 1

    def _mf(self, record: ProductRecord, mf_ids: dict[str, int]) -> int | None:
        name = record.manufacturer or record.brand
        return mf_ids.get(manufacturer_key(name)) if name else None

    def _manufacturer_ids(self, records: list[ProductRecord]) -> dict[str, int]:
        wanted: dict[str, tuple[str, str | None]] = {}
        for r in records:
            name = r.manufacturer or r.brand
            if name:
                key = manufacturer_key(name)
                if key not in self.manufacturers and key not in wanted:
                    wanted[key] = (name, r.duns)
        if wanted:
            self._select_manufacturers(list(wanted))
            missing = [k for k in wanted if k not in self.manufacturers]
            if missing:
                self.session.execute(
                    insert(Manufacturer),
                    [
                        {"name": wanted[k][0][:300], "name_key": k[:300], "duns": wanted[k][1]}
                        for k in missing
                    ],
                )
                self._select_manufacturers(missing)
        return self.manufacturers

    def _select_manufacturers(self, keys: list[str]) -> None:
        for chunk in _batched([k[:300] for k in keys], IN_CHUNK):
            stmt = select(Manufacturer.name_key, Manufacturer.id).where(
                Manufacturer.name_key.in_(chunk)
            )
            for name_key, mf_id in self.session.execute(stmt):
                self.manufacturers[name_key] = mf_id

    def _write_identifiers(self, writes: list[_Pending]) -> set[int]:
        """Store the batch's identifiers; returns the other products that lost one."""
        # Best claim per (scheme, value) within the batch.
        best: dict[tuple[str, str], tuple[tuple[bool, str, str], Identifier, _Pending]] = {}
        for p in writes:
            r = p.record
            for ident in r.identifiers:
                if len(ident.value) > 40:
                    self.counts.errors.append(
                        f"{r.source}:{r.source_key}: identifier {ident.value!r} too long; skipped"
                    )
                    continue
                key = (ident.scheme, ident.value)
                rank = _rank(ident.level, r.source, r.source_key)
                held = best.get(key)
                if held is not None and held[2] is p:
                    continue  # the same record lists it twice: keep its first level
                if held is None or rank < held[0]:
                    if held is not None:
                        self._conflict(key, winner=rank, loser=held[0])
                    best[key] = (rank, ident, p)
                else:
                    self._conflict(key, winner=held[0], loser=rank)
        if not best:
            return set()
        # Claims already stored for other products.
        values = sorted({value for _scheme, value in best})
        stale: list[int] = []
        losers: set[int] = set()
        for chunk in _batched(values, IN_CHUNK):
            stmt = (
                select(
                    ProductIdentifier.id,
                    ProductIdentifier.product_id,
                    ProductIdentifier.scheme,
                    ProductIdentifier.value,
                    ProductIdentifier.level,
                    Product.source,
                    Product.source_key,
                )
                .join(Product, Product.id == ProductIdentifier.product_id)
                .where(ProductIdentifier.value.in_(chunk))
            )
            for row_id, owner, scheme, value, level, source, source_key in self.session.execute(
                stmt
            ):
                key = (scheme, value)
                claim = best.get(key)
                if claim is None:
                    continue
                stored = _rank(level, source, source_key)
                if stored <= claim[0]:
                    self._conflict(key, winner=stored, loser=claim[0])
                    del best[key]
                else:
                    self._conflict(key, winner=claim[0], loser=stored)
                    stale.append(row_id)
                    losers.add(owner)
        for stale_ids in _batched(stale, IN_CHUNK):
            self.session.execute(
                delete(ProductIdentifier).where(ProductIdentifier.id.in_(stale_ids))
            )
        rows = [
            {
                "product_id": p.product_id,
                "scheme": ident.scheme,
                "value": ident.value,
                "level": ident.level[:30],
                "pkg_quantity": ident.pkg_quantity,
                "contains": _clip(ident.contains, 40),
            }
            for _rank_, ident, p in best.values()
        ]
        if rows:
            self.session.execute(insert(ProductIdentifier), rows)
        return losers

    def _conflict(
        self,
        key: tuple[str, str],
        *,
        winner: tuple[bool, str, str],
        loser: tuple[bool, str, str],
    ) -> None:
        def who(rank: tuple[bool, str, str]) -> str:
            return f"{rank[1]}:{rank[2]} ({'other level' if rank[0] else 'primary'})"

        self.counts.errors.append(
            f"identifier {key[0]}:{key[1]} claimed by {who(winner)} and {who(loser)}; "
            f"kept {winner[1]}:{winner[2]}"
        )


def upsert_products(
    session: Session, records: Iterable[ProductRecord], *, batch_size: int = 2000
) -> ImportCounts:
    """Insert new, rewrite changed and skip unchanged records; see the module doc.

    Streams ``records`` in batches of ``batch_size``; does not commit (the caller's
    transaction decides). Returns counts, conflict/duplicate lines and the ids of every
    inserted or updated product. Those ids, and the products that lost an identifier, are
    also written to the index outbox (``catalog.outbox``) in the same transaction.
    """
    counts = ImportCounts()
    upserter = _Upserter(session, counts)
    for batch in _batched(records, batch_size):
        upserter.run(batch)
    return counts
