"""Personal data held by packages above the catalogue, for a user's GDPR export and erasure.

``marketplace.gdpr`` exports and deletes a user's account; a sibling package (loyalty)
holds more of the user's data but may not be imported by the marketplace (the layers). So
the upper package registers its part here at start-up (:func:`register`), and the export
and the deletion call every registered part (:func:`export_parts`, :func:`erase_parts`)
inside their own transaction, before the user row goes.

A part that must touch files (a photo) does so after the transaction commits
(:func:`after_commit`): a deletion rolled back never loses a file still referenced.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

Exporter = Callable[[Session, int], Any]
Eraser = Callable[[Session, int], None]
_EXPORTERS: dict[str, Exporter] = {}
_ERASERS: dict[str, Eraser] = {}
_PENDING = "personal_data.after_commit"


def register(name: str, *, export: Exporter, erase: Eraser) -> None:
    """Add (or replace: a start-up run twice registers once) the part called ``name``."""
    _EXPORTERS[name] = export
    _ERASERS[name] = erase


def unregister(name: str) -> None:
    _EXPORTERS.pop(name, None)
    _ERASERS.pop(name, None)


def registered() -> list[str]:
    return sorted(_EXPORTERS)


def export_parts(session: Session, user_id: int) -> dict[str, Any]:
    """``{part name: its export}`` of every registered part."""
    return {name: export(session, user_id) for name, export in sorted(_EXPORTERS.items())}


def erase_parts(session: Session, user_id: int) -> None:
    """Every registered part erases or pseudonymises the user's data (the caller commits)."""
    for _name, erase in sorted(_ERASERS.items()):
        erase(session, user_id)


def _run(session: Session) -> None:
    for action in session.info.pop(_PENDING, []):
        try:
            action()
        except Exception:  # the commit stands; the file is left behind, logged
            log.exception("an action after the GDPR commit failed")


def _drop(session: Session) -> None:
    session.info.pop(_PENDING, None)


def after_commit(session: Session, action: Callable[[], None]) -> None:
    """Run ``action`` once the session's current transaction commits (never on rollback)."""
    pending = session.info.get(_PENDING)
    if pending is None:
        session.info[_PENDING] = pending = []
        if not session.info.get("personal_data.listening"):
            session.info["personal_data.listening"] = True
            event.listen(session, "after_commit", _run)
            event.listen(session, "after_rollback", _drop)
    pending.append(action)
