"""The demo's loyalty programme: seeded through the library with a history, the same every
time from the same data, once; every loyalty page and report of the demo has data."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from itertools import pairwise

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from catalog.db import make_engine, session_factory
from indexer.jobs import factory_for
from loyalty.ledger import verify
from loyalty.models import Campaign, Entry, MonthlyAward, Programme, QuizAttempt, Redemption
from marketplace.dates import utc_now
from tests.factories import ENGINES
from tests.unit.ui.conftest import log_in
from tests.unit.ui.ui_support import UiEnv, build_ui_env
from valbar.demo_history import ensure_history
from valbar.demo_loyalty import PROGRAMME, ensure_loyalty
from valbar.demo_orgs import demo_logins

QUALITY = {"nordisk-dentaldepa": 0.95, "lagerbolaget": 0.45, "smilo": 0.9}


@dataclass
class Seeded:
    env: UiEnv
    counts: dict[str, int]
    programme_id: int
    now: datetime
    before_seed: str  # a copy of the database before the loyalty seed


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Seeded]:
    tmp = tmp_path_factory.mktemp("demo_loyalty")
    env = build_ui_env(tmp)
    factory = factory_for(env.settings)
    ensure_history(
        factory,
        QUALITY,
        "x",
        lambda _m: None,
        demo_retailer="nordisk-dentaldepa",
        demo_clinic="klinik@valbar.test",
        days=75,
    )
    copy = tmp / "before.sqlite3"
    shutil.copy(env.settings.data_dir / "valbar.sqlite3", copy)
    now = utc_now()
    said: list[str] = []
    counts = ensure_loyalty(factory, "x", said.append, now=now)
    assert said and PROGRAMME in said[0]
    with factory() as s:
        programme_id = s.scalar(select(Programme.id).where(Programme.name == PROGRAMME))
    assert programme_id is not None
    yield Seeded(env, counts, programme_id, now, str(copy))
    env.app.state.feed_runner.shutdown()
    env.app.state.search.close()


def _ledger(factory_url: str) -> list[tuple[str, str, int]]:
    engine = make_engine(factory_url)
    ENGINES.append(engine)
    with session_factory(engine)() as s:
        return [
            (e.idempotency_key, e.kind, e.points)
            for e in s.scalars(select(Entry).order_by(Entry.idempotency_key))
        ]


def test_the_seed_fills_every_part_once_and_the_ledger_balances(seeded: Seeded) -> None:
    counts = seeded.counts
    assert counts["members"] == 2 and counts["sellers"] >= 2
    assert counts["sale_lines"] > 50 and counts["quiz_attempts"] > 0 and counts["awards"] >= 2
    assert counts["redemptions_fulfilled"] and counts["redemptions_cancelled"] == 1
    assert counts["redemptions_placed"]
    factory = factory_for(seeded.env.settings)
    with factory() as s:
        entries = s.scalar(select(func.count()).select_from(Entry))
        kinds = set(s.scalars(select(Entry.kind).distinct()))
        assert {"sale", "quiz", "bonus", "redemption", "refund", "expiry"} <= kinds
        assert verify(s).ok
        starts = sorted(c.starts_at for c in s.scalars(select(Campaign)))
    assert len(starts) == 2  # one over, one running
    assert ensure_loyalty(factory, "x", lambda _m: None) == {}  # once
    with factory() as s:
        assert s.scalar(select(func.count()).select_from(Entry)) == entries
        for model in (Programme, Campaign, QuizAttempt, MonthlyAward, Redemption):
            assert s.scalar(select(func.count()).select_from(model))


def test_the_same_data_seeds_the_same_ledger(seeded: Seeded) -> None:
    url = f"sqlite:///{seeded.before_seed}"
    engine = make_engine(url)
    ENGINES.append(engine)
    ensure_loyalty(session_factory(engine), "x", lambda _m: None, now=seeded.now)
    assert _ledger(url) == _ledger(f"sqlite:///{seeded.env.settings.data_dir / 'valbar.sqlite3'}")


def test_every_loyalty_page_and_report_of_the_demo_has_data(seeded: Seeded) -> None:
    pid = seeded.programme_id
    admin = log_in(TestClient(seeded.env.app, follow_redirects=False), "admin")
    html = admin.get("/admin/lojalitet", params={"programme": pid}).text
    assert 'id="campaign-' in html and 'id="quiz-' in html
    html = admin.get(f"/admin/lojalitet/{pid}/butik").text
    assert 'id="reward-' in html and "Inga uttag väntar." not in html
    html = admin.get(f"/admin/lojalitet/{pid}/rapporter?manader=3").text
    assert html.count('<svg class="chart" role="img"') == 4  # every chart drawn
    assert 'data-activity="sale"' in html and 'data-activity="campaign_bonus"' in html
    assert 'data-activity="quiz"' in html and 'data-activity="bonus"' in html
    assert html.count('id="campaign-') == 2
    report = admin.get(f"/api/v1/loyalty/programmes/{pid}/report?months=3").json()
    assert all(m["issued"] > 0 for m in report["months"])
    assert any(m["redeemed"] > 0 for m in report["months"])
    assert any(m["expired"] > 0 for m in report["months"])
    assert all(c["during_sek"] != "0.00" for c in report["campaigns"])
    assert any(c["before_sek"] != "0.00" for c in report["campaigns"])
    for part in ("months", "activities", "campaigns"):
        csv = admin.get(f"/admin/lojalitet/{pid}/rapporter/{part}.csv?manader=3").text
        assert len(csv.strip().splitlines()) >= 3, part
    seller = log_in(TestClient(seeded.env.app, follow_redirects=False), "retailer_staff")
    html = seller.get("/portal/poang").text
    assert 'id="entry-' in html and "data-my-points" in html
    html = seller.get("/portal/poang/quiz").text
    assert 'id="quiz-' in html
    html = seller.get("/portal/poang/topplista?period=all").text
    assert f'id="board-{pid}-sellers"' in html and f'id="board-{pid}-stores"' in html
    assert "Inga utmärkelser ännu." not in html
    html = seller.get(f"/portal/poang/{pid}/butik").text
    assert 'id="reward-' in html and 'id="redemption-' in html
    rep = log_in(TestClient(seeded.env.app, follow_redirects=False), "retailer")
    html = rep.get("/portal/poang").text
    assert 'id="entry-' in html


def test_the_demo_lists_its_sellers_among_its_logins(seeded: Seeded) -> None:
    with factory_for(seeded.env.settings)() as s:
        logins = {login.email: login for login in demo_logins(s)}
    assert logins["personal@valbar.test"].note == f"säljare i {PROGRAMME}"
    assert logins["saljare@valbar.test"].note == f"säljare i {PROGRAMME}"
    assert logins["handlare@valbar.test"].note == ""


def test_the_history_is_written_in_time_order(seeded: Seeded) -> None:
    """Entry by entry (in id order) the ledger's times never go back: each step of the
    history (sales, quizzes, awards, redemptions, expiry runs) ran at its time."""
    with factory_for(seeded.env.settings)() as s:
        rows = s.execute(select(Entry.id, Entry.created_at, Entry.kind).order_by(Entry.id)).all()
    assert {kind for _, _, kind in rows} >= {"sale", "quiz", "bonus", "expiry"}
    behind = [
        (earlier, later)
        for earlier, later in pairwise(rows)
        if later.created_at < earlier.created_at
    ]
    assert behind == []
