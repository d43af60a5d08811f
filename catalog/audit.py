"""The audit trail: one row per admin (or organisation manager) action, in the same
transaction as the action itself, so an action is never done without its entry."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.models import AuditEntry, User


def actor_label(user: User | None, channel: str) -> str:
    """ "admin a@b.se (web)"; "cli" / "system" without a user."""
    if user is None:
        return channel
    return f"{user.role} {user.email} ({channel})"


def record(
    session: Session,
    *,
    actor: User | None,
    channel: str,
    action: str,
    target_kind: str,
    target_id: int | str,
    detail: Mapping[str, Any] | None = None,
) -> AuditEntry:
    """Add an entry to ``session`` (the caller commits it with the action)."""
    entry = AuditEntry(
        actor_user_id=actor.id if actor is not None else None,
        actor=actor_label(actor, channel)[:300],
        action=action,
        target_kind=target_kind,
        target_id=str(target_id),
        detail=dict(detail or {}),
    )
    session.add(entry)
    return entry


def entries_for(
    session: Session, target_kind: str, target_id: int | str, limit: int = 100
) -> list[AuditEntry]:
    """The newest ``limit`` entries about one target, newest first."""
    stmt = (
        select(AuditEntry)
        .where(AuditEntry.target_kind == target_kind, AuditEntry.target_id == str(target_id))
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .limit(limit)
    )
    return list(session.scalars(stmt))
