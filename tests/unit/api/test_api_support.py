"""A seeded API for tests: products, offers, retailers, organisations, users of every role
(platform roles and each organisation role of two organisations of each kind), API keys.

Helpers (not fixtures) so every ``test_api_*`` module builds its own environment.

The organisations (all active; :data:`ORG_MEMBERS` says who belongs where):

* retailer org A ("tandab" / Tand AB): ``retailer_own`` (representative), ``retailer_staff``;
* retailer org B ("dentalnord" / Dental Nord): ``retailer_other`` (representative);
* clinic org A (Folktand): ``clinic`` (manager), ``clinic_buyer`` (buyer);
* clinic org B (Tandläkarna Norr): ``clinic_other`` (manager).

``merchandiser`` and ``admin`` belong to no organisation. ``revoked`` is a second key of
``retailer_own``, revoked before the app starts: every call with it is a 401.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import event
from sqlalchemy.orm import Session

from api.auth import create_api_key, hash_password, revoke_api_key
from api.deps import SearchHolder
from catalog.db import transaction
from catalog.models import (
    ApiKey,
    Manufacturer,
    Offer,
    Organisation,
    Product,
    ProductIdentifier,
    Retailer,
    RetailerSignals,
    User,
)
from catalog.settings import Settings
from indexer.jobs import factory_for
from search.documents import build_documents
from search.prices import rate_table
from valbar.app import create_app

PASSWORD = "correct horse battery"
ROLES = (
    "clinic",
    "clinic_buyer",
    "clinic_other",
    "retailer_own",
    "retailer_staff",
    "retailer_other",
    "merchandiser",
    "admin",
    "revoked",
)
# organisation key -> (kind, name, org number, the retailer's slug or None)
ORGANISATIONS: dict[str, tuple[str, str, str, str | None]] = {
    "retailer_a": ("retailer", "Tand AB", "556010-1114", "tandab"),
    "retailer_b": ("retailer", "Dental Nord AB", "556020-2227", "dentalnord"),
    "clinic_a": ("clinic", "Folktand", "802030-3338", None),
    "clinic_b": ("clinic", "Tandläkarna Norr", "802040-4441", None),
}
# role -> (organisation key, org role)
ORG_MEMBERS: dict[str, tuple[str, str]] = {
    "retailer_own": ("retailer_a", "representative"),
    "retailer_staff": ("retailer_a", "staff"),
    "retailer_other": ("retailer_b", "representative"),
    "clinic": ("clinic_a", "manager"),
    "clinic_buyer": ("clinic_a", "buyer"),
    "clinic_other": ("clinic_b", "manager"),
}
PROBLEM = "application/problem+json"


@dataclass
class ApiEnv:
    app: FastAPI
    client: TestClient
    settings: Settings
    keys: dict[str, str] = field(default_factory=dict)  # role -> plaintext API key
    products: dict[str, int] = field(default_factory=dict)
    offers: dict[str, int] = field(default_factory=dict)
    orgs: dict[str, int] = field(default_factory=dict)  # ORGANISATIONS key -> id
    users: dict[str, int] = field(default_factory=dict)  # role -> user id
    retailers: dict[str, int] = field(default_factory=dict)  # slug -> id

    def headers(self, role: str | None) -> dict[str, str]:
        return {} if role is None else {"X-API-Key": self.keys[role]}


@dataclass
class _Seeded:
    keys: dict[str, str]
    products: dict[str, int]
    offers: dict[str, int]
    orgs: dict[str, int]
    users: dict[str, int]
    retailers: dict[str, int]


def _seed_organisations(
    s: Session, retailers: dict[str, Retailer], users: dict[str, User]
) -> dict[str, int]:
    """The active organisations of :data:`ORGANISATIONS` with :data:`ORG_MEMBERS` in them
    (``User.retailer_id`` / ``User.clinic`` mirror the organisation, as in production)."""
    orgs: dict[str, Organisation] = {}
    for key, (kind, name, number, slug) in ORGANISATIONS.items():
        orgs[key] = Organisation(
            kind=kind,
            name=name,
            org_number=number,
            city="Umeå",
            status="active",
            retailer_id=None if slug is None else retailers[slug].id,
            terms_version="2026-01",
        )
    s.add_all(orgs.values())
    s.flush()
    for role, (key, org_role) in ORG_MEMBERS.items():
        org, user = orgs[key], users[role]
        user.organisation_id, user.org_role = org.id, org_role
        if org.kind == "retailer":
            user.retailer_id = org.retailer_id
        else:
            user.clinic = org.name
    s.flush()
    return {key: org.id for key, org in orgs.items()}


def _seed(settings: Settings) -> _Seeded:
    factory = factory_for(settings)
    keys: dict[str, str] = {}
    with transaction(factory) as s:
        tand = Retailer(
            slug="tandab",
            name="Tand AB",
            presentation="Vi levererar i tid.",
            video_url="https://example.com/video.mp4",
            website="https://tand.example",
        )
        nord = Retailer(slug="dentalnord", name="Dental Nord")
        s.add_all([tand, nord])
        s.flush()
        s.add(
            RetailerSignals(
                retailer_id=tand.id,
                delivery_precision=0.97,
                delivery_count=120,
                stock_accuracy=0.95,
                stock_count=80,
                review_overall=4.6,
                review_count=40,
            )
        )
        s.add(
            RetailerSignals(
                retailer_id=nord.id,
                delivery_precision=0.6,
                delivery_count=50,
                review_overall=2.5,
                review_count=20,
            )
        )
        acme = Manufacturer(name="Acme Dental", name_key="acme dental")
        s.add(acme)
        s.flush()
        specs: list[Any] = [{"name": "Storlek", "value": "M", "unit": None}]
        glove = Product(
            source="test",
            source_key="glove",
            name="Nitrilhandske storlek M",
            brand="Acme",
            mpn="NG-M",
            primary_gtin="07312345678909",
            category="Handskar",
            description="Puderfri nitrilhandske.",
            manufacturer_id=acme.id,
            specs=specs,
            content_hash="glove",
        )
        glove.identifiers.append(
            ProductIdentifier(scheme="gs1", value="07312345678909", level="primary")
        )
        composite = Product(
            source="test",
            source_key="composite",
            name="Komposit A2 spruta",
            brand="Filtek",
            primary_gtin="07312345678916",
            category="Fyllningsmaterial",
            content_hash="composite",
        )
        composite.identifiers.append(
            ProductIdentifier(scheme="gs1", value="07312345678916", level="primary")
        )
        mirror = Product(
            source="test",
            source_key="mirror",
            name="Munspegel plan",
            brand="Acme",
            category="Instrument",
            content_hash="mirror",
        )
        s.add_all([glove, composite, mirror])
        s.flush()
        offers = {
            "glove_tand": Offer(
                retailer_id=tand.id,
                sku="T-1",
                product_id=glove.id,
                raw_name="Nitrilhandske M",
                price=Decimal("99.00"),
                stock_status="in_stock",
                delivery_days=1,
                content_hash="a",
            ),
            "glove_nord": Offer(
                retailer_id=nord.id,
                sku="N-1",
                product_id=glove.id,
                raw_name="Nitril handske M",
                price=Decimal("79.00"),
                stock_status="in_stock",
                delivery_days=5,
                content_hash="b",
            ),
            "composite_tand": Offer(
                retailer_id=tand.id,
                sku="T-2",
                product_id=composite.id,
                raw_name="Komposit A2",
                price=Decimal("450.00"),
                stock_status="limited",
                delivery_days=2,
                content_hash="c",
            ),
            "mirror_nord": Offer(
                retailer_id=nord.id,
                sku="N-2",
                product_id=mirror.id,
                raw_name="Munspegel",
                price=Decimal("35.00"),
                stock_status="out_of_stock",
                content_hash="d",
            ),
        }
        s.add_all(offers.values())
        users = {
            "clinic": User(email="clinic@example.com", name="Cilla", role="clinic"),
            "clinic_buyer": User(email="buyer@example.com", name="Bea", role="clinic"),
            "clinic_other": User(email="norr@example.com", name="Nils", role="clinic"),
            "retailer_own": User(email="own@example.com", name="Olle", role="retailer"),
            "retailer_staff": User(email="staff@example.com", name="Stina", role="retailer"),
            "retailer_other": User(email="other@example.com", name="Otto", role="retailer"),
            "merchandiser": User(email="merch@example.com", name="Mia", role="merchandiser"),
            "admin": User(email="admin@example.com", name="Ada", role="admin"),
        }
        hashed = hash_password(PASSWORD)
        for user in users.values():
            user.password_hash = hashed
        s.add_all(users.values())
        s.flush()
        orgs = _seed_organisations(s, {"tandab": tand, "dentalnord": nord}, users)
        for role, user in users.items():
            keys[role] = create_api_key(s, user, f"{role} key")[1]
        revoked, keys["revoked"] = create_api_key(s, users["retailer_own"], "revoked key")
        revoked_id = revoked.id
        user_ids = {role: user.id for role, user in users.items()}
        retailer_ids = {"tandab": tand.id, "dentalnord": nord.id}
        products = {"glove": glove.id, "composite": composite.id, "mirror": mirror.id}
        offer_ids = {k: o.id for k, o in offers.items()}
    with factory() as s:
        key = s.get(ApiKey, revoked_id)
        assert key is not None
        revoke_api_key(s, key)
    return _Seeded(keys, products, offer_ids, orgs, user_ids, retailer_ids)


def build_env(tmp_path: Path, **settings_overrides: Any) -> ApiEnv:
    options: dict[str, Any] = {
        "data_dir": tmp_path / "var",
        "database_url": "",
        "broker_url": "",
        "redis_url": "",
        "environment": "test",
    }
    settings = Settings(**{**options, **settings_overrides})
    seeded = _seed(settings)
    app = create_app(settings, anonymous_rate_per_minute=10_000)
    holder: SearchHolder = app.state.search
    with factory_for(settings)() as session:
        holder.get().backend.reindex(build_documents(session, rates=rate_table(settings)))
    # from loopback, like an operator on the host: /metrics and /readyz details are shown
    client = TestClient(app, raise_server_exceptions=False, client=("127.0.0.1", 50000))
    client.__enter__()
    return ApiEnv(
        app,
        client,
        settings,
        seeded.keys,
        seeded.products,
        seeded.offers,
        seeded.orgs,
        seeded.users,
        seeded.retailers,
    )


def restart_env(env: ApiEnv) -> ApiEnv:
    """A new app over ``env``'s database and index (a server restart), same keys."""
    app = create_app(env.settings, anonymous_rate_per_minute=10_000)
    client = TestClient(app, raise_server_exceptions=False)
    client.__enter__()
    return ApiEnv(
        app,
        client,
        env.settings,
        env.keys,
        env.products,
        env.offers,
        env.orgs,
        env.users,
        env.retailers,
    )


def close_env(env: ApiEnv) -> None:
    env.client.__exit__(None, None, None)


def assert_problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM), response.headers
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["title"] and "type" in body and "instance" in body
    assert "Traceback" not in response.text
    return body


def assert_not_found_page(response: Any) -> None:
    """A web page's answer to an id no row can have: the not-found page (``ui.error_pages``)."""
    assert response.status_code == 404, response.text
    assert response.headers["content-type"].startswith("text/html"), response.headers
    assert "<html" in response.text and "Traceback" not in response.text


POLL_SECONDS = 0.15  # under the API key's 600 requests a minute, as a client should poll


def poll_run(env: ApiEnv, run_id: int, role: str = "retailer_own") -> Any:
    """``GET /api/v1/feeds/{id}`` as a polite client polls it: a 429 is waited out for its
    ``Retry-After`` (a run on a loaded machine can take minutes) and asked again."""
    while True:
        response = env.client.get(f"/api/v1/feeds/{run_id}", headers=env.headers(role))
        if response.status_code != 429:
            return response
        time.sleep(min(int(response.headers.get("Retry-After", "1")), 30))


def wait_for_run(env: ApiEnv, run_id: int, role: str = "retailer_own") -> dict[str, Any]:
    deadline = time.monotonic() + 120  # the run is a niced child process: slow on a busy machine
    while True:
        response = poll_run(env, run_id, role)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        assert 0.0 <= body["progress"] <= 1.0
        if body["status"] in ("succeeded", "rejected", "failed", "cancelled"):
            return body
        assert time.monotonic() < deadline, f"run {run_id} stuck in {body['status']}"
        time.sleep(POLL_SECONDS)


def feed_csv(rows: int = 3, bad_rows: int = 1) -> bytes:
    lines = ["Artikelnummer;Benämning;Pris inkl. moms;Lagerstatus;EAN"]
    for i in range(rows):
        lines.append(f"SKU-{i};Nitrilhandske storlek M {i};199,00 kr;I lager;")
    for i in range(bad_rows):
        lines.append(f"BAD-{i};Trasig rad {i};inte ett pris;I lager;")
    return ("\n".join(lines) + "\n").encode("utf-8")


def release_organisations(env: ApiEnv) -> None:
    """Undo the seed's organisations (members left without one), for a module that builds
    its own: an organisation's retailer is unique to it."""
    from sqlalchemy import delete, update

    from catalog.db import transaction
    from indexer.jobs import factory_for

    with transaction(factory_for(env.settings)) as s:
        s.execute(update(User).values(organisation_id=None, org_role=None))
        s.execute(delete(Organisation))


@contextmanager
def statements_run(env: ApiEnv) -> Iterator[list[str]]:
    """The SQL the app runs inside the block."""
    engine = env.app.state.session_factory.kw["bind"]
    statements: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


# sponsor organisation key -> (name, org number); role -> (organisation key, org role)
SPONSORS: dict[str, tuple[str, str]] = {
    "sponsor_a": ("Dentsply Sverige AB", "556030-3335"),
    "sponsor_b": ("Acme Dental Nordic AB", "556040-4448"),
}
SPONSOR_MEMBERS: dict[str, tuple[str, str]] = {
    "sponsor": ("sponsor_a", "representative"),  # manages sponsor A's programmes
    "sponsor_staff": ("sponsor_a", "staff"),  # a member of sponsor A who manages nothing
    "sponsor_other": ("sponsor_b", "representative"),  # manages sponsor B's programmes only
}


def add_sponsors(env: ApiEnv) -> None:
    """Two active sponsor organisations (``organisation.kind = 'sponsor'``) with the members
    of :data:`SPONSOR_MEMBERS` (platform role ``sponsor``) and an API key each, added to
    ``env`` (``env.orgs``, ``env.users``, ``env.keys``)."""
    with transaction(factory_for(env.settings)) as s:
        for key, (name, number) in SPONSORS.items():
            org = Organisation(
                kind="sponsor",
                name=name,
                org_number=number,
                city="Solna",
                status="active",
                terms_version="2026-01",
            )
            s.add(org)
            s.flush()
            env.orgs[key] = org.id
        hashed = hash_password(PASSWORD)
        for role, (key, org_role) in SPONSOR_MEMBERS.items():
            user = User(
                email=f"{role}@sponsor.example",
                name=role.replace("_", " ").title(),
                role="sponsor",
                organisation_id=env.orgs[key],
                org_role=org_role,
                password_hash=hashed,
            )
            s.add(user)
            s.flush()
            env.users[role] = user.id
            env.keys[role] = create_api_key(s, user, f"{role} key")[1]
