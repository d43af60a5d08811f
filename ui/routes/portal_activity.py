"""Retailer portal, loyalty activities (issue 15): my referral link and the retailers it
recruited, improvement suggestions (send one, see the decisions), the open surveys to
answer, and the sales contests with their live standings. Through ``loyalty.referrals``,
``loyalty.suggestions``, ``loyalty.surveys`` and ``loyalty.contests``, as the API is."""

from __future__ import annotations

from typing import Any

from fastapi import Depends, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from api.auth import verify_csrf
from api.deps import CurrentUser, SessionDep, public_base
from catalog.models import User
from loyalty import contests, reads, referrals, suggestions, surveys
from loyalty.errors import InvalidInput, LoyaltyError, NotAllowed, NotFound
from marketplace.dates import utc_now
from ui.error_pages import page_router
from ui.i18n import MESSAGES
from ui.market_views import role_gate, see_other
from ui.rendering import error_page, render

router = page_router(prefix="/portal/poang")
SUGGEST_PAGE = "/portal/poang/forslag"
SURVEY_PAGE = "/portal/poang/enkater"


def _rows(request: Request, session: SessionDep, user: User) -> list[Any] | Response:
    try:
        return list(reads.my_points(session, user))
    except NotAllowed:  # a retailer user outside any organisation
        return error_page(request, "error.forbidden", user=user, status_code=403)


def _taking_part(row: Any) -> bool:
    p = row.participant
    return p is not None and p.terms_accepted_at is not None and p.ended_at is None


def _refusal(exc: LoyaltyError) -> str:
    """The Swedish/English message key of a refused write (``activity.refused.*``): per
    field of bad input (``answers[2]`` -> ``answers``), per kind of conflict."""
    if isinstance(exc, InvalidInput):
        field = (exc.field or "").split("[", 1)[0].split(".", 1)[0]
        key = f"activity.refused.field.{field}"
    else:
        key = f"activity.refused.{type(exc).__name__}"
    return key if key in MESSAGES else "activity.refused.invalid"


@router.get("/rekrytera", response_class=HTMLResponse, name="ui_portal_referrals")
def referrals_page(request: Request, session: SessionDep, user: CurrentUser) -> Response:
    """My referral link per programme and the retailers it recruited."""
    if (refused := role_gate(request, user, "retailer")) is not None:
        return refused
    assert user is not None
    rows = _rows(request, session, user)
    if isinstance(rows, Response):
        return rows
    links = []
    for row in rows:
        try:
            code = referrals.my_code(session, user, row.programme.id, now=utc_now())
        except NotAllowed:  # a seller not (yet) taking part
            continue
        links.append(
            {
                "programme": row.programme,
                "link": referrals.link_of(code.code, public_base(request)),
                "for_seller": code.participant_id is not None,
                "referrals": referrals.referrals_of(session, user, row.programme.id),
            }
        )
    session.commit()
    return render(request, "portal_referrals.html", {"links": links}, user=user)


@router.get("/forslag", response_class=HTMLResponse, name="ui_portal_suggestions")
def suggestions_page(request: Request, session: SessionDep, user: CurrentUser) -> Response:
    """Send an improvement suggestion; mine with their decisions."""
    if (refused := role_gate(request, user, "retailer")) is not None:
        return refused
    assert user is not None
    rows = _rows(request, session, user)
    if isinstance(rows, Response):
        return rows
    programmes = [
        {"programme": r.programme, "mine": suggestions.mine(session, user, r.programme.id)[0]}
        for r in rows
        if _taking_part(r)
    ]
    context = {"programmes": programmes, "max_title": suggestions.MAX_TITLE}
    context["max_text"] = suggestions.MAX_BODY
    return render(request, "portal_suggestions.html", context, user=user)


@router.post("/{programme_id}/forslag", dependencies=[Depends(verify_csrf)])
def send_suggestion(
    request: Request,
    programme_id: int,
    session: SessionDep,
    user: CurrentUser,
    title: str = Form(""),
    text: str = Form(""),
) -> Response:
    if (refused := role_gate(request, user, "retailer")) is not None:
        return refused
    assert user is not None
    try:
        suggestions.submit(
            session, user, programme_id, title=title[:400], text=text[:8000], now=utc_now()
        )
    except (NotFound, NotAllowed):
        session.rollback()
        return error_page(request, "error.not_found", user=user, status_code=404)
    except LoyaltyError as exc:
        session.rollback()
        return error_page(request, _refusal(exc), user=user, status_code=422)
    session.commit()
    return see_other(SUGGEST_PAGE, "suggestion_sent")


@router.get("/enkater", response_class=HTMLResponse, name="ui_portal_surveys")
def surveys_page(request: Request, session: SessionDep, user: CurrentUser) -> Response:
    """The open surveys of the programmes I take part in (answered ones marked)."""
    if (refused := role_gate(request, user, "retailer")) is not None:
        return refused
    assert user is not None
    return _surveys_page(request, session, user)


def _surveys_page(
    request: Request,
    session: Session,
    user: User,
    *,
    error: str | None = None,
    error_survey: int | None = None,
    given: dict[str, list[str]] | None = None,
    status_code: int = 200,
) -> Response:
    """The surveys page; after a refused answer, its message at that survey and the
    answers given kept in the form (``given``: ``q0`` -> the values sent)."""
    rows = _rows(request, session, user)
    if isinstance(rows, Response):
        return rows
    items = []
    for row in rows:
        if not _taking_part(row):
            continue
        for survey in surveys.list_surveys(session, row.programme.id, open_only=True)[0]:
            items.append(
                {
                    "survey": survey,
                    "programme": row.programme,
                    "questions": surveys.questions_of(survey),
                    "answered": surveys.answered(session, survey.id, row.participant.id),
                }
            )
    context = {
        "surveys": items,
        "participating": any(_taking_part(r) for r in rows),
        "error": error,
        "error_survey": error_survey,
        "given": given or {},
    }
    return render(request, "portal_surveys.html", context, user=user, status_code=status_code)


@router.post("/enkat/{survey_id}", dependencies=[Depends(verify_csrf)])
async def answer_survey(
    request: Request, survey_id: int, session: SessionDep, user: CurrentUser
) -> Response:
    """Answer a survey: ``q0``, ``q1``, ... carry each question's answer."""
    if (refused := role_gate(request, user, "retailer")) is not None:
        return refused
    assert user is not None
    form = await request.form()
    try:
        survey = surveys.get_survey(session, survey_id)
        answers: list[Any] = []
        for i, question in enumerate(surveys.questions_of(survey)):
            given = [str(v) for v in form.getlist(f"q{i}")]
            if question.kind == "text":
                answers.append(given[0][: surveys.MAX_TEXT + 1] if given else "")
            elif question.kind == "multiple":
                answers.append([int(v) for v in given if v.isdigit()])
            else:
                answers.append(int(given[0]) if given and given[0].isdigit() else None)
        surveys.answer(session, user, survey_id, answers, now=utc_now())
    except (NotFound, NotAllowed):
        session.rollback()
        return error_page(request, "error.not_found", user=user, status_code=404)
    except InvalidInput as exc:  # a question left unanswered: the page again, answers kept
        session.rollback()
        kept = {
            key: [str(v)[: surveys.MAX_TEXT + 1] for v in form.getlist(key)][:50]
            for key in list(form.keys())[:200]
            if key.startswith("q")
        }
        return _surveys_page(
            request,
            session,
            user,
            error=_refusal(exc),
            error_survey=survey_id,
            given=kept,
            status_code=422,
        )
    except LoyaltyError as exc:
        session.rollback()
        status = 409 if isinstance(exc, surveys.AlreadyAnswered) else 422
        return error_page(request, _refusal(exc), user=user, status_code=status)
    session.commit()
    return see_other(SURVEY_PAGE, "survey_answered", fragment=f"survey-{survey_id}")


@router.get("/tavlingar", response_class=HTMLResponse, name="ui_portal_contests")
def contests_page(request: Request, session: SessionDep, user: CurrentUser) -> Response:
    """The sales contests of my organisation's programmes with their live standings."""
    if (refused := role_gate(request, user, "retailer")) is not None:
        return refused
    assert user is not None
    rows = _rows(request, session, user)
    if isinstance(rows, Response):
        return rows
    now = utc_now()
    items = []
    for row in rows:
        for contest in contests.list_contests(session, row.programme.id, limit=20)[0]:
            _c, places = contests.live_standings(session, user, contest.id, now=now)
            shown = [p for i, p in enumerate(places) if i < 10 or p.mine]
            items.append({"contest": contest, "programme": row.programme, "places": shown})
    return render(request, "portal_contests.html", {"contests": items}, user=user)
