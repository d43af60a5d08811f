"""The OpenAPI document: security schemes, every operation's errors as problem+json with
429 declared, key scopes, examples on the main schemas; the docs work offline."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.unit.api.test_api_support import ApiEnv, build_env, close_env

PROBLEM = "application/problem+json"
METHODS = ("get", "post", "put", "patch", "delete")


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiEnv]:
    built = build_env(Path(tmp_path_factory.mktemp("openapi")))
    yield built
    close_env(built)


@pytest.fixture(scope="module")
def doc(env: ApiEnv) -> dict[str, Any]:
    r = env.client.get("/openapi.json")
    assert r.status_code == 200
    body: dict[str, Any] = r.json()
    return body


def _api_operations(doc: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in doc["paths"].items():
        if path.startswith("/api/v1/"):
            for method in METHODS:
                if method in item:
                    yield path, method, item[method]


def test_security_schemes_for_the_key_and_the_session(doc: dict[str, Any]) -> None:
    schemes = doc["components"]["securitySchemes"]
    assert schemes["ApiKey"] == {
        "type": "apiKey",
        "in": "header",
        "name": "X-API-Key",
        "description": schemes["ApiKey"]["description"],
    }
    assert schemes["BearerApiKey"]["scheme"] == "bearer"
    assert schemes["SessionCookie"]["in"] == "cookie"
    assert schemes["SessionCookie"]["name"] == "valbar_session"
    for path, method, operation in _api_operations(doc):
        names = {name for entry in operation.get("security", []) for name in entry}
        assert names == {"ApiKey", "BearerApiKey", "SessionCookie"}, (path, method)


def test_every_operation_declares_429_and_its_errors_as_problem_json(
    doc: dict[str, Any],
) -> None:
    operations = list(_api_operations(doc))
    assert len(operations) > 40
    for path, method, operation in operations:
        where = f"{method.upper()} {path}"
        responses = operation["responses"]
        assert "429" in responses, where
        assert "Retry-After" in responses["429"].get("headers", {}), where
        for status in ("401", "403"):
            assert status in responses, where
        if operation.get("parameters") or operation.get("requestBody"):
            assert "422" in responses, f"{where}: validates input, declares no 422"
        for status, response in responses.items():
            if status.startswith(("4", "5")):
                content = response.get("content", {})
                assert list(content) == [PROBLEM], f"{where} {status}: {list(content)}"
                assert content[PROBLEM]["schema"] == {"$ref": "#/components/schemas/Problem"}


def test_each_operation_names_the_key_scopes_it_admits(doc: dict[str, Any]) -> None:
    scopes = {
        (path, method): set(op["x-api-key-scopes"]) for path, method, op in _api_operations(doc)
    }
    assert scopes[("/api/v1/search", "get")] == {"search", "full"}
    assert scopes[("/api/v1/retailers/{slug}/feeds", "post")] == {"feeds", "full"}
    assert scopes[("/api/v1/feed-template", "get")] == {"search", "feeds", "full"}
    assert scopes[("/api/v1/orders", "get")] == {"full"}
    assert scopes[("/api/v1/auth/api-keys", "post")] == {"full"}


def test_list_operations_are_paged(doc: dict[str, Any]) -> None:
    for path, method, operation in _api_operations(doc):
        ok = operation["responses"].get("200") or operation["responses"].get("201") or {}
        schema = ok.get("content", {}).get("application/json", {}).get("schema", {})
        name = schema.get("$ref", "").rsplit("/", 1)[-1]
        if not name.startswith("ListResponse") or method != "get":
            continue
        if path in ("/api/v1/compare",):  # 2-4 products asked for by id
            continue
        params = {p["name"]: p["schema"] for p in operation.get("parameters", [])}
        assert params.get("limit", {}).get("maximum") == 100, path
        assert params["limit"].get("default") == 50, path
        assert params.get("offset", {}).get("minimum") == 0, path
        envelope = doc["components"]["schemas"][name]
        assert {"data", "count", "limit", "offset"} <= set(envelope["required"]), path


@pytest.mark.parametrize(
    "schema",
    [
        "ProductHitPublic",
        "ProductPublic",
        "OfferPublic",
        "OrderPublic",
        "ReviewPublic",
        "FeedRunPublic",
        "ApiKeyPublic",
    ],
)
def test_main_schemas_carry_examples(doc: dict[str, Any], schema: str) -> None:
    found = doc["components"]["schemas"][schema]
    assert found.get("examples"), f"{schema} has no examples"
    example = found["examples"][0]
    # FastAPI leaves None out of the document: a nullable field may be missing
    nullable = {
        name
        for name, prop in found["properties"].items()
        if {"type": "null"} in prop.get("anyOf", [])
    }
    missing = set(found.get("required", [])) - set(example) - nullable
    assert not missing, f"{schema}: the example lacks {missing}"


def test_docs_are_served_offline_and_redoc_is_gone(env: ApiEnv) -> None:
    page = env.client.get("/docs")
    assert page.status_code == 200
    assert "cdn" not in page.text.lower() and "/docs-assets/swagger-ui-bundle.js" in page.text
    assert env.client.get("/docs-assets/swagger-ui-bundle.js").status_code == 200
    assert env.client.get("/redoc").status_code == 404
