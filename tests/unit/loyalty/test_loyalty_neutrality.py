"""A neutral marketplace: loyalty never touches what a clinic sees. The search API's answer
(with its explanations) and the search page are byte-identical in two apps seeded alike,
one of them with a loyalty programme in which tandab is a member with many points.

Only the values that differ between any two requests or apps are blanked before comparing:
the time the search took (``took_ms``, "(12 ms)"), the page form's one-time token and the
CSRF token (signed with each app's own random secret key).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from catalog.db import transaction
from catalog.models import User
from indexer.jobs import factory_for
from loyalty import programmes
from loyalty.enums import MEMBER_TERMS_VERSION, PARTICIPANT_TERMS_VERSION, AccountKind, EntryKind
from loyalty.ledger import ensure_account, transfer
from marketplace.dates import utc_now
from tests.unit.api.test_api_support import ApiEnv, build_env, close_env

QUERIES = ["nitrilhandske", "handske", "komposit", "munspegel"]
ROLES = [None, "clinic", "retailer_own", "retailer_other"]
VOLATILE = [
    (re.compile(rb'"took_ms":[0-9.eE+-]+'), b'"took_ms":0'),
    (re.compile(rb"\(\d+ ms\)"), b"(0 ms)"),
    (re.compile(rb'name="form_token" value="[^"]*"'), b'name="form_token" value=""'),
    (re.compile(rb'name="csrf_token" value="[^"]*"'), b'name="csrf_token" value=""'),
]


def _seed_loyalty(env: ApiEnv) -> None:
    now = utc_now()
    with transaction(factory_for(env.settings)) as s:
        programme = programmes.create_programme(
            s,
            None,
            name="Tandklubben",
            sponsor_name="Dentsply",
            points_per_krona=Decimal(10),
            point_value_ore=100,
            expiry_months=24,
            now=now,
        )
        rep = s.get(User, env.users["retailer_own"])
        seller = s.get(User, env.users["retailer_staff"])
        assert rep is not None and seller is not None
        membership = programmes.accept_member_terms(
            s, rep, programme.id, MEMBER_TERMS_VERSION, now=now
        )
        programmes.invite(s, rep, programme.id, seller.id, now=now)
        programmes.accept_participant_terms(
            s, seller, programme.id, PARTICIPANT_TERMS_VERSION, now=now
        )
        sponsor = ensure_account(s, programme.id, AccountKind.SPONSOR)
        member = ensure_account(s, programme.id, AccountKind.MEMBER, membership_id=membership.id)
        for i in range(20):
            transfer(
                s,
                programme_id=programme.id,
                source_id=sponsor.id,
                destination_id=member.id,
                points=1_000_000,
                kind=EntryKind.ADJUSTMENT.value,
                reason="neutrality test",
                idempotency_key=f"neutral-{i}",
                now=now,
            )


def _answers(env: ApiEnv) -> dict[str, bytes]:
    out: dict[str, bytes] = {}
    for role in ROLES:
        h = env.headers(role)
        for q in QUERIES:
            for lang in ("sv", "en"):
                api = env.client.get(
                    "/api/v1/search",
                    params={"q": q, "explain": "true"},
                    headers={**h, "Accept-Language": lang},
                )
                page = env.client.get("/", params={"q": q, "lang": lang}, headers=h)
                assert api.status_code == page.status_code == 200, (role, q)
                out[f"api {role} {q} {lang}"] = _stable(api.content)
                out[f"page {role} {q} {lang}"] = _stable(page.content)
    return out


def _stable(body: bytes) -> bytes:
    for pattern, blank in VOLATILE:
        body = pattern.sub(blank, body)
    return body


@pytest.fixture(scope="module")
def answers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[dict[str, bytes], ...]]:
    without = build_env(tmp_path_factory.mktemp("neutral_without"))
    try:
        plain = _answers(without)
    finally:
        close_env(without)
    loyal = build_env(tmp_path_factory.mktemp("neutral_with"))
    try:
        _seed_loyalty(loyal)
        with_loyalty = _answers(loyal)
    finally:
        close_env(loyal)
    yield plain, with_loyalty


def test_search_answers_are_byte_identical_with_and_without_loyalty(
    answers: tuple[dict[str, bytes], dict[str, bytes]],
) -> None:
    plain, with_loyalty = answers
    assert plain.keys() == with_loyalty.keys()
    assert any(b"Nitril" in body for body in plain.values())  # real results, not empty pages
    assert any(b'"explanation' in v for k, v in plain.items() if k.startswith("api"))
    for key in plain:
        assert with_loyalty[key] == plain[key], key


def test_the_probe_sees_a_difference_when_there_is_one(tmp_path: Path) -> None:
    """The comparison is not blind: a different query gives different bytes."""
    env = build_env(tmp_path)
    try:
        a = _stable(env.client.get("/api/v1/search", params={"q": "handske"}).content)
        b = _stable(env.client.get("/api/v1/search", params={"q": "komposit"}).content)
    finally:
        close_env(env)
    assert a != b
