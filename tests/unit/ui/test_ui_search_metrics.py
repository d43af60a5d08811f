"""The search page counts its searches in the metrics (channel ``web``), and those that
found nothing as zero-result searches; a visit without a query is no search."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.unit.ui.ui_support import UiEnv


def _count(env: UiEnv, name: str) -> float:
    value = env.app.state.metrics.registry.get_sample_value(name, {"channel": "web"})
    return float(value or 0.0)


def test_the_search_page_counts_searches_and_zero_results(env: UiEnv, client: TestClient) -> None:
    before = (
        _count(env, "valbar_searches_total"),
        _count(env, "valbar_zero_result_searches_total"),
    )
    assert client.get("/").status_code == 200  # the start page: no search
    assert client.get("/", params={"q": "nitril"}).status_code == 200
    assert client.get("/", params={"q": "xyzzyplugh"}).status_code == 200
    after = (_count(env, "valbar_searches_total"), _count(env, "valbar_zero_result_searches_total"))
    assert after == (before[0] + 2, before[1] + 1)
    api = env.app.state.metrics.registry.get_sample_value(
        "valbar_searches_total", {"channel": "api"}
    )
    assert not api  # counted by channel
