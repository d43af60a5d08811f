"""Feed URL schedules (names and cron expressions) and the sealing of their logins."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from marketplace.feed_schedule import ScheduleError, next_due, normalize
from marketplace.feed_secrets import SecretUnreadable, open_secret, seal

AT = datetime(2026, 12, 7, 22, 10, 30, tzinfo=UTC)  # a Monday


@pytest.mark.parametrize(
    ("schedule", "expected"),
    [
        ("hourly", AT + timedelta(hours=1)),
        ("Daily", AT + timedelta(days=1)),
        ("weekly", AT + timedelta(weeks=1)),
        ("*/15 * * * *", datetime(2026, 12, 7, 22, 15, tzinfo=UTC)),
        ("0 5 * * *", datetime(2026, 12, 8, 5, 0, tzinfo=UTC)),
        ("30 4 * * 1-5", datetime(2026, 12, 8, 4, 30, tzinfo=UTC)),
        ("0 6 * * 0", datetime(2026, 12, 13, 6, 0, tzinfo=UTC)),  # Sunday
        ("0 6 * * 7", datetime(2026, 12, 13, 6, 0, tzinfo=UTC)),  # Sunday too
        ("0 0 1 1 *", datetime(2027, 1, 1, 0, 0, tzinfo=UTC)),
        ("0 0 29 2 *", datetime(2028, 2, 29, 0, 0, tzinfo=UTC)),
        ("0 12 1 * 3", datetime(2026, 12, 9, 12, 0, tzinfo=UTC)),  # day 1 or a Wednesday
        ("10,40 22 * * *", datetime(2026, 12, 7, 22, 40, tzinfo=UTC)),
    ],
)
def test_next_due(schedule: str, expected: datetime) -> None:
    assert next_due(schedule, AT) == expected


@pytest.mark.parametrize(
    ("schedule", "named"),
    [
        ("61 * * * *", "minute"),
        ("* 24 * * *", "hour"),
        ("* * 0 * *", "day of month"),
        ("* * * 13 *", "month"),
        ("* * * * 8", "day of week"),
        ("*/0 * * * *", "minute"),
        ("a * * * *", "minute"),
        ("5-1 * * * *", "minute"),
        ("0 0 31 2 *", "never falls"),
        ("* * * *", "five fields"),
        ("monthly", "five fields"),
    ],
)
def test_invalid_schedules_name_the_field(schedule: str, named: str) -> None:
    with pytest.raises(ScheduleError, match=named):
        normalize(schedule)


def test_normalize_collapses_whitespace() -> None:
    assert normalize("  0   5 * *  1-5 ") == "0 5 * * 1-5"


def test_sealed_login_opens_only_with_its_key_and_unaltered() -> None:
    key = b"k" * 40
    sealed = seal(key, "hemligt-lösen")
    assert sealed.startswith("v1.") and "hemligt" not in sealed
    assert seal(key, "hemligt-lösen") != sealed  # a fresh nonce each time
    assert open_secret(key, sealed) == "hemligt-lösen"
    with pytest.raises(SecretUnreadable):
        open_secret(b"x" * 40, sealed)
    flipped = sealed[:-5] + ("A" if sealed[-5] != "A" else "B") + sealed[-4:]
    with pytest.raises(SecretUnreadable):
        open_secret(key, flipped)
    with pytest.raises(SecretUnreadable):
        open_secret(key, "plain text")
    long = "t" * 500
    assert open_secret(key, seal(key, long)) == long


def test_the_fetch_failure_email_renders_in_both_languages() -> None:
    """The e-mail of a feed URL that could not be fetched (``alerts.feed_fetch_failed``'s
    values, plus the name and site the sender adds)."""
    from marketplace.mail.render import render_email

    context = {
        "name": "Olle",
        "site_url": "https://valbar.se",
        "source_id": 3,
        "url": "https://shop.example.se/feed.csv",
        "error": "the server answered HTTP 404",
        "failures": 2,
        "next_fetch_at": "2026-12-08 05:00 UTC",
        "link": "/portal/hamtning/3",
    }
    sv = render_email("notify_feed_fetch_failed", "sv", context)
    en = render_email("notify_feed_fetch_failed", "en", context)
    assert sv.subject == "Prisfilen kunde inte hämtas"
    assert "https://valbar.se/portal/hamtning/3" in sv.body and "HTTP 404" in sv.body
    assert en.subject == "The price file could not be fetched" and "Next try" in en.body
