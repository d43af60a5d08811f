"""Feed uploads: accepted runs, run status, previews."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from api.schemas import examples
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
    message: str = Field(description="In English, as the run recorded it.")
    severity: str
    code: str | None = Field(
        default=None,
        description="What the message says, as a stable code (`price.not_a_price`, "
        "`gtin.check_digit`, ...); null for an error recorded before codes existed.",
    )
    values: dict[str, Any] | None = Field(
        default=None, description="The values the message names (`value`, `row`, ...)."
    )
    text: str = Field(
        description="The message in the `Accept-Language` language (`sv` or `en`); as "
        "recorded when it has no code."
    )
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
    phase: str | None = Field(
        default=None,
        description="While it runs: `read` (rows read and checked), `match`, `store` (offers "
        "of the valid rows), then `index` (its products reaching the search index); null "
        "before and after.",
    )
    rows_done: int = Field(default=0, description="Rows (or products) done in the phase.")
    rows_total: int | None = Field(
        default=None, description="The phase's total; null while reading (not known yet)."
    )
    mode: str
    format: str | None
    counts: dict[str, Any]
    message: str | None = Field(description="Why the run ended so, in English.")
    message_code: str | None = Field(
        default=None,
        description="The message as a stable code (`run.cancelled`, `refusal.mass_withdrawal`, "
        "`file.no_header`, ...); null for none, or one recorded before codes existed.",
    )
    message_values: dict[str, Any] | None = Field(
        default=None, description="The values the message names (`file`, `row`, `limit`, ...)."
    )
    message_text: str | None = Field(
        default=None, description="The message in the `Accept-Language` language."
    )
    created_at: UtcDatetime
    finished_at: UtcDatetime | None
    links: FeedRunLinks


class FeedRunPublic(FeedRunSummaryPublic):
    model_config = ConfigDict(json_schema_extra={"examples": [examples.FEED_RUN]})

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
    message_code: str | None = None
    message_values: dict[str, Any] | None = None
    message_text: str | None = Field(
        default=None, description="`message` in the `Accept-Language` language."
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
