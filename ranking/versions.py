"""Ranking config versions in the database: drafts, publishing, rollback, history and diffs.

The only module of ``ranking`` that does I/O; every function takes the caller's ``Session``
and flushes but never commits (the caller owns the transaction). Rows are never deleted and a
version's body never changes: publishing flips statuses (the previously published version
becomes ``retired``) and records who published it; rolling back creates a NEW published
version with the old body, so the trail of what was live when stays complete.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from catalog.models import RankingConfigVersion
from catalog.paging import Page, page_scalars
from ranking.config import RankingConfig, config_from_toml, config_to_toml, load_named
from ranking.errors import UnknownConfig, VersionConflict

DRAFT = "draft"
PUBLISHED = "published"
RETIRED = "retired"


def _now() -> datetime:
    return datetime.now(UTC)


def _get(session: Session, name: str, version: int) -> RankingConfigVersion:
    row = session.scalars(
        select(RankingConfigVersion).where(
            RankingConfigVersion.name == name, RankingConfigVersion.version == version
        )
    ).one_or_none()
    if row is None:
        raise UnknownConfig(name, version, where="no such version")
    return row


def _next_version(session: Session, name: str) -> int:
    latest = session.scalar(
        select(func.max(RankingConfigVersion.version)).where(RankingConfigVersion.name == name)
    )
    return (latest or 0) + 1


def _insert(session: Session, row: RankingConfigVersion) -> RankingConfigVersion:
    session.add(row)
    try:
        session.flush()
    except IntegrityError as exc:
        raise VersionConflict(
            f"version {row.version} of {row.name!r} was saved concurrently; "
            "roll back the session and retry"
        ) from exc
    return row


def _retire_published(session: Session, name: str) -> None:
    for row in session.scalars(
        select(RankingConfigVersion).where(
            RankingConfigVersion.name == name, RankingConfigVersion.status == PUBLISHED
        )
    ):
        row.status = RETIRED


def _body(name: str, cfg: RankingConfig) -> str:
    # The stored body carries the name it is stored under (a fork of "default" saved as
    # "summer" is the "summer" config).
    return config_to_toml(cfg if cfg.name == name else cfg.model_copy(update={"name": name}))


def save_draft(
    session: Session, name: str, cfg: RankingConfig, author: str, comment: str = ""
) -> RankingConfigVersion:
    """Store ``cfg`` as the next version of ``name``, status ``draft``."""
    body = _body(name, cfg)
    config_from_toml(body, source=f"draft of {name!r}")  # refuse anything that cannot load
    row = RankingConfigVersion(
        name=name,
        version=_next_version(session, name),
        body=body,
        status=DRAFT,
        author=author,
        comment=comment,
        created_at=_now(),
    )
    return _insert(session, row)


SHIPPED_VERSION = 0
"""The version number of a config's shipped file, recorded when its first draft is published."""


def _record_shipped(session: Session, name: str, config_dir: Path | None) -> None:
    """Before the first publish of ``name``, keep the file config that was live until then as
    retired version 0, so a rollback can return to it."""
    ever = session.scalar(
        select(func.count())
        .select_from(RankingConfigVersion)
        .where(RankingConfigVersion.name == name, RankingConfigVersion.published_at.is_not(None))
    )
    if ever:
        return
    try:
        shipped = load_named(name, config_dir)
    except UnknownConfig:
        return  # a config created in the console: nothing was live before
    now = _now()
    row = RankingConfigVersion(
        name=name,
        version=SHIPPED_VERSION,
        body=_body(name, shipped),
        status=RETIRED,
        author="configs/ranking",
        comment=f"the shipped {name}.toml, live until the first publish",
        created_at=now,
        published_at=now,
    )
    _insert(session, row)


def publish(
    session: Session,
    name: str,
    version: int,
    author: str,
    comment: str = "",
    config_dir: Path | None = None,
) -> RankingConfigVersion:
    """Make draft ``version`` the live config of ``name`` (the previous one is retired; before
    the first publish, the shipped file config is kept as version 0)."""
    row = _get(session, name, version)
    if row.status != DRAFT:
        raise VersionConflict(
            f"{name!r} version {version} is {row.status}, only a draft can be published"
        )
    _record_shipped(session, name, config_dir)
    _retire_published(session, name)
    row.status = PUBLISHED
    row.published_at = _now()
    note = f"[published by {author}]" + (f" {comment}" if comment else "")
    row.comment = f"{row.comment}\n{note}" if row.comment else note
    session.flush()
    return row


def rollback(
    session: Session, name: str, to_version: int, author: str, comment: str = ""
) -> RankingConfigVersion:
    """Publish a NEW version whose body is that of ``to_version`` (once published)."""
    old = _get(session, name, to_version)
    if old.published_at is None:
        raise VersionConflict(
            f"{name!r} version {to_version} was never published; publish it instead"
        )
    _retire_published(session, name)
    now = _now()
    row = RankingConfigVersion(
        name=name,
        version=_next_version(session, name),
        body=old.body,
        status=PUBLISHED,
        author=author,
        comment=f"rollback to version {to_version}" + (f": {comment}" if comment else ""),
        created_at=now,
        published_at=now,
    )
    return _insert(session, row)


def published_version(session: Session, name: str) -> RankingConfigVersion | None:
    """The live version row of ``name``, or ``None`` if nothing was published."""
    return session.scalars(
        select(RankingConfigVersion)
        .where(RankingConfigVersion.name == name, RankingConfigVersion.status == PUBLISHED)
        .order_by(RankingConfigVersion.version.desc())
        .limit(1)
    ).one_or_none()


def publication_stamp(session: Session) -> tuple[int, str]:
    """Changes whenever any config is published or rolled back (every worker compares it,
    cheaply, to the one its cached configs were loaded under): how many versions were ever
    published, and the latest publication time."""
    count, latest = session.execute(
        select(
            func.count(RankingConfigVersion.published_at),
            func.max(RankingConfigVersion.published_at),
        )
    ).one()
    return int(count or 0), str(latest or "")


def published(session: Session, name: str, config_dir: Path | None = None) -> RankingConfig:
    """The live config of ``name``; falls back to ``configs/ranking/<name>.toml``."""
    row = published_version(session, name)
    if row is None:
        return load_named(name, config_dir)
    return config_from_toml(row.body, source=f"{name!r} version {row.version}")


def load_version(session: Session, name: str, version: int) -> RankingConfig:
    """The config stored as ``version`` of ``name`` (any status)."""
    row = _get(session, name, version)
    return config_from_toml(row.body, source=f"{name!r} version {version}")


def _history_query(name: str) -> Select[RankingConfigVersion]:
    return (
        select(RankingConfigVersion)
        .where(RankingConfigVersion.name == name)
        .order_by(RankingConfigVersion.version)
    )


def history(session: Session, name: str) -> list[RankingConfigVersion]:
    """Every version of ``name``, oldest first."""
    return list(session.scalars(_history_query(name)))


def history_page(session: Session, name: str, *, limit: int, offset: int) -> Page:
    """One page of :func:`history` and the count of all versions of ``name``."""
    return page_scalars(session, _history_query(name), limit=limit, offset=offset)


def _flatten(value: Any, prefix: str, out: dict[str, Any]) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _flatten(item, f"{prefix}.{key}" if prefix else str(key), out)
    else:
        out[prefix] = value


def _rules_diff(a: RankingConfig, b: RankingConfig) -> list[str]:
    old = {rule.id: rule.model_dump(mode="json") for rule in a.rules}
    new = {rule.id: rule.model_dump(mode="json") for rule in b.rules}
    lines = [f"rules[{rule_id}]: removed" for rule_id in old if rule_id not in new]
    for rule_id, body in new.items():
        if rule_id not in old:
            lines.append(f"rules[{rule_id}]: added ({body['action']})")
            continue
        for key, value in body.items():
            if old[rule_id].get(key) != value:
                lines.append(f"rules[{rule_id}].{key}: {old[rule_id].get(key)!r} -> {value!r}")
    if [r.id for r in a.rules if r.id in new] != [r.id for r in b.rules if r.id in old]:
        lines.append("rules: order changed")
    return lines


def diff(a: RankingConfig, b: RankingConfig) -> list[str]:
    """Human-readable changes from ``a`` to ``b``: ``"weights.price: 0.04 -> 0.3"``."""
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    _flatten(a.model_dump(mode="json", exclude={"rules"}), "", before)
    _flatten(b.model_dump(mode="json", exclude={"rules"}), "", after)
    lines = []
    for key in [*before, *(k for k in after if k not in before)]:
        old, new = before.get(key), after.get(key)
        if old != new:
            lines.append(f"{key}: {old!r} -> {new!r}")
    return lines + _rules_diff(a, b)
