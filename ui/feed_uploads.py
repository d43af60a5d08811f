"""The portal's uploads between preview and submit: staged files and their previews.

An upload is kept under ``<data_dir>/ui-uploads/<retailer id>/<token>`` (its original name
beside it) so the retailer can correct the column mapping and preview again without
uploading twice. Preview = the feed scanned and its changes summarized (`indexer.changes`);
nothing is written.
"""

from __future__ import annotations

import re
import secrets
import shutil
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy.orm import Session

from catalog.private_files import open_private, private_dir
from catalog.settings import Settings
from indexer.changes import summarize
from indexer.columns import detect_mapping
from indexer.errors import FeedChanged, FeedFormatError, MissingColumnsError
from indexer.messages import Message
from indexer.pipeline import FeedOptions, scan_for
from indexer.records import CANONICAL_FIELDS, REQUIRED_FIELDS

_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
SAMPLE_ROWS = 10
_NO_MAPPING_NEEDED = frozenset(("alias", "known", "remembered"))
SHOWN_ERRORS = 50


class UploadGone(Exception):
    """The staged upload does not exist (expired, or another retailer's token)."""


@dataclass(slots=True)
class Staged:
    token: str
    path: Path
    file_name: str


def _folder(settings: Settings, retailer_id: int) -> Path:
    return settings.data_dir / "ui-uploads" / str(retailer_id)


def stage_upload(settings: Settings, retailer_id: int, stream: BinaryIO, file_name: str) -> Staged:
    token = secrets.token_urlsafe(18)
    folder = _folder(settings, retailer_id)
    private_dir(folder)
    path = folder / token
    with open_private(path) as out:
        shutil.copyfileobj(stream, out, 1 << 20)
    clean = Path(file_name.replace("\\", "/")).name or "feed"
    with open_private(folder / f"{token}.name") as out:
        out.write(clean.encode("utf-8"))
    return Staged(token, path, clean)


def staged(settings: Settings, retailer_id: int, token: str) -> Staged:
    if not _TOKEN.match(token):
        raise UploadGone(token)
    folder = _folder(settings, retailer_id)
    path = folder / token
    name_file = folder / f"{token}.name"
    if not path.is_file() or not name_file.is_file():
        raise UploadGone(token)
    return Staged(token, path, name_file.read_text(encoding="utf-8"))


@dataclass(slots=True)
class Preview:
    file_name: str
    format: str | None = None
    encoding: str | None = None
    headers: list[str] = field(default_factory=list)
    mapping: dict[str, str] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    sample: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    unreadable: Message | None = None  # why the file cannot be read (indexer.messages)
    # what the run would do to the stored offers (message key, n); empty when not known
    changes: list[tuple[str, int]] = field(default_factory=list)
    would_refuse: tuple[int, int] | None = None  # (would withdraw, active): a mass withdrawal
    fields: tuple[str, ...] = CANONICAL_FIELDS
    required: tuple[str, ...] = REQUIRED_FIELDS
    unmapped: list[str] = field(default_factory=list)  # headers no field reads
    # the price column's header and what it says of VAT (None: nothing, the defaults decide)
    price_vat: tuple[str, bool | None] | None = None
    # beside the price column, the column excluding VAT its empty cells are read from
    price_excl_fallback: str | None = None
    # per field (`indexer.partial.cleared` keys), the stored values the run would clear
    clears: dict[str, int] = field(default_factory=dict)
    items: bool = False  # rows are items of an XML/JSON document, numbered by index

    @property
    def can_submit(self) -> bool:
        return self.unreadable is None and not self.missing and self.counts.get("valid", 0) > 0

    @property
    def recognised(self) -> bool:
        """Every column read by a field it was recognised for, none missing: no mapping step
        (a file filled in from the feed template)."""
        return (
            self.can_submit
            and not self.unmapped
            and all(source in _NO_MAPPING_NEEDED for source in self.sources.values())
        )


def preview(
    settings: Settings,
    upload: Staged,
    remembered: Mapping[str, Any] | None,
    override: dict[str, str] | None,
    session: Session | None = None,
    retailer_id: int | None = None,
    *,
    delta: bool = False,
    allow_mass_withdrawal: bool = False,
) -> Preview:
    """The file read and normalized; with ``session`` and ``retailer_id`` also what the run
    would change to the retailer's stored offers, and whether it would be refused for
    withdrawing too many. Streams the file (`indexer.scan`): memory does not grow with it."""
    out = Preview(file_name=upload.file_name)
    try:
        scan = scan_for(
            settings,
            upload.path,
            FeedOptions(mapping=override or None, delta=delta),
            remembered=dict(remembered) if remembered is not None else None,
            file_name=upload.file_name,
        )
    except MissingColumnsError as exc:
        mapping = detect_mapping(exc.headers, remembered=remembered, override=override or None)
        out.headers = list(exc.headers)
        out.mapping = dict(mapping.fields)
        out.sources = dict(mapping.sources)
        out.missing = list(exc.missing) + [f for f in exc.absent if f not in exc.missing]
        return out
    except FeedFormatError as exc:
        out.unreadable = exc.message  # the portal renders it: ui.feed_report.raised_message
        return out
    out.format = scan.format
    out.encoding = scan.encoding
    out.headers = list(scan.headers)
    out.mapping = dict(scan.mapping.fields)
    out.sources = dict(scan.mapping.sources)
    out.unmapped = list(scan.mapping.unmapped)
    out.items = scan.items
    if (price_header := scan.mapping.fields.get("price")) is not None:
        out.price_vat = (price_header, scan.mapping.price_vat_included)
        out.price_excl_fallback = scan.mapping.fields.get("price_excl_vat")
    try:
        summary = summarize(
            session,
            retailer_id,
            scan,
            settings,
            delta=delta,
            allow_mass_withdrawal=allow_mass_withdrawal,
            sample=SAMPLE_ROWS,
        )
    except FeedChanged as exc:  # another file under the same upload between the two passes
        out.unreadable = exc.message
        return out
    out.counts = scan.counts()
    if summary.counts:
        c = summary.counts
        out.changes = [
            ("count.inserted", c["would_insert"]),
            ("count.updated", c["would_update"]),
            ("count.reactivated", c["would_reactivate"]),
            ("count.unchanged", c["unchanged"]),
            ("count.withdrawn", c["would_withdraw"]),
            ("count.kept", c["kept"]),
        ]
        out.clears = dict(summary.clears)
        if summary.refusal is not None:
            out.would_refuse = (summary.would_withdraw, summary.active_before)
    out.sample = [o.as_dict() for o in summary.sample]
    out.errors = [e.as_dict() for e in scan.errors[:SHOWN_ERRORS]]
    return out


def mapping_from_form(form: dict[str, str], headers: list[str] | None = None) -> dict[str, str]:
    """``map_<field>`` form values -> ``{field: header}`` (unknown fields are ignored)."""
    chosen: dict[str, str] = {}
    for name in CANONICAL_FIELDS:
        header = form.get(f"map_{name}", "")
        if header and (headers is None or header in headers):
            chosen[name] = header
    return chosen
