"""Every way a feed is run goes through ``indexer.feed_runner``: the run, then the search
index, then the run's events.

Each entry point (an upload to the API, ``valbar ingest``, the Celery task in eager mode, the
demo's seeding) runs a feed while a subscriber listens on the bus of the process's session
factory. The run's child process publishes ``FeedRunFinished`` in its own process, where no
one listens; only the runner delivers it here, once, after the search index has the run's
products: the subscriber searches the index when it hears the event and finds every product
the run offers.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from catalog.events import FeedRunFinished, bus_for
from catalog.gtin import check_digit
from catalog.models import Offer
from catalog.settings import Settings, get_settings
from indexer import jobs
from indexer.jobs import factory_for
from indexer.pipeline import FeedOptions, submit_feed
from ranking.config import RankingConfig
from search.build import build_search_service
from search.service import SearchRequest
from tests.factories import add_product, add_retailer, swedish_feed
from tests.unit.api.test_api_support import build_env, close_env, wait_for_run

WORD = "tandtrådsbygel"  # in the name of every product the feeds here offer


def gtin(n: int) -> str:
    body = f"073500009{n:04d}"
    return body + str(check_digit(body))


class Witness:
    """Subscribes to ``FeedRunFinished`` on ``factory``'s bus; at each event, searches the
    index (a backend of its own) and notes which of the run's products it misses."""

    def __init__(self, settings: Settings, factory: sessionmaker[Session]) -> None:
        self.settings = settings
        self.factory = factory
        self.heard: list[tuple[int, int, set[int]]] = []  # (run, products offered, missing)
        bus_for(factory).subscribe(FeedRunFinished, self)

    def __call__(self, event: FeedRunFinished) -> None:
        with self.factory() as session:
            offered = set(
                session.scalars(
                    select(Offer.product_id).where(
                        Offer.last_feed_run_id == event.run_id, Offer.product_id.is_not(None)
                    )
                )
            )
        service = build_search_service(
            self.settings, self.factory, config=RankingConfig(), semantic=False
        )
        try:
            found = {h.product_id for h in service.search(SearchRequest(q=WORD, size=100)).hits}
        finally:
            service.backend.close()
        self.heard.append((event.run_id, len(offered), {p for p in offered if p not in found}))

    def wait(self, runs: int, seconds: float = 120.0) -> None:
        deadline = time.monotonic() + seconds
        while len(self.heard) < runs and time.monotonic() < deadline:
            time.sleep(0.1)

    def assert_heard(self, *run_ids: int) -> None:
        """Each run once, each with products offered and none missing from the index."""
        assert [run for run, _offered, _missing in self.heard] == list(run_ids)
        for _run, offered, missing in self.heard:
            assert offered and not missing


def _products(factory: sessionmaker[Session], count: int) -> dict[int, str]:
    """Catalog products the feeds can match by GTIN (and by MPN): feed row -> GTIN."""
    out: dict[int, str] = {}
    for i in range(count):
        code = gtin(i)
        add_product(
            factory, key=f"k{i}", name=f"Tandtrådsbygel flexibel {i}", gtin=code, mpn=f"TB-{i}"
        )
        out[i] = code
    return out


@pytest.fixture()
def local(settings_env: Path) -> tuple[Settings, sessionmaker[Session]]:
    settings = get_settings()
    return settings, factory_for(settings)


def test_an_api_upload(tmp_path: Path) -> None:
    env = build_env(tmp_path)
    try:
        factory: sessionmaker[Session] = env.app.state.session_factory
        witness = Witness(env.settings, factory)
        feed = swedish_feed(tmp_path / "lager.csv", 3, gtins=_products(factory, 3))
        response = env.client.post(
            "/api/v1/retailers/tandab/feeds",
            files={"file": ("lager.csv", feed.read_bytes(), "text/csv")},
            data={"delta": "true"},  # the retailer's other offers stay
            headers=env.headers("retailer_own"),
        )
        assert response.status_code == 202, response.text
        run_id = response.json()["id"]
        assert wait_for_run(env, run_id)["status"] == "succeeded"
        witness.wait(1)
        witness.assert_heard(run_id)
    finally:
        close_env(env)


def test_valbar_ingest(local: tuple[Settings, sessionmaker[Session]], tmp_path: Path) -> None:
    from valbar.cli import app

    settings, factory = local
    add_retailer(factory)
    witness = Witness(settings, factory)
    feed = swedish_feed(tmp_path / "lager.csv", 3, gtins=_products(factory, 3))
    result = CliRunner().invoke(app, ["ingest", str(feed), "--retailer", "tandab", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["counts"]["indexed_products"] == 3
    witness.assert_heard(data["feed_run_id"])


def test_the_celery_task_in_eager_mode(
    local: tuple[Settings, sessionmaker[Session]], tmp_path: Path
) -> None:
    settings, factory = local
    assert not settings.broker_url  # eager: the task runs in this process
    add_retailer(factory)
    witness = Witness(settings, factory)
    feed = swedish_feed(tmp_path / "lager.csv", 3, gtins=_products(factory, 3))
    run_id = submit_feed(factory, settings, feed, "tandab", FeedOptions())
    done = jobs.submit_feed_run(run_id, settings)
    assert done is not None and done["status"] == "succeeded"
    assert done["counts"]["indexed_products"] == 3
    witness.assert_heard(run_id)


def test_the_demo_seeding(local: tuple[Settings, sessionmaker[Session]]) -> None:
    """Two of the demo's retailers (one sends GTINs, one MPNs): a child process per run."""
    from valbar.demo import RETAILERS, ensure_retailers_and_users, seed_feeds

    by_ids = {d.ids: d for d in reversed(RETAILERS)}
    two = (by_ids["gtin"], by_ids["mpn"])
    settings, factory = local
    _products(factory, 40)
    ensure_retailers_and_users(factory, password_hash="not used here", retailers=two)
    witness = Witness(settings, factory)
    said: list[str] = []
    offers = seed_feeds(factory, settings, said.append, retailers=two)
    assert offers > 0 and len(said) == 2
    assert len(witness.heard) == 2  # both runs succeeded (rows with mistakes are rejected)
    witness.assert_heard(*(run for run, _offered, _missing in witness.heard))
