"""Admins deciding one offer of the match review queue at once, on PostgreSQL and SQLite:
several threads post decisions on the same offer through one TestClient (the sync routes
run on the app's thread pool, so the requests overlap); exactly one wins, the others get
409, and the offer has one product and one accepted candidate."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import select

from catalog.models import MatchCandidate, MatchDecision, Offer
from indexer.jobs import factory_for
from tests.integration.conftest import pg_schema
from tests.unit.api.test_api_match_review import queue_offer
from tests.unit.api.test_api_support import ApiEnv, build_env, close_env

ROUNDS = 5


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def env(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ApiEnv]:
    tmp = tmp_path_factory.mktemp(f"match_concurrency_{request.param}")
    if request.param == "sqlite":
        built = build_env(tmp)
        yield built
        close_env(built)
        return
    with pg_schema() as url:
        built = build_env(tmp, database_url=url)
        yield built
        close_env(built)


def _all_at_once(calls: list[Callable[[], Any]]) -> list[Any]:
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = calls[i]()
        except BaseException as exc:  # noqa: BLE001 - re-raised in the test's thread
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()  # a hang is pytest-timeout's to report, not a silent None on a busy machine
    for result in results:
        if isinstance(result, BaseException):
            raise result
    return results


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_concurrent_decisions_on_one_offer_have_one_outcome(env: ApiEnv, round_: int) -> None:
    ids = queue_offer(
        env, f"RACE-{round_}", "Munspegel tävling", [("mirror", 0.7), ("composite", 0.69)]
    )
    admin = env.headers("admin")

    def post(body: dict[str, object]) -> Callable[[], int]:
        return lambda: (
            env.client.post("/api/v1/admin/match-decisions", json=body, headers=admin).status_code
        )

    calls = [
        post({"action": "accept", "candidate_id": ids["mirror"]}),
        post({"action": "accept", "candidate_id": ids["composite"]}),
        post({"action": "accept", "candidate_id": ids["mirror"]}),
        post({"action": "new_product", "offer_id": ids["offer"]}),
    ]
    statuses = _all_at_once(calls)
    assert sorted(statuses) == [201, 409, 409, 409], statuses
    with factory_for(env.settings)() as s:
        rows = s.scalars(
            select(MatchCandidate.status).where(MatchCandidate.offer_id == ids["offer"])
        ).all()
        offer = s.get(Offer, ids["offer"])
        matches = s.scalars(
            select(MatchDecision).where(
                MatchDecision.offer_id == ids["offer"], MatchDecision.label == "match"
            )
        ).all()
    assert offer is not None and offer.product_id is not None
    assert "pending" not in rows and rows.count("accepted") <= 1
    assert len(matches) == (1 if rows.count("accepted") == 1 else 0)
