"""Domain metrics on /metrics: searches and zero-result searches (from the search route),
feed runs by outcome (from the domain events), the queues (queued feed runs, the index
outbox, the Celery broker's queue on Redis)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from api.metrics import Metrics, redis_queue_length
from catalog.events import FeedRunFailed, FeedRunFinished, FeedRunRefused, deliver_committed
from catalog.models import IndexOutbox
from tests.conftest import IN_CI
from tests.unit.api.test_api_support import ApiEnv, build_env, close_env


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiEnv]:
    built = build_env(Path(tmp_path_factory.mktemp("api_metrics")))
    yield built
    close_env(built)


def _value(env: ApiEnv, sample: str) -> float:
    text = env.client.get("/metrics").text
    match = re.search(rf"^{re.escape(sample)} (\S+)$", text, re.MULTILINE)
    return float(match.group(1)) if match else 0.0


def test_searches_and_zero_result_searches(env: ApiEnv) -> None:
    searches = 'valbar_searches_total{channel="api"}'
    zero = 'valbar_zero_result_searches_total{channel="api"}'
    before = (_value(env, searches), _value(env, zero))
    assert env.client.get("/api/v1/search", params={"q": "nitril"}).json()["count"] > 0
    assert env.client.get("/api/v1/search", params={"q": "xyzzyplugh"}).json()["count"] == 0
    assert env.client.get("/api/v1/search", params={"q": "nitril", "page": 2}).status_code == 200
    assert (_value(env, searches), _value(env, zero)) == (before[0] + 3, before[1] + 1)
    # a refused search (bad parameters) was not answered: not counted
    assert env.client.get("/api/v1/search", params={"size": 0}).status_code == 422
    assert _value(env, searches) == before[0] + 3


def test_feed_runs_by_outcome_from_domain_events(env: ApiEnv) -> None:
    factory = env.app.state.session_factory
    deliver_committed(
        factory,
        [
            FeedRunFinished(run_id=1, retailer_id=1, status="succeeded", message=None),
            FeedRunFinished(run_id=2, retailer_id=1, status="succeeded", message=None),
            FeedRunRefused(run_id=3, retailer_id=1, status="rejected", message="mass"),
            FeedRunFailed(run_id=4, retailer_id=1, status="failed", message="memory"),
        ],
    )
    assert _value(env, 'valbar_feed_run_outcomes_total{outcome="succeeded"}') == 2
    assert _value(env, 'valbar_feed_run_outcomes_total{outcome="rejected"}') == 1
    assert _value(env, 'valbar_feed_run_outcomes_total{outcome="failed"}') == 1


def test_queue_lengths(env: ApiEnv) -> None:
    factory = env.app.state.session_factory
    assert _value(env, "valbar_feed_run_queue_length") == 0
    with factory() as session:
        session.add_all([IndexOutbox(product_id=pid) for pid in env.products.values()])
        session.commit()
    try:
        assert _value(env, "valbar_index_outbox_length") == len(env.products)
    finally:
        with factory() as session:
            session.query(IndexOutbox).delete()
            session.commit()
    assert "valbar_broker_queue_length" not in env.client.get("/metrics").text  # no broker
    text = env.client.get("/metrics").text
    for queue in ("match_review", "held_reviews", "review_reports", "signups", "failed_feed_runs"):
        assert re.search(rf'^valbar_work_queue_length{{queue="{queue}"}} \d', text, re.M), queue


def test_broker_queue_length_on_redis() -> None:
    client = redis.Redis.from_url("redis://127.0.0.1:6379/15", socket_connect_timeout=1)
    try:
        client.ping()
    except redis.RedisError:
        if IN_CI:  # CI runs with Redis: a missing service fails the run there
            pytest.fail("no Redis at 127.0.0.1:6379 (CI=true: Redis is required)")
        pytest.skip("no Redis at 127.0.0.1:6379")
    queue = f"valbar-test-{uuid.uuid4().hex}"
    try:
        client.rpush(queue, "a", "b", "c")
        length = redis_queue_length("redis://127.0.0.1:6379/15", queue)
        assert length() == 3
        metrics = Metrics(broker_queue_length=length)
        families = {f.name: f for f in metrics.broker_families()}
        assert families["valbar_broker_queue_length"].samples[0].value == 3
    finally:
        client.delete(queue)
    assert redis_queue_length("redis://127.0.0.1:1/0")() is None  # unreachable: no value


def test_emails_sent_and_failed(env: ApiEnv) -> None:
    from marketplace.models import OutgoingEmail

    factory = env.app.state.session_factory
    before = {s: _value(env, f'valbar_emails{{status="{s}"}}') for s in ("sent", "failed")}
    with factory() as session:
        for i, status in enumerate(("sent", "sent", "failed")):
            session.add(
                OutgoingEmail(
                    to_address=f"m{i}@example.com",
                    template="notify_order_shipped",
                    lang="sv",
                    context={},
                    status=status,
                    attempts=1,
                )
            )
        session.commit()
    assert _value(env, 'valbar_emails{status="sent"}') == before["sent"] + 2
    assert _value(env, 'valbar_emails{status="failed"}') == before["failed"] + 1
    assert 'valbar_webhook_deliveries{status="queued"}' in env.client.get("/metrics").text
