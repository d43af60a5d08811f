"""Routing benchmark: the CPU a request spends finding its route, linear scan vs prefix index.

    python -m bench.routing [--rounds 2000] [--runs 5]

Builds the whole site (the API's and the pages' routes, as ``valbar serve`` runs it) and, for
paths of each kind (a probe, API routes early and late in the list, pages, a static file, an
unknown address), times Starlette's linear choice over all routes against
:class:`api.route_index.PrefixDispatch` (the same choice over the path's candidates). Prints
microseconds per request for each (median of ``--runs``), the routes each tries, and the
ratio; the linear scan is the baseline, measured in the same run. Target: no path costs the
index more than 50 us, and a page costs at most a tenth of the linear scan.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from starlette.routing import BaseRoute, Match
from starlette.types import Scope

from api.route_index import PrefixDispatch, resolve
from catalog.settings import Settings
from valbar.app import create_app

PATHS = [
    "/healthz",
    "/api/v1/search",
    "/api/v1/products/17/offers",
    "/api/v1/loyalty/programmes",
    "/",
    "/jamfor",
    "/handlare/tandab",
    "/portal",
    "/admin/lojalitet/program",
    "/static/app.css",
    "/ingen-sida",
]


def _scope(path: str) -> Scope:
    return {"type": "http", "path": path, "root_path": "", "method": "GET", "headers": []}


def _micros(choose: Callable[[str], object], path: str, rounds: int) -> float:
    start = time.perf_counter()
    for _ in range(rounds):
        choose(path)
    return (time.perf_counter() - start) / rounds * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    logging.disable(logging.INFO)
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(Settings(data_dir=Path(tmp) / "var", database_url=""))
    routes = app.router.routes
    dispatch = PrefixDispatch(app.router)

    def linear(path: str) -> tuple[Match, BaseRoute | None, Scope]:
        return resolve(routes, _scope(path))

    def indexed(path: str) -> tuple[Match, BaseRoute | None, Scope]:
        return resolve(dispatch.candidates(path), _scope(path))

    print(f"{len(routes)} routes; {args.runs} runs of {args.rounds} requests per path")
    print(f"{'path':28} {'linear us':>10} {'index us':>9} {'tried':>6} {'ratio':>7}")
    worst, page_ratios = 0.0, []
    for path in PATHS:
        assert linear(path)[:2] == indexed(path)[:2], path  # the same route, the same match
        lin = statistics.median(_micros(linear, path, args.rounds) for _ in range(args.runs))
        idx = statistics.median(_micros(indexed, path, args.rounds) for _ in range(args.runs))
        worst = max(worst, idx)
        if not path.startswith(("/api", "/healthz", "/static")):
            page_ratios.append(idx / lin)
        tried = len(dispatch.candidates(path))
        print(f"{path:28} {lin:10.1f} {idx:9.1f} {tried:6d} {idx / lin:7.3f}")
    print(f"worst indexed path: {worst:.1f} us (target <= 50)")
    print(f"pages: indexed/linear median {statistics.median(page_ratios):.3f} (target <= 0.1)")


if __name__ == "__main__":
    main()
