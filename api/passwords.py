"""Password hashing: Argon2id (pwdlib) for new hashes; old scrypt hashes still verify and are
replaced by an Argon2id hash at the user's next successful sign-in.

* Argon2id with OWASP's minimum cost (19 MiB, 2 passes, 1 lane): about 25 ms per check.
* Legacy ``scrypt$n$r$p$salt$hash`` (``hashlib.scrypt``) is verified in constant time.
* One key derivation per check, whoever asks: :func:`check_password` verifies an unknown
  account, an unusable stored hash (malformed, or scrypt parameters beyond the legacy
  ones) and a wrong password against :data:`DUMMY_HASH`, an Argon2id hash (the scheme a real
  account most likely has), so a failed sign-in costs the same one derivation whether the
  account exists or not; a legacy scrypt check (n=2^14, r=8: 16 MiB) is of the same order.
  The replacement hash of a rehash is made only by the caller, for an active user.
"""

from __future__ import annotations

import hashlib
import hmac

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

_ARGON2 = PasswordHash((Argon2Hasher(time_cost=2, memory_cost=19456, parallelism=1),))
# legacy scrypt hashes were made with n=2**14, r=8, p=1; a stored hash asking for more is
# not verified (its cost would tell the account exists) but treated as unusable
_SCRYPT_MAX_N, _SCRYPT_MAX_R, _SCRYPT_MAX_P = 2**15, 8, 1
MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 1024
MIN_DISTINCT_CHARACTERS = 5
# words that, with digits and separators around them, make the passwords guessed first
_GUESSED_FIRST = frozenset(
    {
        "",  # digits and separators only: 1234567890, 2024-01-01
        "password",
        "passw0rd",
        "lösenord",
        "losenord",
        "qwerty",
        "qwertyuiop",
        "asdfghjkl",
        "abcdefghij",
        "abcdefghijk",
        "valbar",
        "tandvård",
        "tandvard",
        "tandläkare",
        "tandlakare",
        "klinik",
        "sommar",
        "vinter",
        "iloveyou",
        "welcome",
        "välkommen",
        "valkommen",
        "admin",
        "administrator",
    }
)


def easily_guessed(password: str, email: str = "") -> bool:
    """A password of allowed length that is still among the first an attacker tries: few
    distinct characters (``aaaaaaaaaa``, ``abababab12``), digits only, a common word with
    digits around it (``password123``, ``Sommar2024!``) or the user's e-mail address."""
    lowered = password.strip().lower()
    if len(set(lowered)) < MIN_DISTINCT_CHARACTERS:
        return True
    core = "".join(c for c in lowered if c.isalpha())
    if core in _GUESSED_FIRST:
        return True
    local = email.strip().lower().split("@", 1)[0]
    return len(local) >= 3 and (local in lowered or lowered in email.strip().lower())


# why a new password is refused (the API's error type, the UI's ``password.<reason>``)
PASSWORD_REASONS = ("too_short", "too_long", "too_common", "contains_email", "contains_name")
PASSWORD_REASON_TEXT = {
    "too_short": f"too short: at least {MIN_PASSWORD_LENGTH} characters",
    "too_long": f"too long: at most {MAX_PASSWORD_LENGTH} characters",
    "too_common": "too common: among the first guessed (digits only, the same few characters "
    "over and over, or a common word with digits)",
    "contains_email": "contains the e-mail address's name (the part before @)",
    "contains_name": "contains your name",
}


def password_weakness(password: str, email: str = "", name: str = "") -> str | None:
    """Why a new password is refused, one of :data:`PASSWORD_REASONS`, else None: its length,
    among the first guessed (:func:`easily_guessed` without the address), or holding the
    e-mail address's local part or a part of the person's name (3 letters or more)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return "too_short"
    if len(password) > MAX_PASSWORD_LENGTH:
        return "too_long"
    if easily_guessed(password):
        return "too_common"
    if easily_guessed(password, email):
        return "contains_email"
    lowered = password.lower()
    parts = [p for p in "".join(c if c.isalpha() else " " for c in name.lower()).split()]
    if any(len(p) >= 3 and p in lowered for p in parts):
        return "contains_name"
    return None


def hash_password(password: str) -> str:
    return _ARGON2.hash(password)


# what a failed check for an unknown account (or an unusable hash) is verified against
DUMMY_HASH = hash_password("timing-equalizer")


def _scrypt_params(stored: str) -> tuple[int, int, int, bytes, str] | None:
    """(n, r, p, salt, digest hex) of a legacy hash within the legacy cost, else None."""
    try:
        scheme, n, r, p, salt_hex, digest_hex = stored.split("$")
        params = int(n), int(r), int(p), bytes.fromhex(salt_hex), digest_hex
        bytes.fromhex(digest_hex)
    except ValueError:
        return None
    n_, r_, p_ = params[:3]
    if scheme != "scrypt" or not 16 <= len(digest_hex) <= 128 or len(digest_hex) % 2:
        return None
    if not (2 <= n_ <= _SCRYPT_MAX_N and n_ & (n_ - 1) == 0):
        return None
    return params if 1 <= r_ <= _SCRYPT_MAX_R and 1 <= p_ <= _SCRYPT_MAX_P else None


def _verify_scrypt(password: str, params: tuple[int, int, int, bytes, str]) -> bool:
    n, r, p, salt, digest_hex = params
    digest = hashlib.scrypt(
        password.encode(), salt=salt, n=n, r=r, p=p, dklen=len(digest_hex) // 2, maxmem=2**26
    )
    return hmac.compare_digest(digest.hex(), digest_hex.lower())


def _verify_argon2(password: str, stored: str) -> tuple[bool, bool] | None:
    """(matches, needs rehash), or None when ``stored`` is no usable Argon2 hash (nothing
    was derived)."""
    hasher = _ARGON2.current_hasher
    try:
        if not hasher.identify(stored):
            return None
        if not hasher.verify(password, stored):
            return False, False
        return True, hasher.check_needs_rehash(stored)
    except Exception:  # noqa: BLE001 - a malformed stored hash never verifies
        return None


def check_password(password: str, stored: str | None) -> tuple[bool, bool]:
    """Whether ``password`` matches ``stored`` and whether the stored hash should be
    replaced (an old scheme or old Argon2 parameters), after exactly one key derivation:
    ``stored`` None (no such account), malformed or beyond the legacy scrypt cost is
    checked against :data:`DUMMY_HASH` and never matches. Makes no new hash."""
    if stored is not None and stored.startswith("scrypt$"):
        params = _scrypt_params(stored)
        if params is not None:
            ok = _verify_scrypt(password, params)
            return ok, ok
    elif stored is not None and (found := _verify_argon2(password, stored)) is not None:
        return found
    _verify_argon2(password, DUMMY_HASH)  # the same work as a real account's check
    return False, False


def verify_and_update(password: str, stored: str) -> tuple[bool, str | None]:
    """Whether ``password`` matches ``stored``, and the hash to store instead when it is
    an old scheme or old Argon2 parameters (``None``: keep it)."""
    ok, rehash = check_password(password, stored)
    return ok, (hash_password(password) if ok and rehash else None)


def verify_password(password: str, stored: str) -> bool:
    return check_password(password, stored)[0]


def new_password_problem(password: str, email: str = "", name: str = "") -> str | None:
    """Why a new password is refused (:func:`password_weakness`: ``too_short``,
    ``too_common``, ``contains_email``, ``contains_name`` …), else None (the rule of
    sign-up, invitations and password changes)."""
    return password_weakness(password, email, name)
