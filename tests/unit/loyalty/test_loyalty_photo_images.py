"""Photo files: size cap while reading, type by content, bounded decoding, metadata
stripped by re-encoding, stored by content hash, near-duplicates by a difference hash."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from loyalty import photo_images
from loyalty.photo_images import PhotoRejected, clean, dhash, hamming, read_bounded, sniff
from tests.unit.loyalty.photo_support import (
    GPS_IFD,
    MAKE,
    heic_bytes,
    jpeg_with_gps,
    picture,
    png_bytes,
)

PIXELS = 40_000_000


class CountingStream(io.BytesIO):
    """A stream that remembers how many bytes were asked of it."""

    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.given = 0

    def read(self, size: int | None = -1) -> bytes:
        chunk = super().read(size)
        self.given += len(chunk)
        return chunk


def test_exif_with_the_gps_position_is_stripped_by_re_encoding() -> None:
    original = jpeg_with_gps()
    with Image.open(io.BytesIO(original)) as before:
        assert before.getexif().get(MAKE) == "Valbar test phone"
        assert before.getexif().get_ifd(GPS_IFD)  # the fixture does carry a position
    photo = clean(original, max_pixels=PIXELS)
    assert photo.extension == "jpg" and photo.original_kind == "jpeg"
    with Image.open(io.BytesIO(photo.data)) as after:
        assert not after.getexif()  # no EXIF at all: no make, no GPS
        assert "exif" not in after.info and "icc_profile" not in after.info
        assert (after.width, after.height) == (320, 240)
    assert b"Exif" not in photo.data and b"Valbar test phone" not in photo.data


def test_the_exif_orientation_is_applied_before_it_is_dropped() -> None:
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to show
    out = io.BytesIO()
    picture(size=(320, 240)).save(out, format="JPEG", exif=exif)
    photo = clean(out.getvalue(), max_pixels=PIXELS)
    assert (photo.width, photo.height) == (240, 320)


def test_png_text_chunks_are_dropped_and_png_stays_png() -> None:
    from PIL.PngImagePlugin import PngInfo

    meta = PngInfo()
    meta.add_text("Comment", "taken at Storgatan 1")
    out = io.BytesIO()
    picture().save(out, format="PNG", pnginfo=meta)
    photo = clean(out.getvalue(), max_pixels=PIXELS)
    assert photo.extension == "png" and photo.content_type == "image/png"
    assert b"Storgatan" not in photo.data
    with Image.open(io.BytesIO(photo.data)) as after:
        assert "Comment" not in after.info


def test_the_type_comes_from_the_content_never_the_name() -> None:
    assert sniff(jpeg_with_gps()[:32]) == "jpeg"
    assert sniff(png_bytes()[:32]) == "png"
    assert sniff(b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00") == "heic"
    assert sniff(b"hello, I am a text file named photo.jpg") is None
    with pytest.raises(PhotoRejected) as caught:
        clean(b"hello, I am a text file named photo.jpg\n" * 10, max_pixels=PIXELS)
    assert caught.value.code == "photo_type"
    gif = io.BytesIO()
    picture().save(gif, format="GIF")
    with pytest.raises(PhotoRejected, match="JPEG, PNG or HEIC"):
        clean(gif.getvalue(), max_pixels=PIXELS)


def test_a_truncated_photo_is_refused_as_unreadable() -> None:
    with pytest.raises(PhotoRejected) as caught:
        clean(jpeg_with_gps()[:200], max_pixels=PIXELS)
    assert caught.value.code == "photo_corrupt"


def test_the_size_cap_stops_reading_one_byte_past_it() -> None:
    data = b"\xff\xd8\xff" + b"x" * 5_000_000
    stream = CountingStream(data)
    with pytest.raises(PhotoRejected) as caught:
        read_bounded(stream, 100_000)
    assert caught.value.code == "photo_size" and caught.value.values == {"limit": 100_000}
    assert stream.given == 100_001  # never the 5 MB
    assert read_bounded(io.BytesIO(b"abc"), 3) == b"abc"
    with pytest.raises(PhotoRejected, match="empty"):
        read_bounded(io.BytesIO(b""), 10)


def test_a_decompression_bomb_is_refused_before_its_pixels_are_decoded() -> None:
    out = io.BytesIO()
    Image.new("L", (6000, 6000)).save(out, format="PNG")  # 36 MP in ~35 KB
    bomb = out.getvalue()
    assert len(bomb) < 100_000
    with pytest.raises(PhotoRejected) as caught:
        clean(bomb, max_pixels=1_000_000)
    assert caught.value.code == "photo_pixels"
    assert caught.value.values["width"] == 6000
    # Pillow's own guard (a header past twice MAX_IMAGE_PIXELS) is a refusal too
    old = Image.MAX_IMAGE_PIXELS
    Image.MAX_IMAGE_PIXELS = 1_000_000
    try:
        with pytest.raises(PhotoRejected) as again:
            clean(bomb, max_pixels=10**9)
        assert again.value.code == "photo_pixels"
    finally:
        Image.MAX_IMAGE_PIXELS = old


def test_heic_from_a_phone_is_taken_stripped_and_stored_as_jpeg() -> None:
    data = heic_bytes(gps=True)
    if data is None:
        pytest.skip("this pillow-heif build cannot encode HEIC")
    assert sniff(data[:32]) == "heic"
    with Image.open(io.BytesIO(data)) as before:
        assert before.getexif().get_ifd(GPS_IFD)  # the phone's position is in it
    photo = clean(data, max_pixels=PIXELS)
    assert photo.original_kind == "heic" and photo.extension == "jpg"
    assert (photo.width, photo.height) == (320, 240)
    with Image.open(io.BytesIO(photo.data)) as after:
        assert not after.getexif()
    assert b"Valbar test phone" not in photo.data


def test_the_difference_hash_finds_near_duplicates_only() -> None:
    base = picture(seed=1)
    same = dhash(base)
    resized = dhash(base.resize((200, 150)))
    recompressed = clean(jpeg_with_gps(base), max_pixels=PIXELS).dhash
    other = dhash(picture(seed=4))
    assert len(same) == 16
    assert hamming(same, resized) <= 6
    assert hamming(same, recompressed) <= 6
    assert hamming(same, other) > 12
    assert hamming("0" * 16, "f" * 16) == 64


def test_stored_by_content_hash_with_private_mode(tmp_path: Path) -> None:
    photo = clean(jpeg_with_gps(), max_pixels=PIXELS)
    name = photo_images.store(tmp_path, photo)
    assert name == f"{photo.sha256}.jpg"
    assert photo_images.store(tmp_path, photo) == name  # the same bytes: one file
    found = photo_images.stored_path(tmp_path, name)
    assert found is not None and found[1] == "image/jpeg"
    assert found[0].read_bytes() == photo.data
    assert found[0].stat().st_mode & 0o777 == 0o600
    assert photo_images.stored_path(tmp_path, "../secret_key") is None
    assert [p.name for p in tmp_path.iterdir()] == [name]
