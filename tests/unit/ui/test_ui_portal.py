"""Retailer portal: upload -> preview with detected mapping -> correct -> submit -> run."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from indexer import faults
from tests.unit.ui.ui_support import csrf_from, feed_bytes, odd_feed_bytes

TOKEN = re.compile(r"/portal/uppladdning/([A-Za-z0-9_-]+)/granska")


def _upload(client: TestClient, data: bytes, **form: str) -> tuple[str, str]:
    token = csrf_from(client.get("/portal").text)
    response = client.post(
        "/portal/uppladdning",
        data={"csrf_token": token, **form},
        files={"file": ("lager.csv", data, "text/csv")},
    )
    assert response.status_code == 200, response.text
    found = TOKEN.search(response.text)
    assert found
    return response.text, found.group(1)


def test_portal_home_lists_history_with_error_download(as_retailer: TestClient) -> None:
    html = as_retailer.get("/portal").text
    assert "Nordisk Dentaldepå AB" in html and "lager-januari.csv" in html
    assert re.search(r'href="/api/v1/feeds/\d+/errors.csv\?lang=sv"', html)
    assert 'enctype="multipart/form-data"' in html


def test_preview_shows_detected_mapping_counts_and_errors(as_retailer: TestClient) -> None:
    html, _ = _upload(as_retailer, feed_bytes(rows=4, bad_rows=1))
    assert "5 rader, 4 giltiga, 1 avvisad," in html  # one row: singular
    assert '<option value="Pris inkl. moms" selected>' in html
    assert "igenkänd" in html  # where the mapping came from
    assert "inte ett pris" in html  # the row error
    assert "Skicka in flödet" in html and "disabled" not in html.split("Skicka in flödet")[0][-80:]


def test_unknown_column_is_mapped_by_hand_and_previewed_again(as_retailer: TestClient) -> None:
    html, upload = _upload(as_retailer, odd_feed_bytes())
    assert "Obligatoriska fält saknas: Pris" in html
    fixed = as_retailer.post(
        f"/portal/uppladdning/{upload}/granska",
        data={
            "csrf_token": csrf_from(html),
            "map_sku": "Artikelnummer",
            "map_name": "Benämning",
            "map_price": "Kostnaden",
            "map_stock": "Lagerstatus",
        },
    )
    assert fixed.status_code == 200
    assert "3 rader, 3 giltiga, 0 avvisade" in fixed.text
    assert '<option value="Kostnaden" selected>' in fixed.text


def test_submit_runs_the_feed_and_the_run_page_polls_until_done(as_retailer: TestClient) -> None:
    html, upload = _upload(as_retailer, feed_bytes(rows=4, bad_rows=1), delta="1")
    response = as_retailer.post(
        f"/portal/uppladdning/{upload}/skicka",
        data={"csrf_token": csrf_from(html), "delta": "1"},
    )
    assert response.status_code == 303
    run_url = response.headers["location"]
    assert re.fullmatch(r"/portal/korningar/\d+", run_url)
    deadline = time.monotonic() + 120  # a niced child process: slow on a busy machine
    while True:
        fragment = as_retailer.get(f"{run_url}/status").text
        if 'hx-trigger="every 500ms"' not in fragment:
            break
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert 'data-status="succeeded"' in fragment
    assert "<html" not in fragment
    assert "Ladda ner radfel (CSV)" in fragment and "inte ett pris" in fragment
    page = as_retailer.get(run_url).text
    assert "<progress" in page and 'value="100"' in page
    # the upload is gone once submitted
    again = as_retailer.post(
        f"/portal/uppladdning/{upload}/granska", data={"csrf_token": csrf_from(page)}
    )
    assert again.status_code == 404
    # the CSV is in the portal's language, not the browser's (the link goes to the API,
    # which answered in Accept-Language: English behind an English browser)
    for url in (run_url, "/portal"):
        swedish = _errors_csv_as_linked(as_retailer, url, "sv", "en-US,en;q=0.9")
        assert "inte ett pris: " in swedish and "not a price" not in swedish
        english = _errors_csv_as_linked(as_retailer, url, "en", "sv-SE,sv;q=0.9")
        assert "not a price: " in english and "inte ett pris: " not in english


def test_runs_of_other_retailers_are_hidden(as_retailer: TestClient) -> None:
    assert as_retailer.get("/portal/korningar/999999").status_code == 404


def test_upload_without_a_file_is_explained(as_retailer: TestClient) -> None:
    token = csrf_from(as_retailer.get("/portal").text)
    response = as_retailer.post("/portal/uppladdning", data={"csrf_token": token})
    assert response.status_code in (400, 422)


def test_unreadable_file_is_reported(as_retailer: TestClient) -> None:
    token = csrf_from(as_retailer.get("/portal").text)
    response = as_retailer.post(
        "/portal/uppladdning",
        data={"csrf_token": token},
        files={"file": ("lager.csv", b"\x00\x01\x02 not a feed", "text/csv")},
    )
    assert response.status_code == 200
    assert "Filen kunde inte läsas" in response.text or "saknas" in response.text


def test_a_running_run_is_cancelled_from_its_page(
    as_retailer: TestClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    marker = tmp_path / "paused.marker"
    monkeypatch.setenv(faults.PAUSE_ENV, "before_write")  # a run that would go on and on
    monkeypatch.setenv(faults.MARKER_ENV, str(marker))
    html, upload = _upload(as_retailer, feed_bytes(rows=3, bad_rows=0), delta="1")
    response = as_retailer.post(
        f"/portal/uppladdning/{upload}/skicka", data={"csrf_token": csrf_from(html), "delta": "1"}
    )
    run_url = response.headers["location"]
    deadline = time.monotonic() + 60
    while not marker.exists():
        assert time.monotonic() < deadline
        time.sleep(0.05)
    page = as_retailer.get(run_url).text
    assert "Avbryt körningen" in page
    cancelled = as_retailer.post(f"{run_url}/avbryt", data={"csrf_token": csrf_from(page)})
    assert cancelled.status_code == 303 and cancelled.headers["location"] == run_url
    while True:
        fragment = as_retailer.get(f"{run_url}/status").text
        if 'data-status="cancelled"' in fragment:
            break
        assert "Körningen avbryts" in fragment
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert "Avbruten" in fragment and "avbruten på begäran; inget ändrades" in fragment
    assert "Avbryt körningen" not in fragment
    refused = as_retailer.post(f"{run_url}/avbryt", data={"csrf_token": "wrong"})
    assert refused.status_code == 403


def _errors_csv_as_linked(client: TestClient, page_url: str, lang: str, browser: str) -> str:
    """The errors CSV behind a portal page's download link, fetched by a browser whose
    Accept-Language is ``browser``."""
    html = client.get(page_url, params={"lang": lang}).text
    link = re.search(r'href="(/api/v1/feeds/\d+/errors\.csv[^"]*)"', html)
    assert link, html
    response = client.get(link.group(1).replace("&amp;", "&"), headers={"Accept-Language": browser})
    assert response.status_code == 200, response.text
    assert response.headers["content-language"] == lang
    return response.text


def test_a_delta_with_only_some_columns_previews_as_the_run_reads_it(
    as_retailer: TestClient,
) -> None:
    """A delta of SKU + price (no name, no stock) updates existing offers: the API and the
    run take it, but the portal's preview read it as a full feed and refused it with
    "required fields missing", its submit button disabled."""
    partial = b"Artikelnummer;Pris inkl. moms\nNY-0;149,00 kr\n"
    full, _ = _upload(as_retailer, partial)
    assert "Obligatoriska fält saknas: Benämning, Lagerstatus" in full
    delta, _ = _upload(as_retailer, partial, delta="1")
    assert "Obligatoriska fält saknas" not in delta
    assert "1 rad" in delta  # read and counted, as the run will


def test_a_double_submitted_preview_starts_one_run(as_retailer: TestClient) -> None:
    """Two identical "submit" POSTs of one preview at once: one feed run; both are sent to
    it, and a third submit later is sent there too (not told the upload expired)."""
    from concurrent.futures import ThreadPoolExecutor

    from sqlalchemy import func, select

    from catalog.models import FeedRun

    factory = as_retailer.app.state.session_factory  # type: ignore[attr-defined]
    with factory() as db:
        before = db.scalar(select(func.count(FeedRun.id)))
    html, upload = _upload(as_retailer, feed_bytes(rows=3, bad_rows=0), delta="1")
    data = {"csrf_token": csrf_from(html), "delta": "1"}
    url = f"/portal/uppladdning/{upload}/skicka"
    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(lambda _: as_retailer.post(url, data=data), range(2)))
    assert [a.status_code for a in answers] == [303, 303]
    locations = {a.headers["location"] for a in answers}
    with factory() as db:
        assert db.scalar(select(func.count(FeedRun.id))) == before + 1
        run_id = db.scalar(select(func.max(FeedRun.id)))
    assert locations <= {f"/portal/korningar/{run_id}", "/portal"}
    assert f"/portal/korningar/{run_id}" in locations
    later = as_retailer.post(url, data=data)
    assert later.status_code == 303 and later.headers["location"] == f"/portal/korningar/{run_id}"
