"""Login, the current user and API keys."""

from __future__ import annotations

from pydantic import BaseModel, Field, field_validator

from api.schemas.common import UtcDatetime


class LoginRequest(BaseModel):
    email: str = Field(min_length=3, max_length=254)
    password: str = Field(min_length=1, max_length=1000)

    @field_validator("email")
    @classmethod
    def _no_nul(cls, value: str) -> str:
        if "\x00" in value:  # no address holds one (the same 422 on every database)
            raise ValueError("the e-mail address holds a NUL character")
        return value


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
    name: str = Field(min_length=1, max_length=100)


class ApiKeyCreated(BaseModel):
    """The plaintext ``key`` is shown here once and never again."""

    id: int
    name: str
    prefix: str
    key: str
    rate_limit_per_minute: int
    created_at: UtcDatetime
