"""Loyalty activities (issue 15) beyond sales and quizzes: referral links and the retailers
they recruited, improvement suggestions and their queue, surveys (aggregate results only)
and sales contests with live standings. Domain errors come from ``loyalty`` (one mapping
in ``api.problems``)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request, Response

from api.deps import RateLimitDep, RequireProgrammeStaff, SessionDep, UserDep, public_base
from api.idempotency import Idempotent
from api.paging import PageDep
from api.schemas.common import API_PROBLEMS, MAX_INT, ListResponse, problems
from api.schemas.loyalty_activity import (
    AcceptIn,
    ContestClosed,
    ContestCreate,
    ContestPublic,
    ContestResultPublic,
    CountPublic,
    DeclineIn,
    EngagementSettingsBody,
    QuestionResultPublic,
    ReferralLink,
    ReferralPublic,
    StandingPublic,
    StandingsPublic,
    SuggestionIn,
    SuggestionPublic,
    SurveyAnswered,
    SurveyAnswers,
    SurveyCreate,
    SurveyPublic,
    SurveyQuestionPublic,
    SurveyResultsPublic,
)
from loyalty import contests, engagement_settings, referrals, suggestions, surveys
from loyalty.access import require_manager, require_sponsor_reader
from loyalty.engagement_models import Contest, Suggestion, Survey
from loyalty.engagement_settings import GRADES, grade_points
from loyalty.errors import NotFound
from loyalty.programmes import own_membership
from loyalty.quizzes import my_participant
from marketplace.dates import utc_now

router = APIRouter(
    prefix="/loyalty", tags=["loyalty"], dependencies=[RateLimitDep], responses=API_PROBLEMS
)
Id = Annotated[int, Path(ge=1, le=MAX_INT)]


def _reader(session: SessionDep, user: UserDep, programme_id: int) -> bool:
    """The programme's manager (``loyalty.access``: True) or a member of a member
    organisation (False) may read (403/404 else)."""
    if require_sponsor_reader(session, user, programme_id):
        return True
    own_membership(session, user, programme_id)
    return False


# ----------------------------------------------------------------------------- recruiting


@router.get(
    "/programmes/{programme_id}/referral-link",
    response_model=ReferralLink,
    responses=problems(401, 403, 404, 429),
)
def referral_link(
    request: Request, session: SessionDep, user: UserDep, programme_id: Id
) -> ReferralLink:
    """My referral link (a participating seller's own; the representative's is the
    organisation's) and the retailers it recruited. Points come once a recruited retailer
    is approved and its first feed puts offers live."""
    code = referrals.my_code(session, user, programme_id, now=utc_now())
    session.commit()
    return ReferralLink(
        programme_id=programme_id,
        code=code.code,
        link=referrals.link_of(code.code, public_base(request)),
        for_seller=code.participant_id is not None,
        referrals=[
            ReferralPublic(
                organisation=name,
                created_at=r.created_at,
                approved_at=r.approved_at,
                live_at=r.live_at,
                paid_at=r.paid_at,
                outcome=r.outcome,
                points=r.points,
            )
            for r, name in referrals.referrals_of(session, user, programme_id)
        ],
    )


@router.get(
    "/programmes/{programme_id}/engagement-settings",
    response_model=EngagementSettingsBody,
    responses=problems(401, 403, 404, 429),
)
def get_engagement_settings(
    session: SessionDep, admin: RequireProgrammeStaff, programme_id: Id
) -> EngagementSettingsBody:
    """The points of a recruited retailer and of each suggestion grade."""
    require_manager(session, admin, programme_id)
    row = engagement_settings.engagement_settings(session, programme_id)
    return EngagementSettingsBody(
        referral_points=row.referral_points,
        suggestion_points={g: grade_points(row, g) for g in GRADES},  # type: ignore[misc]
    )


@router.put(
    "/programmes/{programme_id}/engagement-settings",
    response_model=EngagementSettingsBody,
    responses=problems(401, 403, 404, 422, 429),
)
def put_engagement_settings(
    session: SessionDep,
    admin: RequireProgrammeStaff,
    programme_id: Id,
    body: EngagementSettingsBody,
) -> EngagementSettingsBody:
    """Set the points of a recruited retailer and of each suggestion grade."""
    row = engagement_settings.set_engagement_settings(
        session,
        admin,
        programme_id,
        referral_points=body.referral_points,
        suggestion_points={str(k): v for k, v in body.suggestion_points.items()},
        now=utc_now(),
    )
    session.commit()
    return EngagementSettingsBody(
        referral_points=row.referral_points,
        suggestion_points={g: grade_points(row, g) for g in GRADES},  # type: ignore[misc]
    )


# ---------------------------------------------------------------------------- suggestions


def _suggestion(
    s: Suggestion, *, seller: str | None = None, store: str | None = None
) -> SuggestionPublic:
    return SuggestionPublic(
        id=s.id,
        programme_id=s.programme_id,
        title=s.title,
        text=s.body,
        status=s.status,  # type: ignore[arg-type]
        grade=s.grade,  # type: ignore[arg-type]
        points=s.points,
        decision_reason=s.decision_reason,
        decided_at=s.decided_at,
        created_at=s.created_at,
        seller=seller,
        store=store,
    )


@router.post(
    "/programmes/{programme_id}/suggestions",
    status_code=201,
    response_model=SuggestionPublic,
    responses=problems(401, 403, 404, 409, 422, 429),
)
def submit_suggestion(
    session: SessionDep, user: UserDep, programme_id: Id, body: SuggestionIn, response: Response
) -> SuggestionPublic:
    """A participating seller suggests an improvement (409 when sent already)."""
    row = suggestions.submit(
        session, user, programme_id, title=body.title, text=body.text, now=utc_now()
    )
    session.commit()
    response.headers["Location"] = f"/api/v1/loyalty/programmes/{programme_id}/my-suggestions"
    return _suggestion(row)


@router.get(
    "/programmes/{programme_id}/my-suggestions",
    response_model=ListResponse[SuggestionPublic],
    responses=problems(401, 403, 404, 429),
)
def my_suggestions(
    session: SessionDep, user: UserDep, programme_id: Id, page: PageDep
) -> ListResponse[SuggestionPublic]:
    """My suggestions and their decisions, newest first."""
    rows, total = suggestions.mine(
        session, user, programme_id, limit=page.limit, offset=page.offset
    )
    return page.response([_suggestion(s) for s in rows], total)


@router.get(
    "/programmes/{programme_id}/suggestions",
    response_model=ListResponse[SuggestionPublic],
    responses=problems(401, 403, 404, 422, 429),
)
def suggestion_queue(
    session: SessionDep,
    admin: RequireProgrammeStaff,
    programme_id: Id,
    page: PageDep,
    status: Annotated[Literal["submitted", "accepted", "declined"], Query()] = "submitted",
) -> ListResponse[SuggestionPublic]:
    """The sponsor's queue: suggestions waiting for a decision (oldest first), or the
    decided ones."""
    rows, total = suggestions.queue(
        session, admin, programme_id, status=status, limit=page.limit, offset=page.offset
    )
    return page.response(
        [_suggestion(i.suggestion, seller=i.seller, store=i.store) for i in rows], total
    )


@router.post(
    "/suggestions/{suggestion_id}/accept",
    response_model=SuggestionPublic,
    responses=problems(401, 403, 404, 409, 422, 429),
)
def accept_suggestion(
    session: SessionDep, admin: RequireProgrammeStaff, suggestion_id: Id, body: AcceptIn
) -> SuggestionPublic:
    """Accept with a grade: the grade's points are paid to the seller once (409 when
    decided already)."""
    done = suggestions.decide(
        session,
        admin,
        suggestion_id,
        accept=True,
        grade=body.grade,
        reason=body.reason,
        now=utc_now(),
    )
    session.commit()
    return _suggestion(done.suggestion)


@router.post(
    "/suggestions/{suggestion_id}/decline",
    response_model=SuggestionPublic,
    responses=problems(401, 403, 404, 409, 422, 429),
)
def decline_suggestion(
    session: SessionDep, admin: RequireProgrammeStaff, suggestion_id: Id, body: DeclineIn
) -> SuggestionPublic:
    """Decline with a reason: nothing is paid (409 when decided already)."""
    done = suggestions.decide(
        session,
        admin,
        suggestion_id,
        accept=False,
        grade=None,
        reason=body.reason,
        now=utc_now(),
    )
    session.commit()
    return _suggestion(done.suggestion)


# -------------------------------------------------------------------------------- surveys


def _survey(s: Survey, *, answered: bool | None) -> SurveyPublic:
    return SurveyPublic(
        id=s.id,
        programme_id=s.programme_id,
        title=s.title,
        questions=[
            SurveyQuestionPublic(
                kind=q.kind,  # type: ignore[arg-type]
                text=q.text,
                choices=list(q.choices) or None,
            )
            for q in surveys.questions_of(s)
        ],
        points=s.points,
        status=s.status,  # type: ignore[arg-type]
        opened_at=s.opened_at,
        closed_at=s.closed_at,
        created_at=s.created_at,
        answered=answered,
    )


@router.post(
    "/programmes/{programme_id}/surveys",
    status_code=201,
    response_model=SurveyPublic,
    responses=problems(401, 403, 404, 422, 429),
    dependencies=[Idempotent],
)
def create_survey(
    session: SessionDep,
    admin: RequireProgrammeStaff,
    programme_id: Id,
    body: SurveyCreate,
    response: Response,
) -> SurveyPublic:
    """Build a survey (a draft until opened): single and multiple choice, scale 1-5 and
    free-text questions, and the points for answering it."""
    row = surveys.create_survey(
        session,
        admin,
        programme_id,
        title=body.title,
        questions=[q.model_dump(exclude_none=True) for q in body.questions],
        points=body.points,
        now=utc_now(),
        channel="api",
    )
    session.commit()
    response.headers["Location"] = f"/api/v1/loyalty/programmes/{programme_id}/surveys"
    return _survey(row, answered=None)


@router.get(
    "/programmes/{programme_id}/surveys",
    response_model=ListResponse[SurveyPublic],
    responses=problems(401, 403, 404, 429),
)
def list_surveys(
    session: SessionDep, user: UserDep, programme_id: Id, page: PageDep
) -> ListResponse[SurveyPublic]:
    """Every survey for the programme's manager; the open ones for a member (a participant
    sees whether they answered)."""
    admin = _reader(session, user, programme_id)
    participant = None
    if not admin:
        try:
            participant = my_participant(session, user, programme_id)
        except NotFound:
            participant = None
    rows, total = surveys.list_surveys(
        session, programme_id, open_only=not admin, limit=page.limit, offset=page.offset
    )
    return page.response(
        [
            _survey(
                s,
                answered=surveys.answered(session, s.id, participant.id) if participant else None,
            )
            for s in rows
        ],
        total,
    )


@router.post(
    "/surveys/{survey_id}/open",
    response_model=SurveyPublic,
    responses=problems(401, 403, 404, 409, 429),
)
def open_survey(session: SessionDep, admin: RequireProgrammeStaff, survey_id: Id) -> SurveyPublic:
    """Open a draft survey for answers (409 when it is not a draft)."""
    row = surveys.set_status(session, admin, survey_id, to="open", now=utc_now())
    session.commit()
    return _survey(row, answered=None)


@router.post(
    "/surveys/{survey_id}/close",
    response_model=SurveyPublic,
    responses=problems(401, 403, 404, 409, 429),
)
def close_survey(session: SessionDep, admin: RequireProgrammeStaff, survey_id: Id) -> SurveyPublic:
    """Close an open survey: no more answers (409 when it is not open)."""
    row = surveys.set_status(session, admin, survey_id, to="closed", now=utc_now())
    session.commit()
    return _survey(row, answered=None)


@router.post(
    "/surveys/{survey_id}/responses",
    status_code=201,
    response_model=SurveyAnswered,
    responses=problems(401, 403, 404, 409, 422, 429),
)
def answer_survey(
    session: SessionDep, user: UserDep, survey_id: Id, body: SurveyAnswers
) -> SurveyAnswered:
    """A participating seller answers an open survey, once (409 the second time); its
    points are paid once."""
    done = surveys.answer(session, user, survey_id, body.answers, now=utc_now())
    session.commit()
    return SurveyAnswered(survey_id=survey_id, points_paid=done.points_paid)


@router.get(
    "/surveys/{survey_id}/results",
    response_model=SurveyResultsPublic,
    responses=problems(401, 403, 404, 429),
)
def survey_results(
    session: SessionDep, admin: RequireProgrammeStaff, survey_id: Id
) -> SurveyResultsPublic:
    """The results in aggregate only: counts per choice, the scale's distribution and
    average, free text without names. Below ``min_respondents`` respondents, only their
    number."""
    found = surveys.results(session, admin, survey_id)
    return SurveyResultsPublic(
        survey_id=survey_id,
        respondents=found.respondents,
        suppressed=found.suppressed,
        min_respondents=found.min_respondents,
        questions=[
            QuestionResultPublic(
                kind=q.kind,
                text=q.text,
                counts=[CountPublic(label=label, count=n) for label, n in q.counts],
                average=q.average,
                texts=q.texts,
            )
            for q in found.questions
        ],
    )


# ------------------------------------------------------------------------------- contests


def _contest(c: Contest) -> ContestPublic:
    return ContestPublic(
        id=c.id,
        programme_id=c.programme_id,
        name=c.name,
        metric=c.metric,  # type: ignore[arg-type]
        audience=c.audience,  # type: ignore[arg-type]
        starts_at=c.starts_at,
        ends_at=c.ends_at,
        prizes=[int(p) for p in c.prizes],
        status=c.status,  # type: ignore[arg-type]
        closed_at=c.closed_at,
        created_at=c.created_at,
    )


@router.post(
    "/programmes/{programme_id}/contests",
    status_code=201,
    response_model=ContestPublic,
    responses=problems(401, 403, 404, 422, 429),
    dependencies=[Idempotent],
)
def create_contest(
    session: SessionDep,
    admin: RequireProgrammeStaff,
    programme_id: Id,
    body: ContestCreate,
    response: Response,
) -> ContestPublic:
    """Set up a sales contest: its period, metric, audience and prize table. It closes by
    itself once over (hourly), paying the prizes once."""
    row = contests.create_contest(
        session,
        admin,
        programme_id,
        name=body.name,
        metric=body.metric,
        audience=body.audience,
        starts_at=body.starts_at,
        ends_at=body.ends_at,
        prizes=body.prizes,
        now=utc_now(),
        channel="api",
    )
    session.commit()
    response.headers["Location"] = f"/api/v1/loyalty/contests/{row.id}/standings"
    return _contest(row)


@router.get(
    "/programmes/{programme_id}/contests",
    response_model=ListResponse[ContestPublic],
    responses=problems(401, 403, 404, 429),
)
def list_contests(
    session: SessionDep, user: UserDep, programme_id: Id, page: PageDep
) -> ListResponse[ContestPublic]:
    """The programme's contests, the latest ending first (its managers and members)."""
    _reader(session, user, programme_id)
    rows, total = contests.list_contests(
        session, programme_id, limit=page.limit, offset=page.offset
    )
    return page.response([_contest(c) for c in rows], total)


@router.get(
    "/contests/{contest_id}/standings",
    response_model=StandingsPublic,
    responses=problems(401, 403, 404, 429),
)
def contest_standings(
    session: SessionDep,
    user: UserDep,
    contest_id: Id,
    top: Annotated[int, Query(ge=1, le=100)] = 20,
) -> StandingsPublic:
    """Live standings (final once closed): the ``top`` places and mine (``mine``)."""
    contest, rows = contests.live_standings(session, user, contest_id, now=utc_now())
    shown = [r for i, r in enumerate(rows) if i < top or r.mine]
    return StandingsPublic(
        contest=_contest(contest),
        data=[
            StandingPublic(
                rank=r.rank, name=r.name, store=r.store, score=r.score, prize=r.prize, mine=r.mine
            )
            for r in shown
        ],
    )


@router.post(
    "/contests/{contest_id}/close",
    response_model=ContestClosed,
    responses=problems(401, 403, 404, 409, 429),
)
def close_contest(
    session: SessionDep, admin: RequireProgrammeStaff, contest_id: Id
) -> ContestClosed:
    """Close an ended contest now instead of waiting for the hourly job: the prizes are
    paid once (409 when not over or closed already)."""
    contests.require_contest_manager(session, admin, contest_id)
    done = contests.close(session, contest_id, now=utc_now())
    session.commit()
    return ContestClosed(
        contest=_contest(done.contest),
        results=[
            ContestResultPublic(
                rank=r.rank, score=r.score, prize_points=r.prize_points, outcome=r.outcome
            )
            for r in done.results
        ],
    )
