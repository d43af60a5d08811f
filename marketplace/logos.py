"""Retailers' logos: PNG, JPEG or WebP only, recognised by their first bytes (never by the
file name or the browser's content type), bounded in bytes and in pixels, stored under the
data dir by content (``<sha256>.<ext>``, mode 0600) and served with their own type.

No SVG (a script carrier) and nothing else: an image is read as far as its header to know
its type and size, with the standard library only.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from catalog.private_files import open_private

MAX_BYTES = 512 * 1024
MAX_SIDE = 2048
MIN_SIDE = 16
CONTENT_TYPES = {"png": "image/png", "jpg": "image/jpeg", "webp": "image/webp"}
STORED_NAME = re.compile(r"[0-9a-f]{64}\.(png|jpg|webp)")


class LogoError(ValueError):
    """Why an upload is not a logo: ``code`` is ``logo_type``, ``logo_size``, ``logo_pixels``
    or ``logo_empty``; ``values`` fill its message."""

    def __init__(self, code: str, message: str, **values: int) -> None:
        super().__init__(message)
        self.code = code
        self.values = values


@dataclass(frozen=True, slots=True)
class ImageInfo:
    kind: str  # png | jpg | webp
    width: int
    height: int


def _png(data: bytes) -> ImageInfo | None:
    if data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR" or len(data) < 24:
        return None
    width, height = struct.unpack(">II", data[16:24])
    return ImageInfo("png", width, height)


_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


def _jpeg(data: bytes) -> ImageInfo | None:
    if data[:3] != b"\xff\xd8\xff":
        return None
    i = 2
    while i + 4 <= len(data):
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            i += 2
            continue
        (length,) = struct.unpack(">H", data[i + 2 : i + 4])
        if length < 2:
            return None
        if marker in _SOF:
            if i + 9 > len(data):
                return None
            height, width = struct.unpack(">HH", data[i + 5 : i + 9])
            return ImageInfo("jpg", width, height)
        if marker == 0xDA:  # image data before any frame header
            return None
        i += 2 + length
    return None


def _webp(data: bytes) -> ImageInfo | None:
    if len(data) < 30 or data[:4] != b"RIFF" or data[8:12] != b"WEBP":
        return None
    chunk = data[12:16]
    if chunk == b"VP8 " and data[23:26] == b"\x9d\x01\x2a":
        width, height = struct.unpack("<HH", data[26:30])
        return ImageInfo("webp", width & 0x3FFF, height & 0x3FFF)
    if chunk == b"VP8L" and data[20] == 0x2F:
        bits = int.from_bytes(data[21:25], "little")
        return ImageInfo("webp", (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1)
    if chunk == b"VP8X":
        width = int.from_bytes(data[24:27], "little") + 1
        height = int.from_bytes(data[27:30], "little") + 1
        return ImageInfo("webp", width, height)
    return None


def sniff(data: bytes) -> ImageInfo | None:
    """Pure: the image type and pixel size from the first bytes, or None (not one we take)."""
    return _png(data) or _jpeg(data) or _webp(data)


def read_logo(stream: BinaryIO) -> tuple[bytes, ImageInfo]:
    """The upload's bytes and what they are, reading at most ``MAX_BYTES`` + 1 of them."""
    data = stream.read(MAX_BYTES + 1)
    if not data:
        raise LogoError("logo_empty", "the logo file is empty")
    if len(data) > MAX_BYTES:
        raise LogoError("logo_size", f"a logo is at most {MAX_BYTES} bytes", limit=MAX_BYTES)
    info = sniff(data)
    if info is None:
        raise LogoError("logo_type", "a logo is a PNG, JPEG or WebP image")
    if not (MIN_SIDE <= info.width <= MAX_SIDE and MIN_SIDE <= info.height <= MAX_SIDE):
        raise LogoError(
            "logo_pixels",
            f"a logo is {MIN_SIDE} to {MAX_SIDE} pixels wide and high "
            f"(this one is {info.width}x{info.height})",
            least=MIN_SIDE,
            most=MAX_SIDE,
            width=info.width,
            height=info.height,
        )
    return data, info


def store_logo(folder: Path, data: bytes, info: ImageInfo) -> str:
    """Keep ``data`` under ``folder`` by its content; the stored name (the same bytes twice,
    or at once from two requests, are one file)."""
    name = f"{hashlib.sha256(data).hexdigest()}.{info.kind}"
    path = folder / name
    if path.exists():
        return name
    partial = folder / f".{name}.{secrets.token_hex(4)}"
    try:
        with open_private(partial) as out:
            out.write(data)
        partial.replace(path)
    except FileExistsError:
        pass  # another request writes the same bytes
    return name


def logo_path(folder: Path, name: str | None) -> tuple[Path, str] | None:
    """The stored logo ``name`` (as a retailer row holds it) and its content type."""
    if not name or not STORED_NAME.fullmatch(name):
        return None
    path = folder / name
    if not path.is_file():
        return None
    return path, CONTENT_TYPES[name.rsplit(".", 1)[1]]
