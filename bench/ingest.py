"""Ingest benchmark: a generated 200,000-row retailer CSV against a 200,000-product catalog.

    python -m bench.ingest [--products 200000] [--rows 200000] [--workdir DIR]
    python -m bench.ingest --file-mb 200 [--products 20000]   # a feed of that size instead

~70% of the rows carry an identifier (GTIN at some packaging level, or brand + MPN); the rest
carry only a noisy name. Prints rows/s per stage, the ratio to a plain ``csv`` parse of the
same file measured in the same run, the end-to-end time of a full ingest and of a re-upload
with 1% of rows changed, and peak RSS. Targets (2-core machine): full ingest <= 60 s,
1% re-upload <= 10 s, peak RSS <= 1.5 GB.

Price history (issue 17), in the same run: the full ingest and the 1% re-upload again for a
second retailer with history recording off (``price_history_enabled``), and the ratio
(target: recording adds <= 10%); the alert evaluation of the re-upload with ``--watches``
price watches (target <= 2 s); the measured size of the history table per row, and of two
years of daily changes of 1M offers (``bench.price_history``; ``--postgres-url`` measures
PostgreSQL too).

``--file-mb N`` writes as many rows as make an N MB file (a 200 MB file is about 1.9M rows),
runs the full ingest only (no re-upload), and compares its peak memory with the memory limit
of a feed run (``feed_memory_limit_bytes``, 1 GiB when the setting does not exist).
"""

from __future__ import annotations

import argparse
import csv
import multiprocessing
import random
import resource
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session, sessionmaker

from bench import price_history as history_bench
from catalog.db import make_engine, migrate, session_factory, transaction
from catalog.models import (
    FeedRun,
    Manufacturer,
    OfferHistory,
    Product,
    ProductIdentifier,
    Retailer,
)
from catalog.settings import Settings
from indexer.catalog_matcher import clear_cache
from indexer.pipeline import FeedOptions, run_feed, submit_feed

BRANDS = [
    "Dentsply Sirona",
    "3M ESPE",
    "Ivoclar",
    "GC",
    "Kerr",
    "Hu-Friedy",
    "Komet",
    "Coltene",
    "Septodont",
    "Ultradent",
    "Voco",
    "Kulzer",
    "Straumann",
    "Nobel Biocare",
    "Henry Schein",
    "Mectron",
    "NSK",
    "W&H",
    "Directa",
    "Zhermack",
]
KINDS = [
    "diamond bur",
    "carbide bur",
    "nitrile gloves",
    "composite syringe",
    "impression material",
    "endodontic file",
    "orthodontic bracket",
    "dental implant",
    "healing abutment",
    "matrix band",
    "saliva ejector",
    "prophy paste",
    "bonding agent",
    "glass ionomer cement",
    "root canal sealer",
    "dental mirror",
    "extraction forceps",
    "scaler tip",
    "curette",
    "periodontal probe",
    "suture",
    "anesthetic cartridge",
    "polishing disc",
    "wedge",
    "face mask",
    "bib",
    "retraction cord",
    "temporary crown",
    "alginate",
    "cotton roll",
]
SHADES = ["A1", "A2", "A3", "A3.5", "B1", "B2", "C2", "OA2", "BL"]
SIZES = [
    "XS",
    "S",
    "M",
    "L",
    "XL",
    "010",
    "015",
    "020",
    "025",
    "1.5 mm",
    "2.0 mm",
    "3.5 mm",
    "21 mm",
    "25 mm",
    "31 mm",
    "4.1x10 mm",
    "4.8x12 mm",
]


def _line_names(count: int) -> list[str]:
    """Made-up product-line names (like "Filtek" or "Tetric"): distinctive words in titles."""
    rng = random.Random(7)
    onsets = ["b", "d", "f", "g", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z", "tr", "pl"]
    vowels = ["a", "e", "i", "o", "u", "y"]
    names: set[str] = set()
    while len(names) < count:
        word = "".join(rng.choice(onsets) + rng.choice(vowels) for _ in range(rng.randint(2, 3)))
        names.add(word.capitalize() + rng.choice(["", "", " Pro", " Plus", " XT", " 2"]))
    return sorted(names)


LINES = _line_names(5000)


def gtin14(n: int) -> str:
    body = f"{n:013d}"[-13:]
    total = sum(int(c) * (3 if i % 2 == 0 else 1) for i, c in enumerate(reversed(body)))
    return body + str((10 - total % 10) % 10)


def build_catalog(
    factory: sessionmaker[Session], n: int, rng: random.Random
) -> list[dict[str, object]]:
    products: list[dict[str, object]] = []
    with transaction(factory) as s:
        s.execute(
            insert(Manufacturer),
            [{"id": i + 1, "name": b, "name_key": b.lower()} for i, b in enumerate(BRANDS)],
        )
        ident_rows = []
        rows = []
        for i in range(1, n + 1):
            b = rng.randrange(len(BRANDS))
            kind = rng.choice(KINDS)
            mpn = f"{BRANDS[b][:2].upper()}{rng.randrange(100, 999)}-{i:06d}"
            line = LINES[(i * 7919) % len(LINES)]  # a product line shared by ~40 products
            name = f"{BRANDS[b]} {line} {kind} {rng.choice(SIZES)} {rng.choice(SHADES)} {mpn}"
            g = gtin14(7_300_000_000_000 + i * 7)
            rows.append(
                {
                    "id": i,
                    "source": "bench",
                    "source_key": str(i),
                    "manufacturer_id": b + 1,
                    "primary_gtin": g,
                    "brand": BRANDS[b],
                    "mpn": mpn,
                    "mpn_key": mpn.replace("-", ""),
                    "name": name,
                    "category": kind,
                    "content_hash": str(i),
                    "specs": [],
                    "image_urls": [],
                    "extra": {},
                }
            )
            ident_rows.append({"product_id": i, "scheme": "gs1", "value": g, "level": "primary"})
            pkg = gtin14(5_400_000_000_000 + i * 7)
            ident_rows.append(
                {
                    "product_id": i,
                    "scheme": "gs1",
                    "value": pkg,
                    "level": "package",
                    "pkg_quantity": 10,
                    "contains": g,
                }
            )
            products.append(
                {
                    "id": i,
                    "brand": BRANDS[b],
                    "kind": kind,
                    "mpn": mpn,
                    "name": name,
                    "gtin": g,
                    "pkg": pkg,
                }
            )
        for i in range(0, len(rows), 5000):
            s.execute(insert(Product), rows[i : i + 5000])
        for i in range(0, len(ident_rows), 10000):
            s.execute(insert(ProductIdentifier), ident_rows[i : i + 10000])
        s.add(Retailer(slug="bench", name="Bench Dental AB"))
    return products


def noisy(name: str, rng: random.Random) -> str:
    """A retailer's own wording: words reordered, case changed, and often no model number."""
    words = name.split()
    if rng.random() < 0.6:
        words = words[:-1]  # the MPN is the last word of a generated name
    middle = words[1:4]
    rng.shuffle(middle)
    words[1:4] = middle
    if rng.random() < 0.3:
        words = [w.lower() for w in words]
    if rng.random() < 0.3 and len(words) > 3:
        words.pop(rng.randrange(1, len(words) - 1))
    return " ".join(words)


def write_feed(
    path: Path,
    products: list[dict[str, object]],
    rows: int,
    rng: random.Random,
    changed: set[int] | None = None,
) -> None:
    stock = ["I lager", "Slut i lager", "3-5 dagar", "12", "Beställningsvara", "Få kvar"]
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, delimiter=";")
        w.writerow(
            [
                "Artikelnummer",
                "Benämning",
                "Pris inkl. moms",
                "Lagerstatus",
                "EAN",
                "Tillverkare",
                "Tillv. art.nr",
            ]
        )
        for i in range(rows):
            p = products[i % len(products)]
            r = random.Random(i)
            price = f"{r.randrange(20, 20000)},{r.randrange(0, 99):02d} kr"
            if changed and i in changed:
                price = "1 111,11 kr"
            kind = i % 10
            if kind < 5:
                w.writerow([f"B-{i}", p["name"], price, r.choice(stock), p["gtin"], p["brand"], ""])
            elif kind < 6:
                w.writerow([f"B-{i}", p["name"], price, r.choice(stock), p["pkg"], p["brand"], ""])
            elif kind < 7:
                w.writerow([f"B-{i}", p["name"], price, r.choice(stock), "", p["brand"], p["mpn"]])
            else:
                w.writerow([f"B-{i}", noisy(str(p["name"]), r), price, r.choice(stock), "", "", ""])


def plain_csv_parse(path: Path) -> float:
    t = time.perf_counter()
    with path.open(newline="", encoding="utf-8") as fh:
        for _row in csv.reader(fh, delimiter=";"):
            pass
    return time.perf_counter() - t


def generate(db_url: str, products: int, rows: int, work: Path, file_mb: float = 0.0) -> None:
    """The catalog in the database, the feed, and the same feed with 1% of rows changed
    (with ``file_mb``: only the feed, with as many rows as make that many MB)."""
    engine = make_engine(db_url)
    rng = random.Random(42)
    catalog = build_catalog(session_factory(engine), products, rng)
    if file_mb:
        sample = work / "sample.csv"
        write_feed(sample, catalog, 20_000, rng)
        rows = int(file_mb * 1024 * 1024 / (sample.stat().st_size / 20_000))
        sample.unlink()
        write_feed(work / "feed.csv", catalog, rows, rng)
        engine.dispose()
        return
    write_feed(work / "feed.csv", catalog, rows, rng)
    changed = set(rng.sample(range(rows), rows // 100))
    write_feed(work / "feed_1pct.csv", catalog, rows, rng, changed=changed)
    engine.dispose()


def count_rows(path: Path) -> int:
    with path.open("rb") as fh:
        return sum(1 for _ in fh) - 1


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--products", type=int, default=200_000)
    ap.add_argument("--rows", type=int, default=200_000)
    ap.add_argument("--workdir", type=Path, default=None)
    ap.add_argument(
        "--workers", type=int, default=0, help="matching processes (0 = every usable core)"
    )
    ap.add_argument("--file-mb", type=float, default=0.0, help="a feed of this many MB instead")
    ap.add_argument("--watches", type=int, default=10_000, help="price watches evaluated")
    ap.add_argument(
        "--history-rows", type=int, default=200_000, help="rows written to measure history size"
    )
    ap.add_argument("--postgres-url", default="", help="also measure history size there")
    args = ap.parse_args()
    work = args.workdir or Path(tempfile.mkdtemp(prefix="valbar-bench-"))
    shutil.rmtree(work / "var", ignore_errors=True)
    settings = Settings(
        data_dir=work / "var",
        database_url="",
        environment="test",
        max_upload_bytes=2_000_000_000,
        match_workers=args.workers,
    )
    engine = make_engine(settings.sqlalchemy_url)
    migrate(engine)
    factory = session_factory(engine)
    t = time.perf_counter()
    # The catalog and both feeds are made in a child process, as a catalog import and the
    # retailer's own systems would: the ingest measured below runs in a process of its own.
    maker = multiprocessing.get_context("fork").Process(
        target=generate,
        args=(settings.sqlalchemy_url, args.products, args.rows, work, args.file_mb),
    )
    maker.start()
    maker.join()
    if maker.exitcode != 0:
        raise SystemExit(f"catalog generation failed (exit code {maker.exitcode})")
    maker_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(
        f"catalog: {args.products} products and the feeds generated in "
        f"{time.perf_counter() - t:.1f} s (separate process, peak RSS {maker_mb:,.0f} MB)"
    )
    engine.dispose()
    feed, feed2 = work / "feed.csv", work / "feed_1pct.csv"
    if args.file_mb:
        args.rows = count_rows(feed)
        print(f"feed: {feed.stat().st_size / 2**20:,.0f} MB, {args.rows:,} rows")
    baseline = statistics.median(plain_csv_parse(feed) for _ in range(3))
    print(f"plain csv parse: {baseline:.2f} s ({args.rows / baseline:,.0f} rows/s) [baseline]")

    clear_cache()
    t = time.perf_counter()
    run_id = submit_feed(factory, settings, feed, "bench", FeedOptions())
    outcome = run_feed(factory, settings, run_id)
    full = time.perf_counter() - t
    full_run = run_id
    assert outcome.status == "succeeded", outcome.message
    with factory() as s:
        run = s.get(FeedRun, run_id)
        timings = dict(run.timings) if run else {}
    print("full ingest stages:")
    for stage, secs in timings.items():
        if not stage.endswith("_s"):
            continue
        rate = f"{args.rows / secs:,.0f} rows/s" if secs else "-"
        print(f"  {stage:18} {secs:7.2f} s  {rate}")
    workers_mb = float(timings.get("match_workers_private_mb", 0.0))
    print(
        f"  matching processes: {timings.get('match_workers', 1)} (forked workers read the "
        f"index copy-on-write; their private memory: {workers_mb:,.0f} MB)"
    )
    print(f"  counts: {outcome.counts}")
    print(
        f"full ingest end to end: {full:.1f} s ({args.rows / full:,.0f} rows/s), "
        f"ratio to plain csv parse: {full / baseline:.1f}x  [target <= 60 s]"
    )

    if args.file_mb:
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        limit_mb = getattr(settings, "feed_memory_limit_bytes", 1 << 30) / 2**20
        total = peak_mb + workers_mb
        print(
            f"peak memory of the ingest: {total:,.0f} MB = peak RSS of the ingesting process "
            f"{peak_mb:,.0f} MB + forked matching workers' private memory {workers_mb:,.0f} MB; "
            f"{total / limit_mb:.1f}x the feed memory limit of {limit_mb:,.0f} MB; "
            f"{total / (feed.stat().st_size / 2**20):.1f} MB per MB of file"
        )
        return

    t = time.perf_counter()
    run_id = submit_feed(factory, settings, feed2, "bench", FeedOptions())
    outcome = run_feed(factory, settings, run_id)
    again = time.perf_counter() - t
    assert outcome.status == "succeeded", outcome.message
    reupload_run = run_id
    print(
        f"re-upload with 1% changed: {again:.1f} s, updated={outcome.counts['updated']}, "
        f"ratio to plain csv parse: {again / baseline:.1f}x  [target <= 10 s]"
    )
    for label, rid in (("full ingest", full_run), ("1% re-upload", reupload_run)):
        history_share(factory, label, rid)
    without_history(factory, settings, feed, feed2, full, again)
    history_figures(factory, reupload_run, args.watches, args.history_rows, args.postgres_url)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"peak memory of the ingest: {peak_mb + workers_mb:,.0f} MB = peak RSS of the ingesting "
        f"process {peak_mb:,.0f} MB + forked matching workers' private memory "
        f"{workers_mb:,.0f} MB [target <= 1536 MB]"
    )


def _timed_run(
    factory: sessionmaker[Session], settings: Settings, feed: Path, slug: str
) -> tuple[float, int]:
    clear_cache()
    t = time.perf_counter()
    run_id = submit_feed(factory, settings, feed, slug, FeedOptions())
    outcome = run_feed(factory, settings, run_id)
    assert outcome.status == "succeeded", outcome.message
    return time.perf_counter() - t, run_id


def history_share(factory: sessionmaker[Session], label: str, run_id: int) -> None:
    """The time the run spent recording history (its ``history_s``, measured inside the run,
    so other load on the machine shifts it little) against the run's own total."""
    with factory() as s:
        run = s.get(FeedRun, run_id)
        timings = dict(run.timings or {}) if run else {}
    spent, total = float(timings.get("history_s", 0.0)), float(timings.get("total_s", 0.0))
    share = spent / (total - spent) * 100 if total > spent else 0.0
    print(
        f"history: {label} spent {spent:.2f} s recording history of its {total:.2f} s: "
        f"+{share:.1f}% over the run without it  [target <= +10%]"
    )


def _ratio(label: str, with_s: float, without_s: float) -> None:
    extra = (with_s / without_s - 1) * 100 if without_s else 0.0
    print(
        f"history: {label} with {with_s:.2f} s, without {without_s:.2f} s: ratio "
        f"{with_s / without_s if without_s else 0:.3f} ({extra:+.1f}%)  [target <= +10%]"
    )


def without_history(
    factory: sessionmaker[Session],
    settings: Settings,
    feed: Path,
    feed2: Path,
    full_with: float,
    again_with: float,
) -> None:
    """The same two runs for a second retailer with history recording off; then the 1%
    re-upload once more each way (the median of two), so the ratio is of the same session."""
    off = settings.model_copy(update={"price_history_enabled": False})
    with transaction(factory) as s:
        s.add(Retailer(slug="bench-off", name="Bench utan historik AB"))
    full_without, _ = _timed_run(factory, off, feed, "bench-off")
    again_without, _ = _timed_run(factory, off, feed2, "bench-off")
    # back to the first file and to the changed one again: a second 1% re-upload each way
    _timed_run(factory, settings, feed, "bench")
    _timed_run(factory, off, feed, "bench-off")
    again_with2, _ = _timed_run(factory, settings, feed2, "bench")
    again_without2, _ = _timed_run(factory, off, feed2, "bench-off")
    with factory() as s:
        rows = s.scalar(select(func.count()).select_from(OfferHistory)) or 0
    print(f"history: {rows:,} rows recorded by the runs of retailer bench")
    _ratio("full ingest", full_with, full_without)
    _ratio(
        "1% re-upload (mean of two)",
        (again_with + again_with2) / 2,
        (again_without + again_without2) / 2,
    )


def history_figures(
    factory: sessionmaker[Session], run_id: int, watches: int, rows: int, postgres_url: str
) -> None:
    """Alert evaluation of the 1% re-upload, and the measured size of the history."""
    with factory() as s:
        retailer_id = s.scalar(select(Retailer.id).where(Retailer.slug == "bench"))
    assert retailer_id is not None
    fig = history_bench.alert_evaluation(factory, retailer_id, run_id, watches)
    print(
        f"alert evaluation: {fig.seconds:.2f} s for {fig.watches:,} watches "
        f"({fig.watched_changed:,} on the {fig.changed_products:,} products the run changed), "
        f"{fig.alerts:,} alerts, {fig.emails:,} e-mails queued  [target <= 2 s]"
    )
    sizes = [history_bench.sqlite_size(rows)]
    if postgres_url:
        sizes.append(history_bench.postgres_size(postgres_url, rows))
    for size in sizes:
        print(
            f"history size ({size.database}, {size.rows:,} rows measured): "
            f"{size.bytes_per_row:.0f} bytes per row with its indexes; two years of daily "
            f"changes of 1M offers: {size.two_years(0.01):.2f} GB at 1% changed a day, "
            f"{size.two_years(1.0):.0f} GB if every offer changed every day"
        )


if __name__ == "__main__":
    main()
