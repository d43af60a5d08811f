"""Login and logout (session cookie), the current user, API keys."""

from __future__ import annotations

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from api.auth import (
    InvalidCredentials,
    authenticate,
    clear_session,
    create_api_key,
    login_response,
)
from api.deps import RateLimitDep, SessionDep, SettingsDep, UserDep
from api.problems import Unauthorized
from api.schemas.auth import ApiKeyCreate, ApiKeyCreated, LoginRequest, UserPublic
from api.schemas.common import problems
from catalog.models import Retailer, User

router = APIRouter(prefix="/auth", tags=["auth"], dependencies=[RateLimitDep])


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


@router.post("/login", response_model=UserPublic, responses=problems(401, 422, 429))
def login(body: LoginRequest, session: SessionDep, settings: SettingsDep) -> JSONResponse:
    """Log in with e-mail and password; sets the ``valbar_session`` cookie."""
    try:
        user = authenticate(session, body.email, body.password)
    except InvalidCredentials as exc:
        raise Unauthorized(str(exc)) from exc
    response = JSONResponse(user_public(session, user).model_dump(mode="json"))
    login_response(response, settings, user)
    return response


@router.post("/logout", status_code=204, response_class=Response)
def logout(settings: SettingsDep) -> Response:
    """End the session (clears the cookie)."""
    response = Response(status_code=204)
    clear_session(response, settings)
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
