"""Loyalty's wording: counts in singular or plural ("1 point per krona"), multipliers as
read ("×2", "×1,5" in Swedish), and the catalogue's path spelt "beloningar" (the old
"belohningar" sends a form on)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from fastapi.testclient import TestClient

from tests.unit.ui.conftest import log_in
from tests.unit.ui.ui_support import UiEnv
from ui.i18n import Formatter, translate


def test_the_rate_and_counts_are_singular_or_plural() -> None:
    one = translate("en", "loyalty.rate", rate="1", ore="5", months="1")
    assert one.startswith("1 point per krona") and one.endswith("points last 1 month")
    many = translate("en", "loyalty.rate", rate="2", ore="5", months="24")
    assert many.startswith("2 points per krona") and many.endswith("24 months")
    assert translate("sv", "loyalty.rate", rate="1", ore="5", months="1").endswith("1 månad")
    assert translate("en", "loyalty.rate", rate="1.5", ore="5", months="2").startswith("1.5 points")
    assert translate("en", "shop.price", points="1") == "1 point"
    assert translate("en", "shop.price", points="1,000") == "1,000 points"
    quiz = translate("en", "engage.quiz_terms", points="1", mark=1, total=2, attempts=1)
    assert quiz == "1 point · pass with 1 of 2 right · 1 attempt"
    line = translate("sv", "engage.quiz_line", title="T", questions=1, points="10")
    assert line == "T: 1 fråga, 10 poäng"


def test_multipliers_read_without_trailing_zeros() -> None:
    assert Formatter("sv").factor(Decimal("2.00")) == "×2"
    assert Formatter("sv").factor(Decimal("1.50")) == "×1,5"
    assert Formatter("en").factor(Decimal("1.50")) == "×1.5"
    assert Formatter("en").factor(Decimal("10.00")) == "×10"
    line = translate("sv", "engage.campaign_line", name="H", multiplier="×2", kind="kategori")
    assert line.startswith("H: ×2 på kategori")


def test_the_old_reward_paths_send_the_form_on(env: UiEnv) -> None:
    client = log_in(TestClient(env.app, follow_redirects=False), "admin")
    r = client.post("/admin/lojalitet/3/belohningar", data={"name": "x"})
    assert r.status_code == 308 and r.headers["location"] == "/admin/lojalitet/3/beloningar"
    r = client.post("/admin/lojalitet/belohningar/7", data={"name": "x"})
    assert r.status_code == 308 and r.headers["location"] == "/admin/lojalitet/beloningar/7"


def test_a_period_reads_as_the_days_it_includes() -> None:
    """A form's "till och med 2026-12-31" is stored as the next day's start: shown as the
    last day it includes, not "2027-01-01 00:00"; a moment inside a day keeps its time."""
    fmt = Formatter("sv")
    new_year = datetime(2026, 12, 31, 23, 0, tzinfo=UTC)  # 2027-01-01 00:00 in Stockholm
    assert fmt.period_edge(new_year, end=True) == "2026-12-31"
    assert fmt.period_edge(new_year) == "2027-01-01"
    summer = datetime(2026, 6, 1, 12, 30, tzinfo=UTC)
    assert fmt.period_edge(summer, end=True) == "2026-06-01 14:30"
    assert fmt.period_edge(None) == "–"
