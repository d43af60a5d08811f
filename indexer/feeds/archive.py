"""Zip-based uploads (.xlsx) checked before any member is unpacked: no archive bombs.

A workbook is a zip archive; its XML members can compress a thousandfold (a 2 MB upload whose
shared strings unpack to a gigabyte). `check_archive` reads only the central directory and
refuses, naming the file and the member, when

* the members together declare more than ``max_unzipped_bytes`` uncompressed, or
* a member larger than `RATIO_FLOOR_BYTES` declares more than ``max_ratio`` times its
  compressed size (small members compress absurdly well and are harmless), or
* an XML member declares a DTD with entities (refused like any other XML upload,
  `indexer.xmlsafe.check_prolog`; the workbook reader itself also parses without entities).

A member that lies about its size in the directory cannot unpack to more than it declares:
`zipfile` stops decompressing at the declared size and then fails its CRC check, which the
workbook reader (`indexer.feeds.excel_reader`) reports as an unreadable workbook.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from indexer import xmlsafe
from indexer.errors import FeedFormatError
from indexer.feeds.errors import UnsupportedFeedFormat
from indexer.messages import Message

DEFAULT_MAX_UNZIPPED_BYTES = 512 * 1024 * 1024
DEFAULT_MAX_RATIO = 200.0
RATIO_FLOOR_BYTES = 1024 * 1024  # members below this size are not judged by their ratio
_PROLOG_BYTES = 64 * 1024


class ArchiveBomb(FeedFormatError):
    """A zip upload that would unpack to more than the limits allow (size or ratio)."""

    def __init__(self, message: Message, *, file: str, member: str) -> None:
        self.member = member
        super().__init__(message, file=file)


def check_archive(
    path: Path,
    *,
    file: str,
    max_unzipped_bytes: int = DEFAULT_MAX_UNZIPPED_BYTES,
    max_ratio: float = DEFAULT_MAX_RATIO,
) -> None:
    """Refuse an archive whose declared sizes exceed the limits (see the module docstring)."""
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            total = 0
            for info in infos:
                size, packed = info.file_size, info.compress_size
                total += size
                if size > RATIO_FLOOR_BYTES and size > max_ratio * max(packed, 1):
                    raise ArchiveBomb(
                        Message(
                            "file.archive_ratio",
                            member=info.filename,
                            size=size,
                            packed=packed,
                            ratio=size // max(packed, 1),
                            limit=float(max_ratio),
                        ),
                        file=file,
                        member=info.filename,
                    )
                if total > max_unzipped_bytes:
                    raise ArchiveBomb(
                        Message(
                            "file.archive_total",
                            limit=max_unzipped_bytes,
                            member=info.filename,
                            total=total,
                        ),
                        file=file,
                        member=info.filename,
                    )
            for info in infos:
                if info.filename.endswith((".xml", ".rels")) and info.file_size:
                    with zf.open(info) as member:
                        head = member.read(_PROLOG_BYTES)
                    xmlsafe.check_prolog(head, f"{file} ({info.filename})")
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError) as exc:
        raise UnsupportedFeedFormat(
            Message("file.unreadable_workbook", kind="kind.xlsx", error=str(exc)), file=file
        ) from exc
