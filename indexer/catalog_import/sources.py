"""Walk catalog inputs: a file, a directory (recursive) or a .zip / .gz, without extracting.

Containers are recognised by content (zip and gzip magic numbers), not by extension,
and can nest (a zip inside a zip, a .jsonl.gz inside a zip). Zip members are streamed
with ``zipfile.ZipFile.open``; nothing is written to disk. Every source can be opened
again (readers that need two passes seek back to 0 on the seekable member stream).
"""

from __future__ import annotations

import gzip
import zipfile
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, cast

HEAD_BYTES = 64 * 1024
ZIP_MAGIC = b"PK\x03\x04"
GZIP_MAGIC = b"\x1f\x8b"

Opener = Callable[[], AbstractContextManager[IO[bytes]]]


@dataclass(frozen=True, slots=True)
class CatalogSource:
    """One readable catalog stream.

    ``name`` is the display path (``archive.zip!member.xml`` inside archives); ``head`` the
    first 64 KiB of the (decompressed) content for format detection; ``open()`` a context
    manager yielding a fresh seekable binary stream; ``in_container`` is True for files
    found inside a directory or archive (unrecognised ones are then skipped, not fatal).
    """

    name: str
    head: bytes
    open: Opener
    in_container: bool = False


def _read_head(opener: Opener) -> bytes:
    with opener() as fh:
        return fh.read(HEAD_BYTES)


def _file_opener(path: Path) -> Opener:
    @contextmanager
    def _open() -> Iterator[IO[bytes]]:
        with path.open("rb") as fh:
            yield fh

    return _open


def _member_opener(archive: Opener, member: str) -> Opener:
    @contextmanager
    def _open() -> Iterator[IO[bytes]]:
        with archive() as outer, zipfile.ZipFile(outer) as zf, zf.open(member) as fh:
            yield fh

    return _open


def _gzip_opener(inner: Opener) -> Opener:
    @contextmanager
    def _open() -> Iterator[IO[bytes]]:
        with inner() as raw, gzip.GzipFile(fileobj=raw, mode="rb") as fh:
            yield cast(IO[bytes], fh)

    return _open


def _expand(name: str, opener: Opener, in_container: bool) -> Iterator[CatalogSource]:
    """Yield ``opener``'s content as sources, descending into zip and gzip containers."""
    head = _read_head(opener)
    if head.startswith(ZIP_MAGIC):
        with opener() as fh, zipfile.ZipFile(fh) as zf:
            members = sorted(i.filename for i in zf.infolist() if not i.is_dir())
        for member in members:
            if _hidden(member):
                continue
            yield from _expand(f"{name}!{member}", _member_opener(opener, member), True)
    elif head.startswith(GZIP_MAGIC):
        inner = _gzip_opener(opener)
        yield CatalogSource(name, _read_head(inner), inner, in_container)
    else:
        yield CatalogSource(name, head, opener, in_container)


def _hidden(path: str) -> bool:
    return any(part.startswith(".") or part == "__MACOSX" for part in path.split("/"))


def iter_catalog_files(path: Path) -> Iterator[CatalogSource]:
    """Every catalog stream under ``path`` (file, directory walked recursively, archive)."""
    if path.is_dir():
        for file in sorted(p for p in path.rglob("*") if p.is_file()):
            if _hidden(file.relative_to(path).as_posix()):
                continue
            yield from _expand(str(file), _file_opener(file), True)
    elif path.is_file():
        yield from _expand(str(path), _file_opener(path), False)
    else:
        raise FileNotFoundError(path)
