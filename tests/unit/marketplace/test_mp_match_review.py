"""The match review queue: accept, reject, new product, pick, bulk accept by rule; one
outcome when two admins decide at once; every decision a labelled pair, audited."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bench.matching import parse_pairs
from catalog.audit import entries_for
from catalog.models import AuditEntry, IndexOutbox, MatchCandidate, MatchDecision, Offer, Product
from marketplace import match_review as mr
from marketplace.errors import AlreadyDecided, InvalidInput, NotAllowed, NotFound
from tests.unit.marketplace.mp_support import NOW, Market

WEB = {"channel": "web", "now": NOW}


def _queue(market: Market) -> dict[str, int]:
    """Three unmatched offers with candidates: two of Tand AB's (one clear, one close), one
    of Dental Nord's whose two candidates tie. Returns offer and candidate ids by name."""
    glove, comp = market.products["glove"], market.products["composite"]
    ids: dict[str, int] = {}
    with market.factory() as s:
        rows = {
            "clear": (
                market.retailers["tand"],
                "T9",
                "Nitril handske medium",
                [(glove, 0.92), (comp, 0.41)],
            ),
            "close": (
                market.retailers["tand"],
                "T10",
                "Handske/komposit kit",
                [(glove, 0.7), (comp, 0.66)],
            ),
            "tie": (market.retailers["nord"], "N9", "Handske", [(glove, 0.8), (comp, 0.8)]),
        }
        for name, (retailer, sku, title, cands) in rows.items():
            offer = Offer(
                retailer_id=retailer,
                sku=sku,
                raw_name=title,
                brand="Acme",
                mpn=f"MPN-{sku}",
                gtin=None,
                price=Decimal("42.50"),
                content_hash=sku,
            )
            s.add(offer)
            s.flush()
            ids[name] = offer.id
            for i, (pid, score) in enumerate(cands):
                cand = MatchCandidate(
                    offer_id=offer.id, product_id=pid, method="title", score=score, reason="titel"
                )
                s.add(cand)
                s.flush()
                ids[f"{name}_{i}"] = cand.id
        s.commit()
    return ids


def _status(s: Session, cid: int) -> str:
    return s.scalars(
        select(MatchCandidate.status)
        .where(MatchCandidate.id == cid)
        .execution_options(populate_existing=True)
    ).one()


def _outbox(s: Session) -> set[int]:
    return set(s.scalars(select(IndexOutbox.product_id)))


def test_the_queue_lists_offers_with_candidates_best_first_and_counts_per_retailer(
    session: Session, market: Market
) -> None:
    ids = _queue(market)
    admin = market.user(session, "admin")
    page = mr.queue(session, admin)
    assert page.total == 3 and [i.offer.id for i in page.items] == [
        ids["clear"],
        ids["close"],
        ids["tie"],
    ]
    first = page.items[0]
    assert [c.candidate.score for c in first.candidates] == [0.92, 0.41]
    assert first.candidates[0].product.name == "Nitrilhandske M"
    assert first.retailer.name == "Tand AB"
    only_nord = mr.queue(session, admin, retailer_id=market.retailers["nord"])
    assert only_nord.total == 1 and only_nord.items[0].offer.sku == "N9"
    paged = mr.queue(session, admin, limit=1, offset=1)
    assert paged.total == 3 and [i.offer.id for i in paged.items] == [ids["close"]]
    counts = mr.retailer_counts(session, admin)
    assert [(c.name, c.offers) for c in counts] == [("Tand AB", 2), ("Dental Nord", 1)]
    assert mr.pending_offer_count(session) == 3
    with pytest.raises(InvalidInput, match="limit"):
        mr.queue(session, admin, limit=101)


@pytest.mark.parametrize("who", ["clinic", "tand_staff", "merch"])
def test_only_admins_work_the_queue(session: Session, market: Market, who: str) -> None:
    ids = _queue(market)
    user = market.user(session, who)
    with pytest.raises(NotAllowed):
        mr.queue(session, user)
    with pytest.raises(NotAllowed):
        mr.accept(session, user, ids["clear_0"], **WEB)
    with pytest.raises(NotAllowed):
        mr.labelled_pairs(session, user)


def test_accept_gives_the_offer_the_product_rejects_the_rest_and_labels_both(
    session: Session, market: Market
) -> None:
    ids = _queue(market)
    admin = market.user(session, "admin")
    before = session.get(Offer, ids["clear"])
    assert before is not None
    before.match_model_version = "match-000000000000"  # as if a model had matched it once
    session.commit()
    done = mr.accept(session, admin, ids["clear_0"], **WEB)
    session.commit()
    offer = session.get(Offer, ids["clear"])
    assert offer is not None
    assert (offer.product_id, offer.match_method, offer.match_confidence) == (
        market.products["glove"],
        "manual",
        1.0,
    )
    assert offer.match_model_version is None  # decided by hand, not by a model
    assert _status(session, ids["clear_0"]) == "accepted"
    assert _status(session, ids["clear_1"]) == "rejected"
    assert market.products["glove"] in _outbox(session)  # search rewrites its document
    pairs = session.scalars(select(MatchDecision).order_by(MatchDecision.id)).all()
    assert [(p.label, p.action, p.implied, p.product_id) for p in pairs] == [
        ("match", "accept", False, market.products["glove"]),
        ("non_match", "accept", True, market.products["composite"]),
    ]
    first = pairs[0]
    assert (first.offer_sku, first.offer_name, first.offer_brand, first.offer_mpn) == (
        "T9",
        "Nitril handske medium",
        "Acme",
        "MPN-T9",
    )
    assert first.offer_price == Decimal("42.50") and first.score == 0.92
    assert first.decided_by == "admin a@x.se (web)" and first.decided_by_id == admin.id
    assert len(done.decisions) == 2
    [entry] = entries_for(session, "offer", ids["clear"])
    assert entry.action == "match.accept" and entry.actor_user_id == admin.id
    assert mr.queue(session, admin).total == 2
    with pytest.raises(AlreadyDecided):
        mr.accept(session, admin, ids["clear_1"], **WEB)


def test_reject_leaves_the_offer_unmatched_and_is_a_non_match(
    session: Session, market: Market
) -> None:
    ids = _queue(market)
    admin = market.user(session, "admin")
    mr.reject(session, admin, ids["close_0"], **WEB)
    session.commit()
    offer = session.get(Offer, ids["close"])
    assert offer is not None and offer.product_id is None
    assert _status(session, ids["close_0"]) == "rejected"
    assert _status(session, ids["close_1"]) == "pending"  # still in the queue
    [pair] = session.scalars(select(MatchDecision)).all()
    assert (pair.label, pair.action, pair.product_id) == (
        "non_match",
        "reject",
        market.products["glove"],
    )
    assert [e.action for e in entries_for(session, "offer", ids["close"])] == ["match.reject"]
    with pytest.raises(AlreadyDecided):
        mr.reject(session, admin, ids["close_0"], **WEB)
    with pytest.raises(NotFound):
        mr.reject(session, admin, 999_999, **WEB)


def test_new_product_makes_the_offer_its_own_catalog_product(
    session: Session, market: Market
) -> None:
    ids = _queue(market)
    admin = market.user(session, "admin")
    done = mr.new_product(session, admin, ids["tie"], **WEB)
    session.commit()
    product = session.get(Product, done.product_id)
    assert product is not None
    assert (product.source, product.source_key, product.name, product.mpn) == (
        "offer",
        f"offer-{ids['tie']}",
        "Handske",
        "MPN-N9",
    )
    offer = session.get(Offer, ids["tie"])
    assert offer is not None and offer.product_id == product.id
    assert {_status(session, ids["tie_0"]), _status(session, ids["tie_1"])} == {"rejected"}
    labels = session.scalars(select(MatchDecision.label)).all()
    assert labels == ["non_match", "non_match"]
    assert product.id in _outbox(session)
    with pytest.raises(AlreadyDecided):
        mr.new_product(session, admin, ids["tie"], **WEB)


def test_new_product_is_refused_when_the_offers_gtin_is_another_products(
    session: Session, market: Market
) -> None:
    from catalog.models import ProductIdentifier

    ids = _queue(market)
    session.add(
        ProductIdentifier(
            product_id=market.products["glove"],
            scheme="gs1",
            value="07312345678909",
            level="primary",
        )
    )
    offer = session.get(Offer, ids["tie"])
    assert offer is not None
    offer.gtin = "07312345678909"
    session.commit()
    with pytest.raises(InvalidInput, match="Nitrilhandske M"):
        mr.new_product(session, market.user(session, "admin"), ids["tie"], **WEB)


def test_pick_assigns_a_product_found_by_name_gtin_or_mpn(session: Session, market: Market) -> None:
    ids = _queue(market)
    admin = market.user(session, "admin")
    mirror = Product(
        source="t",
        source_key="mirror",
        name="Munspegel plan",
        mpn="MS-4",
        mpn_key="MS4",
        primary_gtin="07312345678916",
        content_hash="m",
    )
    session.add(mirror)
    session.commit()
    assert [p.id for p in mr.find_products(session, admin, "munspegel")] == [mirror.id]
    assert [p.id for p in mr.find_products(session, admin, "7312345678916")] == [mirror.id]
    assert [p.id for p in mr.find_products(session, admin, "ms-4")] == [mirror.id]
    assert mr.find_products(session, admin, "  ") == []
    with pytest.raises(InvalidInput, match="q"):
        mr.find_products(session, admin, "x" * 201)
    mr.pick(session, admin, ids["close"], mirror.id, **WEB)
    session.commit()
    offer = session.get(Offer, ids["close"])
    assert offer is not None and offer.product_id == mirror.id
    pairs = session.scalars(select(MatchDecision).order_by(MatchDecision.id)).all()
    assert sorted((p.label, p.product_id) for p in pairs) == sorted(
        [
            ("non_match", market.products["glove"]),
            ("non_match", market.products["composite"]),
            ("match", mirror.id),
        ]
    )
    with pytest.raises(InvalidInput, match="product_id"):
        mr.pick(session, admin, ids["clear"], 999_999, **WEB)


def test_bulk_accept_by_rule_previews_then_accepts_and_leaves_ties_to_a_person(
    session: Session, market: Market
) -> None:
    ids = _queue(market)
    admin = market.user(session, "admin")
    tand = market.retailers["tand"]
    rule = mr.BulkRule(tand, 0.9)
    assert mr.bulk_preview(session, admin, rule) == 1
    assert mr.bulk_preview(session, admin, mr.BulkRule(tand, 0.5)) == 2
    assert mr.bulk_preview(session, admin, mr.BulkRule(tand, 0.5, "gtin")) == 0
    assert mr.bulk_preview(session, admin, mr.BulkRule(market.retailers["nord"], 0.1)) == 0
    with pytest.raises(InvalidInput, match="min_score"):
        mr.bulk_preview(session, admin, mr.BulkRule(tand, 1.5))
    with pytest.raises(InvalidInput, match="method"):
        mr.bulk_preview(session, admin, mr.BulkRule(tand, 0.5, "magic"))
    with pytest.raises(AlreadyDecided, match="selects 2"):
        mr.bulk_accept(session, admin, mr.BulkRule(tand, 0.5), expected=1, **WEB)
    session.rollback()
    mr.bulk_accept(session, admin, mr.BulkRule(tand, 0.5), expected=2, **WEB)
    session.commit()
    for name in ("clear", "close"):
        offer = session.get(Offer, ids[name])
        assert offer is not None and offer.product_id == market.products["glove"]
    assert _status(session, ids["tie_0"]) == "pending"
    assert mr.queue(session, admin).total == 1
    actions = session.scalars(
        select(MatchDecision.action).where(MatchDecision.label == "match")
    ).all()
    assert actions == ["bulk_accept", "bulk_accept"]
    [entry] = session.scalars(
        select(AuditEntry).where(AuditEntry.action == "match.bulk_accept")
    ).all()
    assert entry.detail["accepted"] == 2 and entry.detail["min_score"] == 0.5


def test_two_admins_accepting_the_same_candidate_get_one_outcome(market: Market) -> None:
    ids = _queue(market)
    first, second = market.factory(), market.factory()
    try:
        assert mr.queue(first, market.user(first, "admin")).total == 3  # both see it pending
        assert mr.queue(second, market.user(second, "admin2")).total == 3
        mr.accept(first, market.user(first, "admin"), ids["close_0"], **WEB)
        first.commit()
        with pytest.raises(AlreadyDecided):
            mr.accept(second, market.user(second, "admin2"), ids["close_1"], **WEB)
        second.rollback()
    finally:
        first.close()
        second.close()
    with market.factory() as s:
        offer = s.get(Offer, ids["close"])
        assert offer is not None and offer.product_id == market.products["glove"]
        assert s.scalars(select(MatchDecision.decided_by).distinct()).all() == [
            "admin a@x.se (web)"
        ]


@pytest.mark.parametrize("same", [True, False], ids=["same-candidate", "other-candidate"])
def test_concurrent_decisions_on_one_offer_one_wins_the_other_is_refused(
    market: Market, same: bool
) -> None:
    ids = _queue(market)
    targets = [ids["close_0"], ids["close_0"] if same else ids["close_1"]]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def decide(admin: str, candidate: int) -> None:
        with market.factory() as s:
            user = market.user(s, admin)
            barrier.wait()
            try:
                mr.accept(s, user, candidate, **WEB)
                s.commit()
                outcomes.append("ok")
            except AlreadyDecided:
                s.rollback()
                outcomes.append("409")

    threads = [
        threading.Thread(target=decide, args=(a, c))
        for a, c in zip(("admin", "admin2"), targets, strict=True)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(outcomes) == ["409", "ok"]
    with market.factory() as s:
        statuses = sorted(_status(s, c) for c in (ids["close_0"], ids["close_1"]))
        assert statuses == ["accepted", "rejected"]
        assert (
            len(s.scalars(select(MatchDecision).where(MatchDecision.label == "match")).all()) == 1
        )


def test_labelled_pairs_export_reads_as_the_matching_benchmarks_pair_file(
    session: Session, market: Market
) -> None:
    ids = _queue(market)
    admin = market.user(session, "admin")
    mr.accept(session, admin, ids["clear_0"], **WEB)
    session.commit()
    rows, total = mr.labelled_pairs(session, admin, limit=1)
    assert total == 2 and len(rows) == 1 and mr.pair_row(rows[0])["offer_price"] == "42.50"
    lines = [mr.ditto_line(d) for d in mr.iter_labelled_pairs(session, admin, chunk=1)]
    pairs = parse_pairs(lines)
    assert [p.label for p in pairs] == [1, 0]
    assert pairs[0].left["name"] == "Nitril handske medium" and pairs[0].left["mpn"] == "MPN-T9"
    assert pairs[0].right["name"] == "Nitrilhandske M"


def test_a_later_feed_never_proposes_a_rejected_product_again_and_reopens_an_accepted_one(
    session: Session, market: Market
) -> None:
    """The feed run's review step (``indexer.store``) after admins decided: the rejected
    pair stays rejected (no unique-constraint crash), the accepted one goes back to pending
    for an offer that is ambiguous again."""
    from indexer.matching.matcher import Candidate, MatchResult
    from indexer.records import OfferRecord
    from indexer.store import ChangePlan, ExistingOffer, _queue_reviews

    ids = _queue(market)
    admin = market.user(session, "admin")
    mr.accept(session, admin, ids["close_0"], **WEB)  # glove accepted, composite rejected
    session.commit()
    glove, comp = market.products["glove"], market.products["composite"]
    rec = OfferRecord(row=2, sku="T10", name="Handske/komposit kit v2", price=None)
    plan = ChangePlan()
    plan.changed.append((ExistingOffer(ids["close"], "x", "y", glove, False), rec))
    result = MatchResult(None, None, 0.0, [Candidate(glove, 0.71, "t"), Candidate(comp, 0.7, "t")])
    assert _queue_reviews(session, plan, {"T10": result}, {}, NOW) == 1
    session.commit()
    assert _status(session, ids["close_0"]) == "pending"
    assert _status(session, ids["close_1"]) == "rejected"
    rows = session.scalars(
        select(MatchCandidate).where(MatchCandidate.offer_id == ids["close"])
    ).all()
    assert len(rows) == 2


def test_queue_lengths_count_what_waits_for_a_person(session: Session, market: Market) -> None:
    from datetime import timedelta

    from catalog.models import FeedRun, Organisation
    from marketplace.models import OutgoingEmail, Review, ReviewReport
    from marketplace.queue_lengths import queue_lengths

    _queue(market)
    tand = market.retailers["tand"]
    session.add_all(
        [
            Organisation(kind="retailer", name="Ny Handel AB", status="pending"),
            Organisation(kind="clinic", name="Klar Klinik", status="active"),
            OutgoingEmail(to_address="a@x.se", template="t", lang="sv", context={}),
            OutgoingEmail(
                to_address="b@x.se", template="t", lang="sv", context={}, status="failed"
            ),
            OutgoingEmail(to_address="c@x.se", template="t", lang="sv", context={}, status="sent"),
        ]
    )
    for status, age in (("failed", 1), ("rejected", 6), ("failed", 8), ("succeeded", 1)):
        session.add(
            FeedRun(
                retailer_id=tand,
                file_name=f"{status}-{age}.csv",
                sha256="0" * 64,
                status=status,
                created_at=NOW - timedelta(days=age),
            )
        )
    held = Review(
        target_type="product", target_id=market.products["glove"], rating=1, status="held"
    )
    held_retailer = Review(
        target_type="retailer", target_id=tand, rating=2, status="held", retailer_id=tand
    )
    shown = Review(target_type="product", target_id=market.products["glove"], rating=5)
    session.add_all([held, held_retailer, shown])
    session.flush()
    session.add_all(
        [
            ReviewReport(review_id=shown.id, reason="spam"),
            ReviewReport(review_id=held.id, reason="x", resolved_at=NOW),
        ]
    )
    session.commit()
    q = queue_lengths(session, NOW)
    assert (q.match_offers, q.held_reviews, q.held_for_admins, q.open_reports) == (3, 2, 1, 1)
    assert (q.pending_signups, q.failed_runs, q.emails_queued, q.emails_failed) == (1, 2, 1, 1)
