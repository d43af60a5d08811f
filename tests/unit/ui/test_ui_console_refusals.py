"""A refused publish or roll back in the console is explained in the page's language (issue
13 item 17): the ranking's English message only to an English reader."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.unit.ui.ui_support import csrf_from


def test_publishing_a_version_that_does_not_exist_is_refused_in_swedish(
    as_merch: TestClient,
) -> None:
    page = as_merch.get("/konsol").text
    refused = as_merch.post(
        "/konsol/publicera", data={"version": "999", "csrf_token": csrf_from(page)}
    )
    assert refused.status_code == 409
    assert "versionen finns inte" in refused.text
    assert "999" not in refused.text.split('role="alert"')[1].split("</div>")[0]
    assert "no such version" not in refused.text and "unknown" not in refused.text.lower()

    page = as_merch.get("/konsol?lang=en").text
    english = as_merch.post(
        "/konsol/rulla-tillbaka?lang=en",
        data={"to_version": "999", "csrf_token": csrf_from(page)},
    )
    assert english.status_code == 409 and "version 999" in english.text
