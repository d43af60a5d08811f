"""Loyalty engagement pages of a programme's manager (issue 15; a platform admin at
``/admin/lojalitet``, the sponsor's representative at ``/sponsor/lojalitet``:
``ui.loyalty_manage``): a form to start a programme (platform admins only), the
programme's earning campaigns and quizzes, a form for each, a quiz
draft from the catalogue's product data (``loyalty.quizzes.draft_questions``) to edit before
creating the quiz, and an editor for each quiz and campaign (what an edit may change is
``loyalty.quizzes.update_quiz``'s and ``loyalty.campaigns.update_campaign``'s).

A quiz's questions are typed as text (:func:`parse_quiz_text`): one question per
paragraph, the first line the question, each next line a choice, the right ones marked
with a leading ``*``."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from fastapi import Depends, Form, Request
from fastapi.responses import Response

from api.auth import verify_csrf
from api.deps import CurrentUser, SessionDep
from catalog.models import User
from loyalty import campaigns, closing, programmes, quizzes
from loyalty.access import require_management_role, require_manager_of
from loyalty.errors import AlreadyExists, InvalidInput, LoyaltyError, NotFound
from loyalty.leaderboards import month_of, previous_month
from loyalty.models import Campaign, Quiz
from marketplace.dates import LOCAL_TZ, as_utc, local_date, utc_now
from ui.error_pages import page_router
from ui.i18n import pick_lang
from ui.loyalty_manage import (
    base_of,
    manage_error,
    managed_programmes,
    manager_gate,
    refusal_page,
)
from ui.market_views import see_other
from ui.rendering import error_page, render

router = page_router(prefix="/admin")
sponsor_router = page_router(prefix="/sponsor")


def parse_quiz_text(text: str) -> list[dict[str, Any]]:
    """Questions from the builder's text (see the module). Pure; the questions are
    validated by ``loyalty.quizzes.parse_questions`` when the quiz is created."""
    out: list[dict[str, Any]] = []
    for block in text.replace("\r\n", "\n").split("\n\n"):
        lines = [line.strip() for line in block.split("\n") if line.strip()]
        if not lines:
            continue
        choices, correct = [], []
        for i, line in enumerate(lines[1:]):
            if line.startswith("*"):
                correct.append(i)
                line = line[1:].strip()
            choices.append(line)
        out.append({"text": lines[0], "choices": choices, "correct": correct})
    return out


def quiz_text(questions: list[dict[str, Any]]) -> str:
    """The builder's text of questions (the inverse of :func:`parse_quiz_text`). Pure."""
    blocks = []
    for q in questions:
        lines = [str(q["text"])]
        lines += [("*" if i in q["correct"] else "") + str(c) for i, c in enumerate(q["choices"])]
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def _local_day(value: str, field: str, *, end: bool = False) -> datetime:
    """A form's date as the UTC start of that Swedish day (``end``: of the next day)."""
    try:
        day = date.fromisoformat(value.strip())
    except ValueError as exc:
        raise InvalidInput(f"{field}: a date as YYYY-MM-DD", field=field) from exc
    if end:
        day += timedelta(days=1)
    return datetime.combine(day, time(0), tzinfo=LOCAL_TZ).astimezone(LOCAL_TZ)


Error = tuple[str, dict[str, object]]


def _page(
    request: Request,
    session: SessionDep,
    user: User,
    *,
    error: Error | None = None,
    form: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    everything = managed_programmes(session, user)
    chosen_id = request.query_params.get("programme", "")
    chosen = next((p for p in everything if str(p.id) == chosen_id), None) or (
        everything[0] if everything else None
    )
    context: dict[str, Any] = {
        "programmes": everything,
        "chosen": chosen,
        "campaigns": [],
        "quizzes": [],
        "error": error,
        "form": form or {},
        "base": base_of(request),
        "close_month": previous_month(month_of(utc_now())),
        "sponsors": (
            programmes.sponsor_organisations(session)
            if base_of(request) == "/admin/lojalitet"
            else []
        ),
    }
    if chosen is not None:
        context["campaigns"] = campaigns.list_campaigns(session, chosen.id, limit=50)[0]
        context["quizzes"] = quizzes.list_quizzes(session, chosen.id, active_only=False, limit=50)[
            0
        ]
    if request.query_params.get("draft") and not (form or {}).get("questions"):
        draft = quizzes.draft_questions(
            quizzes.catalogue_makers(session), count=5, language=pick_lang(request)
        )
        context["form"] = {**context["form"], "questions": quiz_text(draft)}
    return render(request, "admin_loyalty.html", context, user=user, status_code=status_code)


@router.get("/lojalitet", name="ui_admin_loyalty")
@sponsor_router.get("/lojalitet", name="ui_sponsor_loyalty")
def loyalty_page(request: Request, session: SessionDep, user: CurrentUser) -> Response:
    """The programmes' campaigns and quizzes with the forms to add them (their manager)."""
    if (refused := manager_gate(request, user)) is not None:
        return refused
    assert user is not None
    return _page(request, session, user)


def _whole(value: str, field: str) -> int:
    try:
        return int(value.strip())
    except ValueError as exc:
        raise InvalidInput(f"{field}: a whole number", field=field) from exc


def _sponsor_choice(value: str) -> int | None:
    """The form's sponsor organisation: "" for Valbar itself, else an id."""
    value = value.strip()
    if not value:
        return None
    if not value.isdigit() or len(value) > 10:
        raise InvalidInput(
            "sponsor_organisation_id: choose a sponsor organisation",
            field="sponsor_organisation_id",
        )
    return int(value)


@router.post("/lojalitet/program", dependencies=[Depends(verify_csrf)])
@sponsor_router.post("/lojalitet/program", dependencies=[Depends(verify_csrf)])
def create_programme(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    programme_name: str = Form(""),
    sponsor_name: str = Form(""),
    sponsor_organisation_id: str = Form(""),
    points_per_krona: str = Form(""),
    point_value_ore: str = Form(""),
    expiry_months: str = Form(""),
) -> Response:
    """Start a programme (``loyalty.programmes.create_programme``): a platform admin chooses
    who runs it, Valbar (for a named sponsor) or a sponsor organisation; a sponsor's
    representative starts one of its own organisation (its name the sponsor's unless
    another is given)."""
    if (refused := manager_gate(request, user)) is not None:
        return refused
    assert user is not None
    try:
        created = programmes.create_programme(
            session,
            user,
            name=programme_name[:300],
            sponsor_name=sponsor_name[:300],
            sponsor_organisation_id=(
                _sponsor_choice(sponsor_organisation_id)
                if base_of(request) == "/admin/lojalitet"
                else None
            ),
            points_per_krona=points_per_krona.strip().replace(",", ".")[:20],
            point_value_ore=_whole(point_value_ore[:20], "point_value_ore"),
            expiry_months=_whole(expiry_months[:20], "expiry_months"),
            now=utc_now(),
        )
    except LoyaltyError as exc:
        session.rollback()
        if (page := refusal_page(request, user, exc)) is not None:
            return page
        error: Error = (
            ("manage.err.programme_exists", {"name": programme_name.strip()})
            if isinstance(exc, AlreadyExists)
            else manage_error(exc)
        )
        form = {
            "programme_name": programme_name,
            "sponsor_name": sponsor_name,
            "sponsor_organisation_id": sponsor_organisation_id,
            "points_per_krona": points_per_krona,
            "point_value_ore": point_value_ore,
            "expiry_months": expiry_months,
        }
        return _page(request, session, user, error=error, form=form, status_code=422)
    session.commit()
    return see_other(f"{base_of(request)}?programme={created.id}", "loyalty_programme_created")


@router.post("/lojalitet/{programme_id}/manadsavslut", dependencies=[Depends(verify_csrf)])
@sponsor_router.post("/lojalitet/{programme_id}/manadsavslut", dependencies=[Depends(verify_csrf)])
def close_month(
    request: Request,
    programme_id: int,
    session: SessionDep,
    user: CurrentUser,
    confirm: str = Form(""),
) -> Response:
    """The programme's manager closes the month just ended now (``loyalty.closing``:
    awards and expiry, once, audited), after ticking the confirmation."""
    if (refused := manager_gate(request, user)) is not None:
        return refused
    assert user is not None
    if confirm != "1":
        error: Error = ("manage.err.close_unconfirmed", {})
        return _page(request, session, user, error=error, status_code=422)
    try:
        done = closing.close_month(session, user, programme_id, now=utc_now())
    except LoyaltyError as exc:
        session.rollback()
        if (page := refusal_page(request, user, exc)) is not None:
            return page
        return _page(request, session, user, error=manage_error(exc), status_code=422)
    session.commit()
    notice = "month_already_closed" if done.already else "month_closed"
    return see_other(f"{base_of(request)}?programme={programme_id}", notice, "month-close")


def _decimal_text(text: str) -> str:
    """A decimal typed in the Swedish way ("1,5") or the English ("1.5"), bounded."""
    return text.strip().replace(",", ".")[:20]


@router.post("/lojalitet/{programme_id}/kampanjer", dependencies=[Depends(verify_csrf)])
@sponsor_router.post("/lojalitet/{programme_id}/kampanjer", dependencies=[Depends(verify_csrf)])
def create_campaign(
    request: Request,
    programme_id: int,
    session: SessionDep,
    user: CurrentUser,
    name: str = Form(""),
    multiplier: str = Form(""),
    target_kind: str = Form(""),
    target_value: str = Form(""),
    starts: str = Form(""),
    ends: str = Form(""),
) -> Response:
    if (refused := manager_gate(request, user)) is not None:
        return refused
    assert user is not None
    try:
        campaigns.create_campaign(
            session,
            user,
            programme_id,
            name=name[:300],
            multiplier=_decimal_text(multiplier),
            target_kind=target_kind[:20],
            target_value=target_value[:600],
            starts_at=_local_day(starts, "starts_at"),
            ends_at=_local_day(ends, "ends_at", end=True),
            now=utc_now(),
        )
    except LoyaltyError as exc:
        session.rollback()
        if (page := refusal_page(request, user, exc)) is not None:
            return page
        form = {"name": name, "multiplier": multiplier, "target_value": target_value}
        return _page(request, session, user, error=manage_error(exc), form=form, status_code=422)
    session.commit()
    return see_other(f"{base_of(request)}?programme={programme_id}", "loyalty_campaign_created")


@router.post("/lojalitet/{programme_id}/quiz", dependencies=[Depends(verify_csrf)])
@sponsor_router.post("/lojalitet/{programme_id}/quiz", dependencies=[Depends(verify_csrf)])
def create_quiz(
    request: Request,
    programme_id: int,
    session: SessionDep,
    user: CurrentUser,
    title: str = Form(""),
    questions: str = Form(""),
    pass_mark: int = Form(1),
    max_attempts: int = Form(1),
    points: int = Form(1),
) -> Response:
    if (refused := manager_gate(request, user)) is not None:
        return refused
    assert user is not None
    try:
        quizzes.create_quiz(
            session,
            user,
            programme_id,
            title=title[:300],
            questions=parse_quiz_text(questions[:50_000]),
            pass_mark=pass_mark,
            max_attempts=max_attempts,
            points=points,
            now=utc_now(),
        )
    except LoyaltyError as exc:
        session.rollback()
        if (page := refusal_page(request, user, exc)) is not None:
            return page
        form = {"title": title, "questions": questions}
        return _page(request, session, user, error=manage_error(exc), form=form, status_code=422)
    session.commit()
    return see_other(f"{base_of(request)}?programme={programme_id}", "quiz_created")


# ------------------------------------------------------------------ editing a quiz


def _managed_quiz(session: SessionDep, user: User, quiz_id: int) -> Quiz:
    require_management_role(user)
    quiz = session.get(Quiz, quiz_id)
    if quiz is None:
        raise NotFound(f"no quiz {quiz_id}")
    require_manager_of(session, user, quiz.programme_id, f"no quiz {quiz_id}")
    return quiz


def _quiz_page(
    request: Request,
    session: SessionDep,
    user: User,
    quiz: Quiz,
    *,
    form: dict[str, Any] | None = None,
    error: Error | None = None,
    status_code: int = 200,
) -> Response:
    shown = form or {
        "title": quiz.title,
        "questions": quiz_text(quiz.questions),
        "pass_mark": quiz.pass_mark,
        "max_attempts": quiz.max_attempts,
        "points": quiz.points,
        "active": quiz.active,
    }
    context = {
        "quiz": quiz,
        "attempts": quizzes.attempt_count(session, quiz.id),
        "form": shown,
        "error": error,
        "base": base_of(request),
    }
    return render(request, "manage_quiz.html", context, user=user, status_code=status_code)


@router.get("/lojalitet/quiz/{quiz_id}", name="ui_admin_quiz_edit")
@sponsor_router.get("/lojalitet/quiz/{quiz_id}", name="ui_sponsor_quiz_edit")
def quiz_edit_page(
    request: Request, quiz_id: int, session: SessionDep, user: CurrentUser
) -> Response:
    """A quiz's editor: every field before anyone attempted it, after only its wording."""
    if (refused := manager_gate(request, user)) is not None:
        return refused
    assert user is not None
    try:
        quiz = _managed_quiz(session, user, quiz_id)
    except LoyaltyError as exc:
        return refusal_page(request, user, exc) or error_page(
            request, "error.forbidden", user=user, status_code=403
        )
    return _quiz_page(request, session, user, quiz)


@router.post("/lojalitet/quiz/{quiz_id}", dependencies=[Depends(verify_csrf)])
@sponsor_router.post("/lojalitet/quiz/{quiz_id}", dependencies=[Depends(verify_csrf)])
def quiz_edit(
    request: Request,
    quiz_id: int,
    session: SessionDep,
    user: CurrentUser,
    title: str = Form(""),
    questions: str = Form(""),
    pass_mark: int = Form(1),
    max_attempts: int = Form(1),
    points: int = Form(1),
    active: str = Form(""),
) -> Response:
    if (refused := manager_gate(request, user)) is not None:
        return refused
    assert user is not None
    try:
        quiz = quizzes.update_quiz(
            session,
            user,
            quiz_id,
            title=title[:300],
            questions=parse_quiz_text(questions[:50_000]),
            pass_mark=pass_mark,
            max_attempts=max_attempts,
            points=points,
            active=active == "1",
            now=utc_now(),
        )
    except LoyaltyError as exc:
        session.rollback()
        if (page := refusal_page(request, user, exc)) is not None:
            return page
        found = session.get(Quiz, quiz_id)
        assert found is not None  # refusal_page answered a missing one
        form = {
            "title": title,
            "questions": questions,
            "pass_mark": pass_mark,
            "max_attempts": max_attempts,
            "points": points,
            "active": active == "1",
        }
        return _quiz_page(
            request, session, user, found, form=form, error=manage_error(exc), status_code=409
        )
    session.commit()
    return see_other(f"{base_of(request)}?programme={quiz.programme_id}", "quiz_saved", "quizzes")


# ------------------------------------------------------------------ editing a campaign


def _managed_campaign(session: SessionDep, user: User, campaign_id: int) -> Campaign:
    require_management_role(user)
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        raise NotFound(f"no campaign {campaign_id}")
    require_manager_of(session, user, campaign.programme_id, f"no campaign {campaign_id}")
    return campaign


def _last_day(ends_at: datetime) -> date:
    """The last Swedish day a campaign runs (it ends at the start of the next)."""
    return local_date(ends_at - timedelta(microseconds=1))


def _campaign_page(
    request: Request,
    session: SessionDep,
    user: User,
    campaign: Campaign,
    *,
    form: dict[str, Any] | None = None,
    error: Error | None = None,
    status_code: int = 200,
) -> Response:
    now = utc_now()
    starts, ends = as_utc(campaign.starts_at), as_utc(campaign.ends_at)
    state = "ended" if ends <= now else "running" if starts <= now else "not_started"
    shown = form or {
        "name": campaign.name,
        "multiplier": str(campaign.multiplier),
        "target_kind": campaign.target_kind,
        "target_value": campaign.target_value,
        "starts": local_date(starts).isoformat(),
        "ends": _last_day(ends).isoformat(),
    }
    context = {
        "campaign": campaign,
        "state": state,
        "form": shown,
        "error": error,
        "base": base_of(request),
    }
    return render(request, "manage_campaign.html", context, user=user, status_code=status_code)


@router.get("/lojalitet/kampanj/{campaign_id}", name="ui_admin_campaign_edit")
@sponsor_router.get("/lojalitet/kampanj/{campaign_id}", name="ui_sponsor_campaign_edit")
def campaign_edit_page(
    request: Request, campaign_id: int, session: SessionDep, user: CurrentUser
) -> Response:
    """A campaign's editor: what may change depends on whether it has started."""
    if (refused := manager_gate(request, user)) is not None:
        return refused
    assert user is not None
    try:
        campaign = _managed_campaign(session, user, campaign_id)
    except LoyaltyError as exc:
        return refusal_page(request, user, exc) or error_page(
            request, "error.forbidden", user=user, status_code=403
        )
    return _campaign_page(request, session, user, campaign)


@router.post("/lojalitet/kampanj/{campaign_id}", dependencies=[Depends(verify_csrf)])
@sponsor_router.post("/lojalitet/kampanj/{campaign_id}", dependencies=[Depends(verify_csrf)])
def campaign_edit(
    request: Request,
    campaign_id: int,
    session: SessionDep,
    user: CurrentUser,
    name: str = Form(""),
    multiplier: str = Form(""),
    target_kind: str = Form(""),
    target_value: str = Form(""),
    starts: str = Form(""),
    ends: str = Form(""),
) -> Response:
    if (refused := manager_gate(request, user)) is not None:
        return refused
    assert user is not None
    try:
        campaign = _managed_campaign(session, user, campaign_id)
        old_starts = as_utc(campaign.starts_at)
        old_ends = as_utc(campaign.ends_at)
        # a day the form shows unchanged keeps its stored moment (the API may have set one
        # inside a day): only a changed day moves it
        starts_at = (
            old_starts
            if starts.strip() == local_date(old_starts).isoformat()
            else _local_day(starts, "starts_at")
        )
        ends_at = (
            old_ends
            if ends.strip() == _last_day(old_ends).isoformat()
            else _local_day(ends, "ends_at", end=True)
        )
        campaigns.update_campaign(
            session,
            user,
            campaign_id,
            name=name[:300],
            multiplier=_decimal_text(multiplier),
            target_kind=target_kind[:20],
            target_value=target_value[:600],
            starts_at=starts_at,
            ends_at=ends_at,
            now=utc_now(),
        )
    except LoyaltyError as exc:
        session.rollback()
        if (page := refusal_page(request, user, exc)) is not None:
            return page
        found = session.get(Campaign, campaign_id)
        assert found is not None
        form = {
            "name": name,
            "multiplier": multiplier,
            "target_kind": target_kind,
            "target_value": target_value,
            "starts": starts,
            "ends": ends,
        }
        return _campaign_page(
            request, session, user, found, form=form, error=manage_error(exc), status_code=409
        )
    session.commit()
    return see_other(
        f"{base_of(request)}?programme={campaign.programme_id}", "campaign_saved", "campaigns"
    )
