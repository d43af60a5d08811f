"""Admin tools: lift a sign-in lock (an account or an address locked by the throttle, for up
to ``login_lockout_max_seconds``) without waiting for it to run out."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Body
from pydantic import BaseModel, Field

from api.deps import RateLimitDep, RequireAdmin, SessionDep
from api.paging import PageDep
from api.problems import InvalidInput
from api.schemas.common import API_PROBLEMS, ListResponse, UtcDatetime, problems
from api.throttle import current_locks_page, lift_lock, unlock_key

router = APIRouter(
    prefix="/admin", tags=["admin"], dependencies=[RateLimitDep], responses=API_PROBLEMS
)


class SignInLock(BaseModel):
    key: str = Field(description="acct:<e-mail>, ip:<address or IPv6 /64> or dev:<browser>")
    kind: Literal["account", "address", "browser"]
    locked_until: UtcDatetime
    lockouts: int


class UnlockRequest(BaseModel):
    email: str | None = Field(None, min_length=1, max_length=254)
    ip: str | None = Field(None, min_length=1, max_length=64, description="or an IPv6 /64")
    key: str | None = Field(None, min_length=1, max_length=300, description="as listed")


class UnlockResult(BaseModel):
    key: str
    found: bool = Field(description="false: nothing was counted for it")
    was_locked: bool
    failures: int
    lockouts: int


_KINDS: dict[str, Literal["account", "address", "browser"]] = {
    "acct": "account",
    "ip": "address",
    "dev": "browser",
}


@router.get(
    "/sign-in-locks", response_model=ListResponse[SignInLock], responses=problems(401, 403, 422)
)
def sign_in_locks(
    admin: RequireAdmin, session: SessionDep, page: PageDep
) -> ListResponse[SignInLock]:
    """Accounts and addresses the sign-in throttle has locked now (admins), one page."""
    locks, total = current_locks_page(session, limit=page.limit, offset=page.offset)
    data = [
        SignInLock(
            key=k, kind=_KINDS.get(k.split(":", 1)[0], "account"), locked_until=u, lockouts=n
        )
        for k, u, n in locks
    ]
    return page.response(data, total)


@router.post(
    "/sign-in-locks/unlock", response_model=UnlockResult, responses=problems(401, 403, 422)
)
def unlock_sign_in(
    admin: RequireAdmin, session: SessionDep, body: Annotated[UnlockRequest, Body()]
) -> UnlockResult:
    """Lift the sign-in lock and backoff of an account (``email``) or an address (``ip``),
    or of a key as ``GET /admin/sign-in-locks`` lists it (admins; logged with who did it)."""
    try:
        lifted = lift_lock(
            session, email=body.email, address=body.ip, key=body.key, actor=f"admin {admin.email}"
        )
    except ValueError as exc:
        raise InvalidInput(str(exc)) from exc
    if lifted is None:
        key = unlock_key(body.email, body.ip, body.key)
        return UnlockResult(key=key, found=False, was_locked=False, failures=0, lockouts=0)
    return UnlockResult(
        key=lifted.key,
        found=True,
        was_locked=lifted.was_locked,
        failures=lifted.failures,
        lockouts=lifted.lockouts,
    )
