"""Feed URL credentials (a basic-auth password or a bearer token) encrypted at rest.

The key is the setting ``feed_credentials_key``, else derived from the secret key
(``catalog.secret_key``). ``cryptography`` is not a dependency of Valbar, so the
construction is the standard library's, encrypt-then-MAC: two keys are derived from the
master with HMAC-SHA256 (one encrypts, one authenticates); the plaintext is XORed with an
HMAC-SHA256 keystream (``HMAC(k_enc, nonce || counter)``, a PRF in counter mode) under a
random 16-byte nonce, and ``HMAC(k_mac, version || nonce || ciphertext)`` authenticates the
result. A tampered value or another key fails :func:`open_secret` (never garbage).
Stored as ``v1.<base64url(nonce || ciphertext || tag)>``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from catalog.secret_key import resolve_secret_key
from catalog.settings import Settings

VERSION = b"v1"
NONCE = 16
TAG = 32
MAX_SECRET = 2000


class SecretUnreadable(ValueError):
    """The stored value was altered or sealed with another key."""


def master_key(settings: Settings) -> bytes:
    configured = settings.feed_credentials_key.get_secret_value()
    return (configured or resolve_secret_key(settings)).encode()


def _keys(master: bytes) -> tuple[bytes, bytes]:
    enc = hmac.new(master, b"valbar feed credentials: encryption", hashlib.sha256).digest()
    mac = hmac.new(master, b"valbar feed credentials: authentication", hashlib.sha256).digest()
    return enc, mac


def _keystream(key: bytes, nonce: bytes, length: int) -> bytes:
    blocks = (length + 31) // 32
    return b"".join(
        hmac.new(key, nonce + i.to_bytes(4, "big"), hashlib.sha256).digest() for i in range(blocks)
    )[:length]


def _xor(data: bytes, stream: bytes) -> bytes:
    return (int.from_bytes(data, "big") ^ int.from_bytes(stream, "big")).to_bytes(len(data), "big")


def seal(master: bytes, plaintext: str) -> str:
    """``plaintext`` encrypted and authenticated (see the module docstring)."""
    data = plaintext.encode()
    if len(data) > MAX_SECRET:
        raise ValueError(f"a feed credential is at most {MAX_SECRET} bytes")
    enc, mac = _keys(master)
    nonce = secrets.token_bytes(NONCE)
    body = _xor(data, _keystream(enc, nonce, len(data))) if data else b""
    tag = hmac.new(mac, VERSION + nonce + body, hashlib.sha256).digest()
    return "v1." + base64.urlsafe_b64encode(nonce + body + tag).decode()


def open_secret(master: bytes, sealed: str) -> str:
    """The plaintext of :func:`seal`'s value; :class:`SecretUnreadable` when it was altered
    or sealed with another key."""
    if not sealed.startswith("v1."):
        raise SecretUnreadable("not a sealed feed credential")
    try:
        raw = base64.urlsafe_b64decode(sealed[3:].encode())
    except ValueError as exc:
        raise SecretUnreadable("not a sealed feed credential") from exc
    if len(raw) < NONCE + TAG:
        raise SecretUnreadable("not a sealed feed credential")
    nonce, body, tag = raw[:NONCE], raw[NONCE:-TAG], raw[-TAG:]
    enc, mac = _keys(master)
    expected = hmac.new(mac, VERSION + nonce + body, hashlib.sha256).digest()
    if not hmac.compare_digest(tag, expected):
        raise SecretUnreadable("the feed credential was altered or sealed with another key")
    plain = _xor(body, _keystream(enc, nonce, len(body))) if body else b""
    return plain.decode()
