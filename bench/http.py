"""HTTP benchmark: `valbar serve` with production settings, 32 concurrent clients on search.

    python -m bench.http [--seconds 30] [--clients 32] [--workers 2] [--runs 3] [--workdir DIR]
                         [--with-ingest] [--ingest-rows 100000]

Builds the demo marketplace in a work dir, starts ``valbar serve`` (production settings,
several workers) on a free loopback port, then drives ``/api/v1/search`` with rotating Swedish
and English queries from concurrent keep-alive clients, and ``/healthz`` the same way as the
baseline measured in the same run. Prints req/s, p50, p99, errors and the CPU each request
cost the server and wrk, for each run (wrk, new connections each time), their medians, and
the ratios of the medians. CPU per request is the steadier figure on a shared machine.
Target on a 2-core machine: >= 300 req/s, p99 <= 100 ms, 0 errors.

``--with-ingest`` then uploads a generated feed of ``--ingest-rows`` rows (names and GTINs
of the demo catalog, so it is matched as a real one) through the server's upload API as a
retailer and drives search the same way while the run is running (only wrk runs that ended
before the run did count), and once more right after it (the reindex of the changed
products). Prints search p99 idle and under ingest and their ratio; target <= 2x.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import re
import resource
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple
from urllib.parse import quote

import httpx

QUERIES = [
    "diamantborr",
    "komposit",
    "avtrycksmaterial",
    "implantat",
    "rotkanalfil",
    "handskar",
    "tandblekning",
    "cement",
    "fluorlack",
    "matrisband",
    "munspegel",
    "extraktionstång",
    "ortodontisk bracket",
    "diamond bur",
    "composite",
    "impression material",
    "endodontic file",
    "dental implant",
    "orthodontic bracket",
    "curing light",
    "scaler tip",
    "prophy paste",
    "healing abutment",
    "glass ionomer",
    "bonding agent",
    "saliva ejector",
    "komposti",
    "implantt",
    "abutment",
    "suture",
    "forceps",
    "mirror",
    "bur",
    "file",
    "crown",
]


@dataclass
class Stats:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    statuses: dict[int, int] = field(default_factory=dict)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Prepared:
    key: str  # a clinic's API key (search)
    retailer_key: str  # a retailer user's API key (feed upload)
    retailer: str  # its slug
    catalog: list[tuple[str, str | None]]  # demo products' names and GTINs, for the feed


def prepare(workdir: Path) -> Prepared:
    """Build the demo data and API keys with a rate limit high enough for the benchmark."""
    os.environ["VALBAR_DATA_DIR"] = str(workdir / "var")
    os.environ["VALBAR_ENVIRONMENT"] = "test"
    from sqlalchemy import select

    from api.auth import create_api_key, hash_password
    from catalog.db import transaction
    from catalog.models import Product, Retailer, User
    from catalog.settings import get_settings
    from indexer.jobs import factory_for
    from valbar.demo import build_demo

    get_settings.cache_clear()
    settings = get_settings()
    factory = factory_for(settings)
    build_demo(factory, settings, say=lambda _msg: None)
    with transaction(factory) as session:
        user = User(
            email=f"bench-{secrets.token_hex(4)}@valbar.test",
            name="Bench",
            role="clinic",
            password_hash=hash_password(secrets.token_hex(8)),
        )
        session.add(user)
        session.flush()
        key, plaintext = create_api_key(session, user, "bench")
        key.rate_limit_per_minute = 10_000_000
        retailer = session.scalars(select(Retailer).order_by(Retailer.id)).first()
        assert retailer is not None, "the demo has retailers"
        seller = User(
            email=f"bench-retailer-{secrets.token_hex(4)}@valbar.test",
            name="Bench retailer",
            role="retailer",
            retailer_id=retailer.id,
            password_hash=hash_password(secrets.token_hex(8)),
        )
        session.add(seller)
        session.flush()
        seller_key, seller_plaintext = create_api_key(session, seller, "bench ingest")
        seller_key.rate_limit_per_minute = 10_000_000
        catalog = [
            (name, gtin)
            for name, gtin in session.execute(
                select(Product.name, Product.primary_gtin).order_by(Product.id).limit(20_000)
            )
        ]
        slug = retailer.slug
    return Prepared(plaintext, seller_plaintext, slug, catalog)


def write_feed(path: Path, rows: int, catalog: list[tuple[str, str | None]]) -> Path:
    """A retailer's feed of ``rows`` offers: the demo catalog's names, every other one with
    its GTIN, Swedish headers and prices."""
    with path.open("w", encoding="utf-8") as out:
        out.write("Artikelnummer;Benämning;Pris inkl. moms;Lagerstatus;EAN\n")
        for i in range(rows):
            name, gtin = catalog[i % len(catalog)]
            ean = gtin if gtin and i % 2 == 0 else ""
            price = f"{49 + (i * 37) % 4000},{i % 100:02d} kr"
            stock = ("I lager", "Slut i lager", "Fåtal kvar")[i % 3]
            clean = name.replace(";", ",").replace("\n", " ")
            out.write(f"BENCH-{i:07d};{clean} {i // len(catalog)};{price};{stock};{ean}\n")
    return path


async def drive(
    url: str, paths: list[str], headers: dict[str, str], clients: int, seconds: float
) -> tuple[Stats, float]:
    stats = Stats()
    deadline = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(
        base_url=url, headers=headers, limits=limits, timeout=10.0
    ) as client:

        async def worker(offset: int) -> None:
            i = offset
            while time.perf_counter() < deadline:
                path = paths[i % len(paths)]
                i += clients
                t = time.perf_counter()
                try:
                    response = await client.get(path)
                    status = response.status_code
                except httpx.HTTPError:
                    status = 0
                stats.latencies.append(time.perf_counter() - t)
                stats.statuses[status] = stats.statuses.get(status, 0) + 1
                if status != 200:
                    stats.errors += 1

        start = time.perf_counter()
        await asyncio.gather(*(worker(n) for n in range(clients)))
        elapsed = time.perf_counter() - start
    return stats, elapsed


WRK_SCRIPT = """
paths = {%s}
i = 0
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i %% #paths) + 1], {["X-API-Key"] = "%s"})
end
"""


def _ms(text: str) -> float:
    value = float(re.sub(r"[a-z]+$", "", text))
    unit = re.sub(r"^[0-9.]+", "", text)
    return value * {"us": 0.001, "ms": 1.0, "s": 1000.0}.get(unit, 1.0)


def _grab(pattern: str, text: str) -> str:
    found = re.search(pattern, text)
    if found is None:
        raise SystemExit(f"unexpected wrk output:\n{text}")
    return found.group(1)


class WrkRun(NamedTuple):
    """One wrk run: req/s, p50 ms, p99 ms, errors, and the CPU each request cost the server
    (its process tree) and the client (wrk), in ms: CPU per request is what throughput on
    two shared cores is made of, and it is far steadier than req/s while the machine is busy
    with other work (nan where /proc cannot be read)."""

    rps: float
    p50: float
    p99: float
    errors: int
    server_cpu_ms: float
    client_cpu_ms: float


def _tree_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of ``pid`` and its live descendants (Linux /proc)."""
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    tick = os.sysconf("SC_CLK_TCK")
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue  # the process ended while it was read
        fields = text[text.rindex(")") + 2 :].split()  # after "pid (comm) "
        child = int(stat.parent.name)
        parents[child] = int(fields[1])
        times[child] = (int(fields[11]) + int(fields[12])) / tick
    tree, grew = {pid}, True
    while grew:
        more = {child for child, parent in parents.items() if parent in tree} - tree
        tree |= more
        grew = bool(more)
    return sum(times.get(p, 0.0) for p in tree)


def _server_cpu(pid: int | None) -> float:
    if pid is None or not Path("/proc").is_dir():
        return math.nan
    return _tree_cpu_seconds(pid)


def drive_wrk(
    url: str,
    paths: list[str],
    key: str,
    clients: int,
    seconds: float,
    workdir: Path,
    server_pid: int | None = None,
) -> WrkRun:
    """req/s, p50 ms, p99 ms and errors measured by wrk, a C load generator: on two shared
    cores a Python client would be the bottleneck, not the server; with the CPU per request
    of the server (``server_pid`` and its workers) and of wrk."""
    script = workdir / "paths.lua"
    script.write_text(WRK_SCRIPT % (", ".join(f'"{p}"' for p in paths), key))
    server_before = _server_cpu(server_pid)
    client_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run(
        ["wrk", "-t2", f"-c{clients}", f"-d{int(seconds)}s", "--latency", "-s", str(script), url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    client_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    server_s = _server_cpu(server_pid) - server_before
    client_s = (client_after.ru_utime + client_after.ru_stime) - (
        client_before.ru_utime + client_before.ru_stime
    )
    errors = 0
    if m := re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out):
        errors += int(m.group(1))
    if m := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out):
        errors += sum(int(g) for g in m.groups())
    requests = max(1, int(_grab(r"(\d+) requests in", out)))
    return WrkRun(
        float(_grab(r"Requests/sec:\s+([0-9.]+)", out)),
        _ms(_grab(r"\s50%\s+(\S+)", out)),
        _ms(_grab(r"\s99%\s+(\S+)", out)),
        errors,
        server_s * 1000 / requests,
        client_s * 1000 / requests,
    )


def _median_runs(name: str, runs: list[WrkRun]) -> WrkRun:
    """Print each run, then the median of each figure (errors: the total over all runs).

    Every wrk run opens its connections anew, so how they fall on the workers differs
    between runs; on a shared two-core machine the median is the figure to quote."""

    def cpu(run: WrkRun) -> str:
        return f"  cpu/req server {run.server_cpu_ms:5.2f} ms  wrk {run.client_cpu_ms:5.2f} ms"

    for i, run in enumerate(runs, 1):
        print(
            f"{name:9} run {i}: {run.rps:8.0f} req/s  p50 {run.p50:6.1f} ms  "
            f"p99 {run.p99:6.1f} ms  errors {run.errors}{cpu(run)}"
        )

    def mid(field: str) -> float:
        return float(statistics.median(float(getattr(r, field)) for r in runs))

    median = WrkRun(
        mid("rps"),
        mid("p50"),
        mid("p99"),
        sum(r.errors for r in runs),
        mid("server_cpu_ms"),
        mid("client_cpu_ms"),
    )
    print(
        f"{name:9} median {median.rps:8.0f} req/s  p50 {median.p50:6.1f} ms  "
        f"p99 {median.p99:6.1f} ms  errors {median.errors}{cpu(median)}"
    )
    return median


def report(name: str, stats: Stats, elapsed: float) -> tuple[float, float, float]:
    lat = sorted(stats.latencies)
    rps = len(lat) / elapsed
    p50 = statistics.median(lat) * 1000
    p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1000
    print(
        f"{name:9} {rps:8.0f} req/s  p50 {p50:6.1f} ms  p99 {p99:6.1f} ms  "
        f"errors {stats.errors}  statuses {dict(sorted(stats.statuses.items()))}"
    )
    return rps, p50, p99


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--clients", type=int, default=32)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--runs", type=int, default=3, help="wrk runs of each (medians reported)")
    ap.add_argument("--workdir", type=Path, default=None)
    ap.add_argument(
        "--with-ingest",
        action="store_true",
        help="also measure search while a generated feed is ingested through the API",
    )
    ap.add_argument("--ingest-rows", type=int, default=100_000)
    args = ap.parse_args()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="valbar-http-"))
    prepared = prepare(workdir)
    key = prepared.key
    port = free_port()
    env = {
        **os.environ,
        "VALBAR_DATA_DIR": str(workdir / "var"),
        "VALBAR_ENVIRONMENT": "production",
        "VALBAR_SECRET_KEY": secrets.token_hex(32),
    }
    log = (workdir / "server.log").open("wb")
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "valbar.cli",
            "serve",
            "--port",
            str(port),
            "--workers",
            str(args.workers),
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    pid = server.pid
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        else:
            raise SystemExit(f"server did not become ready; see {workdir / 'server.log'}")
        headers = {"X-API-Key": key}
        search_paths = [f"/api/v1/search?q={quote(q)}&size=20" for q in QUERIES]
        print(
            f"load: 1 min avg {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; "
            f"{args.workers} workers, {args.clients} clients, {args.seconds:.0f} s each"
        )
        asyncio.run(drive(url, search_paths[:8], headers, args.clients, 3.0))  # warm-up
        if shutil.which("wrk"):
            print(f"client: wrk; {args.runs} runs of each, new connections per run, medians")
            hr = _median_runs(
                "/healthz",
                [
                    drive_wrk(url, ["/healthz"], key, args.clients, args.seconds, workdir, pid)
                    for _ in range(args.runs)
                ],
            )
            sr = _median_runs(
                "search",
                [
                    drive_wrk(url, search_paths, key, args.clients, args.seconds, workdir, pid)
                    for _ in range(args.runs)
                ],
            )
            h, s, s_errors = hr[:3], sr[:3], int(sr[3])
        else:
            print("client: Python asyncio (apt-get install wrk: this client is the bottleneck)")
            h_stats, h_elapsed = asyncio.run(
                drive(url, ["/healthz"], headers, args.clients, args.seconds)
            )
            s_stats, s_elapsed = asyncio.run(
                drive(url, search_paths, headers, args.clients, args.seconds)
            )
            h = report("/healthz", h_stats, h_elapsed)
            s = report("search", s_stats, s_elapsed)
            s_errors = s_stats.errors
        print(
            f"search vs /healthz: throughput {s[0] / h[0]:.2f}x, p50 {s[1] / h[1]:.1f}x, "
            f"p99 {s[2] / h[2]:.1f}x"
        )
        if shutil.which("wrk"):
            print(
                f"CPU per search request: server {sr.server_cpu_ms:.2f} ms, "
                f"wrk {sr.client_cpu_ms:.2f} ms (/healthz: server {hr.server_cpu_ms:.2f} ms)"
            )
        ok = s[0] >= 300 and s[2] <= 100 and s_errors == 0
        print(f"target >= 300 req/s, p99 <= 100 ms, 0 errors: {'met' if ok else 'NOT met'}")
        if args.with_ingest:
            if not shutil.which("wrk"):
                raise SystemExit("--with-ingest needs wrk (apt-get install wrk)")
            ingest_bench(url, prepared, search_paths, args, workdir, idle_p99=s[2], server_pid=pid)
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


def _run_status(url: str, headers: dict[str, str], run_id: int) -> dict[str, object]:
    body: dict[str, object] = httpx.get(
        f"{url}/api/v1/feeds/{run_id}", headers=headers, timeout=30
    ).json()
    return body


def ingest_bench(
    url: str,
    prepared: Prepared,
    search_paths: list[str],
    args: argparse.Namespace,
    workdir: Path,
    idle_p99: float,
    server_pid: int,
) -> None:
    """Search p99 while a feed of ``--ingest-rows`` rows runs, against ``idle_p99``."""
    feed = write_feed(workdir / "ingest.csv", args.ingest_rows, prepared.catalog)
    headers = {"X-API-Key": prepared.retailer_key}
    with feed.open("rb") as fh:
        response = httpx.post(
            f"{url}/api/v1/retailers/{prepared.retailer}/feeds",
            headers=headers,
            files={"file": ("bench-lager.csv", fh, "text/csv")},
            data={"delta": "true"},
            timeout=120,
        )
    if response.status_code != 202:
        raise SystemExit(f"upload refused: {response.status_code} {response.text[:500]}")
    run_id = int(response.json()["id"])
    started = time.monotonic()
    while _run_status(url, headers, run_id)["status"] == "queued":
        time.sleep(0.2)
    print(f"ingest: {args.ingest_rows} rows ({feed.stat().st_size >> 20} MB), run {run_id}")
    during: list[WrkRun] = []
    while len(during) < args.runs:
        figures = drive_wrk(
            url, search_paths, prepared.key, args.clients, args.seconds, workdir, server_pid
        )
        if _run_status(url, headers, run_id)["status"] != "running":
            break  # the run ended during this wrk run: it does not count
        during.append(figures)
    while (status := _run_status(url, headers, run_id))["status"] in ("queued", "running"):
        time.sleep(0.5)
    took = time.monotonic() - started
    print(f"ingest: run {run_id} {status['status']} after {took:.0f} s; {status.get('counts')}")
    after = drive_wrk(
        url, search_paths, prepared.key, args.clients, args.seconds, workdir, server_pid
    )
    _median_runs("after", [after])
    if not during:
        print(
            f"ingest ended before a {args.seconds:.0f} s search run could finish under it; "
            "use more --ingest-rows or fewer --seconds"
        )
        return
    p99, errors = _median_runs("ingesting", during)[2:4]
    ratio = p99 / idle_p99
    print(
        f"search p99 idle {idle_p99:.1f} ms, during ingest {p99:.1f} ms ({len(during)} runs), "
        f"right after {after[2]:.1f} ms: ratio {ratio:.2f}x"
    )
    print(f"target p99 under ingest <= 2x idle: {'met' if ratio <= 2.0 else 'NOT met'}")
    if errors:
        print(f"errors (non-2xx or > 2 s) during ingest: {errors}")


if __name__ == "__main__":
    main()
