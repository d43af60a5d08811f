"""RFC 9457 problem details: every error response of the API is made here, in one place.

Domain code raises small typed errors (``indexer.errors``, ``search.errors``,
``ranking.errors``, ``marketplace.errors``); :data:`DOMAIN_ERRORS` maps each class to a
status and a title. API-level conditions (not found, forbidden, too large, rate limited)
are :class:`ApiProblem` subclasses. A response body never contains a stack trace.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.language import API_DEFAULT_LANGUAGE
from catalog.logs import current_request_id
from indexer.errors import (
    FeedFormatError,
    FeedRejected,
    FeedTooLarge,
    IndexerError,
    MissingColumnsError,
    UnknownRetailer,
    UnsafeXmlError,
)
from indexer.messages import API_CHANNEL, negotiate
from loyalty import errors as loyal
from loyalty.campaigns import CampaignStarted
from loyalty.contests import ContestState
from loyalty.limits import AlreadyDecided as AlreadyDecidedCredit
from loyalty.limits import ClawbackTooLarge
from loyalty.photos import ActivityClosed, AlreadySubmitted, PhotoInvalid, PhotoTooLarge
from loyalty.photos import AlreadyDecided as AlreadyDecidedPhoto
from loyalty.quizzes import AttemptsUsed, DuplicateSubmission, QuizAttempted
from loyalty.referrals import ReferralRefused
from loyalty.suggestions import DuplicateSuggestion, TooManyOpen
from loyalty.surveys import AlreadyAnswered, SurveyState
from marketplace import errors as market
from marketplace.campaign_messages import CAMPAIGN_MESSAGES, campaign_text
from ranking.errors import (
    InvalidConfig,
    JudgmentFormatError,
    NaiveDatetime,
    RankingError,
    UnknownConfig,
    VersionConflict,
)
from search.errors import (
    BackendUnavailable,
    IndexCorrupted,
    InvalidSearchRequest,
    SearchError,
    SynonymRulesError,
    SynonymVersionConflict,
    UnknownBackend,
    UnknownSynonymVersion,
)

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "https://valbar.se/problems/"
logger = logging.getLogger("valbar.api")


class ApiProblem(StarletteHTTPException):
    """An HTTP-level problem raised by the API layer itself (never by domain code).

    It is an ``HTTPException`` so FastAPI lets it through body parsing untouched (the upload
    size limit is enforced while the body streams in).
    """

    status = 400
    slug = "bad-request"
    title = "Bad request"

    def __init__(
        self,
        detail: str,
        *,
        headers: dict[str, str] | None = None,
        errors: list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(status_code=self.status, detail=detail, headers=headers)
        self.errors = errors


class NotFound(ApiProblem):
    status, slug, title = 404, "not-found", "Not found"


class Unauthorized(ApiProblem):
    status, slug, title = 401, "unauthorized", "Authentication required"


class Forbidden(ApiProblem):
    status, slug, title = 403, "forbidden", "Forbidden"


class TooManyApiKeys(ApiProblem):
    status, slug, title = 409, "too-many-api-keys", "Too many API keys"


class PayloadTooLarge(ApiProblem):
    status, slug, title = 413, "payload-too-large", "Request body too large"


class InvalidInput(ApiProblem):
    status, slug, title = 422, "validation-error", "Invalid request"


class RateLimited(ApiProblem):
    status, slug, title = 429, "rate-limited", "Too many requests"


# Domain error class -> (status, slug, title). The most specific class is looked up first.
DOMAIN_ERRORS: dict[type[Exception], tuple[int, str, str]] = {
    UnknownRetailer: (404, "unknown-retailer", "Unknown retailer"),
    FeedTooLarge: (413, "feed-too-large", "Feed too large"),
    UnsafeXmlError: (422, "unsafe-xml", "Unsafe XML refused"),
    FeedFormatError: (422, "feed-format", "Feed cannot be read"),
    MissingColumnsError: (422, "missing-columns", "Required columns missing"),
    FeedRejected: (422, "feed-rejected", "Feed rejected"),
    IndexerError: (400, "indexer-error", "Feed error"),
    InvalidSearchRequest: (422, "invalid-search", "Invalid search request"),
    UnknownBackend: (503, "search-unavailable", "Search backend unavailable"),
    BackendUnavailable: (503, "search-unavailable", "Search backend unavailable"),
    IndexCorrupted: (503, "search-unavailable", "Search index unavailable"),
    SynonymRulesError: (422, "invalid-synonym-rules", "Invalid synonym rules"),
    UnknownSynonymVersion: (404, "unknown-synonym-version", "Unknown synonym version"),
    SynonymVersionConflict: (409, "version-conflict", "Version conflict"),
    SearchError: (400, "search-error", "Search error"),
    UnknownConfig: (404, "unknown-ranking-config", "Unknown ranking config"),
    InvalidConfig: (422, "invalid-ranking-config", "Invalid ranking config"),
    JudgmentFormatError: (422, "invalid-judgments", "Invalid judgments file"),
    NaiveDatetime: (422, "naive-datetime", "Datetime without time zone"),
    VersionConflict: (409, "version-conflict", "Version conflict"),
    RankingError: (400, "ranking-error", "Ranking error"),
    market.NotLoggedIn: (401, "unauthorized", "Authentication required"),
    market.NotAllowed: (403, "forbidden", "Forbidden"),
    market.NotFound: (404, "not-found", "Not found"),
    market.InvalidInput: (422, "invalid-marketplace-input", "Invalid request"),
    market.DuplicateReview: (409, "duplicate-review", "Already reviewed"),
    market.DuplicateReport: (409, "duplicate-report", "Already reported"),
    market.AlreadyDecided: (409, "already-decided", "Already decided by another admin"),
    market.AlreadyCheckedOut: (409, "already-checked-out", "The cart was already checked out"),
    market.CartChanged: (409, "cart-changed", "The cart changed"),
    market.EmptyCart: (422, "empty-cart", "The cart is empty"),
    market.OfferUnavailable: (409, "offer-unavailable", "Offer no longer available"),
    market.PriceChanged: (409, "price-changed", "Prices or stock changed"),
    market.SignupUnconfirmed: (
        409,
        "signup-unconfirmed",
        "The organisation's sign-up is not confirmed by e-mail yet",
    ),
    market.IllegalTransition: (409, "illegal-transition", "Not possible in this state"),
    market.MarketplaceError: (400, "marketplace-error", "Marketplace error"),
    loyal.NotAllowed: (403, "forbidden", "Forbidden"),
    loyal.NotFound: (404, "not-found", "Not found"),
    loyal.InvalidInput: (422, "invalid-loyalty-input", "Invalid request"),
    loyal.AlreadyExists: (409, "loyalty-programme-exists", "Programme exists already"),
    loyal.InsufficientPoints: (409, "insufficient-points", "Not enough points"),
    loyal.OutOfStock: (409, "out-of-stock", "Not enough left"),
    ContestState: (409, "contest-state", "Not possible in this state of the contest"),
    SurveyState: (409, "survey-state", "Not possible in this state of the survey"),
    loyal.WrongState: (409, "redemption-state", "Not possible in this state"),
    AlreadyDecidedCredit: (409, "already-decided", "Already decided by another admin"),
    AttemptsUsed: (409, "quiz-attempts-used", "No attempts left"),
    QuizAttempted: (409, "quiz-attempted", "The quiz has attempts"),
    CampaignStarted: (409, "campaign-started", "The campaign has started"),
    ClawbackTooLarge: (409, "clawback-too-large", "More than is left of the credit"),
    DuplicateSubmission: (409, "duplicate-submission", "Submitted twice at once"),
    PhotoTooLarge: (413, "photo-too-large", "Photo too large"),
    PhotoInvalid: (422, "invalid-photo", "Not a photo we take"),
    AlreadySubmitted: (409, "photo-already-submitted", "A photo for this activity exists"),
    ActivityClosed: (409, "activity-closed", "The activity is not open"),
    AlreadyDecidedPhoto: (409, "already-decided", "Already decided by another admin"),
    DuplicateSuggestion: (409, "duplicate-suggestion", "Suggested already"),
    TooManyOpen: (409, "too-many-suggestions", "Too many suggestions waiting"),
    AlreadyAnswered: (409, "survey-answered", "Answered already"),
    ReferralRefused: (422, "referral-refused", "Not recorded as referred"),
    loyal.LoyaltyError: (400, "loyalty-error", "Loyalty error"),
}


def problem_response(
    status: int,
    title: str,
    detail: str | None,
    *,
    slug: str | None = None,
    instance: str | None = None,
    errors: list[dict[str, Any]] | None = None,
    headers: Mapping[str, str] | None = None,
    extra: Mapping[str, Any] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": TYPE_BASE + slug if slug else "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": instance,
    }
    if errors is not None:
        body["errors"] = errors
    request_id = current_request_id()
    if request_id is not None:  # quoted in a support question, it finds the log lines
        body["request_id"] = request_id
    for name, value in (extra or {}).items():  # RFC 9457 extension members
        body.setdefault(name, value)
    response_headers = dict(headers) if headers else {}
    if request_id is not None:
        response_headers.setdefault("X-Request-ID", request_id)
    return JSONResponse(
        jsonable_encoder(body),
        status_code=status,
        headers=response_headers or None,
        media_type=PROBLEM_JSON,
    )


SIGNUP_UNCONFIRMED = {
    "sv": "Organisationen kan inte godkännas än: den som ansökte har inte bekräftat sin "
    "e-postadress.",
    "en": "The organisation cannot be approved yet: its applicant has not confirmed the e-mail "
    "address.",
}
"""Approving an unconfirmed sign-up, per language (the problem's ``text``)."""


def _domain_entry(exc: Exception) -> tuple[int, str, str] | None:
    for cls in type(exc).__mro__:
        if cls in DOMAIN_ERRORS:
            return DOMAIN_ERRORS[cls]
    return None


def _campaign_code(exc: market.MarketplaceError) -> bool:
    """A campaign's refusal, worded in Swedish and English by ``marketplace.campaign_messages``."""
    return exc.code is not None and exc.code in CAMPAIGN_MESSAGES


def _domain_errors(exc: Exception) -> list[dict[str, Any]] | None:
    if isinstance(exc, InvalidConfig):
        return [{"loc": [line.split(":", 1)[0]], "msg": line} for line in exc.errors]
    if isinstance(exc, MissingColumnsError):
        return [{"loc": ["file", f], "msg": "required field not found"} for f in exc.missing] + [
            {"loc": ["mapping", f], "msg": f"header {h!r} not in the file"}
            for f, h in exc.absent.items()
        ]
    if isinstance(exc, market.MarketplaceError) and _campaign_code(exc):
        field = exc.values.get("field")
        if field is not None:
            return [{"loc": ["body", str(field)], "msg": str(exc), "type": exc.code}]
    if isinstance(exc, PhotoInvalid):
        return [{"loc": ["body", "file"], "msg": str(exc), "type": exc.code}]
    if isinstance(exc, loyal.InvalidInput) and exc.field is not None:
        return [{"loc": ["body", exc.field], "msg": str(exc)}]
    if isinstance(exc, market.PriceChanged):
        return [
            {
                "loc": ["cart", "items", c.item_id],
                "msg": c.describe(),
                "offer_id": c.offer_id,
                "old_price": None if c.old_price is None else str(c.old_price),
                "new_price": None if c.new_price is None else str(c.new_price),
                "old_stock_status": c.old_stock,
                "new_stock_status": c.new_stock,
            }
            for c in exc.changes
        ]
    return None


def _domain_extra(exc: Exception, accept_language: str | None) -> dict[str, Any] | None:
    """Extension members of a domain problem (the orders a repeated checkout placed; a feed
    error's or a campaign refusal's message as data: ``code``, ``values`` and ``text`` in the
    request's language)."""
    if isinstance(exc, IndexerError) and exc.message is not None:
        message = exc.message
        lang = negotiate(accept_language, API_DEFAULT_LANGUAGE)
        worded = message.text(lang, channel=API_CHANNEL)
        return {"code": message.code, "values": message.values, "text": worded}
    if isinstance(exc, market.MarketplaceError) and _campaign_code(exc):
        lang = negotiate(accept_language, API_DEFAULT_LANGUAGE)
        values = {k: v for k, v in exc.values.items() if k != "field"}
        text = campaign_text(exc.code, exc.values, lang)
        return {"code": exc.code, "values": values, "text": text}
    if isinstance(exc, market.SignupUnconfirmed):
        lang = negotiate(accept_language, API_DEFAULT_LANGUAGE)
        return {"code": exc.code, "text": SIGNUP_UNCONFIRMED.get(lang, SIGNUP_UNCONFIRMED["en"])}
    if isinstance(exc, market.AlreadyCheckedOut):
        return {
            "checkout_ref": exc.checkout_ref,
            "orders": [{"id": i, "href": f"/api/v1/orders/{i}"} for i in exc.order_ids],
        }
    return None


def _validation_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    out = []
    for err in exc.errors():
        out.append(
            {
                "loc": [str(part) for part in err.get("loc", ())],
                "msg": str(err.get("msg", "")),
                "type": str(err.get("type", "")),
            }
        )
    return out


def http_slug(status: int, title: str) -> str:
    """The problem type of an HTTP error raised by the framework (an unknown route, a
    method it does not take, a body it cannot parse): ``not-found``, ``bad-request``,
    ``method-not-allowed`` …, as the project's own problems name them."""
    return {404: NotFound.slug, 400: ApiProblem.slug}.get(
        status, "-".join(title.lower().replace("-", " ").split()) or "error"
    )


def install_problem_handlers(app: FastAPI) -> None:
    """Register the one set of exception handlers that turns errors into problem+json."""

    async def on_api_problem(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, ApiProblem)
        return problem_response(
            exc.status,
            exc.title,
            str(exc.detail),
            slug=exc.slug,
            instance=request.url.path,
            errors=exc.errors,
            headers=exc.headers,
        )

    async def on_http_exception(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        try:
            title = HTTPStatus(exc.status_code).phrase
        except ValueError:
            title = "Error"
        detail = str(exc.detail)
        if exc.status_code == 404 and detail == "Not Found":
            detail = f"no resource at {request.url.path}"
        if exc.status_code == 400 and detail == "There was an error parsing the body":
            # FastAPI's answer to a body its JSON parser gives up on (nested too deeply)
            detail = "the request body cannot be read (malformed, or nested too deeply)"
        return problem_response(
            exc.status_code,
            title,
            detail,
            # the project's problem types, never about:blank (an unknown route: not-found)
            slug=http_slug(exc.status_code, title),
            instance=request.url.path,
            headers=getattr(exc, "headers", None),
        )

    async def on_validation(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        errors = _validation_errors(exc)
        first = errors[0] if errors else {"loc": [], "msg": "invalid request"}
        detail = f"{'.'.join(first['loc'])}: {first['msg']}"
        if len(errors) > 1:
            detail += f" (and {len(errors) - 1} more)"
        return problem_response(
            422,
            "Invalid request",
            detail,
            slug="validation-error",
            instance=request.url.path,
            errors=errors,
        )

    async def on_domain(request: Request, exc: Exception) -> JSONResponse:
        entry = _domain_entry(exc)
        if entry is None:  # pragma: no cover - registration guarantees an entry
            return await on_unexpected(request, exc)
        status, slug, title = entry
        if status >= 500:
            logger.warning("%s %s: %s", request.method, request.url.path, exc)
        detail = str(exc)
        if isinstance(exc, IndexerError) and exc.message is not None:
            worded = exc.message.text("en", channel=API_CHANNEL)  # the API's fields, no flags
            detail = worded if worded != exc.message.text("en") else detail
        return problem_response(
            status,
            title,
            detail,
            slug=slug,
            instance=request.url.path,
            errors=_domain_errors(exc),
            extra=_domain_extra(exc, request.headers.get("accept-language")),
        )

    async def on_data_error(request: Request, exc: Exception) -> JSONResponse:
        # a value the database cannot hold (a NUL byte in text, a number out of range) came
        # from the request: the client's error, never a 500
        logger.warning(
            "%s %s: value refused by the database: %s",
            request.method,
            request.url.path,
            type(getattr(exc, "orig", exc)).__name__,
        )
        return problem_response(
            422,
            InvalidInput.title,
            "a value in the request cannot be stored (a NUL byte or a number out of range)",
            slug=InvalidInput.slug,
            instance=request.url.path,
        )

    async def on_unexpected(request: Request, exc: Exception) -> JSONResponse:
        logger.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
        response = problem_response(
            500,
            "Internal server error",
            "an unexpected error occurred; it has been logged",
            slug="internal",
            instance=request.url.path,
        )
        # answered outside every middleware (Starlette's error middleware is outermost):
        # the security headers are added here
        for name, value in getattr(request.app.state, "security_headers", ()):
            response.headers.setdefault(name, value)
        return response

    app.add_exception_handler(ApiProblem, on_api_problem)
    app.add_exception_handler(StarletteHTTPException, on_http_exception)
    app.add_exception_handler(RequestValidationError, on_validation)
    for cls in DOMAIN_ERRORS:
        app.add_exception_handler(cls, on_domain)
    app.add_exception_handler(DataError, on_data_error)
    app.add_exception_handler(Exception, on_unexpected)
