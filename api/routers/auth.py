"""Login and logout (server-side sessions), the current user, password change, API keys
(list, create, revoke: ``api.api_keys``)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from api.api_keys import (
    KEY_TIME_ZONE,
    KeyNotFound,
    KeyRefused,
    KeyRow,
    TooManyKeys,
    check_new_key,
    issue_api_key,
    revoke_visible_key,
    visible_keys,
)
from api.auth import (
    InvalidCredentials,
    OrganisationInactive,
    WeakPassword,
    authenticate,
    change_password,
    known_device,
    login_response,
    logout_response,
    session_token,
)
from api.client_ip import client_ip
from api.deps import (
    RateLimitDep,
    SessionDep,
    SettingsDep,
    UserDep,
    check_same_origin,
    public_base,
)
from api.key_scopes import allow_keys
from api.paging import PageDep
from api.password_links import send_forgot_link
from api.problems import (
    Forbidden,
    InvalidInput,
    NotFound,
    RateLimited,
    TooManyApiKeys,
    Unauthorized,
)
from api.schemas.auth import (
    ApiKeyCreate,
    ApiKeyCreated,
    ApiKeyPublic,
    LoginRequest,
    PasswordChange,
    PasswordLinkAccepted,
    PasswordLinkRequest,
    UserPublic,
)
from api.schemas.common import API_PROBLEMS, MAX_INT, ListResponse, problems
from api.throttle import SignInThrottle, SignupThrottle
from catalog.enums import KeyScope
from catalog.models import Retailer, User

router = APIRouter(
    prefix="/auth", tags=["auth"], dependencies=[RateLimitDep], responses=API_PROBLEMS
)
me_router = APIRouter(
    prefix="/me", tags=["auth"], dependencies=[RateLimitDep], responses=API_PROBLEMS
)


def user_public(session: Session, user: User) -> UserPublic:
    retailer = session.get(Retailer, user.retailer_id) if user.retailer_id else None
    return UserPublic(
        id=user.id,
        email=user.email,
        name=user.name,
        clinic=user.clinic,
        role=user.role,
        retailer=retailer.slug if retailer else None,
    )


def _locked(seconds: int) -> RateLimited:
    return RateLimited(
        f"too many failed sign-ins; try again in {seconds} s",
        headers={"Retry-After": str(seconds)},
    )


@router.post("/login", response_model=UserPublic, responses=problems(401, 403, 422, 429))
def login(body: LoginRequest, request: Request, session: SessionDep) -> JSONResponse:
    """Log in with e-mail and password; sets the ``valbar_session`` cookie.

    Repeated wrong passwords lock the account and the address for a while (429 with
    ``Retry-After``, doubling with each lockout); while locked the right password is refused
    too."""
    check_same_origin(request)
    throttle: SignInThrottle = request.app.state.login_throttle
    address = client_ip(request)
    device = known_device(request, body.email)
    if (wait := throttle.admit(body.email, address, device)) is not None:
        raise _locked(wait)
    try:
        user = authenticate(session, body.email, body.password)
    except OrganisationInactive as exc:
        throttle.succeeded(body.email, address, device)  # the password was right
        raise Forbidden(str(exc)) from exc
    except InvalidCredentials as exc:
        if (wait := throttle.failed(body.email, address, device)) is not None:
            raise _locked(wait) from exc
        raise Unauthorized(str(exc)) from exc
    response = JSONResponse(user_public(session, user).model_dump(mode="json"))
    login_response(response, request, session, user)  # commits (a rehashed password too)
    throttle.succeeded(
        body.email, address, device
    )  # after that commit: SQLite has one writer at a time
    return response


@router.post(
    "/password-link",
    status_code=202,
    response_model=PasswordLinkAccepted,
    responses=problems(422, 429),
)
def password_link(
    body: PasswordLinkRequest, request: Request, session: SessionDep, settings: SettingsDep
) -> PasswordLinkAccepted:
    """A forgotten password: e-mail the account of ``email`` a link to choose a new one
    (valid 24 hours, works once; at most one per account per 15 minutes). The answer is the
    same whether or not the address has an account; nothing else changes (no session ends).
    Throttled per address and e-mail like sign-ups (429 with ``Retry-After``)."""
    throttle: SignupThrottle = request.app.state.signup_throttle
    if (wait := throttle.for_action("forgot").admit(body.email, client_ip(request))) is not None:
        raise RateLimited(
            f"too many password links asked for; try again in {wait} s",
            headers={"Retry-After": str(wait)},
        )
    send_forgot_link(
        session, settings, public_base(request), body.email, lang=body.lang, channel="api"
    )
    return PasswordLinkAccepted(email=body.email.strip())


@router.post("/logout", status_code=204, response_class=Response, responses=problems(403))
def logout(request: Request, session: SessionDep) -> Response:
    """End the session: server-side (a replayed cookie no longer works) and the cookie."""
    check_same_origin(request)
    response = Response(status_code=204)
    logout_response(response, request, session)
    return response


@router.get(
    "/me",
    response_model=UserPublic,
    responses=problems(401),
    dependencies=[allow_keys(KeyScope.SEARCH, KeyScope.FEEDS)],
)
def me(user: UserDep, session: SessionDep) -> UserPublic:
    """The logged-in user (session cookie or API key)."""
    return user_public(session, user)


def key_public(row: KeyRow, now: datetime) -> dict[str, Any]:
    key = row.key
    return {
        "id": key.id,
        "name": key.name,
        "prefix": key.prefix,
        "scope": key.scope,
        "owner": row.owner_email,
        "state": row.state(now),
        "rate_limit_per_minute": key.rate_limit_per_minute,
        "created_at": key.created_at,
        "last_used_at": key.last_used_at,
        "expires_at": key.expires_at,
        "revoked_at": key.revoked_at,
    }


@router.get(
    "/api-keys", response_model=ListResponse[ApiKeyPublic], responses=problems(401, 403, 422)
)
def list_api_keys(user: UserDep, session: SessionDep, page: PageDep) -> ListResponse[ApiKeyPublic]:
    """Your API keys, newest first (revoked and expired ones too); a representative or
    clinic manager sees every key of their organisation's members."""
    rows, total = visible_keys(session, user, limit=page.limit, offset=page.offset)
    now = datetime.now(UTC)
    data = [ApiKeyPublic.model_validate(key_public(r, now)) for r in rows]
    return page.response(data, total)


@router.post(
    "/api-keys",
    status_code=201,
    response_model=ApiKeyCreated,
    responses=problems(401, 403, 409, 422),
)
def new_api_key(
    body: ApiKeyCreate, user: UserDep, session: SessionDep, settings: SettingsDep
) -> ApiKeyCreated:
    """Create an API key for the logged-in user; the plaintext key is shown only here.
    Use it as ``Authorization: Bearer vb_...`` or ``X-API-Key: vb_...``. An organisation
    holds at most ``api_keys_per_organisation`` active keys (409 beyond).
    Example: ``{"name": "Lagersystem", "scope": "feeds", "expires": "2027-06-30"}``"""
    now = datetime.now(UTC)
    try:
        name, scope, expires_at = check_new_key(
            user, body.name, body.scope, body.expires, now.astimezone(KEY_TIME_ZONE).date()
        )
        key, plaintext = issue_api_key(
            session,
            user,
            name,
            scope,
            expires_at,
            cap=settings.api_keys_per_organisation,
            now=now,
        )
    except KeyRefused as exc:
        raise InvalidInput(
            str(exc), errors=[{"loc": ["body", exc.field], "msg": str(exc)}]
        ) from exc
    except TooManyKeys as exc:
        raise TooManyApiKeys(str(exc)) from exc
    result = ApiKeyCreated.model_validate(
        {**key_public(KeyRow(key, user.email), now), "key": plaintext}
    )
    session.commit()
    return result


@router.delete(
    "/api-keys/{key_id}",
    response_model=ApiKeyPublic,
    responses=problems(401, 403, 404, 422),
)
def delete_api_key(
    key_id: Annotated[int, Path(ge=1, le=MAX_INT)],
    request: Request,
    user: UserDep,
    session: SessionDep,
) -> ApiKeyPublic:
    """Revoke a key: your own, or (a representative or clinic manager) a member's. It stops
    at once in this worker and within ``api_key_cache_seconds`` in the others. A key you may
    not see is 404, whether or not it exists."""
    try:
        key = revoke_visible_key(session, user, key_id, request.app.state.api_keys)
    except KeyNotFound as exc:
        raise NotFound(str(exc)) from exc
    owner = session.get(User, key.user_id)
    row = KeyRow(key, owner.email if owner is not None else "")
    return ApiKeyPublic.model_validate(key_public(row, datetime.now(UTC)))


@me_router.post(
    "/password", status_code=204, response_class=Response, responses=problems(401, 403, 422, 429)
)
def new_password(
    body: PasswordChange, request: Request, user: UserDep, session: SessionDep
) -> Response:
    """Change the signed-in user's password (the current one is required). Every other
    session of the user ends; this one and the user's API keys stay."""
    throttle: SignInThrottle = request.app.state.login_throttle
    address = client_ip(request)
    device = known_device(request, user.email)
    if (wait := throttle.admit(user.email, address, device)) is not None:
        raise _locked(wait)
    try:
        change_password(
            session,
            user,
            body.current_password,
            body.new_password,
            keep_token=session_token(request),
        )
    except InvalidCredentials as exc:
        if (wait := throttle.failed(user.email, address, device)) is not None:
            raise _locked(wait) from exc
        raise Unauthorized(str(exc)) from exc
    except WeakPassword as exc:
        throttle.succeeded(user.email, address, device)  # the current password was right
        raise InvalidInput(str(exc)) from exc
    throttle.succeeded(user.email, address, device)
    return Response(status_code=204)
