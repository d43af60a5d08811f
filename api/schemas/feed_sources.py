"""Feed URLs fetched on a schedule (``/feed-urls``) as the API shows them."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from api.schemas.common import UtcDatetime


class FeedSourceWrite(BaseModel):
    url: str = Field(min_length=1, max_length=1000, examples=["https://shop.example.se/feed.csv"])
    schedule: str = Field(
        min_length=1,
        max_length=100,
        examples=["hourly", "0 5 * * 1-5"],
        description="hourly, daily, weekly or a cron expression of five fields (UTC).",
    )
    mode: Literal["full", "delta"] = "full"
    auth_kind: Literal["none", "basic", "bearer"] = "none"
    auth_username: str = Field(default="", max_length=200)
    auth_secret: str | None = Field(
        default=None,
        max_length=2000,
        description="The basic login's password or the bearer token; stored encrypted and "
        "never shown. Left out on an edit: the stored one is kept.",
    )


class FeedFetchPublic(BaseModel):
    id: int
    trigger: Literal["schedule", "manual"]
    status: Literal["ok", "not_modified", "failed"]
    http_status: int | None
    size_bytes: int
    duration_ms: int
    feed_run_id: int | None = Field(description="The feed run the fetch made (status ok).")
    error: str | None
    started_at: UtcDatetime
    finished_at: UtcDatetime


class FeedSourcePublic(BaseModel):
    id: int
    url: str
    schedule: str
    mode: Literal["full", "delta"]
    auth_kind: Literal["none", "basic", "bearer"]
    auth_username: str
    active: bool
    next_fetch_at: UtcDatetime
    fetch_pending: bool = Field(description="A 'fetch now' waits to be carried out.")
    failures: int = Field(description="Failed fetches in a row (retried with backoff).")
    created_at: UtcDatetime
    last_fetch: FeedFetchPublic | None


class FeedSourceList(BaseModel):
    data: list[FeedSourcePublic]
    count: int


class FeedFetchList(BaseModel):
    data: list[FeedFetchPublic]
    count: int


class FetchRequested(BaseModel):
    requested: bool = Field(
        description="True when this call asked for the fetch; false when one was pending "
        "already (one fetch either way)."
    )
