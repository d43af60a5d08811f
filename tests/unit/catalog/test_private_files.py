"""The data dir holds password hashes, sessions, the cookie key and uploads: what Valbar
creates there is 0700 (folders) and 0600 (files), under the usual umask 022; a data dir the
operator made with other modes keeps them."""

from __future__ import annotations

import io
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import UploadFile

from api.routers.feeds import _store_upload
from tests.unit.api.test_api_support import build_env, close_env
from ui.feed_uploads import stage_upload


@pytest.fixture(autouse=True)
def usual_umask() -> Iterator[None]:
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _private_tree(var: Path) -> None:
    env = build_env(var.parent, web_workers=2)  # data_dir = var; a shared rate-limit file
    try:
        assert env.settings.data_dir == var
        client = env.client
        assert client.get("/api/v1/auth/me", headers=env.headers("clinic")).status_code == 200
        upload = _store_upload(
            UploadFile(io.BytesIO(b"sku;price\n1;2\n"), filename="f.csv"), env.settings, "f.csv"
        )
        staged = stage_upload(env.settings, 1, io.BytesIO(b"sku;price\n1;2\n"), "feed.csv")
        for folder in (var / "index", var / "uploads", var / "ui-uploads", staged.path.parent):
            assert _mode(folder) == 0o700, folder
        files = [
            var / "valbar.sqlite3",
            var / "secret_key",
            var / "ratelimit.sqlite3",
            upload,
            staged.path,
            staged.path.with_name(f"{staged.token}.name"),
        ]
        files += [p for p in var.iterdir() if p.name.startswith("valbar.sqlite3")]  # -wal, -shm
        for path in files:
            assert _mode(path) == 0o600, (path, oct(_mode(path)))
    finally:
        close_env(env)


def test_what_valbar_creates_in_the_data_dir_is_private(tmp_path: Path) -> None:
    var = tmp_path / "new" / "var"
    _private_tree(var)
    assert _mode(var) == 0o700
    assert _mode(var.parent) == 0o700  # created here too (mkdir -p made it 0755)


def test_an_existing_data_dir_keeps_its_mode(tmp_path: Path) -> None:
    var = tmp_path / "mine" / "var"
    var.mkdir(parents=True)
    var.chmod(0o750)
    _private_tree(var)
    assert _mode(var) == 0o750  # the operator's choice
