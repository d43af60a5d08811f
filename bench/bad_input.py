"""Hostile and oversized feed files through the real ingest: peak memory, time, outcome.

    python -m bench.bad_input [--csv-mb 200] [--invalid-mb 20] [--workdir DIR] [--keep]

Generates each file under a temporary folder (never committed; deleted afterwards unless
``--keep``), then runs every case in a fresh process: ``submit_feed`` + ``run_feed`` (what
``valbar ingest`` does) and, separately, a dry run whose JSON is what ``valbar ingest --dry-run
--json`` prints. Each process reports its own peak RSS (forked matching workers included) and
wall time. The baseline, measured in the same run, is a plain ``csv`` parse of the big CSV in a
process of its own. Prints one table row per case.

Cases: an .xlsx whose shared strings unpack to 1 GiB from ~1 MB; an .xlsx whose sheet XML does
the same; an .xlsx member that declares a small size and unpacks to 64 MiB; a valid CSV of
``--csv-mb`` MB; ``--invalid-mb`` MB of rows without a usable price; a UTF-8 CSV with a few
cp1252 bytes pasted in.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

MB = 1024 * 1024
HEADER = ["Artikelnummer", "Benämning", "Pris inkl. moms", "Lagerstatus", "EAN", "Tillverkare"]
_XML = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_MAIN = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = b"http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = b"http://schemas.openxmlformats.org/package/2006"


# ---------------------------------------------------------------- generators


def _workbook_members(shared: bytes, sheet_rows: bytes) -> dict[str, bytes]:
    row1 = b"".join(f'<c r="{c}1" t="s"><v>{i}</v></c>'.encode() for i, c in enumerate("ABCD"))
    return {
        "[Content_Types].xml": _XML + b'<Types xmlns="' + _PKG + b'/content-types">'
        b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        b'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        b'<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
        b'officedocument.spreadsheetml.sheet.main+xml"/></Types>',
        "_rels/.rels": _XML + b'<Relationships xmlns="' + _PKG + b'/relationships">'
        b'<Relationship Id="rId1" Type="' + _REL + b'/officeDocument" Target="xl/workbook.xml"/>'
        b"</Relationships>",
        "xl/workbook.xml": _XML + b'<workbook xmlns="' + _MAIN + b'" xmlns:r="' + _REL + b'">'
        b'<sheets><sheet name="Produkter" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": _XML + b'<Relationships xmlns="' + _PKG + b'/relationships">'
        b'<Relationship Id="rId1" Type="' + _REL + b'/worksheet" Target="worksheets/sheet1.xml"/>'
        b'<Relationship Id="rId2" Type="' + _REL + b'/sharedStrings" Target="sharedStrings.xml"/>'
        b"</Relationships>",
        "xl/sharedStrings.xml": _XML + b'<sst xmlns="' + _MAIN + b'">'
        b"<si><t>Artikelnummer</t></si><si><t>Namn</t></si><si><t>Pris</t></si>"
        b"<si><t>Lagerstatus</t></si>" + shared + b"</sst>",
        "xl/worksheets/sheet1.xml": _XML + b'<worksheet xmlns="' + _MAIN + b'"><sheetData>'
        b'<row r="1">' + row1 + b"</row>" + sheet_rows + b"</sheetData></worksheet>",
    }


def _write_bomb(
    path: Path, member: str, prefix: bytes, unit: bytes, size: int, suffix: bytes
) -> None:
    """A workbook whose ``member`` is ``prefix + unit * n + suffix`` of ``size`` bytes, streamed
    into the archive (never held in memory here either)."""
    members = _workbook_members(b"", b"")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for name, data in members.items():
            if name != member:
                zf.writestr(name, data)
        head, _, tail = members[member].rpartition(b"</")
        with zf.open(member, "w") as out:  # under 2 GiB: no zip64 records
            out.write(head + prefix)
            block = unit * (MB // len(unit))
            for _ in range(size // len(block)):
                out.write(block)
            out.write(suffix + b"</" + tail)


def shared_strings_bomb(path: Path, mb: int = 1024) -> None:
    _write_bomb(path, "xl/sharedStrings.xml", b"<si><t>", b"a", mb * MB, b"</t></si>")


def sheet_xml_bomb(path: Path, mb: int = 1024) -> None:
    row = b'<row><c t="inlineStr"><is><t>x</t></is></c></row>'
    _write_bomb(path, "xl/worksheets/sheet1.xml", b"", row, mb * MB, b"")


def lying_member(path: Path) -> None:
    """The shared strings declare 1,000 bytes in the directory and unpack to 64 MiB."""
    _write_bomb(path, "xl/sharedStrings.xml", b"<si><t>", b"a", 64 * MB, b"</t></si>")
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo("xl/sharedStrings.xml")
    lie = (1000).to_bytes(4, "little")
    real = info.file_size.to_bytes(4, "little")
    local = info.header_offset  # the uncompressed size: local header +22, central entry +24
    assert data[local + 22 : local + 26] == real
    data[local + 22 : local + 26] = lie
    central = data.find(b"PK\x01\x02")
    while data[central + 46 : central + 46 + len(info.filename)] != info.filename.encode():
        central = data.find(b"PK\x01\x02", central + 4)
    assert data[central + 24 : central + 28] == real
    data[central + 24 : central + 28] = lie
    path.write_bytes(bytes(data))


def _rows(
    writer: Any, target: int, fh: Any, row: Callable[[int, random.Random], list[str]]
) -> None:
    writer.writerow(HEADER)
    i = 0
    while fh.tell() < target:
        for _ in range(1000):
            writer.writerow(row(i, random.Random(i)))
            i += 1


def valid_csv(path: Path, mb: float) -> None:
    def row(i: int, r: random.Random) -> list[str]:
        return [
            f"B-{i}",
            f"Nitrilhandske storlek {r.choice('SML')} {r.randrange(100, 999)} st {i}",
            f"{r.randrange(20, 20000)},{r.randrange(0, 99):02d} kr",
            r.choice(["I lager", "Slut i lager", "3-5 dagar", "12"]),
            "",
            r.choice(["Kerr", "GC", "Voco", "Kulzer"]),
        ]

    with path.open("w", newline="", encoding="utf-8") as fh:
        _rows(csv.writer(fh, delimiter=";"), int(mb * MB), fh, row)


def invalid_csv(path: Path, mb: float) -> None:
    def row(i: int, r: random.Random) -> list[str]:
        price = "" if i % 2 else f"{r.randrange(1, 99)}x{i}"
        return [f"X-{i}", f"Trasig rad {i}", price, "I lager", "123", "Kerr"]

    with path.open("w", newline="", encoding="utf-8") as fh:
        _rows(csv.writer(fh, delimiter=";"), int(mb * MB), fh, row)


def malformed_utf8(path: Path, mb: float) -> None:
    valid_csv(path, mb)
    data = bytearray(path.read_bytes())
    first = data.index(b"\n") + 1
    data[first:first] = "Ö-1;Käkbensgaffel;99;I lager;;Kerr\n".encode()
    for at in (len(data) // 3, len(data) // 2, 2 * len(data) // 3):  # three cp1252 bytes
        at = data.index(b";", data.index(b"\n", at) + 1) + 1  # into a name cell
        data[at:at] = b"\xe5"
    path.write_bytes(bytes(data))


# ---------------------------------------------------------------- one case, in its own process


def _peak_mb() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return (own + children) / 1024


def run_one(kind: str, file: Path, work: Path) -> dict[str, Any]:
    from catalog.db import make_engine, migrate, session_factory, transaction
    from catalog.models import Retailer
    from catalog.settings import Settings
    from indexer.errors import IndexerError
    from indexer.pipeline import FeedOptions, dry_run, run_feed, submit_feed

    if kind == "baseline":
        t = time.perf_counter()
        with file.open(newline="", encoding="utf-8") as fh:
            rows = sum(1 for _ in csv.reader(fh, delimiter=";"))
        return {"s": time.perf_counter() - t, "peak_mb": _peak_mb(), "outcome": f"{rows:,} rows"}
    shutil.rmtree(work, ignore_errors=True)
    settings = Settings(
        data_dir=work, database_url="", environment="test", max_upload_bytes=2_000_000_000
    )
    engine = make_engine(settings.sqlalchemy_url)
    migrate(engine)
    factory = session_factory(engine)
    with transaction(factory) as s:
        s.add(Retailer(slug="bench", name="Bench Dental AB"))
    t = time.perf_counter()
    out: dict[str, Any] = {}
    try:
        if kind == "dry-run":
            report = dry_run(factory, settings, file, "bench", FeedOptions())
            text = json.dumps(report, ensure_ascii=False, default=str)
            out["outcome"] = (
                f"dry run: {len(text) / MB:,.1f} MB JSON, {len(report['errors'])} errors "
                f"listed + {report.get('errors_truncated', 0):,} counted"
            )
        else:
            run_id = submit_feed(factory, settings, file, "bench", FeedOptions())
            outcome = run_feed(factory, settings, run_id)
            c = outcome.counts
            out["outcome"] = (
                f"{outcome.status}: rows={c.get('rows', 0):,} valid={c.get('valid', 0):,} "
                f"errors={c.get('errors', 0):,} warnings={c.get('warnings', 0):,} "
                f"kept in full={len(outcome.errors)}"
            )
            out["timings"] = outcome_timings(factory, run_id)
            if outcome.message:
                out["outcome"] += f"; {outcome.message[:160]}"
    except IndexerError as exc:
        out["outcome"] = f"refused: {str(exc)[:200]}"
    out["s"] = time.perf_counter() - t
    out["peak_mb"] = _peak_mb()
    return out


def outcome_timings(factory: Any, run_id: int) -> dict[str, Any]:
    from catalog.models import FeedRun

    with factory() as s:
        run = s.get(FeedRun, run_id)
        return dict(run.timings or {}) if run is not None else {}


# ---------------------------------------------------------------- driver


def _child(kind: str, file: Path, work: Path) -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, "-m", "bench.bad_input", "--one", kind, str(file), str(work)],
        capture_output=True,
        text=True,
        check=False,
    )
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    if proc.returncode != 0 or not lines:
        return {"s": 0.0, "peak_mb": 0.0, "outcome": f"crashed: {proc.stderr.strip()[-300:]}"}
    result: dict[str, Any] = json.loads(lines[-1])
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--csv-mb", type=float, default=200.0)
    ap.add_argument("--invalid-mb", type=float, default=20.0)
    ap.add_argument("--utf8-mb", type=float, default=20.0)
    ap.add_argument("--bomb-mb", type=int, default=1024, help="what the bombs unpack to")
    ap.add_argument("--workdir", type=Path, default=None)
    ap.add_argument("--keep", action="store_true", help="keep the generated files")
    ap.add_argument("--only", default="", help="comma-separated case names to run")
    ap.add_argument("--one", nargs=3, metavar=("KIND", "FILE", "WORK"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        kind, file, work = args.one
        print(json.dumps(run_one(kind, Path(file), Path(work))))
        return
    work = args.workdir or Path(tempfile.mkdtemp(prefix="valbar-bad-input-"))
    work.mkdir(parents=True, exist_ok=True)
    cases: list[tuple[str, str, Callable[[Path], None], bool]] = [
        (
            f"xlsx shared-strings bomb ({args.bomb_mb:,} MB)",
            "ss_bomb.xlsx",
            lambda p: shared_strings_bomb(p, args.bomb_mb),
            False,
        ),
        (
            f"xlsx sheet XML ratio bomb ({args.bomb_mb:,} MB)",
            "sheet_bomb.xlsx",
            lambda p: sheet_xml_bomb(p, args.bomb_mb),
            False,
        ),
        ("xlsx member lying about its size", "liar.xlsx", lying_member, False),
        (f"valid CSV {args.csv_mb:g} MB", "valid.csv", lambda p: valid_csv(p, args.csv_mb), True),
        (
            f"invalid rows {args.invalid_mb:g} MB",
            "invalid.csv",
            lambda p: invalid_csv(p, args.invalid_mb),
            True,
        ),
        (
            f"malformed UTF-8 {args.utf8_mb:g} MB",
            "utf8.csv",
            lambda p: malformed_utf8(p, args.utf8_mb),
            True,
        ),
    ]
    only = {c.strip() for c in args.only.split(",") if c.strip()}
    print(f"{'case':36} {'file MB':>8} {'mode':8} {'peak RSS MB':>11} {'time s':>8}  outcome")
    try:
        for name, file_name, make, dry in cases:
            if only and file_name.split(".")[0] not in only:
                continue
            path = work / file_name
            make(path)
            size = path.stat().st_size / MB
            if file_name == "valid.csv":
                base = _child("baseline", path, work / "var-baseline")
                print(
                    f"{'baseline: plain csv parse':36} {size:8.1f} {'-':8} "
                    f"{base['peak_mb']:11,.0f} {base['s']:8.1f}  {base['outcome']}"
                )
            for mode in ("ingest", "dry-run") if dry else ("ingest",):
                r = _child(mode, path, work / f"var-{file_name}-{mode}")
                print(
                    f"{name:36} {size:8.1f} {mode:8} {r['peak_mb']:11,.0f} {r['s']:8.1f}  "
                    f"{r['outcome']}",
                    flush=True,
                )
                shutil.rmtree(work / f"var-{file_name}-{mode}", ignore_errors=True)
            if not args.keep:
                path.unlink(missing_ok=True)
    finally:
        if not args.keep and args.workdir is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
