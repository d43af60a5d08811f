"""The cookie key: never a known one; made once per data dir, 0600, the same in every
process, also when several start at once."""

from __future__ import annotations

import multiprocessing
import stat
from pathlib import Path

import pytest

from catalog.secret_key import SecretKeyError, load_or_create, resolve_secret_key
from catalog.settings import Settings


def test_made_on_first_start_private_and_stable(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "var", environment="test")
    first = resolve_secret_key(settings)
    stored = tmp_path / "var" / "secret_key"
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    assert len(first) >= 64 and first != "dev-insecure-secret-key"
    assert resolve_secret_key(settings) == first  # a restart reads it back
    assert resolve_secret_key(Settings(data_dir=tmp_path / "other")) != first
    assert [p.name for p in (tmp_path / "var").iterdir()] == ["secret_key"]  # no temp left


def test_a_configured_key_wins_and_nothing_is_written(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, secret_key="x" * 40)
    assert resolve_secret_key(settings) == "x" * 40
    assert not (tmp_path / "secret_key").exists()


def test_an_unusable_stored_key_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "secret_key"
    path.write_text("dev-insecure-secret-key")
    path.chmod(0o600)
    with pytest.raises(SecretKeyError, match="usable secret key"):
        load_or_create(path)
    path.write_text("y" * 64)
    path.chmod(0o644)
    with pytest.raises(SecretKeyError, match="chmod 600"):
        load_or_create(path)


def _worker(
    path: str, barrier: multiprocessing.synchronize.Barrier, out: multiprocessing.Queue[str]
) -> None:
    barrier.wait()
    out.put(load_or_create(Path(path)))


@pytest.mark.parametrize("round_", range(20))
def test_concurrent_first_starts_agree(tmp_path: Path, round_: int) -> None:
    ctx = multiprocessing.get_context("fork")
    barrier = ctx.Barrier(4)
    out: multiprocessing.Queue[str] = ctx.Queue()
    path = str(tmp_path / "var" / "secret_key")
    procs = [ctx.Process(target=_worker, args=(path, barrier, out)) for _ in range(4)]
    for p in procs:
        p.start()
    keys = {out.get(timeout=20) for _ in procs}
    for p in procs:
        p.join(timeout=20)
        assert p.exitcode == 0
    assert len(keys) == 1
    assert keys == {Path(path).read_text()}
