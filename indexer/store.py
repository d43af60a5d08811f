"""The I/O half of ingestion: diff a feed's offers against the stored ones and write them.

``classify`` and ``withdrawal_refusal`` are pure; ``load_existing``, ``apply_plan`` and
``withdraw_unlisted`` talk to the database inside the caller's transaction, so a run commits
entirely or not at all. `indexer.changes` drives them a chunk of offers at a time.
"""

from __future__ import annotations

import hashlib
import time
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Row, Select, Table, insert, select, update
from sqlalchemy.orm import Session

from catalog.enums import ReviewStatus
from catalog.models import MatchCandidate, Offer
from catalog.outbox import enqueue
from indexer import price_history
from indexer.matching import MatchResult
from indexer.messages import Message
from indexer.records import OfferRecord

# sku, id, content_hash, product_id, withdrawn_at, match_key, price, currency, stock_status,
# delivery_days (`existing_offers`)
ExistingSelect = Select[
    str, int, str, int | None, datetime | None, str | None, Decimal | None, str, str, int | None
]
ExistingRow = Row[
    str, int, str, int | None, datetime | None, str | None, Decimal | None, str, str, int | None
]

_CHUNK = 900  # stays under SQLite's bound-parameter limits in IN (...) lists
_INSERT_BATCH = 5000  # new offers written per executemany


@dataclass(frozen=True, slots=True)
class ExistingOffer:
    id: int
    content_hash: str
    match_key: str
    product_id: int | None
    withdrawn: bool
    price: Decimal | None = None
    currency: str | None = None
    stock_status: str | None = None
    delivery_days: int | None = None


@dataclass(slots=True)
class ChangePlan:
    """What one chunk of a feed's offers does to the stored ones (`classify`).

    Withdrawals are not part of it: a full feed withdraws what no chunk listed, once all
    chunks are written (`withdraw_unlisted`)."""

    new: list[OfferRecord] = field(default_factory=list)
    changed: list[tuple[ExistingOffer, OfferRecord]] = field(default_factory=list)
    reactivated: list[tuple[ExistingOffer, OfferRecord]] = field(default_factory=list)
    unchanged: list[ExistingOffer] = field(default_factory=list)
    # a delta feed touches its unchanged offers per chunk; a full feed touches every offer
    # still active at its end in one statement (`withdraw_unlisted`)
    delta: bool = False

    def needs_matching(self) -> list[OfferRecord]:
        """Records whose identifying fields are new or changed: only these are (re)matched."""
        out = list(self.new)
        for existing, rec in (*self.changed, *self.reactivated):
            if existing.match_key != match_key(rec) or existing.product_id is None:
                out.append(rec)
        return out


@dataclass(slots=True)
class StoreResult:
    inserted: int = 0
    updated: int = 0
    reactivated: int = 0
    unchanged: int = 0
    withdrawn: int = 0
    matched: Counter[str] = field(default_factory=Counter)
    unmatched: int = 0
    review: int = 0
    changed_product_ids: set[int] = field(default_factory=set)
    repriced: int = 0  # changed or reactivated offers whose price changed (not in counts())
    history: int = 0  # price / stock history rows written (`indexer.price_history`)
    history_s: float = 0.0  # time spent writing them (the run's timings: history_s)

    def add(self, other: StoreResult) -> None:
        """Add the counts of a later step of the same run (`indexer.pipeline.match_and_write`)."""
        self.inserted += other.inserted
        self.updated += other.updated
        self.reactivated += other.reactivated
        self.unchanged += other.unchanged
        self.withdrawn += other.withdrawn
        self.matched.update(other.matched)
        self.unmatched += other.unmatched
        self.review += other.review
        self.changed_product_ids |= other.changed_product_ids
        self.repriced += other.repriced
        self.history += other.history
        self.history_s += other.history_s

    def counts(self) -> dict[str, int]:
        out = {
            "inserted": self.inserted,
            "updated": self.updated,
            "reactivated": self.reactivated,
            "unchanged": self.unchanged,
            "withdrawn": self.withdrawn,
            "unmatched": self.unmatched,
            "review": self.review,
        }
        for method, n in sorted(self.matched.items()):
            out[f"matched_{method}"] = n
        return out


def _fingerprint(parts: Iterable[object]) -> str:
    """SHA-256 of the parts, each preceded by a unit separator (None hashes as "")."""
    text = "".join(["\x1f" + ("" if part is None else str(part)) for part in parts])
    return hashlib.sha256(text.encode()).hexdigest()


def match_key(rec: OfferRecord) -> str:
    """Hash of the fields that decide which product an offer is: name and identifiers."""
    return _fingerprint((rec.name, rec.gtin, rec.mpn, rec.brand))[:32]


def offer_hash(rec: OfferRecord, key: str | None = None) -> str:
    """Hash of everything stored about an offer; equal hash = nothing to write.
    `key` is `match_key(rec)` when the caller already has it."""
    meta = sorted(rec.metadata.items())
    return _fingerprint(
        (
            match_key(rec) if key is None else key,
            rec.price,
            rec.currency,
            rec.vat_included,
            rec.stock_status.value,
            rec.stock_quantity,
            rec.delivery_days,
            rec.url,
            meta,
        )
    )


def load_existing(
    session: Session, retailer_id: int, skus: Sequence[str]
) -> dict[str, ExistingOffer]:
    """The retailer's stored offers (active or withdrawn) with these SKUs, by SKU."""
    out: dict[str, ExistingOffer] = {}
    for i in range(0, len(skus), _CHUNK):
        rows = session.execute(
            existing_offers(retailer_id).where(Offer.sku.in_(skus[i : i + _CHUNK]))
        )
        for row in rows:
            out[row[0]] = existing_offer(row)
    return out


def existing_offers(retailer_id: int) -> ExistingSelect:
    """The query `existing_offer` reads a retailer's stored offers (active or withdrawn) with."""
    return select(
        Offer.sku,
        Offer.id,
        Offer.content_hash,
        Offer.product_id,
        Offer.withdrawn_at,
        Offer.match_key,
        Offer.price,
        Offer.currency,
        Offer.stock_status,
        Offer.delivery_days,
    ).where(Offer.retailer_id == retailer_id)


def existing_offer(row: ExistingRow) -> ExistingOffer:
    """A row of `existing_offers` as an `ExistingOffer`."""
    _sku, oid, chash, pid, withdrawn_at, mkey, price, currency, status, days = row
    return ExistingOffer(
        oid, chash, mkey or "", pid, withdrawn_at is not None, price, currency, status, days
    )


def classify(
    existing: Mapping[str, ExistingOffer], offers: Iterable[OfferRecord], *, delta: bool
) -> ChangePlan:
    """What ``offers`` change, given the stored offers with their SKUs. Pure."""
    plan = ChangePlan(delta=delta)
    for rec in offers:
        old = existing.get(rec.sku)
        if old is None:
            plan.new.append(rec)
        elif old.withdrawn:
            plan.reactivated.append((old, rec))
        elif old.content_hash != offer_hash(rec):
            plan.changed.append((old, rec))
        else:
            plan.unchanged.append(old)
    return plan


def withdrawal_refusal(
    withdraw: int, active_before: int, *, ratio: float, allow: bool, delta: bool
) -> Message | None:
    """Why a full feed that would withdraw ``withdraw`` of ``active_before`` active offers
    must not be applied, or None. Pure, so the rule is testable alone."""
    if delta or allow or active_before == 0:
        return None
    if withdraw > ratio * active_before:
        return Message(
            "refusal.mass_withdrawal", withdraw=withdraw, active=active_before, ratio=ratio
        )
    return None


def _offer_values(
    rec: OfferRecord, match: MatchResult | None, keep_pid: int | None
) -> dict[str, Any]:
    values: dict[str, Any] = {
        "raw_name": rec.name,
        "price": rec.price,
        "currency": rec.currency,
        "vat_included": rec.vat_included,
        "stock_status": rec.stock_status.value,
        "stock_quantity": rec.stock_quantity,
        "delivery_days": rec.delivery_days,
        "gtin": rec.gtin,
        "mpn": rec.mpn,
        "brand": rec.brand,
        "url": rec.url,
        "retailer_metadata": dict(rec.metadata),
    }
    values["match_key"] = key = match_key(rec)
    values["content_hash"] = offer_hash(rec, key)
    if match is not None:
        values["product_id"] = match.product_id
        values["match_method"] = match.method.value if match.method else None
        values["match_confidence"] = match.confidence if match.product_id else None
        values["match_model_version"] = match.model_version if match.product_id else None
    else:
        values["product_id"] = keep_pid
    return values


def apply_plan(
    session: Session,
    *,
    retailer_id: int,
    run_id: int | None,
    plan: ChangePlan,
    matches: dict[str, MatchResult],
    now: datetime,
    progress: Callable[[float], None] | None = None,
    history: bool = True,
) -> StoreResult:
    """Write the plan in the caller's transaction. Unchanged offers are not rewritten.
    With ``history``, each change of price or stock status is recorded too
    (`indexer.price_history`: first sightings, changes, offers listed again).

    The changed products' ids go to the index outbox (``catalog.outbox``) in the same
    transaction; the caller applies them after the commit (``indexer.outbox.apply_outbox``)."""
    result = StoreResult(unchanged=len(plan.unchanged))

    def note(match: MatchResult | None, pid_before: int | None) -> None:
        pid = match.product_id if match is not None else pid_before
        if match is not None:
            if match.product_id is not None and match.method is not None:
                result.matched[match.method.value] += 1
            else:
                result.unmatched += 1
        for p in (pid, pid_before):
            if p is not None:
                result.changed_product_ids.add(p)

    table = Offer.__table__
    assert isinstance(table, Table)
    new_offers = plan.new
    for i in range(0, len(new_offers), _INSERT_BATCH):  # built per batch: bounded memory
        chunk: list[dict[str, Any]] = []
        for rec in new_offers[i : i + _INSERT_BATCH]:
            m = matches.get(rec.sku)
            vals = _offer_values(rec, m, None)
            vals.update(
                retailer_id=retailer_id,
                sku=rec.sku,
                first_seen=now,
                last_seen=now,
                updated_at=now,
                withdrawn_at=None,
                last_feed_run_id=run_id,
            )
            chunk.append(vals)
            note(m, None)
        session.execute(insert(table), chunk)  # Core executemany: batched, no ORM overhead
        if progress is not None:
            progress(min(1.0, (i + len(chunk)) / max(1, len(new_offers))) * 0.6)
    result.inserted = len(new_offers)
    if history and new_offers:
        t0 = time.perf_counter()
        result.history += price_history.record_new(
            session, retailer_id, [rec.sku for rec in new_offers], run_id, now
        )
        result.history_s += time.perf_counter() - t0
    new_ids: dict[str, int] = {}
    review_skus = [
        rec.sku
        for rec in new_offers
        if (m := matches.get(rec.sku)) is not None and m.product_id is None and m.candidates
    ]
    for k in range(0, len(review_skus), _CHUNK):
        rows = session.execute(
            select(Offer.sku, Offer.id).where(
                Offer.retailer_id == retailer_id, Offer.sku.in_(review_skus[k : k + _CHUNK])
            )
        )
        new_ids.update((sku, oid) for sku, oid in rows)

    updates: list[dict[str, Any]] = []
    changes: list[dict[str, Any]] = []
    for existing, rec in (*plan.changed, *plan.reactivated):
        m = matches.get(rec.sku)
        vals = _offer_values(rec, m, existing.product_id)
        vals.update(
            id=existing.id,
            last_seen=now,
            updated_at=now,
            withdrawn_at=None,
            last_feed_run_id=run_id,
        )
        updates.append(vals)
        note(m, existing.product_id)
        if existing.price != rec.price:
            result.repriced += 1
        if history and (
            existing.withdrawn
            or price_history.differs(
                existing.price,
                existing.currency,
                existing.stock_status,
                existing.delivery_days,
                rec,
            )
        ):
            changes.append(price_history.row(existing.id, rec, run_id, now))
    for i in range(0, len(updates), 5000):
        session.execute(update(Offer), updates[i : i + 5000])
    t0 = time.perf_counter()
    result.history += price_history.insert_rows(session, changes)
    result.history_s += time.perf_counter() - t0
    result.updated = len(plan.changed)
    result.reactivated = len(plan.reactivated)

    if plan.delta:
        _touch(session, [e.id for e in plan.unchanged], now)

    result.review = _queue_reviews(session, plan, matches, new_ids, now)
    # the products whose documents change (before and after a re-match), in this transaction:
    # the index converges to what commits here even if the process dies right after
    enqueue(session, result.changed_product_ids)
    return result


def _touch(session: Session, ids: Sequence[int], now: datetime) -> None:
    """Record that these offers were seen again."""
    for i in range(0, len(ids), _CHUNK):
        session.execute(
            update(Offer)
            .where(Offer.id.in_(ids[i : i + _CHUNK]))
            .values(last_seen=now)
            .execution_options(synchronize_session=False)
        )


def withdraw_unlisted(
    session: Session,
    *,
    retailer_id: int,
    run_id: int | None,
    withdraw_ids: Sequence[int],
    product_ids: Collection[int],
    now: datetime,
    history: bool = True,
) -> StoreResult:
    """The last step of a full feed, in the caller's transaction: withdraw the active offers
    it did not list (``withdraw_ids``, of ``product_ids``), then mark every offer still active
    as seen now: each of them was in the file (one statement, whatever their number). With
    ``history``, each withdrawal is recorded (`indexer.price_history`)."""
    t0 = time.perf_counter()
    recorded = price_history.record_withdrawn(session, withdraw_ids, run_id, now) if history else 0
    spent = time.perf_counter() - t0
    for i in range(0, len(withdraw_ids), _CHUNK):
        session.execute(
            update(Offer)
            .where(Offer.id.in_([int(x) for x in withdraw_ids[i : i + _CHUNK]]))
            .values(withdrawn_at=now, updated_at=now, last_feed_run_id=run_id)
            .execution_options(synchronize_session=False)
        )
    session.execute(
        update(Offer)
        .where(Offer.retailer_id == retailer_id, Offer.withdrawn_at.is_(None))
        .values(last_seen=now)
        .execution_options(synchronize_session=False)
    )
    result = StoreResult(
        withdrawn=len(withdraw_ids),
        changed_product_ids=set(product_ids),
        history=recorded,
        history_s=spent,
    )
    enqueue(session, result.changed_product_ids)
    return result


def _queue_reviews(
    session: Session,
    plan: ChangePlan,
    matches: dict[str, MatchResult],
    new_ids: dict[str, int],
    now: datetime,
) -> int:
    """Ambiguous matches are never guessed: their candidates go to the review queue."""
    ids = dict(new_ids)
    for existing, rec in (*plan.changed, *plan.reactivated):
        ids[rec.sku] = existing.id
    queued: list[dict[str, Any]] = []
    for sku, m in matches.items():
        if m.product_id is not None or not m.candidates or sku not in ids:
            continue
        for cand in m.candidates[:5]:
            queued.append(
                {
                    "offer_id": ids[sku],
                    "product_id": cand.product_id,
                    "method": "title",
                    "score": float(cand.score),
                    "reason": (cand.reason or "")[:300],
                    "status": ReviewStatus.PENDING.value,
                    "created_at": now,
                }
            )
    if not queued:
        return 0
    offer_ids = sorted({q["offer_id"] for q in queued})
    decided: dict[tuple[int, int], tuple[int, str]] = {}
    for i in range(0, len(offer_ids), _CHUNK):
        session.query(MatchCandidate).filter(
            MatchCandidate.offer_id.in_(offer_ids[i : i + _CHUNK]),
            MatchCandidate.status == ReviewStatus.PENDING.value,
        ).delete(synchronize_session=False)
        rows = session.execute(
            select(
                MatchCandidate.offer_id,
                MatchCandidate.product_id,
                MatchCandidate.id,
                MatchCandidate.status,
            ).where(MatchCandidate.offer_id.in_(offer_ids[i : i + _CHUNK]))
        )
        decided.update(((oid, pid), (cid, status)) for oid, pid, cid, status in rows)
    rejected = ReviewStatus.REJECTED.value
    in_review = len(
        {
            q["offer_id"]
            for q in queued
            if decided.get((q["offer_id"], q["product_id"]), (0, ""))[1] != rejected
        }
    )
    queued = _after_decisions(session, queued, decided)
    for i in range(0, len(queued), 2000):
        session.execute(insert(MatchCandidate), queued[i : i + 2000])
    return in_review


def _after_decisions(
    session: Session,
    queued: list[dict[str, Any]],
    decided: Mapping[tuple[int, int], tuple[int, str]],
) -> list[dict[str, Any]]:
    """The candidates to insert, given the ones an admin already decided (the match review
    queue, ``marketplace.match_review``): a product the admin rejected for this offer is not
    proposed again; one the admin had accepted, for an offer whose name or identifiers
    changed so that it is ambiguous again, goes back to the queue as pending."""
    out: list[dict[str, Any]] = []
    for q in queued:
        found = decided.get((q["offer_id"], q["product_id"]))
        if found is None:
            out.append(q)
        elif found[1] == ReviewStatus.ACCEPTED.value:
            session.execute(
                update(MatchCandidate)
                .where(MatchCandidate.id == found[0])
                .values(
                    status=ReviewStatus.PENDING.value,
                    score=q["score"],
                    reason=q["reason"],
                    method=q["method"],
                    decided_at=None,
                )
                .execution_options(synchronize_session=False)
            )
    return out
