"""Typed errors of the feed readers; all are `FeedFormatError`s so callers can catch one type."""

from __future__ import annotations

from indexer.errors import FeedFormatError
from indexer.messages import Message


class EmptyFeedFile(FeedFormatError):
    """The file has no bytes at all."""


class UnsupportedFeedFormat(FeedFormatError):
    """The content is not any format Valbar reads (binary, image, a zip that is not xlsx...)."""


class TruncatedFeed(FeedFormatError):
    """The file ends inside a record (an unterminated quoted field, an unclosed JSON array)."""


class FeedEncodingError(FeedFormatError):
    """Bytes that cannot be decoded in the encoding detected from the start of the file."""


class ManufacturerCatalogFile(FeedFormatError):
    """A manufacturer catalog (GUDID, BMEcat, Icecat) uploaded where a retailer feed belongs."""

    def __init__(self, kind: str, *, file: str | None = None) -> None:
        self.kind = kind
        super().__init__(Message("file.manufacturer_catalog", kind=kind), file=file)
