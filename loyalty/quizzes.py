"""Quizzes: a sponsor builds one, a seller taking part takes it, passing pays points once.

A quiz holds its questions (``[{text, choices, correct}]``: 2-8 choices, one or more right
ones), a pass mark (right answers needed), a number of attempts and the points it pays.
A question is answered right when exactly its right choices are chosen.

A participant's attempts are numbered; ``(quiz, participant, number)`` is unique, so two
concurrent submissions cannot both use the last attempt (the loser gets
:class:`DuplicateSubmission`, nothing stored). A pass pays ``points`` from the sponsor's
budget to the seller's sub-account under the key ``quiz:<quiz>:<participant>``: once per
seller, however many passing attempts race. After a pass no more attempts are taken.

:func:`draft_questions` writes a draft from the catalogue's product data ("Which
manufacturer makes <product>?", the distractors other manufacturers): a pure function the
sponsor's builder offers as a starting point.
"""

from __future__ import annotations

import random
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from catalog import audit
from catalog.models import Manufacturer, Product, User
from loyalty import limits
from loyalty.access import require_management_role, require_manager, require_manager_of
from loyalty.enums import AccountKind
from loyalty.errors import InvalidInput, LoyaltyError, NotFound
from loyalty.ledger import ensure_account
from loyalty.models import Participant, Quiz, QuizAttempt
from loyalty.programmes import (
    active_participant,
    get_programme,
    own_membership,
)

QUIZ_ENTRY_KIND = "quiz"
MAX_QUESTIONS = 50
MAX_CHOICES = 8
MAX_QUIZ_POINTS = 100_000


class AttemptsUsed(LoyaltyError):
    """Every attempt was used, or the quiz was passed already: no more submissions."""


class DuplicateSubmission(LoyaltyError):
    """A concurrent submission of the same attempt won: this one stored nothing."""


@dataclass(frozen=True, slots=True)
class Question:
    text: str
    choices: tuple[str, ...]
    correct: frozenset[int]

    def as_json(self) -> dict[str, Any]:
        return {"text": self.text, "choices": list(self.choices), "correct": sorted(self.correct)}


def parse_questions(raw: Sequence[Mapping[str, Any]]) -> list[Question]:
    """Validated questions; :class:`InvalidInput` names the field (``questions[2].correct``).
    Pure."""
    if not 1 <= len(raw) <= MAX_QUESTIONS:
        raise InvalidInput(f"questions: 1-{MAX_QUESTIONS} questions", field="questions")
    out: list[Question] = []
    for i, item in enumerate(raw):
        where = f"questions[{i}]"
        text = " ".join(str(item.get("text") or "").split())
        if not text or len(text) > 500:
            raise InvalidInput(f"{where}.text: 1-500 characters", field=f"{where}.text")
        choices = item.get("choices")
        if not isinstance(choices, list) or not 2 <= len(choices) <= MAX_CHOICES:
            raise InvalidInput(
                f"{where}.choices: 2-{MAX_CHOICES} choices", field=f"{where}.choices"
            )
        cleaned = tuple(" ".join(str(c).split()) for c in choices)
        if any(not c or len(c) > 200 for c in cleaned) or len(set(cleaned)) != len(cleaned):
            raise InvalidInput(
                f"{where}.choices: distinct, 1-200 characters each", field=f"{where}.choices"
            )
        correct = item.get("correct")
        if (
            not isinstance(correct, list)
            or not correct
            or any(not isinstance(c, int) or isinstance(c, bool) for c in correct)
            or any(not 0 <= c < len(cleaned) for c in correct)
        ):
            raise InvalidInput(
                f"{where}.correct: one or more indexes of its choices (0-{len(cleaned) - 1})",
                field=f"{where}.correct",
            )
        out.append(Question(text, cleaned, frozenset(correct)))
    return out


def score(questions: Sequence[Question], answers: Sequence[Sequence[int]]) -> int:
    """Right answers: exactly the right choices chosen. Answers must match the questions
    one to one (:class:`InvalidInput` otherwise). Pure."""
    if len(answers) != len(questions):
        raise InvalidInput(
            f"answers: one list of chosen indexes per question ({len(questions)})",
            field="answers",
        )
    right = 0
    for i, (question, chosen) in enumerate(zip(questions, answers, strict=True)):
        picked = set(chosen)
        if any(not 0 <= c < len(question.choices) for c in picked):
            raise InvalidInput(f"answers[{i}]: an index of its choices", field=f"answers[{i}]")
        right += picked == question.correct
    return right


def questions_of(quiz: Quiz) -> list[Question]:
    return parse_questions(quiz.questions)


def create_quiz(
    session: Session,
    user: User | None,
    programme_id: int,
    *,
    title: str,
    questions: Sequence[Mapping[str, Any]],
    pass_mark: int,
    max_attempts: int,
    points: int,
    now: datetime,
    channel: str = "web",
) -> Quiz:
    """A new active quiz (the programme's manager: ``loyalty.access``), audited."""
    admin = require_manager(session, user, programme_id)
    title = " ".join(title.split())
    if not title or len(title) > 200:
        raise InvalidInput("title: 1-200 characters", field="title")
    parsed = parse_questions(questions)
    if not 1 <= pass_mark <= len(parsed):
        raise InvalidInput(f"pass_mark: 1-{len(parsed)} (the questions)", field="pass_mark")
    if not 1 <= max_attempts <= 10:
        raise InvalidInput("max_attempts: 1-10", field="max_attempts")
    if not 1 <= points <= MAX_QUIZ_POINTS:
        raise InvalidInput(f"points: 1-{MAX_QUIZ_POINTS}", field="points")
    quiz = Quiz(
        programme_id=programme_id,
        title=title,
        questions=[q.as_json() for q in parsed],
        pass_mark=pass_mark,
        max_attempts=max_attempts,
        points=points,
        active=True,
        created_by=admin.id,
        created_at=now,
    )
    session.add(quiz)
    session.flush()
    audit.record(
        session,
        actor=admin,
        channel=channel,
        action="loyalty.quiz.create",
        target_kind="loyalty_quiz",
        target_id=quiz.id,
        detail={"programme_id": programme_id, "title": title, "points": points},
    )
    return quiz


def _lock_quiz(session: Session, quiz_id: int) -> None:
    """Serialise attempts at and edits of one quiz (a no-op UPDATE of its row)."""
    session.execute(
        update(Quiz)
        .where(Quiz.id == quiz_id)
        .values(id=Quiz.id)
        .execution_options(synchronize_session=False)
    )


class QuizAttempted(LoyaltyError):
    """A quiz with attempts keeps what scored them (choices, right answers, pass mark,
    attempts, points): only its title and question wording change, or it closes."""


def attempt_count(session: Session, quiz_id: int) -> int:
    return int(
        session.scalar(
            select(func.count()).select_from(QuizAttempt).where(QuizAttempt.quiz_id == quiz_id)
        )
        or 0
    )


def update_quiz(
    session: Session,
    user: User | None,
    quiz_id: int,
    *,
    title: str,
    questions: Sequence[Mapping[str, Any]],
    pass_mark: int,
    max_attempts: int,
    points: int,
    active: bool,
    now: datetime,
    channel: str = "web",
) -> Quiz:
    """The programme's manager edits a quiz, audited. Before anyone attempted it every field
    changes. After, attempts were scored on its choices and right answers and paid its
    points, so those, the pass mark and the attempts stay: only the title and the questions'
    wording change (:class:`QuizAttempted` otherwise), and it can be closed or reopened.
    The quiz row is locked first, so an attempt submitted at the same moment is scored on
    one version or the other, never on a mix."""
    require_management_role(user)
    _lock_quiz(session, quiz_id)
    quiz = session.get(Quiz, quiz_id, populate_existing=True)
    if quiz is None:
        raise NotFound(f"no quiz {quiz_id}")
    manager = require_manager_of(session, user, quiz.programme_id, f"no quiz {quiz_id}")
    title = " ".join(title.split())
    if not title or len(title) > 200:
        raise InvalidInput("title: 1-200 characters", field="title")
    parsed = parse_questions(questions)
    if not 1 <= pass_mark <= len(parsed):
        raise InvalidInput(f"pass_mark: 1-{len(parsed)} (the questions)", field="pass_mark")
    if not 1 <= max_attempts <= 10:
        raise InvalidInput("max_attempts: 1-10", field="max_attempts")
    if not 1 <= points <= MAX_QUIZ_POINTS:
        raise InvalidInput(f"points: 1-{MAX_QUIZ_POINTS}", field="points")
    attempts = attempt_count(session, quiz.id)
    if attempts:
        before = questions_of(quiz)
        same_scoring = (
            len(before) == len(parsed)
            and all(
                b.choices == a.choices and b.correct == a.correct
                for b, a in zip(before, parsed, strict=True)
            )
            and (pass_mark, max_attempts, points)
            == (quiz.pass_mark, quiz.max_attempts, quiz.points)
        )
        if not same_scoring:
            raise QuizAttempted(
                f"quiz {quiz_id} has {attempts} attempts: only its title and the wording of "
                "its questions can change"
            )
    changed = {
        "title": (quiz.title, title),
        "questions": (len(quiz.questions), len(parsed)),
        "pass_mark": (quiz.pass_mark, pass_mark),
        "max_attempts": (quiz.max_attempts, max_attempts),
        "points": (quiz.points, points),
        "active": (quiz.active, active),
    }
    quiz.title, quiz.questions = title, [q.as_json() for q in parsed]
    quiz.pass_mark, quiz.max_attempts, quiz.points = pass_mark, max_attempts, points
    quiz.active = active
    session.flush()
    audit.record(
        session,
        actor=manager,
        channel=channel,
        action="loyalty.quiz.update",
        target_kind="loyalty_quiz",
        target_id=quiz.id,
        detail={
            "programme_id": quiz.programme_id,
            "attempts": attempts,
            **{k: [str(b), str(a)] for k, (b, a) in changed.items() if b != a},
        },
    )
    return quiz


def list_quizzes(
    session: Session, programme_id: int, *, active_only: bool, limit: int = 100, offset: int = 0
) -> tuple[list[Quiz], int]:
    """The programme's quizzes, newest first: (page, total)."""
    get_programme(session, programme_id)
    conditions = [Quiz.programme_id == programme_id]
    if active_only:
        conditions.append(Quiz.active.is_(True))
    total = session.scalar(select(func.count()).select_from(Quiz).where(*conditions)) or 0
    rows = session.scalars(
        select(Quiz).where(*conditions).order_by(Quiz.id.desc()).limit(limit).offset(offset)
    )
    return list(rows), int(total)


def get_quiz(session: Session, quiz_id: int) -> Quiz:
    quiz = session.get(Quiz, quiz_id)
    if quiz is None:
        raise NotFound(f"no quiz {quiz_id}")
    return quiz


def my_participant(session: Session, user: User | None, programme_id: int) -> Participant:
    """The user's participation in the programme (invited and terms accepted)."""
    membership = own_membership(session, user, programme_id)
    assert user is not None
    participant = active_participant(session, membership.id, user.id)
    if participant is None:
        raise NotFound(f"you do not take part in loyalty programme {programme_id}")
    return participant


@dataclass(frozen=True, slots=True)
class Standing:
    """A participant's attempts at a quiz."""

    attempts: int
    passed: bool
    best_score: int


def standing(session: Session, quiz_id: int, participant_id: int) -> Standing:
    row = session.execute(
        select(
            func.count(QuizAttempt.id),
            func.coalesce(func.max(QuizAttempt.score), 0),
            func.count(QuizAttempt.id).filter(QuizAttempt.passed.is_(True)),
        ).where(QuizAttempt.quiz_id == quiz_id, QuizAttempt.participant_id == participant_id)
    ).one()
    return Standing(int(row[0]), int(row[2]) > 0, int(row[1]))


@dataclass(frozen=True, slots=True)
class Result:
    attempt: QuizAttempt
    points_paid: int  # 0 unless this attempt's pass paid the points
    attempts_left: int


def submit(
    session: Session,
    user: User | None,
    quiz_id: int,
    answers: Sequence[Sequence[int]],
    *,
    now: datetime,
) -> Result:
    """Score an attempt of the user's and pay the points on a first pass. The caller
    commits."""
    # the quiz row locked first (PostgreSQL's row lock, SQLite's write lock): an edit of it
    # waits for this attempt, and an attempt made during an edit is scored on the edited
    # quiz (``update_quiz``), never on a mix
    _lock_quiz(session, quiz_id)
    quiz = session.get(Quiz, quiz_id, populate_existing=True)
    if quiz is None:
        raise NotFound(f"no quiz {quiz_id}")
    participant = my_participant(session, user, quiz.programme_id)
    if not quiz.active:
        raise NotFound(f"quiz {quiz_id} is closed")
    right = score(questions_of(quiz), answers)
    before = standing(session, quiz.id, participant.id)
    if before.passed:
        raise AttemptsUsed(f"you passed quiz {quiz_id} already")
    if before.attempts >= quiz.max_attempts:
        raise AttemptsUsed(f"you used your {quiz.max_attempts} attempts at quiz {quiz_id}")
    attempt = QuizAttempt(
        quiz_id=quiz.id,
        participant_id=participant.id,
        number=before.attempts + 1,
        answers=[sorted(set(a)) for a in answers],
        score=right,
        passed=right >= quiz.pass_mark,
        created_at=now,
    )
    try:
        with session.begin_nested():
            session.add(attempt)
            session.flush()
    except IntegrityError as exc:
        raise DuplicateSubmission(
            f"attempt {attempt.number} at quiz {quiz_id} was submitted at the same time"
        ) from exc
    paid = 0
    if attempt.passed:
        seller = ensure_account(
            session,
            quiz.programme_id,
            AccountKind.SELLER,
            membership_id=participant.membership_id,
            participant_id=participant.id,
        )
        outcome = limits.credit(
            session,
            programme_id=quiz.programme_id,
            destination=seller,
            points=quiz.points,
            kind=QUIZ_ENTRY_KIND,
            reason=f"quiz {quiz.id} {quiz.title} passed ({right}/{len(quiz.questions)})",
            idempotency_key=f"quiz:{quiz.id}:{participant.id}",
            now=now,
        )
        paid = outcome.points if outcome.outcome == "paid" else 0
    left = 0 if attempt.passed else quiz.max_attempts - attempt.number
    return Result(attempt, paid, left)


# ------------------------------------------------------------------ drafts from the catalogue

_TEMPLATES = {
    "sv": "Vilken tillverkare gör {product}?",
    "en": "Which manufacturer makes {product}?",
}


_WORD = re.compile(r"[^\W_]+")
_GENERIC = frozenset(
    {
        "the",
        "and",
        "of",
        "inc",
        "llc",
        "ltd",
        "co",
        "corp",
        "corporation",
        "company",
        "gmbh",
        "ag",
        "ab",
        "as",
        "sa",
        "spa",
        "srl",
        "bv",
        "oy",
        "kg",
        "plc",
        "limited",
        "mfg",
        "manufacturing",
        "products",
        "product",
        "dental",
        "medical",
        "supply",
        "supplies",
        "international",
        "group",
        "industries",
        "systems",
    }
)
"""Words of a manufacturer's name that do not tell it apart (legal forms, trade words)."""


def gives_away(product: str, manufacturer: str) -> bool:
    """Whether the product's name names its manufacturer ("Darby Dental Supply, LLC
    BARRIER ENVELOPES" by "DARBY DENTAL SUPPLY, LLC"): a question about it answers itself.
    Pure."""
    named = {w.casefold() for w in _WORD.findall(product)}
    own = {w.casefold() for w in _WORD.findall(manufacturer)} - _GENERIC
    return bool(own & named)


@dataclass(frozen=True, slots=True)
class ProductMaker:
    product: str
    manufacturer: str


def draft_questions(
    products: Sequence[ProductMaker],
    *,
    count: int = 5,
    choices: int = 4,
    seed: int = 0,
    language: str = "sv",
) -> list[dict[str, Any]]:
    """Up to ``count`` questions "Which manufacturer makes <product>?", each with the right
    manufacturer and up to ``choices - 1`` other manufacturers of the list as distractors,
    in a shuffled order fixed by ``seed``. A product whose manufacturer is the only one known
    makes no question (nothing to tell it from), nor one whose name names its maker
    (:func:`gives_away`). Pure."""
    template = _TEMPLATES.get(language, _TEMPLATES["en"])
    makers = sorted({p.manufacturer.strip() for p in products if p.manufacturer.strip()})
    rng = random.Random(seed)
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    for item in products:
        name, maker = item.product.strip(), item.manufacturer.strip()
        if not name or not maker or name in seen or gives_away(name, maker):
            continue
        others = [m for m in makers if m != maker]
        if not others:
            continue
        seen.add(name)
        options = [maker, *rng.sample(others, min(len(others), choices - 1))]
        rng.shuffle(options)
        out.append(
            {
                "text": template.format(product=name),
                "choices": options,
                "correct": [options.index(maker)],
            }
        )
        if len(out) >= count:
            break
    return out


def catalogue_makers(session: Session, *, limit: int = 200) -> list[ProductMaker]:
    """Products of the catalogue with a known manufacturer (one query), newest first."""
    rows = session.execute(
        select(Product.name, Manufacturer.name)
        .join(Manufacturer, Manufacturer.id == Product.manufacturer_id)
        .order_by(Product.id.desc())
        .limit(limit)
    )
    return [ProductMaker(str(p), str(m)) for p, m in rows]
