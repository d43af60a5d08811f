"""Synonym rules (versions, drafts, preview) and the zero-result / no-click report."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from api.schemas.common import MAX_INT, UtcDatetime

Period = Literal["7d", "30d", "90d", "365d"]


class SynonymVersionPublic(BaseModel):
    version: int
    status: str  # draft | published | retired
    author: str
    comment: str
    created_at: UtcDatetime
    published_at: UtcDatetime | None
    rules: int  # how many rules the version holds


class SynonymSetPublic(BaseModel):
    """The live rules (``published_version`` None: none published yet) and the newest draft
    saved after them."""

    published_version: int | None
    rules: str
    draft_version: int | None
    draft_rules: str | None


class SynonymDraftCreate(BaseModel):
    """The whole rule set as text, one rule a line: ``a, b`` (two-way), ``a => b``
    (one-way), ``word = part part`` (compound split), ``word =`` (never split)."""

    rules: str = Field(max_length=200_000)
    comment: str = Field(default="", max_length=2000)


class SynonymDraftCreated(BaseModel):
    version: SynonymVersionPublic
    diff: list[str]  # "+ rule" / "- rule" against the live rules


class SynonymPublishRequest(BaseModel):
    version: int = Field(ge=1, le=MAX_INT)
    comment: str = Field(default="", max_length=2000)


class SynonymRollbackRequest(BaseModel):
    to_version: int = Field(ge=1, le=MAX_INT)
    comment: str = Field(default="", max_length=2000)


class SynonymPreviewRequest(BaseModel):
    """Preview a draft (``rules`` text, or a stored ``version``; neither: the newest draft)
    on ``queries`` and on the most frequent zero-result queries of ``period``."""

    rules: str | None = Field(default=None, max_length=200_000)
    version: int | None = Field(default=None, ge=1, le=MAX_INT)
    queries: list[str] = Field(default_factory=list, max_length=20)
    zero_result_queries: int = Field(default=10, ge=0, le=20)
    period: Period = "30d"


class PreviewHit(BaseModel):
    product_id: int
    name: str


class PreviewSidePublic(BaseModel):
    total: int
    top: list[PreviewHit]


class SynonymPreviewQuery(BaseModel):
    query: str
    source: str  # "typed" | "zero_results"
    before: PreviewSidePublic
    after: PreviewSidePublic
    now_found: bool


class SynonymPreviewResponse(BaseModel):
    draft: str  # "version N", "inline"
    diff: list[str]
    queries: list[SynonymPreviewQuery]


class QueryReportRowPublic(BaseModel):
    query: str
    searches: int
    zero_results: int
    no_click: int
    clicks: int
    last_seen: UtcDatetime | None
