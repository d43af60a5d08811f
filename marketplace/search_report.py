"""The zero-result and no-click report: what clinics search for and do not find.

Searches are counted per **normalised query text and day** (``SearchQueryStat``): how often
the text was searched (first result pages only), how often it found nothing, how many
clicks on a result it led to, and when it was last searched. No user, session, IP or other
request detail is kept, and a text that looks like personal data (an e-mail address, a
Swedish personal identity number) is not recorded at all.

Counting never slows a search: :class:`QueryStatRecorder` folds searches and clicks into an
in-memory buffer and writes it with one upsert per row (``INSERT .. ON CONFLICT DO UPDATE``
adding the counts), so concurrent writers in any number of processes add up and never make
two rows of one query and day. A result click is counted per click: "no click" is the
searches that found something minus the clicks, never below zero (a search with two clicks
hides another without any, so the figure is a lower bound).
"""

from __future__ import annotations

import re
import threading
import time
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Literal, cast

from sqlalchemy import Table, case, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from marketplace.dates import as_utc, local_date, utc_now
from marketplace.models import SearchQueryStat

MAX_QUERY = 300
ReportKind = Literal["zero", "no_click"]
REPORT_KINDS: tuple[ReportKind, ...] = ("zero", "no_click")
_SPACES = re.compile(r"\s+")
# what must never be stored: e-mail addresses and Swedish personal identity numbers
_PERSONAL = re.compile(r"\S+@\S+|\b(?:\d{2})?\d{6}[-+]\d{4}\b")
_TABLE = cast(Table, SearchQueryStat.__table__)


def normalise_query(text: str) -> str:
    """The text as counted: NFC, lower case, one space between words, at most 300
    characters; ``""`` for an empty text or one that looks like personal data."""
    norm = _SPACES.sub(" ", unicodedata.normalize("NFC", text).lower()).strip()[:MAX_QUERY]
    if not norm or _PERSONAL.search(norm):
        return ""
    return norm


@dataclass(slots=True)
class _Counts:
    searches: int = 0
    zero_results: int = 0
    clicked: int = 0
    last_seen: datetime | None = None


class QueryStatRecorder:
    """A thread-safe buffer of counts per (query, day), written in upserts.

    ``searched``/``clicked`` are O(1) and do no I/O; they return True when the buffer should
    be flushed (``batch_size`` distinct rows, or the oldest waited ``max_age`` seconds), to
    one caller per batch, as ``marketplace.demand.DemandRecorder`` does.
    """

    def __init__(
        self,
        session_factory: Callable[[], Session],
        batch_size: int = 200,
        *,
        max_age: float = 5.0,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._factory = session_factory
        self._batch_size = batch_size
        self._max_age = max_age
        self._clock = clock
        self._lock = threading.Lock()
        self._rows: dict[tuple[str, date], _Counts] = {}
        self._oldest = 0.0
        self._due: float | None = None

    def _add(self, query: str, searches: int, zero: int, clicks: int) -> bool:
        text = normalise_query(query)
        if not text:
            return False
        at = as_utc(self._clock())
        now = time.monotonic()
        with self._lock:
            if not self._rows:
                self._oldest = now
            counts = self._rows.setdefault((text, local_date(at)), _Counts())
            counts.searches += searches
            counts.zero_results += zero
            counts.clicked += clicks
            if searches:
                counts.last_seen = at
            if self._due is not None and now - self._due < self._max_age:
                return False
            ready = len(self._rows) >= self._batch_size or now - self._oldest >= self._max_age
            self._due = now if ready else None
            return ready

    def searched(self, query: str, total: int) -> bool:
        """One search of ``query`` (its first page) that found ``total`` products."""
        return self._add(query, 1, 1 if total == 0 else 0, 0)

    def clicked(self, query: str) -> bool:
        """A click on a result of a search for ``query``."""
        return self._add(query, 0, 0, 1)

    def pending(self) -> int:
        with self._lock:
            return len(self._rows)

    def flush(self) -> int:
        """Write every buffered row; returns how many rows were upserted."""
        with self._lock:
            rows, self._rows = self._rows, {}
            self._due = None
        if not rows:
            return 0
        values = [
            {
                "query": text,
                "day": day,
                "searches": c.searches,
                "zero_results": c.zero_results,
                "clicked": c.clicked,
                # a click alone (the search was counted in another flush) keeps its time
                "last_seen": c.last_seen or datetime(1970, 1, 1, tzinfo=utc_now().tzinfo),
            }
            # one order for every writer: two processes upserting the same rows lock them
            # in the same order, so they wait for each other instead of deadlocking
            for (text, day), c in sorted(rows.items())
        ]
        with self._factory() as session:
            upsert_counts(session, values)
            session.commit()
        return len(values)


def upsert_counts(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Add the rows' counts to their (query, day) rows, creating the missing ones."""
    bind = session.get_bind()
    stmt: postgresql.Insert | sqlite.Insert
    stmt = postgresql.insert(_TABLE) if bind.dialect.name == "postgresql" else sqlite.insert(_TABLE)
    t = _TABLE.c
    later = case(
        (stmt.excluded.last_seen > t.last_seen, stmt.excluded.last_seen), else_=t.last_seen
    )
    session.execute(
        stmt.on_conflict_do_update(
            index_elements=[t.query, t.day],
            set_={
                "searches": t.searches + stmt.excluded.searches,
                "zero_results": t.zero_results + stmt.excluded.zero_results,
                "clicked": t.clicked + stmt.excluded.clicked,
                "last_seen": later,
            },
        ),
        list(rows),
    )


@dataclass(frozen=True, slots=True)
class QueryReportRow:
    query: str
    searches: int
    zero_results: int
    no_click: int
    clicks: int
    last_seen: datetime | None


PERIODS = {"7d": 7, "30d": 30, "90d": 90, "365d": 365}
"""The report's periods: the last N days, today included (Swedish days)."""


def period_start(period: str, today: date | None = None) -> date:
    """The first day of ``period`` (a key of :data:`PERIODS`); ValueError otherwise."""
    if period not in PERIODS:
        raise ValueError(f"period must be one of {', '.join(PERIODS)}")
    return (today or local_date(utc_now())) - timedelta(days=PERIODS[period] - 1)


def query_report(
    session: Session, kind: ReportKind, since: date, *, limit: int, offset: int = 0
) -> tuple[list[QueryReportRow], int]:
    """The queries with zero results (``zero``) or without a click (``no_click``) since
    ``since``, most frequent first (ties: the latest first), and how many queries there are."""
    t = SearchQueryStat
    searches = func.sum(t.searches)
    zero = func.sum(t.zero_results)
    clicks = func.sum(t.clicked)
    no_click = searches - zero - clicks
    measure = zero if kind == "zero" else no_click
    grouped = (
        select(
            t.query.label("query"),
            searches.label("searches"),
            zero.label("zero"),
            clicks.label("clicks"),
            func.max(t.last_seen).label("last_seen"),
            measure.label("measure"),
        )
        .where(t.day >= since)
        .group_by(t.query)
        .having(measure > 0)
        .subquery()
    )
    total = session.scalar(select(func.count()).select_from(grouped)) or 0
    rows = session.execute(
        select(grouped)
        .order_by(grouped.c.measure.desc(), grouped.c.last_seen.desc(), grouped.c.query)
        .limit(limit)
        .offset(offset)
    ).all()
    out = []
    for r in rows:
        searched, zeros, clicked = int(r.searches), int(r.zero), int(r.clicks)
        out.append(
            QueryReportRow(
                query=r.query,
                searches=searched,
                zero_results=zeros,
                no_click=max(0, searched - zeros - clicked),
                clicks=clicked,
                last_seen=None if r.last_seen is None else as_utc(r.last_seen),
            )
        )
    return out, int(total)


def top_zero_result_queries(session: Session, since: date, limit: int = 10) -> list[str]:
    """The most frequent zero-result queries since ``since`` (for synonym previews)."""
    rows, _ = query_report(session, "zero", since, limit=limit)
    return [r.query for r in rows]
