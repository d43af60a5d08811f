"""Pages x roles, and the actions on things of one organisation x roles (the UI side of the
endpoint x role matrix in tests/unit/api/test_api_roles.py).

The roles (tests/unit/ui/ui_support.py ``ORGANISATIONS``): clinic organisation A's manager
and buyer, clinic organisation B's manager, Nordisk Dentaldepå's representative and staff
(retailer organisation A), Smilo's representative (retailer organisation B), the platform's
merchandiser and admin, and an anonymous visitor. A page or action naming an order, an RMA,
a cart item, a feed run or a review of organisation A answers members of organisation B as
the API does: "not found" where the thing is not theirs to see, "forbidden" otherwise.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from catalog.db import transaction
from catalog.models import FeedRun, Offer, User
from indexer.jobs import factory_for
from marketplace.cart import add_item
from marketplace.dates import local_date, utc_now
from marketplace.models import CartItem, Order, OrderLine, Review, Rma
from tests.unit.ui.conftest import log_in
from tests.unit.ui.ui_support import EMAILS, UiEnv, csrf_from

CLINIC_A = {"clinic", "clinic_buyer"}
CLINICS = CLINIC_A | {"clinic_other"}
RETAILER_A = {"retailer", "retailer_staff"}  # Nordisk Dentaldepå's organisation
RETAILERS = RETAILER_A | {"retailer2"}
LOGGED_IN = CLINICS | RETAILERS | {"merchandiser", "admin"}
PUBLIC = LOGGED_IN | {None}
ROLES: list[str | None] = [
    None,
    "clinic",
    "clinic_buyer",
    "clinic_other",
    "retailer",
    "retailer_staff",
    "retailer2",
    "merchandiser",
    "admin",
]
NORDISK = "nordisk-dentaldepa"


@pytest.fixture(scope="module")
def browsers(env: UiEnv) -> Iterator[dict[str | None, TestClient]]:
    """One signed-in browser per role for the module (a sign-in costs a password hash)."""
    found: dict[str | None, TestClient] = {}
    for role in ROLES:
        client = TestClient(env.app, follow_redirects=False)
        found[role] = client if role is None else log_in(client, role)
    yield found


# ---------------------------------------------------------------- things of organisation A


def _user_id(env: UiEnv, role: str) -> int:
    with factory_for(env.settings)() as s:
        return s.scalars(select(User.id).where(User.email == EMAILS[role])).one()


def _order(env: UiEnv, status: str = "placed") -> tuple[int, int]:
    """An order clinic A's manager placed at Nordisk Dentaldepå: (order id, line id)."""
    now = utc_now()
    with transaction(factory_for(env.settings)) as s:
        offer = s.scalars(select(Offer).where(Offer.retailer_id == env.retailers[NORDISK])).first()
        assert offer is not None and offer.price is not None
        order = Order(
            checkout_ref=uuid.uuid4().hex,
            retailer_id=env.retailers[NORDISK],
            clinic_user_id=_user_id(env, "clinic"),
            buyer_name="Anna Lind",
            clinic_name="Folktandvården",
            status=status,
            total=offer.price,
            placed_at=now,
        )
        if status in ("confirmed", "shipped", "delivered"):
            order.confirmed_at = now
            order.promised_delivery_date = local_date(now) + timedelta(days=3)
        if status in ("shipped", "delivered"):
            order.shipped_at = now
        if status == "delivered":
            order.delivered_at, order.delivered_by = now, "clinic"
        line = OrderLine(
            offer_id=offer.id,
            product_id=offer.product_id,
            sku=offer.sku,
            name=offer.raw_name,
            unit_price=Decimal(offer.price),
            quantity=1,
            stock_status_at_checkout=offer.stock_status,
        )
        order.lines.append(line)
        s.add(order)
        s.flush()
        return order.id, line.id


def _rma(env: UiEnv) -> int:
    _order_id, line_id = _order(env, "delivered")
    with transaction(factory_for(env.settings)) as s:
        case = Rma(
            order_line_id=line_id,
            retailer_id=env.retailers[NORDISK],
            requested_by=_user_id(env, "clinic"),
            reason="Trasig förpackning",
        )
        s.add(case)
        s.flush()
        return case.id


def _held_review(env: UiEnv) -> int:
    with transaction(factory_for(env.settings)) as s:
        review = Review(
            author_id=None,
            target_type="retailer",
            target_id=env.retailers[NORDISK],
            retailer_id=env.retailers[NORDISK],
            rating=1,
            text="Sen leverans",
            status="held",
            response_due_at=utc_now() + timedelta(days=7),
        )
        s.add(review)
        s.flush()
        return review.id


def _cart_item(env: UiEnv) -> int:
    with transaction(factory_for(env.settings)) as s:
        owner = s.get(User, _user_id(env, "clinic"))
        offer = s.scalars(select(Offer).where(Offer.retailer_id == env.retailers[NORDISK])).first()
        assert offer is not None
        item = add_item(s, owner, offer.id, 1, now=utc_now())
        s.flush()
        return item.id


def _run_id(env: UiEnv) -> int:
    with factory_for(env.settings)() as s:
        return (
            s.scalars(
                select(FeedRun.id).where(FeedRun.retailer_id == env.retailers[NORDISK])
            ).first()
            or 0
        )


SHOP_PROGRAMME = "Matrisbutiken"


def _shop(env: UiEnv) -> tuple[int, int]:
    """(programme, reward): a programme Nordisk's organisation is a member of (its staff
    taking part), a reward with ample stock, and 100 more points on the organisation's
    account (on every call)."""
    from loyalty import programmes
    from loyalty.enums import (
        MEMBER_TERMS_VERSION,
        PARTICIPANT_TERMS_VERSION,
        AccountKind,
        EntryKind,
    )
    from loyalty.ledger import ensure_account, transfer
    from loyalty.models import Programme, Reward

    now = utc_now()
    with transaction(factory_for(env.settings)) as s:
        programme = s.scalar(select(Programme).where(Programme.name == SHOP_PROGRAMME))
        if programme is None:
            programme = programmes.create_programme(
                s,
                None,
                name=SHOP_PROGRAMME,
                sponsor_name="Dentsply",
                points_per_krona=Decimal(1),
                point_value_ore=5,
                expiry_months=24,
                now=now,
            )
            s.add(
                Reward(
                    programme_id=programme.id,
                    name="Matriskort",
                    description="",
                    category="Presentkort",
                    price_points=10,
                    stock=1_000_000,
                    active=True,
                    created_at=now,
                    updated_at=now,
                )
            )
        rep = s.get(User, _user_id(env, "retailer"))
        staff = s.get(User, _user_id(env, "retailer_staff"))
        assert rep is not None and staff is not None
        membership = programmes.accept_member_terms(
            s, rep, programme.id, MEMBER_TERMS_VERSION, now=now
        )
        programmes.invite(s, rep, programme.id, staff.id, now=now)
        programmes.accept_participant_terms(
            s, staff, programme.id, PARTICIPANT_TERMS_VERSION, now=now
        )
        transfer(
            s,
            programme_id=programme.id,
            source_id=ensure_account(s, programme.id, AccountKind.SPONSOR).id,
            destination_id=ensure_account(
                s, programme.id, AccountKind.MEMBER, membership_id=membership.id
            ).id,
            points=100,
            kind=EntryKind.ADJUSTMENT.value,
            reason="matrix",
            idempotency_key=f"ui-matrix:{uuid.uuid4().hex}",
            now=now,
        )
        reward = s.scalar(
            select(Reward.id).where(
                Reward.programme_id == programme.id, Reward.name == "Matriskort"
            )
        )
        assert reward is not None
        return programme.id, reward


def _engagement(env: UiEnv) -> tuple[int, int, int]:
    """(programme, quiz, campaign) of the shop programme, made once."""
    from loyalty import campaigns, quizzes
    from loyalty.models import Campaign, Quiz

    programme, _reward = _shop(env)
    now = utc_now()
    with transaction(factory_for(env.settings)) as s:
        quiz = s.scalar(select(Quiz.id).where(Quiz.programme_id == programme))
        campaign = s.scalar(select(Campaign.id).where(Campaign.programme_id == programme))
        admin = s.get_one(User, _user_id(env, "admin"))
        if quiz is None:
            quiz = quizzes.create_quiz(
                s,
                admin,
                programme,
                title="Matrisquiz",
                questions=[{"text": "Nitril?", "choices": ["Ja", "Nej"], "correct": [0]}],
                pass_mark=1,
                max_attempts=1,
                points=5,
                now=now,
            ).id
        if campaign is None:
            campaign = campaigns.create_campaign(
                s,
                admin,
                programme,
                name="Matriskampanj",
                multiplier="2",
                target_kind="brand",
                target_value="Acme",
                starts_at=now + timedelta(days=1),
                ends_at=now + timedelta(days=2),
                now=now,
            ).id
        return programme, quiz, campaign


def _shop_credit(env: UiEnv) -> int:
    """A fresh 10-point sale credit to Nordisk's organisation in the shop programme."""
    from loyalty.enums import AccountKind
    from loyalty.ledger import ensure_account, transfer
    from loyalty.models import Membership

    programme, _reward = _shop(env)
    with transaction(factory_for(env.settings)) as s:
        membership = s.scalars(select(Membership).where(Membership.programme_id == programme))
        member = ensure_account(
            s, programme, AccountKind.MEMBER, membership_id=next(iter(membership)).id
        )
        sponsor = ensure_account(s, programme, AccountKind.SPONSOR)
        entry, _ = transfer(
            s,
            programme_id=programme,
            source_id=sponsor.id,
            destination_id=member.id,
            points=10,
            kind="sale",
            reason="matris",
            idempotency_key=f"matrix-credit:{uuid.uuid4().hex}",
            now=utc_now(),
        )
        return entry.id


def _open_programme(env: UiEnv) -> int:
    """A fresh active programme no organisation is a member of yet."""
    from loyalty import programmes

    with transaction(factory_for(env.settings)) as s:
        return programmes.create_programme(
            s,
            None,
            name=f"Öppet program {uuid.uuid4().hex[:8]}",
            sponsor_name="Dentsply",
            points_per_krona=Decimal(1),
            point_value_ore=5,
            expiry_months=24,
            now=utc_now(),
        ).id


def _shop_redemption(env: UiEnv) -> int:
    """A placed redemption of Nordisk's representative."""
    from loyalty import redemptions, shop

    programme, reward = _shop(env)
    with transaction(factory_for(env.settings)) as s:
        rep = s.get(User, _user_id(env, "retailer"))
        shop.set_basket_quantity(s, rep, reward, 1, now=utc_now())
        order, _ = redemptions.redeem(
            s,
            rep,
            programme,
            request_key=uuid.uuid4().hex,
            delivery=redemptions.Delivery("Rut", "Gatan 1", "111 22", "Stockholm"),
            now=utc_now(),
        )
        return order.id


def _shop_checkout(env: UiEnv) -> tuple[str, dict[str, str]]:
    """Checkout with the reward in the representative's basket (the entity redeems)."""
    from loyalty import shop

    programme, reward = _shop(env)
    with transaction(factory_for(env.settings)) as s:
        shop.set_basket_quantity(
            s, s.get(User, _user_id(env, "retailer")), reward, 1, now=utc_now()
        )
    form = {
        "request_key": uuid.uuid4().hex,
        "delivery_name": "Rut",
        "delivery_address": "Gatan 1",
        "delivery_postcode": "111 22",
        "delivery_city": "Stockholm",
    }
    return f"/portal/poang/{programme}/butik/uttag", form


def _reward_form() -> dict[str, str]:
    return {
        "name": f"Belöning {uuid.uuid4().hex[:8]}",
        "category": "Presentkort",
        "price_points": "500",
        "stock": "3",
        "active": "true",
    }


Path = Callable[[UiEnv], str]


def _fixed(path: str) -> Path:
    return lambda _env: path


def _ui_admin(s: object) -> User:
    admin = s.scalar(select(User).where(User.email == EMAILS["admin"]))  # type: ignore[attr-defined]
    assert admin is not None
    return admin


def _reward_picture(env: UiEnv) -> int:
    """A reward of the shop's programme with an uploaded picture: its id."""
    import io

    from loyalty import reward_pictures, shop
    from loyalty.photos import PhotoLimits
    from tests.unit.loyalty.photo_support import jpeg_with_gps

    programme, _reward = _shop(env)
    with transaction(factory_for(env.settings)) as s:
        reward = shop.create_reward(
            s,
            _ui_admin(s),
            programme,
            shop.RewardInput(f"Bildbelöning {uuid.uuid4().hex[:8]}", "", None, "Kort", 10, 5),
            now=utc_now(),
        )
        reward_pictures.set_picture(
            s,
            _ui_admin(s),
            reward.id,
            io.BytesIO(jpeg_with_gps()),
            photo_dir=env.settings.loyalty_photo_dir,
            bounds=PhotoLimits(10**7, 10**8, 0),
            now=utc_now(),
        )
        return reward.id


def _ui_suggestion(env: UiEnv) -> int:
    """A fresh suggestion of Nordisk's staff (the earlier waiting ones set aside: at most
    20 wait at a time)."""
    from sqlalchemy import update

    from loyalty import suggestions
    from loyalty.engagement_models import Suggestion

    programme = _ui_programme(env)
    with transaction(factory_for(env.settings)) as s:
        s.execute(
            update(Suggestion).where(Suggestion.status == "submitted").values(status="declined")
        )
        staff = s.scalar(select(User).where(User.email == EMAILS["retailer_staff"]))
        return suggestions.submit(
            s, staff, programme, title=f"Idé {uuid.uuid4().hex[:6]}", text="Mer", now=utc_now()
        ).id


def _ui_survey(env: UiEnv, *, open_it: bool) -> int:
    from loyalty import surveys

    programme = _ui_programme(env)
    with transaction(factory_for(env.settings)) as s:
        admin = _ui_admin(s)
        survey = surveys.create_survey(
            s,
            admin,
            programme,
            title="Enkät",
            questions=[{"kind": "scale", "text": "Nöjd?"}],
            points=5,
            now=utc_now(),
        )
        if open_it:
            surveys.set_status(s, admin, survey.id, to="open", now=utc_now())
        return survey.id


def _ui_contest(env: UiEnv) -> int:
    """A contest that has just ended (still open)."""
    from loyalty import contests

    programme = _ui_programme(env)
    now = utc_now()
    with transaction(factory_for(env.settings)) as s:
        contest = contests.create_contest(
            s,
            _ui_admin(s),
            programme,
            name="Race",
            metric="sale_points",
            audience="stores",
            starts_at=now - timedelta(days=3),
            ends_at=now + timedelta(days=1),
            prizes=[10],
            now=now,
        )
        contest.ends_at = now - timedelta(minutes=1)
        return contest.id


def _ui_contest_form(env: UiEnv) -> tuple[str, dict[str, str]]:
    today = local_date(utc_now())
    return f"/admin/lojalitet/{_ui_programme(env)}/tavlingar", {
        "name": "Vårracet",
        "metric": "sales_amount",
        "audience": "sellers",
        "starts": today.isoformat(),
        "ends": (today + timedelta(days=7)).isoformat(),
        "prizes": "300, 100",
    }


_feed_urls = iter(range(1, 100_000))


def _feed_source(env: UiEnv) -> int:
    """A feed URL of Nordisk Dentaldepå (organisation A) on a closed loopback port (a row,
    not the registration: the matrix makes more than a retailer may register)."""
    from marketplace.models import FeedSource

    now = utc_now()
    with transaction(factory_for(env.settings)) as s:
        source = FeedSource(
            retailer_id=env.retailers[NORDISK],
            url=f"http://127.0.0.1:9/ui-{next(_feed_urls)}.csv",
            schedule="daily",
            mode="full",
            auth_kind="none",
            auth_username="",
            active=True,
            next_fetch_at=now + timedelta(days=1),
            failures=0,
            created_at=now,
            updated_at=now,
        )
        s.add(source)
        s.flush()
        return source.id


def _feed_url_form(env: UiEnv) -> tuple[str, dict[str, str]]:
    """The add form of a new feed URL, with room for it (earlier rows' sources removed: a
    retailer registers at most 10)."""
    from sqlalchemy import delete

    from marketplace.models import FeedSource

    with transaction(factory_for(env.settings)) as s:
        s.execute(delete(FeedSource))
    form = {"url": f"http://127.0.0.1:9/add-{next(_feed_urls)}.csv", "schedule": "weekly"}
    return "/portal/hamtning", form


# name, path, who gets the page (200), who is told it does not exist (404; others get 403)
PAGES: list[tuple[str, Path, set[str | None], set[str]]] = [
    ("home", _fixed("/"), PUBLIC, set()),
    ("campaigns", _fixed("/kampanjer"), PUBLIC, set()),
    ("password_forgot", _fixed("/konto/glomt-losenord"), PUBLIC, set()),
    ("product", lambda e: f"/produkt/{next(iter(e.products.values()))}", PUBLIC, set()),
    ("retailer_page", _fixed(f"/handlare/{NORDISK}"), PUBLIC, set()),
    (
        "product_history_365",
        lambda e: f"/produkt/{next(iter(e.products.values()))}?dagar=365",
        PUBLIC,
        set(),
    ),
    ("watches", _fixed("/bevakningar"), set(CLINICS), set()),
    ("cart", _fixed("/varukorg"), set(CLINICS), set()),
    ("checkout", _fixed("/kassa"), set(CLINICS), set()),
    ("orders", _fixed("/ordrar"), set(CLINICS), set()),
    ("order_of_clinic_a", lambda e: f"/ordrar/{_order(e)[0]}", {"clinic"}, CLINICS - {"clinic"}),
    ("me", _fixed("/mina-uppgifter"), set(LOGGED_IN), set()),
    ("me_export", _fixed("/mina-uppgifter/export"), set(LOGGED_IN), set()),
    ("portal", _fixed("/portal"), set(RETAILERS), set()),
    ("portal_orders", _fixed("/portal/ordrar"), set(RETAILERS), set()),
    ("portal_fetch", _fixed("/portal/hamtning"), set(RETAILERS), set()),
    (
        "portal_fetch_source",
        lambda e: f"/portal/hamtning/{_feed_source(e)}",
        set(RETAILER_A),
        {"retailer2"},
    ),
    (
        "portal_order_of_retailer_a",
        lambda e: f"/portal/ordrar/{_order(e)[0]}",
        set(RETAILER_A),
        {"retailer2"},
    ),
    (
        "portal_run_of_retailer_a",
        lambda e: f"/portal/korningar/{_run_id(e)}",
        set(RETAILER_A),
        {"retailer2"},
    ),
    (
        "portal_run_status_of_retailer_a",
        lambda e: f"/portal/korningar/{_run_id(e)}/status",
        set(RETAILER_A),
        {"retailer2"},
    ),
    ("portal_template_csv", _fixed("/portal/mall.csv"), set(RETAILERS), set()),
    ("portal_field_guide", _fixed("/portal/faltguide"), set(RETAILERS), set()),
    ("portal_rma", _fixed("/portal/reklamationer"), set(RETAILERS), set()),
    ("portal_reviews", _fixed("/portal/omdomen"), set(RETAILERS), set()),
    ("portal_stats", _fixed("/portal/statistik"), set(RETAILERS), set()),
    ("portal_loyalty", _fixed("/portal/poang"), set(RETAILERS), set()),
    ("portal_quizzes", _fixed("/portal/poang/quiz"), set(RETAILERS), set()),
    ("portal_leaderboard", _fixed("/portal/poang/topplista"), set(RETAILERS), set()),
    ("portal_shop", lambda e: f"/portal/poang/{_shop(e)[0]}/butik", set(RETAILER_A), {"retailer2"}),
    (
        "portal_shop_statement",
        lambda e: f"/portal/poang/{_shop(e)[0]}/formaner/2026.csv",
        {"retailer"},
        {"retailer2"},
    ),
    ("admin_shop", lambda e: f"/admin/lojalitet/{_shop(e)[0]}/butik", {"admin"}, set()),
    ("admin_reports", lambda e: f"/admin/lojalitet/{_shop(e)[0]}/rapporter", {"admin"}, set()),
    (
        "admin_reports_csv",
        lambda e: f"/admin/lojalitet/{_shop(e)[0]}/rapporter/months.csv",
        {"admin"},
        set(),
    ),
    ("console", _fixed("/konsol"), {"merchandiser", "admin"}, set()),
    ("console_synonyms", _fixed("/konsol/synonymer?q=vante"), {"merchandiser", "admin"}, set()),
    ("console_search_report", _fixed("/konsol/sokrapport"), {"merchandiser", "admin"}, set()),
    ("admin_home", _fixed("/admin"), {"admin"}, set()),
    ("admin_users", _fixed("/admin/anvandare"), {"admin"}, set()),
    ("admin_organisations", _fixed("/admin/organisationer"), {"admin"}, set()),
    ("admin_reviews", _fixed("/admin/omdomen"), {"admin"}, set()),
    ("admin_log", _fixed("/admin/logg"), {"admin"}, set()),
    ("admin_loyalty", _fixed("/admin/lojalitet"), {"admin"}, set()),
    (  # a reward's picture: for whoever may see a points shop
        "reward_picture",
        lambda e: f"/lojalitet/beloningsbild/{_reward_picture(e)}",
        RETAILERS | {"admin"},
        set(),
    ),
    ("portal_photos", _fixed("/portal/poang/foto"), set(RETAILERS), set()),
    (
        # a seller's own photo: to the rest of the retailers it does not exist
        "portal_photo_image",
        lambda e: f"/portal/poang/foto/bild/{_ui_photo(e)}",
        {"retailer_staff"},
        {"retailer", "retailer2"},
    ),
    ("admin_photos", lambda e: f"/admin/lojalitet/{_ui_programme(e)}/foto", {"admin"}, set()),
    (
        "admin_image_bank",
        lambda e: f"/admin/lojalitet/{_ui_programme(e)}/bildbank",
        {"admin"},
        set(),
    ),
    (
        "admin_photo_image",
        lambda e: f"/admin/lojalitet/foto/{_ui_photo(e)}/bild?download=1",
        {"admin"},
        set(),
    ),
    ("portal_referrals", _fixed("/portal/poang/rekrytera"), set(RETAILERS), set()),
    ("portal_suggestions", _fixed("/portal/poang/forslag"), set(RETAILERS), set()),
    ("portal_surveys", _fixed("/portal/poang/enkater"), set(RETAILERS), set()),
    ("portal_contests", _fixed("/portal/poang/tavlingar"), set(RETAILERS), set()),
    ("admin_suggestions", _fixed("/admin/lojalitet/forslag"), {"admin"}, set()),
    ("admin_surveys", _fixed("/admin/lojalitet/enkater"), {"admin"}, set()),
    (
        "admin_survey_results",
        lambda e: f"/admin/lojalitet/enkater/{_ui_survey(e, open_it=True)}/resultat",
        {"admin"},
        set(),
    ),
    ("admin_contests", _fixed("/admin/lojalitet/tavlingar"), {"admin"}, set()),
    ("admin_limits", lambda e: f"/admin/lojalitet/{_shop(e)[0]}/granser", {"admin"}, set()),
    ("admin_quiz_edit", lambda e: f"/admin/lojalitet/quiz/{_engagement(e)[1]}", {"admin"}, set()),
    (
        "admin_campaign_edit",
        lambda e: f"/admin/lojalitet/kampanj/{_engagement(e)[2]}",
        {"admin"},
        set(),
    ),
    # a sponsor's representative's pages (tests/unit/ui/test_ui_loyalty_manage.py): nobody here
    ("sponsor_loyalty", _fixed("/sponsor/lojalitet"), set(), set()),
    ("sponsor_limits", lambda e: f"/sponsor/lojalitet/{_shop(e)[0]}/granser", set(), set()),
    ("sponsor_shop", lambda e: f"/sponsor/lojalitet/{_shop(e)[0]}/butik", set(), set()),
    ("sponsor_quiz_edit", lambda e: f"/sponsor/lojalitet/quiz/{_engagement(e)[1]}", set(), set()),
    ("sponsor_photos", lambda e: f"/sponsor/lojalitet/{_ui_programme(e)}/foto", set(), set()),
    (
        "sponsor_image_bank",
        lambda e: f"/sponsor/lojalitet/{_ui_programme(e)}/bildbank",
        set(),
        set(),
    ),
    ("sponsor_photo_image", lambda e: f"/sponsor/lojalitet/foto/{_ui_photo(e)}/bild", set(), set()),
    ("sponsor_reports", lambda e: f"/sponsor/lojalitet/{_shop(e)[0]}/rapporter", set(), set()),
    (
        "sponsor_reports_csv",
        lambda e: f"/sponsor/lojalitet/{_shop(e)[0]}/rapporter/months.csv",
        set(),
        set(),
    ),
    ("sponsor_suggestions", _fixed("/sponsor/lojalitet/forslag"), set(), set()),
    ("sponsor_surveys", _fixed("/sponsor/lojalitet/enkater"), set(), set()),
    (
        "sponsor_survey_results",
        lambda e: f"/sponsor/lojalitet/enkater/{_ui_survey(e, open_it=True)}/resultat",
        set(),
        set(),
    ),
    ("sponsor_contests", _fixed("/sponsor/lojalitet/tavlingar"), set(), set()),
    ("admin_mail", _fixed("/admin/e-post"), {"admin"}, set()),
]


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r or "anonymous")
@pytest.mark.parametrize("name,path,allowed,hidden", PAGES, ids=[p[0] for p in PAGES])
def test_pages_by_role(
    env: UiEnv,
    browsers: dict[str | None, TestClient],
    role: str | None,
    name: str,
    path: Path,
    allowed: set[str | None],
    hidden: set[str],
) -> None:
    url = path(env)
    r = browsers[role].get(url)
    if role in allowed:
        assert r.status_code == 200, f"{name} as {role}: {r.status_code}"
    elif role is None:
        assert r.status_code == 303 and r.headers["location"].startswith("/logga-in?next=")
    else:
        expected = 404 if role in hidden else 403
        assert r.status_code == expected, f"{name} as {role}: {r.status_code}"
        assert "<html" in r.text and "Traceback" not in r.text


def _post_to(
    path: Callable[[UiEnv], str], data: dict[str, str] | None = None
) -> Callable[[UiEnv], tuple[str, dict[str, str]]]:
    return lambda env: (path(env), dict(data or {}))


def _confirm(env: UiEnv) -> tuple[str, dict[str, str]]:
    promised = (local_date(utc_now()) + timedelta(days=3)).isoformat()
    return f"/portal/ordrar/{_order(env)[0]}/bekrafta", {"promised_delivery_date": promised}


def _rma_request(env: UiEnv) -> tuple[str, dict[str, str]]:
    order_id, line_id = _order(env, "delivered")
    return f"/ordrar/{order_id}/rader/{line_id}/reklamation", {"reason": "Fel storlek"}


def _ui_programme(env: UiEnv) -> int:
    """A programme Nordisk's organisation (A) is a member of, its staff taking part."""
    from loyalty import programmes
    from loyalty.enums import MEMBER_TERMS_VERSION, PARTICIPANT_TERMS_VERSION
    from loyalty.models import Programme

    now = utc_now()
    with transaction(factory_for(env.settings)) as s:
        found = s.scalar(select(Programme).where(Programme.name == "Rollklubben"))
        if found is None:
            found = programmes.create_programme(
                s,
                None,
                name="Rollklubben",
                sponsor_name="Dentsply",
                points_per_krona=Decimal(1),
                point_value_ore=5,
                expiry_months=24,
                now=now,
            )
        rep = s.scalar(select(User).where(User.email == EMAILS["retailer"]))
        staff = s.scalar(select(User).where(User.email == EMAILS["retailer_staff"]))
        assert rep is not None and staff is not None
        programmes.accept_member_terms(s, rep, found.id, MEMBER_TERMS_VERSION, now=now)
        programmes.invite(s, rep, found.id, staff.id, now=now)
        programmes.accept_participant_terms(s, staff, found.id, PARTICIPANT_TERMS_VERSION, now=now)
        return found.id


def _ui_quiz(env: UiEnv) -> int:
    """A fresh one-attempt quiz in ``_ui_programme``."""
    from loyalty import quizzes

    programme = _ui_programme(env)
    with transaction(factory_for(env.settings)) as s:
        admin = s.scalar(select(User).where(User.email == EMAILS["admin"]))
        return quizzes.create_quiz(
            s,
            admin,
            programme,
            title=f"Q {uuid.uuid4().hex[:6]}",
            questions=[{"text": "Nitril?", "choices": ["Gummi", "Metall"], "correct": [0]}],
            pass_mark=1,
            max_attempts=1,
            points=5,
            now=utc_now(),
        ).id


def _ui_photo(env: UiEnv) -> int:
    """A fresh pending photo of Nordisk's staff for a fresh activity of ``_ui_programme``."""
    import io

    from loyalty import photos
    from tests.unit.loyalty.photo_support import jpeg_with_gps, picture

    programme = _ui_programme(env)
    now = utc_now()
    with transaction(factory_for(env.settings)) as s:
        admin = s.scalar(select(User).where(User.email == EMAILS["admin"]))
        staff = s.scalar(select(User).where(User.email == EMAILS["retailer_staff"]))
        activity = photos.create_activity(
            s,
            admin,
            programme,
            title=f"Monter {uuid.uuid4().hex[:6]}",
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


Action = Callable[[UiEnv], tuple[str, dict[str, str]]]


# name, (url, form) of a fresh thing of organisation A, who may (303 back to the page), who
# is told it does not exist (404; other signed-in roles get 403)
def _synonym_draft(env: UiEnv) -> int:
    """A new draft of the synonym rules (saved directly), its version."""
    from search import synonym_versions

    with transaction(factory_for(env.settings)) as s:
        return synonym_versions.save_draft(s, "vante => handske", "matrix").version


def _synonym_publish(env: UiEnv) -> tuple[str, dict[str, str]]:
    return "/konsol/synonymer/publicera", {"version": str(_synonym_draft(env))}


def _synonym_rollback(env: UiEnv) -> tuple[str, dict[str, str]]:
    from search import synonym_versions

    version = _synonym_draft(env)
    with transaction(factory_for(env.settings)) as s:
        synonym_versions.publish(s, version, "matrix")
    return "/konsol/synonymer/rulla-tillbaka", {"to_version": str(version)}


ACTIONS: list[tuple[str, Action, set[str], set[str]]] = [
    (
        "cancel_order",
        _post_to(lambda e: f"/ordrar/{_order(e)[0]}/avbryt"),
        {"clinic"},
        CLINICS - {"clinic"},
    ),
    (
        "confirm_delivery",
        _post_to(lambda e: f"/ordrar/{_order(e, 'shipped')[0]}/levererad"),
        {"clinic"},
        CLINICS - {"clinic"},
    ),
    ("request_rma", _rma_request, {"clinic"}, CLINICS - {"clinic"}),
    (  # another clinic's "remove" is a no-op back to its own cart (as a double click's second
        # submit is): test_removing_another_clinics_cart_item_leaves_it checks it stays
        "remove_cart_item",
        _post_to(lambda e: f"/varukorg/{_cart_item(e)}/ta-bort"),
        set(CLINICS),
        set(),
    ),
    (  # a clinic user's own watch: each clinic user watches for themselves
        "watch_product",
        _post_to(
            lambda e: f"/produkt/{next(iter(e.products.values()))}/bevaka", {"back_in_stock": "1"}
        ),
        set(CLINICS),
        set(),
    ),
    (
        "unwatch_product",
        _post_to(lambda e: f"/produkt/{next(iter(e.products.values()))}/sluta-bevaka"),
        set(CLINICS),
        set(),
    ),
    ("portal_confirm", _confirm, RETAILER_A, {"retailer2"}),
    ("portal_fetch_add", _feed_url_form, set(RETAILERS), set()),
    (
        "portal_fetch_edit",
        lambda e: (
            f"/portal/hamtning/{_feed_source(e)}",
            {"url": f"http://127.0.0.1:9/edit-{next(_feed_urls)}.csv", "schedule": "0 5 * * *"},
        ),
        RETAILER_A,
        {"retailer2"},
    ),
    (
        "portal_fetch_remove",
        _post_to(lambda e: f"/portal/hamtning/{_feed_source(e)}/ta-bort"),
        RETAILER_A,
        {"retailer2"},
    ),
    (
        "portal_fetch_now",
        _post_to(lambda e: f"/portal/hamtning/{_feed_source(e)}/hamta"),
        RETAILER_A,
        {"retailer2"},
    ),
    (
        "portal_ship",
        _post_to(lambda e: f"/portal/ordrar/{_order(e, 'confirmed')[0]}/skicka"),
        RETAILER_A,
        {"retailer2"},
    ),
    (
        "portal_cancel",
        _post_to(lambda e: f"/portal/ordrar/{_order(e)[0]}/avbryt", {"reason": "out_of_stock"}),
        RETAILER_A,
        {"retailer2"},
    ),
    (  # the seeded run has finished: the cancel is a no-op back to its page for its owner
        "portal_run_cancel",
        _post_to(lambda e: f"/portal/korningar/{_run_id(e)}/avbryt"),
        RETAILER_A,
        {"retailer2"},
    ),
    (
        "portal_rma_decision",
        _post_to(lambda e: f"/portal/reklamationer/{_rma(e)}/beslut", {"accept": "1"}),
        RETAILER_A,
        {"retailer2"},
    ),
    (
        "portal_review_response",
        _post_to(lambda e: f"/portal/omdomen/{_held_review(e)}/svar", {"text": "Vi beklagar."}),
        RETAILER_A,
        RETAILERS - RETAILER_A,  # a held review is not public: another retailer's is not found
    ),
    (
        "shop_basket",
        lambda e: (
            f"/portal/poang/{_shop(e)[0]}/butik/korg",
            {"reward_id": str(_shop(e)[1]), "quantity": "1", "add": "true"},
        ),
        RETAILER_A,
        {"retailer2"},
    ),
    ("shop_checkout", _shop_checkout, {"retailer"}, {"retailer2"}),  # the entity redeems
    (
        "shop_policy",
        lambda e: (f"/portal/poang/{_shop(e)[0]}/butik/policy", {"redeemer": "entity"}),
        {"retailer"},
        {"retailer2"},
    ),
    (  # any retailer's representative may join an open programme
        "loyalty_member_terms",
        lambda e: (
            f"/portal/poang/{_open_programme(e)}/medlemsvillkor",
            {"terms_version": "2026-12"},
        ),
        {"retailer", "retailer2"},
        set(),
    ),
    (  # inviting the invited again changes nothing; Smilo is no member of the programme
        "loyalty_invite",
        lambda e: (
            f"/portal/poang/{_shop(e)[0]}/bjud-in",
            {"user_id": str(_user_id(e, "retailer_staff"))},
        ),
        {"retailer"},
        {"retailer2"},
    ),
    (  # accepting the accepted terms again changes nothing; the representative is not invited
        "loyalty_participant_terms",
        lambda e: (f"/portal/poang/{_shop(e)[0]}/villkor", {"terms_version": "2026-12"}),
        {"retailer_staff"},
        {"retailer", "retailer2"},
    ),
    (
        "sponsor_reward_create",
        lambda e: (f"/admin/lojalitet/{_shop(e)[0]}/beloningar", _reward_form()),
        {"admin"},
        set(),
    ),
    (
        "sponsor_reward_update",
        lambda e: (
            f"/admin/lojalitet/beloningar/{_shop(e)[1]}",
            {
                **_reward_form(),
                "name": "Matriskort",
                "stock": "1000000",
                "price_points": "10",
            },
        ),
        {"admin"},
        set(),
    ),
    (
        "loyalty_limits_save",
        lambda e: (f"/admin/lojalitet/{_shop(e)[0]}/granser", {"sale_month": "100000"}),
        {"admin"},
        set(),
    ),
    (
        "loyalty_clawback",
        lambda e: (f"/admin/lojalitet/poster/{_shop_credit(e)}/aterkrav", {"reason": "Matris"}),
        {"admin"},
        set(),
    ),
    (
        "loyalty_quiz_edit",
        lambda e: (
            f"/admin/lojalitet/quiz/{_engagement(e)[1]}",
            {
                "title": "Matrisquiz",
                "questions": "Nitril?\n*Ja\nNej",
                "pass_mark": "1",
                "max_attempts": "1",
                "points": "5",
                "active": "1",
            },
        ),
        {"admin"},
        set(),
    ),
    (
        "sponsor_limits_save",
        lambda e: (f"/sponsor/lojalitet/{_shop(e)[0]}/granser", {"sale_month": "100000"}),
        set(),
        set(),
    ),
    (
        "sponsor_fulfil",
        lambda e: (f"/admin/lojalitet/uttag/{_shop_redemption(e)}/levererad", {}),
        {"admin"},
        set(),
    ),
    (
        "sponsor_cancel",
        lambda e: (f"/admin/lojalitet/uttag/{_shop_redemption(e)}/avbryt", {"reason": "Slut"}),
        {"admin"},
        set(),
    ),
    (
        # the representative does not take part; another organisation is not a member
        "portal_quiz_submit",
        _post_to(lambda e: f"/portal/poang/quiz/{_ui_quiz(e)}", {"q0": "0"}),
        {"retailer_staff"},
        {"retailer", "retailer2"},
    ),
    (  # a fresh name each time: a taken one is answered 422 on the page
        "admin_loyalty_programme",
        lambda e: (
            "/admin/lojalitet/program",
            {
                "programme_name": f"Matrisklubben {uuid.uuid4().hex[:8]}",
                "sponsor_name": "Dentsply",
                "points_per_krona": "1",
                "point_value_ore": "10",
                "expiry_months": "24",
            },
        ),
        {"admin"},
        set(),
    ),
    (
        "admin_loyalty_campaign",
        _post_to(
            lambda e: f"/admin/lojalitet/{_ui_programme(e)}/kampanjer",
            {
                "name": "Handskveckan",
                "multiplier": "2",
                "target_kind": "category",
                "target_value": "Handskar",
                "starts": "2026-12-01",
                "ends": "2026-12-07",
            },
        ),
        {"admin"},
        set(),
    ),
    (
        "admin_photo_activity",
        _post_to(
            lambda e: f"/admin/lojalitet/{_ui_programme(e)}/foto/aktiviteter",
            {
                "title": "Visa vår monter",
                "description": "",
                "points": "10",
                "starts": "2026-12-01",
                "ends": "2026-12-31",
            },
        ),
        {"admin"},
        set(),
    ),
    (
        "admin_photo_approve",
        _post_to(lambda e: f"/admin/lojalitet/foto/{_ui_photo(e)}/godkann"),
        {"admin"},
        set(),
    ),
    (
        "sponsor_photo_approve",
        _post_to(lambda e: f"/sponsor/lojalitet/foto/{_ui_photo(e)}/godkann"),
        set(),
        set(),
    ),
    (
        "sponsor_suggestion_decline",
        _post_to(
            lambda e: f"/sponsor/lojalitet/forslag/{_ui_suggestion(e)}/avsla", {"reason": "Finns"}
        ),
        set(),
        set(),
    ),
    (
        "sponsor_survey_open",
        _post_to(lambda e: f"/sponsor/lojalitet/enkater/{_ui_survey(e, open_it=False)}/oppna"),
        set(),
        set(),
    ),
    (
        "sponsor_contest_close",
        _post_to(lambda e: f"/sponsor/lojalitet/tavlingar/{_ui_contest(e)}/avsluta"),
        set(),
        set(),
    ),
    (
        "admin_photo_reject",
        _post_to(lambda e: f"/admin/lojalitet/foto/{_ui_photo(e)}/avvisa", {"reason": "Suddig"}),
        {"admin"},
        set(),
    ),
    (
        "admin_loyalty_quiz",
        _post_to(
            lambda e: f"/admin/lojalitet/{_ui_programme(e)}/quiz",
            {
                "title": "Handskar",
                "questions": "Nitril är?\n*Gummi\nMetall",
                "pass_mark": "1",
                "max_attempts": "1",
                "points": "5",
            },
        ),
        {"admin"},
        set(),
    ),
    (
        "portal_suggest",
        _post_to(
            lambda e: f"/portal/poang/{_ui_programme(e)}/forslag",
            {"title": f"Förslag {uuid.uuid4().hex[:6]}", "text": "Fler storlekar"},
        ),
        {"retailer_staff"},
        {"retailer", "retailer2"},
    ),
    (
        "portal_survey_answer",
        _post_to(lambda e: f"/portal/poang/enkat/{_ui_survey(e, open_it=True)}", {"q0": "4"}),
        {"retailer_staff"},
        {"retailer", "retailer2"},
    ),
    (
        "admin_suggestion_accept",
        _post_to(
            lambda e: f"/admin/lojalitet/forslag/{_ui_suggestion(e)}/godkann", {"grade": "small"}
        ),
        {"admin"},
        set(),
    ),
    (
        "admin_suggestion_decline",
        _post_to(
            lambda e: f"/admin/lojalitet/forslag/{_ui_suggestion(e)}/avsla", {"reason": "Finns"}
        ),
        {"admin"},
        set(),
    ),
    (
        "admin_engagement_points",
        _post_to(
            lambda e: f"/admin/lojalitet/{_ui_programme(e)}/poanginstallningar",
            {"referral_points": "400", "small": "10", "medium": "20", "large": "30"},
        ),
        {"admin"},
        set(),
    ),
    (
        "admin_survey_create",
        _post_to(
            lambda e: f"/admin/lojalitet/{_ui_programme(e)}/enkater",
            {
                "title": "Enkät",
                "questions": "[en] Bäst?\nNitril\nLatex\n\n[fritext] Mer?",
                "points": "5",
            },
        ),
        {"admin"},
        set(),
    ),
    (
        "admin_survey_open",
        _post_to(lambda e: f"/admin/lojalitet/enkater/{_ui_survey(e, open_it=False)}/oppna"),
        {"admin"},
        set(),
    ),
    (
        "admin_survey_close",
        _post_to(lambda e: f"/admin/lojalitet/enkater/{_ui_survey(e, open_it=True)}/stang"),
        {"admin"},
        set(),
    ),
    ("admin_contest_create", _ui_contest_form, {"admin"}, set()),
    (  # idempotent: every allowed click answers 303 (closed, or closed already)
        "admin_month_close",
        _post_to(lambda e: f"/admin/lojalitet/{_ui_programme(e)}/manadsavslut", {"confirm": "1"}),
        {"admin"},
        set(),
    ),
    (  # only a sponsor's representative starts one here (no such role in this matrix)
        "sponsor_loyalty_programme",
        lambda e: (
            "/sponsor/lojalitet/program",
            {
                "programme_name": f"Sponsorklubben {uuid.uuid4().hex[:8]}",
                "sponsor_name": "",
                "points_per_krona": "1",
                "point_value_ore": "10",
                "expiry_months": "24",
            },
        ),
        set(),
        set(),
    ),
    (
        "sponsor_month_close",
        _post_to(lambda e: f"/sponsor/lojalitet/{_ui_programme(e)}/manadsavslut", {"confirm": "1"}),
        set(),
        set(),
    ),
    (
        "console_synonym_draft",
        _post_to(lambda e: "/konsol/synonymer/utkast", {"rules": "vante => handske"}),
        {"merchandiser", "admin"},
        set(),
    ),
    ("console_synonym_publish", _synonym_publish, {"merchandiser", "admin"}, set()),
    ("console_synonym_rollback", _synonym_rollback, {"merchandiser", "admin"}, set()),
    (
        "admin_contest_close",
        _post_to(lambda e: f"/admin/lojalitet/tavlingar/{_ui_contest(e)}/avsluta"),
        {"admin"},
        set(),
    ),
]


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r or "anonymous")
@pytest.mark.parametrize("name,action,allowed,hidden", ACTIONS, ids=[a[0] for a in ACTIONS])
def test_actions_on_organisation_a_things_by_role(
    env: UiEnv,
    browsers: dict[str | None, TestClient],
    role: str | None,
    name: str,
    action: Action,
    allowed: set[str],
    hidden: set[str],
) -> None:
    client = browsers[role]
    token = csrf_from(client.get("/logga-in" if role is None else "/").text)
    url, form = action(env)
    r = client.post(url, data={**form, "csrf_token": token})
    if role is None:
        assert r.status_code == 303 and r.headers["location"].startswith("/logga-in")
    elif role in allowed:
        assert r.status_code == 303, f"{name} as {role}: {r.status_code} {r.text[:300]}"
        assert not r.headers["location"].startswith("/logga-in")
    else:
        expected = 404 if role in hidden else 403
        assert r.status_code == expected, f"{name} as {role}: {r.status_code}"


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r or "anonymous")
@pytest.mark.parametrize(
    "path", ["/admin/lojalitet/1/belohningar", "/admin/lojalitet/belohningar/1"]
)
def test_the_old_reward_paths_by_role(
    browsers: dict[str | None, TestClient], role: str | None, path: str
) -> None:
    """The catalogue's old paths ("belohningar") send an admin's form on to the new ones
    (308: method and body kept); anyone else is answered as the new paths answer them."""
    r = browsers[role].post(path, data={"name": "x"})
    if role is None:
        assert r.status_code == 303 and r.headers["location"].startswith("/logga-in")
    elif role == "admin":
        assert r.status_code == 308
        assert r.headers["location"] == path.replace("belohningar", "beloningar")
    else:
        assert r.status_code == 403


@pytest.mark.parametrize("role", sorted(CLINICS - {"clinic"}))
def test_removing_another_clinics_cart_item_leaves_it(
    env: UiEnv, browsers: dict[str | None, TestClient], role: str
) -> None:
    item_id = _cart_item(env)
    client = browsers[role]
    r = client.post(
        f"/varukorg/{item_id}/ta-bort", data={"csrf_token": csrf_from(client.get("/").text)}
    )
    assert r.status_code == 303 and r.headers["location"].startswith("/varukorg")
    with factory_for(env.settings)() as s:
        assert s.get(CartItem, item_id) is not None  # still in clinic A's manager's cart
    assert f"/varukorg/{item_id}/" not in client.get("/varukorg").text
