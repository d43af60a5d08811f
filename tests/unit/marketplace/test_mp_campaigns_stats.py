"""Campaigns never reach search; demand statistics and the comparisons a retailer is in."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from catalog.models import Offer, Organisation, RetailerSignals
from marketplace import campaigns, stats
from marketplace.campaign_messages import campaign_text
from marketplace.campaigns import CampaignDraft
from marketplace.demand import DemandRecorder, event_row, write_events
from marketplace.enums import DemandKind
from marketplace.errors import InvalidInput, NotAllowed
from marketplace.models import Campaign, DemandEvent
from ranking.config import RankingConfig
from ranking.explain import Contribution, Explanation
from search.backends.tantivy_backend import TantivyBackend
from search.documents import build_documents
from search.prices import NO_RATES, RateTable
from search.service import SearchRequest, SearchService
from tests.unit.marketplace.mp_support import NOW, Market

WORD = "Vårrealisation"


def _campaign(s: Session, m: Market, who: str = "tand_staff") -> Campaign:
    draft = CampaignDraft(
        title=f"{WORD} på handskar",
        text=f"{WORD}: Nitrilhandske M till halva priset, bara i mars.",
        product_ids=[m.products["glove"]],
        valid_from=NOW,
        valid_to=NOW + timedelta(days=30),
    )
    return campaigns.create_campaign(s, m.user(s, who), m.retailers["tand"], draft, now=NOW)


def test_campaigns_live_only_in_their_section(session: Session, market: Market) -> None:
    created = _campaign(session, market)
    assert campaigns.active_campaigns(session, NOW + timedelta(days=1)) == [created]
    assert campaigns.active_campaigns(session, NOW - timedelta(seconds=1)) == []
    assert campaigns.active_campaigns(session, NOW + timedelta(days=30)) == []
    assert campaigns.active_campaigns(session, NOW, retailer_id=market.retailers["nord"]) == []


def test_only_the_retailers_staff_create_valid_campaigns(session: Session, market: Market) -> None:
    with pytest.raises(NotAllowed):
        _campaign(session, market, "nord_staff")
    with pytest.raises(NotAllowed):
        _campaign(session, market, "clinic")
    bad = CampaignDraft("Titel", "Text", [], NOW, NOW)
    with pytest.raises(InvalidInput):
        campaigns.create_campaign(
            session, market.user(session, "tand_staff"), market.retailers["tand"], bad, now=NOW
        )


@pytest.mark.parametrize(
    ("start", "end", "code"),
    [
        (NOW + timedelta(days=2), NOW + timedelta(days=1), "campaign_period"),  # end before start
        (NOW, NOW, "campaign_period"),  # an empty period
        (NOW - timedelta(days=9), NOW - timedelta(days=2), "campaign_ended"),  # in the past
        (NOW - timedelta(days=9), NOW, "campaign_ended"),  # ends this very moment
    ],
)
def test_a_campaign_that_ends_before_it_starts_or_has_ended_is_refused(
    session: Session, market: Market, start: datetime, end: datetime, code: str
) -> None:
    staff = market.user(session, "tand_staff")
    draft = CampaignDraft("Titel", "Text", [market.products["glove"]], start, end)
    with pytest.raises(InvalidInput) as caught:
        campaigns.create_campaign(session, staff, market.retailers["tand"], draft, now=NOW)
    assert (caught.value.code, caught.value.values["field"]) == (code, "valid_to")
    assert campaign_text(code, caught.value.values, "sv") != campaign_text(
        code, caught.value.values, "en"
    )
    # started in the past but still running: accepted
    running = CampaignDraft("Titel", "Text", [], NOW - timedelta(days=9), NOW + timedelta(hours=1))
    made = campaigns.create_campaign(session, staff, market.retailers["tand"], running, now=NOW)
    assert made.id is not None


def test_a_search_never_returns_campaign_content(
    session: Session, market: Market, tmp_path: Path
) -> None:
    _campaign(session, market)
    session.commit()
    backend = TantivyBackend(tmp_path / "index", heap_size=20_000_000, writer_threads=1)
    try:
        docs = list(build_documents(session))
        assert docs and all(WORD not in repr(dataclasses.asdict(d)) for d in docs)
        backend.index_documents(docs)
        service = SearchService(
            backend, market.factory, lambda name: RankingConfig(name=name), clock=lambda: NOW
        )
        assert service.search(SearchRequest(q=WORD)).total == 0
        found = service.search(SearchRequest(q="Nitrilhandske"))
        assert [h.product_id for h in found.hits] == [market.products["glove"]]
        assert WORD not in repr(found)
    finally:
        backend.close()


def _events(s: Session, m: Market) -> None:
    glove, comp = m.products["glove"], m.products["composite"]
    tand, nord = m.retailers["tand"], m.retailers["nord"]
    rows = [
        event_row(
            DemandKind.SEARCH,
            product_id=glove,
            query="handske",
            shown=[(nord, 1), (tand, 2)],
            at=NOW,
        )
    ] * 5
    rows += [event_row(DemandKind.VIEW, product_id=glove, shown=[(tand, 1), (nord, 2)], at=NOW)]
    rows += [event_row(DemandKind.CART_ADD, product_id=comp, at=NOW)] * 2
    rows += [event_row(DemandKind.ORDER, product_id=comp, at=NOW - timedelta(days=40))]
    write_events(s, rows)


def test_most_demanded_products_and_groups_over_a_period(session: Session, market: Market) -> None:
    _events(session, market)
    since, until = NOW - timedelta(days=7), NOW + timedelta(hours=1)
    top = stats.demanded_products(session, since, until)
    assert [(d.key, d.score) for d in top] == [
        (market.products["composite"], 2 * 4),
        (market.products["glove"], 5 * 1 + 2),
    ]
    assert top[1].counts == {"search": 5, "view": 1}
    groups = stats.demanded_groups(session, since, until)
    assert [(g.name, g.score) for g in groups] == [("Fyllning", 8), ("Handskar", 7)]
    month = stats.demanded_products(session, NOW - timedelta(days=60), until)
    assert next(d for d in month if d.key == market.products["composite"]).score == 16


def test_comparisons_show_rank_and_the_factor_that_lost_the_top_place(
    session: Session, market: Market
) -> None:
    _events(session, market)
    session.add_all(
        [
            RetailerSignals(
                retailer_id=market.retailers["nord"], delivery_precision=0.99, delivery_count=400
            ),
            RetailerSignals(
                retailer_id=market.retailers["tand"], delivery_precision=0.5, delivery_count=400
            ),
        ]
    )
    session.flush()
    since, until = NOW - timedelta(days=7), NOW + timedelta(hours=1)
    (tand,) = stats.comparisons(session, market.retailers["tand"], RankingConfig(), since, until)
    assert (tand.product_id, tand.offers, tand.rank) == (market.products["glove"], 2, 2)
    assert (tand.leader, tand.lost_on) == ("Dental Nord", "delivery_precision")
    assert tand.gap > 0 and (tand.shown, tand.top_shown) == (6, 1)
    (nord,) = stats.comparisons(session, market.retailers["nord"], RankingConfig(), since, until)
    assert (nord.rank, nord.leader, nord.lost_on, nord.top_shown) == (1, None, None, 5)


def test_a_suspended_rival_is_not_in_the_comparisons(session: Session, market: Market) -> None:
    """A retailer competes with the offers clinics see (``catalog.listing``)."""
    _events(session, market)
    since, until = NOW - timedelta(days=7), NOW + timedelta(hours=1)
    tand = market.retailers["tand"]
    assert len(stats.comparisons(session, tand, RankingConfig(), since, until)) == 1
    session.add(
        Organisation(
            kind="retailer",
            name="Dental Nord AB",
            status="suspended",
            retailer_id=market.retailers["nord"],
        )
    )
    session.flush()
    assert stats.comparisons(session, tand, RankingConfig(), since, until) == []


def test_a_retailer_with_several_offers_takes_one_place_in_its_comparisons(
    session: Session, market: Market
) -> None:
    """Issue 13 item 4: Dental Nord lists the glove three times; the comparison still has
    two places, Dental Nord's best offer in one and Tand AB in the other."""
    session.add_all(
        [
            RetailerSignals(
                retailer_id=market.retailers["nord"], delivery_precision=0.99, delivery_count=400
            ),
            RetailerSignals(
                retailer_id=market.retailers["tand"], delivery_precision=0.5, delivery_count=400
            ),
        ]
    )
    for sku, price in (("N1-B", "82.00"), ("N1-C", "84.00")):
        session.add(
            Offer(
                retailer_id=market.retailers["nord"],
                sku=sku,
                product_id=market.products["glove"],
                raw_name=f"Handske M {sku}",
                price=Decimal(price),
                stock_status="in_stock",
                delivery_days=4,
                content_hash=sku,
            )
        )
    session.flush()
    since, until = NOW - timedelta(days=7), NOW + timedelta(hours=1)
    (tand,) = stats.comparisons(session, market.retailers["tand"], RankingConfig(), since, until)
    assert (tand.offers, tand.rank, tand.leader) == (2, 2, "Dental Nord")
    assert tand.lost_on == "delivery_precision"
    (nord,) = stats.comparisons(session, market.retailers["nord"], RankingConfig(), since, until)
    assert (nord.offers, nord.rank, nord.leader, nord.lost_on) == (2, 1, None, None)


def test_losing_factor_is_the_largest_gap_from_the_explanations() -> None:
    def explanation(**points: float) -> Explanation:
        return Explanation.of(Contribution(f, 0.0, 1.0, p, "") for f, p in points.items())

    mine = explanation(delivery_precision=0.1, reviews=0.2, price=0.04)
    top = explanation(delivery_precision=0.15, reviews=0.3, price=0.0)
    lost = stats.losing_factor(mine, top)
    assert lost is not None and lost[0] == "reviews" and lost[1] == pytest.approx(0.1)
    assert stats.losing_factor(top, top) is None


def test_the_recorder_buffers_and_writes_in_batches(market: Market) -> None:
    recorder = DemandRecorder(market.factory, batch_size=3)
    glove = market.products["glove"]
    rows = [
        event_row(DemandKind.SEARCH, product_id=glove, query=f"{n}" + "x" * 999) for n in range(4)
    ]
    # due once the batch is full; told once, so one flush is scheduled, not one per request
    assert [recorder.record(row) for row in rows] == [False, False, True, False]
    assert recorder.pending() == 4
    with market.factory() as s:  # nothing written until flushed
        assert s.scalar(select(func.count()).select_from(DemandEvent)) == 0
    assert recorder.flush() == 4 and recorder.pending() == 0
    assert [recorder.record(row) for row in rows] == [False, False, True, False]  # due again
    recorder.flush()
    with market.factory() as s:
        assert s.scalar(select(func.count()).select_from(DemandEvent)) == 8
        assert s.scalar(select(func.max(func.length(DemandEvent.query)))) == 300


def test_an_old_buffer_is_due_once(market: Market, monkeypatch: pytest.MonkeyPatch) -> None:
    clock = [100.0]
    monkeypatch.setattr("marketplace.demand.time.monotonic", lambda: clock[0])
    recorder = DemandRecorder(market.factory, batch_size=1000, max_age=5.0)
    row = event_row(DemandKind.SEARCH, product_id=market.products["glove"], query="handskar")
    assert recorder.record(row) is False
    clock[0] = 105.0  # the oldest event has waited max_age: the next caller flushes
    assert [recorder.record(row) for _ in range(5)] == [True, False, False, False, False]
    clock[0] = 110.0  # the flush never came (its request died): the next caller is told
    assert [recorder.record(row) for _ in range(3)] == [True, False, False]
    assert recorder.flush() == 1 and recorder.pending() == 0
    clock[0] = 111.0
    assert recorder.record(row) is False  # a new buffer, a new clock


def test_repeated_events_fold_into_one_row_that_statistics_count_in_full(market: Market) -> None:
    recorder = DemandRecorder(market.factory, batch_size=1000)
    glove, tand = market.products["glove"], market.retailers["tand"]
    at = NOW - timedelta(hours=1)
    row = event_row(DemandKind.SEARCH, product_id=glove, query="handskar", shown=[(tand, 1)], at=at)
    other_rank = event_row(
        DemandKind.SEARCH, product_id=glove, query="handskar", shown=[(tand, 2)], at=at
    )
    view = event_row(DemandKind.VIEW, product_id=glove, shown=[(tand, 1)], at=at)
    for _ in range(5):
        recorder.record(row, view)
    recorder.record(other_rank)
    assert recorder.pending() == 3  # two distinct searches and one view
    assert recorder.flush() == 3
    with market.factory() as s:
        counts = sorted(s.scalars(select(DemandEvent.occurrences)).all())
        assert counts == [1, 5, 5]
        found = {d.key: d for d in stats.demanded_products(s, NOW - timedelta(days=1), NOW)}
        assert found[glove].counts == {"search": 6, "view": 5}
        shown, top = stats._shown_counts(s, tand, [glove], NOW - timedelta(days=1), NOW)
        assert shown[glove] == 11 and top[glove] == 10


def test_comparisons_compare_another_currency_only_at_a_configured_rate(
    session: Session, market: Market
) -> None:
    """Issue 13, 10: Tand AB prices the glove at 5.00 EUR, Dental Nord at 79.00 SEK, and
    nothing else tells them apart. The bare 5.00 is never set against 79.00; at 11.42 SEK/EUR
    (57.10 SEK) Tand AB is cheaper, at 20 SEK/EUR (100 SEK) dearer."""
    offer = session.get(Offer, market.offers["glove_tand"])
    assert offer is not None
    offer.price, offer.currency, offer.delivery_days = Decimal("5.00"), "EUR", 4
    session.flush()
    since, until = NOW - timedelta(days=7), NOW + timedelta(hours=1)

    def tand(rates: RateTable) -> stats.Comparison:
        (found,) = stats.comparisons(
            session, market.retailers["tand"], RankingConfig(), since, until, rates=rates
        )
        return found

    unpriced = tand(NO_RATES)
    assert (unpriced.rank, unpriced.lost_on) == (2, "price")
    assert tand(RateTable({"EUR": Decimal("11.42")}, date(2026, 12, 1))).rank == 1
    dear = tand(RateTable({"EUR": Decimal("20")}, date(2026, 12, 1)))
    assert (dear.rank, dear.lost_on) == (2, "price")
