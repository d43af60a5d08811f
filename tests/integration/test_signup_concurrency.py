"""Sign-ups, invitation acceptances and role changes at once, on PostgreSQL and on SQLite:
one address signing up several times at once makes one account, one invitation accepted
several times at once makes one member, and two managers demoting each other at once
leave one manager; identical invitations sent at once make one invitation and one e-mail."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import func, select

from api.auth import create_api_key
from catalog.models import Organisation, User
from indexer.jobs import factory_for
from marketplace import invitations
from marketplace.models import Invitation, OutgoingEmail
from marketplace.organisations import LastManager, add_member, change_role
from tests.integration.conftest import pg_schema
from tests.unit.api.test_api_support import ApiEnv, build_env, close_env

THREADS = 4


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def env(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ApiEnv]:
    tmp = tmp_path_factory.mktemp(f"signup_{request.param}")
    if request.param == "sqlite":
        built = build_env(tmp, signup_max_per_address=1000, signup_max_per_email=1000)
        yield built
        close_env(built)
        return
    with pg_schema() as url:
        built = build_env(
            tmp, database_url=url, signup_max_per_address=1000, signup_max_per_email=1000
        )
        yield built
        close_env(built)


def _at_once(calls: list[Callable[[], Any]]) -> list[Any]:
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = calls[i]()
        except Exception as exc:  # noqa: BLE001 - collected and asserted by the test
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def _signup(env: ApiEnv, number: str, email: str) -> Any:
    body = {
        "kind": "retailer",
        "organisation": {
            "name": "Samtidigt AB",
            "org_number": number,
            "street": "Gatan 1",
            "postal_code": "111 22",
            "city": "Stockholm",
        },
        "person": {"name": "Sam", "email": email, "password": "Parallella körningar 7"},
        "terms_accepted": True,
    }
    return env.client.post("/api/v1/signup", json=body)


def test_one_address_signing_up_at_once_makes_one_account(env: ApiEnv) -> None:
    results = _at_once([lambda: _signup(env, "556677-8899", "sam@samtidigt.se")] * THREADS)
    assert all(getattr(r, "status_code", None) in (202, 422) for r in results), results
    assert sum(r.status_code == 202 for r in results) >= 1
    with factory_for(env.settings)() as s:
        users = s.scalar(select(func.count(User.id)).where(User.email == "sam@samtidigt.se"))
        orgs = s.scalar(
            select(func.count(Organisation.id)).where(Organisation.org_number == "556677-8899")
        )
        assert (users, orgs) == (1, 1)


def _active_org_with_managers(env: ApiEnv, number: str) -> tuple[int, list[int]]:
    with factory_for(env.settings)() as s:
        org = Organisation(kind="clinic", name=number, org_number=number, status="active")
        s.add(org)
        s.flush()
        ids = []
        for i in range(2):
            user = User(
                email=f"m{i}-{number}@c.test", name=f"M{i}", role="clinic", password_hash="x"
            )
            s.add(user)
            s.flush()
            add_member(s, org, user, "manager", actor=None, channel="cli")
            ids.append(user.id)
        s.commit()
        return org.id, ids


def test_an_invitation_accepted_at_once_makes_one_member(env: ApiEnv) -> None:
    org_id, (manager_id, _) = _active_org_with_managers(env, "556123-4567")
    factory = factory_for(env.settings)
    with factory() as s:
        org, manager = s.get(Organisation, org_id), s.get(User, manager_id)
        assert org is not None and manager is not None
        _, token = invitations.invite(
            s, org, manager, "ny@c.test", "buyer", days=7, lang="sv", link_base="http://x"
        )
    body = {"token": token, "name": "Ny", "password": "Parallella körningar 7"}
    results = _at_once([lambda: env.client.post("/api/v1/invitations/accept", json=body)] * THREADS)
    codes = sorted(r.status_code for r in results)
    # the others are refused: the invitation is used (410) or its address now has the
    # account the first accept made (409 invitation-account-exists)
    assert codes.count(201) == 1 and set(codes) <= {201, 409, 410}, codes
    with factory() as s:
        assert s.scalar(select(func.count(User.id)).where(User.email == "ny@c.test")) == 1


def test_two_managers_demoting_each_other_at_once_leave_one(env: ApiEnv) -> None:
    org_id, (a, b) = _active_org_with_managers(env, "559876-5435")
    factory = factory_for(env.settings)

    def demote(actor_id: int, target_id: int) -> str:
        with factory() as s:
            org, actor = s.get(Organisation, org_id), s.get(User, actor_id)
            assert org is not None and actor is not None
            try:
                change_role(s, org, target_id, "buyer", actor=actor, channel="api")
                s.commit()
                return "demoted"
            except LastManager:
                s.rollback()
                return "refused"

    outcomes = _at_once([lambda: demote(a, b), lambda: demote(b, a)])
    assert sorted(outcomes) == ["demoted", "refused"], outcomes
    with factory() as s:
        roles = s.scalars(select(User.org_role).where(User.organisation_id == org_id)).all()
        assert sorted(roles) == ["buyer", "manager"]


def test_identical_invitations_at_once_make_one_invitation_and_one_mail(env: ApiEnv) -> None:
    """The same invitation sent THREADS times at once through the API: one invitation, one
    e-mail, and every request is answered with that invitation."""
    org_id, (manager_id, _) = _active_org_with_managers(env, "802456-7896")
    factory = factory_for(env.settings)
    with factory() as s:
        manager = s.get(User, manager_id)
        assert manager is not None
        _, key = create_api_key(s, manager, "invites")
        s.commit()
    headers = {"Authorization": f"Bearer {key}"}
    body = {"email": "Samma@C.test", "org_role": "buyer"}
    results = _at_once(
        [lambda: env.client.post("/api/v1/organisation/invitations", json=body, headers=headers)]
        * THREADS
    )
    assert [r.status_code for r in results] == [201] * THREADS, [r.text for r in results]
    assert len({r.json()["id"] for r in results}) == 1
    with factory() as s:
        made = select(func.count(Invitation.id)).where(Invitation.organisation_id == org_id)
        assert s.scalar(made) == 1
        mails = select(func.count(OutgoingEmail.id)).where(
            OutgoingEmail.template == "invitation", OutgoingEmail.to_address == "samma@c.test"
        )
        assert s.scalar(mails) == 1
