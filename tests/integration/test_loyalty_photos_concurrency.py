"""Photo activities under concurrency on PostgreSQL (and SQLite): a seller's uploads to one
activity at once store one photo (the unique open photo per seller and activity), and
admins approving one photo at once pay its points once."""

from __future__ import annotations

import io
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import TypeVar

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from catalog.db import transaction
from catalog.models import Organisation, Retailer, User
from loyalty import photos, programmes
from loyalty.enums import MEMBER_TERMS_VERSION, PARTICIPANT_TERMS_VERSION
from loyalty.ledger import verify
from loyalty.models import Entry, PhotoSubmission
from tests.factories import migrated_factory
from tests.integration.conftest import pg_schema
from tests.unit.loyalty.photo_support import jpeg_with_gps, picture

pytestmark = pytest.mark.integration
NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
THREADS = 6
BOUNDS = photos.PhotoLimits(max_bytes=2_000_000, max_pixels=40_000_000, duplicate_bits=6)
T = TypeVar("T")


@pytest.fixture(params=["postgresql", "sqlite"])
def factory(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    if request.param == "sqlite":
        yield migrated_factory(f"sqlite:///{tmp_path / 'photos.sqlite3'}")
        return
    with pg_schema() as url:
        yield migrated_factory(url)


def _seed(factory: sessionmaker[Session]) -> tuple[int, int, int]:
    """(seller id, admin id, an open activity)."""
    with transaction(factory) as s:
        retailer = Retailer(slug="tandab", name="Tand AB")
        s.add(retailer)
        s.flush()
        org = Organisation(kind="retailer", name="Tand AB", retailer_id=retailer.id)
        s.add(org)
        s.flush()
        people = {
            "rep": User(
                email="rep@tand.se",
                name="Rut",
                role="retailer",
                retailer_id=retailer.id,
                organisation_id=org.id,
                org_role="representative",
                password_hash="x",
            ),
            "seller": User(
                email="olle@tand.se",
                name="Olle",
                role="retailer",
                retailer_id=retailer.id,
                organisation_id=org.id,
                org_role="staff",
                password_hash="x",
            ),
            "admin": User(email="a@valbar.se", name="Ada", role="admin", password_hash="x"),
        }
        s.add_all(people.values())
        s.flush()
        programme = programmes.create_programme(
            s,
            None,
            name="Tandklubben",
            sponsor_name="Dentsply",
            points_per_krona=Decimal(1),
            point_value_ore=5,
            expiry_months=24,
            now=NOW,
        )
        programmes.accept_member_terms(
            s, people["rep"], programme.id, MEMBER_TERMS_VERSION, now=NOW
        )
        programmes.invite(s, people["rep"], programme.id, people["seller"].id, now=NOW)
        programmes.accept_participant_terms(
            s, people["seller"], programme.id, PARTICIPANT_TERMS_VERSION, now=NOW
        )
        activity = photos.create_activity(
            s,
            people["admin"],
            programme.id,
            title="Visa vår monter",
            description="",
            points=50,
            starts_at=NOW - timedelta(days=1),
            ends_at=NOW + timedelta(days=1),
            now=NOW,
        )
        return people["seller"].id, people["admin"].id, activity.id


def _at_once(n: int, work: Callable[[int], T]) -> list[T | BaseException]:
    gate = threading.Barrier(n)

    def run(i: int) -> T | BaseException:
        gate.wait()
        try:
            return work(i)
        except Exception as exc:  # noqa: BLE001 - the test counts the refusals
            return exc

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(run, range(n)))


def test_uploads_at_once_store_one_photo(factory: sessionmaker[Session], tmp_path: Path) -> None:
    seller, _admin, activity = _seed(factory)
    datas = [jpeg_with_gps(picture(i)) for i in range(THREADS)]

    def upload(i: int) -> int:
        with transaction(factory) as s:
            return photos.submit_photo(
                s,
                s.get(User, seller),
                activity,
                io.BytesIO(datas[i]),
                folder=tmp_path / "photos",
                bounds=BOUNDS,
                now=NOW,
            ).id

    results = _at_once(THREADS, upload)
    stored = [r for r in results if isinstance(r, int)]
    refused = [r for r in results if isinstance(r, photos.AlreadySubmitted)]
    assert len(stored) == 1 and len(refused) == THREADS - 1, results
    with transaction(factory) as s:
        assert s.scalar(select(func.count()).select_from(PhotoSubmission)) == 1


def test_approvals_at_once_pay_once(factory: sessionmaker[Session], tmp_path: Path) -> None:
    seller, admin, activity = _seed(factory)
    with transaction(factory) as s:
        photo = photos.submit_photo(
            s,
            s.get(User, seller),
            activity,
            io.BytesIO(jpeg_with_gps()),
            folder=tmp_path / "photos",
            bounds=BOUNDS,
            now=NOW,
        ).id

    def approve(_i: int) -> str:
        with transaction(factory) as s:
            return photos.decide(
                s, s.get(User, admin), photo, approve=True, reason="", now=NOW
            ).status

    results = _at_once(THREADS, approve)
    assert results.count("approved") == 1, results
    assert sum(isinstance(r, photos.AlreadyDecided) for r in results) == THREADS - 1, results
    with transaction(factory) as s:
        paid = s.scalars(select(Entry.points).where(Entry.kind == "photo")).all()
        assert list(paid) == [50]
        assert verify(s).ok
