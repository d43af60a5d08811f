"""Feed uploads over HTTP: preview, 202 + polling, errors.csv, limits, bad files, access."""

from __future__ import annotations

import csv
import io
import os
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from catalog.settings import Settings
from indexer import faults
from tests.unit.api.test_api_support import (
    ApiEnv,
    assert_problem,
    build_env,
    close_env,
    feed_csv,
    poll_run,
    restart_env,
    wait_for_run,
)

GARBAGE = bytes(range(256)) * 8


@pytest.fixture()
def env(tmp_path: Path) -> Iterator[ApiEnv]:
    built = build_env(tmp_path, max_upload_bytes=64 * 1024)
    yield built
    close_env(built)


def upload(env: ApiEnv, data: bytes, role: str = "retailer_own", slug: str = "tandab", **kw):  # type: ignore[no-untyped-def]
    params = {"dry_run": "true"} if kw.pop("dry_run", False) else {}
    return env.client.post(
        f"/api/v1/retailers/{slug}/feeds",
        params=params,
        files={"file": (kw.pop("name", "lager.csv"), data, "text/csv")},
        data={k: str(v).lower() if isinstance(v, bool) else v for k, v in kw.items()},
        headers=env.headers(role),
    )


def test_dry_run_previews_without_writing(env: ApiEnv) -> None:
    r = upload(env, feed_csv(rows=25, bad_rows=2), dry_run=True)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["format"] == "csv" and body["file_name"] == "lager.csv"
    assert body["mapping"]["sku"] == "Artikelnummer"
    assert len(body["rows"]) == 20
    assert body["counts"]["valid"] == 25 and body["errors_count"] == 2
    assert body["errors"][0]["field"] == "price"
    history = env.client.get("/api/v1/retailers/tandab/feeds", headers=env.headers("admin"))
    assert history.json()["count"] == 0


def test_upload_is_accepted_polled_and_reports_errors_as_csv(env: ApiEnv) -> None:
    data = feed_csv(rows=3, bad_rows=1) + b"C-1;Komposit A2;399,00 kr;I lager;07312345678916\n"
    r = upload(env, data, delta=True)
    assert r.status_code == 202, r.text
    run_id = r.json()["id"]
    assert r.headers["location"] == f"/api/v1/feeds/{run_id}"
    assert r.json()["links"]["self"] == f"/api/v1/feeds/{run_id}"
    run = wait_for_run(env, run_id)
    assert run["status"] == "succeeded", run
    assert run["progress"] == 1.0 and run["mode"] == "delta"
    assert run["counts"]["inserted"] == 4
    assert run["errors"]["count"] == 1 and run["errors"]["data"][0]["row"] == 5
    assert "total_s" in run["timings"]
    paged = env.client.get(
        f"/api/v1/feeds/{run_id}", params={"errors_page": 2}, headers=env.headers("admin")
    )
    assert paged.json()["errors"] == {"data": [], "count": 1, "limit": 100, "offset": 100}
    r = env.client.get(f"/api/v1/feeds/{run_id}/errors.csv", headers=env.headers("retailer_own"))
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(r.text)))
    assert rows[0] == ["row", "field", "value", "message", "severity"]
    assert rows[1][:3] == ["5", "price", "inte ett pris"] and rows[1][4] == "error"
    # ?lang= wins over Accept-Language (the portal's link passes its page's language)
    url = f"/api/v1/feeds/{run_id}/errors.csv"
    english = {**env.headers("retailer_own"), "Accept-Language": "en"}
    assert "not a price: " in env.client.get(url, headers=english).text
    swedish = env.client.get(url, params={"lang": "sv"}, headers=english)
    assert swedish.headers["content-language"] == "sv"
    assert swedish.content.startswith(b"\xef\xbb\xbfRad;F\xc3\xa4lt;V\xc3\xa4rde;Meddelande;")
    sv_rows = list(csv.reader(io.StringIO(swedish.content.decode("utf-8-sig")), delimiter=";"))
    assert sv_rows[0] == ["Rad", "Fält", "Värde", "Meddelande", "Allvarlighet"]
    assert sv_rows[1] == ["5", "Pris", "inte ett pris", "inte ett pris: 'inte ett pris'", "fel"]
    assert not env.client.get(url, params={"lang": "en"}, headers=english).content.startswith(
        b"\xef\xbb\xbf"
    )
    assert_problem(env.client.get(url, params={"lang": "de"}, headers=english), 422)
    history = env.client.get("/api/v1/retailers/tandab/feeds", headers=env.headers("retailer_own"))
    assert history.json()["count"] == 1 and history.json()["data"][0]["id"] == run_id
    # the offer matched by GTIN reaches the search index right after the run (incremental)
    deadline = time.monotonic() + 10
    while True:
        found = env.client.get("/api/v1/search", params={"q": "07312345678916"}).json()
        prices = found["data"][0]["price_range"] or {}
        if 399.0 in (prices.get("min"), prices.get("max")):  # tandab's second offer of it
            break
        assert time.monotonic() < deadline, found
        time.sleep(0.05)


def test_a_polled_run_moves_forward_and_is_succeeded_only_once_search_finds_its_offer(
    env: ApiEnv,
) -> None:
    """A client that stops polling at ``succeeded`` finds the run's offer in search at once
    (tantivy, the web server's outbox child): until then the run is ``running``, its index
    phase last, and its progress never goes back."""
    data = feed_csv(rows=2, bad_rows=0) + b"C-9;Komposit A2;377,00 kr;I lager;07312345678916\n"
    r = upload(env, data, delta=True)
    assert r.status_code == 202, r.text
    run_id = r.json()["id"]
    seen: list[tuple[str, str | None, float]] = []
    deadline = time.monotonic() + 120
    while True:
        body = poll_run(env, run_id).json()
        seen.append((body["status"], body["phase"], body["progress"]))
        if body["status"] == "succeeded":
            break
        assert body["status"] in ("queued", "running"), body
        assert time.monotonic() < deadline, seen
        time.sleep(0.02)
    # no waiting: the run's offer is searchable the moment the run says it succeeded
    found = env.client.get("/api/v1/search", params={"q": "07312345678916"}).json()
    prices = found["data"][0]["price_range"] or {}
    assert 377.0 in (prices.get("min"), prices.get("max")), found
    assert seen[-1] == ("succeeded", None, 1.0)
    fractions = [fraction for _status, _phase, fraction in seen]
    assert fractions == sorted(fractions), seen
    order = {"read": 0, "match": 1, "store": 1, "index": 2}
    ranks = [order[phase] for _status, phase, _f in seen if phase is not None]
    assert ranks == sorted(ranks), seen
    assert all(phase is not None for status, phase, _f in seen if status == "running"), seen
    again = env.client.get(f"/api/v1/feeds/{run_id}", headers=env.headers("retailer_own"))
    assert (again.json()["status"], again.json()["progress"]) == ("succeeded", 1.0)


def test_mass_withdrawal_is_rejected_with_a_message(env: ApiEnv) -> None:
    run = wait_for_run(env, upload(env, feed_csv(rows=1, bad_rows=0)).json()["id"])
    assert run["status"] == "rejected" and "withdraw" in run["message"]


def test_binary_garbage_is_rejected_naming_the_file(env: ApiEnv) -> None:
    body = assert_problem(upload(env, GARBAGE, name="junk.bin", dry_run=True), 422)
    assert "junk.bin" in body["detail"]
    r = upload(env, GARBAGE, name="junk.bin")
    assert r.status_code == 202
    run = wait_for_run(env, r.json()["id"])
    assert run["status"] == "rejected" and "junk.bin" in run["message"]


def test_header_only_and_missing_columns(env: ApiEnv) -> None:
    body = assert_problem(upload(env, b"foo;bar\n1;2\n", dry_run=True), 422)
    assert "required field" in body["detail"]


def test_oversized_upload_is_413(env: ApiEnv) -> None:
    big = feed_csv(rows=3000, bad_rows=0)
    assert len(big) > env.settings.max_upload_bytes
    assert_problem(upload(env, big), 413)
    assert_problem(upload(env, big, dry_run=True), 413)


def test_oversized_chunked_upload_is_413_while_streaming(env: ApiEnv) -> None:
    def chunks() -> Iterator[bytes]:
        boundary = b"--xyz\r\n"
        yield boundary + b'Content-Disposition: form-data; name="file"; filename="a.csv"\r\n\r\n'
        for _ in range(100):
            yield b"x" * 4096
        yield b"\r\n--xyz--\r\n"

    r = env.client.post(
        "/api/v1/retailers/tandab/feeds",
        content=chunks(),
        headers={
            **env.headers("retailer_own"),
            "content-type": "multipart/form-data; boundary=xyz",
        },
    )
    assert_problem(r, 413)


@pytest.mark.parametrize(
    "fields",
    [{"mapping": "{not json"}, {"mapping": '["sku"]'}, {"delta": "perhaps"}],
)
def test_bad_options_are_422(env: ApiEnv, fields: dict[str, str]) -> None:
    assert_problem(upload(env, feed_csv(), **fields), 422)


def test_missing_file_is_422(env: ApiEnv) -> None:
    r = env.client.post(
        "/api/v1/retailers/tandab/feeds", data={"delta": "true"}, headers=env.headers("admin")
    )
    assert_problem(r, 422)


def test_explicit_mapping_is_used(env: ApiEnv) -> None:
    data = b"Nr;Namn;Kostnad;Status\nA1;Spegel;10,00;I lager\n"
    mapping = '{"sku": "Nr", "name": "Namn", "price": "Kostnad", "stock": "Status"}'
    r = upload(env, data, dry_run=True, mapping=mapping)
    assert r.status_code == 200, r.text
    assert r.json()["mapping"]["sku"] == "Nr"


def test_unknown_retailer_and_run(env: ApiEnv) -> None:
    assert_problem(upload(env, feed_csv(), role="admin", slug="nope"), 404)
    assert_problem(env.client.get("/api/v1/feeds/999", headers=env.headers("admin")), 404)
    assert_problem(
        env.client.get("/api/v1/feeds/999/errors.csv", headers=env.headers("admin")), 404
    )
    assert_problem(
        env.client.get("/api/v1/retailers/nope/feeds", headers=env.headers("admin")), 404
    )


def test_a_whole_row_problem_has_no_field_and_formulas_stay_text_in_the_download(
    env: ApiEnv,
) -> None:
    """The Swedish download of a run with a row wider than its header: the Fält cell of that
    row is empty (never "row"), and a value that starts like a formula is written as text."""
    data = feed_csv(rows=2, bad_rows=0) + b"W-9;Sond;12;I lager;;extra\n"
    data += b"=1+2;Spegel;inte ett pris;I lager;\n"
    run = wait_for_run(env, upload(env, data, delta=True).json()["id"])
    url = f"/api/v1/feeds/{run['id']}/errors.csv"
    for lang, delimiter in (("sv", ";"), ("en", ",")):
        r = env.client.get(url, params={"lang": lang}, headers=env.headers("retailer_own"))
        rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig")), delimiter=delimiter))
        by_row = {row[0]: row for row in rows[1:]}
        assert by_row["4"][1] == "", rows  # the too-wide row: no one field
        assert all(row[1].lower() != "row" for row in rows[1:])
        assert by_row["5"][2] == "inte ett pris" and by_row["5"][1] in ("Pris", "price")
        assert not any(c.startswith(("=", "+", "-", "@")) for row in rows for c in row)


def test_retailers_only_see_their_own_feeds(env: ApiEnv) -> None:
    run_id = upload(env, feed_csv(), delta=True).json()["id"]
    wait_for_run(env, run_id)
    other = env.headers("retailer_other")
    assert_problem(upload(env, feed_csv(), role="retailer_other"), 403)
    # another retailer's run is not confirmed to exist (as in the portal)
    assert_problem(env.client.get(f"/api/v1/feeds/{run_id}", headers=other), 404)
    assert_problem(env.client.get(f"/api/v1/feeds/{run_id}/errors.csv", headers=other), 404)
    cancel = env.client.post(f"/api/v1/feeds/runs/{run_id}/cancel", headers=other)
    assert_problem(cancel, 404)
    assert_problem(env.client.get("/api/v1/retailers/tandab/feeds", headers=other), 403)
    assert_problem(upload(env, feed_csv(), role="clinic"), 403)
    anonymous = env.client.post(
        "/api/v1/retailers/tandab/feeds", files={"file": ("a.csv", feed_csv())}
    )
    assert_problem(anonymous, 401)
    for role in ("merchandiser", "admin"):
        r = env.client.get(f"/api/v1/feeds/{run_id}", headers=env.headers(role))
        assert r.status_code == 200


# ---------------------------------------------------------------- runs: cancel, queue, restart


def _pause_runs(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Runs started from now on stop before writing (``indexer/faults.py``): a long run."""
    marker = tmp_path / "paused.marker"
    monkeypatch.setenv(faults.PAUSE_ENV, "before_write")
    monkeypatch.setenv(faults.MARKER_ENV, str(marker))
    return marker


def _wait_paused(marker: Path) -> int:
    deadline = time.monotonic() + 60
    while not (marker.exists() and marker.read_text()):
        assert time.monotonic() < deadline, "the run never reached its fault point"
        time.sleep(0.05)
    return int(marker.read_text().split()[1])


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_a_running_run_is_cancelled_and_the_next_upload_runs_after_it(
    env: ApiEnv, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    marker = _pause_runs(monkeypatch, tmp_path)
    first = upload(env, feed_csv(rows=3, bad_rows=0), delta=True).json()["id"]
    pid = _wait_paused(marker)
    monkeypatch.delenv(faults.PAUSE_ENV)
    second = upload(env, feed_csv(rows=2, bad_rows=0), delta=True)
    assert second.status_code == 202 and second.json()["status"] == "queued"  # waits its turn
    cancel = f"/api/v1/feeds/runs/{first}/cancel"
    assert_problem(env.client.post(cancel, headers=env.headers("retailer_other")), 404)
    assert_problem(env.client.post(cancel, headers=env.headers("merchandiser")), 403)
    assert_problem(env.client.post(cancel, headers=env.headers("clinic")), 403)
    r = env.client.post(cancel, headers=env.headers("retailer_own"))
    assert r.status_code == 202, r.text
    assert r.json()["status"] == "running" and r.json()["links"]["cancel"] == cancel
    run = wait_for_run(env, first)
    assert run["status"] == "cancelled" and run["cancel_requested_at"] is not None
    assert run["message"] == "cancelled on request; nothing was changed"
    assert not _alive(pid)
    assert_problem(env.client.post(cancel, headers=env.headers("admin")), 409)
    after = wait_for_run(env, second.json()["id"])
    assert after["status"] == "succeeded" and after["counts"]["inserted"] == 2
    assert_problem(
        env.client.post("/api/v1/feeds/runs/999/cancel", headers=env.headers("admin")), 404
    )


def test_a_queued_run_is_cancelled_at_once_by_an_admin(env: ApiEnv) -> None:
    from catalog.models import FeedRun
    from indexer.pipeline import FeedOptions, submit_feed

    feed = env.settings.data_dir / "queued.csv"
    feed.write_bytes(feed_csv())
    factory = env.app.state.session_factory
    # never sent: as a run whose uploader died before sending it, which the periodic sweep
    # sends only after feed_requeue_after_seconds
    run_id = submit_feed(factory, env.settings, feed, "tandab", FeedOptions())
    r = env.client.post(f"/api/v1/feeds/runs/{run_id}/cancel", headers=env.headers("admin"))
    assert r.status_code == 202 and r.json()["status"] == "cancelled"
    with factory() as session:
        assert session.get(FeedRun, run_id).finished_at is not None


def test_stopping_the_server_requeues_a_running_run_and_the_next_start_runs_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = build_env(tmp_path, max_upload_bytes=64 * 1024)
    marker = _pause_runs(monkeypatch, tmp_path)
    run_id = upload(first, feed_csv(rows=3, bad_rows=0), delta=True).json()["id"]
    pid = _wait_paused(marker)
    close_env(first)  # lifespan shutdown: does not wait for the run
    assert not _alive(pid)
    with first.app.state.session_factory() as session:
        from catalog.models import FeedRun

        run = session.get(FeedRun, run_id)
        assert run is not None and run.status == "queued"
        assert run.message == "queued again: the server was restarted during the run"
    monkeypatch.delenv(faults.PAUSE_ENV)
    second = restart_env(first)
    try:
        done = wait_for_run(second, run_id)  # the start-up sweep sent it
        assert done["status"] == "succeeded" and done["attempts"] == 2
    finally:
        close_env(second)


def test_an_upload_while_the_broker_is_down_runs_in_the_server(tmp_path: Path) -> None:
    from indexer import jobs

    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    built = build_env(
        tmp_path, max_upload_bytes=64 * 1024, broker_url=f"redis://127.0.0.1:{port}/0"
    )
    try:
        r = upload(built, feed_csv(rows=3, bad_rows=0), delta=True)
        assert r.status_code == 202, r.text
        assert wait_for_run(built, r.json()["id"])["status"] == "succeeded"
    finally:
        close_env(built)
        jobs.configure(Settings(environment="test"))


def test_run_keeps_the_first_errors_and_counts_the_rest(tmp_path: Path) -> None:
    env = build_env(tmp_path, max_upload_bytes=64 * 1024, feed_max_row_errors=2)
    try:
        r = upload(env, feed_csv(rows=3, bad_rows=5), delta=True)
        run = wait_for_run(env, r.json()["id"])
        assert run["status"] == "succeeded", run
        assert run["errors"]["count"] == 2 and run["errors_truncated"] == 3
        assert run["counts"]["errors"] == 5
        assert run["counts"]["error_groups"][0]["count"] == 3
        page = env.client.get(
            f"/api/v1/feeds/{run['id']}",
            params={"offset": 1, "limit": 1},
            headers=env.headers("admin"),
        ).json()["errors"]
        assert page["count"] == 2 and [e["row"] for e in page["data"]] == [6]
        text = env.client.get(
            f"/api/v1/feeds/{run['id']}/errors.csv", headers=env.headers("admin")
        ).text
        rows = list(csv.reader(io.StringIO(text)))
        assert len(rows) == 1 + 2 + 1
        assert rows[-1][1] == "price" and rows[-1][3].startswith("3 more rows not listed: ")
        preview = upload(env, feed_csv(rows=3, bad_rows=5), dry_run=True).json()
        assert len(preview["errors"]) == 2 and preview["errors_count"] == 5
    finally:
        close_env(env)
