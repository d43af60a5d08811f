"""Typed domain errors of the ranking package (the API maps them to responses in one place)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path


class RankingError(Exception):
    """Base class of every error raised by ``ranking``."""


class InvalidConfig(RankingError, ValueError):
    """A ranking config (or rule) failed validation; ``errors`` lists ``field: reason`` lines."""

    def __init__(self, source: str, errors: Sequence[str]) -> None:
        self.source = source
        self.errors = list(errors)
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
