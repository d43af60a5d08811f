"""Loyalty benchmark: a programme with 2,000 member retailers, 20,000 sellers and 5,000,000
ledger entries, on SQLite and on PostgreSQL.

    python -m bench.loyalty [--db sqlite|postgresql|both] [--scale 1.0] [--samples 300]
                            [--entries N] [--lines N]

Builds the data set (``bench.loyalty_data``: the real tables, bulk-loaded, balances equal to
the entries so ``loyalty.ledger.verify`` passes) and measures with the library's own
functions, at month end (1 December, the history runs to the end of November):

* balance read (``loyalty.ledger.balance`` of a random account): p50/p99, target p99 <= 5 ms;
  and a seller's points page (``loyalty.reads.my_points``);
* the monthly sellers' leaderboard, top 50 plus the asking seller's own rank
  (``loyalty.leaderboards.leaderboard`` for November as a random seller): target p99 <= 50 ms;
  the stores' board likewise;
* crediting 10,000 delivered order lines (4 per order) delivered in one commit (the nightly
  auto-delivery) as ``loyalty.subscribers`` does (``subscribers.credit_orders``:
  ``loyalty.earning.credit_delivered_many``, ``earning.BATCH_ORDERS`` orders a transaction)
  with a double-points campaign running: target <= 10 s; and, with no target, as many lines
  delivered one order a commit (a clinic confirming each), each its own transaction
  (``--no-singles`` skips it);
* the month-end close: ``loyalty.awards.award_finished_months`` then
  ``loyalty.expiry.expire`` in one transaction: target <= 60 s.

The baseline is the same session's plain ``SELECT count(*)`` over the ledger (median of 5);
every figure is printed with its ratio to it, and the machine's load average (a shared
machine's p99 is mostly its neighbours). The read figures are the medians of 3 rounds' p50
and p99; crediting and the close also print this process's CPU seconds (all of the work on
SQLite; PostgreSQL's server CPU is not in it). ``--scale`` shrinks everything (0.01: 50,000
entries) for a quick run; the targets are for scale 1. The PostgreSQL run uses its own schema
(dropped afterwards); the SQLite file lives in a temporary folder (removed afterwards).
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import create_engine, func, inspect, select, text
from sqlalchemy.orm import Session, sessionmaker

from bench import loyalty_data
from bench.loyalty_data import NOW, World
from catalog.db import make_engine, migrate, session_factory, transaction
from catalog.models import User
from loyalty import awards, earned, earning, expiry, ledger, reads, subscribers
from loyalty.leaderboards import leaderboard, month_of, previous_month
from loyalty.models import Campaign, Entry, Programme

PG_URL = os.environ.get(
    "VALBAR_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
SEED = 15
ROUNDS = 3  # read figures: the median of each round's percentile
FULL = {"retailers": 2_000, "sellers": 20_000, "entries": 5_000_000, "lines": 10_000}


@dataclass(frozen=True, slots=True)
class Figure:
    name: str
    value: float
    unit: str  # "ms" | "s"
    target: float | None  # in ``unit``; None: no target

    @property
    def seconds(self) -> float:
        return self.value / 1000 if self.unit == "ms" else self.value


def percentile(samples: list[float], q: float) -> float:
    """The ``q`` (0-1) quantile by nearest rank. Pure."""
    ordered = sorted(samples)
    index = max(0, min(len(ordered) - 1, round(q * len(ordered) + 0.5) - 1))
    return ordered[index]


@contextmanager
def database(kind: str, workdir: Path) -> Iterator[str]:
    """A fresh database URL: a SQLite file, or a PostgreSQL schema dropped afterwards."""
    if kind == "sqlite":
        folder = Path(tempfile.mkdtemp(prefix="valbar-bench-loyalty-", dir=workdir))
        try:
            yield f"sqlite:///{folder / 'loyalty.sqlite3'}"
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        return
    schema = f"bench_loyalty_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    print(f"  PostgreSQL schema {schema} (dropped afterwards)")
    sep = "&" if "?" in PG_URL else "?"
    try:
        yield f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def timed_samples(session: Session, count: int, call: Callable[[int], object]) -> list[float]:
    """Milliseconds of ``call(i)`` for i in range(count), read-only (rolled back after)."""
    out = []
    for i in range(count):
        started = time.perf_counter()
        call(i)
        out.append((time.perf_counter() - started) * 1000)
        session.rollback()  # a fresh snapshot per request, as a web request would have
    return out


def baseline_ms(session: Session) -> float:
    runs = []
    for _ in range(5):
        started = time.perf_counter()
        session.execute(text(f"SELECT count(*) FROM {Entry.__tablename__}")).scalar_one()
        runs.append((time.perf_counter() - started) * 1000)
    return statistics.median(runs)


def build(
    engine_url: str, scale: float, rng: random.Random, entries: int | None = None
) -> tuple[sessionmaker[Session], World]:
    engine = make_engine(engine_url)
    migrate(engine)
    factory = session_factory(engine)
    retailers = max(2, round(FULL["retailers"] * scale))
    sellers = max(4, round(FULL["sellers"] * scale))
    entries = entries or max(1_000, round(FULL["entries"] * scale))
    started = time.perf_counter()
    world = loyalty_data.build_people(factory, retailers, sellers)
    people_s = time.perf_counter() - started
    loyalty_data.load_entries(engine, world, entries, rng)
    loaded_s = time.perf_counter() - started - people_s
    with transaction(factory) as s:  # the leaderboards' monthly totals of the loaded entries
        rows = earned.rebuild(s, world.programme_id)
    rebuilt_s = time.perf_counter() - started - people_s - loaded_s
    if engine.dialect.name == "postgresql":
        # vacuumed and analysed, as autovacuum leaves tables soon after such a load (this
        # schema's tables only; SQLite is left as the application leaves it)
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            for name in inspect(engine).get_table_names():
                conn.execute(text(f'VACUUM ANALYZE "{name}"'))
    with transaction(factory) as s:
        s.add(
            Campaign(
                programme_id=world.programme_id,
                name="Dubbla poäng på handskar",
                multiplier=Decimal(2),
                target_kind="category",
                target_value="Handskar",
                starts_at=NOW - timedelta(days=1),
                ends_at=NOW + timedelta(days=30),
                created_at=NOW - timedelta(days=2),
            )
        )
    print(
        f"  data: {retailers:,} retailers, {sellers:,} sellers, {entries:,} entries; "
        f"people {people_s:.1f} s, entries {loaded_s:.1f} s "
        f"({entries / max(loaded_s, 1e-9):,.0f}/s); {rows:,} earned-points rows {rebuilt_s:.1f} s"
    )
    return factory, world


def check(factory: sessionmaker[Session], when: str, *, compare_earned: bool = True) -> None:
    """``ledger.verify``; and the maintained points earned equal to the ledger's sums (after
    the load they were computed from it: ``compare_earned=False``)."""
    started = time.perf_counter()
    with factory() as s:
        result = ledger.verify(s)
    took = time.perf_counter() - started
    state = "ok" if result.ok else f"FAILED ({len(result.discrepancies)} discrepancies)"
    print(
        f"  verify {when}: {state}, {result.accounts:,} accounts, {result.entries:,} entries "
        f"({took:.1f} s)"
    )
    if not result.ok:
        raise SystemExit(f"the ledger does not verify {when}")
    if not compare_earned:
        return
    with factory() as s:
        programme_id = s.scalars(select(Programme.id)).one()
        if earned.stored(s, programme_id) != earned.from_entries(s, programme_id):
            raise SystemExit(f"the earned points differ from the ledger's {when}")
    print(f"  earned points per month equal the ledger's {when}")


def measure(
    factory: sessionmaker[Session],
    world: World,
    scale: float,
    samples: int,
    rng: random.Random,
    lines: int | None = None,
    singles: bool = True,
) -> tuple[float, list[Figure]]:
    figures: list[Figure] = []
    month = previous_month(month_of(NOW))
    with factory() as s:
        base = baseline_ms(s)
        s.rollback()

        def reads_of(name: str, target: float, call: Callable[[int], object]) -> None:
            """p50 and p99 of ``samples`` calls: the medians of ``ROUNDS`` rounds."""
            rounds = [timed_samples(s, samples, call) for _ in range(ROUNDS)]
            p50 = statistics.median(percentile(r, 0.5) for r in rounds)
            p99 = statistics.median(percentile(r, 0.99) for r in rounds)
            figures.append(Figure(f"{name} p50", p50, "ms", None))
            figures.append(Figure(f"{name} p99", p99, "ms", target))

        accounts = world.holder_account_ids
        picks = [accounts[rng.randrange(len(accounts))] for _ in range(samples)]
        reads_of("balance read", 5, lambda i: ledger.balance(s, picks[i]))
        sellers = world.seller_user_ids
        users = [sellers[rng.randrange(len(sellers))] for _ in range(samples)]
        reads_of("seller's points page", 5, lambda i: reads.my_points(s, s.get(User, users[i])))
        for board in ("sellers", "stores"):

            def board_read(i: int, board: str = board) -> object:
                user = s.get(User, users[i])
                return leaderboard(s, user, world.programme_id, board, month, now=NOW, top=50)

            reads_of(f"{board} board {month} top 50 + own", 50, board_read)
    lines = lines or max(8, round(FULL["lines"] * scale))
    orders = loyalty_data.add_orders(factory, world, lines, rng)
    started, cpu = time.perf_counter(), time.process_time()
    # delivered in one commit (the auto-delivery): credited as loyalty.subscribers does,
    # earning.BATCH_ORDERS orders a transaction
    credited = subscribers.credit_orders(factory, orders, NOW)
    credit_s, credit_cpu = time.perf_counter() - started, time.process_time() - cpu
    if credited != len(orders) * loyalty_data.LINES_PER_ORDER:
        raise SystemExit(f"credited {credited} lines of {len(orders) * 4}")
    figures.append(
        Figure(f"credit {credited:,} delivered lines (cpu {credit_cpu:.1f} s)", credit_s, "s", 10)
    )
    if singles:
        orders = loyalty_data.add_orders(factory, world, lines, rng)
        credited = 0
        started, cpu = time.perf_counter(), time.process_time()
        for order_id in orders:  # one order a commit (a clinic confirming its delivery)
            with transaction(factory) as s:
                credited += earning.credit_delivered(s, order_id, now=NOW).credited
        credit_s, credit_cpu = time.perf_counter() - started, time.process_time() - cpu
        if credited != len(orders) * loyalty_data.LINES_PER_ORDER:
            raise SystemExit(f"credited {credited} lines of {len(orders) * 4}")
        name = f"  the same, one order a transaction (cpu {credit_cpu:.1f} s)"
        figures.append(Figure(name, credit_s, "s", None))
    close_at = NOW + timedelta(hours=1)
    started, cpu = time.perf_counter(), time.process_time()
    with transaction(factory) as s:
        made = awards.award_finished_months(s, now=close_at)
        expired = expiry.expire(s, close_at)
    close_s, close_cpu = time.perf_counter() - started, time.process_time() - cpu
    if made != 2:
        raise SystemExit(f"the close made {made} awards, not 2")
    name = f"month-end close, {len(expired):,} expiries (cpu {close_cpu:.1f} s)"
    figures.append(Figure(name, close_s, "s", 60))
    with factory() as s:
        entries = s.scalar(select(func.count()).select_from(Entry)) or 0
    print(f"  ledger after the run: {entries:,} entries")
    return base, figures


def report(kind: str, scale: float, base_ms: float, figures: list[Figure]) -> None:
    print(
        f"\n{kind} (scale {scale:g})   baseline SELECT count(*) over the ledger: {base_ms:.2f} ms"
    )
    print(f"  {'figure':<50} {'value':>12} {'target':>10} {'x count(*)':>11}  ok")
    for f in figures:
        value = f"{f.value:.2f} {f.unit}"
        target = f"<= {f.target:g} {f.unit}" if f.target is not None else ""
        ok = "" if f.target is None else ("yes" if f.value <= f.target else "NO")
        ratio = f.seconds * 1000 / base_ms if base_ms > 0 else float("nan")
        print(f"  {f.name:<50} {value:>12} {target:>10} {ratio:>11.2f}  {ok}")


def run(
    kind: str,
    scale: float,
    samples: int,
    workdir: Path,
    entries: int | None = None,
    lines: int | None = None,
    singles: bool = True,
) -> list[Figure]:
    rng = random.Random(SEED)
    print(f"\n== {kind}, scale {scale:g}")
    with database(kind, workdir) as url:
        factory, world = build(url, scale, rng, entries)
        check(factory, "after the load", compare_earned=False)
        base, figures = measure(factory, world, scale, samples, rng, lines, singles)
        check(factory, "after the run")
        factory.kw["bind"].dispose()
    report(kind, scale, base, figures)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--scale", type=float, default=1.0, help="1: 5,000,000 entries")
    parser.add_argument("--samples", type=int, default=300, help="reads per figure")
    parser.add_argument(
        "--entries", type=int, default=None, help="ledger entries (default: 5,000,000 x scale)"
    )
    parser.add_argument(
        "--lines",
        type=int,
        default=None,
        help="delivered order lines to credit (default: 10,000 x scale)",
    )
    parser.add_argument(
        "--no-singles",
        action="store_true",
        help="skip the untargeted figure of crediting one order a transaction",
    )
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()))
    args = parser.parse_args()
    if not 0 < args.scale <= 1:
        parser.error("--scale: more than 0, at most 1")
    kinds = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    for kind in kinds:
        run(
            kind,
            args.scale,
            args.samples,
            args.workdir,
            args.entries,
            args.lines,
            not args.no_singles,
        )


if __name__ == "__main__":
    main()
