"""A failed sign-in costs one key derivation whoever it names: an unknown e-mail, a known
account with a wrong password (Argon2id or a legacy scrypt hash), an inactive account (even
with the right password) or an account whose stored hash is unusable. Counted on the
hashers (argon2-cffi and hashlib.scrypt), not timed."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterator
from pathlib import Path

import argon2
import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from api.auth import InvalidCredentials, authenticate
from api.passwords import hash_password
from catalog.models import User
from indexer.jobs import factory_for
from tests.unit.api.test_api_support import PASSWORD, ApiEnv, build_env, close_env

EMAIL = "own@example.com"


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiEnv]:
    built = build_env(Path(tmp_path_factory.mktemp("password_timing")))
    yield built
    close_env(built)


class Derivations:
    def __init__(self) -> None:
        self.calls: list[str] = []

    def count(self, monkeypatch: pytest.MonkeyPatch) -> None:
        real_verify, real_hash = argon2.PasswordHasher.verify, argon2.PasswordHasher.hash
        real_scrypt = hashlib.scrypt

        def verify(hasher: argon2.PasswordHasher, *a: object, **k: object) -> object:
            try:
                found = real_verify(hasher, *a, **k)  # type: ignore[arg-type]
            except argon2.exceptions.InvalidHashError:
                raise  # refused before any derivation
            except argon2.exceptions.VerifyMismatchError:
                found = False
            self.calls.append("argon2-verify")
            if not found:
                raise argon2.exceptions.VerifyMismatchError
            return found

        def make(hasher: argon2.PasswordHasher, *a: object, **k: object) -> object:
            self.calls.append("argon2-hash")
            return real_hash(hasher, *a, **k)  # type: ignore[arg-type]

        def scrypt(*a: object, **k: object) -> bytes:
            self.calls.append("scrypt")
            return real_scrypt(*a, **k)  # type: ignore[arg-type]

        monkeypatch.setattr(argon2.PasswordHasher, "verify", verify)
        monkeypatch.setattr(argon2.PasswordHasher, "hash", make)
        monkeypatch.setattr(hashlib, "scrypt", scrypt)


def _legacy(password: str, n: int = 2**14) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=n, r=8, p=1, dklen=32, maxmem=2**28)
    return f"scrypt${n}$8$1${salt.hex()}${digest.hex()}"


def _set(session: Session, stored: str, active: bool = True) -> None:
    session.execute(
        update(User).where(User.email == EMAIL).values(password_hash=stored, active=active)
    )
    session.commit()


def _attempt(env: ApiEnv, monkeypatch: pytest.MonkeyPatch, email: str, password: str) -> list[str]:
    seen = Derivations()
    with factory_for(env.settings)() as s, monkeypatch.context() as m:
        seen.count(m)
        with pytest.raises(InvalidCredentials):
            authenticate(s, email, password)
    return seen.calls


@pytest.mark.parametrize(
    ("stored", "active", "password"),
    [
        ("argon2", True, "wrong password 1"),
        ("scrypt", True, "wrong password 1"),
        ("scrypt", False, PASSWORD),  # inactive, right password: no replacement hash made
        ("argon2-old", False, PASSWORD),
        ("", True, "wrong password 1"),
        ("!disabled", True, "wrong password 1"),
        ("$argon2id$v=19$m=19456,t=2,p=1$broken", True, "wrong password 1"),
        ("scrypt$16384$8$1$zz$00", True, "wrong password 1"),
        ("scrypt-huge", True, "wrong password 1"),  # n=2**17: over the legacy cost
    ],
)
def test_a_known_account_costs_what_an_unknown_one_does(
    env: ApiEnv, monkeypatch: pytest.MonkeyPatch, stored: str, active: bool, password: str
) -> None:
    unknown = _attempt(env, monkeypatch, "nobody@example.com", "wrong password 1")
    assert unknown == ["argon2-verify"]  # the dummy is Argon2id, the scheme of real accounts
    assert _attempt(env, monkeypatch, "nul\x00@example.com", "x") == ["argon2-verify"]
    factory = factory_for(env.settings)
    with factory() as s:
        original = s.scalars(select(User.password_hash).where(User.email == EMAIL)).one()
    value = {
        "argon2": hash_password(PASSWORD),
        "argon2-old": argon2.PasswordHasher(time_cost=1, memory_cost=8192).hash(PASSWORD),
        "scrypt": _legacy(PASSWORD),
        "scrypt-huge": _legacy(PASSWORD, n=2**17),
    }.get(stored, stored)
    try:
        with factory() as s:
            _set(s, value, active)
        calls = _attempt(env, monkeypatch, EMAIL, password)
        assert len(calls) == len(unknown) == 1, calls
    finally:
        with factory() as s:
            _set(s, original)


def test_a_legacy_hash_is_still_rehashed_at_sign_in(
    env: ApiEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    factory = factory_for(env.settings)
    with factory() as s:
        original = s.scalars(select(User.password_hash).where(User.email == EMAIL)).one()
        _set(s, _legacy(PASSWORD))
    try:
        seen = Derivations()
        with factory() as s, monkeypatch.context() as m:
            seen.count(m)
            assert authenticate(s, EMAIL, PASSWORD).email == EMAIL
            s.commit()
        assert seen.calls == ["scrypt", "argon2-hash"]
        with factory() as s:
            assert (
                s.scalars(select(User.password_hash).where(User.email == EMAIL)).one()[:10]
                == "$argon2id$"
            )
    finally:
        with factory() as s:
            _set(s, original)
