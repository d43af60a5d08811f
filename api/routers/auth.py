"""Login and logout (server-side sessions), the current user, password change, API keys."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from api.auth import (
    InvalidCredentials,
    WeakPassword,
    authenticate,
    change_password,
    create_api_key,
    known_device,
    login_response,
    logout_response,
    session_token,
)
from api.client_ip import client_ip
from api.deps import RateLimitDep, SessionDep, UserDep, check_same_origin
from api.problems import InvalidInput, RateLimited, Unauthorized
from api.schemas.auth import (
    ApiKeyCreate,
    ApiKeyCreated,
    LoginRequest,
    PasswordChange,
    UserPublic,
)
from api.schemas.common import problems
from api.throttle import SignInThrottle
from catalog.models import Retailer, User

router = APIRouter(prefix="/auth", tags=["auth"], dependencies=[RateLimitDep])
me_router = APIRouter(prefix="/me", tags=["auth"], dependencies=[RateLimitDep])


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


@router.post("/logout", status_code=204, response_class=Response, responses=problems(403))
def logout(request: Request, session: SessionDep) -> Response:
    """End the session: server-side (a replayed cookie no longer works) and the cookie."""
    check_same_origin(request)
    response = Response(status_code=204)
    logout_response(response, request, session)
    return response


@router.get("/me", response_model=UserPublic, responses=problems(401))
def me(user: UserDep, session: SessionDep) -> UserPublic:
    """The logged-in user (session cookie or API key)."""
    return user_public(session, user)


@router.post(
    "/api-keys", status_code=201, response_model=ApiKeyCreated, responses=problems(401, 422)
)
def new_api_key(body: ApiKeyCreate, user: UserDep, session: SessionDep) -> ApiKeyCreated:
    """Create an API key for the logged-in user; the plaintext key is shown only here.
    Use it as ``Authorization: Bearer vb_...`` or ``X-API-Key: vb_...``."""
    key, plaintext = create_api_key(session, user, body.name)
    result = ApiKeyCreated(
        id=key.id,
        name=key.name,
        prefix=key.prefix,
        key=plaintext,
        rate_limit_per_minute=key.rate_limit_per_minute,
        created_at=key.created_at,
    )
    session.commit()
    return result


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
