"""The web server's side of the scheduled feed fetch (``marketplace.feed_fetch``).

``FeedFetcher.run_due`` is one pass over the due feed URLs, each run it makes sent to the
server's ``FeedRunner`` (a Celery worker with a broker, else a local child process);
``kick`` runs a pass for one source in a background thread right after a "fetch now"
(the source's lease makes a second pass at once a no-op).
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Protocol

from sqlalchemy.orm import Session, sessionmaker

from catalog.settings import Settings
from marketplace.feed_fetch import FetchReport, fetch_due

log = logging.getLogger(__name__)


class Submits(Protocol):
    def submit(self, run_id: int) -> None: ...


class FeedFetcher:
    def __init__(self, settings: Settings, factory: sessionmaker[Session], runner: Submits) -> None:
        self.settings = settings
        self.factory = factory
        self.runner = runner
        self._executor = ThreadPoolExecutor(1, thread_name_prefix="valbar-feed-fetch")
        self._lock = threading.Lock()
        self._closed = False

    def run_due(self, only: int | None = None) -> FetchReport:
        report = fetch_due(self.settings, self.factory, submit=self.runner.submit, only=only)
        if report.ran or report.failed:
            log.info("feed URL fetch: %s", report)
        return report

    def kick(self, source_id: int) -> None:
        """Fetch ``source_id`` now in the background (after a "fetch now")."""
        with self._lock:
            if self._closed:
                return  # the next start's pass fetches it
            future = self._executor.submit(self.run_due, source_id)
        future.add_done_callback(_log_failure)

    def shutdown(self) -> None:
        with self._lock:
            self._closed = True
        self._executor.shutdown(wait=False, cancel_futures=True)


def _log_failure(future: Future[FetchReport]) -> None:
    exc = future.exception()
    if exc is not None:
        log.error("feed URL fetch failed", exc_info=exc)
