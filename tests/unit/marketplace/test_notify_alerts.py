"""The domain events people act on become notifications and, as each person chose, e-mail
in their language: once per thing, to the right people only."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from catalog.events import (
    FeedRunFailed,
    OrganisationApproved,
    OrganisationRefused,
    deliver_committed,
    publish,
)
from catalog.models import Organisation, User
from catalog.settings import Settings
from marketplace import cart, orders, preferences, reviews, rma
from marketplace.mail.render import render_email
from marketplace.models import Notification, OutgoingEmail
from marketplace.reviews import ReviewDraft
from marketplace.tasks import drainer_of, wire
from tests.unit.marketplace.mp_support import NOW, Market

TODAY = date(2026, 3, 2)


def _wire(market: Market) -> None:
    wire(Settings(environment="test", broker_url="", smtp_host=""), market.factory)


def _notes(market: Market, user: str) -> list[tuple[str, str]]:
    with market.factory() as s:
        rows = s.scalars(
            select(Notification)
            .where(Notification.user_id == market.users[user])
            .order_by(Notification.id)
        )
        return [(n.kind, n.ref) for n in rows]


def _mails(market: Market) -> list[tuple[str, str, str]]:
    with market.factory() as s:
        rows = s.scalars(select(OutgoingEmail).order_by(OutgoingEmail.id))
        return [(m.to_address, m.template, m.lang) for m in rows]


def _order(market: Market) -> int:
    with market.factory() as s:
        clinic = market.user(s, "clinic")
        cart.add_item(s, clinic, market.offers["glove_tand"], 1, now=NOW)
        (order,) = orders.checkout(s, clinic, now=NOW)
        s.commit()
        return order.id


def test_an_order_s_steps_reach_the_retailer_and_the_clinic(market: Market) -> None:
    _wire(market)
    order_id = _order(market)
    ref = f"order:{order_id}"
    assert _notes(market, "tand_staff") == [("order_placed", ref)]
    assert _notes(market, "nord_staff") == []  # another retailer's staff: nothing
    with market.factory() as s:
        staff = market.user(s, "tand_staff")
        orders.confirm(s, staff, order_id, TODAY, now=NOW)
        s.commit()
        orders.ship(s, staff, order_id, now=NOW)
        s.commit()
    assert _notes(market, "clinic") == [("order_confirmed", ref), ("order_shipped", ref)]
    assert _notes(market, "clinic2") == []
    assert _mails(market) == [
        ("t@x.se", "notify_order_placed", "sv"),
        ("c@x.se", "notify_order_confirmed", "sv"),
        ("c@x.se", "notify_order_shipped", "sv"),
    ]
    with market.factory() as s:  # every queued message renders (no value missing)
        for mail in s.scalars(select(OutgoingEmail)):
            rendered = render_email(mail.template, mail.lang, {"site_url": "", **mail.context})
            assert str(order_id) in rendered.subject
    drainer = drainer_of(market.factory)
    assert drainer is not None
    drainer.wait()  # no SMTP host: nothing sent, all still queued
    with market.factory() as s:
        assert {m.status for m in s.scalars(select(OutgoingEmail))} == {"queued"}


def test_a_cancelled_order_reaches_the_retailer_once(market: Market) -> None:
    _wire(market)
    order_id = _order(market)
    with market.factory() as s:
        orders.cancel(s, market.user(s, "clinic"), order_id, "clinic_request", now=NOW)
        s.commit()
    kinds = [k for k, _ in _notes(market, "tand_staff")]
    assert kinds == ["order_placed", "order_cancelled"]
    # the same event delivered again adds nothing
    from catalog.events import OrderCancelled

    event = OrderCancelled(
        order_id=order_id, retailer_id=market.retailers["tand"], clinic_id=market.users["clinic"]
    )
    deliver_committed(market.factory, [event])
    assert [k for k, _ in _notes(market, "tand_staff")] == kinds
    assert len([m for m in _mails(market) if m[1] == "notify_order_cancelled"]) == 1


def test_preferences_choose_e_mail_and_its_language(market: Market) -> None:
    _wire(market)
    with market.factory() as s:
        preferences.save_preferences(
            s, market.users["tand_staff"], lang="en", email={"order_placed": False}, now=NOW
        )
        preferences.save_preferences(s, market.users["clinic"], lang="en", email={}, now=NOW)
        s.commit()
    order_id = _order(market)
    assert _notes(market, "tand_staff") == [("order_placed", f"order:{order_id}")]  # in-app
    assert _mails(market) == []  # but no e-mail
    with market.factory() as s:
        orders.confirm(s, market.user(s, "tand_staff"), order_id, TODAY, now=NOW)
        s.commit()
    assert _mails(market) == [("c@x.se", "notify_order_confirmed", "en")]


def test_a_held_review_and_an_rma_reach_the_retailer_with_the_deadline(market: Market) -> None:
    _wire(market)
    order_id = _order(market)
    with market.factory() as s:
        staff, clinic = market.user(s, "tand_staff"), market.user(s, "clinic")
        orders.confirm(s, staff, order_id, TODAY, now=NOW)
        orders.ship(s, staff, order_id, now=NOW)
        order = orders.deliver(s, clinic, order_id, now=NOW)
        line_id = order.lines[0].id
        s.commit()
        draft = ReviewDraft("retailer", market.retailers["tand"], 1, "sent", order_id)
        low = reviews.submit_review(s, clinic, draft, now=NOW, response_days=7)
        case = rma.request_rma(s, clinic, line_id, "trasig", now=NOW)
        s.commit()
        review_id, rma_id = low.id, case.id
    notes = _notes(market, "tand_staff")
    assert ("review_held", f"review:{review_id}") in notes
    assert ("rma_opened", f"rma:{rma_id}") in notes
    with market.factory() as s:
        held = s.scalar(
            select(Notification).where(
                Notification.kind == "review_held",
                Notification.user_id == market.users["tand_staff"],
            )
        )
        assert held is not None and held.values["deadline"] == "2026-03-09"
        mail = s.scalar(select(OutgoingEmail).where(OutgoingEmail.template == "notify_review_held"))
        assert mail is not None
        text = render_email(mail.template, "sv", {"site_url": "https://v.se", **mail.context})
        assert "2026-03-09" in text.subject and "https://v.se/portal/omdomen" in text.body


def test_a_failed_feed_run_reaches_the_retailer_s_members(market: Market) -> None:
    _wire(market)
    event = FeedRunFailed(
        run_id=41, retailer_id=market.retailers["nord"], status="failed", message="out of memory"
    )
    deliver_committed(market.factory, [event])
    assert _notes(market, "nord_staff") == [("feed_failed", "run:41")]
    assert _notes(market, "tand_staff") == []
    assert _mails(market) == [("n@x.se", "notify_feed_failed", "sv")]


def test_sign_up_decisions_reach_the_organisation_s_members(market: Market) -> None:
    _wire(market)
    with market.factory() as s:
        org = Organisation(kind="clinic", name="Folktand AB", status="active")
        other = Organisation(kind="clinic", name="Annan", status="active")
        s.add_all([org, other])
        s.flush()
        for name, org_id in (("clinic", org.id), ("clinic2", org.id), ("clinic3", other.id)):
            user = s.get(User, market.users[name])
            assert user is not None
            user.organisation_id = org_id
        publish(s, OrganisationApproved(organisation_id=org.id))
        s.commit()
        org.status, org.status_reason = "refused", "Ej tandvård"
        publish(s, OrganisationRefused(organisation_id=other.id))
        s.commit()
    assert _notes(market, "clinic") == [("signup_approved", f"organisation:{org.id}")]
    assert _notes(market, "clinic2") == [("signup_approved", f"organisation:{org.id}")]
    assert _notes(market, "clinic3") == [("signup_refused", f"organisation:{other.id}")]
    assert ("e@x.se", "notify_signup_refused", "sv") in _mails(market)


def test_a_cancellation_s_reason_is_worded_in_the_message() -> None:
    context = {
        "name": "Olle",
        "order_id": 7,
        "clinic": "Folktand",
        "total": "99.00",
        "currency": "SEK",
        "reason": "out_of_stock",
        "link": "/portal/ordrar/7",
        "site_url": "https://v.se",
    }
    assert "Orsak: slut i lager" in render_email("notify_order_cancelled", "sv", context).body
    assert "Reason: out of stock" in render_email("notify_order_cancelled", "en", context).body


def test_every_kind_has_its_templates_in_both_languages() -> None:
    from marketplace.mail.render import template_path

    for kind in preferences.KINDS:
        for lang in ("sv", "en"):
            assert template_path(f"notify_{kind}", lang).is_file(), (kind, lang)


def test_a_shipped_order_s_e_mail_reaches_the_smtp_server_after_the_commit(
    market: Market,
) -> None:
    from tests.unit.marketplace.smtp_support import Recorder, start

    recorder = Recorder()
    controller = start(recorder)
    try:
        settings = Settings(
            environment="test",
            broker_url="",
            smtp_host="127.0.0.1",
            smtp_port=int(controller.port),
            smtp_tls="none",
            site_url="https://valbar.example",
        )
        wire(settings, market.factory)
        order_id = _order(market)
        with market.factory() as s:
            staff = market.user(s, "tand_staff")
            orders.confirm(s, staff, order_id, TODAY, now=NOW)
            orders.ship(s, staff, order_id, now=NOW)
            s.commit()  # the request's commit returns; the mail goes in the background
        drainer = drainer_of(market.factory)
        assert drainer is not None
        drainer.wait()
        subjects = {(r.to[0], r.message["Subject"]) for r in recorder.received}
        assert ("c@x.se", f"Order {order_id} har skickats") in subjects
        assert ("t@x.se", f"Ny order {order_id} från Folktand") in subjects
    finally:
        controller.stop()


def test_an_erased_account_s_preferences_and_e_mail_go_with_it(market: Market) -> None:
    from marketplace import gdpr
    from marketplace.models import NotificationPreference

    _wire(market)
    with market.factory() as s:
        preferences.save_preferences(s, market.users["tand_staff"], lang="en", email={}, now=NOW)
        s.commit()
    _order(market)
    staff = market.users["tand_staff"]
    with market.factory() as s:
        exported = gdpr.export_user_data(s, staff)
        assert exported["notification_preferences"][0]["lang"] == "en"
        gdpr.delete_account(s, staff)
        s.commit()
        assert s.get(NotificationPreference, staff) is None
        assert s.scalars(select(OutgoingEmail.to_address)).all() == []
