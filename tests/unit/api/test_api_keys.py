"""API keys: scopes, expiry, list/revoke within an organisation, the cap of active keys,
one rate-limit bucket per organisation."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from api.api_keys import KEY_TIME_ZONE, expiry_of
from api.auth import create_api_key
from api.ratelimit import MemoryRateLimiter
from catalog.db import transaction
from catalog.enums import KeyScope
from catalog.models import ApiKey, Organisation, Retailer, User
from indexer.jobs import factory_for
from tests.unit.api.test_api_support import (
    ApiEnv,
    assert_problem,
    build_env,
    close_env,
    feed_csv,
    release_organisations,
)

KEYS = "/api/v1/auth/api-keys"


def _org_member(
    env: ApiEnv, email: str, org: str, org_role: str, *, retailer: str | None = None
) -> str:
    """A user in organisation ``org`` (made on first use) and a full key of theirs."""
    with transaction(factory_for(env.settings)) as s:
        organisation = s.scalar(select(Organisation).where(Organisation.name == org))
        retailer_id = (
            s.scalar(select(Retailer.id).where(Retailer.slug == retailer)) if retailer else None
        )
        if organisation is None:
            kind = "retailer" if retailer else "clinic"
            organisation = Organisation(kind=kind, name=org, retailer_id=retailer_id)
            s.add(organisation)
            s.flush()
        user = s.scalar(select(User).where(User.email == email))
        if user is None:
            user = User(email=email, name=email.split("@")[0], password_hash="x")
            s.add(user)
        user.role = "retailer" if retailer else "clinic"
        user.retailer_id = retailer_id
        user.clinic = None if retailer else org
        user.organisation_id = organisation.id
        user.org_role = org_role
        s.flush()
        return create_api_key(s, user, f"{email} key")[1]


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiEnv]:
    built = build_env(Path(tmp_path_factory.mktemp("api_keys")), api_keys_per_organisation=4)
    release_organisations(built)  # this module builds its own
    keys = built.keys
    keys["rep"] = _org_member(
        built, "own@example.com", "Tand AB", "representative", retailer="tandab"
    )
    keys["staff"] = _org_member(built, "staff@tand.se", "Tand AB", "staff", retailer="tandab")
    keys["nord_rep"] = _org_member(
        built, "other@example.com", "Dental Nord", "representative", retailer="dentalnord"
    )
    keys["manager"] = _org_member(built, "chef@folktand.se", "Folktand", "manager")
    keys["buyer"] = _org_member(built, "inkop@folktand.se", "Folktand", "buyer")
    yield built
    close_env(built)


def _create(env: ApiEnv, who: str, **body: object) -> dict[str, object]:
    r = env.client.post(KEYS, json={"name": "k", **body}, headers=env.headers(who))
    assert r.status_code == 201, r.text
    created: dict[str, object] = r.json()
    return created


def _revoke_all(env: ApiEnv, email: str, keep: str | None = None) -> None:
    """Revoke a user's keys directly (but ``keep``), so a test starts under the cap."""
    with transaction(factory_for(env.settings)) as s:
        user = s.scalars(select(User).where(User.email == email)).one()
        for key in s.scalars(select(ApiKey).where(ApiKey.user_id == user.id)):
            if key.revoked_at is None and (
                keep is None or not keep.startswith(f"vb_{key.prefix}_")
            ):
                key.revoked_at = datetime.now(UTC)
    env.app.state.api_keys.clear()


def test_a_search_key_searches_but_uploads_no_feed(env: ApiEnv) -> None:
    _revoke_all(env, "own@example.com", keep=env.keys["rep"])
    key = str(_create(env, "rep", scope="search")["key"])
    h = {"X-API-Key": key}
    assert env.client.get("/api/v1/search?q=handske", headers=h).status_code == 200
    assert env.client.get(f"/api/v1/products/{env.products['glove']}", headers=h).status_code == 200
    upload = env.client.post(
        "/api/v1/retailers/tandab/feeds",
        params={"dry_run": "true"},
        files={"file": ("lager.csv", feed_csv())},
        headers=h,
    )
    body = assert_problem(upload, 403)
    assert "scope 'search'" in body["detail"]
    assert_problem(env.client.get("/api/v1/orders", headers=h), 403)
    assert_problem(env.client.get(KEYS, headers=h), 403)
    # nor a web page: narrow keys are for the API routes that admit them
    assert env.client.get("/portal", headers=h, follow_redirects=False).status_code == 403


def test_a_feeds_key_uploads_its_own_retailers_feed_only(env: ApiEnv) -> None:
    _revoke_all(env, "own@example.com", keep=env.keys["rep"])
    h = {"X-API-Key": str(_create(env, "rep", scope="feeds")["key"])}
    dry = env.client.post(
        "/api/v1/retailers/tandab/feeds",
        params={"dry_run": "true"},
        files={"file": ("lager.csv", feed_csv())},
        headers=h,
    )
    assert dry.status_code == 200, dry.text
    assert env.client.get("/api/v1/retailers/tandab/feeds", headers=h).status_code == 200
    assert env.client.get("/api/v1/feed-template", headers=h).status_code == 200
    assert_problem(env.client.get("/api/v1/retailers/dentalnord/feeds", headers=h), 403)
    assert_problem(env.client.get("/api/v1/search?q=x", headers=h), 403)
    assert_problem(env.client.get("/api/v1/orders", headers=h), 403)


def test_a_clinic_gets_no_feeds_key_and_bad_input_names_the_field(env: ApiEnv) -> None:
    h = env.headers("buyer")
    body = assert_problem(
        env.client.post(KEYS, json={"name": "x", "scope": "feeds"}, headers=h), 422
    )
    assert body["errors"][0]["loc"] == ["body", "scope"]
    body = assert_problem(
        env.client.post(KEYS, json={"name": "x", "scope": "admin"}, headers=h), 422
    )
    assert "scope" in str(body["errors"][0]["loc"])
    past = (datetime.now(KEY_TIME_ZONE).date() - timedelta(days=1)).isoformat()
    body = assert_problem(
        env.client.post(KEYS, json={"name": "x", "expires": past}, headers=h), 422
    )
    assert body["errors"][0]["loc"] == ["body", "expires"]
    assert_problem(env.client.post(KEYS, json={"name": "  "}, headers=h), 422)
    # a key is listed one a line (valbar key list): a line break in its name is refused
    for name in ("Allt\r\nX", "Allt\nX", "Allt\u2028X", "Allt\tX"):
        broken = assert_problem(env.client.post(KEYS, json={"name": name}, headers=h), 422)
        assert broken["errors"][0]["loc"] == ["body", "name"]


def test_an_expired_key_is_refused_with_a_clear_401(env: ApiEnv) -> None:
    _revoke_all(env, "inkop@folktand.se", keep=env.keys["buyer"])
    today = datetime.now(KEY_TIME_ZONE).date()
    created = _create(env, "buyer", expires=today.isoformat())
    assert created["expires_at"] == expiry_of(today).isoformat().replace("+00:00", "Z")
    h = {"X-API-Key": str(created["key"])}
    assert env.client.get("/api/v1/auth/me", headers=h).status_code == 200  # cached now
    with transaction(factory_for(env.settings)) as s:
        key = s.get(ApiKey, created["id"])
        assert key is not None
        key.expires_at = datetime.now(UTC) - timedelta(seconds=1)
    r = env.client.get("/api/v1/auth/me", headers=h)
    body = assert_problem(r, 401)
    assert "expired" in body["detail"]
    listed = env.client.get(KEYS, headers=env.headers("buyer")).json()["data"]
    assert [k["state"] for k in listed if k["id"] == created["id"]] == ["expired"]


def test_expiry_is_the_end_of_the_day_in_sweden() -> None:
    assert expiry_of(date(2027, 6, 30)) == datetime(2027, 6, 30, 22, 0, tzinfo=UTC)
    assert expiry_of(date(2027, 1, 31)) == datetime(2027, 1, 31, 23, 0, tzinfo=UTC)


def test_a_manager_sees_and_revokes_members_keys_but_not_another_orgs(env: ApiEnv) -> None:
    _revoke_all(env, "inkop@folktand.se", keep=env.keys["buyer"])
    member_key = _create(env, "buyer", name="inköp")
    mine = env.client.get(KEYS, headers=env.headers("buyer")).json()
    assert {k["owner"] for k in mine["data"]} == {"inkop@folktand.se"}
    managed = env.client.get(KEYS, headers=env.headers("manager")).json()
    owners = {k["owner"] for k in managed["data"]}
    assert owners == {"inkop@folktand.se", "chef@folktand.se"}
    assert managed["count"] == len(managed["data"]) and managed["limit"] == 50
    # another organisation's representative: 404, as for a key that does not exist
    path = f"{KEYS}/{member_key['id']}"
    assert_problem(env.client.delete(path, headers=env.headers("nord_rep")), 404)
    assert_problem(env.client.delete(path, headers=env.headers("rep")), 404)
    assert_problem(env.client.delete(f"{KEYS}/999999", headers=env.headers("manager")), 404)
    # a buyer may not revoke the manager's key either
    manager_key = _create(env, "manager", name="chefens")
    assert_problem(
        env.client.delete(f"{KEYS}/{manager_key['id']}", headers=env.headers("buyer")), 404
    )
    h = {"X-API-Key": str(member_key["key"])}
    assert env.client.get("/api/v1/search?q=x", headers=h).status_code == 200  # cached now
    r = env.client.delete(path, headers=env.headers("manager"))
    assert r.status_code == 200 and r.json()["state"] == "revoked"
    # at once in this worker, though the grant was cached
    assert_problem(env.client.get("/api/v1/search?q=x", headers=h), 401)
    again = env.client.delete(path, headers=env.headers("manager"))
    assert again.status_code == 200 and again.json()["revoked_at"] == r.json()["revoked_at"]


def test_the_cap_of_active_keys_per_organisation(env: ApiEnv) -> None:
    _revoke_all(env, "own@example.com")
    _revoke_all(env, "staff@tand.se", keep=env.keys["staff"])  # 1 active in Tand AB
    for who in ("staff", "staff", "staff"):
        _create(env, who, scope="search")
    r = env.client.post(KEYS, json={"name": "femte"}, headers=env.headers("staff"))
    body = assert_problem(r, 409)
    assert "4 active API keys" in body["detail"]
    # another organisation is not affected
    _revoke_all(env, "other@example.com", keep=env.keys["nord_rep"])
    _create(env, "nord_rep")
    # a revoked or expired key frees its place
    last = env.client.get(KEYS, headers=env.headers("staff")).json()["data"][0]
    assert (
        env.client.delete(f"{KEYS}/{last['id']}", headers=env.headers("staff")).status_code == 200
    )
    _create(env, "staff")


def count_concurrent_creates(env: ApiEnv, email: str, tries: int) -> int:
    """``tries`` creates at once for one organisation; how many active keys it then holds."""
    from api.api_keys import TooManyKeys, issue_api_key

    factory = factory_for(env.settings)
    barrier = threading.Barrier(tries)
    errors: list[BaseException] = []

    def create() -> None:
        with factory() as s:
            user = s.scalars(select(User).where(User.email == email)).one()
            barrier.wait()
            try:
                issue_api_key(s, user, "race", KeyScope.SEARCH, None, cap=4, now=datetime.now(UTC))
                s.commit()
            except TooManyKeys:
                s.rollback()
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)

    threads = [threading.Thread(target=create) for _ in range(tries)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    with factory() as s:
        org = s.scalars(select(User.organisation_id).where(User.email == email)).one()
        members = select(User.id).where(User.organisation_id == org).scalar_subquery()
        return int(
            s.scalar(
                select(func.count())
                .select_from(ApiKey)
                .where(ApiKey.user_id.in_(members), ApiKey.revoked_at.is_(None))
            )
            or 0
        )


def test_creates_at_once_never_exceed_the_cap(env: ApiEnv) -> None:
    _revoke_all(env, "chef@folktand.se")
    _revoke_all(env, "inkop@folktand.se")
    assert count_concurrent_creates(env, "chef@folktand.se", 8) == 4


def check_one_bucket_per_organisation(env: ApiEnv) -> None:
    """Two keys of one organisation share its bucket (3 a minute); another's is its own."""
    release_organisations(env)  # the organisations are made here
    first = _org_member(env, "own@example.com", "Tand AB", "representative", retailer="tandab")
    second = _org_member(env, "staff@tand.se", "Tand AB", "staff", retailer="tandab")
    other = _org_member(
        env, "other@example.com", "Dental Nord", "representative", retailer="dentalnord"
    )
    with transaction(factory_for(env.settings)) as s:
        for key in s.scalars(select(ApiKey)):
            key.rate_limit_per_minute = 3
    for key in (first, second, first):
        r = env.client.get("/api/v1/retailers", headers={"X-API-Key": key})
        assert r.status_code == 200, r.text
    assert r.headers["x-ratelimit-remaining"] == "0"
    refused = env.client.get("/api/v1/retailers", headers={"X-API-Key": second})
    assert_problem(refused, 429)
    assert int(refused.headers["retry-after"]) >= 1
    # another organisation has its own bucket
    assert env.client.get("/api/v1/retailers", headers={"X-API-Key": other}).status_code == 200


def test_keys_of_one_organisation_share_one_rate_limit(tmp_path: Path) -> None:
    env = build_env(tmp_path)
    env.app.state.rate_limiter = MemoryRateLimiter()
    try:
        check_one_bucket_per_organisation(env)
    finally:
        close_env(env)


def test_paged_lists_hold_at_most_100_and_count_them_all(env: ApiEnv) -> None:
    with transaction(factory_for(env.settings)) as s:
        before = int(s.scalar(select(func.count()).select_from(Retailer)) or 0)
        s.add_all(Retailer(slug=f"paged-{i:03}", name=f"Handlare {i:03}") for i in range(105))
    total = before + 105
    full = env.client.get("/api/v1/retailers?limit=100").json()
    assert len(full["data"]) == 100 and full["count"] == total
    assert (full["limit"], full["offset"]) == (100, 0)
    default = env.client.get("/api/v1/retailers").json()
    assert len(default["data"]) == 50 and default["limit"] == 50
    rest = env.client.get("/api/v1/retailers?limit=100&offset=100").json()
    assert len(rest["data"]) == total - 100
    slugs = [r["slug"] for r in full["data"]] + [r["slug"] for r in rest["data"]]
    assert len(set(slugs)) == total  # no retailer on two pages, none left out
    for bad in ("limit=101", "limit=0", "offset=-1", "limit=x"):
        body = assert_problem(env.client.get(f"/api/v1/retailers?{bad}"), 422)
        assert bad.split("=")[0] in str(body["errors"])
