"""Sign-in costs: password hashing (Argon2id vs the old scrypt), the per-request session
lookup, a throttle failure and the rate-limit stores, on SQLite in a temp dir.

    python -m bench.auth [--rounds 200]

Prints the median and p90 of each in milliseconds; the old scrypt verify is the baseline
for the password figures, one in-memory rate-limit hit for the stores.
"""

from __future__ import annotations

import argparse
import hashlib
import secrets
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import select

from api.passwords import hash_password, verify_password
from api.ratelimit import FileRateLimiter, MemoryRateLimiter
from api.sessions import create_session, session_user
from api.throttle import SignInThrottle, ThrottlePolicy
from catalog.models import User
from catalog.settings import Settings
from indexer.jobs import factory_for


def _measure(fn: Callable[[], object], rounds: int) -> tuple[float, float]:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.9) - 1]


def _legacy_scrypt(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=2**14, r=8, p=1, dklen=32)
    return f"scrypt${2**14}$8$1${salt.hex()}${digest.hex()}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=200)
    rounds = parser.parse_args().rounds
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp), database_url="", environment="test")
        factory = factory_for(settings)
        argon = hash_password("correct horse battery")
        scrypt = _legacy_scrypt("correct horse battery")
        with factory() as s:
            s.add(User(email="b@example.com", name="B", role="clinic", password_hash=argon))
            s.commit()
            uid = s.scalars(select(User.id)).one()
            token = create_session(s, uid, days=1)
            s.commit()

        def lookup() -> object:
            with factory() as s:
                return session_user(s, token)

        throttle = SignInThrottle(
            factory, ThrottlePolicy(max_failures=10**9, ip_max_failures=10**9)
        )
        memory, shared = MemoryRateLimiter(), FileRateLimiter(Path(tmp) / "rl.sqlite3")
        rows = {
            "verify scrypt (old, baseline)": _measure(
                lambda: verify_password("correct horse battery", scrypt), rounds // 4
            ),
            "verify argon2id": _measure(
                lambda: verify_password("correct horse battery", argon), rounds // 4
            ),
            "hash argon2id": _measure(lambda: hash_password("x" * 12), rounds // 4),
            "session lookup (per request)": _measure(lookup, rounds),
            "throttle: one failure": _measure(lambda: _fail_once(throttle), rounds),
            "rate limit: memory (baseline)": _measure(lambda: memory.hit("k", 10**9), rounds),
            "rate limit: shared file": _measure(lambda: shared.hit("k", 10**9), rounds),
        }
    for name, (p50, p90) in rows.items():
        print(f"{name:34s} p50 {p50:8.3f} ms   p90 {p90:8.3f} ms")
    base = rows["verify scrypt (old, baseline)"][0]
    print(f"argon2id verify / scrypt verify: {rows['verify argon2id'][0] / base:.2f}")


def _fail_once(throttle: SignInThrottle) -> None:
    """One wrong password as the routes record it: claim the attempt, then the failure."""
    throttle.admit("a@b.se", "1.2.3.4")
    throttle.failed("a@b.se", "1.2.3.4")


if __name__ == "__main__":
    main()
