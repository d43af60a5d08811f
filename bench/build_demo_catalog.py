"""Derive Valbar's compact dental demo catalog from the FDA GUDID dental subset.

Usage (from the repository root)::

    .venv/bin/python bench/build_demo_catalog.py
    .venv/bin/python bench/build_demo_catalog.py --source ../shared/data/gudid \\
        --out data/demo/gudid_dental_demo.jsonl.gz --per-group 110 --per-company 8

Streams every GUDID zip (nothing is extracted), keeps devices that are in commercial
distribution, have a brand and a GS1 primary DI, and whose GMDN term falls in one of the
dental product groups below. Within a group at most ``--per-company`` devices per company
and ``--per-group`` devices in all are kept, companies taken round-robin, devices within
a company chosen by a stable hash of the record key: the output depends only on the
input, not on file order. Writes one JSON ProductRecord per line, gzip (mtime 0, so the
bytes are reproducible), read back by ``indexer.catalog_import.read_catalog``.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import heapq
import re
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from catalog.records import ProductRecord
from indexer.catalog_import import CatalogRowError, read_catalog
from indexer.catalog_import.valbar_jsonl import record_to_json

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SOURCE = ROOT.parent / "shared" / "data" / "gudid"
DEFAULT_OUT = ROOT / "data" / "demo" / "gudid_dental_demo.jsonl.gz"

# (group label, regex on the GMDN preferred term); the first matching group wins.
GROUPS: tuple[tuple[str, str], ...] = (
    ("burs", r"dental bur\b"),
    ("drills", r"drill bit"),
    ("gloves", r"glove"),
    ("composites", r"composite resin|restorative"),
    ("bonding and etching", r"bonding agent|etching|bracket adhesive"),
    ("cements", r"cement"),
    ("impression materials", r"impression material"),
    ("impression trays", r"impression tray"),
    ("implants", r"endosteal dental implant|dental implant system"),
    ("abutments", r"implant suprastructure|abutment"),
    ("endodontic files", r"endodontic file"),
    ("obturation", r"gutta-percha|paper point|obturat|endodontic plugger"),
    ("orthodontic brackets", r"orthodontic bracket|self-ligating"),
    ("orthodontic wires", r"archwire|orthodontic wire|ligature|elastic"),
    ("aligners and retainers", r"aligner|orthodontic retainer"),
    ("handpieces", r"handpiece"),
    ("mirrors", r"dental mirror"),
    ("forceps", r"forceps"),
    ("elevators", r"elevator"),
    ("scalers and curettes", r"scaler|curette|scaling"),
    ("probes", r"probe"),
    ("crowns", r"crown"),
    ("oral hygiene", r"toothbrush|dental floss|dentifrice|interdental"),
    ("polishing", r"polishing|prophylaxis|abrasive"),
    ("matrix systems", r"matrix band|matrix retainer|dental wedge"),
    ("x-ray", r"x-ray|radiograph|intraoral.*sensor"),
    ("curing lights", r"polymerization lamp|curing light"),
    ("bone grafts and membranes", r"bone matrix|bone graft|regeneration membrane"),
    ("sutures", r"suture"),
    ("anaesthesia", r"dental needle|dental syringe|anaesthe|anesthe"),
    ("rubber dam", r"rubber dam"),
    ("suction", r"suction"),
    ("desensitizers and fluoride", r"desensitiz|fluoride|varnish"),
    ("whitening", r"bleach|whiten"),
    ("artificial teeth and dentures", r"artificial teeth|denture"),
    ("cad/cam", r"cad/cam"),
    ("instruments", r"excavator|carver|burnisher|plugger|spatula|scissors|pliers"),
)
_COMPILED = tuple((label, re.compile(rx, re.IGNORECASE)) for label, rx in GROUPS)


def group_of(record: ProductRecord) -> str | None:
    """The demo group of a device (from its GMDN term), or None when it is not wanted."""
    if not record.category:
        return None
    for label, rx in _COMPILED:
        if rx.search(record.category):
            return label
    return None


def wanted(record: ProductRecord) -> bool:
    in_distribution = "discontinued" not in record.extra and record.extra.get(
        "distribution_status", "In Commercial Distribution"
    ).startswith("In Commercial")
    return bool(record.brand) and record.primary_gtin is not None and in_distribution


def _stable_hash(key: str) -> str:
    return hashlib.sha1(key.encode("utf-8"), usedforsecurity=False).hexdigest()


@dataclass
class Selector:
    per_group: int
    per_company: int
    # group -> company -> max-heap (negated hash order) of the per_company smallest hashes
    heaps: dict[str, dict[str, list[tuple[str, int, ProductRecord]]]] = field(default_factory=dict)
    seen: int = 0

    def offer(self, record: ProductRecord) -> None:
        group = group_of(record)
        if group is None or not wanted(record):
            return
        self.seen += 1
        company = (record.manufacturer or record.brand or "").casefold()
        heap = self.heaps.setdefault(group, {}).setdefault(company, [])
        # heapq is a min-heap; store the inverted hash so heap[0] is the largest hash.
        inv = "".join("0123456789abcdef"[15 - int(c, 16)] for c in _stable_hash(record.source_key))
        item = (inv, self.seen, record)
        if len(heap) < self.per_company:
            heapq.heappush(heap, item)
        elif inv > heap[0][0]:
            heapq.heapreplace(heap, item)

    def result(self) -> list[tuple[str, ProductRecord]]:
        out: list[tuple[str, ProductRecord]] = []
        for group in sorted(self.heaps):
            companies = self.heaps[group]
            queues = {
                c: sorted((r for _inv, _n, r in h), key=lambda r: _stable_hash(r.source_key))
                for c, h in companies.items()
            }
            order = sorted(queues, key=lambda c: _stable_hash(group + c))
            picked: list[ProductRecord] = []
            while len(picked) < self.per_group and any(queues.values()):
                for company in order:
                    if queues[company] and len(picked) < self.per_group:
                        picked.append(queues[company].pop(0))
            out.extend((group, r) for r in sorted(picked, key=lambda r: r.source_key))
        return out


def build(source: Path, out: Path, per_group: int, per_company: int) -> Counter[str]:
    selector = Selector(per_group=per_group, per_company=per_company)
    for item in read_catalog(source):
        if not isinstance(item, CatalogRowError):
            selector.offer(item)
    chosen = selector.result()
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as gz:
        for _group, record in chosen:
            gz.write(record_to_json(record).encode("utf-8") + b"\n")
    return Counter(group for group, _r in chosen)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE, help="GUDID zips")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output .jsonl.gz")
    parser.add_argument("--per-group", type=int, default=110)
    parser.add_argument("--per-company", type=int, default=8)
    args = parser.parse_args(argv)
    if not args.source.exists():
        print(f"source {args.source} not found", file=sys.stderr)
        return 2
    started = time.perf_counter()
    counts = build(args.source, args.out, args.per_group, args.per_company)
    for group, n in sorted(counts.items()):
        print(f"{n:5d}  {group}")
    size_kb = args.out.stat().st_size / 1024
    print(
        f"{sum(counts.values())} devices in {len(counts)} groups -> {args.out} "
        f"({size_kb:.0f} KiB) in {time.perf_counter() - started:.0f} s"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
