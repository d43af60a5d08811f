"""Errors say what is wrong and how to ask instead, and never show the server's paths."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ranking.config import DEFAULT_CONFIG_DIR, load_named
from ranking.errors import UnknownConfig
from tests.unit.api.test_api_support import ApiEnv, assert_problem, build_env, close_env


@pytest.fixture()
def env(tmp_path: Path) -> Iterator[ApiEnv]:
    built = build_env(tmp_path)
    yield built
    close_env(built)


def test_unknown_ranking_config_does_not_leak_a_path(env: ApiEnv) -> None:
    m = env.headers("merchandiser")
    body = assert_problem(env.client.get("/api/v1/ranking/configs/nope", headers=m), 404)
    assert body["detail"] == "unknown ranking config 'nope'"
    preview = env.client.post(
        "/api/v1/ranking/preview",
        json={"queries": ["x"], "config_a": "default", "config_b": "nope"},
        headers=m,
    )
    body = assert_problem(preview, 404)
    assert body["detail"] == "unknown ranking config 'nope'"
    assert str(DEFAULT_CONFIG_DIR) not in preview.text and ".toml" not in preview.text


def test_unknown_config_message_names_only_the_config(tmp_path: Path) -> None:
    with pytest.raises(UnknownConfig) as caught:
        load_named("nope", tmp_path)
    assert str(caught.value) == "unknown ranking config 'nope'"
    assert str(tmp_path) not in str(caught.value)


def test_compare_takes_repeated_and_comma_separated_ids(env: ApiEnv) -> None:
    a, b, c = env.products["glove"], env.products["composite"], env.products["mirror"]
    repeated = env.client.get("/api/v1/compare", params=[("ids", a), ("ids", b), ("ids", c)])
    assert repeated.status_code == 200, repeated.text
    assert [p["id"] for p in repeated.json()["data"]] == [a, b, c]
    mixed = env.client.get("/api/v1/compare", params=[("ids", f"{a},{b}"), ("ids", c)])
    assert mixed.status_code == 200 and mixed.json()["count"] == 3
    five = env.client.get("/api/v1/compare", params=[("ids", i) for i in (1, 2, 3, 4, 5)])
    body = assert_problem(five, 422)
    assert "got 5" in body["detail"] and "ids=1&ids=2" in body["detail"]
    one = assert_problem(env.client.get("/api/v1/compare", params={"ids": a}), 422)
    assert "got 1" in one["detail"] and "ids=1,2,3" in one["detail"]
    assert_problem(env.client.get("/api/v1/compare"), 422)
    assert_problem(env.client.get("/api/v1/compare", params={"ids": "1," * 150}), 422)


def test_framework_errors_carry_the_projects_problem_types(env: ApiEnv) -> None:
    """An unknown route, a method a route does not take and a body nested too deeply are
    problems of the project's types (never about:blank), with the request's path."""
    base = "https://valbar.se/problems/"
    unknown = assert_problem(env.client.get("/api/v1/nope"), 404)
    assert (unknown["type"], unknown["instance"]) == (base + "not-found", "/api/v1/nope")
    method = assert_problem(env.client.delete("/api/v1/auth/login"), 405)
    assert method["type"] == base + "method-not-allowed"
    deep = '{"a":' * 5000 + "1" + "}" * 5000
    nested = env.client.post(
        "/api/v1/auth/login", content=deep, headers={"content-type": "application/json"}
    )
    problem = assert_problem(nested, 400)
    assert problem["type"] == base + "bad-request" and "nested too deeply" in problem["detail"]
