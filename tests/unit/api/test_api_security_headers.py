"""Security headers on every response (API, UI, static files, errors, docs), a CSP the
templates can live with (no inline script, handlers or style) and HSTS only in production."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.unit.api.test_api_support import ApiEnv, build_env, close_env
from ui import templates_dir


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiEnv]:
    built = build_env(Path(tmp_path_factory.mktemp("api_headers")))
    yield built
    close_env(built)


PATHS = [
    "/api/v1/retailers",
    "/api/v1/products/999999",  # a 404 problem
    "/healthz",
    "/",
    "/logga-in",
    "/static/valbar.css",
    "/no/such/page",
    "/openapi.json",
]


@pytest.mark.parametrize("path", PATHS)
def test_every_response_has_the_headers(env: ApiEnv, path: str) -> None:
    r = env.client.get(path)
    csp = r.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "default-src 'self'" in csp
    assert "script-src 'self';" in csp and "'unsafe-inline'" not in csp
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "same-origin"
    assert r.headers["x-frame-options"] == "DENY"
    assert "strict-transport-security" not in r.headers  # not in development/test


def test_hsts_only_in_production(tmp_path: Path) -> None:
    from catalog.settings import Settings
    from valbar.app import create_app

    settings = Settings(
        data_dir=tmp_path / "var",
        database_url="",
        environment="production",
        secret_key="p" * 64,
    )
    with TestClient(create_app(settings)) as client:
        r = client.get("/healthz")
    assert r.headers["strict-transport-security"].startswith("max-age=31536000")


def test_docs_run_their_one_inline_script_by_nonce(env: ApiEnv) -> None:
    r = env.client.get("/docs")
    assert r.status_code == 200
    csp = r.headers["content-security-policy"]
    nonce = re.search(r"'nonce-([^']+)'", csp)
    assert nonce is not None and "frame-ancestors 'none'" in csp
    assert f'<script nonce="{nonce.group(1)}">' in r.text
    assert "<script>" not in r.text
    assert env.client.get("/docs").headers["content-security-policy"] != csp  # per response
    assert env.client.get("/docs-assets/swagger-ui-bundle.js").status_code == 200


INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I), "inline <script>"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "on* handler"),
    (re.compile(r"\sstyle\s*=", re.I), "style attribute"),
    (re.compile(r"<style", re.I), "<style> element"),
    (re.compile(r"javascript:", re.I), "javascript: URL"),
    (re.compile(r"hx-on", re.I), "hx-on handler"),
]


def test_templates_need_no_inline_script_or_style() -> None:
    found = []
    for template in sorted(templates_dir.rglob("*.html")):
        text = template.read_text(encoding="utf-8")
        name = template.relative_to(templates_dir)
        found += [f"{name}: {what}" for pattern, what in INLINE if pattern.search(text)]
    assert found == []


def test_bars_are_drawn_with_width_classes(env: ApiEnv) -> None:
    css = env.client.get("/static/valbar.css").text
    assert ".w-0{width:0%}" in css and ".w-100{width:100%}" in css


def test_a_500_answer_has_the_headers_too(env: ApiEnv, monkeypatch: pytest.MonkeyPatch) -> None:
    service = env.app.state.search.get()

    def boom(q: str, limit: int = 8) -> list[str]:
        raise RuntimeError("boom")

    monkeypatch.setattr(service, "suggest", boom)
    r = env.client.get("/api/v1/suggest", params={"q": "x"})
    assert r.status_code == 500
    assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
    assert r.headers["x-content-type-options"] == "nosniff"
