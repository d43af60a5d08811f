"""No English under Swedish (issue 13 item 17): an error page's detail and a form's error
come from a domain error's code and values, in the page's language; an error without a code
shows its (English) message only to an English reader."""

from __future__ import annotations

from html import unescape

import pytest
from fastapi.responses import Response
from fastapi.testclient import TestClient

from api.deps import CurrentUser
from marketplace.errors import IllegalTransition, InvalidInput, NotAllowed
from tests.unit.ui.conftest import log_in
from tests.unit.ui.ui_support import UiEnv, csrf_from
from ui.error_pages import error_detail, page_router

RAISED: dict[str, Exception] = {
    "plain": NotAllowed("only the retailer's own staff may do this"),
    "transition": IllegalTransition("order", "delivered", "cancel"),
    "rma": IllegalTransition("RMA", "resolved", "accept"),
    "coded": InvalidInput("text is longer than 2000 characters", code="text_length", high=2000),
}


@pytest.fixture(scope="module")
def raising_env(env: UiEnv) -> UiEnv:
    router = page_router(prefix="/test-detalj")

    @router.get("/{kind}")
    def fails(kind: str, user: CurrentUser) -> Response:
        raise RAISED[kind]

    env.app.include_router(router)
    return env


@pytest.mark.parametrize(
    ("kind", "sv", "en"),
    [
        ("plain", "Det får du inte göra.", "only the retailer's own staff may do this"),
        ("transition", "Ordern har status ”levererad”.", "The order's status is “delivered”."),
        ("rma", "Reklamationen har status ”avslutad”.", "The return's status is “resolved”."),
        ("coded", "Skriv en text på 1 till 2\u00a0000 tecken.", "1 to 2,000 characters"),
    ],
)
def test_a_4xx_page_under_swedish_has_no_english_detail(
    raising_env: UiEnv, client: TestClient, kind: str, sv: str, en: str
) -> None:
    page = client.get(f"/test-detalj/{kind}")
    text = unescape(page.text)
    assert 400 <= page.status_code < 500
    assert sv in text
    assert str(RAISED[kind]) not in text
    for english in ("only the", "cannot", "longer than", "characters", "delivered"):
        assert english not in text
    fragment = client.get(f"/test-detalj/{kind}", headers={"HX-Request": "true"})
    assert str(RAISED[kind]) not in unescape(fragment.text) and 'role="alert"' in fragment.text
    assert en in unescape(client.get(f"/test-detalj/{kind}?lang=en").text)


def test_a_wrong_quantity_in_the_cart_form_is_explained_in_swedish(
    env: UiEnv, client: TestClient
) -> None:
    clinic = log_in(client, "clinic")
    page = clinic.get("/?q=nitrilhandske")
    token = csrf_from(page.text)
    offer_id = page.text.split('name="offer_id" value="')[1].split('"')[0]
    sent = {"csrf_token": token, "offer_id": offer_id, "quantity": "0", "next": "/varukorg"}
    refused = clinic.post("/varukorg", data=sent)
    assert refused.status_code == 422
    assert "Ange ett antal från 1 till 100\u00a0000." in refused.text
    assert "quantity" not in refused.text
    english = clinic.post("/varukorg?lang=en", data=sent)
    assert "Enter a quantity from 1 to 100,000." in english.text


def test_a_search_the_engine_refuses_is_explained_in_swedish(client: TestClient) -> None:
    html = client.get("/?q=nitrilhandske&page=99999").text
    assert "Ogiltig sökning: sökningen går inte att göra" in html
    assert "cannot page beyond" not in html
    english = client.get("/?q=nitrilhandske&page=99999&lang=en").text
    assert "cannot page beyond" in english


def test_error_detail_of_errors_without_code_is_english_only() -> None:
    assert error_detail(ValueError("boom"), "sv") == ""
    assert error_detail(ValueError("boom"), "en") == "boom"
    unknown = InvalidInput("x", code="no_such_code", n=1)
    assert error_detail(unknown, "sv") == "" and error_detail(unknown, "en") == "x"
