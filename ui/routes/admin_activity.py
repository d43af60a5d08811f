"""The management pages of loyalty activities (issue 15), for the programme's manager
(a platform admin at ``/admin/lojalitet/…``, the sponsor's representative at
``/sponsor/lojalitet/…``: ``ui.loyalty_manage``; only their own programmes): the
suggestion queue (accept with a grade, decline with a reason) with the points of each grade and of a
recruited retailer, the survey builder with each survey's aggregate results, and the sales
contests (set up, live standings, closed once over).

A survey's questions are typed as text (:func:`parse_survey_text`): one question per
paragraph, its first line ``[kind] question`` (kind ``en``/``single``, ``flera``/
``multiple``, ``skala``/``scale``, ``fritext``/``text``), each next line a choice."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from fastapi import Depends, Form, Request
from fastapi.responses import HTMLResponse, Response

from api.auth import verify_csrf
from api.deps import CurrentUser, SessionDep
from catalog.models import User
from loyalty import contests, engagement_settings, suggestions, surveys
from loyalty.engagement_settings import GRADES, grade_points
from loyalty.errors import InvalidInput, LoyaltyError, NotAllowed, NotFound
from marketplace.dates import utc_now
from ui.error_pages import page_router
from ui.i18n import MESSAGES, pick_lang, translator
from ui.loyalty_manage import base_of, managed_programmes, manager_gate, place_of, refusal_page
from ui.market_views import see_other
from ui.rendering import error_page, render
from ui.routes.admin_loyalty import _local_day

router = page_router(prefix="/admin/lojalitet")
sponsor_router = page_router(prefix="/sponsor/lojalitet")
KIND_WORDS = {
    "en": "single",
    "single": "single",
    "flera": "multiple",
    "multiple": "multiple",
    "skala": "scale",
    "scale": "scale",
    "fritext": "text",
    "text": "text",
}


def parse_survey_text(text: str) -> list[dict[str, Any]]:
    """Questions from the builder's text (see the module). Pure; validated by
    ``loyalty.surveys.parse_questions`` when the survey is created."""
    out: list[dict[str, Any]] = []
    for i, block in enumerate(text.replace("\r\n", "\n").split("\n\n")):
        lines = [line.strip() for line in block.split("\n") if line.strip()]
        if not lines:
            continue
        head = lines[0]
        kind = ""
        if head.startswith("[") and "]" in head:
            word, head = head[1:].split("]", 1)
            kind = KIND_WORDS.get(word.strip().lower(), word.strip().lower())
        if not kind:
            raise InvalidInput(
                f"questions[{len(out)}].kind: begin the question with [en], [flera], "
                "[skala] or [fritext]",
                field=f"questions[{i}].kind",
            )
        item: dict[str, Any] = {"kind": kind, "text": head.strip()}
        if lines[1:]:
            item["choices"] = lines[1:]
        out.append(item)
    return out


def _refused(request: Request, user: User, exc: LoyaltyError) -> Response:
    """The not-found or forbidden page (``loyalty.access``'s refusal)."""
    return refusal_page(request, user, exc) or error_page(
        request, "error.not_found", user=user, status_code=404
    )


def _explain(request: Request, exc: LoyaltyError) -> str:
    """What was wrong, wholly in the page's language: the field's sentence
    (``activity.admin_field.<field>``, ``questions[2].kind`` -> ``questions``), in English
    with the detail naming the exact place; a refusal without one is the general sentence
    (the library's English detail only on the English page, never inside a Swedish one)."""
    lang = pick_lang(request)
    t = translator(lang)
    field = getattr(exc, "field", None) or ""
    key = f"activity.admin_field.{field.split('[', 1)[0].split('.', 1)[0]}"
    english = f" ({exc})" if lang == "en" else ""  # the library's words: English only
    if field and key in MESSAGES:
        return f"{t(key)} ({exc})" if lang == "en" else f"{t(key)}{place_of(field, lang)}"
    if isinstance(exc, InvalidInput):
        return t("engage.invalid") + english
    return t("activity.conflict") + english  # decided, opened or closed meanwhile


def _chosen(request: Request, session: SessionDep, user: User) -> tuple[list[Any], Any]:
    """The programmes the user manages and the one asked for (``?programme=``; another
    sponsor's is never chosen: the first of theirs is)."""
    everything = managed_programmes(session, user)
    wanted = request.query_params.get("programme", "")
    chosen = next((p for p in everything if str(p.id) == wanted), None) or (
        everything[0] if everything else None
    )
    return everything, chosen


# -------------------------------------------------------------------- suggestions, points


def _suggestions_page(
    request: Request, session: SessionDep, user: User, *, error: str = "", status_code: int = 200
) -> Response:
    everything, chosen = _chosen(request, session, user)
    status = request.query_params.get("status", "submitted")
    if status not in suggestions.STATUSES:
        status = "submitted"
    context: dict[str, Any] = {
        "base": base_of(request),
        "programmes": everything,
        "chosen": chosen,
        "status": status,
        "statuses": suggestions.STATUSES,
        "items": [],
        "grades": GRADES,
        "error": error,
    }
    if chosen is not None:
        context["items"] = suggestions.queue(
            session, user, chosen.id, status=status, limit=100, offset=0
        )[0]
        row = engagement_settings.engagement_settings(session, chosen.id)
        context["referral_points"] = row.referral_points
        context["grade_points"] = {g: grade_points(row, g) for g in GRADES}
    return render(request, "admin_suggestions.html", context, user=user, status_code=status_code)


@router.get("/forslag", response_class=HTMLResponse, name="ui_admin_suggestions")
@sponsor_router.get("/forslag", response_class=HTMLResponse, name="ui_sponsor_suggestions")
def suggestions_page(request: Request, session: SessionDep, user: CurrentUser) -> Response:
    """The suggestion queue of a programme, with the points settings."""
    if (refused := manager_gate(request, user)) is not None:
        return refused
    assert user is not None
    return _suggestions_page(request, session, user)


@router.post("/forslag/{suggestion_id}/{decision}", dependencies=[Depends(verify_csrf)])
@sponsor_router.post("/forslag/{suggestion_id}/{decision}", dependencies=[Depends(verify_csrf)])
def decide_suggestion(
    request: Request,
    suggestion_id: int,
    decision: str,
    session: SessionDep,
    user: CurrentUser,
    grade: str = Form(""),
    reason: str = Form(""),
) -> Response:
    if (refused := manager_gate(request, user)) is not None:
        return refused
    assert user is not None
    if decision not in ("godkann", "avsla"):
        return error_page(request, "error.not_found", user=user, status_code=404)
    accept = decision == "godkann"
    try:
        found = suggestions.decide(
            session,
            user,
            suggestion_id,
            accept=accept,
            grade=grade[:20] if accept else None,
            reason=reason[:2000],
            now=utc_now(),
        )
    except (NotFound, NotAllowed) as exc:
        session.rollback()
        return _refused(request, user, exc)
    except LoyaltyError as exc:
        session.rollback()
        status = 422 if isinstance(exc, InvalidInput) else 409
        return _suggestions_page(
            request, session, user, error=_explain(request, exc), status_code=status
        )
    session.commit()
    notice = "suggestion_accepted" if accept else "suggestion_declined"
    return see_other(
        f"{base_of(request)}/forslag?programme={found.suggestion.programme_id}", notice
    )


@router.post("/{programme_id}/poanginstallningar", dependencies=[Depends(verify_csrf)])
@sponsor_router.post("/{programme_id}/poanginstallningar", dependencies=[Depends(verify_csrf)])
def save_points(
    request: Request,
    programme_id: int,
    session: SessionDep,
    user: CurrentUser,
    referral_points: int = Form(0),
    small: int = Form(0),
    medium: int = Form(0),
    large: int = Form(0),
) -> Response:
    if (refused := manager_gate(request, user)) is not None:
        return refused
    assert user is not None
    try:
        engagement_settings.set_engagement_settings(
            session,
            user,
            programme_id,
            referral_points=referral_points,
            suggestion_points={"small": small, "medium": medium, "large": large},
            now=utc_now(),
        )
    except (NotFound, NotAllowed) as exc:
        session.rollback()
        return _refused(request, user, exc)
    except LoyaltyError as exc:
        session.rollback()
        return _suggestions_page(
            request, session, user, error=_explain(request, exc), status_code=422
        )
    session.commit()
    return see_other(f"{base_of(request)}/forslag?programme={programme_id}", "engagement_saved")


# --------------------------------------------------------------------------------- surveys


def _surveys_page(
    request: Request,
    session: SessionDep,
    user: User,
    *,
    error: str = "",
    form: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    everything, chosen = _chosen(request, session, user)
    context: dict[str, Any] = {
        "base": base_of(request),
        "programmes": everything,
        "chosen": chosen,
        "surveys": [],
        "error": error,
        "form": form or {},
    }
    if chosen is not None:
        context["surveys"] = surveys.list_surveys(session, chosen.id, open_only=False, limit=50)[0]
    return render(request, "admin_surveys.html", context, user=user, status_code=status_code)


@router.get("/enkater", response_class=HTMLResponse, name="ui_admin_surveys")
@sponsor_router.get("/enkater", response_class=HTMLResponse, name="ui_sponsor_surveys")
def surveys_page(request: Request, session: SessionDep, user: CurrentUser) -> Response:
    """The survey builder and the programme's surveys."""
    if (refused := manager_gate(request, user)) is not None:
        return refused
    assert user is not None
    return _surveys_page(request, session, user)


@router.post("/{programme_id}/enkater", dependencies=[Depends(verify_csrf)])
@sponsor_router.post("/{programme_id}/enkater", dependencies=[Depends(verify_csrf)])
def create_survey(
    request: Request,
    programme_id: int,
    session: SessionDep,
    user: CurrentUser,
    title: str = Form(""),
    questions: str = Form(""),
    points: int = Form(0),
) -> Response:
    if (refused := manager_gate(request, user)) is not None:
        return refused
    assert user is not None
    try:
        surveys.create_survey(
            session,
            user,
            programme_id,
            title=title[:300],
            questions=parse_survey_text(questions[:50_000]),
            points=points,
            now=utc_now(),
        )
    except (NotFound, NotAllowed) as exc:
        session.rollback()
        return _refused(request, user, exc)
    except LoyaltyError as exc:
        session.rollback()
        form = {"title": title, "questions": questions}
        return _surveys_page(
            request, session, user, error=_explain(request, exc), form=form, status_code=422
        )
    session.commit()
    return see_other(f"{base_of(request)}/enkater?programme={programme_id}", "survey_created")


@router.post("/enkater/{survey_id}/{action}", dependencies=[Depends(verify_csrf)])
@sponsor_router.post("/enkater/{survey_id}/{action}", dependencies=[Depends(verify_csrf)])
def survey_status(
    request: Request, survey_id: int, action: str, session: SessionDep, user: CurrentUser
) -> Response:
    if (refused := manager_gate(request, user)) is not None:
        return refused
    assert user is not None
    to = {"oppna": "open", "stang": "closed"}.get(action)
    if to is None:
        return error_page(request, "error.not_found", user=user, status_code=404)
    try:
        survey = surveys.set_status(session, user, survey_id, to=to, now=utc_now())
    except (NotFound, NotAllowed) as exc:
        session.rollback()
        return _refused(request, user, exc)
    except LoyaltyError:
        session.rollback()
        return error_page(request, "activity.refused.SurveyState", user=user, status_code=409)
    session.commit()
    notice = "survey_opened" if to == "open" else "survey_closed"
    return see_other(f"{base_of(request)}/enkater?programme={survey.programme_id}", notice)


@router.get("/enkater/{survey_id}/resultat", response_class=HTMLResponse)
@sponsor_router.get("/enkater/{survey_id}/resultat", response_class=HTMLResponse)
def survey_results(
    request: Request, survey_id: int, session: SessionDep, user: CurrentUser
) -> Response:
    """A survey's results in aggregate only (nothing broken down below 5 respondents)."""
    if (refused := manager_gate(request, user)) is not None:
        return refused
    assert user is not None
    try:
        found = surveys.results(session, user, survey_id)
    except (NotFound, NotAllowed) as exc:
        return _refused(request, user, exc)
    context = {"results": found, "base": base_of(request)}
    return render(request, "admin_survey_results.html", context, user=user)


# -------------------------------------------------------------------------------- contests


def _contests_page(
    request: Request,
    session: SessionDep,
    user: User,
    *,
    error: str = "",
    form: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    everything, chosen = _chosen(request, session, user)
    context: dict[str, Any] = {
        "base": base_of(request),
        "programmes": everything,
        "chosen": chosen,
        "contests": [],
        "error": error,
        "form": form or {},
    }
    if chosen is not None:
        now = utc_now()
        rows = []
        for contest in contests.list_contests(session, chosen.id, limit=50)[0]:
            rows.append(
                {
                    "contest": contest,
                    "places": contests.standings(session, contest, until=now)[:20],
                    "ended": contests.has_ended(contest, now),
                }
            )
        context["contests"] = rows
    return render(request, "admin_contests.html", context, user=user, status_code=status_code)


@router.get("/tavlingar", response_class=HTMLResponse, name="ui_admin_contests")
@sponsor_router.get("/tavlingar", response_class=HTMLResponse, name="ui_sponsor_contests")
def contests_page(request: Request, session: SessionDep, user: CurrentUser) -> Response:
    """Contest setup and every contest's standings."""
    if (refused := manager_gate(request, user)) is not None:
        return refused
    assert user is not None
    return _contests_page(request, session, user)


_GROUPED = re.compile(r"\d{1,3}(?:[ \u00a0\u202f]\d{3})+")
"""A number written with Swedish thousands spaces ("1 000", "25 000")."""


def _prizes(text: str) -> list[object]:
    """``1000, 500, 250`` (or ``1 000; 500``) -> the prize table (non-numbers kept to be
    refused by name)."""
    parts = [p.strip() for p in text.replace(";", ",").split(",") if p.strip()]
    parts = ["".join(p.split()) if _GROUPED.fullmatch(p) else p for p in parts[:50]]
    return [int(p) if p.isdigit() else p for p in parts]


@router.post("/{programme_id}/tavlingar", dependencies=[Depends(verify_csrf)])
@sponsor_router.post("/{programme_id}/tavlingar", dependencies=[Depends(verify_csrf)])
def create_contest(
    request: Request,
    programme_id: int,
    session: SessionDep,
    user: CurrentUser,
    name: str = Form(""),
    metric: str = Form(""),
    audience: str = Form(""),
    starts: str = Form(""),
    ends: str = Form(""),
    prizes: str = Form(""),
) -> Response:
    if (refused := manager_gate(request, user)) is not None:
        return refused
    assert user is not None
    try:
        starts_at: datetime = _local_day(starts, "starts_at")
        contests.create_contest(
            session,
            user,
            programme_id,
            name=name[:300],
            metric=metric[:30],
            audience=audience[:30],
            starts_at=starts_at,
            ends_at=_local_day(ends, "ends_at", end=True),
            prizes=_prizes(prizes[:1000]),
            now=utc_now(),
        )
    except (NotFound, NotAllowed) as exc:
        session.rollback()
        return _refused(request, user, exc)
    except LoyaltyError as exc:
        session.rollback()
        form = {"name": name, "prizes": prizes}
        return _contests_page(
            request, session, user, error=_explain(request, exc), form=form, status_code=422
        )
    session.commit()
    return see_other(f"{base_of(request)}/tavlingar?programme={programme_id}", "contest_created")


@router.post("/tavlingar/{contest_id}/avsluta", dependencies=[Depends(verify_csrf)])
@sponsor_router.post("/tavlingar/{contest_id}/avsluta", dependencies=[Depends(verify_csrf)])
def close_contest(
    request: Request, contest_id: int, session: SessionDep, user: CurrentUser
) -> Response:
    """Close an ended contest now (the hourly job does it otherwise): prizes paid once."""
    if (refused := manager_gate(request, user)) is not None:
        return refused
    assert user is not None
    try:
        contests.require_contest_manager(session, user, contest_id)
        done = contests.close(session, contest_id, now=utc_now())
    except (NotFound, NotAllowed) as exc:
        session.rollback()
        return _refused(request, user, exc)
    except LoyaltyError:
        session.rollback()
        return error_page(request, "activity.refused.ContestState", user=user, status_code=409)
    session.commit()
    return see_other(
        f"{base_of(request)}/tavlingar?programme={done.contest.programme_id}", "contest_closed"
    )
