"""Photos made in the tests with Pillow: a JPEG carrying GPS EXIF, PNGs, a HEIC."""

from __future__ import annotations

import io

from PIL import Image, ImageDraw

GPS_IFD = 0x8825
MAKE = 0x010F


def picture(seed: int = 0, size: tuple[int, int] = (320, 240)) -> Image.Image:
    """A picture with structure (bands and a box placed by ``seed``), so its perceptual
    hash is not flat: different seeds give clearly different hashes."""
    image = Image.new("RGB", size, (200, 200, 200))
    draw = ImageDraw.Draw(image)
    w, h = size
    for i in range(8):
        shade = (37 * (i + seed * 3)) % 256
        draw.rectangle([i * w // 8, 0, (i + 1) * w // 8, h // 2], fill=(shade, 90, 255 - shade))
    x = (seed * 53) % (w - 80)
    draw.ellipse([x, h // 2, x + 80, h - 10], fill=(20, 20 + seed * 20 % 200, 60))
    return image


def gps_exif() -> Image.Exif:
    exif = Image.Exif()
    exif[MAKE] = "Valbar test phone"
    exif[GPS_IFD] = {1: "N", 2: (59.0, 19.0, 46.0), 3: "E", 4: (18.0, 4.0, 5.0)}
    return exif


def jpeg_with_gps(image: Image.Image | None = None) -> bytes:
    """A JPEG whose EXIF holds a camera make and a GPS position (Stockholm)."""
    image = image or picture()
    exif = gps_exif()
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif, quality=90)
    return out.getvalue()


def png_bytes(image: Image.Image | None = None) -> bytes:
    out = io.BytesIO()
    (image or picture()).save(out, format="PNG")
    return out.getvalue()


def heic_bytes(image: Image.Image | None = None, *, gps: bool = False) -> bytes | None:
    """A HEIC made by pillow-heif (with GPS EXIF if asked), or None when this build cannot
    encode one."""
    try:
        from pillow_heif import register_heif_opener

        register_heif_opener()
        out = io.BytesIO()
        extra = {"exif": gps_exif().tobytes()} if gps else {}
        (image or picture()).save(out, format="HEIF", quality=80, **extra)
        return out.getvalue()
    except (ImportError, KeyError, OSError, ValueError):
        return None
