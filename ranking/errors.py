"""Typed domain errors of the ranking package (the API maps them to responses in one place)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path


class RankingError(Exception):
    """Base class of every error raised by ``ranking``."""


@dataclass(frozen=True, slots=True)
class ConfigProblem:
    """One refused field as data, for a reader in another language: where (``price.band``,
    ``weights.price``, ``rules.0``), the check that failed (``kind``: pydantic's error type,
    e.g. ``greater_than``, or the config's own, e.g. ``band_range``), its ``limit`` when it
    has one, the check's other ``values`` and the English ``message``."""

    field: str
    kind: str
    message: str
    limit: float | None = None
    values: tuple[tuple[str, str], ...] = ()


class InvalidConfig(RankingError, ValueError):
    """A ranking config (or rule) failed validation; ``errors`` lists ``field: reason`` lines
    (English) and ``problems`` says the same as data (:class:`ConfigProblem`)."""

    def __init__(
        self,
        source: str,
        errors: Sequence[str],
        problems: Sequence[ConfigProblem] = (),
    ) -> None:
        self.source = source
        self.errors = list(errors)
        self.problems = list(problems)
        super().__init__(f"invalid ranking config {source}: " + "; ".join(self.errors))


class UnknownConfig(RankingError, LookupError):
    """No ranking config (or config version) with that name exists."""

    def __init__(self, name: str, version: int | None = None, where: str = "") -> None:
        self.name = name
        self.version = version
        label = f"{name!r}" if version is None else f"{name!r} version {version}"
        super().__init__(f"unknown ranking config {label}" + (f" ({where})" if where else ""))


class VersionConflict(RankingError):
    """A version operation does not fit the version's state (or a concurrent save won)."""


class NaiveDatetime(RankingError, ValueError):
    """Rules are timed with timezone-aware datetimes; a naive one was passed."""


class JudgmentFormatError(RankingError, ValueError):
    """A judgments TSV row is malformed: names the file, line and field."""

    def __init__(self, path: Path, line: int, field: str, reason: str) -> None:
        self.path = path
        self.line = line
        self.field = field
        self.reason = reason
        super().__init__(f"{path}:{line}: field {field!r}: {reason}")


class InvalidOfferCases(RankingError, ValueError):
    """A judged offer-order file is malformed: the message names the field."""
