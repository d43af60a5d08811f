"""Loyalty engagement (issue 15): earning campaigns and quizzes the programme's manager (a
platform admin, or its sponsor organisation's representative: ``loyalty.access``) runs and
edits, the quizzes a seller takes, leaderboards and the monthly awards. Domain
errors come from ``loyalty`` (one mapping in ``api.problems``)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Response

from api.deps import RateLimitDep, RequireProgrammeStaff, SessionDep, UserDep
from api.idempotency import Idempotent
from api.paging import PageDep
from api.schemas.common import API_PROBLEMS, MAX_INT, ListResponse, problems
from api.schemas.loyalty_engage import (
    AttemptIn,
    AttemptPublic,
    AwardPublic,
    AwardSettings,
    CampaignCreate,
    CampaignPublic,
    LeaderboardPublic,
    PlacePublic,
    QuestionPublic,
    QuizCreate,
    QuizDraft,
    QuizPublic,
    QuizUpdate,
)
from loyalty import awards, campaigns, leaderboards, quizzes
from loyalty.access import require_sponsor_reader
from loyalty.errors import NotFound
from loyalty.models import Campaign, Quiz
from loyalty.programmes import own_membership
from marketplace.dates import utc_now

router = APIRouter(
    prefix="/loyalty", tags=["loyalty"], dependencies=[RateLimitDep], responses=API_PROBLEMS
)
ProgrammeId = Annotated[int, Path(ge=1, le=MAX_INT)]
QuizId = Annotated[int, Path(ge=1, le=MAX_INT)]


def _campaign(c: Campaign) -> CampaignPublic:
    return CampaignPublic(
        id=c.id,
        programme_id=c.programme_id,
        name=c.name,
        multiplier=c.multiplier,
        target_kind=c.target_kind,
        target_value=c.target_value,
        starts_at=c.starts_at,
        ends_at=c.ends_at,
        created_at=c.created_at,
    )


def _quiz(
    quiz: Quiz,
    *,
    admin: bool,
    standing: quizzes.Standing | None,
    attempts: int | None = None,
) -> QuizPublic:
    return QuizPublic(
        id=quiz.id,
        programme_id=quiz.programme_id,
        title=quiz.title,
        questions=[
            QuestionPublic(
                text=q.text, choices=list(q.choices), correct=sorted(q.correct) if admin else None
            )
            for q in quizzes.questions_of(quiz)
        ],
        pass_mark=quiz.pass_mark,
        max_attempts=quiz.max_attempts,
        points=quiz.points,
        active=quiz.active,
        created_at=quiz.created_at,
        my_attempts=standing.attempts if standing is not None else None,
        passed=standing.passed if standing is not None else None,
        attempts=attempts if admin else None,
    )


def _reader(session: SessionDep, user: UserDep, programme_id: int) -> bool:
    """The programme's manager (True), or a member of a member organisation (False), may
    read (403/404 else)."""
    if require_sponsor_reader(session, user, programme_id):
        return True
    own_membership(session, user, programme_id)
    return False


@router.get(
    "/programmes/{programme_id}/campaigns",
    response_model=ListResponse[CampaignPublic],
    responses=problems(401, 403, 404, 429),
)
def list_campaigns(
    session: SessionDep, user: UserDep, programme_id: ProgrammeId, page: PageDep
) -> ListResponse[CampaignPublic]:
    """The programme's earning campaigns, newest first (admins and members)."""
    _reader(session, user, programme_id)
    rows, total = campaigns.list_campaigns(
        session, programme_id, limit=page.limit, offset=page.offset
    )
    return page.response([_campaign(c) for c in rows], total)


@router.post(
    "/programmes/{programme_id}/campaigns",
    status_code=201,
    response_model=CampaignPublic,
    responses=problems(401, 403, 404, 422, 429),
    dependencies=[Idempotent],
)
def create_campaign(
    session: SessionDep,
    admin: RequireProgrammeStaff,
    programme_id: ProgrammeId,
    body: CampaignCreate,
    response: Response,
) -> CampaignPublic:
    """Run an earning campaign: x ``multiplier`` points on delivered lines of the product,
    brand or category between ``starts_at`` and ``ends_at`` (the highest multiplier of the
    campaigns covering a line wins)."""
    created = campaigns.create_campaign(
        session,
        admin,
        programme_id,
        name=body.name,
        multiplier=body.multiplier,
        target_kind=body.target_kind,
        target_value=body.target_value,
        starts_at=body.starts_at,
        ends_at=body.ends_at,
        now=utc_now(),
        channel="api",
    )
    session.commit()
    response.headers["Location"] = f"/api/v1/loyalty/programmes/{programme_id}/campaigns"
    return _campaign(created)


@router.get(
    "/programmes/{programme_id}/quizzes",
    response_model=ListResponse[QuizPublic],
    responses=problems(401, 403, 404, 429),
)
def list_quizzes(
    session: SessionDep, user: UserDep, programme_id: ProgrammeId, page: PageDep
) -> ListResponse[QuizPublic]:
    """The programme's quizzes: every one with its answers for its manager; the open ones
    and my attempts for a member (a participant sees their attempts)."""
    admin = _reader(session, user, programme_id)
    participant = None
    if not admin:
        try:
            participant = quizzes.my_participant(session, user, programme_id)
        except NotFound:
            participant = None
    rows, total = quizzes.list_quizzes(
        session, programme_id, active_only=not admin, limit=page.limit, offset=page.offset
    )
    return page.response(
        [
            _quiz(
                q,
                admin=admin,
                standing=quizzes.standing(session, q.id, participant.id) if participant else None,
                attempts=quizzes.attempt_count(session, q.id) if admin else None,
            )
            for q in rows
        ],
        total,
    )


@router.post(
    "/programmes/{programme_id}/quizzes",
    status_code=201,
    response_model=QuizPublic,
    responses=problems(401, 403, 404, 422, 429),
    dependencies=[Idempotent],
)
def create_quiz(
    session: SessionDep,
    admin: RequireProgrammeStaff,
    programme_id: ProgrammeId,
    body: QuizCreate,
    response: Response,
) -> QuizPublic:
    """Build a quiz: questions with their choices and right choices, the pass mark, the
    attempts a seller has and the points a pass pays (once per seller)."""
    quiz = quizzes.create_quiz(
        session,
        admin,
        programme_id,
        title=body.title,
        questions=[q.model_dump() for q in body.questions],
        pass_mark=body.pass_mark,
        max_attempts=body.max_attempts,
        points=body.points,
        now=utc_now(),
        channel="api",
    )
    session.commit()
    response.headers["Location"] = f"/api/v1/loyalty/programmes/{programme_id}/quizzes"
    return _quiz(quiz, admin=True, standing=None, attempts=0)


@router.put(
    "/quizzes/{quiz_id}",
    response_model=QuizPublic,
    responses=problems(401, 403, 404, 409, 422, 429),
)
def update_quiz(
    session: SessionDep, admin: RequireProgrammeStaff, quiz_id: QuizId, body: QuizUpdate
) -> QuizPublic:
    """Edit a quiz (its programme's manager). Before anyone attempted it every field
    changes; after, the attempts were scored on its choices and right answers and paid its
    points, so only the title and the questions' wording change, and ``active`` (409
    ``quiz-attempted`` otherwise)."""
    quiz = quizzes.update_quiz(
        session,
        admin,
        quiz_id,
        title=body.title,
        questions=[q.model_dump() for q in body.questions],
        pass_mark=body.pass_mark,
        max_attempts=body.max_attempts,
        points=body.points,
        active=body.active,
        now=utc_now(),
        channel="api",
    )
    session.commit()
    return _quiz(quiz, admin=True, standing=None, attempts=quizzes.attempt_count(session, quiz.id))


@router.put(
    "/campaigns/{campaign_id}",
    response_model=CampaignPublic,
    responses=problems(401, 403, 404, 409, 422, 429),
)
def update_campaign(
    session: SessionDep,
    admin: RequireProgrammeStaff,
    campaign_id: QuizId,
    body: CampaignCreate,
) -> CampaignPublic:
    """Edit a campaign (its programme's manager). Points are paid at delivery and never
    recalculated: before it starts everything changes; once started only the name and the
    end (not in the past) change, once ended only the name (409 ``campaign-started``)."""
    campaign = campaigns.update_campaign(
        session,
        admin,
        campaign_id,
        name=body.name,
        multiplier=body.multiplier,
        target_kind=body.target_kind,
        target_value=body.target_value,
        starts_at=body.starts_at,
        ends_at=body.ends_at,
        now=utc_now(),
        channel="api",
    )
    session.commit()
    return _campaign(campaign)


@router.get("/quiz-draft", response_model=QuizDraft, responses=problems(401, 403, 429))
def quiz_draft(
    session: SessionDep,
    admin: RequireProgrammeStaff,
    count: Annotated[int, Query(ge=1, le=20)] = 5,
    lang: Annotated[Literal["sv", "en"], Query()] = "sv",
    seed: Annotated[int, Query(ge=0, le=MAX_INT)] = 0,
) -> QuizDraft:
    """A draft of questions from the catalogue's product data ("Which manufacturer makes
    <product>?", other manufacturers as distractors) for the quiz builder to edit."""
    draft = quizzes.draft_questions(
        quizzes.catalogue_makers(session), count=count, seed=seed, language=lang
    )
    return QuizDraft(questions=[QuestionPublic(**q) for q in draft])


@router.post(
    "/quizzes/{quiz_id}/attempts",
    status_code=201,
    response_model=AttemptPublic,
    responses=problems(401, 403, 404, 409, 422, 429),
)
def submit_attempt(
    session: SessionDep, user: UserDep, quiz_id: QuizId, body: AttemptIn
) -> AttemptPublic:
    """A participating seller answers a quiz: scored at once; a first pass pays the points
    (once, however many submissions race); 409 when the attempts are used or it was passed."""
    result = quizzes.submit(session, user, quiz_id, body.answers, now=utc_now())
    session.commit()
    return AttemptPublic(
        quiz_id=quiz_id,
        number=result.attempt.number,
        score=result.attempt.score,
        passed=result.attempt.passed,
        points_paid=result.points_paid,
        attempts_left=result.attempts_left,
    )


@router.get(
    "/programmes/{programme_id}/leaderboards/{board}",
    response_model=LeaderboardPublic,
    responses=problems(401, 403, 404, 422, 429),
)
def leaderboard(
    session: SessionDep,
    user: UserDep,
    programme_id: ProgrammeId,
    board: Literal["sellers", "stores"],
    period: Annotated[
        str, Query(pattern=r"^(month|all|\d{4}-\d{2})$", description="month, all or YYYY-MM")
    ] = "month",
    top: Annotated[int, Query(ge=1, le=100)] = 10,
) -> LeaderboardPublic:
    """The top sellers or stores by points earned, and my own place when I am not among
    them (``mine``)."""
    found = leaderboards.leaderboard(
        session, user, programme_id, board, period, now=utc_now(), top=top
    )
    return LeaderboardPublic(
        board=board,
        period=found.period.label,
        data=[
            PlacePublic(rank=p.rank, name=p.name, store=p.store, points=p.points, mine=p.mine)
            for p in found.places
        ],
    )


@router.get(
    "/programmes/{programme_id}/awards",
    response_model=ListResponse[AwardPublic],
    responses=problems(401, 403, 404, 429),
)
def list_awards(
    session: SessionDep, user: UserDep, programme_id: ProgrammeId, page: PageDep
) -> ListResponse[AwardPublic]:
    """Månadens säljare and månadens butik, newest month first."""
    _reader(session, user, programme_id)
    rows, total = awards.awards(session, programme_id, limit=page.limit, offset=page.offset)
    return page.response(
        [
            AwardPublic(
                period=v.award.period,
                kind="seller" if v.award.kind == "seller" else "store",
                store=v.organisation,
                seller=v.seller,
                points_earned=v.award.points_earned,
                bonus_points=v.award.bonus_points,
                created_at=v.award.created_at,
            )
            for v in rows
        ],
        total,
    )


@router.put(
    "/programmes/{programme_id}/settings",
    response_model=AwardSettings,
    responses=problems(401, 403, 404, 422, 429),
)
def put_settings(
    session: SessionDep,
    admin: RequireProgrammeStaff,
    programme_id: ProgrammeId,
    body: AwardSettings,
) -> AwardSettings:
    """The bonus points månadens säljare and månadens butik get (0: none)."""
    row = awards.set_award_bonus(
        session,
        admin,
        programme_id,
        seller_bonus=body.seller_award_bonus,
        store_bonus=body.store_award_bonus,
        now=utc_now(),
    )
    session.commit()
    return AwardSettings(
        seller_award_bonus=row.seller_award_bonus, store_award_bonus=row.store_award_bonus
    )
