"""Size limits: refuse oversized files before parsing and oversized lines/records while reading.

`max_line_bytes` is counted in decoded characters (equal to bytes for ASCII, fewer for
UTF-8 text), so the guard never needs a second decoding pass. A record that spans several
physical lines (a quoted CSV field with newlines) is bounded by the same limit as a line.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from indexer.errors import FeedTooLarge
from indexer.feeds.errors import EmptyFeedFile, FeedEncodingError
from indexer.messages import Message

REPLACEMENT = "\ufffd"
INVALID_UTF8 = Message("row.invalid_utf8")
HEAD_BYTES = 64 * 1024  # what format sniffing looks at
ENCODING_PREFIX_BYTES = 1024 * 1024  # what encoding detection decodes strictly


def check_file_size(path: Path, max_bytes: int, file: str) -> int:
    """Return the size of ``path``; refuse empty files and files over ``max_bytes``."""
    size = path.stat().st_size
    if size == 0:
        raise EmptyFeedFile(Message("file.empty"), file=file)
    if size > max_bytes:
        raise FeedTooLarge(Message("file.too_large", size=size, limit=max_bytes), file=file)
    return size


def read_prefix(path: Path, n: int) -> bytes:
    with path.open("rb") as fh:
        return fh.read(n)


@dataclass(slots=True)
class RecordTracker:
    """Shared state between a bounded line source and the record parser consuming it.

    ``lineno`` is the number of physical lines read so far; ``start`` the line on which
    the current record began. The consumer calls `next_record` after each record.
    """

    limit: int
    file: str
    lineno: int = 0
    start: int = 1
    chars: int = 0
    quotes: int = 0
    eof: bool = False
    pending: list[str] = field(default_factory=list)
    # the file is decoded with errors="replace": note records holding U+FFFD
    lenient: bool = False
    replaced: bool = False

    def next_record(self) -> None:
        self.start = self.lineno + 1
        self.chars = 0
        self.quotes = 0
        self.replaced = False
        self.pending.clear()


def bounded_lines(fh: TextIO, tracker: RecordTracker) -> Iterator[str]:
    """Yield physical lines of ``fh`` (newlines kept), never holding more than the limit.

    Raises `FeedTooLarge` as soon as one line, or the record being assembled, exceeds
    ``tracker.limit``; memory stays bounded by that limit whatever the file holds.
    """
    limit = tracker.limit
    readline = fh.readline
    pending = tracker.pending
    while True:
        try:
            line = readline(limit + 1)
        except UnicodeDecodeError as exc:
            # The decoder works on a block that starts inside the line being read.
            newlines = exc.object[: exc.start].count(b"\n")
            raise FeedEncodingError(
                Message("file.undecodable", encoding=fh.encoding, reason=exc.reason),
                file=tracker.file,
                row=tracker.lineno + 1 + newlines,
            ) from exc
        if not line:
            tracker.eof = True
            return
        tracker.lineno += 1
        n = len(line)
        if n > limit:
            raise FeedTooLarge(
                Message("file.line_too_long", limit=limit),
                file=tracker.file,
                row=tracker.lineno,
            )
        tracker.chars += n
        if tracker.chars > limit:
            raise FeedTooLarge(
                Message("file.record_too_long", limit=limit),
                file=tracker.file,
                row=tracker.start,
            )
        tracker.quotes += line.count('"')
        if tracker.lenient and REPLACEMENT in line:
            tracker.replaced = True
        pending.append(line)
        yield line
