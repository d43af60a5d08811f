"""Surveys: the sponsor builds one, opens and closes it; sellers taking part answer it once
and earn its points; the sponsor reads the results **in aggregate only**.

A survey holds 1-:data:`MAX_QUESTIONS` questions of four kinds: ``single`` (one of 2-10
choices), ``multiple`` (one or more of them), ``scale`` (1-5) and ``text`` (free text, up to
:data:`MAX_TEXT` characters, may be left empty). It moves ``draft`` -> ``open`` -> ``closed``
by conditional updates (of two at once, one acts). Only an open survey is answered.

A response is unique per survey and participant: an answer sent twice, or twice at once, is
stored once (:class:`AlreadyAnswered`). It pays ``points`` through ``loyalty.limits.credit``
to the seller's sub-account under the key ``survey:<survey>:<participant>``.

**Results** (:func:`results`) never name a respondent: counts per choice, the distribution
and average of a scale, and the free-text answers without names in alphabetical order (not
the order they came in). With fewer than :data:`MIN_RESPONDENTS` (5) respondents only the
number of respondents is shown, no breakdown: with so few, a breakdown could tell who
answered what.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from catalog import audit
from catalog.db import rows_matched
from catalog.models import User
from loyalty import limits
from loyalty.access import require_management_role, require_manager, require_manager_of
from loyalty.engagement_models import Survey, SurveyResponse
from loyalty.enums import AccountKind
from loyalty.errors import InvalidInput, LoyaltyError, NotFound, WrongState
from loyalty.ledger import ensure_account
from loyalty.programmes import get_programme
from loyalty.quizzes import my_participant

SURVEY_ENTRY_KIND = "survey"
KINDS = ("single", "multiple", "scale", "text")
MAX_QUESTIONS = 30
MAX_CHOICES = 10
MAX_TEXT = 2000
MAX_SURVEY_POINTS = 100_000
MIN_RESPONDENTS = 5
SCALE = range(1, 6)


class SurveyState(WrongState):
    """The survey is not in the state the action needs (opening an open one)."""


class AlreadyAnswered(LoyaltyError):
    """The participant answered this survey already (or twice at once)."""


@dataclass(frozen=True, slots=True)
class SurveyQuestion:
    kind: str
    text: str
    choices: tuple[str, ...] = ()

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "text": self.text}
        if self.choices:
            out["choices"] = list(self.choices)
        return out


def parse_questions(raw: Sequence[Mapping[str, Any]]) -> list[SurveyQuestion]:
    """Validated questions; :class:`InvalidInput` names the field. Pure."""
    if not 1 <= len(raw) <= MAX_QUESTIONS:
        raise InvalidInput(f"questions: 1-{MAX_QUESTIONS} questions", field="questions")
    out: list[SurveyQuestion] = []
    for i, item in enumerate(raw):
        where = f"questions[{i}]"
        kind = item.get("kind")
        if kind not in KINDS:
            raise InvalidInput(f"{where}.kind: one of {', '.join(KINDS)}", field=f"{where}.kind")
        text = " ".join(str(item.get("text") or "").split())
        if not text or len(text) > 500:
            raise InvalidInput(f"{where}.text: 1-500 characters", field=f"{where}.text")
        choices: tuple[str, ...] = ()
        if kind in ("single", "multiple"):
            given = item.get("choices")
            if not isinstance(given, list) or not 2 <= len(given) <= MAX_CHOICES:
                raise InvalidInput(
                    f"{where}.choices: 2-{MAX_CHOICES} choices", field=f"{where}.choices"
                )
            choices = tuple(" ".join(str(c).split()) for c in given)
            if any(not c or len(c) > 200 for c in choices) or len(set(choices)) != len(choices):
                raise InvalidInput(
                    f"{where}.choices: distinct, 1-200 characters each", field=f"{where}.choices"
                )
        elif item.get("choices"):
            raise InvalidInput(
                f"{where}.choices: only single and multiple questions have choices",
                field=f"{where}.choices",
            )
        out.append(SurveyQuestion(str(kind), text, choices))
    return out


def questions_of(survey: Survey) -> list[SurveyQuestion]:
    return parse_questions(survey.questions)


def check_answers(questions: Sequence[SurveyQuestion], answers: Sequence[Any]) -> list[Any]:
    """The answers, validated and normalised, one per question (``answers[2]`` named when
    wrong). Pure."""
    if len(answers) != len(questions):
        raise InvalidInput(f"answers: one per question ({len(questions)})", field="answers")
    out: list[Any] = []
    for i, (question, answer) in enumerate(zip(questions, answers, strict=True)):
        where = f"answers[{i}]"
        n = len(question.choices)
        if question.kind == "single":
            if isinstance(answer, bool) or not isinstance(answer, int) or not 0 <= answer < n:
                raise InvalidInput(f"{where}: the index of one choice (0-{n - 1})", field=where)
            out.append(answer)
        elif question.kind == "multiple":
            if (
                not isinstance(answer, list)
                or not answer
                or any(isinstance(c, bool) or not isinstance(c, int) for c in answer)
                or any(not 0 <= c < n for c in answer)
            ):
                raise InvalidInput(f"{where}: one or more choice indexes (0-{n - 1})", field=where)
            out.append(sorted(set(answer)))
        elif question.kind == "scale":
            if isinstance(answer, bool) or not isinstance(answer, int) or answer not in SCALE:
                raise InvalidInput(f"{where}: 1-5", field=where)
            out.append(answer)
        else:
            if answer is None:
                answer = ""
            if not isinstance(answer, str) or len(answer) > MAX_TEXT:
                raise InvalidInput(f"{where}: text, {MAX_TEXT} characters at most", field=where)
            out.append(answer.replace("\r\n", "\n").strip())
    return out


def create_survey(
    session: Session,
    user: User | None,
    programme_id: int,
    *,
    title: str,
    questions: Sequence[Mapping[str, Any]],
    points: int,
    now: datetime,
    channel: str = "web",
) -> Survey:
    """A new survey in draft (the programme's manager: ``loyalty.access``), audited."""
    admin = require_manager(session, user, programme_id)
    title = " ".join(title.split())
    if not title or len(title) > 200:
        raise InvalidInput("title: 1-200 characters", field="title")
    parsed = parse_questions(questions)
    if isinstance(points, bool) or not 0 <= points <= MAX_SURVEY_POINTS:
        raise InvalidInput(f"points: 0-{MAX_SURVEY_POINTS}", field="points")
    survey = Survey(
        programme_id=programme_id,
        title=title,
        questions=[q.as_json() for q in parsed],
        points=points,
        status="draft",
        created_by=admin.id,
        created_at=now,
    )
    session.add(survey)
    session.flush()
    audit.record(
        session,
        actor=admin,
        channel=channel,
        action="loyalty.survey.create",
        target_kind="loyalty_survey",
        target_id=survey.id,
        detail={"programme_id": programme_id, "title": title, "points": points},
    )
    return survey


def get_survey(session: Session, survey_id: int) -> Survey:
    found = session.get(Survey, survey_id)
    if found is None:
        raise NotFound(f"no survey {survey_id}")
    return found


def set_status(
    session: Session, user: User | None, survey_id: int, *, to: str, now: datetime
) -> Survey:
    """Open a draft or close an open survey (once: :class:`WrongState` otherwise)."""
    admin = require_management_role(user)
    survey = get_survey(session, survey_id)
    require_manager_of(session, admin, survey.programme_id, f"no survey {survey_id}")
    if to == "open":
        frm, values = "draft", {"status": "open", "opened_at": now}
    elif to == "closed":
        frm, values = "open", {"status": "closed", "closed_at": now}
    else:
        raise InvalidInput("status: open or closed", field="status")
    result = session.execute(
        update(Survey)
        .where(Survey.id == survey_id, Survey.status == frm)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if rows_matched(result) != 1:
        raise SurveyState(f"survey {survey_id} is {survey.status}, not {frm}")
    session.refresh(survey)
    audit.record(
        session,
        actor=admin,
        channel="web",
        action=f"loyalty.survey.{to}",
        target_kind="loyalty_survey",
        target_id=survey.id,
        detail={},
    )
    return survey


def list_surveys(
    session: Session, programme_id: int, *, open_only: bool, limit: int = 100, offset: int = 0
) -> tuple[list[Survey], int]:
    """The programme's surveys, newest first: (page, total)."""
    get_programme(session, programme_id)
    where = [Survey.programme_id == programme_id]
    if open_only:
        where.append(Survey.status == "open")
    total = session.scalar(select(func.count()).select_from(Survey).where(*where)) or 0
    rows = session.scalars(
        select(Survey).where(*where).order_by(Survey.id.desc()).limit(limit).offset(offset)
    )
    return list(rows), int(total)


def answered(session: Session, survey_id: int, participant_id: int) -> bool:
    return (
        session.scalar(
            select(SurveyResponse.id).where(
                SurveyResponse.survey_id == survey_id,
                SurveyResponse.participant_id == participant_id,
            )
        )
        is not None
    )


@dataclass(frozen=True, slots=True)
class Answered:
    response: SurveyResponse
    points_paid: int


def answer(
    session: Session, user: User | None, survey_id: int, answers: Sequence[Any], *, now: datetime
) -> Answered:
    """A participating seller answers an open survey, once; its points are paid once. The
    caller commits."""
    survey = get_survey(session, survey_id)
    participant = my_participant(session, user, survey.programme_id)
    if survey.status != "open":
        raise NotFound(f"survey {survey_id} is not open")
    clean = check_answers(questions_of(survey), answers)
    response = SurveyResponse(
        survey_id=survey.id, participant_id=participant.id, answers=clean, created_at=now
    )
    try:
        with session.begin_nested():
            session.add(response)
            session.flush()
    except IntegrityError as exc:
        raise AlreadyAnswered(f"you answered survey {survey_id} already") from exc
    paid = 0
    if survey.points > 0:
        seller = ensure_account(
            session,
            survey.programme_id,
            AccountKind.SELLER,
            membership_id=participant.membership_id,
            participant_id=participant.id,
        )
        credit = limits.credit(
            session,
            programme_id=survey.programme_id,
            destination=seller,
            points=survey.points,
            kind=SURVEY_ENTRY_KIND,
            reason=f"survey {survey.id} {survey.title} answered",
            idempotency_key=f"survey:{survey.id}:{participant.id}",
            now=now,
        )
        paid = credit.points if credit.outcome == "paid" else 0
    return Answered(response, paid)


# ---------------------------------------------------------------------------------- results


@dataclass(frozen=True, slots=True)
class QuestionResult:
    kind: str
    text: str
    counts: list[tuple[str, int]] = field(default_factory=list)  # choice or scale value
    average: Decimal | None = None  # scale questions
    texts: list[str] = field(default_factory=list)  # free text, without names, sorted


@dataclass(frozen=True, slots=True)
class SurveyResults:
    survey: Survey
    respondents: int
    suppressed: bool  # fewer than MIN_RESPONDENTS: no breakdown
    questions: list[QuestionResult]
    min_respondents: int = MIN_RESPONDENTS


def aggregate(
    questions: Sequence[SurveyQuestion], responses: Sequence[Sequence[Any]]
) -> list[QuestionResult]:
    """Per question: counts per choice (or scale value), the scale's average (2 decimals)
    and the non-empty free texts in alphabetical order. Pure."""
    out: list[QuestionResult] = []
    for i, question in enumerate(questions):
        given = [r[i] for r in responses if i < len(r)]
        if question.kind in ("single", "multiple"):
            counts = [0] * len(question.choices)
            for a in given:
                for c in a if isinstance(a, list) else [a]:
                    if isinstance(c, int) and 0 <= c < len(counts):
                        counts[c] += 1
            tally = list(zip(question.choices, counts, strict=True))
            out.append(QuestionResult(question.kind, question.text, tally))
        elif question.kind == "scale":
            values = [a for a in given if isinstance(a, int) and a in SCALE]
            mean = (
                (Decimal(sum(values)) / len(values)).quantize(Decimal("0.01"), ROUND_HALF_UP)
                if values
                else None
            )
            out.append(
                QuestionResult(
                    question.kind,
                    question.text,
                    [(str(v), values.count(v)) for v in SCALE],
                    average=mean,
                )
            )
        else:
            texts = sorted(a for a in given if isinstance(a, str) and a)
            out.append(QuestionResult(question.kind, question.text, texts=texts))
    return out


def results(session: Session, user: User | None, survey_id: int) -> SurveyResults:
    """The survey's results for its programme's manager, in aggregate only (see the module)."""
    manager = require_management_role(user)
    survey = get_survey(session, survey_id)
    require_manager_of(session, manager, survey.programme_id, f"no survey {survey_id}")
    rows = list(
        session.scalars(select(SurveyResponse.answers).where(SurveyResponse.survey_id == survey.id))
    )
    if len(rows) < MIN_RESPONDENTS:
        return SurveyResults(survey, len(rows), True, [])
    return SurveyResults(survey, len(rows), False, aggregate(questions_of(survey), rows))
