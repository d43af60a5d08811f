"""What a transaction queued to send is kicked once after its commit, never after a
rollback; with a broker the kick queues the ``valbar.dispatch`` task, which beat also runs."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from catalog.settings import Settings
from marketplace import tasks
from marketplace.dispatch import Drainer, install
from marketplace.mail import queue_email
from tests.factories import migrated_factory


@pytest.fixture
def factory(tmp_path: Path) -> sessionmaker[Session]:
    return migrated_factory(f"sqlite:///{tmp_path / 'db.sqlite3'}")


def _queue(session: Session, key: str) -> None:
    queue_email(session, to="a@b.se", template="t", lang="sv", context={}, dedupe_key=key)


def test_a_commit_that_queued_mail_kicks_once_a_rollback_never(
    factory: sessionmaker[Session],
) -> None:
    kicks: list[int] = []
    install(factory, lambda: kicks.append(1))
    with factory() as s:
        _queue(s, "a")
        _queue(s, "b")
        s.commit()
        assert kicks == [1]
        s.commit()  # nothing new queued: no kick
        assert kicks == [1]
        _queue(s, "c")
        s.rollback()
        s.commit()
        assert kicks == [1]
        with s.begin_nested():  # queued inside a savepoint: kicked at the outer commit
            _queue(s, "d")
        assert kicks == [1]
        s.commit()
        assert kicks == [1, 1]


def test_a_drainer_runs_again_when_kicked_while_running() -> None:
    import threading

    started, release = threading.Event(), threading.Event()
    runs: list[int] = []

    def drain() -> None:
        runs.append(1)
        if len(runs) == 1:
            started.set()
            release.wait(5)

    drainer = Drainer(drain)
    drainer.kick()
    assert started.wait(5)
    drainer.kick()
    drainer.kick()  # two kicks while running: one more pass
    release.set()
    drainer.wait(5)
    assert runs == [1, 1]


def test_with_a_broker_the_kick_queues_the_task(
    factory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    queued: list[int] = []
    monkeypatch.setattr(tasks.dispatch, "delay", lambda: queued.append(1))
    kick = tasks.dispatch_kick(Settings(broker_url="redis://127.0.0.1:1/0"), factory)
    kick()
    assert queued == [1]
    schedule = tasks.celery_app.conf.beat_schedule["valbar.dispatch"]
    assert schedule["task"] == "valbar.dispatch" and schedule["schedule"] > 0
