"""The merchandisers' synonym rules in the database: drafts, publishing, rollback, history.

Mirrors ``ranking.versions``: every function takes the caller's ``Session`` and flushes but
never commits; rows are never deleted and a version's body never changes. Publishing flips
statuses (the previously published version becomes ``retired``) and stamps who and when;
rolling back publishes a NEW version with an earlier body. Two saves racing for the same
version number meet the unique constraint: one gets :class:`SynonymVersionConflict`.

Every search process follows publications through :class:`PublishedSynonyms`: a cheap
stamp query (count and latest time of publications) at most every ``check_seconds``, and
the body is read and parsed only when the stamp changed, so no restart is needed.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from catalog.models import SynonymSetVersion
from catalog.paging import Page, page_scalars
from search.analysis.synonym_rules import EMPTY_RULES, SynonymRules, parse_rules
from search.errors import SynonymVersionConflict, UnknownSynonymVersion

DRAFT = "draft"
PUBLISHED = "published"
RETIRED = "retired"
MAX_VERSION = 2**31 - 1  # the largest version an integer column holds everywhere


def _now() -> datetime:
    return datetime.now(UTC)


def get_version(session: Session, version: int) -> SynonymSetVersion:
    """The row of ``version``; :class:`UnknownSynonymVersion` when there is none (a number
    no column holds, typed in the console, is none too, not a database overflow)."""
    if not 1 <= version <= MAX_VERSION:
        raise UnknownSynonymVersion(f"no synonym rules have version {version}")
    row = session.scalars(
        select(SynonymSetVersion).where(SynonymSetVersion.version == version)
    ).one_or_none()
    if row is None:
        raise UnknownSynonymVersion(f"no synonym rules have version {version}")
    return row


def _next_version(session: Session) -> int:
    latest = session.scalar(select(func.max(SynonymSetVersion.version)))
    return (latest or 0) + 1


def _insert(session: Session, row: SynonymSetVersion) -> SynonymSetVersion:
    session.add(row)
    try:
        session.flush()
    except IntegrityError as exc:
        raise SynonymVersionConflict(
            f"synonym version {row.version} was saved concurrently; reload and try again"
        ) from exc
    return row


def _retire_published(session: Session) -> None:
    for row in session.scalars(
        select(SynonymSetVersion).where(SynonymSetVersion.status == PUBLISHED)
    ):
        row.status = RETIRED


def save_draft(session: Session, text: str, author: str, comment: str = "") -> SynonymSetVersion:
    """Store the rules ``text`` (refused with the bad line named when it cannot be read) as
    the next version, status ``draft``; the body kept is the canonical text."""
    rules = parse_rules(text)
    row = SynonymSetVersion(
        version=_next_version(session),
        body=rules.text(),
        status=DRAFT,
        author=author,
        comment=comment,
        created_at=_now(),
    )
    return _insert(session, row)


def publish(session: Session, version: int, author: str, comment: str = "") -> SynonymSetVersion:
    """Make draft ``version`` the live rules (the previous live version is retired)."""
    row = get_version(session, version)
    if row.status != DRAFT:
        raise SynonymVersionConflict(
            f"synonym version {version} is {row.status}; only a draft can be published"
        )
    _retire_published(session)
    row.status = PUBLISHED
    row.published_at = _now()
    note = f"[published by {author}]" + (f" {comment}" if comment else "")
    row.comment = f"{row.comment}\n{note}" if row.comment else note
    session.flush()
    return row


def rollback(
    session: Session, to_version: int, author: str, comment: str = ""
) -> SynonymSetVersion:
    """Publish a NEW version with the body of ``to_version`` (which must have been live)."""
    old = get_version(session, to_version)
    if old.published_at is None:
        raise SynonymVersionConflict(
            f"synonym version {to_version} was never published; publish it instead"
        )
    _retire_published(session)
    now = _now()
    row = SynonymSetVersion(
        version=_next_version(session),
        body=old.body,
        status=PUBLISHED,
        author=author,
        comment=f"rollback to version {to_version}" + (f": {comment}" if comment else ""),
        created_at=now,
        published_at=now,
    )
    return _insert(session, row)


def published_version(session: Session) -> SynonymSetVersion | None:
    """The live version row, or ``None`` when nothing was ever published."""
    return session.scalars(
        select(SynonymSetVersion)
        .where(SynonymSetVersion.status == PUBLISHED)
        .order_by(SynonymSetVersion.version.desc())
        .limit(1)
    ).one_or_none()


def latest_draft(session: Session) -> SynonymSetVersion | None:
    """The newest draft saved after the live version (what the console edits), or None."""
    live = published_version(session)
    query = select(SynonymSetVersion).where(SynonymSetVersion.status == DRAFT)
    if live is not None:
        query = query.where(SynonymSetVersion.version > live.version)
    return session.scalars(query.order_by(SynonymSetVersion.version.desc()).limit(1)).first()


def published_rules(session: Session) -> SynonymRules:
    """The live rules (none: an empty set)."""
    row = published_version(session)
    return EMPTY_RULES if row is None else parse_rules(row.body)


def load_rules(session: Session, version: int) -> SynonymRules:
    """The rules stored as ``version`` (any status)."""
    return parse_rules(get_version(session, version).body)


def publication_stamp(session: Session) -> tuple[int, str]:
    """Changes whenever rules are published or rolled back: how many versions were ever
    published, and the latest publication time."""
    count, latest = session.execute(
        select(
            func.count(SynonymSetVersion.published_at),
            func.max(SynonymSetVersion.published_at),
        )
    ).one()
    return int(count or 0), str(latest or "")


def _history_query() -> Select[SynonymSetVersion]:
    return select(SynonymSetVersion).order_by(SynonymSetVersion.version.desc())


def history(session: Session) -> list[SynonymSetVersion]:
    """Every version, newest first."""
    return list(session.scalars(_history_query()))


def history_page(session: Session, *, limit: int, offset: int) -> Page:
    """One page of :func:`history` and the count of all versions."""
    return page_scalars(session, _history_query(), limit=limit, offset=offset)


def rule_diff(before: SynonymRules, after: SynonymRules) -> list[str]:
    """The rules added and removed from ``before`` to ``after``, as ``+ rule``/``- rule``."""
    old = before.text().splitlines()
    new = after.text().splitlines()
    return [f"- {line}" for line in old if line not in new] + [
        f"+ {line}" for line in new if line not in old
    ]


class PublishedSynonyms:
    """The live rules for a search process: re-read only when a publication happened.

    Calling it checks the stamp at most every ``check_seconds`` (one indexed aggregate query)
    and parses the live body only when the stamp changed, so a version published through
    any process is applied by every process within ``check_seconds``.
    """

    def __init__(
        self,
        factory: Callable[[], Session],
        check_seconds: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._factory = factory
        self.check_seconds = check_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._stamp: tuple[int, str] | None = None
        self._checked = float("-inf")
        self._rules: SynonymRules = EMPTY_RULES

    def __call__(self) -> SynonymRules:
        now = self._clock()
        if now - self._checked < self.check_seconds:
            return self._rules
        with self._lock:
            if now - self._checked < self.check_seconds:
                return self._rules
            with self._factory() as session:
                stamp = publication_stamp(session)
                if stamp != self._stamp:
                    self._rules = published_rules(session)
                    self._stamp = stamp
            self._checked = now
        return self._rules

    def forget(self) -> None:
        """Check on the next call (after a publication in this process)."""
        self._checked = float("-inf")
