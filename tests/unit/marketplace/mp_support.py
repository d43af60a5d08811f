"""A small seeded marketplace: two retailers, clinic users, staff, products and offers."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from catalog.db import make_engine, migrate, session_factory, transaction
from catalog.models import Offer, Product, Retailer, User
from tests.factories import ENGINES

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday, 10:00 in Stockholm


@dataclass
class Market:
    factory: sessionmaker[Session]
    retailers: dict[str, int] = field(default_factory=dict)
    users: dict[str, int] = field(default_factory=dict)
    products: dict[str, int] = field(default_factory=dict)
    offers: dict[str, int] = field(default_factory=dict)

    def user(self, session: Session, name: str) -> User:
        found = session.get(User, self.users[name])
        assert found is not None
        return found


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Migrate once; each test copies the file (migrations are the slow part)."""
    path = tmp_path_factory.mktemp("mp_template") / "template.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


def seed(factory: sessionmaker[Session]) -> Market:
    market = Market(factory)
    with transaction(factory) as s:
        tand = Retailer(slug="tandab", name="Tand AB")
        nord = Retailer(slug="dentalnord", name="Dental Nord")
        s.add_all([tand, nord])
        s.flush()
        market.retailers = {"tand": tand.id, "nord": nord.id}
        users = {
            "clinic": User(email="c@x.se", name="Cilla", clinic="Folktand", role="clinic"),
            "clinic2": User(email="d@x.se", name="Dino", clinic="Tandvården", role="clinic"),
            "clinic3": User(email="e@x.se", name="Eva", clinic="Leendet", role="clinic"),
            "tand_staff": User(email="t@x.se", name="Olle", role="retailer", retailer_id=tand.id),
            "nord_staff": User(email="n@x.se", name="Otto", role="retailer", retailer_id=nord.id),
            "admin": User(email="a@x.se", name="Ada", role="admin"),
            "admin2": User(email="a2@x.se", name="Alva", role="admin"),
            "merch": User(email="m@x.se", name="Mia", role="merchandiser"),
        }
        for user in users.values():
            user.password_hash = "x"
        s.add_all(users.values())
        glove = Product(
            source="t",
            source_key="glove",
            name="Nitrilhandske M",
            category="Handskar",
            content_hash="g",
        )
        composite = Product(
            source="t",
            source_key="comp",
            name="Komposit A2",
            category="Fyllning",
            content_hash="c",
        )
        s.add_all([glove, composite])
        s.flush()
        market.users = {k: u.id for k, u in users.items()}
        market.products = {"glove": glove.id, "composite": composite.id}
        offers = {
            "glove_tand": Offer(
                retailer_id=tand.id,
                sku="T1",
                product_id=glove.id,
                raw_name="Handske M",
                price=Decimal("99.00"),
                stock_status="in_stock",
                delivery_days=1,
                content_hash="a",
            ),
            "glove_nord": Offer(
                retailer_id=nord.id,
                sku="N1",
                product_id=glove.id,
                raw_name="Handske M nord",
                price=Decimal("79.00"),
                stock_status="in_stock",
                delivery_days=4,
                content_hash="b",
            ),
            "comp_tand": Offer(
                retailer_id=tand.id,
                sku="T2",
                product_id=composite.id,
                raw_name="Komposit",
                price=Decimal("450.00"),
                stock_status="limited",
                delivery_days=2,
                content_hash="c",
            ),
        }
        s.add_all(offers.values())
        s.flush()
        market.offers = {k: o.id for k, o in offers.items()}
    return market


@pytest.fixture()
def market(tmp_path: Path, template_db: Path) -> Market:
    path = tmp_path / "mp.sqlite3"
    shutil.copy(template_db, path)
    engine = make_engine(f"sqlite:///{path}")
    ENGINES.append(engine)
    return seed(session_factory(engine))


@pytest.fixture()
def session(market: Market) -> Iterator[Session]:
    with market.factory() as s:
        yield s
