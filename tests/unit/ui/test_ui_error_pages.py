"""The UI's one error handler (``ui.error_pages``) and its reads through shared functions:
a domain error raised by a page rolls the request's writes back and is shown as a page (a
fragment to an HTMX request) with the API's status; no UI module runs ORM queries."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from fastapi.responses import Response
from fastapi.testclient import TestClient

from api.deps import CurrentUser, SessionDep
from api.problems import DOMAIN_ERRORS
from catalog.models import Retailer
from catalog.reads import retailer_by_slug
from indexer.jobs import factory_for
from marketplace.errors import IllegalTransition, NotAllowed
from search.errors import BackendUnavailable
from tests.unit.ui.conftest import log_in
from tests.unit.ui.ui_support import UiEnv
from ui.error_pages import HANDLED, page_router, status_of

UI_DIR = Path(__file__).resolve().parents[3] / "ui"
SLUG = "rolled-back-by-the-handler"
RAISED: dict[str, Exception] = {
    "not-allowed": NotAllowed("not your order"),
    "transition": IllegalTransition("order", "delivered", "cancel"),
    "search-down": BackendUnavailable("the index is not reachable"),
    "search-internals": BackendUnavailable(
        "cannot search: ConnectionError(http://10.0.0.7:9200/products-v3 refused) Traceback"
    ),
}


@pytest.fixture(scope="module")
def failing_env(env: UiEnv) -> UiEnv:
    """The seeded app with one page that writes a row, then raises a domain error."""
    router = page_router(prefix="/test-fel")

    @router.get("/{kind}")
    def fails(kind: str, session: SessionDep, user: CurrentUser) -> Response:
        session.add(Retailer(slug=SLUG, name="Never stored"))
        session.flush()  # written in the transaction the handler rolls back
        raise RAISED[kind]

    env.app.include_router(router)
    return env


@pytest.mark.parametrize(
    ("kind", "status", "sv", "en"),
    [
        ("not-allowed", 403, "Det får du inte göra.", "You may not do that."),
        ("transition", 409, "Det går inte i orderns nuvarande läge.", "not possible"),
        ("search-down", 503, "Sökningen är inte tillgänglig just nu", "Search is unavailable"),
    ],
)
def test_a_domain_error_is_rolled_back_and_shown_as_a_page(
    failing_env: UiEnv, client: TestClient, kind: str, status: int, sv: str, en: str
) -> None:
    page = client.get(f"/test-fel/{kind}")
    assert page.status_code == status == status_of(RAISED[kind])
    assert page.headers["content-type"].startswith("text/html")
    assert "<html" in page.text and sv in page.text
    assert str(RAISED[kind]) not in page.text  # no English detail under Swedish
    english = client.get(f"/test-fel/{kind}?lang=en")
    assert english.status_code == status and en.lower() in english.text.lower()
    if status < 500 and getattr(RAISED[kind], "code", None) is None:
        assert str(RAISED[kind]) in english.text  # the detail, as the API's problem gives it
    with factory_for(failing_env.settings)() as session:
        assert retailer_by_slug(session, SLUG) is None


def test_an_htmx_request_gets_a_fragment(failing_env: UiEnv, client: TestClient) -> None:
    fragment = client.get("/test-fel/not-allowed", headers={"HX-Request": "true"})
    assert fragment.status_code == 403
    assert "<html" not in fragment.text and 'role="alert"' in fragment.text
    assert "Det får du inte göra." in fragment.text


@pytest.mark.parametrize("headers", [{}, {"HX-Request": "true"}])
def test_a_server_side_error_shows_no_internals(
    failing_env: UiEnv, client: TestClient, headers: dict[str, str]
) -> None:
    """A 5xx is the server's trouble, not the clinic's: its message (hosts, index names,
    exception reprs) goes to the log, the page and the HTMX fragment show only the text."""
    for lang in ("sv", "en"):
        page = client.get(f"/test-fel/search-internals?lang={lang}", headers=headers)
        assert page.status_code == 503
        assert "10.0.0.7" not in page.text and "ConnectionError" not in page.text
        assert "Traceback" not in page.text
        assert ("Sökningen är inte tillgänglig" if lang == "sv" else "unavailable") in page.text


def test_the_page_shows_who_is_logged_in(failing_env: UiEnv, client: TestClient) -> None:
    as_clinic = log_in(client, "clinic")
    page = as_clinic.get("/test-fel/not-allowed")
    assert page.status_code == 403 and "/logga-ut" in page.text


def test_every_domain_error_of_the_api_is_handled_with_its_status() -> None:
    assert set(HANDLED) == set(DOMAIN_ERRORS)
    for cls, (status, _slug, _title) in DOMAIN_ERRORS.items():
        assert any(issubclass(cls, handled) for handled in HANDLED)
        if cls.__init__ is Exception.__init__:
            assert status_of(cls("x")) == status, cls


def test_real_pages_answer_domain_errors_through_the_handler(
    env: UiEnv, client: TestClient
) -> None:
    as_clinic = log_in(client, "clinic")
    missing = as_clinic.get("/ordrar/999999")  # marketplace NotFound from orders.get_order
    assert missing.status_code == 404 and "Det finns inte." in missing.text
    client.cookies.clear()
    as_retailer = log_in(client, "retailer")
    page = as_retailer.get("/portal/ordrar/999999")
    assert page.status_code == 404 and "<html" in page.text


def _sqlalchemy_imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("sqlalchemy"):
            found += [f"{node.module}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name.startswith("sqlalchemy")]
    return found


def test_the_ui_runs_no_orm_queries_of_its_own() -> None:
    """Pages read through the query functions the API uses (``catalog.reads``, the
    ``marketplace`` services): the UI imports only the ``Session`` type from SQLAlchemy."""
    modules = sorted(UI_DIR.rglob("*.py"))
    assert len(modules) > 20
    offending = {
        str(path.relative_to(UI_DIR)): names
        for path in modules
        if (names := [n for n in _sqlalchemy_imports(path) if n != "sqlalchemy.orm.Session"])
    }
    assert offending == {}


@pytest.mark.parametrize("path", ["/produkt/abc", "/produkt/0", "/ordrar/abc"])
def test_an_id_no_row_can_have_is_a_not_found_page(client: TestClient, path: str) -> None:
    """A mistyped product or order address in the browser: a page, not problem+json."""
    log_in(client, "clinic")
    page = client.get(path)
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert "<html" in page.text and "Det finns inte." in page.text
    english = client.get(f"{path}?lang=en")
    assert english.status_code == 404 and "It does not exist." in english.text
    fragment = client.get(path, headers={"HX-Request": "true"})
    assert fragment.status_code == 404 and "<html" not in fragment.text
    assert 'role="alert"' in fragment.text
    api = client.get("/api/v1/products/abc")
    assert api.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize(
    ("role", "path", "status", "text"),
    [
        ("clinic", "/konsol", 403, "Du har inte behörighet"),
        ("clinic", "/portal", 403, "Du har inte behörighet"),
        ("clinic", "/produkt/999999", 404, "Produkten finns inte."),
        ("clinic", "/handlare/finns-inte", 404, "Återförsäljaren finns inte."),
    ],
)
def test_pages_refusing_an_htmx_request_answer_a_fragment(
    client: TestClient, role: str, path: str, status: int, text: str
) -> None:
    """An HTMX swap never receives a whole page (with its header and footer) to nest."""
    log_in(client, role)
    page = client.get(path)
    assert page.status_code == status and "<html" in page.text and text in page.text
    fragment = client.get(path, headers={"HX-Request": "true"})
    assert fragment.status_code == status
    assert "<html" not in fragment.text and 'role="alert"' in fragment.text
    assert text in fragment.text
