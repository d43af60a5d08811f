"""Property-based API test: schemathesis generates requests from the app's OpenAPI schema and
calls the app in-process (ASGI transport, no network); no operation may answer with a 5xx.

Bounded: 20 examples per operation, no deadline. Operations are driven from one test (the
``schema.parametrize``/``from_fixture`` pytest integration does not support pytest 9 yet).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from tests.unit.api.test_api_support import ApiEnv, build_env, close_env

pytestmark = pytest.mark.integration
MAX_EXAMPLES = 20


@pytest.fixture(scope="module")
def api_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiEnv]:
    built = build_env(Path(tmp_path_factory.mktemp("api_schemathesis")))
    yield built
    close_env(built)


@pytest.mark.parametrize("role", ["admin", None], ids=["admin", "anonymous"])
def test_no_operation_answers_5xx(api_env: ApiEnv, role: str | None) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", api_env.app)
    headers = api_env.headers(role)
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @given(case=operation.as_strategy())
        @settings(
            max_examples=MAX_EXAMPLES,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def run(case: schemathesis.Case) -> None:
            case.call_and_validate(checks=[not_a_server_error], headers=headers)

        try:
            run()
        except AssertionError as exc:  # schemathesis failures are AssertionError subclasses
            failures.append(f"{operation.method.upper()} {operation.path}: {exc}")
    assert operations >= 20
    assert not failures, "\n\n".join(failures)
