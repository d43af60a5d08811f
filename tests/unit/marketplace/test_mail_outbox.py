"""The e-mail outbox: queued in the caller's transaction, once per dedupe key."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from marketplace.mail import queue_email
from marketplace.models import OutgoingEmail
from tests.factories import migrated_factory


def test_a_message_is_queued_with_the_transaction_and_once_per_key(tmp_path: Path) -> None:
    factory = migrated_factory(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    with factory() as session:
        first = queue_email(
            session,
            to="anna@klinik.se",
            template="order_shipped",
            lang="sv",
            context={"order": 12},
            dedupe_key="order_shipped:12:user:3",
        )
        assert first is not None
        session.rollback()  # rolled back: nothing queued
        assert session.scalars(select(OutgoingEmail)).all() == []
        queue_email(
            session,
            to="anna@klinik.se",
            template="order_shipped",
            lang="sv",
            context={"order": 12},
            dedupe_key="order_shipped:12:user:3",
        )
        session.commit()
        again = queue_email(
            session,
            to="anna@klinik.se",
            template="order_shipped",
            lang="sv",
            context={"order": 12},
            dedupe_key="order_shipped:12:user:3",
        )
        assert again is None
        session.commit()
        rows = session.scalars(select(OutgoingEmail)).all()
        assert [(r.status, r.attempts, r.context) for r in rows] == [("queued", 0, {"order": 12})]


def test_an_unknown_language_is_refused(tmp_path: Path) -> None:
    factory = migrated_factory(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    with factory() as session, pytest.raises(ValueError, match="lang"):
        queue_email(session, to="a@b.se", template="x", lang="de", context={})
