"""The OpenAPI document, finished: error answers as ``application/problem+json`` only.

FastAPI puts a response model's schema under the route's media type (``application/json``);
an error of this API is always RFC 9457 problem details, so for every 4xx/5xx answer the
schema is moved to ``application/problem+json`` and the JSON entry dropped. Each route's
admitted API key scopes are written as ``x-api-key-scopes`` (``api.key_scopes``), and
FastAPI's own 422 answer (its ``HTTPValidationError``) is the problem details this API
really answers invalid input with (``api.problems``).
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

PROBLEM_JSON = "application/problem+json"
PROBLEM = "#/components/schemas/Problem"
VALIDATION_ERROR = "#/components/schemas/HTTPValidationError"


def problem_content(doc: dict[str, Any]) -> dict[str, Any]:
    """``doc`` with every error response's schema under ``application/problem+json``."""
    for path in doc.get("paths", {}).values():
        for operation in path.values():
            if not isinstance(operation, dict):
                continue
            for status, response in operation.get("responses", {}).items():
                if str(status)[:1] not in ("4", "5"):
                    continue
                content = response.get("content") or {}
                plain_ref = (content.get("application/json") or {}).get("schema", {})
                if plain_ref.get("$ref") == VALIDATION_ERROR:
                    # FastAPI's own 422: this API answers invalid input with problem details
                    response["content"] = {PROBLEM_JSON: {"schema": {"$ref": PROBLEM}}}
                    response["description"] = "Invalid input: ``errors`` names each field"
                    continue
                if PROBLEM_JSON not in content:
                    continue
                plain = content.pop("application/json", None)
                if plain and "schema" in plain and not content[PROBLEM_JSON].get("schema"):
                    content[PROBLEM_JSON] = {**content[PROBLEM_JSON], "schema": plain["schema"]}
    return doc


def install_openapi(app: FastAPI) -> None:
    """Build ``app``'s OpenAPI document this way (once, on first request)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            doc = get_openapi(
                title=app.title,
                version=app.version,
                openapi_version=app.openapi_version,
                summary=app.summary,
                description=app.description,
                routes=app.routes,
                tags=app.openapi_tags,
                servers=app.servers,
            )
            app.openapi_schema = problem_content(doc)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
