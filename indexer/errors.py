"""Typed domain errors of the indexer. The API and CLI map them to responses in one place.

An error a feed run records carries its message as data: ``message`` is an
``indexer.messages.Message`` (code and values, English as its text; see there), and
``str(error)`` is that English text.
"""

from __future__ import annotations

from indexer.messages import Message


class IndexerError(Exception):
    """Base of every error the indexer raises on purpose."""

    message: Message | None = None  # set by the errors a feed run records


class FeedFormatError(IndexerError):
    """The file cannot be read as any supported format (names the file and, if known, row).

    ``message`` is a ``file.*`` message; the file and row join its values, and its text says
    them in front ("lager.csv, row 3: no header row found")."""

    message: Message

    def __init__(
        self, message: Message, *, file: str | None = None, row: int | None = None
    ) -> None:
        self.file = file
        self.row = row
        self.message = message.with_values(file=file or None, row=row)
        super().__init__(str(self.message))


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
        named = ", ".join(f"{f} -> {h!r}" for f, h in self.absent.items())
        found = ", ".join(repr(h) for h in headers)
        self.message = Message(
            "columns.missing",
            file=file or None,
            missing=", ".join(missing) or None,
            absent=named or None,
            found="columns.headers" if found else "columns.no_headers",
            headers=found or None,
        )
        super().__init__(str(self.message))


class UnknownRetailer(IndexerError):
    def __init__(self, slug: str) -> None:
        self.slug = slug
        super().__init__(f"unknown retailer {slug!r}")


class FeedRejected(IndexerError):
    """The feed was read but refused as a whole (mass withdrawal, empty or truncated feed)."""

    message: Message

    def __init__(self, message: Message) -> None:
        self.message = message
        super().__init__(str(message))


class FeedChanged(FeedRejected):
    """The file changed between the two passes a run reads it in (`indexer.scan`): what pass
    one counted and checked is not what pass two would write, so the run is refused."""
