"""Private files: the data dir holds password hashes, sessions, the cookie key and retailers'
uploads, so what Valbar creates there is readable by its own user only.

* :func:`private_dir` creates each missing directory of a path with mode 0700 (``mkdir -p``
  would make the parents 0755 under the usual umask 022). A directory that already exists
  is left as it is: an operator who made the data dir with other modes keeps them.
* :func:`private_file` creates a missing file with mode 0600 (a SQLite database created by
  SQLite itself is 0644; its ``-wal``/``-shm``/journal files take the database's mode).
* :func:`open_private` opens a new file for writing with mode 0600.

Modes are passed to ``mkdir``/``open`` and set again with ``chmod`` on what was just
created (the process umask can only take bits away, and it is process-wide: changing it
around a creation would race other threads).
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import BinaryIO

DIR_MODE = 0o700
FILE_MODE = 0o600


def private_dir(path: Path) -> Path:
    """``path`` as a directory; the ones created here (it and missing parents) are 0700."""
    path = Path(path)
    missing: list[Path] = []
    cursor = path
    while not cursor.exists():
        missing.append(cursor)
        if cursor.parent == cursor:
            break
        cursor = cursor.parent
    for folder in reversed(missing):
        try:
            os.mkdir(folder, DIR_MODE)
        except FileExistsError:
            continue  # another process made it: its mode is its own
        os.chmod(folder, DIR_MODE)
    if not path.is_dir():
        raise NotADirectoryError(str(path))
    return path


def private_file(path: Path) -> Path:
    """Create ``path`` empty with mode 0600 when it does not exist (its folder too, 0700);
    an existing file is left as it is."""
    path = Path(path)
    private_dir(path.parent)
    with contextlib.suppress(FileExistsError):
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
        os.fchmod(fd, FILE_MODE)
        os.close(fd)
    return path


def open_private(path: Path) -> BinaryIO:
    """A new file ``path`` (FileExistsError if it exists) opened for writing, mode 0600
    (its folder 0700 when created here)."""
    path = Path(path)
    private_dir(path.parent)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    try:
        os.fchmod(fd, FILE_MODE)
        return os.fdopen(fd, "wb")
    except BaseException:
        os.close(fd)
        raise
