"""The retailer portal's quizzes (/portal/poang/quiz) and leaderboard
(/portal/poang/topplista): a participating seller takes a quiz and earns its points once,
the leaderboard marks my own place, in Swedish and English."""

from __future__ import annotations

from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from catalog.db import transaction
from catalog.models import User
from indexer.jobs import factory_for
from loyalty import programmes, quizzes
from loyalty.enums import MEMBER_TERMS_VERSION, PARTICIPANT_TERMS_VERSION
from loyalty.models import Entry
from marketplace.dates import utc_now
from tests.unit.ui.conftest import log_in
from tests.unit.ui.ui_support import EMAILS, UiEnv, csrf_from


def _user(s: object, role: str) -> User:
    found = s.scalar(select(User).where(User.email == EMAILS[role]))  # type: ignore[attr-defined]
    assert found is not None
    return found


@pytest.fixture(scope="module")
def quiz_id(env: UiEnv) -> int:
    now = utc_now()
    with transaction(factory_for(env.settings)) as s:
        rep, staff = _user(s, "retailer"), _user(s, "retailer_staff")
        programme = programmes.create_programme(
            s,
            None,
            name="Quizklubben",
            sponsor_name="Dentsply",
            points_per_krona=Decimal(1),
            point_value_ore=5,
            expiry_months=24,
            now=now,
        )
        programmes.accept_member_terms(s, rep, programme.id, MEMBER_TERMS_VERSION, now=now)
        programmes.invite(s, rep, programme.id, staff.id, now=now)
        programmes.accept_participant_terms(
            s, staff, programme.id, PARTICIPANT_TERMS_VERSION, now=now
        )
        return quizzes.create_quiz(
            s,
            _user(s, "admin"),
            programme.id,
            title="Handskar 101",
            questions=[
                {"text": "Nitril är?", "choices": ["Gummi", "Metall"], "correct": [0]},
                {"text": "Välj två", "choices": ["A", "B", "C"], "correct": [0, 2]},
            ],
            pass_mark=2,
            max_attempts=2,
            points=40,
            now=now,
        ).id


def test_a_seller_takes_a_quiz_and_is_paid_once(env: UiEnv, quiz_id: int) -> None:
    client = log_in(TestClient(env.app, follow_redirects=False), "retailer_staff")
    page = client.get("/portal/poang/quiz")
    assert page.status_code == 200
    assert "Handskar 101" in page.text and "Välj alla rätta svar." in page.text
    # an answer is asked for before sending (a blank send spends one of the attempts)
    assert 'type="radio" name="q0" value="0" required>' in page.text
    assert 'type="checkbox" name="q1" value="0">' in page.text  # "all that are right": any
    token = csrf_from(page.text)
    r = client.post(
        f"/portal/poang/quiz/{quiz_id}",
        data={"csrf_token": token, "q0": "0", "q1": ["0", "2"]},
    )
    assert r.status_code == 303 and "notice=quiz_passed" in r.headers["location"]
    again = client.get("/portal/poang/quiz")
    assert "Du har klarat testet." in again.text
    r = client.post(
        f"/portal/poang/quiz/{quiz_id}",
        data={"csrf_token": token, "q0": "0", "q1": ["0", "2"]},
    )
    assert r.status_code == 409
    with transaction(factory_for(env.settings)) as s:
        paid = s.scalars(select(Entry.points).where(Entry.kind == "quiz")).all()
        assert list(paid) == [40]

    board = client.get("/portal/poang/topplista", params={"period": "all"})
    assert board.status_code == 200 and "Quizklubben" in board.text
    assert 'aria-current="true"' in board.text and "(du)" in board.text
    # the stores' board names each store once: no "Butik" column repeating the name
    sellers_board, stores_board = board.text.split('-stores"', 1)
    assert sellers_board.count('<th scope="col">Butik</th>') == 1
    assert '<th scope="col">Butik</th>' not in stores_board.split("</table>", 1)[0]
    english = client.get("/portal/poang/topplista", params={"lang": "en"})
    assert "Leaderboard" in english.text and "Sellers" in english.text


def test_the_representative_sees_no_quiz_to_take(env: UiEnv, quiz_id: int) -> None:
    client = log_in(TestClient(env.app, follow_redirects=False), "retailer")
    page = client.get("/portal/poang/quiz")
    assert page.status_code == 200 and "Handskar 101" not in page.text
    r = client.post(
        f"/portal/poang/quiz/{quiz_id}",
        data={"csrf_token": csrf_from(page.text), "q0": "0", "q1": "0"},
    )
    assert r.status_code == 404
