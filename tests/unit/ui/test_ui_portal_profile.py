"""The retailer's presentation page from the portal: its representative edits text, video
(YouTube/Vimeo only, embedded safely), contact, delivery terms and logo; staff see it
read-only; every change is audited and shown on the public page."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from catalog.models import AuditEntry, Retailer
from indexer.jobs import factory_for
from tests.unit.marketplace.test_video_links_and_logos import jpeg, png
from tests.unit.ui.conftest import log_in
from tests.unit.ui.ui_support import UiEnv, csrf_from

SLUG = "nordisk-dentaldepa"
FORM = {
    "presentation": "Vi säljer <b>allt</b> för kliniken.\r\n\r\n\r\nAndra  stycket\nfortsätter.",
    "video_url": "https://youtu.be/dQw4w9WgXcQ",
    "website": "nordisk.example",
    "contact_email": "order@nordisk.example",
    "contact_phone": "+46 8 123 456 78",
    "free_shipping_from": "1 500,00",
    "delivery_fee": "49 kr",
    "delivery_days": "2",
    "return_terms": "Öppnad förpackning tas inte i retur.",
}


def _post(client: TestClient, url: str, data: dict[str, str], **kw: object) -> object:
    token = csrf_from(client.get("/portal/presentation").text)
    return client.post(url, data={**data, "csrf_token": token}, **kw)  # type: ignore[arg-type]


def _audit(env: UiEnv, action: str) -> list[AuditEntry]:
    with factory_for(env.settings)() as s:
        return list(s.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def test_the_representative_edits_the_page_and_the_public_page_shows_it(
    env: UiEnv, as_retailer: TestClient
) -> None:
    page = as_retailer.get("/portal/presentation")
    assert (
        page.status_code == 200 and 'href="/portal/presentation" aria-current="page"' in page.text
    )
    saved = _post(as_retailer, "/portal/presentation", FORM)
    assert saved.status_code == 303  # type: ignore[attr-defined]
    assert saved.headers["location"] == "/portal/presentation?notice=profile_saved"  # type: ignore[attr-defined]
    with factory_for(env.settings)() as s:
        r = s.scalars(select(Retailer).where(Retailer.slug == SLUG)).one()
        assert r.presentation == "Vi säljer <b>allt</b> för kliniken.\n\nAndra stycket fortsätter."
        assert r.video_url == "https://www.youtube.com/watch?v=dQw4w9WgXcQ"
        assert r.website == "https://nordisk.example"
        assert str(r.free_shipping_from) == "1500.00" and r.delivery_days == 2
        assert str(r.delivery_fee) == "49.00"
    entries = _audit(env, "retailer.profile_update")
    assert entries and "video_url" in entries[-1].detail["fields"]
    assert entries[-1].actor.startswith("retailer handlare@valbar.test")

    public = TestClient(env.app).get(f"/handlare/{SLUG}")
    html = public.text
    assert "Vi säljer &lt;b&gt;allt&lt;/b&gt; för kliniken.</p><p>Andra stycket fortsätter." in html
    assert 'src="https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"' in html
    iframe = re.search(r"<iframe[^>]*>", html)
    assert iframe and 'sandbox="' in iframe.group(0) and "referrerpolicy=" in iframe.group(0)
    policy = public.headers["content-security-policy"]
    assert policy.endswith("; frame-src https://www.youtube-nocookie.com")
    assert "frame-ancestors 'none'" in policy
    assert 'href="mailto:order@nordisk.example"' in html and 'href="tel:+46812345678"' in html
    assert "Fri frakt från 1\u00a0500,00\u00a0kr exkl. moms" in html
    assert "Frakt 49,00\u00a0kr exkl. moms" in html
    assert "Leverans normalt inom 2 arbetsdagar" in html
    assert "Öppnad förpackning tas inte i retur." in html
    # unchanged values: nothing written, nothing audited
    before = len(_audit(env, "retailer.profile_update"))
    _post(as_retailer, "/portal/presentation", FORM)
    assert len(_audit(env, "retailer.profile_update")) == before


def test_a_page_without_a_video_keeps_the_site_policy(env: UiEnv) -> None:
    response = TestClient(env.app).get("/handlare/smilo")
    assert "frame-src" not in response.headers["content-security-policy"]
    assert "<iframe" not in response.text


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("video_url", "https://evil.example/v/1", "Bara videor på YouTube eller Vimeo"),
        ("video_url", "https://www.youtube.com/playlist?list=x", "inte på en enskild video"),
        ("contact_email", "inte-en-adress", "Inte en giltig e-postadress"),
        ("contact_phone", "ring oss", "Inte ett giltigt telefonnummer"),
        ("website", "javascript:alert(1)", "Inte en giltig webbadress"),
        ("free_shipping_from", "-5", "Ett belopp i kronor mellan 0 och 1\u00a0000\u00a0000"),
        ("delivery_fee", "gratis", "Ett belopp i kronor mellan 0 och 1\u00a0000\u00a0000"),
        ("delivery_days", "99", "Ett helt antal dagar mellan 0 och 60"),
        ("presentation", "x" * 4001, "För lång: 4\u00a0001 tecken, högst 4\u00a0000"),
    ],
)
def test_a_bad_value_is_refused_naming_its_field_and_nothing_is_saved(
    env: UiEnv, as_retailer: TestClient, field: str, value: str, message: str
) -> None:
    response = _post(as_retailer, "/portal/presentation", {**FORM, field: value})
    assert response.status_code == 422  # type: ignore[attr-defined]
    html = response.text  # type: ignore[attr-defined]
    assert "Presentationen sparades inte" in html
    error = re.search(rf'<p class="field-error" id="f-{field}-error">([^<]*)</p>', html)
    assert error and message in error.group(1), html
    assert f'id="f-{field}"' in html and 'aria-invalid="true"' in html
    with factory_for(env.settings)() as s:
        r = s.scalars(select(Retailer).where(Retailer.slug == SLUG)).one()
        assert getattr(r, field) != value


def test_the_logo_is_checked_by_its_bytes_stored_and_served_with_its_type(
    env: UiEnv, as_retailer: TestClient
) -> None:
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'
    refused = _post(
        as_retailer,
        "/portal/presentation/logotyp",
        {},
        files={"logo": ("logo.png", svg, "image/png")},  # the name and type lie
    )
    assert refused.status_code == 422  # type: ignore[attr-defined]
    assert "inte en PNG-, JPEG- eller WebP-bild" in refused.text  # type: ignore[attr-defined]
    big = _post(
        as_retailer,
        "/portal/presentation/logotyp",
        {},
        files={"logo": ("logo.png", png(5000, 100), "image/png")},
    )
    assert "5\u00a0000 × 100 bildpunkter" in big.text  # type: ignore[attr-defined]
    logo = jpeg(240, 80)
    saved = _post(
        as_retailer,
        "/portal/presentation/logotyp",
        {},
        files={"logo": ("logo.svg", logo, "image/svg+xml")},
    )
    assert saved.status_code == 303  # type: ignore[attr-defined]
    html = TestClient(env.app).get(f"/handlare/{SLUG}").text
    src = re.search(rf'<img class="retailer-logo" src="(/handlare/{SLUG}/logotyp\?v=\w+)"', html)
    assert src, html
    served = TestClient(env.app).get(src.group(1))
    assert served.status_code == 200 and served.content == logo
    assert served.headers["content-type"] == "image/jpeg"
    assert served.headers["x-content-type-options"] == "nosniff"
    assert [e.detail["width"] for e in _audit(env, "retailer.logo_set")][-1] == 240
    removed = _post(as_retailer, "/portal/presentation/logotyp", {"remove": "1"})
    assert removed.status_code == 303  # type: ignore[attr-defined]
    assert TestClient(env.app).get(src.group(1)).status_code == 404
    assert _audit(env, "retailer.logo_remove")


def test_a_body_larger_than_a_logo_is_refused_before_it_is_read(
    env: UiEnv, as_retailer: TestClient
) -> None:
    huge = png(100, 100) + b"\x00" * (2 * 1024 * 1024)
    response = _post(
        as_retailer,
        "/portal/presentation/logotyp",
        {},
        files={"logo": ("logo.png", huge, "image/png")},
    )
    assert response.status_code == 413  # type: ignore[attr-defined]
    assert "Filen är större än 512 kB." in response.text  # type: ignore[attr-defined]


def test_staff_see_the_page_read_only_and_cannot_change_it(env: UiEnv, client: TestClient) -> None:
    staff = log_in(client, "retailer_staff")
    page = staff.get("/portal/presentation")
    assert page.status_code == 200 and 'id="profile-read-only"' in page.text
    assert '<fieldset class="card stack" disabled>' in page.text
    token = csrf_from(page.text)
    refused = staff.post(
        "/portal/presentation", data={**FORM, "presentation": "Staff", "csrf_token": token}
    )
    assert refused.status_code == 403
    logo = staff.post(
        "/portal/presentation/logotyp",
        data={"csrf_token": token},
        files={"logo": ("l.png", png(64, 64), "image/png")},
    )
    assert logo.status_code == 403
    with factory_for(env.settings)() as s:
        r = s.scalars(select(Retailer).where(Retailer.slug == SLUG)).one()
        assert r.presentation != "Staff"


def test_another_retailer_edits_only_its_own_page(env: UiEnv, client: TestClient) -> None:
    other = log_in(client, "retailer2")
    token = csrf_from(other.get("/portal/presentation").text)
    assert "Smilo" in other.get("/portal/presentation").text
    other.post(
        "/portal/presentation",
        data={**FORM, "presentation": "Smilos text", "video_url": "", "csrf_token": token},
    )
    with factory_for(env.settings)() as s:
        mine = s.scalars(select(Retailer).where(Retailer.slug == SLUG)).one()
        theirs = s.scalars(select(Retailer).where(Retailer.slug == "smilo")).one()
        assert theirs.presentation == "Smilos text" and mine.presentation != "Smilos text"


@pytest.mark.parametrize("role", [None, "clinic", "merchandiser", "admin"])
@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/portal/presentation"),
        ("post", "/portal/presentation"),
        ("post", "/portal/presentation/logotyp"),
    ],
)
def test_only_retailer_users_reach_the_page(
    client: TestClient, role: str | None, method: str, url: str
) -> None:
    if role is not None:
        log_in(client, role)
    token = csrf_from(client.get("/logga-in").text) if method == "post" else ""
    response = client.get(url) if method == "get" else client.post(url, data={"csrf_token": token})
    if role is None:
        assert response.status_code in (303, 403)  # log in first (or no CSRF session yet)
    else:
        assert response.status_code == 403
