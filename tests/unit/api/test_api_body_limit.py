"""Request bodies: a JSON or form body of a route that takes no file is bounded by
``max_body_bytes`` (1 MB by default), refused with 413 before it is read whole; the upload
routes (a feed, a logo) keep ``max_upload_bytes``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from api.app import is_photo_route, is_upload_route
from catalog.settings import Settings
from tests.unit.api.test_api_support import (
    ApiEnv,
    assert_problem,
    build_env,
    close_env,
    feed_csv,
)

MB = 1024 * 1024


@pytest.fixture()
def env(tmp_path: Path) -> Iterator[ApiEnv]:
    built = build_env(tmp_path, max_upload_bytes=4 * MB)
    yield built
    close_env(built)


def _big_login() -> bytes:
    return json.dumps({"email": "a@b.se", "password": "x", "padding": "y" * (2 * MB)}).encode()


def test_the_default_limit_is_one_megabyte() -> None:
    assert Settings(database_url="").max_body_bytes == MB


def test_a_two_megabyte_login_is_413_by_its_length(env: ApiEnv) -> None:
    r = env.client.post(
        "/api/v1/auth/login", content=_big_login(), headers={"content-type": "application/json"}
    )
    problem = assert_problem(r, 413)
    assert str(MB) in problem["detail"] and problem["instance"] == "/api/v1/auth/login"


def test_a_streamed_two_megabyte_login_is_413_while_it_streams(env: ApiEnv) -> None:
    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it comes
        body = _big_login()
        for at in range(0, len(body), 64 * 1024):
            yield body[at : at + 64 * 1024]

    r = env.client.post(
        "/api/v1/auth/login", content=chunks(), headers={"content-type": "application/json"}
    )
    assert_problem(r, 413)


def test_a_ui_form_is_bounded_too(env: ApiEnv) -> None:
    r = env.client.post(
        "/logga-in",
        content=b"email=a%40b.se&password=" + b"x" * (2 * MB),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert r.status_code == 413


def test_a_feed_upload_over_the_body_limit_is_still_taken(env: ApiEnv) -> None:
    data = feed_csv(rows=20000, bad_rows=0)
    assert MB < len(data) < env.settings.max_upload_bytes
    r = env.client.post(
        "/api/v1/retailers/tandab/feeds",
        params={"dry_run": "true"},
        files={"file": ("lager.csv", data, "text/csv")},
        headers=env.headers("retailer_own"),
    )
    assert r.status_code == 200, r.text


def test_only_the_upload_routes_take_large_bodies() -> None:
    assert is_upload_route("POST", "/api/v1/retailers/tandab/feeds")
    assert is_upload_route("POST", "/portal/uppladdning")
    assert is_upload_route("POST", "/portal/presentation/logotyp")
    assert not is_upload_route("POST", "/api/v1/auth/login")
    assert not is_upload_route("PUT", "/api/v1/retailers/tandab/feeds")
    assert not is_upload_route("POST", "/api/v1/retailers/tandab/feeds/1/retry")
    # a seller's loyalty photo: bounded by the photo cap, not the feed uploads' limit
    assert is_photo_route("POST", "/api/v1/loyalty/photo-activities/7/photos")
    assert is_photo_route("POST", "/portal/poang/foto/7")
    assert not is_photo_route("GET", "/portal/poang/foto/7")
    assert not is_upload_route("POST", "/portal/poang/foto/7")
