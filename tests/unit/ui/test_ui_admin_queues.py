"""The admins' queue pages: the match review queue (side by side, accept, reject, new
product, pick, bulk accept after a preview, a decision another admin made first), every
retailer's feed runs, the queue-length dashboard, and HTML pages for unknown addresses."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from catalog.db import transaction
from catalog.models import FeedRun, MatchCandidate, Offer
from indexer.jobs import factory_for
from tests.unit.ui.conftest import log_in
from tests.unit.ui.ui_support import UiEnv, csrf_from

GLOVE_M = "Nitrilhandske blå storlek M"
GLOVE_L = "Nitrilhandske blå storlek L"


def queue_offer(
    env: UiEnv, sku: str, name: str, cands: list[tuple[str, float]], retailer: str = "smilo"
) -> dict[str, int]:
    """An unmatched offer with candidates (product name, score): ids by "offer" and name."""
    with transaction(factory_for(env.settings)) as s:
        offer = Offer(
            retailer_id=env.retailers[retailer],
            sku=sku,
            raw_name=name,
            brand="Acme",
            mpn=f"X-{sku}",
            gtin=None,
            price=Decimal("88.00"),
            stock_status="in_stock",
            delivery_days=2,
            content_hash=sku,
        )
        s.add(offer)
        s.flush()
        ids = {"offer": offer.id}
        for product, score in cands:
            cand = MatchCandidate(
                offer_id=offer.id,
                product_id=env.products[product],
                method="title",
                score=score,
                reason="titellikhet",
            )
            s.add(cand)
            s.flush()
            ids[product] = cand.id
    return ids


def _offer_product(env: UiEnv, offer_id: int) -> int | None:
    with factory_for(env.settings)() as s:
        offer = s.get(Offer, offer_id)
        assert offer is not None
        return offer.product_id


def _post(client: TestClient, url: str, data: dict[str, str]) -> Response:
    token = csrf_from(client.get("/admin/matchning").text)
    return client.post(url, data={**data, "csrf_token": token})


@pytest.fixture()
def as_admin(client: TestClient) -> TestClient:
    return log_in(client, "admin")


def test_the_queue_shows_the_offer_beside_its_candidates_and_counts_per_retailer(
    env: UiEnv, as_admin: TestClient
) -> None:
    ids = queue_offer(env, "SM-Q1", "Handske nitril blå M", [(GLOVE_M, 0.83), (GLOVE_L, 0.61)])
    page = as_admin.get("/admin/matchning")
    assert page.status_code == 200
    html = page.text
    item = html.split(f'id="offer-{ids["offer"]}"', 1)[1].split("</article>", 1)[0]
    for text in ("Handske nitril blå M", "SM-Q1", "X-SM-Q1", "Smilo Dentalhandel", GLOVE_M):
        assert text in item
    assert item.index(GLOVE_M) < item.index(GLOVE_L)  # best candidate first
    assert "0,83" in item and "Acme Dental AB" in item and "07312345678904" in item
    assert 'data-key="a"' in item and 'data-key="r"' in item and 'data-key="n"' in item
    assert "Smilo Dentalhandel</a> (" in html  # the count per retailer links its filter
    filtered = as_admin.get("/admin/matchning?handlare=lagerbolaget").text
    assert f'id="offer-{ids["offer"]}"' not in filtered
    assert as_admin.get("/admin/matchning?handlare=okand").status_code == 404
    assert '<script src="/static/match_queue.js" defer></script>' in html
    assert as_admin.get("/static/match_queue.js").status_code == 200
    english = as_admin.get("/admin/matchning?lang=en").text
    assert "Match review queue" in english and "Accept" in english


def test_accepting_a_candidate_moves_the_offer_to_the_product_in_search(
    env: UiEnv, as_admin: TestClient
) -> None:
    ids = queue_offer(env, "SM-Q2", "Sugslang 100-pack", [("Sugslang engångs 100 st", 0.77)])
    before = as_admin.get("/api/v1/search?q=sugslang").json()["data"][0]
    response = _post(
        as_admin,
        f"/admin/matchning/kandidat/{ids['Sugslang engångs 100 st']}/godkann",
        {"retailer": "", "start": "0", "next_offer": ""},
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/admin/matchning?klart=accepted"
    assert _offer_product(env, ids["offer"]) == env.products["Sugslang engångs 100 st"]
    after = as_admin.get("/api/v1/search?q=sugslang").json()["data"][0]
    assert after["offers_count"] == before["offers_count"] + 1
    page = as_admin.get("/admin/matchning?klart=accepted")
    assert "Förslaget godkändes." in page.text
    again = _post(
        as_admin,
        f"/admin/matchning/kandidat/{ids['Sugslang engångs 100 st']}/avvisa",
        {"retailer": "", "start": "0"},
    )
    assert again.status_code == 409
    assert "En annan administratör har redan beslutat om detta." in again.text


def test_reject_new_product_and_pick_from_the_page(env: UiEnv, as_admin: TestClient) -> None:
    ids = queue_offer(env, "SM-Q3", "Handske L blå", [(GLOVE_M, 0.7), (GLOVE_L, 0.69)])
    r = _post(
        as_admin,
        f"/admin/matchning/kandidat/{ids[GLOVE_M]}/avvisa",
        {"retailer": "smilo", "start": "0", "next_offer": str(ids["offer"])},
    )
    assert r.headers["location"] == (
        f"/admin/matchning?handlare=smilo&klart=rejected#offer-{ids['offer']}"
    )
    assert _offer_product(env, ids["offer"]) is None
    found = as_admin.get(f"/admin/matchning?valj={ids['offer']}&q=storlek+L").text
    item = found.split(f'id="offer-{ids["offer"]}"', 1)[1].split("</article>", 1)[0]
    assert f'action="/admin/matchning/erbjudande/{ids["offer"]}/valj"' in item
    assert f'name="product_id" value="{env.products[GLOVE_L]}"' in item
    r = _post(
        as_admin,
        f"/admin/matchning/erbjudande/{ids['offer']}/valj",
        {"product_id": str(env.products[GLOVE_L])},
    )
    assert r.status_code == 303
    assert _offer_product(env, ids["offer"]) == env.products[GLOVE_L]
    bad = _post(as_admin, f"/admin/matchning/erbjudande/{ids['offer']}/valj", {"product_id": "x"})
    assert bad.status_code == 422
    own = queue_offer(env, "SM-Q4", "Specialborr Smilo 7", [(GLOVE_M, 0.3)])
    r = _post(as_admin, f"/admin/matchning/erbjudande/{own['offer']}/ny-produkt", {})
    assert r.status_code == 303
    new_id = _offer_product(env, own["offer"])
    assert new_id is not None and new_id not in env.products.values()
    assert "Specialborr Smilo 7" in as_admin.get(f"/produkt/{new_id}").text


def test_bulk_accept_previews_the_count_then_accepts(env: UiEnv, as_admin: TestClient) -> None:
    a = queue_offer(env, "LAG-Q1", "Handske M lager", [(GLOVE_M, 0.97)], "lagerbolaget")
    b = queue_offer(env, "LAG-Q2", "Handske L lager", [(GLOVE_L, 0.95)], "lagerbolaget")
    rule = {"bulk_retailer": "lagerbolaget", "min_score": "0,9", "method": ""}
    preview = _post(as_admin, "/admin/matchning/regel", rule)
    assert preview.status_code == 200
    assert "Regeln godkänner 2 erbjudanden." in preview.text
    assert 'name="expected" value="2"' in preview.text
    assert _offer_product(env, a["offer"]) is None  # a preview decides nothing
    stale = _post(as_admin, "/admin/matchning/regel", {**rule, "expected": "3"})
    assert stale.status_code == 409
    assert "Regeln väljer nu 2 erbjudanden, inte 3" in stale.text
    done = _post(as_admin, "/admin/matchning/regel", {**rule, "expected": "2"})
    assert done.status_code == 303
    assert _offer_product(env, a["offer"]) == env.products[GLOVE_M]
    assert _offer_product(env, b["offer"]) == env.products[GLOVE_L]
    bad = _post(as_admin, "/admin/matchning/regel", {**rule, "min_score": "mycket"})
    assert bad.status_code == 422 and "min_score" in bad.text


def test_feed_runs_of_every_retailer_with_filters_and_the_runs_errors(
    env: UiEnv, as_admin: TestClient
) -> None:
    with transaction(factory_for(env.settings)) as s:
        failed = FeedRun(
            retailer_id=env.retailers["lagerbolaget"],
            file_name="lager-trasig.csv",
            sha256="1" * 64,
            status="failed",
            progress=1.0,
            counts={},
            row_errors=[],
            message="the file cannot be read",
        )
        s.add(failed)
        s.flush()
        failed_id = failed.id
    page = as_admin.get("/admin/flodeskorningar").text
    assert "lager-januari.csv" in page and "lager-trasig.csv" in page
    assert page.index("lager-trasig.csv") < page.index("lager-januari.csv")  # newest first
    only = as_admin.get("/admin/flodeskorningar?handlare=nordisk-dentaldepa").text
    assert "lager-januari.csv" in only and "lager-trasig.csv" not in only
    failed_only = as_admin.get("/admin/flodeskorningar?status=failed").text
    assert "lager-trasig.csv" in failed_only and "lager-januari.csv" not in failed_only
    assert as_admin.get("/admin/flodeskorningar?status=magic").status_code == 404
    first = re.search(r'href="/admin/flodeskorningar/(\d+)">\d+</a></td>\s*<td>Nordisk', page)
    assert first is not None
    run = as_admin.get(f"/admin/flodeskorningar/{first.group(1)}")
    assert run.status_code == 200
    assert "gratis" in run.text and "errors.csv" in run.text  # the row error and its download
    status = as_admin.get(f"/admin/flodeskorningar/{failed_id}/status")
    assert status.status_code == 200 and 'id="run-status"' in status.text
    assert as_admin.get("/admin/flodeskorningar/999999").status_code == 404


def test_the_dashboard_counts_every_queue(env: UiEnv, as_admin: TestClient) -> None:
    queue_offer(env, "SM-Q9", "Något oklart", [(GLOVE_M, 0.5)])
    page = as_admin.get("/admin/oversikt")
    assert page.status_code == 200
    match = re.search(r'id="queue-match"><span class="queue-count">(\d+)</span>', page.text)
    assert match is not None and int(match.group(1)) >= 1
    failed = re.search(r'id="queue-failed-runs"><span class="queue-count">(\d+)', page.text)
    assert failed is not None
    for key in ("queue-held", "queue-reports", "queue-signups", "queue-mail-queued"):
        assert f'id="{key}"' in page.text


@pytest.mark.parametrize("role", ["clinic", "retailer", "merchandiser", "admin"])
def test_the_queue_pages_and_their_actions_are_only_for_admins(
    client: TestClient, role: str
) -> None:
    log_in(client, role)
    token = csrf_from(client.get("/").text)
    pages = [
        client.get(url).status_code
        for url in (
            "/admin/matchning",
            "/admin/flodeskorningar",
            "/admin/flodeskorningar/1",
            "/admin/flodeskorningar/1/status",
            "/admin/oversikt",
        )
    ]
    posts = [
        client.post(url, data={"csrf_token": token, **data}).status_code
        for url, data in (
            ("/admin/matchning/kandidat/999999/godkann", {}),
            ("/admin/matchning/kandidat/999999/avvisa", {}),
            ("/admin/matchning/erbjudande/999999/ny-produkt", {}),
            ("/admin/matchning/erbjudande/999999/valj", {"product_id": "1"}),
            ("/admin/matchning/regel", {"bulk_retailer": "smilo", "min_score": "0.9"}),
        )
    ]
    if role == "admin":
        assert pages == [200] * 5
        assert posts == [404, 404, 404, 404, 200]
    else:
        assert pages == [403] * 5 and posts == [403] * 5


def test_unknown_addresses_are_html_pages_with_the_signed_in_header(
    client: TestClient,
) -> None:
    log_in(client, "admin")
    for path in ("/admin/finns-inte", "/nope", "/admin/matchning/okand"):
        r = client.get(path)
        assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
        assert "Sidan finns inte." in r.text and "Inloggad som Admin Valbar" in r.text
    api = client.get("/api/v1/nope")
    assert api.status_code == 404
    assert api.headers["content-type"].startswith("application/problem+json")


def test_the_failed_runs_count_links_to_exactly_the_runs_it_counts(
    env: UiEnv, as_admin: TestClient
) -> None:
    """The dashboard counts failed and refused runs of the last seven days: its link lists
    those (a refused run too, not an old failure), as many as the number says."""
    from datetime import timedelta

    from marketplace.dates import utc_now

    with transaction(factory_for(env.settings)) as s:
        for name, status, age in (
            ("avvisad-ny.csv", "rejected", 1),
            ("trasig-ny.csv", "failed", 2),
            ("trasig-gammal.csv", "failed", 30),
        ):
            s.add(
                FeedRun(
                    retailer_id=env.retailers["lagerbolaget"],
                    file_name=name,
                    sha256="2" * 64,
                    status=status,
                    progress=1.0,
                    counts={},
                    row_errors=[],
                    created_at=utc_now() - timedelta(days=age),
                )
            )
    page = as_admin.get("/admin/oversikt").text
    found = re.search(
        r'id="queue-failed-runs"><span class="queue-count">(\d+)</span><a href="([^"]+)"', page
    )
    assert found is not None
    count, link = int(found.group(1)), found.group(2).replace("&amp;", "&")
    listed = as_admin.get(link)
    assert listed.status_code == 200
    assert "avvisad-ny.csv" in listed.text and "trasig-ny.csv" in listed.text
    assert "trasig-gammal.csv" not in listed.text and 'id="runs-days"' in listed.text
    shown = re.search(r"<h1>[^<]*<span class=\"muted small\">\((\d+)\)</span>", listed.text)
    assert shown is not None and int(shown.group(1)) == count
    assert as_admin.get("/admin/flodeskorningar?dagar=0").status_code == 404
    assert as_admin.get("/admin/flodeskorningar?status=failed,magic").status_code == 404


def test_admins_read_the_outgoing_e_mail(env: UiEnv, as_admin: TestClient) -> None:
    """Without an SMTP server the messages stay queued: the admins' e-mail page shows each
    with its recipient, subject, text and status, and the dashboard links to it."""
    from marketplace.models import OutgoingEmail

    with transaction(factory_for(env.settings)) as s:
        mail = OutgoingEmail(
            to_address="ny@tandlagret.test",
            template="signup_confirm",
            lang="sv",
            context={
                "name": "Nora Ny",
                "organisation": "Tandlagret Väst AB",
                "link": "http://127.0.0.1:8765/bekrafta/abc",
                "hours": 48,
            },
            status="queued",
        )
        s.add(mail)
        s.flush()
        mail_id = mail.id
    page = as_admin.get("/admin/e-post?status=queued")
    assert page.status_code == 200
    card = page.text.split(f'id="mail-{mail_id}"', 1)[1].split("</article>", 1)[0]
    assert "ny@tandlagret.test" in card and "I kö" in card
    assert "http://127.0.0.1:8765/bekrafta/…" in card  # the body, its link without the token
    assert "bekrafta/abc" not in card  # outside the demo (development, no SMTP) it is hidden
    assert as_admin.get("/admin/e-post?status=magic").status_code == 404
    sent = as_admin.get("/admin/e-post?status=sent").text
    assert f'id="mail-{mail_id}"' not in sent
    assert 'href="/admin/e-post?status=queued"' in as_admin.get("/admin/oversikt").text


def test_the_e_mail_page_never_shows_a_password_reset_token(
    env: UiEnv, as_admin: TestClient
) -> None:
    """An admin who resets someone's sign-in cannot read the new link's token on
    ``/admin/e-post`` (it would let them sign in as that person); nor an invitation's."""
    from sqlalchemy import select

    from catalog.models import User
    from marketplace.models import OutgoingEmail
    from tests.unit.ui.ui_support import EMAILS

    with factory_for(env.settings)() as s:
        uid = s.scalars(select(User.id).where(User.email == EMAILS["retailer2"])).one()
    page = as_admin.get(f"/admin/anvandare/{uid}")
    reset = as_admin.post(
        f"/admin/anvandare/{uid}/aterstall-inloggning",
        data={"csrf_token": csrf_from(page.text), "lang": "sv"},
    )
    assert reset.status_code == 303
    with transaction(factory_for(env.settings)) as s:
        mail = s.scalars(
            select(OutgoingEmail)
            .where(OutgoingEmail.user_id == uid)
            .order_by(OutgoingEmail.id.desc())
        ).first()
        assert mail is not None and mail.template == "password_reset"
        link = str(mail.context["link"])
        invitation = OutgoingEmail(
            to_address="ny@leendet.test",
            template="invitation",
            lang="sv",
            context={
                "organisation": "Leendet",
                "inviter": "Ida",
                "role": "staff",
                "link": "http://127.0.0.1:8765/inbjudan/hemligt-inbjudningstecken",
                "days": 7,
            },
            status="queued",
        )
        s.add(invitation)
    token = link.split("token=", 1)[1]
    assert len(token) > 20
    shown = as_admin.get("/admin/e-post")
    assert shown.status_code == 200
    card = shown.text.split(f'id="mail-{mail.id}"', 1)[1].split("</article>", 1)[0]
    assert "/konto/nytt-losenord?token=…" in card
    pieces = {token[i : i + 8] for i in range(len(token) - 7)}
    assert not [piece for piece in pieces if piece in shown.text]
    assert "hemligt-inbjudningstecken" not in shown.text and "/inbjudan/…" in shown.text
