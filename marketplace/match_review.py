"""The match review queue: the admins decide the offers the matcher could not.

A feed run that finds several plausible products for an offer never guesses: it writes them
to ``match_candidate`` as *pending* (``indexer.store``). Here an admin

* **accepts** a candidate: the offer gets that product (``match_method`` ``manual``, full
  confidence) and the offer's other pending candidates are rejected;
* **rejects** a candidate: the offer keeps no product; the matcher never proposes that
  product for it again (``indexer.store``);
* makes the offer a **new product**: every pending candidate is rejected and a catalog
  product is created from the offer's own data (source ``offer``, key ``offer-<id>``), so the
  offer is found in search as its own product instead of being invisible while unmatched;
* **picks** another product (found by name, GTIN or MPN) for the offer;
* **bulk accepts** by a rule: the best pending candidate of every offer of one retailer
  whose score is at least a threshold (optionally of one method), after a preview count.

Every decision is stored as labelled pairs (``match_decision``: both records as they were,
``match`` or ``non_match``, who and when) that the matcher's training and evaluation read
(:func:`labelled_pairs`, :func:`ditto_line`), and in the audit trail. Two admins deciding
the same offer at once: the offer row is locked first and a candidate moves only from
*pending* (a conditional UPDATE), so one wins and the other gets :class:`AlreadyDecided`.
The offer's old and new product go to the search index outbox in the same transaction
(``catalog.outbox``); the caller applies the outbox after the commit.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from sqlalchemy import ColumnElement, func, or_, select, update
from sqlalchemy.orm import Session

from catalog import audit
from catalog.db import rows_matched
from catalog.enums import MatchMethod, ReviewStatus
from catalog.models import (
    MatchCandidate,
    MatchDecision,
    Offer,
    Product,
    ProductIdentifier,
    Retailer,
    User,
)
from catalog.outbox import enqueue
from catalog.product_store import part_key, upsert_products
from catalog.records import Identifier, ProductRecord
from marketplace.access import require_admin
from marketplace.errors import AlreadyDecided, InvalidInput, NotFound

PENDING = ReviewStatus.PENDING.value
ACCEPTED = ReviewStatus.ACCEPTED.value
REJECTED = ReviewStatus.REJECTED.value
MATCH, NON_MATCH = "match", "non_match"
NEW_PRODUCT_SOURCE = "offer"
BULK_MAX = 5000
"""The most offers one bulk accept decides (a larger rule is refused: narrow it)."""
PRODUCT_SEARCH_MAX = 20
QUERY_MAX = 200
METHODS = tuple(m.value for m in MatchMethod if m is not MatchMethod.MANUAL)


# ---------------------------------------------------------------- reading the queue


@dataclass(frozen=True, slots=True)
class RetailerCount:
    retailer_id: int
    slug: str
    name: str
    offers: int  # offers with at least one pending candidate


@dataclass(frozen=True, slots=True)
class QueuedCandidate:
    candidate: MatchCandidate
    product: Product
    manufacturer: str | None


@dataclass(frozen=True, slots=True)
class QueueItem:
    offer: Offer
    retailer: Retailer
    candidates: list[QueuedCandidate]  # best score first


@dataclass(frozen=True, slots=True)
class QueuePage:
    items: list[QueueItem]
    total: int  # offers waiting (with the retailer filter)


def _pending_offers(retailer_id: int | None) -> ColumnElement[bool]:
    cond = (MatchCandidate.status == PENDING) & (Offer.withdrawn_at.is_(None))
    if retailer_id is not None:
        cond = cond & (Offer.retailer_id == retailer_id)
    return cond


def retailer_counts(session: Session, user: User | None) -> list[RetailerCount]:
    """Offers waiting for a decision, per retailer (most first)."""
    require_admin(user)
    waiting = func.count(func.distinct(Offer.id))
    rows = session.execute(
        select(Retailer.id, Retailer.slug, Retailer.name, waiting)
        .join(Offer, Offer.retailer_id == Retailer.id)
        .join(MatchCandidate, MatchCandidate.offer_id == Offer.id)
        .where(_pending_offers(None))
        .group_by(Retailer.id, Retailer.slug, Retailer.name)
        .order_by(waiting.desc(), Retailer.name)
    )
    return [RetailerCount(rid, slug, name, int(n)) for rid, slug, name, n in rows]


def pending_offer_count(session: Session) -> int:
    """Offers with a pending candidate (the dashboard's queue length; no user check)."""
    return int(
        session.scalar(
            select(func.count(func.distinct(Offer.id)))
            .join(MatchCandidate, MatchCandidate.offer_id == Offer.id)
            .where(_pending_offers(None))
        )
        or 0
    )


def queue(
    session: Session,
    user: User | None,
    *,
    retailer_id: int | None = None,
    limit: int = 20,
    offset: int = 0,
) -> QueuePage:
    """Offers waiting for a decision, oldest first, each with its pending candidates."""
    require_admin(user)
    if not 1 <= limit <= 100:
        raise InvalidInput("limit must be 1..100", code="field_range", field="limit")
    if offset < 0:
        raise InvalidInput("offset must be >= 0", code="field_range", field="offset")
    waiting = select(Offer.id).join(MatchCandidate, MatchCandidate.offer_id == Offer.id)
    waiting = waiting.where(_pending_offers(retailer_id)).distinct()
    total = int(session.scalar(select(func.count()).select_from(waiting.subquery())) or 0)
    ids = list(session.scalars(waiting.order_by(Offer.id).offset(offset).limit(limit)))
    return QueuePage(_items(session, ids), total)


def _items(session: Session, offer_ids: Sequence[int]) -> list[QueueItem]:
    if not offer_ids:
        return []
    offers = {o.id: o for o in session.scalars(select(Offer).where(Offer.id.in_(list(offer_ids))))}
    cond = MatchCandidate.offer_id.in_(list(offer_ids)) & (MatchCandidate.status == PENDING)
    rows = session.execute(
        select(MatchCandidate, Product)
        .join(Product, Product.id == MatchCandidate.product_id)
        .where(cond)
        .order_by(MatchCandidate.score.desc(), MatchCandidate.id)
    ).all()
    by_offer: dict[int, list[QueuedCandidate]] = {oid: [] for oid in offers}
    for cand, product in rows:
        maker = product.manufacturer.name if product.manufacturer is not None else None
        by_offer[cand.offer_id].append(QueuedCandidate(cand, product, maker))
    return [
        QueueItem(offers[oid], offers[oid].retailer, by_offer[oid])
        for oid in offer_ids
        if oid in offers
    ]


def find_products(session: Session, user: User | None, query: str) -> list[Product]:
    """Products whose name contains ``query``, or whose GTIN or MPN is it (for "pick
    another product"); at most :data:`PRODUCT_SEARCH_MAX`."""
    require_admin(user)
    q = query.strip()
    if not q:
        return []
    if len(q) > QUERY_MAX:
        raise InvalidInput(
            f"q: at most {QUERY_MAX} characters", code="field_too_long", field="q", max=QUERY_MAX
        )
    conds: list[ColumnElement[bool]] = [
        func.lower(Product.name).contains(q.lower(), autoescape=True)
    ]
    digits = "".join(ch for ch in q if ch.isdigit())
    if digits and len(digits) == len(q.replace(" ", "")) and len(digits) <= 14:
        gtin = digits.zfill(14)
        conds.append(Product.primary_gtin == gtin)
        conds.append(
            Product.id.in_(
                select(ProductIdentifier.product_id).where(ProductIdentifier.value == gtin)
            )
        )
    conds.append(func.upper(Product.mpn) == q.upper())
    if (key := part_key(q)) is not None:
        conds.append(Product.mpn_key == key)
    return list(
        session.scalars(
            select(Product)
            .where(or_(*conds))
            .order_by(Product.name, Product.id)
            .limit(PRODUCT_SEARCH_MAX)
        )
    )


# ---------------------------------------------------------------- deciding


@dataclass(slots=True)
class Decided:
    """What a decision did: the offer, its product now, the pairs it labelled."""

    offer_id: int
    product_id: int | None
    decisions: list[MatchDecision] = field(default_factory=list)


def _lock_offer(session: Session, offer_id: int) -> Offer:
    """The offer, its row locked for this transaction (PostgreSQL; SQLite serializes
    writers anyway), so two decisions on one offer never interleave."""
    offer = session.scalar(
        select(Offer)
        .where(Offer.id == offer_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if offer is None:
        raise NotFound(f"no offer {offer_id}")
    return offer


def _claim(session: Session, candidate_ids: Sequence[int], status: str, now: datetime) -> int:
    """Move these candidates from pending to ``status``; how many were still pending."""
    if not candidate_ids:
        return 0
    return rows_matched(
        session.execute(
            update(MatchCandidate)
            .where(MatchCandidate.id.in_(list(candidate_ids)), MatchCandidate.status == PENDING)
            .values(status=status, decided_at=now)
            .execution_options(synchronize_session=False)
        )
    )


def _pending_of(session: Session, offer_id: int) -> list[MatchCandidate]:
    return list(
        session.scalars(
            select(MatchCandidate)
            .where(MatchCandidate.offer_id == offer_id, MatchCandidate.status == PENDING)
            .order_by(MatchCandidate.score.desc(), MatchCandidate.id)
            .execution_options(populate_existing=True)
        )
    )


def _pair(
    session: Session,
    offer: Offer,
    product: Product,
    *,
    label: str,
    action: str,
    actor: User,
    channel: str,
    now: datetime,
    candidate: MatchCandidate | None = None,
    implied: bool = False,
) -> MatchDecision:
    """Store one labelled pair, both records as they are now."""
    decision = MatchDecision(
        offer_id=offer.id,
        product_id=product.id,
        candidate_id=candidate.id if candidate is not None else None,
        label=label,
        action=action,
        implied=implied,
        score=candidate.score if candidate is not None else None,
        method=candidate.method if candidate is not None else None,
        retailer_id=offer.retailer_id,
        offer_sku=offer.sku,
        offer_name=offer.raw_name,
        offer_brand=offer.brand,
        offer_mpn=offer.mpn,
        offer_gtin=offer.gtin,
        offer_price=offer.price,
        product_name=product.name,
        product_brand=product.brand,
        product_manufacturer=product.manufacturer.name if product.manufacturer else None,
        product_mpn=product.mpn,
        product_gtin=product.primary_gtin,
        decided_by_id=actor.id,
        decided_by=audit.actor_label(actor, channel)[:300],
        decided_at=now,
    )
    session.add(decision)
    return decision


def _set_product(session: Session, offer: Offer, product_id: int | None, now: datetime) -> None:
    """Give the offer its product (manual, full confidence) and queue both products' search
    documents for rewriting, in this transaction."""
    before = offer.product_id
    session.execute(
        update(Offer)
        .where(Offer.id == offer.id)
        .values(
            product_id=product_id,
            match_method=MatchMethod.MANUAL.value if product_id is not None else None,
            match_confidence=1.0 if product_id is not None else None,
            match_model_version=None,  # decided by hand, not by a model
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    session.refresh(offer)
    enqueue(session, [before, product_id])


def _reject_rest(
    session: Session,
    offer: Offer,
    rest: Sequence[MatchCandidate],
    *,
    action: str,
    actor: User,
    channel: str,
    now: datetime,
    implied: bool,
) -> list[MatchDecision]:
    """Reject these pending candidates of the offer, each a labelled non-match."""
    out: list[MatchDecision] = []
    if _claim(session, [c.id for c in rest], REJECTED, now) != len(rest):
        raise AlreadyDecided(
            f"offer {offer.id}: another admin decided a candidate first",
            code="match_decided",
            offer=offer.id,
        )
    for cand in rest:
        product = session.get(Product, cand.product_id)
        if product is not None:
            out.append(
                _pair(
                    session,
                    offer,
                    product,
                    label=NON_MATCH,
                    action=action,
                    actor=actor,
                    channel=channel,
                    now=now,
                    candidate=cand,
                    implied=implied,
                )
            )
    return out


def _candidate(session: Session, candidate_id: int) -> MatchCandidate:
    cand = session.get(MatchCandidate, candidate_id)
    if cand is None:
        raise NotFound(f"no match candidate {candidate_id}")
    return cand


def _fresh(session: Session, candidate_id: int) -> MatchCandidate:
    """The candidate as stored now (another transaction may have decided it)."""
    cand = session.scalar(
        select(MatchCandidate)
        .where(MatchCandidate.id == candidate_id)
        .execution_options(populate_existing=True)
    )
    if cand is None:
        raise NotFound(f"no match candidate {candidate_id}")
    return cand


def _already(cand: MatchCandidate) -> AlreadyDecided:
    return AlreadyDecided(
        f"candidate {cand.id} was already {cand.status}",
        code="match_decided",
        offer=cand.offer_id,
    )


def accept(
    session: Session, user: User | None, candidate_id: int, *, channel: str, now: datetime
) -> Decided:
    """The offer is this candidate's product; its other pending candidates are rejected."""
    admin = require_admin(user)
    offer_id = _candidate(session, candidate_id).offer_id
    offer = _lock_offer(session, offer_id)
    return _accept_locked(session, admin, offer, candidate_id, "accept", channel, now)


def _accept_locked(
    session: Session,
    admin: User,
    offer: Offer,
    candidate_id: int,
    action: str,
    channel: str,
    now: datetime,
) -> Decided:
    pending = _pending_of(session, offer.id)
    chosen = next((c for c in pending if c.id == candidate_id), None)
    if chosen is None or _claim(session, [candidate_id], ACCEPTED, now) != 1:
        raise _already(_fresh(session, candidate_id))
    product = session.get(Product, chosen.product_id)
    if product is None:  # pragma: no cover - the foreign key cascades
        raise NotFound(f"no product {chosen.product_id}")
    done = Decided(offer.id, product.id)
    done.decisions.append(
        _pair(
            session,
            offer,
            product,
            label=MATCH,
            action=action,
            actor=admin,
            channel=channel,
            now=now,
            candidate=chosen,
        )
    )
    rest = [c for c in pending if c.id != candidate_id]
    done.decisions += _reject_rest(
        session, offer, rest, action=action, actor=admin, channel=channel, now=now, implied=True
    )
    _set_product(session, offer, product.id, now)
    if action != "bulk_accept":
        audit.record(
            session,
            actor=admin,
            channel=channel,
            action="match.accept",
            target_kind="offer",
            target_id=offer.id,
            detail={"candidate": candidate_id, "product": product.id, "rejected": len(rest)},
        )
    return done


def reject(
    session: Session, user: User | None, candidate_id: int, *, channel: str, now: datetime
) -> Decided:
    """This candidate is not the offer's product (the offer stays unmatched)."""
    admin = require_admin(user)
    cand = _candidate(session, candidate_id)
    offer = _lock_offer(session, cand.offer_id)
    if _claim(session, [candidate_id], REJECTED, now) != 1:
        raise _already(_fresh(session, candidate_id))
    product = session.get(Product, cand.product_id)
    done = Decided(offer.id, offer.product_id)
    if product is not None:
        done.decisions.append(
            _pair(
                session,
                offer,
                product,
                label=NON_MATCH,
                action="reject",
                actor=admin,
                channel=channel,
                now=now,
                candidate=cand,
            )
        )
    audit.record(
        session,
        actor=admin,
        channel=channel,
        action="match.reject",
        target_kind="offer",
        target_id=offer.id,
        detail={"candidate": candidate_id, "product": cand.product_id},
    )
    return done


def _offer_gtin_owner(session: Session, gtin: str | None) -> Product | None:
    if not gtin:
        return None
    pid = session.scalar(
        select(ProductIdentifier.product_id).where(ProductIdentifier.value == gtin).limit(1)
    )
    return session.get(Product, pid) if pid is not None else None


def new_product(
    session: Session, user: User | None, offer_id: int, *, channel: str, now: datetime
) -> Decided:
    """None of the candidates: every pending one is rejected, and the offer becomes a
    catalog product of its own (made from its name, brand, MPN and GTIN)."""
    admin = require_admin(user)
    offer = _lock_offer(session, offer_id)
    pending = _pending_of(session, offer.id)
    if not pending:
        raise AlreadyDecided(
            f"offer {offer.id} has no pending candidate", code="match_decided", offer=offer.id
        )
    owner = _offer_gtin_owner(session, offer.gtin)
    if owner is not None:
        raise InvalidInput(
            f"the offer's GTIN {offer.gtin} is product {owner.id}'s ({owner.name}): pick it",
            code="gtin_taken",
            gtin=offer.gtin or "",
            product=owner.name,
        )
    decisions = _reject_rest(
        session,
        offer,
        pending,
        action="new_product",
        actor=admin,
        channel=channel,
        now=now,
        implied=False,
    )
    record = ProductRecord(
        source=NEW_PRODUCT_SOURCE,
        source_key=f"offer-{offer.id}",
        name=offer.raw_name,
        manufacturer=offer.brand,
        brand=offer.brand,
        mpn=offer.mpn,
        identifiers=[Identifier(offer.gtin)] if offer.gtin else [],
    )
    upsert_products(session, [record])
    product = session.scalar(
        select(Product).where(
            Product.source == NEW_PRODUCT_SOURCE, Product.source_key == record.source_key
        )
    )
    assert product is not None  # just upserted in this transaction
    _set_product(session, offer, product.id, now)
    audit.record(
        session,
        actor=admin,
        channel=channel,
        action="match.new_product",
        target_kind="offer",
        target_id=offer.id,
        detail={"product": product.id, "rejected": len(pending)},
    )
    return Decided(offer.id, product.id, decisions)


def pick(
    session: Session,
    user: User | None,
    offer_id: int,
    product_id: int,
    *,
    channel: str,
    now: datetime,
) -> Decided:
    """The offer is ``product_id`` (found by the admin, not among the candidates, or one of
    them); its pending candidates for other products are rejected."""
    admin = require_admin(user)
    offer = _lock_offer(session, offer_id)
    product = session.get(Product, product_id)
    if product is None:
        raise InvalidInput(
            f"product_id: no product {product_id}", code="field_unknown", field="product_id"
        )
    pending = _pending_of(session, offer.id)
    if not pending:
        raise AlreadyDecided(
            f"offer {offer.id} has no pending candidate", code="match_decided", offer=offer.id
        )
    same = next((c for c in pending if c.product_id == product_id), None)
    if same is not None:  # the admin found a listed candidate: that is an accept
        return _accept_locked(session, admin, offer, same.id, "pick", channel, now)
    decisions = _reject_rest(
        session, offer, pending, action="pick", actor=admin, channel=channel, now=now, implied=True
    )
    decisions.append(
        _pair(
            session,
            offer,
            product,
            label=MATCH,
            action="pick",
            actor=admin,
            channel=channel,
            now=now,
        )
    )
    _set_product(session, offer, product.id, now)
    audit.record(
        session,
        actor=admin,
        channel=channel,
        action="match.pick",
        target_kind="offer",
        target_id=offer.id,
        detail={"product": product.id, "rejected": len(pending)},
    )
    return Decided(offer.id, product.id, decisions)


# ---------------------------------------------------------------- bulk accept


@dataclass(frozen=True, slots=True)
class BulkRule:
    """Accept the best pending candidate of each offer of ``retailer_id`` scoring at least
    ``min_score`` (and of ``method`` when given). An offer whose two best candidates tie is
    left for a person."""

    retailer_id: int
    min_score: float
    method: str | None = None

    def check(self) -> BulkRule:
        if not 0.0 <= self.min_score <= 1.0:
            raise InvalidInput(
                "min_score must be between 0 and 1", code="field_range", field="min_score"
            )
        if self.method is not None and self.method not in METHODS:
            raise InvalidInput(
                f"method must be one of {', '.join(METHODS)}",
                code="field_choice",
                field="method",
                choices=", ".join(METHODS),
            )
        return self

    def as_json(self) -> dict[str, object]:
        return {"retailer_id": self.retailer_id, "min_score": self.min_score, "method": self.method}


def _bulk_targets(session: Session, rule: BulkRule) -> list[tuple[int, int]]:
    """(offer id, candidate id) the rule accepts, oldest offer first."""
    rows = session.execute(
        select(
            MatchCandidate.offer_id,
            MatchCandidate.id,
            MatchCandidate.score,
            MatchCandidate.method,
        )
        .join(Offer, Offer.id == MatchCandidate.offer_id)
        .where(_pending_offers(rule.retailer_id))
        .order_by(MatchCandidate.offer_id, MatchCandidate.score.desc(), MatchCandidate.id)
    ).all()
    out: list[tuple[int, int]] = []
    by_offer: dict[int, list[tuple[int, float, str]]] = {}
    for oid, cid, score, method in rows:
        by_offer.setdefault(oid, []).append((cid, float(score), method))
    for oid, cands in by_offer.items():
        best = cands[0]
        tied = len(cands) > 1 and cands[1][1] == best[1]
        if best[1] >= rule.min_score and not tied and rule.method in (None, best[2]):
            out.append((oid, best[0]))
    return out


def _retailer(session: Session, retailer_id: int) -> Retailer:
    retailer = session.get(Retailer, retailer_id)
    if retailer is None:
        raise InvalidInput(
            f"retailer: no retailer {retailer_id}", code="field_unknown", field="retailer"
        )
    return retailer


def bulk_preview(session: Session, user: User | None, rule: BulkRule) -> int:
    """How many offers :func:`bulk_accept` would decide under ``rule`` now."""
    require_admin(user)
    _retailer(session, rule.check().retailer_id)
    return len(_bulk_targets(session, rule))


def bulk_accept(
    session: Session,
    user: User | None,
    rule: BulkRule,
    *,
    expected: int,
    channel: str,
    now: datetime,
) -> Decided:
    """Accept what the rule selects, when that is still the ``expected`` count the admin
    confirmed (else :class:`AlreadyDecided` with the new count: preview again)."""
    admin = require_admin(user)
    _retailer(session, rule.check().retailer_id)
    targets = _bulk_targets(session, rule)
    if len(targets) != expected:
        raise AlreadyDecided(
            f"the rule now selects {len(targets)} offers, not {expected}: preview it again",
            code="bulk_changed",
            count=len(targets),
            expected=expected,
        )
    if len(targets) > BULK_MAX:
        raise InvalidInput(
            f"the rule selects {len(targets)} offers; at most {BULK_MAX} at once: narrow it",
            code="bulk_too_many",
            count=len(targets),
            max=BULK_MAX,
        )
    done = Decided(0, None)
    for offer_id, candidate_id in targets:
        offer = _lock_offer(session, offer_id)
        one = _accept_locked(session, admin, offer, candidate_id, "bulk_accept", channel, now)
        done.decisions += one.decisions
    audit.record(
        session,
        actor=admin,
        channel=channel,
        action="match.bulk_accept",
        target_kind="retailer",
        target_id=rule.retailer_id,
        detail={**rule.as_json(), "accepted": len(targets)},
    )
    return done


# ---------------------------------------------------------------- labelled pairs


def labelled_pairs(
    session: Session, user: User | None, *, limit: int | None = None, offset: int = 0
) -> tuple[list[MatchDecision], int]:
    """The decisions as labelled pairs, oldest first, and how many there are."""
    require_admin(user)
    total = int(session.scalar(select(func.count()).select_from(MatchDecision)) or 0)
    query = select(MatchDecision).order_by(MatchDecision.id).offset(offset)
    if limit is not None:
        query = query.limit(limit)
    return list(session.scalars(query)), total


def iter_labelled_pairs(
    session: Session, user: User | None, chunk: int = 1000
) -> Iterator[MatchDecision]:
    """Every labelled pair, oldest first, read a chunk at a time (for the exports)."""
    require_admin(user)
    last = 0
    while True:
        rows = list(
            session.scalars(
                select(MatchDecision)
                .where(MatchDecision.id > last)
                .order_by(MatchDecision.id)
                .limit(chunk)
            )
        )
        if not rows:
            return
        yield from rows
        last = rows[-1].id


def _ditto_record(fields: Sequence[tuple[str, object]]) -> str:
    parts = []
    for name, value in fields:
        text = "" if value is None else " ".join(str(value).split())
        parts.append(f"COL {name} VAL {text}".rstrip())
    return " ".join(parts)


def ditto_line(d: MatchDecision) -> str:
    """The pair as a line of the Ditto pair files the matching benchmark reads
    (``bench.matching.parse_pairs``): offer, product, 1 (match) or 0."""
    price: Decimal | None = d.offer_price
    left = _ditto_record(
        [
            ("name", d.offer_name),
            ("brand", d.offer_brand),
            ("mpn", d.offer_mpn),
            ("gtin", d.offer_gtin),
            ("price", price),
        ]
    )
    right = _ditto_record(
        [
            ("name", d.product_name),
            ("brand", d.product_brand or d.product_manufacturer),
            ("mpn", d.product_mpn),
            ("gtin", d.product_gtin),
        ]
    )
    return f"{left}\t{right}\t{1 if d.label == MATCH else 0}"


PAIR_FIELDS = (
    "id",
    "label",
    "action",
    "implied",
    "offer_id",
    "retailer_id",
    "offer_sku",
    "offer_name",
    "offer_brand",
    "offer_mpn",
    "offer_gtin",
    "offer_price",
    "product_id",
    "product_name",
    "product_brand",
    "product_manufacturer",
    "product_mpn",
    "product_gtin",
    "score",
    "method",
    "decided_by",
    "decided_at",
)
"""The columns of a labelled pair, as the exports write them."""


def pair_row(d: MatchDecision) -> dict[str, object]:
    """A labelled pair as plain values (JSON and CSV exports)."""
    row: dict[str, object] = {name: getattr(d, name) for name in PAIR_FIELDS}
    row["offer_price"] = str(d.offer_price) if d.offer_price is not None else None
    return row


__all__ = [
    "BULK_MAX",
    "BulkRule",
    "Decided",
    "QueueItem",
    "QueuePage",
    "RetailerCount",
    "accept",
    "bulk_accept",
    "bulk_preview",
    "ditto_line",
    "find_products",
    "iter_labelled_pairs",
    "labelled_pairs",
    "new_product",
    "pair_row",
    "pending_offer_count",
    "pick",
    "queue",
    "reject",
    "retailer_counts",
]
