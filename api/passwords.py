"""Password hashing: Argon2id (pwdlib) for new hashes; old scrypt hashes still verify and are
replaced by an Argon2id hash at the user's next successful sign-in.

* Argon2id with OWASP's minimum cost (19 MiB, 2 passes, 1 lane): about 25 ms per check.
* Legacy ``scrypt$n$r$p$salt$hash`` (``hashlib.scrypt``) is verified in constant time.
"""

from __future__ import annotations

import hashlib
import hmac

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

_ARGON2 = PasswordHash((Argon2Hasher(time_cost=2, memory_cost=19456, parallelism=1),))
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


def hash_password(password: str) -> str:
    return _ARGON2.hash(password)


def _verify_scrypt(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt_hex, digest_hex = stored.split("$")
        if scheme != "scrypt":
            return False
        digest = hashlib.scrypt(
            password.encode(),
            salt=bytes.fromhex(salt_hex),
            n=int(n),
            r=int(r),
            p=int(p),
            dklen=len(digest_hex) // 2,
            maxmem=64 * 1024 * 1024,
        )
    except ValueError:
        return False
    return hmac.compare_digest(digest.hex(), digest_hex)


def verify_and_update(password: str, stored: str) -> tuple[bool, str | None]:
    """Whether ``password`` matches ``stored``, and the hash to store instead when it is
    an old scheme or old Argon2 parameters (``None``: keep it)."""
    if stored.startswith("scrypt$"):
        ok = _verify_scrypt(password, stored)
        return ok, (hash_password(password) if ok else None)
    try:
        return _ARGON2.verify_and_update(password, stored)
    except Exception:  # noqa: BLE001 - a malformed stored hash never verifies
        return False, None


def verify_password(password: str, stored: str) -> bool:
    return verify_and_update(password, stored)[0]
