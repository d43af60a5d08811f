"""Fixtures of the UI tests: one seeded app per test module, clients per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tests.unit.ui.ui_support import EMAILS, PASSWORD, UiEnv, build_ui_env, csrf_from


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[UiEnv]:
    built = build_ui_env(tmp_path_factory.mktemp("ui"))
    yield built
    built.app.state.feed_runner.shutdown()
    built.app.state.search.close()


@pytest.fixture()
def client(env: UiEnv) -> TestClient:
    # No ``with``: the app's lifespan (which shuts its feed runner down) belongs to the
    # module-wide app, not to each test's client.
    return TestClient(env.app, raise_server_exceptions=True, follow_redirects=False)


def log_in(client: TestClient, role: str) -> TestClient:
    page = client.get("/logga-in")
    response = client.post(
        "/logga-in",
        data={"email": EMAILS[role], "password": PASSWORD, "csrf_token": csrf_from(page.text)},
    )
    assert response.status_code == 303, response.text
    return client


@pytest.fixture()
def as_retailer(client: TestClient) -> TestClient:
    return log_in(client, "retailer")


@pytest.fixture()
def as_merch(client: TestClient) -> TestClient:
    return log_in(client, "merchandiser")


@pytest.fixture()
def as_clinic(client: TestClient) -> TestClient:
    return log_in(client, "clinic")
