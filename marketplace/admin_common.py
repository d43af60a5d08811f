"""What the admin console's services share: pages of a list (``limit`` 1..100, ``offset``),
bounded search text and reasons, closed choices, and the audit log itself. Every refusal
is an :class:`InvalidInput` naming its field (``values["field"]``)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.models import AuditEntry, User
from catalog.paging import Page, page_scalars
from marketplace.access import require_admin
from marketplace.errors import InvalidInput

MAX_PAGE = 100
MAX_QUERY = 200
MAX_REASON = 2000


def page_bounds(limit: int, offset: int) -> tuple[int, int]:
    """``limit`` 1..100 and ``offset`` >= 0, or InvalidInput naming the field."""
    if not 1 <= limit <= MAX_PAGE:
        raise InvalidInput(
            f"limit must be 1..{MAX_PAGE}", code="field_range", field="limit", high=MAX_PAGE
        )
    if offset < 0:
        raise InvalidInput("offset must be 0 or more", code="field_range", field="offset", high=0)
    return limit, offset


def reason_text(reason: str | None, *, required: bool = True) -> str | None:
    """A trimmed reason of 1..2000 characters (``None`` when optional and empty)."""
    text = (reason or "").strip()
    if not text and not required:
        return None
    if not text or len(text) > MAX_REASON:
        raise InvalidInput(
            f"reason needs 1..{MAX_REASON} characters",
            code="field_length",
            field="reason",
            high=MAX_REASON,
        )
    return text


def search_text(q: str | None) -> str | None:
    text = (q or "").strip()
    if len(text) > MAX_QUERY:
        raise InvalidInput(
            f"q is at most {MAX_QUERY} characters", code="field_length", field="q", high=MAX_QUERY
        )
    return text or None


def like_pattern(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def choice(field: str, value: str | None, allowed: Sequence[str]) -> str | None:
    if value is None or value == "":
        return None
    if value not in allowed:
        raise InvalidInput(
            f"{field} must be one of {', '.join(allowed)}",
            code="field_choice",
            field=field,
            choices=", ".join(allowed),
        )
    return value


# ---------------------------------------------------------------- the audit log


def audit_log(
    session: Session,
    user: User | None,
    *,
    target_kind: str | None = None,
    target_id: str | None = None,
    action: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> Page:
    """Audit entries, newest first, optionally of one target (kind, or kind and id) or of
    actions starting with ``action`` (``organisation.``)."""
    require_admin(user)
    limit, offset = page_bounds(limit, offset)
    query = select(AuditEntry)
    for field, value, high in (
        ("target_kind", target_kind, 30),
        ("target_id", target_id, 64),
        ("action", action, 60),
    ):
        if value is not None and len(value) > high:
            raise InvalidInput(
                f"{field} is at most {high} characters", code="field_length", field=field, high=high
            )
    if target_kind:
        query = query.where(AuditEntry.target_kind == target_kind)
    if target_id:
        query = query.where(AuditEntry.target_id == target_id.strip())
    if action:
        query = query.where(AuditEntry.action.like(like_pattern(action)[1:], escape="\\"))
    query = query.order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    return page_scalars(session, query, limit=limit, offset=offset)
