"""The sign-in throttle: failed passwords per account and per address, with backoff.

Kept in the database (table ``login_throttle``) so every worker process shares it and no
Redis is needed. After ``max_failures`` wrong passwords within ``window`` the key is locked
for ``lockout``, doubled with each further lockout up to ``lockout_max``; while locked even
the right password is refused (the caller answers 429 with ``Retry-After``). A successful
sign-in resets the account's counter (not the address's: one known account must not let an
address guess others' passwords).

Each failure is one short transaction that starts with the write (an upsert, then an
increment), so concurrent failures serialise on the row (PostgreSQL) or the database write
lock (SQLite) and none is lost.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, sessionmaker

from catalog.models import LoginThrottle
from catalog.settings import Settings
from marketplace.dates import as_utc, utc_now

log = logging.getLogger(__name__)
QUIET_RESET = timedelta(days=1)  # lockouts are forgotten after a quiet day


@dataclass(frozen=True, slots=True)
class ThrottlePolicy:
    max_failures: int = 5
    ip_max_failures: int = 30
    window: timedelta = timedelta(minutes=15)
    lockout: timedelta = timedelta(minutes=1)
    lockout_max: timedelta = timedelta(hours=1)

    @classmethod
    def from_settings(cls, settings: Settings) -> ThrottlePolicy:
        return cls(
            max_failures=settings.login_max_failures,
            ip_max_failures=settings.login_ip_max_failures,
            window=timedelta(seconds=settings.login_window_seconds),
            lockout=timedelta(seconds=settings.login_lockout_seconds),
            lockout_max=timedelta(seconds=settings.login_lockout_max_seconds),
        )

    def lock_for(self, lockouts_before: int) -> timedelta:
        seconds = self.lockout.total_seconds() * 2 ** min(lockouts_before, 30)
        return timedelta(seconds=min(seconds, self.lockout_max.total_seconds()))


def account_key(email: str) -> str:
    return f"acct:{email.strip().lower()}"[:300]


def ip_key(address: str) -> str:
    return f"ip:{address}"[:300]


def _seconds_until(moment: datetime, now: datetime) -> int:
    return max(1, math.ceil((moment - now).total_seconds()))


class SignInThrottle:
    """Check before verifying a password, record the outcome after."""

    def __init__(
        self,
        factory: sessionmaker[Session],
        policy: ThrottlePolicy,
        *,
        clock: Callable[[], datetime] = utc_now,
        on_lockout: Callable[[str], None] | None = None,
    ) -> None:
        self._factory = factory
        self.policy = policy
        self._clock = clock
        self._on_lockout = on_lockout

    def _keys(self, email: str, address: str) -> list[tuple[str, int]]:
        return [
            (account_key(email), self.policy.max_failures),
            (ip_key(address), self.policy.ip_max_failures),
        ]

    def retry_after(self, email: str, address: str) -> int | None:
        """Seconds until the account or the address may try again; ``None``: not locked."""
        now = self._clock()
        keys = [k for k, _ in self._keys(email, address)]
        with self._factory() as db:
            locks = db.scalars(
                select(LoginThrottle.locked_until).where(
                    LoginThrottle.key.in_(keys), LoginThrottle.locked_until.is_not(None)
                )
            ).all()
        untils = [as_utc(u) for u in locks if u is not None]
        waits = [_seconds_until(u, now) for u in untils if u > now]
        return max(waits) if waits else None

    def failed(self, email: str, address: str) -> int | None:
        """Record a wrong password; the seconds to wait when this locked a key."""
        waits = [self._fail(key, limit) for key, limit in self._keys(email, address)]
        locked = [w for w in waits if w is not None]
        return max(locked) if locked else None

    def succeeded(self, email: str) -> None:
        with self._factory() as db:
            db.execute(
                update(LoginThrottle)
                .where(LoginThrottle.key == account_key(email))
                .values(failures=0, lockouts=0, locked_until=None, window_started_at=self._clock())
            )
            db.commit()

    def _fail(self, key: str, limit: int) -> int | None:
        now = self._clock()
        with self._factory() as db:
            insert = pg_insert if db.get_bind().dialect.name == "postgresql" else sqlite_insert
            db.execute(
                insert(LoginThrottle)
                .values(key=key, failures=0, window_started_at=now, lockouts=0)
                .on_conflict_do_nothing(index_elements=["key"])
            )
            row = db.execute(
                update(LoginThrottle)
                .where(LoginThrottle.key == key)
                .values(failures=LoginThrottle.failures + 1)
                .returning(
                    LoginThrottle.failures,
                    LoginThrottle.window_started_at,
                    LoginThrottle.locked_until,
                    LoginThrottle.lockouts,
                )
            ).one()
            failures, started = row.failures, as_utc(row.window_started_at)
            lockouts = row.lockouts
            changes: dict[str, object] = {}
            unlocked = row.locked_until is None or as_utc(row.locked_until) <= now
            if unlocked and now - started > self.policy.window:
                # a new window: this failure is its first
                failures = 1
                changes.update(failures=1, window_started_at=now)
                if now - started > QUIET_RESET:
                    lockouts = 0
                    changes["lockouts"] = 0
            wait: int | None = None
            if failures >= limit:
                until = now + self.policy.lock_for(lockouts)
                changes.update(
                    failures=0, lockouts=lockouts + 1, locked_until=until, window_started_at=now
                )
                wait = _seconds_until(until, now)
            if changes:
                db.execute(update(LoginThrottle).where(LoginThrottle.key == key).values(**changes))
            db.commit()
        if wait is not None:
            log.warning("sign-in locked for %s s after %s failures: %s", wait, limit, key)
            if self._on_lockout is not None:
                self._on_lockout(key.split(":", 1)[0])
        return wait


def purge_throttle(db: Session, now: datetime | None = None) -> int:
    """Delete counters idle for a day and not locked (not committed)."""
    cutoff = (now or utc_now()) - QUIET_RESET
    result = db.execute(
        delete(LoginThrottle).where(
            LoginThrottle.window_started_at < cutoff,
            (LoginThrottle.locked_until.is_(None)) | (LoginThrottle.locked_until < cutoff),
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)
