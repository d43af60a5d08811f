"""Video links are parsed strictly (YouTube, Vimeo only); logos are recognised by their bytes
and bounded in size and pixels."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import pytest

from marketplace.logos import (
    MAX_BYTES,
    LogoError,
    logo_path,
    read_logo,
    sniff,
    store_logo,
)
from marketplace.video_links import VideoLinkError, parse_video_link, video_link

YT = "dQw4w9WgXcQ"


@pytest.mark.parametrize(
    "url",
    [
        f"https://www.youtube.com/watch?v={YT}",
        f"https://youtube.com/watch?v={YT}&t=42s",
        f"http://m.youtube.com/watch?v={YT}",
        f"https://youtu.be/{YT}",
        f"https://www.youtube.com/embed/{YT}",
        f"https://www.youtube.com/shorts/{YT}",
        f"https://www.youtube-nocookie.com/embed/{YT}",
        f"  https://WWW.YOUTUBE.COM/watch?v={YT}  ",
    ],
)
def test_youtube_links_give_the_video_and_a_nocookie_embed(url: str) -> None:
    link = parse_video_link(url)
    assert (link.provider, link.video_id) == ("youtube", YT)
    assert link.embed_url == f"https://www.youtube-nocookie.com/embed/{YT}"
    assert link.url == f"https://www.youtube.com/watch?v={YT}"


@pytest.mark.parametrize(
    "url", ["https://vimeo.com/76979871", "https://player.vimeo.com/video/76979871"]
)
def test_vimeo_links_give_the_player_embed(url: str) -> None:
    link = parse_video_link(url)
    assert link.embed_url == "https://player.vimeo.com/video/76979871"
    assert link.frame_source == "https://player.vimeo.com"


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("https://evil.example/watch?v=dQw4w9WgXcQ", "host"),
        ("https://youtube.com.evil.example/watch?v=dQw4w9WgXcQ", "host"),
        ("https://www.youtube.com@evil.example/watch?v=dQw4w9WgXcQ", "url"),
        ("https://user@www.youtube.com/watch?v=dQw4w9WgXcQ", "url"),
        ("https://www.youtube.com:8443/watch?v=dQw4w9WgXcQ", "url"),
        ("javascript:alert(1)//youtube.com", "url"),
        ("ftp://youtu.be/dQw4w9WgXcQ", "url"),
        ("https://www.youtube.com/watch?v=short", "id"),
        ("https://www.youtube.com/watch?v=dQw4w9WgXcQ&v=dQw4w9WgXcR", "id"),
        ('https://youtu.be/dQw4w9WgXc"', "id"),
        ("https://www.youtube.com/playlist?list=PL123", "id"),
        ("https://vimeo.com/channels/staffpicks", "id"),
        ("https://vimeo.com/0123", "id"),
        ("https://www.youtube.com/watch?v=dQw4w9WgXcQ x", "url"),
        ("", "url"),
    ],
)
def test_other_hosts_and_malformed_links_are_refused(url: str, reason: str) -> None:
    with pytest.raises(VideoLinkError) as caught:
        parse_video_link(url)
    assert caught.value.reason == reason
    assert video_link(url) is None


def png(width: int, height: int) -> bytes:
    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    chunk = b"IHDR" + header
    ihdr = struct.pack(">I", len(header)) + chunk + struct.pack(">I", zlib.crc32(chunk))
    return b"\x89PNG\r\n\x1a\n" + ihdr + b"\x00\x00\x00\x00IEND\xaeB`\x82"


def jpeg(width: int, height: int) -> bytes:
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    sof = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, height, width, 1) + b"\x01\x11\x00"
    return b"\xff\xd8" + app0 + sof + b"\xff\xd9"


def webp(width: int, height: int) -> bytes:
    body = b"VP8X" + struct.pack("<I", 10) + b"\x00\x00\x00\x00"
    body += (width - 1).to_bytes(3, "little") + (height - 1).to_bytes(3, "little")
    return b"RIFF" + struct.pack("<I", 4 + len(body)) + b"WEBP" + body


def test_png_jpeg_and_webp_are_recognised_by_their_bytes() -> None:
    assert sniff(png(200, 80)) is not None and sniff(png(200, 80)).kind == "png"  # type: ignore[union-attr]
    info = sniff(jpeg(640, 480))
    assert info is not None and (info.kind, info.width, info.height) == ("jpg", 640, 480)
    info = sniff(webp(300, 100))
    assert info is not None and (info.kind, info.width, info.height) == ("webp", 300, 100)


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "logo_type"),
        (b"GIF89a" + b"\x00" * 40, "logo_type"),
        (b"<html>" + png(10, 10), "logo_type"),  # a PNG later in the file is not a PNG
        (b"", "logo_empty"),
        (png(4000, 100), "logo_pixels"),
        (png(8, 8), "logo_pixels"),
        (png(100, 100) + b"\x00" * MAX_BYTES, "logo_size"),
    ],
)
def test_anything_else_is_refused(data: bytes, code: str) -> None:
    with pytest.raises(LogoError) as caught:
        read_logo(io.BytesIO(data))
    assert caught.value.code == code


def test_a_large_upload_is_not_read_past_the_limit() -> None:
    asked: list[int] = []

    class Endless(io.RawIOBase):
        def read(self, n: int = -1) -> bytes:
            asked.append(n)
            return b"\x89PNG" + b"\x00" * (n - 4)

    with pytest.raises(LogoError):
        read_logo(Endless())  # type: ignore[arg-type]
    assert asked == [MAX_BYTES + 1]


def test_a_logo_is_stored_once_by_content_and_found_with_its_type(tmp_path: Path) -> None:
    data, info = read_logo(io.BytesIO(jpeg(320, 120)))
    name = store_logo(tmp_path, data, info)
    assert name.endswith(".jpg") and store_logo(tmp_path, data, info) == name
    assert [p.name for p in tmp_path.iterdir()] == [name]
    assert (tmp_path / name).stat().st_mode & 0o777 == 0o600
    found = logo_path(tmp_path, name)
    assert found is not None and found[1] == "image/jpeg"
    assert logo_path(tmp_path, "../secret_key") is None
    assert logo_path(tmp_path, "0" * 64 + ".svg") is None
