"""Sending what a transaction queued (e-mail, webhook deliveries) right after it commits,
never inside the request that queued it.

``queue_email`` and the webhook fan-out call :func:`mark_pending`; when the session's
outermost transaction commits, the kick installed on its factory (:func:`install`) runs:
``marketplace.tasks.wire`` installs one that queues the ``valbar.dispatch`` task with a
broker, or wakes a background thread (:class:`Drainer`) without one. Rolled back, nothing
is kicked. Retries (and anything a lost kick left) are picked up by the periodic pass: the
beat schedule with a broker, ``serve``'s dispatch loop without one.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction, sessionmaker

log = logging.getLogger(__name__)

KICK_KEY = "valbar.dispatch.kick"
_PENDING = "valbar.dispatch.pending"


def mark_pending(session: Session) -> None:
    """Something to send was queued in the session's transaction."""
    session.info[_PENDING] = True


def install(factory: sessionmaker[Session], kick: Callable[[], None]) -> None:
    """Sessions of ``factory`` call ``kick`` after committing something to send."""
    info = dict(factory.kw.get("info") or {})
    info[KICK_KEY] = kick
    factory.configure(info=info)


def installed(factory: sessionmaker[Session]) -> bool:
    return KICK_KEY in (factory.kw.get("info") or {})


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    if session.get_nested_transaction() is not None:
        return  # a savepoint: wait for the outer commit
    if session.info.pop(_PENDING, False):
        kick = session.info.get(KICK_KEY)
        if callable(kick):
            try:
                kick()
            except Exception:  # the periodic pass sends it
                log.exception("dispatch kick failed")


@event.listens_for(Session, "after_soft_rollback")
def _rolled_back(session: Session, previous_transaction: SessionTransaction) -> None:
    if previous_transaction.parent is None and not previous_transaction.nested:
        session.info.pop(_PENDING, None)


class Drainer:
    """Runs ``drain`` in one background thread: a kick while it runs makes it run once
    more, so nothing queued meanwhile waits for the periodic pass."""

    def __init__(self, drain: Callable[[], object], name: str = "valbar-dispatch") -> None:
        self._drain = drain
        self._name = name
        self._lock = threading.Lock()
        self._again = False
        self._thread: threading.Thread | None = None

    def kick(self) -> None:
        with self._lock:
            if self._thread is not None:
                self._again = True
                return
            self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while True:
            try:
                self._drain()
            except Exception:  # logged; the periodic pass tries again
                log.exception("%s pass failed", self._name)
            with self._lock:
                if not self._again:
                    self._thread = None
                    return
                self._again = False

    def wait(self, timeout: float = 10.0) -> None:
        """Until the current pass (and any it was asked to repeat) is done (tests)."""
        with self._lock:
            thread = self._thread
        if thread is not None:
            thread.join(timeout)
