"""Login, the current user and API keys."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from api.schemas.common import UtcDatetime
from catalog.enums import KeyScope


class LoginRequest(BaseModel):
    email: str = Field(min_length=3, max_length=254)
    password: str = Field(min_length=1, max_length=1000)

    @field_validator("email")
    @classmethod
    def _no_nul(cls, value: str) -> str:
        if "\x00" in value:  # no address holds one (the same 422 on every database)
            raise ValueError("the e-mail address holds a NUL character")
        return value


class PasswordLinkRequest(BaseModel):
    """Ask for a link to choose a new password (a forgotten one)."""

    email: str = Field(min_length=3, max_length=254)
    lang: Literal["sv", "en"] = "sv"

    @field_validator("email")
    @classmethod
    def _no_nul(cls, value: str) -> str:
        if "\x00" in value:
            raise ValueError("the e-mail address holds a NUL character")
        return value


class PasswordLinkAccepted(BaseModel):
    """The same answer whether or not the address has an account (no enumeration)."""

    status: Literal["link_sent_if_account"] = "link_sent_if_account"
    email: str


class PasswordChange(BaseModel):
    current_password: str = Field(min_length=1, max_length=1024)
    new_password: str = Field(min_length=10, max_length=1024)


class UserPublic(BaseModel):
    id: int
    email: str
    name: str
    clinic: str | None
    role: str
    retailer: str | None


class ApiKeyCreate(BaseModel):
    """A new key: what it is for, what it may call, until when."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"name": "Lagersystem", "scope": "feeds", "expires": "2027-06-30"}]
        }
    )

    name: str = Field(min_length=1, max_length=100, description="What the key is for.")
    scope: KeyScope = Field(
        default=KeyScope.SEARCH,
        description="search: read-only search, suggest, products, compare, retailers, "
        "reviews, campaigns; feeds: the feed uploads and runs of the user's retailer (retailer "
        "accounts); full: everything the user's role allows.",
    )
    expires: date | None = Field(
        default=None,
        description="The last day the key works (Swedish time); none: until revoked.",
    )


class ApiKeyPublic(BaseModel):
    """A key as its list shows it (never its secret)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": 7,
                    "name": "Lagersystem",
                    "prefix": "3f9a1c2b7d4e",
                    "scope": "feeds",
                    "owner": "olle@tandab.se",
                    "state": "active",
                    "rate_limit_per_minute": 600,
                    "created_at": "2026-12-01T09:30:00Z",
                    "last_used_at": "2026-12-07T08:02:00Z",
                    "expires_at": "2027-06-30T22:00:00Z",
                    "revoked_at": None,
                }
            ]
        }
    )

    id: int
    name: str
    prefix: str = Field(description="The middle part of vb_<prefix>_<secret>: names the key.")
    scope: KeyScope
    owner: str = Field(description="The e-mail address of the key's user.")
    state: Literal["active", "expired", "revoked"]
    rate_limit_per_minute: int = Field(
        description="Requests a minute; every key of one organisation shares one bucket."
    )
    created_at: UtcDatetime
    last_used_at: UtcDatetime | None
    expires_at: UtcDatetime | None
    revoked_at: UtcDatetime | None


class ApiKeyCreated(ApiKeyPublic):
    """The plaintext ``key`` is shown here once and never again."""

    key: str = Field(description="The key itself: send it as X-API-Key or Bearer.")
