"""Sellers' activity photos as files: read bounded, recognised by content, decoded bounded,
re-encoded without metadata, stored by content hash, compared by a perceptual hash.

* **Size**: :func:`read_bounded` reads the upload in chunks and stops one byte past the
  cap (``Settings.loyalty_photo_max_bytes``): a larger file is never read whole.
* **Type** by the first bytes, never by the file name or the browser's content type
  (:func:`sniff`): JPEG (``FF D8 FF``), PNG (its 8-byte signature) or HEIC/HEIF (an ISO
  ``ftyp`` box of a HEIF brand). HEIC is decoded by ``pillow-heif``.
* **Decoding bounded**: the header's pixel size is checked against
  ``Settings.loyalty_photo_max_pixels`` before any pixel is decoded, and Pillow's own
  decompression-bomb guard is turned into a refusal (its warning too), so a small file
  that claims 60 000 × 60 000 pixels is refused without allocating them.
* **Metadata stripped**: the decoded pixels are turned upright (the EXIF orientation
  applied), then written to a new file with no EXIF, GPS, XMP, ICC or comment: JPEG for a
  JPEG or HEIC upload (what every browser shows), PNG for a PNG.
* **Stored** under the photo folder as ``<sha256 of the stored bytes>.<jpg|png>`` (mode
  0600): no user-supplied name ever reaches the disk.
* **Near-duplicates**: :func:`dhash` is a 64-bit difference hash of the upright grey image
  (9 × 8 pixels, each bit "is this pixel brighter than its right neighbour"), written as
  16 hex digits; :func:`hamming` counts the bits two hashes differ in. The same picture
  re-encoded, resized or slightly recoloured stays within a few bits.
"""

from __future__ import annotations

import hashlib
import io
import re
import secrets
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from PIL import Image, ImageOps, UnidentifiedImageError

from catalog.private_files import open_private

try:  # HEIC/HEIF from iPhones: decoded by pillow-heif when it is installed
    from pillow_heif import register_heif_opener

    register_heif_opener()
    HEIC_SUPPORTED = True
except ImportError:  # pragma: no cover - a deployment without the optional wheel
    HEIC_SUPPORTED = False

CHUNK = 64 * 1024
JPEG_QUALITY = 88
HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"}
PILLOW_FORMATS = {"jpeg": "JPEG", "png": "PNG", "heic": "HEIF"}
STORED_NAME = re.compile(r"[0-9a-f]{64}\.(jpg|png)")
CONTENT_TYPES = {"jpg": "image/jpeg", "png": "image/png"}


class PhotoRejected(ValueError):
    """Why an upload is not taken: ``code`` is ``photo_empty``, ``photo_size``,
    ``photo_type``, ``photo_pixels`` or ``photo_corrupt``; ``values`` fill its message."""

    def __init__(self, code: str, message: str, **values: int) -> None:
        super().__init__(message)
        self.code = code
        self.values = values


@dataclass(frozen=True, slots=True)
class CleanPhoto:
    """A photo ready to store: its metadata-free bytes and what they are."""

    data: bytes
    extension: str  # jpg | png
    original_kind: str  # jpeg | png | heic (what was uploaded)
    width: int
    height: int
    dhash: str  # 16 hex digits

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    @property
    def file_name(self) -> str:
        return f"{self.sha256}.{self.extension}"

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[self.extension]


def read_bounded(stream: BinaryIO, max_bytes: int) -> bytes:
    """At most ``max_bytes`` of the stream, read in chunks; :class:`PhotoRejected`
    (``photo_size``) as soon as one byte more arrives, ``photo_empty`` for nothing."""
    parts: list[bytes] = []
    total = 0
    while True:
        chunk = stream.read(min(CHUNK, max_bytes + 1 - total))
        if not chunk:
            break
        parts.append(chunk)
        total += len(chunk)
        if total > max_bytes:
            raise PhotoRejected(
                "photo_size", f"a photo is at most {max_bytes} bytes", limit=max_bytes
            )
    if total == 0:
        raise PhotoRejected("photo_empty", "the photo file is empty")
    return b"".join(parts)


def sniff(head: bytes) -> str | None:
    """``jpeg``, ``png`` or ``heic`` from the first bytes, or None. Pure."""
    if head[:3] == b"\xff\xd8\xff":
        return "jpeg"
    if head[:8] == b"\x89PNG\r\n\x1a\n":
        return "png"
    if len(head) >= 12 and head[4:8] == b"ftyp" and head[8:12] in HEIF_BRANDS:
        return "heic"
    return None


def dhash(image: Image.Image) -> str:
    """The 64-bit difference hash of ``image`` as 16 hex digits. Pure."""
    small = image.convert("L").resize((9, 8), Image.Resampling.LANCZOS)
    pixels = small.tobytes()  # one byte per pixel (mode L), row by row
    bits = 0
    for row in range(8):
        for col in range(8):
            left, right = pixels[row * 9 + col], pixels[row * 9 + col + 1]
            bits = (bits << 1) | (1 if left > right else 0)
    return f"{bits:016x}"


def hamming(a: str, b: str) -> int:
    """How many of the 64 bits of two :func:`dhash` values differ. Pure."""
    return (int(a, 16) ^ int(b, 16)).bit_count()


def clean(data: bytes, *, max_pixels: int) -> CleanPhoto:
    """Check, decode (bounded) and re-encode ``data`` without metadata (see the module)."""
    kind = sniff(data[:32])
    if kind is None or (kind == "heic" and not HEIC_SUPPORTED):
        raise PhotoRejected("photo_type", "a photo is a JPEG, PNG or HEIC image")
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data), formats=[PILLOW_FORMATS[kind]]) as opened:
                width, height = opened.size
                if width <= 0 or height <= 0 or width * height > max_pixels:
                    raise PhotoRejected(
                        "photo_pixels",
                        f"a photo has at most {max_pixels} pixels (this one is {width}x{height})",
                        limit=max_pixels,
                        width=width,
                        height=height,
                    )
                opened.load()
                upright = ImageOps.exif_transpose(opened)
        except PhotoRejected:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise PhotoRejected(
                "photo_pixels", f"a photo has at most {max_pixels} pixels", limit=max_pixels
            ) from exc
        except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:
            raise PhotoRejected("photo_corrupt", "the photo could not be read") from exc
    extension = "png" if kind == "png" else "jpg"
    out = io.BytesIO()
    if extension == "png":
        keep = upright if upright.mode in ("1", "L", "LA", "P", "RGB", "RGBA") else None
        fresh = (keep or upright.convert("RGBA")).copy()
        fresh.info.clear()  # no text chunks, ICC profile or EXIF are carried over
        fresh.save(out, format="PNG", optimize=False)
    else:
        fresh = upright.convert("RGB")
        fresh.info.clear()
        fresh.save(out, format="JPEG", quality=JPEG_QUALITY, exif=b"", icc_profile=None)
    return CleanPhoto(
        data=out.getvalue(),
        extension=extension,
        original_kind=kind,
        width=fresh.width,
        height=fresh.height,
        dhash=dhash(fresh),
    )


def store(folder: Path, photo: CleanPhoto) -> str:
    """Keep the photo under ``folder`` by its content; the stored name (the same bytes from
    two uploads are one file)."""
    name = photo.file_name
    path = folder / name
    if path.exists():
        return name
    partial = folder / f".{name}.{secrets.token_hex(4)}"
    with open_private(partial) as out:
        out.write(photo.data)
    partial.replace(path)
    return name


def stored_path(folder: Path, name: str | None) -> tuple[Path, str] | None:
    """The stored photo ``name`` (as a row holds it) and its content type, when present."""
    if not name or not STORED_NAME.fullmatch(name):
        return None
    path = folder / name
    if not path.is_file():
        return None
    return path, CONTENT_TYPES[name.rsplit(".", 1)[1]]
