"""The key that signs cookies: the configured one, else a random one kept in the data dir.

A known key lets anyone sign a session, so Valbar never runs with one: without
``VALBAR_SECRET_KEY`` the first start writes 64 random bytes (URL-safe text) to
``data_dir/secret_key`` with mode 0600 and every later start, in every process, reads it.
Processes starting at once agree: each writes its candidate to a private temporary file
(``O_EXCL``) and publishes it with ``link``, which fails when the file exists, so exactly one
candidate wins and the others read it. The file is never visible half-written.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from pathlib import Path

from catalog.private_files import private_dir
from catalog.settings import KNOWN_SECRET_KEYS, MIN_SECRET_LENGTH, Settings

SECRET_FILE = "secret_key"
MIN_LENGTH = MIN_SECRET_LENGTH


class SecretKeyError(RuntimeError):
    """The stored key is unusable (empty, too short, a known key or readable by others)."""


def secret_key_path(settings: Settings) -> Path:
    return settings.data_dir / SECRET_FILE


def resolve_secret_key(settings: Settings) -> str:
    """The configured key, else the stored one (made on first use)."""
    if settings.secret_key:
        return settings.secret_key
    return load_or_create(secret_key_path(settings))


def load_or_create(path: Path) -> str:
    private_dir(path.parent)  # the data dir, 0700 when made here
    if not path.exists():
        _publish(path, secrets.token_urlsafe(64))
    return _read(path)


def _publish(path: Path, key: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(key)
            handle.flush()
            os.fsync(handle.fileno())
        # atomic; fails when another process published first (then its key is used)
        with contextlib.suppress(FileExistsError):
            os.link(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _read(path: Path) -> str:
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise SecretKeyError(
            f"{path} is readable by other users (mode {mode:o}); run: chmod 600 {path}"
        )
    key = path.read_text(encoding="utf-8").strip()
    if len(key) < MIN_LENGTH or key in KNOWN_SECRET_KEYS:
        raise SecretKeyError(
            f"{path} does not hold a usable secret key (at least {MIN_LENGTH} random "
            "characters); delete it to have a new one made (signs everyone out)"
        )
    return key
