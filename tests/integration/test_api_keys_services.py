"""API keys on the shared stores of production: the cap of active keys holds under
concurrent creates on PostgreSQL; an organisation's keys share one Redis bucket."""

from __future__ import annotations

import uuid
from pathlib import Path

from api.ratelimit import RedisRateLimiter
from tests.unit.api.test_api_keys import (
    _org_member,
    _revoke_all,
    check_one_bucket_per_organisation,
    count_concurrent_creates,
)
from tests.unit.api.test_api_support import build_env, close_env


def test_creates_at_once_never_exceed_the_cap_on_postgres(
    postgres_url: str, tmp_path: Path
) -> None:
    env = build_env(tmp_path, database_url=postgres_url, api_keys_per_organisation=4)
    try:
        _org_member(env, "chef@folktand.se", "Folktand", "manager")
        _org_member(env, "inkop@folktand.se", "Folktand", "buyer")
        for _round in range(5):
            _revoke_all(env, "chef@folktand.se")
            _revoke_all(env, "inkop@folktand.se")
            assert count_concurrent_creates(env, "chef@folktand.se", 8) == 4
    finally:
        close_env(env)


def test_keys_of_one_organisation_share_one_redis_bucket(redis_url: str, tmp_path: Path) -> None:
    env = build_env(tmp_path)
    env.app.state.rate_limiter = RedisRateLimiter(redis_url, prefix=f"valbar:t:{uuid.uuid4()}:")
    try:
        check_one_bucket_per_organisation(env)
    finally:
        close_env(env)
