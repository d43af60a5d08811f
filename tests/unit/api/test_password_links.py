"""Reset links: signed with the secret key, valid for LINK_HOURS, usable once, never for a
suspended account or a member of a suspended organisation."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from unittest import mock

import pytest
from sqlalchemy.orm import Session

from api.auth import WeakPassword, verify_password
from api.password_links import (
    LINK_HOURS,
    InvalidLink,
    link_for,
    link_token,
    link_user,
    set_password_by_link,
)
from catalog.audit import entries_for
from catalog.db import make_engine, migrate, session_factory
from catalog.models import Organisation, User
from catalog.settings import Settings

NEW = "Sju sjösjuka sjömän på ett sjunkande skepp"


@pytest.fixture()
def session(tmp_path: Path) -> Iterator[Session]:
    engine = make_engine(f"sqlite:///{tmp_path / 'links.sqlite3'}")
    migrate(engine)
    with session_factory(engine)() as s:
        yield s
    engine.dispose()


@pytest.fixture()
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path, secret_key="k" * 64, environment="test")


def _user(session: Session, **kw: object) -> User:
    user = User(email="anna@klinik.se", name="Anna", role="clinic", password_hash="old", **kw)
    session.add(user)
    session.commit()
    return user


def test_a_link_sets_the_password_once(session: Session, settings: Settings) -> None:
    user = _user(session)
    link = link_for(settings, "https://valbar.example/", user)
    assert link.startswith("https://valbar.example/konto/nytt-losenord?token=")
    token = link.split("token=", 1)[1]
    assert link_user(session, settings, token).id == user.id
    with pytest.raises(WeakPassword):
        set_password_by_link(session, settings, token, NEW, NEW + "x")
    session.rollback()
    set_password_by_link(session, settings, token, NEW, NEW)
    session.refresh(user)
    assert verify_password(NEW, user.password_hash)
    assert entries_for(session, "user", user.id)[0].action == "user.password_set"
    with pytest.raises(InvalidLink):  # used: the password hash it was made for is gone
        set_password_by_link(session, settings, token, NEW + "!", NEW + "!")


def test_forged_expired_or_blocked_links_are_refused(session: Session, settings: Settings) -> None:
    user = _user(session)
    token = link_token(settings, user)
    other = Settings(data_dir=settings.data_dir, secret_key="z" * 64, environment="test")
    for bad in ("", "x" * 600, token[:-2] + "xx", link_token(other, user)):
        with pytest.raises(InvalidLink):
            link_user(session, settings, bad)
    later = time.time() + LINK_HOURS * 3600 + 5
    expired = pytest.raises(InvalidLink, match="expired")
    with mock.patch("itsdangerous.timed.time.time", return_value=later), expired:
        link_user(session, settings, token)
    org = Organisation(kind="clinic", name="Avstängd", status="suspended")
    session.add(org)
    session.flush()
    user.organisation_id = org.id
    session.commit()
    with pytest.raises(InvalidLink):
        link_user(session, settings, token)
    org.status, user.active = "active", False
    session.commit()
    with pytest.raises(InvalidLink):
        link_user(session, settings, token)
