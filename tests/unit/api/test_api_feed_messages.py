"""Feed-run messages over HTTP: each comes as a code, its values and its text in the
``Accept-Language`` language; the English ``message`` stays what the run recorded."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from catalog.db import transaction
from catalog.models import FeedRun, Retailer
from indexer.jobs import factory_for
from tests.unit.api.test_api_feeds import GARBAGE, upload
from tests.unit.api.test_api_support import (
    ApiEnv,
    assert_problem,
    build_env,
    close_env,
    feed_csv,
    wait_for_run,
)

SV = {"Accept-Language": "sv-SE,sv;q=0.9,en;q=0.8"}


@pytest.fixture()
def env(tmp_path: Path) -> Iterator[ApiEnv]:
    built = build_env(tmp_path, max_upload_bytes=64 * 1024)
    yield built
    close_env(built)


def _get(env: ApiEnv, path: str, lang: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    return env.client.get(path, headers={**env.headers("retailer_own"), **(lang or {})})


def test_a_refused_runs_message_and_row_errors_come_as_data_in_swedish_and_english(
    env: ApiEnv,
) -> None:
    # one good row of a retailer with several active offers: a mass withdrawal, refused
    run_id = upload(env, feed_csv(rows=1, bad_rows=1)).json()["id"]
    en = wait_for_run(env, run_id)
    assert en["status"] == "rejected"
    assert en["message_code"] == "refusal.mass_withdrawal"
    values = en["message_values"]
    assert values["ratio"] == 0.5 and values["withdraw"] > values["active"] / 2
    assert "--allow-mass-withdrawal" in en["message"]  # as recorded (the CLI's words)
    # the text names the API's form field, not the CLI's flag
    assert "allow_mass_withdrawal=true" in en["message_text"]
    assert "--allow" not in en["message_text"]
    error = en["errors"]["data"][0]
    assert error["code"] == "price.not_a_price" and error["values"] == {"value": "inte ett pris"}
    assert error["text"] == error["message"] == "not a price: 'inte ett pris'"

    r = _get(env, f"/api/v1/feeds/{run_id}", SV)
    assert r.headers["content-language"] == "sv" and "Accept-Language" in r.headers["vary"]
    sv = r.json()
    assert sv["message"] == en["message"]  # the recorded English does not change
    assert sv["message_code"] == en["message_code"] and sv["message_values"] == values
    assert sv["message_text"].startswith(f"flödet skulle ta bort {values['withdraw']} av ")
    assert "(mer än 50\u00a0%)" in sv["message_text"]
    assert "formulärfältet allow_mass_withdrawal=true" in sv["message_text"]
    sv_error = sv["errors"]["data"][0]
    assert sv_error["text"] == "inte ett pris: 'inte ett pris'"
    assert sv_error["message"] == error["message"] and sv_error["code"] == error["code"]

    history = _get(env, "/api/v1/retailers/tandab/feeds", SV).json()["data"][0]
    assert history["message_text"] == sv["message_text"]
    swedish_csv = _get(env, f"/api/v1/feeds/{run_id}/errors.csv", SV).text.lstrip("\ufeff")
    rows = list(csv.reader(io.StringIO(swedish_csv), delimiter=";"))  # Swedish Excel's
    assert rows[1][3] == "inte ett pris: 'inte ett pris'"


def test_a_run_recorded_before_codes_is_shown_as_recorded(env: ApiEnv) -> None:
    with transaction(factory_for(env.settings)) as s:
        retailer = s.scalar(select(Retailer).where(Retailer.slug == "tandab"))
        assert retailer is not None
        run = FeedRun(
            retailer_id=retailer.id,
            file_name="lager.csv",
            sha256="0" * 64,
            status="rejected",
            message="lager.csv: the feed contains no rows; nothing was changed",
            row_errors=[
                {
                    "row": 2,
                    "field": "sku",
                    "value": "",
                    "message": "SKU is empty",
                    "severity": "error",
                }
            ],
        )
        s.add(run)
        s.flush()
        run_id = run.id
    body = _get(env, f"/api/v1/feeds/{run_id}", SV).json()
    assert body["message_code"] is None and body["message_values"] is None
    assert body["message_text"] == body["message"]  # no code: nothing is guessed from the text
    error = body["errors"]["data"][0]
    assert error["code"] is None and error["text"] == "SKU is empty"


def test_an_unreadable_files_problem_carries_its_code_values_and_swedish_text(
    env: ApiEnv,
) -> None:
    r = env.client.post(
        "/api/v1/retailers/tandab/feeds",
        params={"dry_run": "true"},
        files={"file": ("junk.bin", GARBAGE, "application/octet-stream")},
        headers={**env.headers("retailer_own"), **SV},
    )
    body = assert_problem(r, 422)
    assert body["code"] == "file.unsupported"
    assert body["values"] == {"what": "what.binary", "file": "junk.bin"}
    assert body["detail"].startswith("junk.bin: not a supported feed format (binary data)")
    assert body["text"].startswith("junk.bin: formatet stöds inte (binärdata)")
    english = assert_problem(upload(env, b"foo;bar\n1;2\n", dry_run=True), 422)
    assert english["code"] == "columns.missing" and english["text"] == english["detail"]
    assert english["values"]["missing"] == "sku, name, price, stock"
    # the API's form field, not the CLI's flag
    assert "form field mapping" in english["detail"] and "--mapping" not in english["detail"]


def test_a_preview_says_its_errors_and_refusal_in_swedish(env: ApiEnv) -> None:
    r = env.client.post(
        "/api/v1/retailers/tandab/feeds",
        params={"dry_run": "true"},
        files={"file": ("lager.csv", feed_csv(rows=1, bad_rows=1), "text/csv")},
        headers={**env.headers("retailer_own"), **SV},
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["message_code"] == "refusal.mass_withdrawal"
    assert body["message_text"].startswith("flödet skulle ta bort")
    assert body["errors"][0]["code"] == "price.not_a_price"
    assert body["errors"][0]["text"] == "inte ett pris: 'inte ett pris'"
