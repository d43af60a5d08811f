"""Video links a retailer may show on its presentation page: YouTube and Vimeo only.

A link is parsed strictly (https or http, one of the allow-listed hosts, no user, no port,
the video id in the place that host puts it, the id's own alphabet and length) and kept by
its host and id: the page embeds it from the host's privacy-minded player
(``youtube-nocookie.com``, ``player.vimeo.com``), never from the address as typed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

YOUTUBE_ID = re.compile(r"[A-Za-z0-9_-]{11}")
VIMEO_ID = re.compile(r"[1-9][0-9]{0,11}")
YOUTUBE_HOSTS = frozenset({"youtube.com", "www.youtube.com", "m.youtube.com"})
YOUTUBE_NOCOOKIE_HOSTS = frozenset({"youtube-nocookie.com", "www.youtube-nocookie.com"})
VIMEO_HOSTS = frozenset({"vimeo.com", "www.vimeo.com"})
MAX_URL = 500

# what the page's Content-Security-Policy allows as a frame source, per provider
FRAME_SOURCES = {
    "youtube": "https://www.youtube-nocookie.com",
    "vimeo": "https://player.vimeo.com",
}


class VideoLinkError(ValueError):
    """Not a link to a YouTube or Vimeo video (``reason``: ``host``, ``id`` or ``url``)."""

    def __init__(self, reason: str, value: str) -> None:
        super().__init__(f"not a YouTube or Vimeo video link ({reason}): {value[:80]!r}")
        self.reason = reason


@dataclass(frozen=True, slots=True)
class VideoLink:
    provider: str  # youtube | vimeo
    video_id: str

    @property
    def url(self) -> str:
        """The canonical link (what is stored)."""
        if self.provider == "youtube":
            return f"https://www.youtube.com/watch?v={self.video_id}"
        return f"https://vimeo.com/{self.video_id}"

    @property
    def embed_url(self) -> str:
        if self.provider == "youtube":
            return f"{FRAME_SOURCES['youtube']}/embed/{self.video_id}"
        return f"{FRAME_SOURCES['vimeo']}/video/{self.video_id}"

    @property
    def frame_source(self) -> str:
        return FRAME_SOURCES[self.provider]


def _youtube_id(host: str, path: str, query: str) -> str | None:
    parts = [p for p in path.split("/") if p]
    if host == "youtu.be":
        return parts[0] if len(parts) == 1 else None
    if host in YOUTUBE_NOCOOKIE_HOSTS:
        return parts[1] if len(parts) == 2 and parts[0] == "embed" else None
    if parts == ["watch"]:
        ids = parse_qs(query).get("v", [])
        return ids[0] if len(ids) == 1 else None
    if len(parts) == 2 and parts[0] in ("embed", "shorts", "live"):
        return parts[1]
    return None


def _vimeo_id(host: str, path: str) -> str | None:
    parts = [p for p in path.split("/") if p]
    if host == "player.vimeo.com":
        return parts[1] if len(parts) == 2 and parts[0] == "video" else None
    return parts[0] if len(parts) == 1 else None


def parse_video_link(value: str) -> VideoLink:
    """Pure: the YouTube or Vimeo video ``value`` links to, else :class:`VideoLinkError`."""
    text = value.strip()
    if not text or len(text) > MAX_URL or any(c.isspace() for c in text):
        raise VideoLinkError("url", value)
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise VideoLinkError("url", value) from exc
    if parts.scheme not in ("https", "http") or parts.username or parts.password or port:
        raise VideoLinkError("url", value)
    host = (parts.hostname or "").lower()
    if host in YOUTUBE_HOSTS | YOUTUBE_NOCOOKIE_HOSTS | {"youtu.be"}:
        found = _youtube_id(host, parts.path, parts.query)
        if found is None or not YOUTUBE_ID.fullmatch(found):
            raise VideoLinkError("id", value)
        return VideoLink("youtube", found)
    if host in VIMEO_HOSTS | {"player.vimeo.com"}:
        found = _vimeo_id(host, parts.path)
        if found is None or not VIMEO_ID.fullmatch(found):
            raise VideoLinkError("id", value)
        return VideoLink("vimeo", found)
    raise VideoLinkError("host", value)


def video_link(value: str | None) -> VideoLink | None:
    """Pure: the stored link as a video to embed, or None (none, or not allow-listed)."""
    if not value:
        return None
    try:
        return parse_video_link(value)
    except VideoLinkError:
        return None
