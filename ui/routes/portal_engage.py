"""Retailer portal, loyalty engagement (issue 15): the leaderboards of the programmes the
organisation is a member of (sellers and stores, this month and all time, my own place
marked) with "månadens säljare" and "månadens butik", and the quizzes a participating
seller takes (scored at once; the points of a first pass paid once). Through
``loyalty.leaderboards``, ``loyalty.awards`` and ``loyalty.quizzes``, as the API is."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from api.auth import verify_csrf
from api.deps import CurrentUser, SessionDep
from catalog.models import User
from loyalty import awards, leaderboards, quizzes, reads
from loyalty.errors import InvalidInput, LoyaltyError, NotAllowed, NotFound
from marketplace.dates import utc_now
from ui.error_pages import page_router
from ui.market_views import role_gate, see_other
from ui.rendering import error_page, render

router = page_router(prefix="/portal/poang")
QUIZ_PAGE = "/portal/poang/quiz"


def _programmes(request: Request, session: SessionDep, user: User) -> list[Any] | Response:
    try:
        return [r for r in reads.my_points(session, user)]
    except NotAllowed:  # a retailer user outside any organisation
        return error_page(request, "error.forbidden", user=user, status_code=403)


@router.get("/topplista", response_class=HTMLResponse, name="ui_portal_leaderboard")
def leaderboard_page(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    period: Annotated[str, Query(pattern=r"^(month|all)$")] = "month",
) -> Response:
    """Sellers and stores of each programme by points earned, with the monthly awards."""
    if (refused := role_gate(request, user, "retailer")) is not None:
        return refused
    assert user is not None
    rows = _programmes(request, session, user)
    if isinstance(rows, Response):
        return rows
    now = utc_now()
    boards = []
    for row in rows:
        pid = row.programme.id
        won, _total = awards.awards(session, pid, limit=6, offset=0)
        boards.append(
            {
                "programme": row.programme,
                "sellers": leaderboards.leaderboard(
                    session, user, pid, "sellers", period, now=now
                ).places,
                "stores": leaderboards.leaderboard(
                    session, user, pid, "stores", period, now=now
                ).places,
                "awards": won,
            }
        )
    context = {"boards": boards, "period": period, "month": leaderboards.month_of(now)}
    return render(request, "portal_leaderboard.html", context, user=user)


@router.get("/quiz", response_class=HTMLResponse, name="ui_portal_quizzes")
def quizzes_page(request: Request, session: SessionDep, user: CurrentUser) -> Response:
    """The open quizzes of the programmes I take part in, with my attempts."""
    if (refused := role_gate(request, user, "retailer")) is not None:
        return refused
    assert user is not None
    rows = _programmes(request, session, user)
    if isinstance(rows, Response):
        return rows
    taking = []
    for row in rows:
        if row.participant is None or row.participant.terms_accepted_at is None:
            continue
        found, _total = quizzes.list_quizzes(session, row.programme.id, active_only=True)
        for quiz in found:
            standing = quizzes.standing(session, quiz.id, row.participant.id)
            taking.append(
                {
                    "quiz": quiz,
                    "programme": row.programme,
                    "questions": quizzes.questions_of(quiz),
                    "standing": standing,
                    "left": 0 if standing.passed else quiz.max_attempts - standing.attempts,
                }
            )
    context = {"quizzes": taking, "participating": any(r.participant for r in rows)}
    return render(request, "portal_quizzes.html", context, user=user)


@router.post("/quiz/{quiz_id}", dependencies=[Depends(verify_csrf)])
async def submit_quiz(
    request: Request, quiz_id: int, session: SessionDep, user: CurrentUser
) -> Response:
    """Answer a quiz: ``q0``, ``q1``, ... carry the chosen indexes of each question."""
    if (refused := role_gate(request, user, "retailer")) is not None:
        return refused
    assert user is not None
    form = await request.form()
    try:
        quiz = quizzes.get_quiz(session, quiz_id)
        answers: list[list[int]] = []
        for i in range(len(quiz.questions)):
            chosen = form.getlist(f"q{i}")
            answers.append([int(str(c)) for c in chosen if str(c).isdigit()])
        result = quizzes.submit(session, user, quiz_id, answers, now=utc_now())
    except (NotFound, NotAllowed):
        session.rollback()
        return error_page(request, "error.not_found", user=user, status_code=404)
    except (InvalidInput, LoyaltyError) as exc:
        session.rollback()
        return error_page(
            request, "engage.quiz_refused", user=user, status_code=409, detail=str(exc)
        )
    session.commit()
    notice = "quiz_passed" if result.attempt.passed else "quiz_failed"
    return see_other(QUIZ_PAGE, notice, fragment=f"quiz-{quiz_id}")
