"""Typed errors of the search layer; the API maps them to responses in one place."""

from __future__ import annotations


class SearchError(Exception):
    """Base class of every error raised by the search package."""


class UnknownBackend(SearchError):
    """The configured search backend name is not registered."""


class BackendUnavailable(SearchError):
    """The backend could not be opened or reached (missing index, server down)."""


class IndexCorrupted(SearchError):
    """The on-disk index state is inconsistent (pointer names a missing generation)."""


class InvalidSearchRequest(SearchError):
    """A search request that cannot be answered (bad sort, page out of range, bad filter)."""


class SynonymFileError(SearchError):
    """The synonym file is malformed."""


class SchemaOutdated(BackendUnavailable):
    """An on-disk index was built with another schema version: it must be rebuilt."""


class SemanticUnavailable(SearchError):
    """Semantic search was asked for but its extra (or its bundled model) is not installed."""


class SemanticIndexError(SearchError):
    """The embedding cache or the product map on disk is inconsistent with the embedder."""


class SynonymRulesError(SearchError):
    """A merchandiser's synonym rules cannot be read; names the line (0: the whole text).
    ``code`` and ``values`` say why in a form a translated message is written from."""

    def __init__(self, line: int, reason: str, code: str = "", **values: object) -> None:
        self.line = line
        self.reason = reason
        self.code = code
        self.values = values
        super().__init__(f"line {line}: {reason}" if line else reason)


class UnknownSynonymVersion(SearchError):
    """No synonym rule set has that version."""


class SynonymVersionConflict(SearchError):
    """A synonym version cannot be published or rolled back in its state, or was saved
    concurrently."""
