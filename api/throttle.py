"""The sign-in throttle: failed passwords per account and per address, with backoff.

Kept in the database (table ``login_throttle``) so every worker process shares it and no
Redis is needed. After ``max_failures`` wrong passwords within ``window`` the key is locked
for ``lockout``, doubled with each further lockout up to ``lockout_max``; while locked even
the right password is refused (the caller answers 429 with ``Retry-After``). A successful
sign-in resets the account's counter (not the address's: one known account must not let an
address guess others' passwords).

The attempt is claimed before the password is checked (:meth:`SignInThrottle.admit`,
counted as a failure until :meth:`SignInThrottle.succeeded` gives it back): checking first
and counting after let simultaneous requests all pass the check while their passwords were
verified (25 at once tried 18 passwords against a limit of 5). Each claim is one short
transaction that starts with the write (an upsert, then a conditional increment), so
concurrent claims serialise on the row (PostgreSQL) or the database write lock (SQLite)
and none is lost.
"""

from __future__ import annotations

import ipaddress
import logging
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, delete, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, sessionmaker

from api.client_ip import address_bucket
from catalog.db import rows_matched
from catalog.models import LoginThrottle
from catalog.paging import page_rows
from catalog.settings import Settings
from marketplace.dates import as_utc, utc_now

log = logging.getLogger(__name__)
QUIET_RESET = timedelta(days=1)  # lockouts are forgotten after a quiet day
SIGN_IN_KINDS = ("acct", "ip", "dev")  # the keys of sign-in (the sign-up's are "signup:…")


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
    """The account's key: the e-mail as sign-in matches it (no NUL: PostgreSQL text holds
    none, and ``a@b.se\\0`` is an attempt at ``a@b.se``'s account all the same)."""
    return f"acct:{email.replace(chr(0), '').strip().lower()}"[:300]


def device_key(device: str) -> str:
    return f"dev:{device}"[:300]


def ip_key(address: str) -> str:
    """The address's key: an IPv6 address counts as its /64 (:func:`address_bucket`)."""
    return f"ip:{address_bucket(address)}"[:300]


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

    def _keys(self, email: str, address: str, device: str | None = None) -> list[tuple[str, int]]:
        return [
            (device_key(device) if device else account_key(email), self.policy.max_failures),
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

    def admit(self, email: str, address: str, device: str | None = None) -> int | None:
        """Claim one attempt before the password is checked: ``None`` when it may go ahead,
        else the seconds to wait (nothing is claimed then).

        The attempt counts as a failure from here on; :meth:`succeeded` takes it back. The
        claim is atomic per key, so simultaneous requests cannot all pass the check while
        their passwords are being verified: at most ``max_failures`` passwords per account
        (and ``ip_max_failures`` per address) are checked per window, however many arrive
        at once; one more locks the key at once.

        ``device``: the id of a browser that signed in to this account before
        (:func:`api.auth.known_device`). It counts on its own key instead of the account's,
        so strangers' wrong passwords that lock the account do not lock its owner out.
        """
        claimed: list[str] = []
        for key, limit in self._keys(email, address, device):
            wait = self._claim(key, limit)
            if wait is not None:
                for done in claimed:  # the attempt does not happen: give those back
                    self._release(done)
                return wait
            claimed.append(key)
        return None

    def failed(self, email: str, address: str, device: str | None = None) -> int | None:
        """Record that an admitted attempt had a wrong password; the seconds to wait when
        the account or the address is now locked."""
        keys = self._keys(email, address, device)
        waits = [self._lock_if_over(key, limit) for key, limit in keys]
        locked = [w for w in waits if w is not None]
        return max(locked) if locked else None

    def succeeded(self, email: str, address: str | None = None, device: str | None = None) -> None:
        """The right password: the counter the attempt was claimed on (the account's, or the
        known browser's) is reset and the address's claim given back (its other failures
        stay). A success from a known browser leaves the account's lock and backoff alone."""
        key = device_key(device) if device else account_key(email)
        with self._factory() as db:
            db.execute(
                update(LoginThrottle)
                .where(LoginThrottle.key == key)
                .values(failures=0, lockouts=0, locked_until=None, window_started_at=self._clock())
            )
            db.commit()
        if address is not None:
            self._release(ip_key(address))

    def _claim(self, key: str, limit: int) -> int | None:
        now = self._clock()
        with self._factory() as db:
            insert = pg_insert if db.get_bind().dialect.name == "postgresql" else sqlite_insert
            db.execute(
                insert(LoginThrottle)
                .values(key=key, failures=0, window_started_at=now, lockouts=0)
                .on_conflict_do_nothing(index_elements=["key"])
            )
            # the write first: concurrent claims serialise on the row (PostgreSQL) or on
            # the database write lock (SQLite); a locked key is not counted
            row = db.execute(
                update(LoginThrottle)
                .where(
                    LoginThrottle.key == key,
                    or_(LoginThrottle.locked_until.is_(None), LoginThrottle.locked_until <= now),
                )
                .values(failures=LoginThrottle.failures + 1)
                .returning(
                    LoginThrottle.failures, LoginThrottle.window_started_at, LoginThrottle.lockouts
                )
            ).first()
            if row is None:
                until = db.scalar(
                    select(LoginThrottle.locked_until).where(LoginThrottle.key == key)
                )
                db.commit()
                return _seconds_until(as_utc(until), now) if until is not None else 1
            failures, started, lockouts = row.failures, as_utc(row.window_started_at), row.lockouts
            changes: dict[str, object] = {}
            if now - started > self.policy.window:
                # a new window: this attempt is its first
                failures = 1
                changes.update(failures=1, window_started_at=now)
                if now - started > QUIET_RESET:
                    lockouts = 0
                    changes["lockouts"] = 0
            wait: int | None = None
            if failures > limit:
                # more attempts at once than the limit allows: lock now, refuse this one
                wait = self._locking_changes(changes, lockouts, now)
            if changes:
                db.execute(update(LoginThrottle).where(LoginThrottle.key == key).values(**changes))
            db.commit()
        if wait is not None:
            self._locked(key, limit, wait)
        return wait

    def _lock_if_over(self, key: str, limit: int) -> int | None:
        now = self._clock()
        with self._factory() as db:
            # the write first (see _claim): only one request sets a lock for a window
            row = db.execute(
                update(LoginThrottle)
                .where(
                    LoginThrottle.key == key,
                    or_(LoginThrottle.locked_until.is_(None), LoginThrottle.locked_until <= now),
                    LoginThrottle.failures >= limit,
                )
                .values(failures=0, window_started_at=now)
                .returning(LoginThrottle.lockouts)
            ).first()
            if row is None:  # under the limit, or another request locked it already
                until = db.scalar(
                    select(LoginThrottle.locked_until).where(LoginThrottle.key == key)
                )
                db.commit()
                if until is not None and as_utc(until) > now:
                    return _seconds_until(as_utc(until), now)
                return None
            changes: dict[str, object] = {}
            wait = self._locking_changes(changes, row.lockouts, now)
            db.execute(update(LoginThrottle).where(LoginThrottle.key == key).values(**changes))
            db.commit()
        self._locked(key, limit, wait)
        return wait

    def _locking_changes(self, changes: dict[str, object], lockouts: int, now: datetime) -> int:
        until = now + self.policy.lock_for(lockouts)
        changes.update(failures=0, lockouts=lockouts + 1, locked_until=until, window_started_at=now)
        return _seconds_until(until, now)

    def _release(self, key: str) -> None:
        with self._factory() as db:
            db.execute(
                update(LoginThrottle)
                .where(LoginThrottle.key == key, LoginThrottle.failures > 0)
                .values(failures=LoginThrottle.failures - 1)
            )
            db.commit()

    def _locked(self, key: str, limit: int, wait: int) -> None:
        log.warning("sign-in locked for %s s after %s failures: %s", wait, limit, key)
        if self._on_lockout is not None:
            self._on_lockout(key.split(":", 1)[0])


def purge_throttle(db: Session, now: datetime | None = None) -> int:
    """Delete counters idle for a day and not locked (not committed)."""
    cutoff = (now or utc_now()) - QUIET_RESET
    result = db.execute(
        delete(LoginThrottle).where(
            LoginThrottle.window_started_at < cutoff,
            (LoginThrottle.locked_until.is_(None)) | (LoginThrottle.locked_until < cutoff),
        )
    )
    return rows_matched(result)


@dataclass(frozen=True, slots=True)
class Unlocked:
    """What an admin unlock lifted: the key, and whether it was locked at that moment."""

    key: str
    was_locked: bool
    failures: int
    lockouts: int


def unlock_key(email: str | None = None, address: str | None = None, key: str | None = None) -> str:
    """The throttle key of an account (``email``), an address (``address``: an IPv4 or IPv6
    address, or an IPv6 /64 network as the throttle counts it) or a stored ``key`` (as
    :func:`current_locks` lists them: ``acct:``, ``ip:`` or a known browser's ``dev:``)."""
    if sum(v is not None for v in (email, address, key)) != 1:
        raise ValueError("give one e-mail address or one IP address")
    if key is not None:
        kind, _, rest = key.partition(":")
        if kind not in SIGN_IN_KINDS or not rest or "\x00" in key or len(key) > 300:
            raise ValueError(f"not a sign-in throttle key: {key[:60]!r}")
        return key
    if email is not None:
        if not email.strip() or "\x00" in email:
            raise ValueError("an empty e-mail address")
        return account_key(email)
    raw = (address or "").strip()
    try:
        network = ipaddress.ip_network(raw, strict=False)
    except ValueError as exc:
        raise ValueError(f"not an IP address: {raw[:60]!r}") from exc
    if network.num_addresses == 1:
        return ip_key(str(network.network_address))
    if network.version == 6 and network.prefixlen == 64:
        return ip_key(str(network))
    raise ValueError(f"an address or an IPv6 /64, not {raw[:60]!r}")


def lift_lock(
    db: Session,
    *,
    email: str | None = None,
    address: str | None = None,
    key: str | None = None,
    actor: str,
    now: datetime | None = None,
) -> Unlocked | None:
    """An admin's unlock: the account's or the address's lock, failures and backoff are
    cleared (committed) and the unlock logged with who did it. ``None``: nothing was
    counted for that key. Raises ValueError for an unusable e-mail or address."""
    key = unlock_key(email, address, key)
    moment = now or utc_now()
    # one statement lifts the lock and says whether there was one: of two unlocks at once,
    # the second waits for the first's commit (row lock / SQLite's write lock), finds none
    ended = db.execute(
        update(LoginThrottle)
        .where(
            LoginThrottle.key == key,
            LoginThrottle.locked_until.is_not(None),
            LoginThrottle.locked_until > moment,
        )
        .values(locked_until=None)
        .execution_options(synchronize_session=False)
    )
    was_locked = bool(rows_matched(ended))
    row = db.get(LoginThrottle, key, populate_existing=True)
    if row is None:
        db.commit()
        log.warning("sign-in unlock by %s: nothing recorded for %s", actor, key)
        return None
    lifted = Unlocked(key, was_locked, row.failures, row.lockouts)
    row.failures, row.lockouts, row.locked_until, row.window_started_at = 0, 0, None, moment
    db.commit()
    log.warning(
        "sign-in unlock by %s: %s (was locked: %s, %s failures, %s lockouts)",
        actor,
        key,
        lifted.was_locked,
        lifted.failures,
        lifted.lockouts,
    )
    return lifted


def _locks_query(moment: datetime) -> Select[str, datetime | None, int]:
    kind = or_(*(LoginThrottle.key.startswith(f"{k}:") for k in SIGN_IN_KINDS))  # not sign-up's
    return (
        select(LoginThrottle.key, LoginThrottle.locked_until, LoginThrottle.lockouts)
        .where(LoginThrottle.locked_until.is_not(None), LoginThrottle.locked_until > moment, kind)
        .order_by(LoginThrottle.locked_until.desc(), LoginThrottle.key)
    )


def _lock(key: str, until: datetime | None, lockouts: int) -> tuple[str, datetime, int]:
    return key, as_utc(until or utc_now()), lockouts


def current_locks(db: Session, now: datetime | None = None) -> list[tuple[str, datetime, int]]:
    """(key, locked until, lockouts) of every account and address locked now, longest first."""
    return [_lock(k, u, n) for k, u, n in db.execute(_locks_query(now or utc_now())).all()]


def current_locks_page(
    db: Session, *, limit: int, offset: int, now: datetime | None = None
) -> tuple[list[tuple[str, datetime, int]], int]:
    """One page of :func:`current_locks` and the count of all of them."""
    rows, total = page_rows(db, _locks_query(now or utc_now()), limit=limit, offset=offset)
    return [_lock(k, u, n) for k, u, n in rows], total


def signup_policy(settings: Settings) -> ThrottlePolicy:
    """Sign-ups per e-mail address and per client address within an hour."""
    return ThrottlePolicy(
        max_failures=settings.signup_max_per_email,
        ip_max_failures=settings.signup_max_per_address,
        window=timedelta(hours=1),
        lockout=timedelta(minutes=10),
        lockout_max=timedelta(hours=6),
    )


class SignupThrottle(SignInThrottle):
    """Sign-ups counted per e-mail address and per client address as sign-ins are, on keys
    of their own per action: ``signup:acct:…`` / ``signup:ip:…`` for sign-ups, and
    ``<action>:…`` for the buckets :meth:`for_action` gives (a confirmation link or an
    invitation that cannot be used). Every attempt counts (:meth:`admit` claims it and
    nothing gives it back), so a script cannot create organisations or send confirmation
    e-mails in bulk. One action's attempts never lock another's: a burst of sign-ups does
    not keep anyone from confirming an address or joining by an invitation."""

    def __init__(
        self,
        factory: sessionmaker[Session],
        policy: ThrottlePolicy,
        *,
        clock: Callable[[], datetime] = utc_now,
        action: str = "signup",
    ) -> None:
        super().__init__(factory, policy, clock=clock)
        self.action = action

    def for_action(self, action: str) -> SignupThrottle:
        """The same limits on ``action``'s own keys (``confirm``, ``accept``)."""
        return SignupThrottle(self._factory, self.policy, clock=self._clock, action=action)

    def _keys(self, email: str, address: str, device: str | None = None) -> list[tuple[str, int]]:
        keys = [(f"{self.action}:{ip_key(address)}"[:300], self.policy.ip_max_failures)]
        if email:  # an action of no address (an unusable link) counts per client address
            keys.insert(0, (f"{self.action}:{account_key(email)}"[:300], self.policy.max_failures))
        return keys
