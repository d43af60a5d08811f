"""Typed domain errors of the indexer. The API and CLI map them to responses in one place."""

from __future__ import annotations


class IndexerError(Exception):
    """Base of every error the indexer raises on purpose."""


class FeedFormatError(IndexerError):
    """The file cannot be read as any supported format (names the file and, if known, row)."""

    def __init__(self, message: str, *, file: str | None = None, row: int | None = None) -> None:
        self.file = file
        self.row = row
        where = ""
        if file:
            where = f"{file}"
            if row is not None:
                where += f", row {row}"
            where += ": "
        super().__init__(where + message)


class FeedTooLarge(FeedFormatError):
    """The upload exceeds the configured size limit, or one line exceeds the line limit."""


class UnsafeXmlError(FeedFormatError):
    """XML with a DTD, entities or external references: refused before anything is resolved."""


class MissingColumnsError(IndexerError):
    """Required fields could not be found among the headers, or a given mapping names headers
    the file does not have (``absent``: field -> header)."""

    def __init__(
        self,
        missing: list[str],
        headers: list[str],
        file: str | None = None,
        absent: dict[str, str] | None = None,
    ) -> None:
        self.missing = missing
        self.headers = headers
        self.file = file
        self.absent = dict(absent or {})
        prefix = f"{file}: " if file else ""
        parts = []
        if missing:
            parts.append(f"required field(s) not found: {', '.join(missing)}.")
        if self.absent:
            named = ", ".join(f"{f} -> {h!r}" for f, h in self.absent.items())
            parts.append(f"the mapping names header(s) the file does not have: {named}.")
        super().__init__(
            f"{prefix}{' '.join(parts)} "
            f"Headers found: {', '.join(repr(h) for h in headers) or '(none)'}. "
            "Rename the columns or pass a mapping file (--mapping)."
        )


class UnknownRetailer(IndexerError):
    def __init__(self, slug: str) -> None:
        self.slug = slug
        super().__init__(f"unknown retailer {slug!r}")


class FeedRejected(IndexerError):
    """The feed was read but refused as a whole (mass withdrawal, empty or truncated feed)."""


class FeedChanged(FeedRejected):
    """The file changed between the two passes a run reads it in (`indexer.scan`): what pass
    one counted and checked is not what pass two would write, so the run is refused."""
