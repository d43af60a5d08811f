"""Feed uploads: accepted runs, run status, previews."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from api.schemas.common import ListResponse, UtcDatetime


class FeedRunLinks(BaseModel):
    self: str
    errors_csv: str
    cancel: str


class FeedRunAccepted(BaseModel):
    id: int
    status: str
    links: FeedRunLinks


class RowErrorPublic(BaseModel):
    row: int | None
    field: str | None
    value: str | None
    message: str
    severity: str
    item: dict[str, Any] | None = Field(
        default=None,
        description="In an XML or JSON feed: the item, by 1-based index (also `row`) and id (SKU).",
    )


class FeedRunSummaryPublic(BaseModel):
    id: int
    retailer: str
    file_name: str
    status: str
    progress: float
    mode: str
    format: str | None
    counts: dict[str, Any]
    message: str | None
    created_at: UtcDatetime
    finished_at: UtcDatetime | None
    links: FeedRunLinks


class FeedRunPublic(FeedRunSummaryPublic):
    encoding: str | None
    size_bytes: int
    sha256: str
    mapping: dict[str, Any]
    options: dict[str, Any]
    timings: dict[str, Any]
    started_at: UtcDatetime | None
    cancel_requested_at: UtcDatetime | None = None
    attempts: int = Field(default=0, description="How often a process claimed the run.")
    errors: ListResponse[RowErrorPublic]
    errors_truncated: int = Field(
        default=0,
        description="Row errors beyond the ones kept in full; counts.error_groups has them "
        "counted by field and reason.",
    )


class PriceVatPublic(BaseModel):
    header: str | None = Field(description="The price column's header; null without one.")
    vat_included: bool | None = Field(
        description="True for 'inkl. moms', false for 'exkl. moms', null when it says nothing."
    )
    excl_fallback: str | None = Field(
        default=None,
        description="The price excluding VAT column ('Pris exkl. moms') a row whose price cell "
        "is empty takes its price from, excluding VAT; null without one.",
    )


class FeedPreviewPublic(BaseModel):
    """What a real run would do (``?dry_run=true``); nothing is written."""

    file_name: str
    format: str | None
    encoding: str | None
    mapping: dict[str, Any]
    counts: dict[str, Any]
    message: str | None = Field(
        default=None, description="Why the real run would be refused (empty feed, mass withdrawal)."
    )
    price_vat: PriceVatPublic = Field(
        description="What the price column's header says of VAT (exkl./inkl. moms)."
    )
    would_clear: dict[str, int] = Field(
        default_factory=dict,
        description="Per field, how many stored values the run would clear: an empty cell in "
        "a column the file has clears; a column the file lacks clears nothing.",
    )
    rows: list[dict[str, Any]]
    errors: list[RowErrorPublic]
    errors_count: int


class TemplateColumnPublic(BaseModel):
    """One column of the feed template (``GET /api/v1/feed-template``)."""

    field: str
    header: str = Field(description="The Swedish header the template writes.")
    required: bool
    example: str
    description: dict[str, str] = Field(description="What the column means, by language.")
    also_read: list[str] = Field(description="Other headers the column is recognised by.")
