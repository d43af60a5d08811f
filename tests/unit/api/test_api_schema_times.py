"""A timestamp in a request body that has no UTC equivalent is the client's error (a 422 with
the field), never a 500 (schemathesis found 0001-01-01T00:00+00:01 overflowing)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import BaseModel, ValidationError

from api.schemas.common import UtcDatetime


class _Stamped(BaseModel):
    at: UtcDatetime


def test_a_time_before_the_first_utc_moment_is_a_validation_error() -> None:
    with pytest.raises(ValidationError) as refused:
        _Stamped.model_validate({"at": "0001-01-01T00:00:00+00:01"})
    (error,) = refused.value.errors()
    assert error["loc"] == ("at",) and "range of dates" in error["msg"]


def test_offsets_and_naive_times_become_utc() -> None:
    assert _Stamped.model_validate({"at": "2026-12-07T10:00:00+01:00"}).at == datetime(
        2026, 12, 7, 9, 0, tzinfo=UTC
    )
    assert _Stamped.model_validate({"at": "2026-12-07T10:00:00"}).at.tzinfo is UTC
