"""What a scanned feed changes in a retailer's stored offers, worked out a chunk at a time.

`survey` streams the retailer's active offers once and compares their SKUs with the
feed's (`indexer.scan`): how many are active, which a full feed would withdraw, how many
are kept because their rows were rejected. `summarize` adds what the offers themselves
would do (insert, update, reactivate, unchanged) without writing: the dry run and the
portal's preview. `write_changes` matches and writes, `CHUNK` offers at a time, in the
caller's transaction. Memory holds one chunk of offers and their matches, never the feed;
only a feed small enough for pass one to keep its offers (`FeedScan.kept`) has its stored
offers read whole, once, instead of queried per chunk.
"""

from __future__ import annotations

import time
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.models import Offer
from catalog.settings import Settings
from indexer.catalog_matcher import matcher_for
from indexer.matching import MatchResult
from indexer.matching.parallel import (
    MIN_PER_WORKER,
    WorkerReport,
    default_workers,
    match_parallel,
)
from indexer.messages import Message
from indexer.partial import Settled, settle, unknown_sku_error
from indexer.records import OfferRecord
from indexer.scan import FeedScan, contains, iter_offers, sku_hashes
from indexer.store import (
    ExistingOffer,
    StoreResult,
    apply_plan,
    classify,
    existing_offer,
    existing_offers,
    load_existing,
    withdraw_unlisted,
    withdrawal_refusal,
)

CHUNK = 20_000
"""Offers diffed, matched and written per step: a step's offers and matches are all a run
holds of its feed (a 200 MB CSV has ~1.9M rows: ~95 steps)."""
_SURVEY_BATCH = 20_000
STORED_PER_KEPT_OFFER = 2
"""`survey` keeps a kept feed's stored offers in memory while there are at most this many per
offer of the feed (or `CHUNK`); a longer history of withdrawn offers is queried per chunk."""

ChunkProgress = Callable[[int], None]  # offers done so far
PROGRESS_ROWS = 1000
"""Offers matched between two reports of progress (more when forked workers share a step:
each gets at least `MIN_PER_WORKER`, below which forking costs more than it saves)."""


@dataclass(slots=True)
class StoredSide:
    """A retailer's active offers as a feed would leave them (`survey`)."""

    active_before: int = 0
    kept: int = 0  # active offers whose SKU is only in rejected rows: kept as they are
    withdraw_ids: array[int] = field(default_factory=lambda: array("q"))  # full feeds only
    withdraw_product_ids: set[int] = field(default_factory=set)
    # every stored offer (active or withdrawn) by SKU, when `survey` could keep them: the
    # chunks then take theirs from here instead of querying (None: `load_existing` per chunk)
    existing: dict[str, ExistingOffer] | None = None

    def existing_for(
        self, session: Session, retailer_id: int, chunk: list[OfferRecord]
    ) -> dict[str, ExistingOffer]:
        """The stored offers with the chunk's SKUs, by SKU (taken out of `existing`: pass two
        yields each SKU once)."""
        if self.existing is None:
            return load_existing(session, retailer_id, [r.sku for r in chunk])
        pop = self.existing.pop
        found = ((r.sku, pop(r.sku, None)) for r in chunk)
        return {sku: old for sku, old in found if old is not None}

    @property
    def withdraw(self) -> int:
        return len(self.withdraw_ids)

    def refusal(self, settings: Settings, *, allow: bool, delta: bool) -> Message | None:
        """Why the run must not be applied (a mass withdrawal), or None."""
        return withdrawal_refusal(
            self.withdraw,
            self.active_before,
            ratio=settings.mass_withdrawal_ratio,
            allow=allow,
            delta=delta,
        )


def survey(session: Session, retailer_id: int, scan: FeedScan, *, delta: bool) -> StoredSide:
    """Stream the retailer's active offers once against the feed's SKU hashes."""
    if scan.kept is not None:
        return _survey_kept(session, retailer_id, scan, delta=delta)
    side = StoredSide()
    stmt = (
        select(Offer.sku, Offer.id, Offer.product_id)
        .where(Offer.retailer_id == retailer_id, Offer.withdrawn_at.is_(None))
        .execution_options(yield_per=_SURVEY_BATCH)
    )
    for part in session.execute(stmt).partitions():
        hashes = sku_hashes([row[0] for row in part], scan.key)
        listed = contains(scan.listed, hashes)
        held = contains(scan.held, hashes)
        side.active_before += len(part)
        side.kept += int(held.sum())
        if delta:
            continue
        for (_sku, oid, pid), stays in zip(part, listed | held, strict=True):
            if not stays:
                side.withdraw_ids.append(oid)
                if pid is not None:
                    side.withdraw_product_ids.add(pid)
    return side


def _survey_kept(session: Session, retailer_id: int, scan: FeedScan, *, delta: bool) -> StoredSide:
    """`survey` of a feed whose offers pass one kept (`FeedScan.kept`): every stored offer is
    read once, whole, and kept by SKU for the chunks (up to `STORED_PER_KEPT_OFFER` per
    offer of the feed), and the feed's SKUs are compared as strings."""
    assert scan.kept is not None
    side = StoredSide()
    listed = {rec.sku for _, rec in scan.kept}
    cap = max(STORED_PER_KEPT_OFFER * len(scan.kept), CHUNK)
    existing: dict[str, ExistingOffer] | None = {}
    stmt = existing_offers(retailer_id).execution_options(yield_per=_SURVEY_BATCH)
    for part in session.execute(stmt).partitions():
        unlisted: list[tuple[str, int, int | None]] = []
        for row in part:
            old = existing_offer(row)
            if existing is not None:
                existing[row[0]] = old
            if old.withdrawn:
                continue
            side.active_before += 1
            if row[0] not in listed:
                unlisted.append((row[0], old.id, old.product_id))
        if existing is not None and len(existing) > cap:
            existing = None  # a long history of withdrawn offers: query per chunk instead
        if not unlisted:
            continue
        held = contains(scan.held, sku_hashes([u[0] for u in unlisted], scan.key))
        side.kept += int(held.sum())
        if delta:
            continue
        for (_sku, oid, pid), stays in zip(unlisted, held, strict=True):
            if not stays:
                side.withdraw_ids.append(oid)
                if pid is not None:
                    side.withdraw_product_ids.add(pid)
    side.existing = existing
    return side


def chunked(offers: Iterable[OfferRecord], size: int | None = None) -> Iterator[list[OfferRecord]]:
    """``offers`` as lists of ``size`` (default `CHUNK`)."""
    it = iter(offers)
    while chunk := list(islice(it, size or CHUNK)):
        yield chunk


@dataclass(slots=True)
class Summary:
    """What a feed would do, without writing (`summarize`)."""

    counts: dict[str, int] = field(default_factory=dict)
    sample: list[OfferRecord] = field(default_factory=list)
    refusal: Message | None = None
    would_withdraw: int = 0
    active_before: int = 0
    clears: dict[str, int] = field(default_factory=dict)  # stored values the run would clear


def summarize(
    session: Session | None,
    retailer_id: int | None,
    scan: FeedScan,
    settings: Settings,
    *,
    delta: bool,
    allow_mass_withdrawal: bool,
    sample: int,
) -> Summary:
    """Read the feed's offers once (pass two) and, with a retailer, diff them against its
    stored offers under a real run's rules; keeps the first ``sample`` offers. Writes
    nothing. ``counts`` gains would_insert / would_update / would_reactivate / unchanged /
    would_withdraw / kept / would_clear when there is a retailer and the feed lists offers
    (would_clear: stored values an empty cell of a present column clears, by field in
    ``clears``; an absent column clears nothing, `indexer.partial`)."""
    out = Summary()
    side = None
    if session is not None and retailer_id is not None and scan.valid:
        side = survey(session, retailer_id, scan, delta=delta)
        out.refusal = side.refusal(settings, allow=allow_mass_withdrawal, delta=delta)
        out.would_withdraw, out.active_before = side.withdraw, side.active_before
    totals = {"would_insert": 0, "would_update": 0, "would_reactivate": 0, "unchanged": 0}
    clears: Counter[str] = Counter()
    for chunk in chunked(iter_offers(scan)):
        if len(out.sample) < sample:
            out.sample.extend(chunk[: sample - len(out.sample)])
        if side is None:
            continue
        assert session is not None and retailer_id is not None
        plan = classify(side.existing_for(session, retailer_id, chunk), chunk, delta=delta)
        settled = settle(session, plan, count_clears=True)
        _refuse_unknown(scan, settled)
        clears.update(settled.clears)
        totals["would_insert"] += len(plan.new)
        totals["would_update"] += len(plan.changed)
        totals["would_reactivate"] += len(plan.reactivated)
        totals["unchanged"] += len(plan.unchanged)
    if side is not None:
        out.counts = {
            **totals,
            "would_withdraw": side.withdraw,
            "kept": side.kept,
            "would_clear": clears.total(),
        }
        out.clears = dict(sorted(clears.items()))
    return out


def _refuse_unknown(scan: FeedScan, settled: Settled) -> None:
    """New SKUs of a file without a name or price column: rejected rows with an error."""
    for rec in settled.unknown:
        scan.log.add(unknown_sku_error(rec, scan.file_name))
    scan.unknown += len(settled.unknown)


def drain(scan: FeedScan) -> None:
    """Read pass two to the end without using its offers: a refused run's report still lists
    the duplicate-SKU warnings only pass two finds."""
    if scan.twin_row is not None:
        for _ in iter_offers(scan):
            pass


def write_changes(
    session: Session,
    settings: Settings,
    scan: FeedScan,
    side: StoredSide,
    *,
    retailer_id: int,
    run_id: int,
    delta: bool,
    now: datetime,
    timings: dict[str, Any],
    progress: ChunkProgress | None = None,
    matched: ChunkProgress | None = None,
) -> StoreResult:
    """Match the offers that need it and write them, `CHUNK` at a time, in the caller's
    transaction; then (full feeds) withdraw what the feed does not list. Fills ``timings``
    (matcher_build_s, match_s, write_s and history_s, the part of it that recorded the price
    history, match_workers[_private_mb]).

    ``matched``: told the offers matched (or found not to need it) so far, every
    `PROGRESS_ROWS` or so; ``progress``: told the offers written so far, after each step."""
    total = StoreResult()
    matcher = None
    workers = settings.match_workers or default_workers()
    match_s = write_s = 0.0
    done = 0
    for chunk in chunked(iter_offers(scan)):
        t1 = time.perf_counter()
        existing = side.existing_for(session, retailer_id, chunk)
        plan = classify(existing, chunk, delta=delta)
        del existing
        _refuse_unknown(scan, settle(session, plan))
        write_s += time.perf_counter() - t1
        to_match = plan.needs_matching()
        matches: dict[str, MatchResult] = {}
        if to_match:
            t1 = time.perf_counter()
            if matcher is None:
                matcher = matcher_for(session, workers)
                timings["matcher_build_s"] = round(time.perf_counter() - t1, 3)
                t1 = time.perf_counter()
            results, reports = _match_in_steps(
                matcher, to_match, workers, done + len(chunk) - len(to_match), matched
            )
            matches = {rec.sku: res for rec, res in zip(to_match, results, strict=True)}
            del results
            timings["match_workers"] = max(int(timings.get("match_workers", 1)), 1 + len(reports))
            if reports:
                private = sum(r.private_mb for r in reports)
                before = float(timings.get("match_workers_private_mb", 0.0))
                timings["match_workers_private_mb"] = max(before, private)
            match_s += time.perf_counter() - t1
        elif matched is not None:
            matched(done + len(chunk))
        t1 = time.perf_counter()
        total.add(
            apply_plan(
                session,
                retailer_id=retailer_id,
                run_id=run_id,
                plan=plan,
                matches=matches,
                now=now,
                history=settings.price_history_enabled,
            )
        )
        write_s += time.perf_counter() - t1
        done += len(chunk)
        if progress is not None:
            progress(done)
    if not delta:
        t1 = time.perf_counter()
        total.add(
            withdraw_unlisted(
                session,
                retailer_id=retailer_id,
                run_id=run_id,
                withdraw_ids=side.withdraw_ids,
                product_ids=side.withdraw_product_ids,
                now=now,
                history=settings.price_history_enabled,
            )
        )
        write_s += time.perf_counter() - t1
    timings["match_s"] = round(match_s, 3)
    timings["write_s"] = round(write_s, 3)
    timings["history_s"] = round(total.history_s, 3)  # part of write_s
    return total


def _match_in_steps(
    matcher: Any,
    offers: list[OfferRecord],
    workers: int,
    before: int,
    matched: ChunkProgress | None,
) -> tuple[list[MatchResult], list[WorkerReport]]:
    """`match_parallel` over ``offers`` a step at a time, telling ``matched`` the offers done
    (``before`` them: the run's offers done and the chunk's that need no matching)."""
    if matched is None:
        return match_parallel(matcher, offers, workers)
    step = PROGRESS_ROWS if workers <= 1 else max(PROGRESS_ROWS, workers * MIN_PER_WORKER)
    results: list[MatchResult] = []
    busiest: list[WorkerReport] = []  # the step that forked most: the run's workers and peak

    def weight(reports: list[WorkerReport]) -> tuple[int, float]:
        return len(reports), sum(r.private_mb for r in reports)

    for start in range(0, len(offers), step):
        got, sent = match_parallel(matcher, offers[start : start + step], workers)
        results.extend(got)
        if weight(sent) > weight(busiest):
            busiest = sent
        matched(before + start + len(got))
    return results, busiest
