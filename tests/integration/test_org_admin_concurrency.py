"""Admins deciding the same sign-up at the same moment, through the API, on SQLite and
PostgreSQL: one decision stands (200), the others get 409, and the audit trail holds one
entry per sign-up."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any

import pytest
from sqlalchemy import select

from catalog.db import transaction
from catalog.models import AuditEntry, Organisation
from indexer.jobs import factory_for
from tests.integration.conftest import pg_schema
from tests.unit.api.test_api_support import ApiEnv, build_env, close_env

ROUNDS = 10
THREADS = 4


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def env(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ApiEnv]:
    tmp = tmp_path_factory.mktemp(f"org_admin_{request.param}")
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

    def run(call: Callable[[], Any]) -> Any:
        barrier.wait()
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def test_admins_deciding_one_sign_up_at_once_get_one_outcome(env: ApiEnv) -> None:
    factory = factory_for(env.settings)
    for round_no in range(ROUNDS):
        with transaction(factory) as s:
            org = Organisation(kind="clinic", name=f"Samtidig {round_no}", status="pending")
            s.add(org)
            s.flush()
            org_id = org.id
        base = f"/api/v1/admin/organisations/{org_id}"
        calls = [
            partial(env.client.post, f"{base}/approve", headers=env.headers("admin"))
            if i % 2 == 0
            else partial(
                env.client.post,
                f"{base}/refuse",
                json={"reason": "Samtidigt nej"},
                headers=env.headers("admin"),
            )
            for i in range(THREADS)
        ]
        responses = _all_at_once(calls)
        statuses = sorted(r.status_code for r in responses)
        assert statuses == [200] + [409] * (THREADS - 1), [r.text for r in responses]
        (won,) = [r.json() for r in responses if r.status_code == 200]
        with factory() as s:
            stored = s.get(Organisation, org_id)
            assert stored is not None and stored.status == won["status"]
            entries = s.scalars(
                select(AuditEntry.action).where(
                    AuditEntry.target_kind == "organisation", AuditEntry.target_id == str(org_id)
                )
            ).all()
            assert len(entries) == 1
