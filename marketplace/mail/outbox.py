"""Queueing a message: one row in ``outgoing_email``, in the caller's transaction."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.dispatch import mark_pending
from marketplace.models import OutgoingEmail

LANGS = ("sv", "en")


def queue_email(
    session: Session,
    *,
    to: str,
    template: str,
    lang: str,
    context: Mapping[str, str | int | float | None],
    user_id: int | None = None,
    dedupe_key: str | None = None,
) -> OutgoingEmail | None:
    """Queue ``template`` in ``lang`` (sv | en) to ``to``; the caller commits it. With a
    ``dedupe_key`` already queued, nothing is added and None is returned (the unique
    constraint settles two at once: the loser's commit fails, the caller retries or drops)."""
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {LANGS}, not {lang!r}")
    if dedupe_key is not None:
        found = session.scalar(
            select(OutgoingEmail.id).where(OutgoingEmail.dedupe_key == dedupe_key)
        )
        if found is not None:
            return None
    mail = OutgoingEmail(
        to_address=to,
        user_id=user_id,
        template=template,
        lang=lang,
        context=dict(context),
        dedupe_key=dedupe_key,
        status="queued",
        attempts=0,
    )
    session.add(mail)
    mark_pending(session)  # sent right after the commit
    return mail
