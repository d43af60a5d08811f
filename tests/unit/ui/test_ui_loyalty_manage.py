"""The loyalty management pages for a programme's manager: a sponsor's representative at
/sponsor/lojalitet (their programme only; another sponsor's is not found, the admin console
refused), an admin at /admin/lojalitet; the limits, held credits and (partial) clawbacks with
Swedish refusals, and the quiz and campaign editors."""

from __future__ import annotations

import itertools
from datetime import timedelta
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from api.auth import hash_password
from catalog.db import transaction
from catalog.models import Organisation, User
from indexer.jobs import factory_for
from loyalty import campaigns, programmes, quizzes
from loyalty.enums import MEMBER_TERMS_VERSION, AccountKind
from loyalty.ledger import ensure_account, transfer
from loyalty.limits import CAP_KINDS
from loyalty.models import Account, Campaign, Entry, HeldCredit, ProgrammeSettings, Quiz
from marketplace.dates import utc_now
from tests.unit.ui.conftest import log_in
from tests.unit.ui.ui_support import EMAILS, PASSWORD, UiEnv, csrf_from
from ui.i18n import translate

SPONSOR_USERS = {  # email -> (sponsor organisation, org role)
    "rep@sponsor-a.test": ("Sponsor A AB", "representative"),
    "staff@sponsor-a.test": ("Sponsor A AB", "staff"),
    "rep@sponsor-b.test": ("Sponsor B AB", "representative"),
}
_keys = itertools.count(1)


@pytest.fixture(scope="module")
def setup(env: UiEnv) -> dict[str, int]:
    """Sponsors A and B with their programmes; Nordisk Dentaldepå is a member of A's."""
    now = utc_now()
    with transaction(factory_for(env.settings)) as s:
        orgs: dict[str, int] = {}
        for i, name in enumerate(("Sponsor A AB", "Sponsor B AB")):
            org = Organisation(
                kind="sponsor", name=name, org_number=f"55605{i}-0000", status="active"
            )
            s.add(org)
            s.flush()
            orgs[name] = org.id
        hashed = hash_password(PASSWORD)
        for email, (org_name, org_role) in SPONSOR_USERS.items():
            s.add(
                User(
                    email=email,
                    name=email.split("@")[0].title(),
                    role="sponsor",
                    organisation_id=orgs[org_name],
                    org_role=org_role,
                    password_hash=hashed,
                )
            )
        a = programmes.create_programme(
            s,
            None,
            name="Klubb A",
            sponsor_name="",
            points_per_krona=Decimal(1),
            point_value_ore=5,
            expiry_months=24,
            now=now,
            sponsor_organisation_id=orgs["Sponsor A AB"],
        )
        b = programmes.create_programme(
            s,
            None,
            name="Klubb B",
            sponsor_name="",
            points_per_krona=Decimal(1),
            point_value_ore=5,
            expiry_months=24,
            now=now,
            sponsor_organisation_id=orgs["Sponsor B AB"],
        )
        rep = s.scalar(select(User).where(User.email == EMAILS["retailer"]))
        assert rep is not None
        membership = programmes.accept_member_terms(s, rep, a.id, MEMBER_TERMS_VERSION, now=now)
        member = ensure_account(s, a.id, AccountKind.MEMBER, membership_id=membership.id)
        return {"a": a.id, "b": b.id, "member_account": member.id}


def _credit(env: UiEnv, programme: int, account: int, points: int) -> int:
    with transaction(factory_for(env.settings)) as s:
        sponsor = ensure_account(s, programme, AccountKind.SPONSOR)
        entry, _ = transfer(
            s,
            programme_id=programme,
            source_id=sponsor.id,
            destination_id=account,
            points=points,
            kind="sale",
            reason="test sale",
            idempotency_key=f"ui-manage:{next(_keys)}",
            now=utc_now(),
        )
        return entry.id


def _sign_in(env: UiEnv, email: str) -> TestClient:
    client = TestClient(env.app, follow_redirects=False)
    page = client.get("/logga-in")
    r = client.post(
        "/logga-in",
        data={"email": email, "password": PASSWORD, "csrf_token": csrf_from(page.text)},
    )
    assert r.status_code == 303, r.text
    return client


def test_a_sponsor_lands_on_their_programmes_and_nowhere_else(
    env: UiEnv, setup: dict[str, int]
) -> None:
    client = TestClient(env.app, follow_redirects=False)
    form = client.get("/logga-in")
    landed = client.post(
        "/logga-in",
        data={
            "email": "rep@sponsor-a.test",
            "password": PASSWORD,
            "csrf_token": csrf_from(form.text),
        },
    )
    assert landed.headers["location"] == "/sponsor/lojalitet"
    page = client.get("/sponsor/lojalitet")
    assert page.status_code == 200
    assert 'href="/sponsor/lojalitet" aria-current="page"' in page.text  # the header's link
    assert client.get("/organisation/medlemmar").status_code == 200  # its own members
    assert "Klubb A" in page.text and "Klubb B" not in page.text
    assert f"/sponsor/lojalitet/{setup['a']}/granser" in page.text
    for path in (
        f"/sponsor/lojalitet/{setup['b']}/granser",
        f"/sponsor/lojalitet/{setup['b']}/butik",
    ):
        assert client.get(path).status_code == 404, path
    for path in ("/admin", "/admin/lojalitet", f"/admin/lojalitet/{setup['a']}/granser", "/konsol"):
        assert client.get(path).status_code in (303, 403), path
    assert client.get(f"/sponsor/lojalitet/{setup['a']}/butik").status_code == 200
    # the sponsor's staff manage nothing; a retailer never reaches the sponsor pages
    staff = _sign_in(env, "staff@sponsor-a.test")
    assert staff.get("/sponsor/lojalitet").status_code == 403
    retailer = log_in(TestClient(env.app, follow_redirects=False), "retailer")
    assert retailer.get(f"/sponsor/lojalitet/{setup['a']}/granser").status_code == 403


def test_limits_are_set_and_a_bad_cap_is_told_in_swedish(env: UiEnv, setup: dict[str, int]) -> None:
    client = _sign_in(env, "rep@sponsor-a.test")
    path = f"/sponsor/lojalitet/{setup['a']}/granser"
    token = csrf_from(client.get(path).text)
    bad = client.post(path, data={"csrf_token": token, "sale_day": "tio", "threshold": "500"})
    assert bad.status_code == 422
    assert "Taken ska vara heltal" in bad.text and 'value="tio"' in bad.text
    ok = client.post(
        path,
        data={"csrf_token": token, "sale_day": "1 000", "quiz_month": "300", "threshold": "500"},
    )
    assert ok.status_code == 303 and ok.headers["location"].endswith("notice=limits_saved")
    with factory_for(env.settings)() as s:
        row = s.get_one(ProgrammeSettings, setup["a"])
        assert row.caps == {"sale": {"day": 1000}, "quiz": {"month": 300}}
        assert row.approval_threshold == 500
    shown = client.get(path).text
    assert 'value="1000"' in shown and 'value="300"' in shown


def test_the_limits_page_names_every_activity_in_both_languages(
    env: UiEnv, setup: dict[str, int]
) -> None:
    """Each capped activity's fieldset is titled in words, never the message key."""
    client = _sign_in(env, "rep@sponsor-a.test")
    path = f"/sponsor/lojalitet/{setup['a']}/granser"
    swedish = client.get(path, params={"lang": "sv"}).text
    english = client.get(path, params={"lang": "en"}).text
    assert "manage.cap_kind" not in swedish and "manage.cap_kind" not in english
    for sv, en in (("Fotouppdrag", "Photo activities"), ("Värvning", "Recruiting")):
        assert f"<legend>{sv}</legend>" in swedish and f"<legend>{en}</legend>" in english
    for kind in CAP_KINDS:
        key = f"manage.cap_kind.{kind}"
        assert translate("sv", key) != key and translate("en", key) != key, kind
        assert f"<legend>{translate('sv', key)}</legend>" in swedish


def test_held_credits_are_approved_and_rejected_with_a_reason(
    env: UiEnv, setup: dict[str, int]
) -> None:
    now = utc_now()
    with transaction(factory_for(env.settings)) as s:
        held = [
            HeldCredit(
                programme_id=setup["a"],
                destination_account_id=setup["member_account"],
                points=900 + i,
                kind="sale",
                reason=f"order {i} delivered",
                idempotency_key=f"ui-held:{next(_keys)}",
                status="held",
                created_at=now,
            )
            for i in range(2)
        ]
        s.add_all(held)
        s.flush()
        first, second = held[0].id, held[1].id
    client = _sign_in(env, "rep@sponsor-a.test")
    page = client.get(f"/sponsor/lojalitet/{setup['a']}/granser")
    assert f'id="held-{first}"' in page.text
    assert "Nordisk Dentaldepå AB (organisation" in page.text  # whose account, never its key
    assert f"p{setup['a']}:member" not in page.text
    token = csrf_from(page.text)
    approved = client.post(
        f"/sponsor/lojalitet/tillgodo/{first}/godkann", data={"csrf_token": token}
    )
    assert approved.status_code == 303
    again = client.post(f"/sponsor/lojalitet/tillgodo/{first}/godkann", data={"csrf_token": token})
    assert again.status_code == 409 and "redan beslutad" in again.text
    no_reason = client.post(
        f"/sponsor/lojalitet/tillgodo/{second}/avsla", data={"csrf_token": token, "reason": " "}
    )
    assert no_reason.status_code == 422 and "Ange ett skäl" in no_reason.text
    rejected = client.post(
        f"/sponsor/lojalitet/tillgodo/{second}/avsla",
        data={"csrf_token": token, "reason": "Samma order två gånger"},
    )
    assert rejected.status_code == 303
    with factory_for(env.settings)() as s:
        assert s.get_one(HeldCredit, first).status == "approved"
        assert s.get_one(HeldCredit, first).entry_id is not None
        assert s.get_one(HeldCredit, second).status == "rejected"
    # sponsor B never decides A's credits: not found
    other = _sign_in(env, "rep@sponsor-b.test")
    token_b = csrf_from(other.get("/sponsor/lojalitet").text)
    r = other.post(f"/sponsor/lojalitet/tillgodo/{second}/godkann", data={"csrf_token": token_b})
    assert r.status_code == 404


def test_a_partial_clawback_and_the_refusals_in_swedish(env: UiEnv, setup: dict[str, int]) -> None:
    entry = _credit(env, setup["a"], setup["member_account"], 100)
    client = _sign_in(env, "rep@sponsor-a.test")
    path = f"/sponsor/lojalitet/{setup['a']}/granser"
    page = client.get(path)
    assert f'id="credit-{entry}" data-left="100"' in page.text
    token = csrf_from(page.text)
    url = f"/sponsor/lojalitet/poster/{entry}/aterkrav"
    part = client.post(url, data={"csrf_token": token, "points": "30", "reason": "Fel pris"})
    assert part.status_code == 303
    assert f'id="credit-{entry}" data-left="70"' in client.get(path).text
    too_much = client.post(url, data={"csrf_token": token, "points": "71", "reason": "Mer"})
    assert too_much.status_code == 409
    assert "högst 70 poäng av den här krediteringen, inte 71" in too_much.text
    no_reason = client.post(url, data={"csrf_token": token, "points": "5", "reason": ""})
    assert no_reason.status_code == 422 and "Ange ett skäl" in no_reason.text
    not_a_number = client.post(url, data={"csrf_token": token, "points": "tio", "reason": "x"})
    assert not_a_number.status_code == 422 and "Ange poäng som ett heltal" in not_a_number.text
    # the account spent most of its points: a clawback never takes it below zero
    with transaction(factory_for(env.settings)) as s:
        shop = ensure_account(s, setup["a"], AccountKind.SHOP)
        held = s.get_one(Account, setup["member_account"]).balance
        transfer(
            s,
            programme_id=setup["a"],
            source_id=setup["member_account"],
            destination_id=shop.id,
            points=held - 10,
            kind="redemption",
            reason="spent",
            idempotency_key=f"ui-spend:{next(_keys)}",
            now=utc_now(),
        )
    short = client.post(url, data={"csrf_token": token, "points": "20", "reason": "Fusk"})
    assert short.status_code == 409
    assert "Kontot har bara 10 poäng kvar, inte 20" in short.text
    assert f"p{setup['a']}:member" not in short.text
    rest = client.post(url, data={"csrf_token": token, "points": "10", "reason": "Fusk"})
    assert rest.status_code == 303
    with factory_for(env.settings)() as s:
        assert s.get_one(Account, setup["member_account"]).balance == 0
        back = s.scalars(select(Entry.points).where(Entry.reverses_entry_id == entry)).all()
        assert sorted(back) == [10, 30]
    # an admin reaches the same page at the admin path
    admin = log_in(TestClient(env.app, follow_redirects=False), "admin")
    assert admin.get(f"/admin/lojalitet/{setup['a']}/granser").status_code == 200


def test_a_quiz_is_edited_freely_before_attempts_and_only_reworded_after(
    env: UiEnv, setup: dict[str, int]
) -> None:
    questions = [{"text": "Nitril är?", "choices": ["Gummi", "Metall"], "correct": [0]}]
    with transaction(factory_for(env.settings)) as s:
        admin = s.scalar(select(User).where(User.email == EMAILS["admin"]))
        quiz = quizzes.create_quiz(
            s,
            admin,
            setup["a"],
            title="Handskar 101",
            questions=questions,
            pass_mark=1,
            max_attempts=2,
            points=50,
            now=utc_now(),
        ).id
    client = _sign_in(env, "rep@sponsor-a.test")
    page = client.get(f"/sponsor/lojalitet/quiz/{quiz}")
    assert page.status_code == 200 and 'id="quiz-open"' in page.text
    token = csrf_from(page.text)
    form = {
        "csrf_token": token,
        "title": "Handskar 102",
        "questions": "Nitril är?\n*Syntetgummi\nMetall",
        "pass_mark": "1",
        "max_attempts": "3",
        "points": "80",
        "active": "1",
    }
    r = client.post(f"/sponsor/lojalitet/quiz/{quiz}", data=form)
    assert r.status_code == 303
    with transaction(factory_for(env.settings)) as s:
        saved = s.get_one(Quiz, quiz)
        assert (saved.title, saved.points, saved.max_attempts) == ("Handskar 102", 80, 3)
        from loyalty.models import QuizAttempt

        # someone took it (a participant of the member organisation)
        rep = s.scalar(select(User).where(User.email == EMAILS["retailer"]))
        seller = s.scalar(select(User).where(User.email == EMAILS["retailer_staff"]))
        assert rep is not None and seller is not None
        participant, _ = programmes.invite(s, rep, setup["a"], seller.id, now=utc_now())
        s.add(
            QuizAttempt(
                quiz_id=quiz,
                participant_id=participant.id,
                number=1,
                answers=[[1]],
                score=0,
                passed=False,
                created_at=utc_now(),
            )
        )
    page = client.get(f"/sponsor/lojalitet/quiz/{quiz}")
    assert 'id="quiz-locked" data-attempts="1"' in page.text
    more_points = client.post(f"/sponsor/lojalitet/quiz/{quiz}", data=form | {"points": "100"})
    assert more_points.status_code == 409
    assert "bara rubriken och frågornas formulering" in more_points.text
    reworded = form | {"title": "Handskar 103", "questions": "Vad är nitril?\n*Syntetgummi\nMetall"}
    assert client.post(f"/sponsor/lojalitet/quiz/{quiz}", data=reworded).status_code == 303
    with factory_for(env.settings)() as s:
        saved = s.get_one(Quiz, quiz)
        assert saved.title == "Handskar 103" and saved.points == 80
        assert saved.questions[0]["text"] == "Vad är nitril?"
    other = _sign_in(env, "rep@sponsor-b.test")
    assert other.get(f"/sponsor/lojalitet/quiz/{quiz}").status_code == 404


def test_a_running_campaign_keeps_what_paid_points(env: UiEnv, setup: dict[str, int]) -> None:
    now = utc_now()
    with transaction(factory_for(env.settings)) as s:
        admin = s.scalar(select(User).where(User.email == EMAILS["admin"]))
        running = campaigns.create_campaign(
            s,
            admin,
            setup["a"],
            name="Handskveckan",
            multiplier="2",
            target_kind="category",
            target_value="Handskar",
            starts_at=now - timedelta(days=2),
            ends_at=now + timedelta(days=5),
            now=now,
        ).id
    client = _sign_in(env, "rep@sponsor-a.test")
    page = client.get(f"/sponsor/lojalitet/kampanj/{running}")
    assert page.status_code == 200 and 'data-state="running"' in page.text
    token = csrf_from(page.text)
    starts = (now - timedelta(days=2)).astimezone().date()
    shown = {
        "csrf_token": token,
        "name": "Handskveckan XL",
        "multiplier": "2",
        "target_kind": "category",
        "target_value": "Handskar",
        "starts": page.text.split('name="starts" required value="')[1].split('"')[0],
        "ends": page.text.split('name="ends" required value="')[1].split('"')[0],
    }
    assert starts.isoformat()[:4] in shown["starts"]
    triple = client.post(f"/sponsor/lojalitet/kampanj/{running}", data=shown | {"multiplier": "3"})
    assert triple.status_code == 409 and "Kampanjen har börjat" in triple.text
    renamed = client.post(f"/sponsor/lojalitet/kampanj/{running}", data=shown)
    assert renamed.status_code == 303
    with factory_for(env.settings)() as s:
        saved = s.get_one(Campaign, running)
        assert saved.name == "Handskveckan XL" and saved.multiplier == Decimal(2)


def test_a_sponsor_fulfils_a_redemption_of_its_programme(env: UiEnv, setup: dict[str, int]) -> None:
    from loyalty import redemptions, shop
    from loyalty.models import Redemption

    _credit(env, setup["a"], setup["member_account"], 500)
    with transaction(factory_for(env.settings)) as s:
        rep_a = s.scalar(select(User).where(User.email == "rep@sponsor-a.test"))
        reward = shop.create_reward(
            s,
            rep_a,
            setup["a"],
            shop.RewardInput("Presentkort 100 kr", "", None, "Presentkort", 200, 3, True),
            now=utc_now(),
        )
        retailer = s.scalar(select(User).where(User.email == EMAILS["retailer"]))
        shop.set_basket_quantity(s, retailer, reward.id, 1, now=utc_now())
        order, _ = redemptions.redeem(
            s,
            retailer,
            setup["a"],
            request_key="ui-manage-order",
            delivery=redemptions.Delivery("Nordisk", "Gatan 1", "11122", "Stockholm"),
            now=utc_now(),
        )
        order_id = order.id
    other = _sign_in(env, "rep@sponsor-b.test")
    token_b = csrf_from(other.get("/sponsor/lojalitet").text)
    refused = other.post(
        f"/sponsor/lojalitet/uttag/{order_id}/levererad", data={"csrf_token": token_b}
    )
    assert refused.status_code == 404
    client = _sign_in(env, "rep@sponsor-a.test")
    page = client.get(f"/sponsor/lojalitet/{setup['a']}/butik")
    assert "Presentkort 100 kr" in page.text
    done = client.post(
        f"/sponsor/lojalitet/uttag/{order_id}/levererad", data={"csrf_token": csrf_from(page.text)}
    )
    assert done.status_code == 303
    assert done.headers["location"].startswith(f"/sponsor/lojalitet/{setup['a']}/butik")
    with factory_for(env.settings)() as s:
        assert s.get_one(Redemption, order_id).status == "fulfilled"


def _pending_photo(env: UiEnv, programme: int) -> int:
    """A pending photo of Nordisk's staff (taking part in ``programme`` from now on) for a
    fresh activity the programme's sponsor posted."""
    import io

    from loyalty import photos
    from loyalty.enums import PARTICIPANT_TERMS_VERSION
    from loyalty.programmes import active_participant, own_membership
    from tests.unit.loyalty.photo_support import jpeg_with_gps, picture

    now = utc_now()
    with transaction(factory_for(env.settings)) as s:
        rep = s.scalar(select(User).where(User.email == EMAILS["retailer"]))
        staff = s.scalar(select(User).where(User.email == EMAILS["retailer_staff"]))
        sponsor = s.scalar(select(User).where(User.email == "rep@sponsor-a.test"))
        assert rep is not None and staff is not None and sponsor is not None
        membership = own_membership(s, rep, programme)
        if active_participant(s, membership.id, staff.id) is None:
            programmes.invite(s, rep, programme, staff.id, now=now)
            programmes.accept_participant_terms(
                s, staff, programme, PARTICIPANT_TERMS_VERSION, now=now
            )
        activity = photos.create_activity(
            s,
            sponsor,
            programme,
            title=f"Monter {next(_keys)}",
            description="",
            points=5,
            starts_at=now - timedelta(days=1),
            ends_at=now + timedelta(days=1),
            now=now,
        )
        return photos.submit_photo(
            s,
            staff,
            activity.id,
            io.BytesIO(jpeg_with_gps(picture(activity.id % 50))),
            folder=env.settings.loyalty_photo_dir,
            bounds=photos.PhotoLimits(10**7, 10**8, 0),
            now=now,
        ).id


def test_a_sponsor_approves_a_photo_of_its_programme_only(
    env: UiEnv, setup: dict[str, int]
) -> None:
    photo = _pending_photo(env, setup["a"])
    rep = _sign_in(env, "rep@sponsor-a.test")
    queue = rep.get(f"/sponsor/lojalitet/{setup['a']}/foto")
    assert queue.status_code == 200
    assert f'action="/sponsor/lojalitet/foto/{photo}/godkann"' in queue.text
    assert f'href="/sponsor/lojalitet/{setup["a"]}/rapporter"' in queue.text  # the nav
    assert rep.get(f"/sponsor/lojalitet/foto/{photo}/bild").status_code == 200
    # sponsor B is told the photo, its queue and its image bank do not exist
    other = _sign_in(env, "rep@sponsor-b.test")
    token = csrf_from(other.get("/sponsor/lojalitet").text)
    refused = other.post(f"/sponsor/lojalitet/foto/{photo}/godkann", data={"csrf_token": token})
    assert refused.status_code == 404
    for path in (
        f"/sponsor/lojalitet/{setup['a']}/foto",
        f"/sponsor/lojalitet/{setup['a']}/bildbank",
        f"/sponsor/lojalitet/foto/{photo}/bild",
    ):
        assert other.get(path).status_code == 404, path
    token = csrf_from(queue.text)
    done = rep.post(f"/sponsor/lojalitet/foto/{photo}/godkann", data={"csrf_token": token})
    assert done.status_code == 303
    assert done.headers["location"].startswith(f"/sponsor/lojalitet/{setup['a']}/foto")
    bank = rep.get(f"/sponsor/lojalitet/{setup['a']}/bildbank")
    assert f"/sponsor/lojalitet/foto/{photo}/bild?download=1" in bank.text
    with transaction(factory_for(env.settings)) as s:
        from loyalty.models import PhotoSubmission

        decided = s.get_one(PhotoSubmission, photo)
        assert decided.status == "approved" and decided.credit_outcome == "paid"


def test_a_sponsor_sees_its_report_and_not_another(env: UiEnv, setup: dict[str, int]) -> None:
    rep = _sign_in(env, "rep@sponsor-a.test")
    page = rep.get(f"/sponsor/lojalitet/{setup['a']}/rapporter")
    assert page.status_code == 200
    assert "Klubb A" in page.text and "Klubb B" not in page.text
    assert f'href="/sponsor/lojalitet/{setup["a"]}/rapporter/months.csv' in page.text
    assert "/admin/lojalitet" not in page.text
    csv = rep.get(f"/sponsor/lojalitet/{setup['a']}/rapporter/months.csv")
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert rep.get(f"/sponsor/lojalitet/{setup['b']}/rapporter").status_code == 404
    assert rep.get(f"/admin/lojalitet/{setup['a']}/rapporter").status_code == 403
    staff = _sign_in(env, "staff@sponsor-a.test")
    assert staff.get(f"/sponsor/lojalitet/{setup['a']}/rapporter").status_code == 403
    # the engagement page links photos and reports for the sponsor too
    engage = rep.get("/sponsor/lojalitet", params={"programme": setup["a"]}).text
    assert f'href="/sponsor/lojalitet/{setup["a"]}/foto"' in engage


def test_a_sponsor_handles_its_suggestions_surveys_and_contests_pages(
    env: UiEnv, setup: dict[str, int]
) -> None:
    rep = _sign_in(env, "rep@sponsor-a.test")
    for path in ("forslag", "enkater", "tavlingar"):
        page = rep.get(f"/sponsor/lojalitet/{path}")
        assert page.status_code == 200, path
        assert "Klubb A" in page.text and "Klubb B" not in page.text, path
        assert "/admin/lojalitet" not in page.text, path
        # asking for another sponsor's programme shows one's own
        other = rep.get(f"/sponsor/lojalitet/{path}", params={"programme": setup["b"]})
        assert "Klubb B" not in other.text, path
    token = csrf_from(rep.get("/sponsor/lojalitet/enkater").text)
    created = rep.post(
        f"/sponsor/lojalitet/{setup['a']}/enkater",
        data={
            "title": "Nöjd?",
            "questions": "[skala] Hur nöjd?",
            "points": "0",
            "csrf_token": token,
        },
    )
    assert created.status_code == 303, created.text
    assert created.headers["location"].startswith("/sponsor/lojalitet/enkater")
    refused = rep.post(
        f"/sponsor/lojalitet/{setup['b']}/enkater",
        data={
            "title": "Nöjd?",
            "questions": "[skala] Hur nöjd?",
            "points": "0",
            "csrf_token": token,
        },
    )
    assert refused.status_code == 404


def _programme_form(client: TestClient, base: str, **fields: str) -> dict[str, str]:
    page = client.get(base)
    assert page.status_code == 200 and f'action="{base}/program"' in page.text
    return {
        "csrf_token": csrf_from(page.text),
        "sponsor_name": "",
        "points_per_krona": "1",
        "point_value_ore": "10",
        "expiry_months": "24",
        **fields,
    }


def test_an_admin_hands_a_new_programme_to_a_sponsor_organisation(
    env: UiEnv, setup: dict[str, int]
) -> None:
    from catalog.models import Organisation
    from loyalty.models import Programme

    client = log_in(TestClient(env.app, follow_redirects=False), "admin")
    with factory_for(env.settings)() as s:
        a = s.scalars(select(Organisation).where(Organisation.name == "Sponsor A AB")).one()
    page = client.get("/admin/lojalitet")
    assert (
        f'<option value="{a.id}"' in page.text and "Valbar (för en namngiven sponsor)" in page.text
    )
    form = _programme_form(
        client, "/admin/lojalitet", programme_name="Överlämnad", sponsor_organisation_id=str(a.id)
    )
    r = client.post("/admin/lojalitet/program", data=form)
    assert r.status_code == 303, r.text
    with factory_for(env.settings)() as s:
        made = s.scalars(select(Programme).where(Programme.name == "Överlämnad")).one()
        assert (made.sponsor_organisation_id, made.sponsor_name) == (a.id, "Sponsor A AB")
    sponsor = _sign_in(env, "rep@sponsor-a.test")
    assert "Överlämnad" in sponsor.get("/sponsor/lojalitet").text  # theirs to manage
    bad = client.post(
        "/admin/lojalitet/program",
        data={**form, "programme_name": "Felvald", "sponsor_organisation_id": "abc"},
    )
    assert bad.status_code == 422 and "Välj en aktiv sponsororganisation" in bad.text


def test_a_sponsor_starts_a_programme_of_its_own(env: UiEnv, setup: dict[str, int]) -> None:
    from loyalty.models import Programme

    client = _sign_in(env, "rep@sponsor-b.test")
    page = client.get("/sponsor/lojalitet")
    assert 'name="sponsor_organisation_id"' not in page.text  # no choice: its own
    form = _programme_form(
        client, "/sponsor/lojalitet", programme_name="B:s höstklubb", sponsor_organisation_id="1"
    )
    r = client.post("/sponsor/lojalitet/program", data=form)
    assert r.status_code == 303 and r.headers["location"].startswith("/sponsor/lojalitet?")
    with factory_for(env.settings)() as s:
        made = s.scalars(select(Programme).where(Programme.name == "B:s höstklubb")).one()
        assert made.sponsor_name == "Sponsor B AB"
        b_org = s.get_one(Programme, setup["b"]).sponsor_organisation_id
        assert made.sponsor_organisation_id == b_org
    staff = _sign_in(env, "staff@sponsor-a.test")  # a sponsor's member, not its representative
    token = csrf_from(staff.get("/sponsor/lojalitet").text)
    refused = staff.post(
        "/sponsor/lojalitet/program", data={**form, "csrf_token": token, "programme_name": "Nej"}
    )
    assert refused.status_code == 403
    with factory_for(env.settings)() as s:
        assert s.scalar(select(Programme).where(Programme.name == "Nej")) is None
