"""Ranking configs, versions, audit trail and previews."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from api.schemas.common import MAX_INT, UtcDatetime


class RankingVersionPublic(BaseModel):
    name: str
    version: int
    status: str
    author: str
    comment: str
    created_at: UtcDatetime
    published_at: UtcDatetime | None


class RankingConfigSummaryPublic(BaseModel):
    name: str
    published_version: int | None
    versions: int
    source: str  # "database" | "file" | "built-in" | "drafts" (drafts only, never published)


class RankingConfigPublic(BaseModel):
    name: str
    published_version: int | None
    config: dict[str, Any]
    toml: str
    versions: list[RankingVersionPublic]


class DraftCreate(BaseModel):
    """A new draft: ``config`` as JSON, or ``toml`` text (exactly one)."""

    config: dict[str, Any] | None = None
    toml: str | None = Field(default=None, max_length=200_000)
    comment: str = Field(default="", max_length=2000)


class DraftCreated(BaseModel):
    version: RankingVersionPublic
    diff: list[str]


class PublishRequest(BaseModel):
    version: int = Field(ge=1, le=MAX_INT)
    comment: str = Field(default="", max_length=2000)


class RollbackRequest(BaseModel):
    to_version: int = Field(ge=1, le=MAX_INT)
    comment: str = Field(default="", max_length=2000)


class ConfigRef(BaseModel):
    """A config to preview: a stored name (published), a name + version, or inline JSON."""

    name: str | None = Field(default=None, max_length=80)
    version: int | None = Field(default=None, ge=1, le=MAX_INT)
    inline: dict[str, Any] | None = None


class PreviewRequest(BaseModel):
    queries: list[str] = Field(min_length=1, max_length=50)
    config_a: str | ConfigRef
    config_b: str | ConfigRef
    top: int = Field(default=10, ge=1, le=50)


class PreviewRow(BaseModel):
    product_id: int
    name: str
    rank_a: int | None
    rank_b: int | None
    movement: int | None  # positive = moved up under B; None = entered or left the top
    score_a: float | None
    score_b: float | None


class PreviewQuery(BaseModel):
    query: str
    top_a: list[int]
    top_b: list[int]
    rows: list[PreviewRow]


class PreviewResponse(BaseModel):
    config_a: str
    config_b: str
    diff: list[str]
    queries: list[PreviewQuery]
    evaluation: dict[str, Any] | None
