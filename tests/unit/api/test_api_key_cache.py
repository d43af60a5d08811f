"""The API key cache: hits skip the database, revocation and deletion take effect correctly,
rate limits still hold for cached keys."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from api.auth import (
    ApiKeyCache,
    InvalidApiKey,
    KeyGrant,
    create_api_key,
    key_digest,
    revoke_api_key,
)
from catalog.db import transaction
from catalog.models import ApiKey, User
from indexer.jobs import factory_for
from tests.unit.api.test_api_support import (
    ApiEnv,
    assert_problem,
    build_env,
    close_env,
    statements_run,
)

SEARCH = "/api/v1/search"
T = TypeVar("T")


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiEnv]:
    built = build_env(Path(tmp_path_factory.mktemp("api_key_cache")))
    yield built
    close_env(built)


def run_apart(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine on its own loop in its own thread (the browser tests leave a loop
    running on the main thread, where ``asyncio.run`` refuses to start)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture()
def clock(env: ApiEnv) -> Iterator[Clock]:
    """The app's key cache on a clock the test moves (a fresh cache per test)."""
    fake = Clock()
    previous = env.app.state.api_keys
    env.app.state.api_keys = ApiKeyCache(ttl=10.0, clock=fake)
    yield fake
    env.app.state.api_keys = previous


def _new_key(env: ApiEnv, email: str = "clinic@example.com", limit: int = 600) -> tuple[int, str]:
    with transaction(factory_for(env.settings)) as s:
        user = s.scalars(select(User).where(User.email == email)).one_or_none()
        if user is None:  # a user of its own: a user's keys share one rate-limit bucket
            user = User(email=email, name="Limit", role="clinic", password_hash="x")
            s.add(user)
            s.flush()
        key, plaintext = create_api_key(s, user, "cache test")
        key.rate_limit_per_minute = limit
        s.flush()
        return key.id, plaintext


# ---------------------------------------------------------------- the cache itself


def test_cache_expires_after_ttl() -> None:
    clock = Clock()
    cache = ApiKeyCache(ttl=10.0, clock=clock)
    grant = KeyGrant(key_id=1, user_id=2, rate_limit_per_minute=60)
    cache.put("d", grant, cache.generation)
    assert cache.get("d") == grant and cache.get("other") is None
    clock.now += 9.9
    assert cache.get("d") == grant
    clock.now += 0.2
    assert cache.get("d") is None and len(cache) == 0


def test_forget_key_and_user_drop_only_theirs() -> None:
    cache = ApiKeyCache(clock=Clock())
    a, b, c = KeyGrant(1, 10, 60), KeyGrant(2, 10, 60), KeyGrant(3, 20, 60)
    for digest, grant in (("a", a), ("b", b), ("c", c)):
        cache.put(digest, grant, cache.generation)
    cache.forget_key(1)
    assert cache.get("a") is None and cache.get("b") == b and cache.get("c") == c
    cache.forget_user(10)
    assert cache.get("b") is None and cache.get("c") == c
    cache.clear()
    assert cache.get("c") is None


def test_a_lookup_that_started_before_a_forget_is_not_stored() -> None:
    cache = ApiKeyCache(clock=Clock())
    started = cache.generation  # a request begins reading the key from the database ...
    cache.forget_user(10)  # ... while the user is deleted and the cache told so
    cache.put("a", KeyGrant(1, 10, 60), started)
    assert cache.get("a") is None
    cache.put("a", KeyGrant(1, 10, 60), cache.generation)
    assert cache.get("a") is not None


def test_cache_is_bounded() -> None:
    clock = Clock()
    cache = ApiKeyCache(ttl=10.0, max_entries=3, clock=clock)
    for i in range(3):
        cache.put(f"d{i}", KeyGrant(i, i, 60), cache.generation)
    clock.now += 5
    cache.put("d3", KeyGrant(3, 3, 60), cache.generation)  # full: everything live, so reset
    assert len(cache) == 1 and cache.get("d3") is not None
    cache.put("d4", KeyGrant(4, 4, 60), cache.generation)
    clock.now += 11  # d3 and d4 expired: dropped when the cache is full again
    cache.put("d5", KeyGrant(5, 5, 60), cache.generation)
    cache.put("d6", KeyGrant(6, 6, 60), cache.generation)
    assert len(cache) == 2 and cache.get("d6") is not None


def test_key_digest_is_the_stored_hash(env: ApiEnv) -> None:
    key_id, plaintext = _new_key(env)
    with factory_for(env.settings)() as s:
        stored = s.get(ApiKey, key_id)
        assert stored is not None and stored.key_hash == key_digest(f"  {plaintext} ")


# ---------------------------------------------------------------- over HTTP


def test_cached_key_needs_no_database_round_trip(env: ApiEnv, clock: Clock) -> None:
    _key_id, plaintext = _new_key(env)
    h = {"X-API-Key": plaintext}
    assert env.client.get(SEARCH, params={"q": "nitril"}, headers=h).status_code == 200
    with statements_run(env) as statements:
        r = env.client.get(SEARCH, params={"q": "nitril"}, headers=h)
    assert r.status_code == 200 and r.json()["count"] >= 1
    assert not [s for s in statements if "FROM api_key" in s or "FROM app_user" in s], statements
    clock.now += 11  # expired: read again
    with statements_run(env) as statements:
        assert env.client.get(SEARCH, params={"q": "nitril"}, headers=h).status_code == 200
    assert [s for s in statements if "FROM api_key" in s], statements


def test_revoke_takes_effect_at_once_in_this_process(env: ApiEnv, clock: Clock) -> None:
    key_id, plaintext = _new_key(env)
    h = {"X-API-Key": plaintext}
    assert env.client.get(SEARCH, headers=h).status_code == 200  # now cached
    with factory_for(env.settings)() as s:
        key = s.get(ApiKey, key_id)
        assert key is not None
        revoke_api_key(s, key, env.app.state.api_keys)
        assert key.revoked_at is not None
    body = assert_problem(env.client.get(SEARCH, headers=h), 401)
    assert "revoked" in body["detail"]


def test_revoked_elsewhere_is_refused_within_the_ttl(env: ApiEnv, clock: Clock) -> None:
    """Revoked by another worker or directly in the database: routes acting as the user
    refuse it at once (they read the key fresh); read-only routes within ``ttl`` seconds."""
    key_id, plaintext = _new_key(env)
    h = {"X-API-Key": plaintext}
    assert env.client.get(SEARCH, headers=h).status_code == 200
    with transaction(factory_for(env.settings)) as s:
        key = s.get(ApiKey, key_id)
        assert key is not None
        key.revoked_at = datetime.now(UTC)
    assert_problem(env.client.get("/api/v1/auth/me", headers=h), 401)
    clock.now += 10.5
    assert_problem(env.client.get(SEARCH, headers=h), 401)


def test_deleted_account_key_stops_at_once(env: ApiEnv, clock: Clock) -> None:
    with transaction(factory_for(env.settings)) as s:
        user = User(email="gone@example.com", name="Gone", role="clinic", password_hash="x")
        s.add(user)
        s.flush()
        plaintext = create_api_key(s, user, "gone")[1]
    h = {"X-API-Key": plaintext}
    assert env.client.get(SEARCH, headers=h).status_code == 200
    assert env.client.delete("/api/v1/me", headers=h).status_code == 204
    assert_problem(env.client.get(SEARCH, headers=h), 401)


def test_deactivated_user_is_refused(env: ApiEnv, clock: Clock) -> None:
    with transaction(factory_for(env.settings)) as s:
        user = User(email="paused@example.com", name="P", role="clinic", password_hash="x")
        s.add(user)
        s.flush()
        plaintext = create_api_key(s, user, "paused")[1]
        user_id = user.id
    h = {"X-API-Key": plaintext}
    assert env.client.get(SEARCH, headers=h).status_code == 200
    with transaction(factory_for(env.settings)) as s:
        found = s.get(User, user_id)
        assert found is not None
        found.active = False
    body = assert_problem(env.client.get("/api/v1/auth/me", headers=h), 401)
    assert "inactive" in body["detail"]
    # the fresh check also dropped the cached grant: search refuses it before the TTL
    assert_problem(env.client.get(SEARCH, headers=h), 401)


def test_rate_limit_holds_for_a_cached_key(env: ApiEnv, clock: Clock) -> None:
    _key_id, plaintext = _new_key(env, "limit@example.com", limit=3)
    h = {"X-API-Key": plaintext}
    for remaining in (2, 1, 0):
        r = env.client.get(SEARCH, params={"q": "nitril"}, headers=h)
        assert r.status_code == 200 and r.headers["x-ratelimit-remaining"] == str(remaining)
    r = env.client.get(SEARCH, params={"q": "nitril"}, headers=h)
    assert_problem(r, 429)
    assert int(r.headers["retry-after"]) >= 1


def test_wrong_key_is_never_cached(env: ApiEnv, clock: Clock) -> None:
    _key_id, plaintext = _new_key(env)
    prefix = plaintext.split("_")[1]
    for _ in range(2):
        assert_problem(env.client.get(SEARCH, headers={"X-API-Key": f"vb_{prefix}_x"}), 401)
    assert len(env.app.state.api_keys) == 0


def test_concurrent_misses_share_one_load() -> None:
    """When a busy key's entry expires, its in-flight requests wait for one database read."""
    cache = ApiKeyCache(ttl=10.0, clock=Clock())
    grant = KeyGrant(1, 10, 60)
    loads = 0

    async def load() -> KeyGrant:
        nonlocal loads
        loads += 1
        await asyncio.sleep(0.01)
        return grant

    async def many() -> list[KeyGrant]:
        return await asyncio.gather(*(cache.fetch("d", load) for _ in range(16)))

    assert run_apart(many()) == [grant] * 16 and loads == 1
    assert cache.get("d") == grant  # kept for the next requests
    run_apart(many())
    assert loads == 1  # a hit: no load at all


def test_a_failed_load_reaches_every_waiter_and_is_not_kept() -> None:
    cache = ApiKeyCache(clock=Clock())
    loads = 0

    async def load() -> KeyGrant:
        nonlocal loads
        loads += 1
        await asyncio.sleep(0.01)
        raise InvalidApiKey("unknown API key")

    async def many() -> list[object]:
        return await asyncio.gather(
            *(cache.fetch("d", load) for _ in range(4)), return_exceptions=True
        )

    results = run_apart(many())
    assert loads == 1 and all(isinstance(r, InvalidApiKey) for r in results)
    assert cache.get("d") is None
    run_apart(many())
    assert loads == 2  # a wrong key is looked up again each time


def test_a_caller_that_goes_away_does_not_cancel_the_others_load() -> None:
    cache = ApiKeyCache(clock=Clock())
    grant = KeyGrant(1, 10, 60)

    async def load() -> KeyGrant:
        await asyncio.sleep(0.02)
        return grant

    async def scenario() -> KeyGrant:
        first = asyncio.ensure_future(cache.fetch("d", load))
        second = asyncio.ensure_future(cache.fetch("d", load))
        await asyncio.sleep(0.005)
        first.cancel()  # its client disconnected
        return await second

    assert run_apart(scenario()) == grant and cache.get("d") == grant


def test_a_key_in_use_is_reloaded_before_it_expires() -> None:
    clock = Clock()
    cache = ApiKeyCache(ttl=10.0, clock=clock)
    grant, renewed = KeyGrant(1, 10, 60), KeyGrant(1, 10, 120)
    results = [grant, renewed]
    loads = 0

    async def load() -> KeyGrant:
        nonlocal loads
        loads += 1
        await asyncio.sleep(0.01)
        return results[loads - 1]

    async def scenario() -> None:
        assert await cache.fetch("d", load) == grant
        clock.now += 8.5  # in the last fifth: served from the cache, reloaded behind
        assert [await cache.fetch("d", load) for _ in range(3)] == [grant] * 3
        await asyncio.sleep(0.03)
        assert loads == 2  # one reload for the three
        clock.now += 5  # past the first grant's expiry: the reloaded one serves
        assert await cache.fetch("d", load) == renewed and loads == 2

    run_apart(scenario())


def test_a_failed_background_reload_drops_the_grant() -> None:
    clock = Clock()
    cache = ApiKeyCache(ttl=10.0, clock=clock)
    grant = KeyGrant(1, 10, 60)
    cache.put("d", grant, cache.generation)

    async def revoked() -> KeyGrant:
        raise InvalidApiKey("API key revoked")

    async def scenario() -> None:
        clock.now += 9
        assert await cache.fetch("d", revoked) == grant  # still valid for this request
        await asyncio.sleep(0.01)
        assert cache.get("d") is None
        with pytest.raises(InvalidApiKey):
            await cache.fetch("d", revoked)

    run_apart(scenario())


def test_a_request_after_a_revocation_does_not_join_an_older_load() -> None:
    cache = ApiKeyCache(clock=Clock())
    grant = KeyGrant(1, 10, 60)
    release = [asyncio.Event()]

    async def old_load() -> KeyGrant:  # read before the revocation: still sees the key
        await release[0].wait()
        return grant

    async def fresh_load() -> KeyGrant:
        raise InvalidApiKey("API key revoked")

    async def scenario() -> None:
        release[0] = asyncio.Event()
        early = asyncio.ensure_future(cache.fetch("d", old_load))
        await asyncio.sleep(0)
        cache.forget_key(1)  # revoked while the first request's read is in flight
        with pytest.raises(InvalidApiKey):
            await cache.fetch("d", fresh_load)  # reads afresh, does not share the old read
        release[0].set()
        assert await early == grant  # the early request keeps what it read
        assert cache.get("d") is None  # ... but it is not cached

    run_apart(scenario())


def test_a_background_reload_that_fails_for_another_reason_keeps_the_grant() -> None:
    clock = Clock()
    cache = ApiKeyCache(ttl=10.0, clock=clock)
    grant = KeyGrant(1, 10, 60)
    cache.put("d", grant, cache.generation)

    async def busy() -> KeyGrant:
        raise OperationalError("SELECT", {}, Exception("database is locked"))

    async def scenario() -> None:
        clock.now += 9
        assert await cache.fetch("d", busy) == grant
        await asyncio.sleep(0.01)
        assert cache.get("d") == grant  # kept until its normal expiry

    run_apart(scenario())


def test_a_load_left_pending_on_a_finished_loop_is_not_joined() -> None:
    cache = ApiKeyCache(clock=Clock())
    grant = KeyGrant(1, 10, 60)

    async def never() -> KeyGrant:
        await asyncio.sleep(3600)
        return grant

    async def quick() -> KeyGrant:
        return grant

    async def abandon() -> None:
        cache_loads.append(asyncio.ensure_future(cache.fetch("d", never)))
        await asyncio.sleep(0)

    def on_a_loop_that_stops() -> None:  # stopped, not shut down: the load stays pending
        loop = asyncio.new_event_loop()
        loop.run_until_complete(abandon())
        loop.close()

    cache_loads: list[asyncio.Future[KeyGrant]] = []
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(on_a_loop_that_stops).result()
    assert "d" in cache._loading  # what a stopped loop leaves behind
    assert run_apart(cache.fetch("d", quick)) == grant  # another loop: a load of its own
