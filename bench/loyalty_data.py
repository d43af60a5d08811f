"""The data set of ``bench.loyalty``: one programme with its members, sellers and ledger.

Everything goes into the real tables through the models' table definitions: retailers with
their organisations, sellers (users) taking part, the accounts, and the ledger's entries,
generated in time order so that no account but the sponsor's ever goes below zero (sales
and quiz points from the sponsor, clawbacks of recent sales, redemptions into the shop).
The maintained balances are the entries' sums, so ``loyalty.ledger.verify`` passes.

Bulk loading: PostgreSQL ``COPY`` for the entries, ``executemany`` in large transactions on
SQLite; the small tables are multi-row inserts.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import Engine, Table, bindparam, insert, select
from sqlalchemy.orm import Session, sessionmaker

from catalog.db import transaction
from catalog.models import Offer, Organisation, Product, Retailer, User
from loyalty.enums import (
    MEMBER_TERMS_VERSION,
    PARTICIPANT_TERMS_VERSION,
    AccountKind,
    EntryKind,
)
from loyalty.ledger import account_key
from loyalty.models import Account, Entry, Membership, OrderHandler, Participant, Programme
from marketplace.models import Order, OrderLine

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)  # 10:00 in Stockholm on the 1st: month end
HISTORY_START = datetime(2025, 6, 1, tzinfo=UTC)  # 18 months of entries before NOW
HISTORY_END = datetime(2026, 11, 30, 22, 0, tzinfo=UTC)
ENTRY_COLUMNS = (
    "id",
    "programme_id",
    "source_account_id",
    "destination_account_id",
    "points",
    "kind",
    "reason",
    "idempotency_key",
    "order_id",
    "order_line_id",
    "reverses_entry_id",
    "created_at",
)
CHUNK = 50_000
_SQLITE_TS = "%Y-%m-%d %H:%M:%S.%f"
_PG_INDEXES = (
    "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() "
    "AND tablename = %(table)s AND indexname NOT IN "
    "(SELECT conname FROM pg_constraint WHERE conrelid = %(table)s::regclass)"
)
_PG_FOREIGN_KEYS = (
    "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
    "WHERE conrelid = %(table)s::regclass AND contype = 'f'"
)
LINES_PER_ORDER = 4


@dataclass
class World:
    """What the measurements need to know of the data set."""

    programme_id: int
    sponsor_id: int
    shop_id: int
    seller_user_ids: list[int] = field(default_factory=list)
    holder_account_ids: list[int] = field(default_factory=list)  # members' and sellers'
    retailer_ids: list[int] = field(default_factory=list)
    # per retailer: its sellers' user ids (the handlers of its orders)
    sellers_of: dict[int, list[int]] = field(default_factory=dict)
    offer_of: dict[int, tuple[int, int]] = field(default_factory=dict)  # retailer: offer, product
    entries: int = 0
    next_order_id: int = 1


def _insert(session: Session, model: Any, rows: Sequence[dict[str, Any]]) -> None:
    for start in range(0, len(rows), 5_000):
        session.execute(insert(model), list(rows[start : start + 5_000]))


def build_people(factory: sessionmaker[Session], retailers: int, sellers: int) -> World:
    """The programme, ``retailers`` member organisations and ``sellers`` participants."""
    accepted = HISTORY_START - timedelta(days=30)
    with transaction(factory) as s:
        programme = Programme(
            name="Bench programme",
            sponsor_name="Bench sponsor",
            points_per_krona=Decimal("1"),
            point_value_ore=5,
            expiry_months=12,
            active=True,
            created_at=accepted,
        )
        s.add(programme)
        s.flush()
        pid = programme.id
        _insert(
            s,
            Retailer,
            [{"slug": f"r{i}", "name": f"Återförsäljare {i}"} for i in range(retailers)],
        )
        retailer_ids = list(s.scalars(select(Retailer.id).order_by(Retailer.id)))
        _insert(
            s,
            Organisation,
            [
                {
                    "kind": "retailer",
                    "name": f"Återförsäljare {i} AB",
                    "status": "active",
                    "retailer_id": rid,
                }
                for i, rid in enumerate(retailer_ids)
            ],
        )
        org_of = {
            rid: oid for rid, oid in s.execute(select(Organisation.retailer_id, Organisation.id))
        }
        _insert(
            s,
            Membership,
            [
                {
                    "programme_id": pid,
                    "organisation_id": org_of[rid],
                    "terms_version": MEMBER_TERMS_VERSION,
                    "terms_accepted_at": accepted,
                }
                for rid in retailer_ids
            ],
        )
        membership_of = {
            oid: mid for oid, mid in s.execute(select(Membership.organisation_id, Membership.id))
        }
        users = [
            {
                "email": f"seller{n}@bench.se",
                "name": f"Säljare {n}",
                "role": "retailer",
                "retailer_id": retailer_ids[n % retailers],
                "organisation_id": org_of[retailer_ids[n % retailers]],
                "org_role": "staff",
                "password_hash": "x",
            }
            for n in range(sellers)
        ]
        _insert(s, User, users)
        user_rows = s.execute(
            select(User.id, User.retailer_id).where(User.email.like("seller%@bench.se"))
        ).all()
        _insert(
            s,
            Participant,
            [
                {
                    "membership_id": membership_of[org_of[rid]],
                    "user_id": uid,
                    "invited_at": accepted,
                    "terms_version": PARTICIPANT_TERMS_VERSION,
                    "terms_accepted_at": accepted,
                }
                for uid, rid in user_rows
            ],
        )
        accounts: list[dict[str, Any]] = [
            _account(pid, AccountKind.SPONSOR),
            _account(pid, AccountKind.SHOP),
        ]
        accounts += [
            _account(pid, AccountKind.MEMBER, membership_id=mid) for mid in membership_of.values()
        ]
        accounts += [
            _account(pid, AccountKind.SELLER, membership_id=mid, participant_id=part)
            for part, mid in s.execute(select(Participant.id, Participant.membership_id))
        ]
        _insert(s, Account, accounts)
        ids = {
            kind: aid
            for kind, aid in s.execute(
                select(Account.kind, Account.id).where(Account.kind.in_(["sponsor", "shop"]))
            )
        }
        world = World(programme_id=pid, sponsor_id=ids["sponsor"], shop_id=ids["shop"])
        world.holder_account_ids = list(
            s.scalars(
                select(Account.id)
                .where(Account.kind.in_(["member", "seller"]))
                .order_by(Account.id)
            )
        )
        world.retailer_ids = retailer_ids
        for uid, rid in user_rows:
            assert rid is not None
            world.sellers_of.setdefault(rid, []).append(uid)
            world.seller_user_ids.append(uid)
        product = Product(
            source="bench",
            source_key="p1",
            name="Nitrilhandske M",
            category="Handskar",
            content_hash="x",
        )
        s.add(product)
        s.flush()
        _insert(
            s,
            Offer,
            [
                {
                    "retailer_id": rid,
                    "sku": f"S{rid}",
                    "product_id": product.id,
                    "raw_name": "Nitrilhandske M",
                    "price": Decimal("99.00"),
                    "stock_status": "in_stock",
                    "content_hash": "x",
                }
                for rid in retailer_ids
            ],
        )
        for oid, rid in s.execute(select(Offer.id, Offer.retailer_id)):
            world.offer_of[rid] = (oid, product.id)
    return world


def _account(
    pid: int,
    kind: AccountKind,
    *,
    membership_id: int | None = None,
    participant_id: int | None = None,
) -> dict[str, Any]:
    return {
        "key": account_key(pid, kind, membership_id=membership_id, participant_id=participant_id),
        "programme_id": pid,
        "kind": kind.value,
        "membership_id": membership_id,
        "participant_id": participant_id,
        "balance": 0,
        "overdraft_allowed": kind is AccountKind.SPONSOR,
        "created_at": HISTORY_START,
    }


def generate_entries(
    world: World, count: int, rng: random.Random, balances: dict[int, int]
) -> Iterator[tuple[Any, ...]]:
    """``count`` entries in time order (ids 1..count); ``balances`` follows them."""
    pid, sponsor, shop = world.programme_id, world.sponsor_id, world.shop_id
    holders = world.holder_account_ids
    span = (HISTORY_END - HISTORY_START).total_seconds()
    recent: list[tuple[int, int, int, int, int]] = []  # sale id, account, points, order, line
    order = line = 0
    shop_n = quiz_n = 0
    for n in range(1, count + 1):
        at = HISTORY_START + timedelta(seconds=span * n / count)
        roll = rng.random()
        row: tuple[Any, ...] | None = None
        if 0.80 <= roll < 0.85 and recent:
            sale_id, account, points, o, li = recent.pop(rng.randrange(len(recent)))
            if balances[account] >= points:
                balances[account] -= points
                balances[sponsor] += points
                row = (
                    n,
                    pid,
                    account,
                    sponsor,
                    points,
                    EntryKind.CLAWBACK.value,
                    f"order {o} line {li}: order cancelled",
                    f"clawback:{sale_id}",
                    o,
                    li,
                    sale_id,
                    at,
                )
        elif 0.85 <= roll < 0.90:
            account = holders[rng.randrange(len(holders))]
            held = balances[account]
            if held > 0:
                points = min(held, rng.randint(50, 1500))
                balances[account] -= points
                balances[shop] += points
                shop_n += 1
                row = (
                    n,
                    pid,
                    account,
                    shop,
                    points,
                    EntryKind.REDEMPTION.value,
                    f"redemption {shop_n}",
                    f"shop:{shop_n}:{account}",
                    None,
                    None,
                    None,
                    at,
                )
        elif roll >= 0.97:
            account = holders[rng.randrange(len(holders))]
            points = rng.randint(10, 100)
            quiz_n += 1
            balances[account] += points
            balances[sponsor] -= points
            row = (
                n,
                pid,
                sponsor,
                account,
                points,
                "quiz",
                f"quiz {quiz_n} passed",
                f"quiz:{quiz_n}:{account}",
                None,
                None,
                None,
                at,
            )
        if row is None:  # a sale (also when the roll's movement had nothing to move)
            account = holders[rng.randrange(len(holders))]
            points = rng.randint(1, 500)
            line += 1
            if line % LINES_PER_ORDER == 1:
                order += 1
            balances[account] += points
            balances[sponsor] -= points
            recent.append((n, account, points, order, line))
            if len(recent) > 2_000:
                recent.pop(0)
            row = (
                n,
                pid,
                sponsor,
                account,
                points,
                EntryKind.SALE.value,
                f"order {order} line {line} delivered",
                f"sale:{pid}:{order}:{line}:delivered",
                order,
                line,
                None,
                at,
            )
        yield row
    world.entries = count
    world.next_order_id = order + 1


def load_entries(engine: Engine, world: World, count: int, rng: random.Random) -> None:
    """Bulk-load the ledger and set the maintained balances to the entries' sums."""
    balances = dict.fromkeys([world.sponsor_id, world.shop_id, *world.holder_account_ids], 0)
    rows = generate_entries(world, count, rng, balances)
    table = cast(Table, Entry.__table__).name
    columns = ", ".join(ENTRY_COLUMNS)
    raw = engine.raw_connection()
    try:
        cur: Any = raw.cursor()
        if engine.dialect.name == "postgresql":
            # the secondary indexes and the foreign keys are dropped for the load and made
            # again as they were (one sort, one validating pass instead of per row)
            cur.execute(_PG_INDEXES, {"table": table})
            indexes = cur.fetchall()
            cur.execute(_PG_FOREIGN_KEYS, {"table": table})
            foreign_keys = cur.fetchall()
            for name, _ in foreign_keys:
                cur.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
            for name, _ in indexes:
                cur.execute(f'DROP INDEX "{name}"')
            with cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            for _, definition in indexes:
                cur.execute(definition)
            for name, definition in foreign_keys:
                cur.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT max(id) FROM {table}))"
            )
            cur.execute(f"ANALYZE {table}")  # as autovacuum would soon after such a load
        else:
            # the secondary indexes are dropped for the load and made again from their own
            # SQL; foreign keys are checked once afterwards (PRAGMA foreign_key_check)
            cur.execute("PRAGMA cache_size=-400000")
            cur.execute("PRAGMA foreign_keys=OFF")
            cur.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? "
                "AND sql IS NOT NULL",
                (table,),
            )
            indexes = cur.fetchall()
            for name, _ in indexes:
                cur.execute(f'DROP INDEX "{name}"')
            sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join('?' * len(ENTRY_COLUMNS))})"
            batch: list[tuple[Any, ...]] = []
            for row in rows:
                # as SQLAlchemy stores a DateTime in SQLite: UTC, without the offset
                batch.append((*row[:-1], row[-1].astimezone(UTC).strftime(_SQLITE_TS)))
                if len(batch) >= CHUNK * 4:
                    cur.executemany(sql, batch)
                    batch.clear()
            if batch:
                cur.executemany(sql, batch)
            for _, definition in indexes:
                cur.execute(definition)
            cur.execute(f"PRAGMA foreign_key_check({table})")
            broken = cur.fetchall()
            if broken:
                raise SystemExit(f"the loaded entries break foreign keys: {broken[:5]}")
        raw.commit()
        if engine.dialect.name == "sqlite":
            cur.execute("PRAGMA foreign_keys=ON")
    finally:
        raw.close()
    accounts = cast(Table, Account.__table__)
    with engine.begin() as conn:
        conn.execute(
            accounts.update()
            .where(accounts.c.id == bindparam("aid"))
            .values(balance=bindparam("bal")),
            [{"aid": a, "bal": b} for a, b in balances.items() if b != 0],
        )


def add_orders(
    factory: sessionmaker[Session], world: World, lines: int, rng: random.Random
) -> list[int]:
    """Delivered orders of ``lines`` lines in all (``LINES_PER_ORDER`` each), each handled by
    one of the retailer's sellers: the ids of the orders."""
    orders = max(1, lines // LINES_PER_ORDER)
    ids = list(range(world.next_order_id + 10_000_000, world.next_order_id + 10_000_000 + orders))
    world.next_order_id += orders
    order_rows, line_rows, handlers = [], [], []
    for oid in ids:
        rid = world.retailer_ids[rng.randrange(len(world.retailer_ids))]
        offer_id, product_id = world.offer_of[rid]
        order_rows.append(
            {
                "id": oid,
                "checkout_ref": f"bench{oid}",
                "retailer_id": rid,
                "buyer_name": "Bench",
                "clinic_name": "Bench",
                "status": "delivered",
                "currency": "SEK",
                "total": Decimal("396.00"),
                "placed_at": NOW,
                "delivered_at": NOW,
            }
        )
        for _ in range(LINES_PER_ORDER):
            line_rows.append(
                {
                    "order_id": oid,
                    "offer_id": offer_id,
                    "product_id": product_id,
                    "sku": f"S{rid}",
                    "name": "Nitrilhandske M",
                    "unit_price": Decimal(rng.randint(50, 900)),
                    "quantity": rng.randint(1, 5),
                    "stock_status_at_checkout": "in_stock",
                }
            )
        sellers = world.sellers_of[rid]
        handlers.append(
            {"order_id": oid, "user_id": sellers[rng.randrange(len(sellers))], "recorded_at": NOW}
        )
    with transaction(factory) as s:
        _insert(s, Order, order_rows)
        _insert(s, OrderLine, line_rows)
        _insert(s, OrderHandler, handlers)
    return ids
